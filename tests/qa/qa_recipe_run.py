"""Runs `recipes/finetune_squad.py` in a subprocess and checks its outputs."""

import json
import pathlib
import os
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]

RECIPE = ROOT / "recipes" / "finetune_squad.py"
SEEDS = (1, 2)


def python_env():
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


class RecipeRun:
    def __init__(self, process, root):
        self.process, self.root = process, root

    def wait(self):
        _, stderr = self.process.communicate(timeout=400)
        assert self.process.returncode == 0, stderr[-4000:]
        return self.root


def start_recipe(sample_split, root):
    """Writes 16 train / 12 dev questions of the split and starts the recipe."""
    from keras_electra.qa.squad import as_squad_json

    train, dev = sample_split
    (root / "train.json").write_text(json.dumps(as_squad_json(train[:16])))
    (root / "dev.json").write_text(json.dumps(as_squad_json(dev[:12])))
    command = [
        sys.executable, str(RECIPE), "--train", str(root / "train.json"),
        "--dev", str(root / "dev.json"), "--version", "2.0", "--init", "random",
        "--preset", "tiny", "--seq-len", "64", "--max-query-length", "16",
        "--doc-stride", "32", "--epochs", "1", "--batch-size", "8",
        "--seeds", ",".join(map(str, SEEDS)), "--output-dir", str(root / "run"),
        "--export-dir", str(root / "saved_models" / "squad"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=python_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return RecipeRun(process, root)


def check_recipe_outputs(root):
    run = root / "run"
    results = json.loads((run / "results.json").read_text())
    assert results["version"] == "2.0" and results["seeds"] == list(SEEDS)
    assert results["sequence_length"] == 64 and results["doc_stride"] == 32
    assert results["init"] == "random:tiny"
    for key in ("exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1",
                "best_exact", "best_f1", "best_f1_thresh"):
        values = [r["scores"][key] for r in results["runs"]]
        assert results["median"][key] == statistics.median(values), key
    for run_result in results["runs"]:
        scores = run_result["scores"]
        assert scores["total"] == 12 and scores["HasAns_total"] + scores["NoAns_total"] == 12
        assert scores["best_f1"] >= scores["NoAns_total"] / 12 * 100 - 1e-9
        assert os.path.isfile(run_result["model"])
        assert len(run_result["per_epoch"]) == 1
    for seed in SEEDS:
        logs = run / f"seed_{seed}" / "logs"
        assert any("tfevents" in name for _, _, files in os.walk(logs) for name in files)
    export = results["export"]
    assert export["path"] == str(root / "saved_models" / "squad" / "1")
    metadata = json.loads((root / "saved_models" / "squad" / "1" / "assets.extra"
                           / "electra_export.json").read_text())
    assert metadata["kind"] == "question_answerer" and metadata["squad_version"] == "2.0"
    chosen = [r for r in results["runs"] if r["seed"] == export["seed"]][0]
    assert metadata["no_answer_threshold"] == chosen["scores"]["best_f1_thresh"]
    assert metadata["sequence_length"] == 64 and metadata["doc_stride"] == 32
