"""`recipes/compare_objectives.py` end to end on a tiny budget, killed with
SIGKILL part-way and resumed (numbers not asserted beyond sanity)."""

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from run_output import one_line_error

REPO = Path(__file__).resolve().parents[2]
COMPARE = REPO / "recipes" / "compare_objectives.py"
GLUE = REPO / "tests" / "fixtures" / "glue"

# ~6 tiny ELECTRA steps (seq 32, batch 8) and ~10 MLM steps; fine-tuning on
# 16 SST-2 rows.
TINY = (
    "--train-flops", "5e10", "--points", "1", "--tasks", "sst2",
    "--data-dir", GLUE, "--seeds", "1", "--seq-len", "32", "--batch-size", "8",
    "--save-every", "2", "--finetune-seq-len", "32", "--finetune-batch-size", "8",
    "--epochs", "1", "--max-train-examples", "16",
)


def _command(out):
    return [sys.executable, str(COMPARE), *map(str, TINY), "--output-dir", str(out)]


@pytest.mark.slow
def test_comparison_resumes_after_sigkill_and_writes_table_csv_and_plot(
    tmp_path, recipe_env
):
    out = tmp_path / "compare"
    process = subprocess.Popen(
        _command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=recipe_env, cwd=tmp_path,
    )
    electra_results = out / "finetune" / "electra" / "flops_1" / "sst2" / "results.json"
    deadline = time.time() + 400
    try:  # Kill it once ELECTRA is scored and MLM pre-training has begun.
        while time.time() < deadline and process.poll() is None:
            if electra_results.exists() and (out / "pretrain" / "mlm" / "run.json").exists():
                break
            time.sleep(0.1)
        assert process.poll() is None, "the comparison ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    scored_at = electra_results.stat().st_mtime_ns
    assert not (out / "comparison.md").exists()

    result = subprocess.run(_command(out), capture_output=True, text=True,
                            env=recipe_env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert electra_results.stat().st_mtime_ns == scored_at  # Not redone.
    table = (out / "comparison.md").read_text()
    assert "| task (metric) | random | electra | mlm |" in table
    assert "| sst2 (accuracy) |" in table and "| average |" in table
    rows = list(csv.DictReader(open(out / "comparison.csv")))
    assert [r["init"] for r in rows] == ["random", "electra", "mlm"]
    flops = {r["init"]: float(r["train_flops"]) for r in rows}
    assert flops["random"] == 0 and flops["electra"] >= 5e10 and flops["mlm"] >= 5e10
    assert all(0.0 <= float(r["median"]) <= 1.0 for r in rows)
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_comparison_flags_are_one_line_errors(tmp_path):
    result = subprocess.run(
        [sys.executable, str(COMPARE), "--train-flops", "1e12", "--tasks", "sst2"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    one_line_error(result, "task 'sst2' needs --data-dir")
    result = subprocess.run(
        [sys.executable, str(COMPARE), "--train-flops", "1e12", "--tasks", "tsv:a.tsv"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    one_line_error(result, "is not tsv:TRAIN:DEV:TEXT_COLUMNS:LABEL_COLUMN")
    result = subprocess.run(
        [sys.executable, str(COMPARE), "--train-flops", "1e12", "--pooling", "max"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    one_line_error(result, "argument --pooling: invalid choice: 'max'")
