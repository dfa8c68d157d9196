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


PEER_STANDIN = '''
import time
import keras
import numpy as np


class Timer(keras.callbacks.Callback):
    def __init__(self, warmup):
        self.warmup, self.t0 = warmup, None

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.warmup - 1:
            self.t0 = time.perf_counter()


class SlowLastStep(keras.callbacks.Callback):
    """Sleeps after fit's last step, as a slow teardown would."""

    def on_train_end(self, logs=None):
        time.sleep(1.0)


def run(size, batch, seq, steps, warmup, bf16=True, jit=True):
    model = keras.Sequential([keras.Input((seq,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((batch * (steps + warmup), seq), "float32")
    timer = Timer(warmup)
    model.fit(x, x[:, :1], batch_size=batch, verbose=0, shuffle=False,
              callbacks=[timer, SlowLastStep()])
    dt = (time.perf_counter() - timer.t0) / steps
    return {"peer": "stand-in", "step_ms": dt * 1e3, "seq_per_s": batch / dt}
'''


def test_the_peer_is_timed_by_our_clock_and_its_own_figures_are_kept(tmp_path):
    """The peer's `run(...)` makes its callback with `Timer(warmup)`; the
    tool swaps in its step clock, so a slow return after the last step
    shows in the peer's own figures and in `return_s`, not in `step_ms`."""
    peer = tmp_path / "peer_standin.py"
    peer.write_text(PEER_STANDIN)
    line = benchmark_train_step.measure_peer(
        peer, "small", batch=4, seq=8, steps=3, warmup=2, bf16=False, jit=False
    )
    assert line["peer"] == "stand-in"
    assert line["return_s"] >= 1.0
    assert line["step_ms_to_return"] >= 1000 / 3
    assert line["step_ms"] < line["step_ms_to_return"] - 200
    assert line["seq_per_s"] == pytest.approx(4e3 / line["step_ms"], rel=1e-2)
