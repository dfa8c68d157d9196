"""`recipes/finetune_tagging.py` end to end (small), its one-line errors
before any slow import, and `python -m keras_electra tag`."""

import json
import time

import pytest
from tagging_setup import ROOT
from tagging_setup import run_python

RECIPE = ROOT / "recipes" / "finetune_tagging.py"


def _slice(source, target, sentences):
    blocks = source.read_text().split("\n\n")[:sentences]
    target.write_text("\n\n".join(blocks) + "\n")
    return target


@pytest.fixture(scope="module")
def recipe_run(tmp_path_factory, conll2000):
    root = tmp_path_factory.mktemp("recipe")
    train = _slice(conll2000 / "train.txt", root / "train.txt", 160)
    test = _slice(conll2000 / "test.txt", root / "test.txt", 30)
    args = [
        RECIPE, "--train", train, "--dev-sentences", 30, "--test", test,
        "--init", "random", "--preset", "tiny", "--seq-len", 32, "--epochs", 1,
        "--batch-size", 16, "--seeds", "1,2", "--tag-scheme", "bioes",
        "--output-dir", root / "run", "--export-dir", root / "saved_models" / "chunk",
    ]
    result = run_python(args)
    return root, result


def test_recipe_reports_the_median_over_seeds_and_exports(recipe_run):
    root, result = recipe_run
    results = json.loads((root / "run" / "results.json").read_text())
    assert results["seeds"] == [1, 2] and len(results["runs"]) == 2
    assert set(results["median"]) == {"dev", "test"}
    for split in ("dev", "test"):
        values = sorted(run[split]["f1"] for run in results["runs"])
        assert results["median"][split]["f1"] == pytest.approx(sum(values) / 2)
    assert results["tag_scheme"] == "bioes"
    assert "S-NP" in results["label_names"] and "E-NP" in results["label_names"]
    assert results["runs"][0]["train_sentences"] == 130  # 160 minus 30 held out.
    for seed in (1, 2):
        seed_dir = root / "run" / f"seed_{seed}"
        assert (seed_dir / "tagger.keras").is_file()
        assert list((seed_dir / "logs").iterdir())
        lines = (seed_dir / "test_predictions.txt").read_text().split("\n")
        assert len(lines[0].split()) == 3  # word gold predicted
    assert results["export"].endswith("1")
    assert "median over 2 seed(s)" in result.stdout


def test_tag_command_prints_a_line_per_word(recipe_run):
    root, _ = recipe_run
    result = run_python([
        "-m", "keras_electra", "tag", "Confidence in the pound is widely expected", "",
        "--model", root / "saved_models" / "chunk",
    ])
    lines = result.stdout.splitlines()
    words = "Confidence in the pound is widely expected".split()
    tagged = [line.split() for line in lines if line.startswith("  ") and
              not line.strip().startswith("spans:") and line.strip() != "(no words)"]
    assert [row[0] for row in tagged] == words
    assert all(len(row) == 2 for row in tagged)
    assert "  (no words)" in lines


@pytest.mark.parametrize(
    "args, message",
    [
        (["--train", "missing.txt"], "--train 'missing.txt' does not exist"),
        (["--train", "{train}", "--seq-len", "2"], "--seq-len must be at least 3"),
        (["--train", "{train}", "--stride", "200"], "--stride must be at most"),
        (["--train", "{train}", "--init", "nowhere"], "--init 'nowhere' does not exist"),
        (["--train", "{train}", "--tag-scheme", "bilou"], "invalid choice: 'bilou'"),
        (["--train", "{bad}"], "bad.txt:2: expected a word and a label"),
        (["--train", "{train}", "--dev-sentences", "5"], "too few to hold out 5"),
    ],
)
def test_bad_flags_and_files_fail_in_one_line_before_slow_imports(tmp_path, args, message):
    (tmp_path / "train.txt").write_text("He B-NP\nreckons B-VP\n\nIt B-NP\n")
    (tmp_path / "bad.txt").write_text("He B-NP\nreckons\n")
    args = [a.format(train=tmp_path / "train.txt", bad=tmp_path / "bad.txt") for a in args]
    start = time.time()
    result = run_python([RECIPE, *args], check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert time.time() - start < 30  # No TensorFlow import.


def test_tag_command_with_a_missing_model_is_a_one_line_error(tmp_path):
    result = run_python(
        ["-m", "keras_electra", "tag", "text", "--model", tmp_path / "none"], check=False
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
