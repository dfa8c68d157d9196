"""Fixtures for the recipe tests: `recipes/pretrain.py` run as a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRETRAIN = REPO / "recipes" / "pretrain.py"

# A few steps of the tiny model on the bundled corpus: seconds, not minutes.
FAST_FLAGS = (
    "--seq-len", "64", "--batch-size", "8", "--steps", "8",
    "--save-every", "2", "--learning-rate", "1e-3",
)


def recipe_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), env.get("PYTHONPATH")) if p
    )
    return env


def run_pretrain(*args, cwd=None, timeout=300, backend="tensorflow", env=None):
    """Runs `recipes/pretrain.py ARGS` under the Keras `backend`, with
    `env` added to the environment; returns the `CompletedProcess`."""
    return subprocess.run(
        [sys.executable, str(PRETRAIN), *map(str, args)],
        capture_output=True, text=True, cwd=cwd,
        env={**recipe_env(), "KERAS_BACKEND": backend, **(env or {})},
        timeout=timeout,
    )


@pytest.fixture(name="run_pretrain", scope="session")
def run_pretrain_fixture():
    """`run_pretrain(*args, cwd=None, timeout=300, backend="tensorflow",
    env=None)` -> `CompletedProcess`."""
    return run_pretrain


@pytest.fixture(name="recipe_env", scope="session")
def recipe_env_fixture():
    """The environment the recipe subprocesses run in."""
    return recipe_env()


@pytest.fixture(scope="session")
def fast_flags():
    """Flags for a few-step tiny run (seq 64, batch 8, 8 steps, save every 2)."""
    return list(FAST_FLAGS)


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """One uninterrupted `FAST_FLAGS` run (with the demo); shared by tests."""
    root = tmp_path_factory.mktemp("finished_run")
    model_dir, export_dir = root / "run", root / "export"
    result = run_pretrain(
        *FAST_FLAGS, "--model-dir", model_dir, "--export-dir", export_dir,
        cwd=root,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {"result": result, "model_dir": model_dir, "export_dir": export_dir}
