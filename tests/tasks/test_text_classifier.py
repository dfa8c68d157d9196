"""`ElectraTextClassifier`: keras-hub's task contract on ELECTRA encoders."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_electra.data.errors import DataError
from keras_electra.layerwise_decay import LayerwiseAdamW
from keras_electra.preprocessing import ElectraPreprocessor
from keras_electra.tasks import ElectraTextClassifier
from keras_electra.tasks import ElectraTextClassifierPreprocessor
from keras_electra.tasks import ElectraTokenizer
from keras_electra.tasks.fine_tuning import shuffled_batches

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def classifier(pretraining_run):
    with pytest.warns(UserWarning, match="no context yet"):
        return ElectraTextClassifier.from_preset(
            pretraining_run, num_classes=2, label_names=["negative", "positive"],
            sequence_length=32,
        )


def test_from_preset_on_a_run_takes_its_discriminator_vocab_and_normalization(
    pretraining_run, classifier
):
    saved = keras.models.load_model(
        pretraining_run / "electra_discriminator.keras", compile=False
    )
    for ours, theirs in zip(classifier.backbone.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    tokenizer = classifier.preprocessor.tokenizer
    with open(pretraining_run / "electra_vocab.txt", encoding="utf-8") as f:
        assert tokenizer.get_vocabulary() == f.read().split()
    assert tokenizer.normalization.lower_case
    assert classifier.preprocessor.sequence_length == 32


def test_from_preset_can_redraw_the_top_layer_and_keeps_the_rest(pretraining_run):
    saved = keras.models.load_model(
        pretraining_run / "electra_discriminator.keras", compile=False
    )
    with pytest.warns(UserWarning, match="reinit_top_layers=1"):
        redrawn = ElectraTextClassifier.from_preset(
            pretraining_run, num_classes=2, reinit_top_layers=1
        )
    top = redrawn.backbone.transformer_layers[-1]
    for ours, theirs in zip(redrawn.backbone.layers, saved.layers):
        same = all(
            np.array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
            for a, b in zip(ours.weights, theirs.weights)
        )
        assert same == (ours is not top), ours.name
    with pytest.raises(DataError, match="is more than the encoder's 2 layers"):
        with pytest.warns(UserWarning, match="no context yet"):
            ElectraTextClassifier.from_preset(
                pretraining_run, num_classes=2, reinit_top_layers=3
            )


def test_fit_on_strings_learns_the_fixture_sentiment(classifier, sst2):
    keras.utils.set_random_seed(0)
    classifier.compile(learning_rate=1e-3)
    sentences, labels = sst2["train"]
    classifier.fit(sentences, labels, batch_size=16, epochs=16, verbose=0)
    train = classifier.evaluate(sentences, labels, verbose=0, return_dict=True)
    assert train["accuracy"] >= 0.9, train
    dev_sentences, dev_labels = sst2["dev"]
    predicted = [p["label"] for p in classifier.predict_labels(dev_sentences)]
    names = ["negative", "positive"]
    accuracy = np.mean([names[y] == p for y, p in zip(dev_labels, predicted)])
    majority = np.bincount(dev_labels).max() / len(dev_labels)
    # Measured: 0.78 and 0.81 (dev holds words train does not).
    assert accuracy > majority + 0.08, accuracy


def test_the_auto_optimizer_spans_exactly_the_first_fit(classifier):
    classifier.compile()
    classifier.fit(["good", "bad"] * 8, [1, 0] * 8, batch_size=4, epochs=2, verbose=0)
    optimizer = classifier.optimizer
    assert isinstance(optimizer, LayerwiseAdamW)
    assert int(optimizer.iterations) == 8
    schedule = optimizer._learning_rate
    assert schedule.total_steps == 8 and schedule.warmup_steps == 1
    assert float(schedule(8)) == 0.0
    # Layer-wise decay: the head at the full rate, the embeddings lowest.
    multipliers = optimizer.learning_rate_multipliers
    head = [m for path, m in multipliers.items() if "logits" in path]
    embeddings = [m for path, m in multipliers.items() if "token_embedding" in path]
    assert head == [1.0, 1.0] and embeddings[0] == pytest.approx(0.8**3)


def test_string_rows_are_reshuffled_every_epoch():
    dataset = shuffled_batches(np.arange(64), np.arange(64), batch_size=8)
    first, second = (
        np.concatenate([x.numpy() for x, _ in dataset]) for _ in range(2)
    )
    assert sorted(first) == sorted(second) == list(range(64))
    assert list(first) != list(second)
    for x, y in dataset:
        np.testing.assert_array_equal(x, y)  # rows keep their labels


def test_a_saved_preset_predicts_the_same_in_a_fresh_process(classifier, tmp_path):
    texts = ["a brilliant , lovely picture", "a truly awful evening"]
    expected = classifier.predict_labels(texts)
    classifier.save_to_preset(tmp_path / "preset")
    script = (
        "import json, sys, keras_hub\n"
        "from keras_electra.tasks import ElectraTextClassifier\n"
        "c = keras_hub.models.TextClassifier.from_preset(sys.argv[1])\n"
        "assert type(c) is ElectraTextClassifier, type(c)\n"
        "print(json.dumps(c.predict_labels(json.loads(sys.argv[2]))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "preset"), json.dumps(texts)],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3",
                 PYTHONPATH=REPO),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert [p["label"] for p in loaded] == [p["label"] for p in expected]
    for ours, theirs in zip(expected, loaded):
        assert theirs["score"] == pytest.approx(ours["score"], abs=1e-5)


def test_num_classes_on_a_saved_preset_starts_a_new_head(classifier, tmp_path):
    classifier.save_to_preset(tmp_path / "preset")
    three = ElectraTextClassifier.from_preset(tmp_path / "preset", num_classes=3)
    assert three.output_dense.kernel.shape[-1] == 3
    for ours, theirs in zip(three.backbone.get_weights(), classifier.backbone.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_pairs_are_packed_as_the_serving_preprocessor_packs_them(classifier):
    first = ["the film is long " * 10, "short"]
    second = ["yes", "the answer is long " * 10]
    preprocessor = classifier.preprocessor
    # keras-hub reads a lone 2-tuple as (x, y): a pair alone is `(x, None)`.
    packed = preprocessor((first, second), None)
    serving = ElectraPreprocessor(
        preprocessor.tokenizer.vocab, sequence_length=32,
        normalization=preprocessor.tokenizer.normalization,
    )(first, second)
    for key in ("token_ids", "segment_ids", "padding_mask"):
        np.testing.assert_array_equal(packed[key], serving[key])
    assert int(np.sum(packed["padding_mask"][0])) == 32


def test_a_regression_head_predicts_scores(pretraining_run):
    with pytest.warns(UserWarning):
        scorer = ElectraTextClassifier.from_preset(
            pretraining_run, num_classes=1, regression=True, sequence_length=16
        )
    assert isinstance(scorer.loss, keras.losses.MeanSquaredError)
    scorer.fit((["a dog"] * 4, ["a cat"] * 4), [4.0, 3.0, 4.0, 3.0],
               batch_size=2, epochs=1, verbose=0)
    scores = scorer.predict_labels((["a dog", "a fish"], ["a cat", "a fish"]))
    assert [sorted(s) for s in scores] == [["score"], ["score"]]


def test_bad_sources_and_arguments_fail_with_one_line(pretraining_run, tmp_path):
    with pytest.raises(DataError, match="nowhere.*does not exist"):
        ElectraTextClassifier.from_preset(tmp_path / "nowhere", num_classes=2)
    small_vocab = tmp_path / "vocab.txt"
    small_vocab.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nfilm\n")
    with pytest.raises(DataError, match="6 tokens.*vocabulary_size="):
        ElectraTextClassifier.from_preset(
            pretraining_run, num_classes=2, vocabulary=small_vocab
        )
    tokenizer = ElectraTokenizer(small_vocab)
    with pytest.raises(ValueError, match="longest_first"):
        ElectraTextClassifierPreprocessor(tokenizer, truncate="round_robin")
    with pytest.raises(ValueError, match="regression=True"):
        ElectraTextClassifier.from_preset(pretraining_run, num_classes=1)


def test_fit_on_a_dataset_of_unknown_length_asks_for_steps(classifier):
    import tensorflow as tf

    rows = tf.data.Dataset.from_tensor_slices((["good", "bad"], [1, 0])).repeat()
    classifier.compile()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        classifier.fit(rows.batch(2), epochs=1)


def test_the_readme_classifier_example_runs(pretraining_run, sst2, tmp_path):
    import re

    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    [example] = [
        b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
        if "ElectraTextClassifier.from_preset" in b
    ]
    example = example.replace('"runs/electra_small"', repr(str(pretraining_run)))
    example = example.replace('"presets/sst2"', repr(str(tmp_path / "sst2")))
    sentences, labels = sst2["train"]
    namespace = {"train_sentences": sentences, "train_labels": labels}
    with pytest.warns(UserWarning, match="no context yet"):
        exec(compile(example, "README.md", "exec"), namespace)
    assert (tmp_path / "sst2" / "task.json").is_file()
    reloaded = ElectraTextClassifier.from_preset(tmp_path / "sst2")
    assert reloaded.label_names == ["negative", "positive"]


def test_the_docs_classifier_examples_run(pretraining_run, sst2, tmp_path):
    from doc_examples import python_example

    example = python_example("docs/finetuning.md", "pairs = keras_electra.ElectraTextClassifier", [
        ('"runs/electra_small"', repr(str(pretraining_run))),
        ('"presets/sst2"', repr(str(tmp_path / "sst2"))),
        ("sequence_length=128", "sequence_length=64"),  # The run's length.
        ("epochs=3,", "epochs=1,"), ("epochs=10)", "epochs=1)"),
    ])
    sentences, labels = sst2["train"]
    dev_sentences, dev_labels = sst2["dev"]
    namespace = {
        "sentences": sentences, "labels": labels,
        "dev_sentences": dev_sentences, "dev_labels": dev_labels,
        "first_sentences": sentences[:24], "second_sentences": sentences[24:48],
        "scores": [float(i % 6) for i in range(24)],
    }
    with pytest.warns(UserWarning, match="no context yet"):
        exec(compile(example, "docs/finetuning.md", "exec"), namespace)
    [prediction] = namespace["classifier"].predict_labels(["a fine film"])
    assert prediction["label"] in ("negative", "positive")
    assert ElectraTextClassifier.from_preset(tmp_path / "sst2").label_names == [
        "negative", "positive"]
    assert namespace["pairs"].predict((["a"], ["b"]), verbose=0).shape == (1, 1)
