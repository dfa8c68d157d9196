"""What the tagging tests share besides fixtures: the data, the learning
run's settings and a fresh-process runner (imported by name, so it must not
be called `conftest`)."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
CONLL2000 = ROOT / "tests" / "fixtures" / "conll2000"
SUBPROCESS_TIMEOUT = 300

# The learning run: the `tiny` preset from random init on the first
# TRAIN_SENTENCES of the CoNLL-2000-format fixture's train file, scored on
# the first TEST_SENTENCES of its test file.
TRAIN_SENTENCES = 240
TEST_SENTENCES = 60
SEQ_LEN = 64
TRAINING = dict(
    sequence_length=SEQ_LEN, epochs=6, batch_size=16, learning_rate=2e-3,
    layer_decay=1.0,
)
PARITY_SENTENCES = 40
"""Test sentences sent as text to the export and compared with Keras."""


def python_env():
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    return env


def run_python(args, check=True, timeout=SUBPROCESS_TIMEOUT):
    """Runs `python ARGS...` in a fresh process from the repository root."""
    result = subprocess.run(
        [sys.executable, *map(str, args)], env=python_env(), cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"python {' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stderr[-4000:]}"
        )
    return result
