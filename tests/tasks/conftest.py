"""Fixtures of the task tests: a real pre-training run directory and the
project's SST-2-format rows."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SST2 = REPO / "tests" / "fixtures" / "glue" / "SST-2"


@pytest.fixture(scope="session")
def pretraining_run(tmp_path_factory):
    """`recipes/pretrain.py` for a few `tiny` steps: its `--model-dir`."""
    root = tmp_path_factory.mktemp("pretraining_run")
    result = subprocess.run(
        [sys.executable, str(REPO / "recipes" / "pretrain.py"),
         "--seq-len", "64", "--batch-size", "8", "--steps", "8",
         "--save-every", "4", "--model-dir", str(root / "run"),
         "--export-dir", "", "--no-demo"],
        capture_output=True, text=True, cwd=root, timeout=600,
        env=dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root / "run"


def read_sst2(split):
    """`(sentences, labels)` of the fixture's SST-2 `split`."""
    with open(SST2 / f"{split}.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["sentence"] for r in rows], [int(r["label"]) for r in rows]


@pytest.fixture(scope="session")
def sst2():
    """`{"train": (sentences, labels), "dev": ...}` of the fixture rows."""
    return {split: read_sst2(split) for split in ("train", "dev")}
