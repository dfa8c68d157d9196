"""`recipes/finetune_glue.py` end to end in a subprocess, and its bad input."""

import json

import keras
import pytest

from keras_electra import ElectraEncoder
from keras_electra.models.electra_classifier import ElectraClassifier

QUICK = ("--preset", "tiny", "--epochs", "1", "--seq-len", "32",
         "--batch-size", "16")


@pytest.mark.slow
def test_glue_task_with_two_seeds_writes_results_logs_and_models(
    run_recipe, glue_dir, tmp_path
):
    out = tmp_path / "sst2"
    result = run_recipe(
        "--task", "sst2", "--data-dir", glue_dir, "--init", "random", *QUICK,
        "--max-train-examples", "64", "--seeds", "1,2", "--output-dir", out,
        "--reinit-top-layers", "1",
    )
    assert result.returncode == 0, result.stderr
    assert "median over 2 seed(s): accuracy" in result.stdout
    results = json.loads((out / "results.json").read_text())
    assert results["seeds"] == [1, 2] and len(results["runs"]) == 2
    assert results["reinit_top_layers"] == 1
    assert results["label_names"] == ["0", "1"]
    scores = sorted(r["scores"]["accuracy"] for r in results["runs"])
    assert results["median"]["accuracy"] == pytest.approx(sum(scores) / 2)
    assert results["runs"][0]["config"]["learning_rate"] == 3e-4  # small/tiny
    assert results["runs"][0]["config"]["layer_decay"] == 0.8
    assert results["runs"][0]["train_examples"] == 64
    assert list((out / "seed_1" / "logs").rglob("events.out.tfevents*"))
    classifier = keras.models.load_model(out / "seed_2" / "classifier.keras")
    assert isinstance(classifier, ElectraClassifier)
    assert classifier.label_names == ["0", "1"]
    assert (out / "vocab.txt").is_file()


@pytest.mark.slow
def test_users_csv_with_string_labels_own_vocab_and_mean_pooling(run_recipe, tmp_path):
    rows = ["text,mood"] + [
        f'"{w} day, {i}",{"happy" if w == "sunny" else "sad"}'
        for i in range(12) for w in ("sunny", "rainy")
    ]
    data = tmp_path / "moods.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    # A random encoder's embedding table takes the size of the vocab given.
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "sunny", "rainy", "day", ","]
        + [str(i) for i in range(10)]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_recipe(
        "--task", "tsv", "--train", data, "--dev", data, "--text-columns",
        "text", "--label-column", "mood", "--init", "random", *QUICK,
        "--vocab", vocab, "--output-dir", out, "--no-save-model",
        "--pooling", "mean",
    )
    assert result.returncode == 0, result.stderr
    assert (out / "vocab.txt").read_text() == vocab.read_text()
    results = json.loads((out / "results.json").read_text())
    assert results["runs"][0]["config"]["pooling"] == "mean"
    assert results["label_names"] == ["happy", "sad"]
    assert results["metrics"] == ["accuracy", "f1"]
    assert not (out / "seed_1" / "classifier.keras").exists()


@pytest.fixture(scope="module")
def small_vocab_encoder(tmp_path_factory):
    """A discriminator .keras whose vocab (40 ids) is not the default's."""
    path = tmp_path_factory.mktemp("encoder") / "discriminator.keras"
    ElectraEncoder(
        vocabulary_size=40, num_layers=1, hidden_dim=16, num_heads=2,
        intermediate_dim=32, max_sequence_length=32,
    ).save(path)
    return path


def _bad_cases(glue_dir, tmp_path, encoder):
    data = tmp_path / "d.tsv"
    data.write_text("sentence\tlabel\nok\t1\nno\t0\n", encoding="utf-8")
    return [
        (("--task", "sst2"), "needs one of --data-dir or --tfds"),
        (("--task", "tsv", "--train", data), "--task tsv needs --dev"),
        (("--task", "sst2", "--data-dir", tmp_path), "SST-2/train.tsv' does not exist"),
        (("--task", "tsv", "--train", data, "--dev", data, "--text-columns",
          "sentence,body", "--label-column", "label"), "no column 'body'"),
        (("--task", "sst2", "--data-dir", glue_dir, "--init", encoder),
         "has 30522 tokens but the encoder of"),
        (("--task", "sst2", "--data-dir", glue_dir, "--init", tmp_path / "x"),
         "--init '"),
        (("--task", "sst2", "--data-dir", glue_dir, "--layer-decay", "1.5"),
         "--layer-decay must be in (0, 1], got 1.5"),
        (("--task", "sst2", "--data-dir", glue_dir, "--warmup-fraction", "1"),
         "--warmup-fraction must be in [0, 1), got 1.0"),
        (("--task", "sst2", "--data-dir", glue_dir, "--pooling", "max"),
         "argument --pooling: invalid choice: 'max'"),
        (("--task", "sst2", "--data-dir", glue_dir, "--reinit-top-layers", "-1"),
         "--reinit-top-layers must be 0 or more, got -1"),
        (("--task", "sst2", "--data-dir", glue_dir, "--preset", "tiny",
          "--reinit-top-layers", "3"),
         "--reinit-top-layers 3 is more than the encoder's 2 layers"),
    ]


@pytest.mark.slow
def test_bad_input_is_one_line_and_exit_status_2(
    run_recipe, glue_dir, tmp_path, small_vocab_encoder
):
    for args, message in _bad_cases(glue_dir, tmp_path, small_vocab_encoder):
        result = run_recipe(*args, "--output-dir", tmp_path / "never")
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert message in lines[0], (args, lines[0])
    assert not (tmp_path / "never").exists()
