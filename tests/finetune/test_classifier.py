"""`ElectraClassifier` and the encoder loader: heads, saving, init sources."""

import json

import keras
import numpy as np
import pytest

from keras_electra import ElectraConfig
from keras_electra import ElectraEncoder
from keras_electra import ElectraPretrainer
from keras_electra import TextNormalization
from keras_electra.data import DataError
from keras_electra.finetune import load_encoder
from keras_electra.finetune.loading import reinitialize_top_layers
from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.optimization import electra_optimizer

INPUTS = {
    "token_ids": np.array([[1, 7, 8, 2, 0, 0], [1, 9, 2, 10, 2, 0]], "int32"),
    "segment_ids": np.array([[0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 0]], "int32"),
    "padding_mask": np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 0]], "int32"),
}


@pytest.fixture
def config():
    return ElectraConfig.from_preset(
        "tiny", vocabulary_size=40, max_sequence_length=16, num_layers=2,
        hidden_dim=16, num_heads=2, intermediate_dim=32, embedding_dim=8,
        generator_hidden_dim=8, generator_intermediate_dim=16,
    )


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_head_reads_the_cls_position_only(config):
    encoder = load_encoder(None, "tiny", config.to_dict()).encoder
    classifier = ElectraClassifier(encoder, num_classes=3, dropout=0.0)
    logits = _numpy(classifier(INPUTS))
    assert logits.shape == (2, 3)
    kernel, bias = (_numpy(w) for w in classifier.output_dense.weights)
    cls = _numpy(encoder(INPUTS))[:, 0]
    np.testing.assert_allclose(logits, cls @ kernel + bias, atol=1e-5)


def test_mean_pooling_head_reads_the_mean_of_the_real_tokens_only(config):
    encoder = load_encoder(None, "tiny", config.to_dict()).encoder
    classifier = ElectraClassifier(encoder, 3, dropout=0.0, pooling="mean")
    logits = _numpy(classifier(INPUTS))
    kernel, bias = (_numpy(w) for w in classifier.output_dense.weights)
    sequence = _numpy(encoder(INPUTS))
    mask = INPUTS["padding_mask"][..., None].astype("float32")
    mean = (sequence * mask).sum(axis=1) / mask.sum(axis=1)
    np.testing.assert_allclose(logits, mean @ kernel + bias, atol=1e-5)
    assert not np.allclose(logits, sequence[:, 0] @ kernel + bias, atol=1e-3)
    # What sits in the padding does not reach the head.
    repadded = dict(INPUTS, token_ids=np.where(
        INPUTS["padding_mask"] == 1, INPUTS["token_ids"], 5).astype("int32"))
    np.testing.assert_allclose(_numpy(classifier(repadded)), logits, atol=1e-5)


def test_saved_mean_pooling_classifier_keeps_its_pooling(config, tmp_path):
    encoder = load_encoder(None, "tiny", config.to_dict()).encoder
    classifier = ElectraClassifier(encoder, 2, pooling="mean")
    expected = _numpy(classifier(INPUTS))
    classifier.save(tmp_path / "classifier.keras")
    restored = keras.models.load_model(tmp_path / "classifier.keras")
    assert restored.pooling == "mean"
    np.testing.assert_allclose(_numpy(restored(INPUTS)), expected, atol=1e-6)


def test_regression_head_and_argument_checks(config):
    encoder = load_encoder(None, "tiny", config.to_dict()).encoder
    assert ElectraClassifier(encoder, 1, regression=True)(INPUTS).shape == (2, 1)
    with pytest.raises(ValueError, match="one output"):
        ElectraClassifier(encoder, 2, regression=True)
    with pytest.raises(ValueError, match="3 names for 2 classes"):
        ElectraClassifier(encoder, 2, label_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="pooling must be one of cls, mean; got 'max'"):
        ElectraClassifier(encoder, 2, pooling="max")


def test_saved_classifier_keeps_label_names_and_outputs(config, tmp_path):
    encoder = load_encoder(None, "tiny", config.to_dict()).encoder
    classifier = ElectraClassifier(encoder, 2, label_names=["neg", "pos"])
    expected = _numpy(classifier(INPUTS))
    classifier.save(tmp_path / "classifier.keras")
    restored = keras.models.load_model(tmp_path / "classifier.keras")
    assert isinstance(restored, ElectraClassifier)
    assert restored.label_names == ["neg", "pos"]
    np.testing.assert_allclose(_numpy(restored(INPUTS)), expected, atol=1e-6)
    # A saved classifier can also seed a new fine-tuning run (new head).
    loaded = load_encoder(tmp_path / "classifier.keras")
    assert isinstance(loaded.encoder, ElectraEncoder)


def _trained_pretrainer(config):
    pretrainer = ElectraPretrainer(config, seed=0)
    for v in pretrainer.trainable_variables:
        v.assign(v + 0.01)
    return pretrainer


def test_init_from_an_export_dir_and_from_a_model_dir(config, tmp_path):
    pretrainer = _trained_pretrainer(config)
    expected = _numpy(pretrainer.discriminator(INPUTS))
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(f"t{i}" for i in range(40)))

    # The layout of a finished recipes/pretrain.py --model-dir.
    export = tmp_path / "export"
    export.mkdir()
    pretrainer.discriminator.save(export / "electra_discriminator.keras")
    (export / "electra_vocab.txt").write_text(vocab.read_text())
    loaded = load_encoder(export)
    np.testing.assert_allclose(_numpy(loaded.encoder(INPUTS)), expected, atol=1e-6)
    assert loaded.vocab_path == str(export / "electra_vocab.txt")

    # recipes/pretrain.py --model-dir layout: run.json + checkpoints.
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps(
        {"settings": {"config": config.to_dict(), "vocab": str(vocab),
                      "lower_case": False}}
    ))
    pretrainer.compile(
        optimizer=electra_optimizer(1e-3, pretrainer.trainable_variables)
    )
    pretrainer.optimizer.build(pretrainer.trainable_variables)
    pretrainer.save_weights(run / "checkpoints" / "step-00000001.weights.h5")
    loaded = load_encoder(run)
    np.testing.assert_allclose(_numpy(loaded.encoder(INPUTS)), expected, atol=1e-6)
    assert loaded.vocab_path == str(vocab)
    assert loaded.normalization == TextNormalization(lower_case=False)
    # A standalone copy: nothing shared with a generator any more.
    assert loaded.encoder.embeddings is not pretrainer.embeddings


def test_bad_init_sources_are_named(tmp_path, config):
    with pytest.raises(DataError, match="does not exist"):
        load_encoder(tmp_path / "nope.keras")
    with pytest.raises(DataError, match="holds neither electra_discriminator"):
        load_encoder(tmp_path)
    other = tmp_path / "dense.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(other)
    with pytest.raises(DataError, match="not an ELECTRA discriminator"):
        load_encoder(other)


def test_reinitialising_the_top_layers_redraws_them_and_keeps_the_rest(config):
    encoder = load_encoder(None, "tiny", config.to_dict()).encoder
    before = [[_numpy(w) for w in layer.weights] for layer in encoder.layers]
    keras.utils.set_random_seed(7)
    reinitialize_top_layers(encoder, 1)
    after = [[_numpy(w) for w in layer.weights] for layer in encoder.layers]
    top = encoder.layers.index(encoder.transformer_layers[-1])
    for index, (old, new) in enumerate(zip(before, after)):
        same = all(np.array_equal(a, b) for a, b in zip(old, new))
        assert same == (index != top), encoder.layers[index].name
    # The same seed draws the same weights.
    again = load_encoder(None, "tiny", config.to_dict()).encoder
    again.set_weights([w for layer in before for w in layer])
    keras.utils.set_random_seed(7)
    reinitialize_top_layers(again, 1)
    for a, b in zip(encoder.weights, again.weights):
        np.testing.assert_array_equal(_numpy(a), _numpy(b))
    with pytest.raises(DataError, match="is more than the encoder's 2 layers"):
        reinitialize_top_layers(encoder, 3)
