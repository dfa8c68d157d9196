"""`tools/learning_stage.py` and `tools/plateau_sweep.py` as a user runs them."""

import csv
import json
import subprocess
import sys

import pytest

from conftest import REPO
from conftest import recipe_env

MEASURE = REPO / "tools" / "learning_stage.py"
SWEEP = REPO / "tools" / "plateau_sweep.py"


def _run(*args, timeout=600):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True,
                          text=True, env=recipe_env(), timeout=timeout, cwd=REPO)


def test_remeasuring_a_run_in_a_new_process_gives_the_recorded_numbers(finished_run):
    model_dir = finished_run["model_dir"]
    recorded = json.loads((model_dir / "learning_stage.json").read_text())["steps"]
    result = _run(MEASURE, model_dir, "--remeasure")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [l for l in result.stdout.splitlines() if l.startswith("step ")]
    assert [l.split(":")[0] for l in lines] == ["step 4", "step 6", "step 8"]
    remeasured = json.loads((model_dir / "learning_stage.json").read_text())["steps"]
    for step in ("4", "6", "8"):
        assert remeasured[step]["disc_auc"] == pytest.approx(recorded[step]["disc_auc"], abs=1e-6)
        assert remeasured[step]["mlm_accuracy"] == pytest.approx(
            recorded[step]["mlm_accuracy"], abs=1e-6)


@pytest.mark.parametrize("tool, args, message", [
    (MEASURE, ["{tmp}"], "holds no pre-training run"),
    (SWEEP, ["no-equals-sign"], "is not NAME=FLAGS"),
    (SWEEP, ["a=--steps 2", "--minutes", "0"], "--minutes"),
])
def test_bad_input_is_one_line_and_status_2(tool, args, message, tmp_path):
    result = _run(tool, *[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_sweep_trains_measures_and_tabulates_each_setting(tmp_path):
    results = tmp_path / "results" / "sweep"
    common = "--seq-len 64 --batch-size 8 --save-every 2 --learning-rate 1e-3"
    # `a` twice: a finished setting is measured again, not retrained, and
    # its rows replace the earlier ones.
    result = _run(
        SWEEP, "--runs-dir", tmp_path / "runs", "--results", results,
        "--common", common, "a=--steps 4", "b=--steps 2 --seed 1", "a=--steps 4",
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "exited with" not in result.stdout, result.stdout
    with open(f"{results}.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["name"], r["step"]) for r in rows] == [
        ("b", "2"), ("a", "2"), ("a", "4")]
    assert all(0.0 <= float(r["disc_auc"]) <= 1.0 for r in rows)
    assert (tmp_path / "runs" / "a.log").read_text().count("Trained steps") == 1
    table = (tmp_path / "results" / "sweep.md").read_text().splitlines()
    assert [line.split("|")[1].strip() for line in table[2:]] == ["b", "a"]
