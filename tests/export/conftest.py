"""Fixtures of the export tests: tiny models exported once per session.

Models are built and exported in subprocesses (one per Keras backend, in
parallel), and every export is loaded back with `tf.saved_model.load` in one
fresh TensorFlow process (`export_helpers.py run`); the tests compare the arrays
those processes write.
"""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent

import export_helpers as helpers  # noqa: E402  (pytest puts this directory on the path)
from export_helpers import ROOT  # noqa: E402
from export_helpers import SUBPROCESS_TIMEOUT  # noqa: E402
from export_helpers import load_serving_client  # noqa: E402
from export_helpers import python_env  # noqa: E402
from export_helpers import run_python  # noqa: E402
from session_cache import build_once  # noqa: E402  (tests/session_cache.py)

def _wait(process, what):
    try:
        _, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    if process.returncode != 0:
        raise AssertionError(f"{what} failed:\n{stderr[-4000:]}")


class Exports:
    """Paths of the session's exports and the arrays their loads produced."""

    def __init__(self, root):
        self.root = root
        self.saved_models = root / "saved_models"
        self.requests_file = root / "requests.json"

    def version(self, name, number=1):
        return self.saved_models / name / str(number)

    def reference(self, backend="tensorflow"):
        return np.load(self.root / f"reference_{backend}.npz")

    def loaded(self, name):
        return np.load(self.root / f"loaded_{name}.npz")


def client_requests():
    """The serving client's REST body and gRPC request for `helpers.TEXTS`."""
    serving_client = load_serving_client()

    inputs = serving_client.text_inputs(helpers.TEXTS)
    return {
        "rest": serving_client.rest_body(inputs),
        "grpc_hex": serving_client.grpc_request(inputs, "electra")
        .SerializeToString()
        .hex(),
    }


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """Builds and exports under TensorFlow and JAX, then loads every export.
    Tests that add to it work on a copy."""
    return Exports(build_once(tmp_path_factory, "export", _build_exports))


def _build_exports(root):
    exports = Exports(root)
    builds = [
        (
            backend,
            subprocess.Popen(
                [sys.executable, str(HERE / "export_helpers.py"), "build", str(root)],
                env=python_env(backend),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for backend in ("tensorflow", "jax")
    ]
    for backend, process in builds:
        _wait(process, f"building and exporting under {backend}")
    exports.requests_file.write_text(json.dumps(client_requests()))
    reference = root / "reference_tensorflow.npz"
    specs = [
        f"{exports.version('electra_tensorflow')}={root / 'loaded_electra_tensorflow.npz'}"
        f"={reference}:disc",
        f"{exports.version('electra_jax')}={root / 'loaded_electra_jax.npz'}"
        f"={root / 'reference_jax.npz'}:disc",
        f"{exports.version('mnli')}={root / 'loaded_mnli.npz'}={reference}:classifier",
        f"{exports.version('stsb')}={root / 'loaded_stsb.npz'}={reference}:disc",
    ]
    run_python(
        [HERE / "export_helpers.py", "run", *specs, "--requests", exports.requests_file]
    )
