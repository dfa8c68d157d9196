"""`tools/gpu_benchmark.py`: the one-shot GPU benchmark's plan, records and
errors, checked on the CPU (`--smoke` sizes: a check of the script, not a
measurement)."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "gpu_benchmark.py"
sys.path.insert(0, str(ROOT / "tools"))

import gpu_benchmark  # noqa: E402


def run_tool(*args, timeout=300):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, str(TOOL), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_configs_are_size_batch_pairs():
    assert gpu_benchmark.parse_configs("small:128, base:256") == [("small", 128), ("base", 256)]
    for bad in ("tiny:8", "small", "small:0", "small:x"):
        with pytest.raises(ValueError, match=f"--configs entry '{bad}' is not SIZE:BATCH"):
            gpu_benchmark.parse_configs(bad)


@pytest.mark.parametrize(
    "args, message",
    [
        (("--configs", "small:x"), "--configs entry 'small:x' is not SIZE:BATCH"),
        (("--sides", "ours-jax,tf"), "--sides 'ours-jax,tf': each must be one of"),
        (("--peers", "/nonexistent"), "--peers /nonexistent: no peer_kerashub.py there"),
    ],
)
def test_bad_flags_fail_in_one_line_before_anything_runs(args, message):
    result = run_tool(*args, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith("gpu_benchmark.py: error: ")
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_the_summary_is_ours_over_the_best_peer():
    records = [
        {"side": "ours-jax", "seq_per_s": 300.0},
        {"side": "keras-hub-jax", "seq_per_s": 200.0},
        {"side": "hf-torch-eager", "error": "exit 1: boom"},
        {"side": "hf-torch-compile", "seq_per_s": 250.0},
    ]
    assert gpu_benchmark.summary(records, "small", 128) == {
        "summary": "small batch 128", "ours_seq_per_s": 300.0,
        "best_peer": "hf-torch-compile", "best_peer_seq_per_s": 250.0,
        "ours_over_best_peer": 1.2,
    }


needs_peers = pytest.mark.skipif(
    not (gpu_benchmark.DEFAULT_PEERS / "peer_kerashub.py").is_file(),
    reason="../shared/bench is absent: the peers' scripts and flops.py live there",
)


@needs_peers
def test_our_side_is_rated_by_the_peers_flop_count_and_summarised(tmp_path):
    out = tmp_path / "bench.jsonl"
    result = run_tool("--smoke", "--sides", "ours-jax", "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    ours, summary = [json.loads(line) for line in out.read_text().splitlines()]
    assert (ours["side"], ours["size"], ours["batch"], ours["seq"], ours["precision"]) == (
        "ours-jax", "small", 2, 32, "fp32"
    )
    sys.path.insert(0, str(gpu_benchmark.DEFAULT_PEERS))
    from flops import train_flops_per_seq

    expected = ours["seq_per_s"] * train_flops_per_seq("small", 32) / 1e12
    assert ours["model_tflops"] == pytest.approx(expected, rel=1e-2)
    assert ours["mfu"] == pytest.approx(expected / gpu_benchmark.H200_BF16_TFLOPS, rel=1e-2)
    assert summary["ours_seq_per_s"] == ours["seq_per_s"]
    assert result.stdout.strip().splitlines()[-1] == json.dumps(summary)


@needs_peers
def test_a_side_out_of_time_is_an_error_line_and_the_plan_goes_on(tmp_path):
    out = tmp_path / "bench.jsonl"
    result = run_tool("--smoke", "--sides", "ours-jax,hf-torch-eager",
                      "--side-timeout", "2", "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line.get("side") for line in lines] == ["ours-jax", "hf-torch-eager", None]
    assert all(line["error"].startswith("timed out after") for line in lines[:2])
    assert lines[2] == {"summary": "small batch 2", "ours_seq_per_s": None}
