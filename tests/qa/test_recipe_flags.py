"""`recipes/finetune_squad.py` rejects bad flags in one line, before
importing TensorFlow."""

import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]

RECIPE = ROOT / "recipes" / "finetune_squad.py"
SAMPLE = ["--sample-split", "--sample-file",
          str(ROOT / "tests" / "fixtures" / "squad" / "dev-v2.0-sample.json")]


def run_recipe(*args):
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{str(RECIPE)!r}] + sys.argv[1:]\n"
        "try:\n"
        f"    runpy.run_path({str(RECIPE)!r}, run_name='__main__')\n"
        "finally:\n"
        "    assert 'tensorflow' not in sys.modules, 'imported TensorFlow'\n"
    )
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


@pytest.mark.parametrize("args, message", [
    ([], "give --train and --dev, or --sample-split"),
    (["--train", "missing.json", "--dev", "missing.json"], "--train 'missing.json' does not exist"),
    (["--sample-split"], "--sample-split needs --sample-file"),
    (["--sample-split", "--sample-file", "none.json"], "--sample-file 'none.json' does not exist"),
    ([*SAMPLE, "--version", "3.0"], "invalid choice: '3.0'"),
    ([*SAMPLE, "--seq-len", "40", "--max-query-length", "64"], "leaves no room"),
    ([*SAMPLE, "--doc-stride", "0"], "must be positive"),
    ([*SAMPLE, "--seeds", "1,x"], "comma-separated integers"),
    ([*SAMPLE, "--init", "runs/none"], "--init 'runs/none' does not exist"),
    ([*SAMPLE, "--train", "a.json"], "--sample-split replaces"),
])
def test_bad_flags_fail_in_one_line_without_tensorflow(args, message):
    result = run_recipe(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
