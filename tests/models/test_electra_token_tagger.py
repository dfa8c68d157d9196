"""`ElectraTokenTagger` on every backend: per-token logits, a loss over the
labelled positions only, config and `.keras` round trips."""

import keras
import numpy as np
import pytest

from keras_electra import ElectraEncoder
from keras_electra import ElectraTokenTagger
from keras_electra.models.tagging_head import IGNORED_LABEL
from keras_electra.models.towers import discriminator_tower

LABELS = ["O", "B-NP", "I-NP"]


def _inputs(batch=3, length=12, vocabulary_size=100, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.ones((batch, length), "int32")
    mask[0, 8:] = 0
    return {
        "token_ids": rng.integers(5, vocabulary_size, (batch, length)).astype("int32") * mask,
        "segment_ids": np.zeros((batch, length), "int32"),
        "padding_mask": mask,
    }


def _tagger(tiny_config, **kwargs):
    keras.utils.set_random_seed(0)
    return ElectraTokenTagger(
        discriminator_tower(tiny_config), num_labels=3, label_names=LABELS, **kwargs
    )


def test_tagger_gives_one_logit_per_tag_at_every_position(tiny_config):
    tagger = _tagger(tiny_config)
    logits = keras.ops.convert_to_numpy(tagger(_inputs(), training=False))
    assert logits.shape == (3, 12, 3)
    assert np.isfinite(logits).all()


def test_default_loss_averages_over_labelled_positions_only(tiny_config):
    tagger = _tagger(tiny_config, dropout=0.0)
    tagger.compile()
    inputs = _inputs()
    logits = keras.ops.convert_to_numpy(tagger(inputs, training=False))
    labels = np.full((3, 12), IGNORED_LABEL, "int32")
    labels[0, 1], labels[1, 4], labels[2, 2] = 1, 2, 0
    loss = float(keras.ops.convert_to_numpy(tagger.loss(labels, logits)))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.mean([log_probs[0, 1, 1], log_probs[1, 4, 2], log_probs[2, 2, 0]])
    assert loss == pytest.approx(expected, rel=1e-5)
    # Changing the logits at an ignored position leaves the loss unchanged.
    changed = logits.copy()
    changed[0, 5] += 10.0
    assert float(keras.ops.convert_to_numpy(tagger.loss(labels, changed))) == pytest.approx(
        loss, rel=1e-6
    )


def test_tagger_learns_labels_of_first_pieces(tiny_config):
    tagger = _tagger(tiny_config, dropout=0.0)
    tagger.compile(optimizer=keras.optimizers.Adam(3e-3))
    inputs = _inputs(batch=8, seed=1)
    labels = np.full((8, 12), IGNORED_LABEL, "int32")
    labels[:, 1:6] = inputs["token_ids"][:, 1:6] % 3  # A function of the token.
    history = tagger.fit(inputs, labels, batch_size=4, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_config_round_trip_rebuilds_the_same_tagger(tiny_config):
    tagger = _tagger(tiny_config, dropout=0.2)
    config = tagger.get_config()
    assert (config["num_labels"], config["dropout"], config["label_names"]) == (3, 0.2, LABELS)
    rebuilt = ElectraTokenTagger.from_config(config)
    assert isinstance(rebuilt.encoder, ElectraEncoder)
    assert rebuilt.encoder.get_config() == tagger.encoder.get_config()
    rebuilt.set_weights(tagger.get_weights())
    inputs = _inputs()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(rebuilt(inputs, training=False)),
        keras.ops.convert_to_numpy(tagger(inputs, training=False)),
        atol=1e-6,
    )


def test_keras_archive_round_trip_keeps_outputs_and_label_names(tiny_config, tmp_path):
    tagger = _tagger(tiny_config)
    path = tmp_path / "tagger.keras"
    tagger.save(path)
    restored = keras.models.load_model(path)
    assert isinstance(restored, ElectraTokenTagger)
    assert restored.label_names == LABELS
    inputs = _inputs()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored(inputs, training=False)),
        keras.ops.convert_to_numpy(tagger(inputs, training=False)),
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_labels=1), "num_labels >= 2"),
        (dict(num_labels=3, label_names=["O", "B-NP"]), "2 names for 3 labels"),
    ],
)
def test_bad_heads_are_rejected(tiny_config, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ElectraTokenTagger(discriminator_tower(tiny_config), **kwargs)


def test_tagger_needs_an_encoder():
    with pytest.raises(ValueError, match="needs an ElectraEncoder"):
        ElectraTokenTagger(keras.layers.Dense(2), num_labels=2)
