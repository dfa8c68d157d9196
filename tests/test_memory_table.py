"""`tools/memory_table.py`: the batch search and its command line.

The compiled measurement itself runs in
`tests/models/test_remat.py::test_remat_lowers_the_compiled_steps_peak_memory_at_sequence_512`.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

TOOL = pathlib.Path(__file__).resolve().parents[1] / "tools" / "memory_table.py"


@pytest.fixture(scope="module")
def memory_table():
    spec = importlib.util.spec_from_file_location("memory_table", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _recording(peak_of):
    measured = []

    def measure(batch):
        measured.append(batch)
        return peak_of(batch)

    return measure, measured


def test_max_batch_for_an_affine_peak_is_predicted_and_confirmed(memory_table):
    measure, measured = _recording(lambda b: 100 + 30 * b)
    assert memory_table.max_batch_for(400, measure) == 10  # 400 fits exactly.
    assert measured == [1, 2, 10]


def test_max_batch_for_steps_down_when_the_prediction_does_not_fit(memory_table):
    # Peak grows faster than the two first batches predict.
    measure, measured = _recording(lambda b: 100 + 30 * b + b * b)
    assert memory_table.max_batch_for(400, measure) == 7
    assert measured == [1, 2, 9, 8, 7]


def test_max_batch_for_is_zero_when_one_sequence_does_not_fit(memory_table):
    measure, measured = _recording(lambda b: 500 + 30 * b)
    assert memory_table.max_batch_for(400, measure) == 0


@pytest.mark.parametrize("args, message", [
    (["--seq", "0"], "--seq must be positive, got 0"),
    (["--seq", "1024"], "--seq must be between 8 and 512"),
    (["--remat", "all"], "argument --remat: invalid choice: 'all'"),
    (["--max-batch-for", "0"], "--max-batch-for must be positive"),
])
def test_bad_flags_are_one_line_errors_before_jax_loads(args, message):
    script = (
        "import sys; sys.modules['jax'] = None; "  # Any JAX import fails.
        f"sys.argv = ['memory_table.py', *{args!r}]; "
        f"exec(compile(open({str(TOOL)!r}).read(), 'memory_table.py', 'exec'))"
    )
    env = dict(os.environ, KERAS_BACKEND="jax")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
