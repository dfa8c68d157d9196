"""`ElectraTokenClassifier`: words and word-level tags in, tags out."""

import os

import keras
import numpy as np
import pytest

from keras_electra.data.vocab import DEFAULT_VOCAB
from keras_electra.models import ElectraEncoder
from keras_electra.tagging.conll import read_conll
from keras_electra.tagging.tags import label_names
from keras_electra.tagging.tags import span_scores
from keras_electra.tasks import ElectraTokenClassifier
from keras_electra.tasks import ElectraTokenClassifierPreprocessor
from keras_electra.tasks import ElectraTokenizer

CONLL = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "conll2000"
)


def _tagger(names, sequence_length=32):
    keras.utils.set_random_seed(0)
    backbone = ElectraEncoder(
        vocabulary_size=30522, num_layers=2, hidden_dim=64, num_heads=2,
        intermediate_dim=128, max_sequence_length=64,
    )
    preprocessor = ElectraTokenClassifierPreprocessor(
        ElectraTokenizer(DEFAULT_VOCAB), sequence_length=sequence_length
    )
    return ElectraTokenClassifier(backbone, preprocessor=preprocessor, label_names=names)


@pytest.mark.multi_backend
def test_fit_on_words_and_tags_then_tag_the_fixture_chunks(tmp_path):
    train = read_conll(os.path.join(CONLL, "train.txt"))
    test = read_conll(os.path.join(CONLL, "test.txt"))
    tagger = _tagger(label_names(train.tags))
    tagger.compile(learning_rate=3e-3)
    tagger.fit(train.words, train.tags, batch_size=8, epochs=5, verbose=0)
    predicted = tagger.predict_tags(test.words)
    assert [len(p) for p in predicted] == [len(w) for w in test.words]
    # Measured after 5 epochs: span F1 0.925 (TensorFlow), 0.883 (PyTorch).
    assert span_scores(test.tags, predicted)["f1"] >= 0.8

    tagger.save_to_preset(tmp_path / "preset")
    loaded = ElectraTokenClassifier.from_preset(tmp_path / "preset")
    assert loaded.predict_tags(test.words[:8]) == predicted[:8]


def test_a_long_sentence_is_windowed_and_every_word_is_trained_and_tagged_once():
    tagger = _tagger(["O", "B-NP"], sequence_length=16)
    words = [f"word{i % 7}" for i in range(50)]
    tags = ["B-NP" if i % 2 else "O" for i in range(50)]
    [(x, y)] = list(tagger.batches([words], [tags], shuffle=False).map(tagger.preprocessor))
    assert x["token_ids"].shape[0] > 1 and x["token_ids"].shape[1] == 16
    labelled = y.numpy()[y.numpy() >= 0]
    assert len(labelled) == 50 and list(labelled) == [i % 2 for i in range(50)]
    assert len(tagger.predict_tags([words])[0]) == 50
    assert len(tagger.predict_tags([" ".join(words)])[0]) == 50  # a string splits


def test_tags_that_do_not_fit_are_named():
    tagger = _tagger(["O", "B-NP"])
    with pytest.raises(ValueError, match=r"sentence 1 has the tag 'I-VP'"):
        tagger.fit([["a"], ["b"]], [["O"], ["I-VP"]], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="sentence 0 has 2 words but 1 tags"):
        tagger.fit([["a", "b"]], [["O"]], epochs=1, verbose=0)


def test_from_preset_on_a_run_tags_with_its_discriminator(pretraining_run):
    with pytest.warns(UserWarning, match="no context yet"):
        tagger = ElectraTokenClassifier.from_preset(
            pretraining_run, label_names=["O", "B-NP", "I-NP"], sequence_length=32
        )
    saved = keras.models.load_model(
        pretraining_run / "electra_discriminator.keras", compile=False
    )
    for ours, theirs in zip(tagger.backbone.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert tagger.output_dense.kernel.shape[-1] == 3
    assert tagger.predict_tags(["the deficit narrowed"])[0][0] in ("O", "B-NP", "I-NP")


def test_the_docs_tagger_example_runs(pretraining_run, tmp_path):
    from doc_examples import python_example

    example = python_example("docs/finetuning.md", "ElectraTokenClassifier.from_preset", [
        ('"runs/electra_small"', repr(str(pretraining_run))),
        ('"presets/chunking"', repr(str(tmp_path / "chunking"))),
        ("epochs=3", "epochs=1"),
    ])
    train = read_conll(os.path.join(CONLL, "train.txt"))
    names = ("O", "B-NP", "I-NP", "B-VP", "I-VP")  # The example's; others become O.
    namespace = {"train_words": train.words,
                 "train_tags": [[t if t in names else "O" for t in row] for row in train.tags]}
    with pytest.warns(UserWarning, match="no context yet"):
        exec("import keras_electra\n" + example, namespace)
    assert ElectraTokenClassifier.from_preset(tmp_path / "chunking").predict_tags(
        [["The", "deficit", "narrowed", "."]])[0][0] in names
