"""tools/benchmark_inference.py: bad input is a one-line error before
TensorFlow loads, naming the file or line."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1]
TOOL = ROOT / "tools" / "benchmark_inference.py"
SST2 = ROOT / "tests" / "fixtures" / "glue" / "SST-2"


def _run(*flags):
    return subprocess.run([sys.executable, str(TOOL), *map(str, flags)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("flags,message", [
    (["--dev", "missing.tsv", "--calibration", SST2 / "train.tsv"],
     "--dev file 'missing.tsv' does not exist"),
    (["--dev", SST2 / "dev.tsv", "--calibration", SST2 / "train.tsv", "--sizes", "huge"],
     "invalid choice: 'huge'"),
    (["--dev", SST2 / "dev.tsv", "--calibration", SST2 / "train.tsv", "--classifier",
      "nope.keras"], "--classifier 'nope.keras' does not exist"),
    (["--dev", SST2 / "dev.tsv", "--calibration", SST2 / "train.tsv", "--runs", "0"],
     "--runs"),
])
def test_bad_flags_are_one_line_errors_before_tensorflow(flags, message):
    result = _run(*flags)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_a_row_without_a_label_names_its_file_and_line(tmp_path):
    dev = tmp_path / "dev.tsv"
    dev.write_text("sentence\tlabel\ngood film\t1\nno label here\n")
    result = _run("--dev", dev, "--calibration", SST2 / "train.tsv")
    assert result.returncode == 2
    assert f"{dev}:3: expected text<TAB>label" in result.stderr
