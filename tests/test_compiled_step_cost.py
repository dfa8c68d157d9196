"""`tools/compiled_step_cost.py`: what XLA compiles for the train step.

The tool runs as a user runs it (a JAX subprocess) on `tiny`, and its
numbers specify the step: no host round trips, one program per `fit`, one
random-bit draw per dropout layer plus the sampling's, and no compute the
algorithm does not need beyond the elementwise work a small model carries.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "compiled_step_cost.py"


def run_tool(*args):
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, str(TOOL), *args], env=env, capture_output=True,
        text=True, timeout=600,
    )


def only_json_line(result):
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


@pytest.fixture(scope="module")
def tiny_without_dropout():
    return only_json_line(
        run_tool("--size", "tiny", "--batch", "4", "--seq", "32", "--dropout", "0")
    )


def test_step_has_no_host_callbacks_and_compiles_once(tiny_without_dropout):
    assert tiny_without_dropout["host_callbacks"] == 0
    assert tiny_without_dropout["compiled_programs"] == 1


def test_the_step_draws_no_random_bits_with_or_without_dropout(tiny_without_dropout):
    # The generator's sampling noise and every dropout mask are hashes of a
    # seed and coordinates (`keras_electra.layers.hashed_noise`), not draws
    # from JAX's generator.
    assert tiny_without_dropout["random_bit_draws"] == 0
    with_dropout = only_json_line(
        run_tool("--size", "tiny", "--batch", "4", "--seq", "32")
    )
    assert with_dropout["random_bit_draws"] == 0
    # ... though dropout does run: its masks move bytes.
    assert with_dropout["bytes_accessed"] > tiny_without_dropout["bytes_accessed"]


def test_compiled_flops_stay_near_the_analytic_matrix_product_count(
    tiny_without_dropout,
):
    # Matrix products are all but the elementwise work (softmax, gelu,
    # LayerNorm, Adam), which weighs about 18% in a 2-layer, 128-wide
    # model at sequence length 32 and less as models grow.
    assert 1.0 <= tiny_without_dropout["flops_ratio"] <= 1.25
    assert tiny_without_dropout["bytes_accessed"] > 0


def test_flag_errors_are_one_line_before_any_import():
    result = run_tool("--dropout", "1.5")
    assert result.returncode == 2
    assert "--dropout must be in [0, 1), got 1.5" in result.stderr
    assert "Traceback" not in result.stderr
    result = subprocess.run(
        [sys.executable, str(TOOL), "--size", "tiny"],
        env=dict(os.environ, KERAS_BACKEND="tensorflow"),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "KERAS_BACKEND=jax" in result.stderr.strip().splitlines()[-1]
