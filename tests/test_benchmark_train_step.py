"""`tools/benchmark_train_step.py`: its flags and how rounds are ordered and
summarised (the timing itself is a benchmark, not a test)."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "benchmark_train_step.py"
sys.path.insert(0, str(ROOT / "tools"))

import benchmark_train_step  # noqa: E402


@pytest.mark.parametrize(
    "args, message",
    [
        (("--rounds", "0"), "--rounds must be at least 1, got 0"),
        (("--dropout", "1.5"), "--dropout must be in [0, 1), got 1.5"),
    ],
)
def test_bad_flags_are_one_line_errors_before_anything_runs(args, message):
    result = subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"benchmark_train_step.py: error: {message}"
    assert result.stdout == ""


def test_rounds_alternate_which_side_runs_first():
    orders = [benchmark_train_step.side_order(i) for i in range(4)]
    assert orders == [("ours", "peer"), ("peer", "ours")] * 2


def test_the_summary_is_the_median_ratio_and_its_range():
    line = benchmark_train_step.ratio_summary([1.31, 1.07, 1.18])
    assert line == "ours / peer throughput: median 1.18 over 3 rounds (min 1.07, max 1.31)"
