"""The README's and docs' Python examples, run in fresh processes as a
reader would paste them (the `fit` example with fewer steps)."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).parents[1]


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


def test_readme_fit_example_trains_and_saves_the_discriminator(tmp_path):
    [example] = [b for b in _python_blocks(ROOT / "README.md") if "pretrainer.fit(" in b]
    assert "steps_per_epoch=50, epochs=2" in example
    script = example.replace("steps_per_epoch=50, epochs=2", "steps_per_epoch=3, epochs=1")
    script += ("\nimport keras\nloaded = keras.models.load_model('discriminator.keras')\n"
               "print('hidden', loaded.hidden_dim)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "disc_auc" in result.stdout
    assert "hidden 128" in result.stdout


def test_docs_pretrain_from_python_example_trains_and_saves_a_run(tmp_path):
    from doc_examples import python_example

    script = python_example("docs/pretraining.md", "pretrain(PretrainConfig(")
    script += "\nprint('saved', result.run_directory.discriminator_file)\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "runs" / "from_python" / "run.json").is_file()
    saved = result.stdout.strip().splitlines()[-1].removeprefix("saved ")
    assert (tmp_path / saved).is_file() or pathlib.Path(saved).is_file(), saved
