"""Pre-training from Python: docs/pretraining.md's `keras_electra.pretrain.pretrain`
example, run as written in a fresh process."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def readme_pretrain_example():
    """docs/pretraining.md's Python block that calls `pretrain(...)`."""
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "docs" / "pretraining.md").read_text(), re.S)
    matches = [b for b in blocks if "from keras_electra.pretrain import" in b]
    assert len(matches) == 1, "docs/pretraining.md has one pretrain() example"
    return matches[0]


@pytest.mark.slow
def test_readme_example_pretrains_from_python_and_returns_the_run(tmp_path, recipe_env):
    script = readme_pretrain_example() + "\n".join([
        "",
        "import json, sys",
        "print(json.dumps({",
        "    'final_step': result.final_step,",
        "    'finished': result.run_directory.is_finished(),",
        "    'checkpoint': result.run_directory.latest_checkpoint(),",
        "    'layers': result.pretrainer.discriminator.num_layers,",
        "}))",
    ])
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True,
        cwd=tmp_path, env=recipe_env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["final_step"] > 0 and summary["finished"]
    assert summary["checkpoint"].endswith(f"step-{summary['final_step']:08d}.weights.h5")
    assert summary["layers"] == 2
    assert not (tmp_path / "saved_models").exists()  # export_dir=None
