"""`.keras` archives and weight checkpoints of the pretrainer and its towers."""

import json

import keras
import numpy as np

from keras_electra import ElectraEncoder
from keras_electra import ElectraPretrainer

ENCODER_KEYS = ("token_ids", "segment_ids", "padding_mask")


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _outputs_with_seed_state(model, batch, state):
    model.seed_generator.state.assign(state)
    return {k: _numpy(v) for k, v in model(batch).items()}


def _assert_same_outputs(first, second):
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_allclose(first[key], second[key], atol=1e-6, err_msg=key)


def test_keras_archive_round_trip_gives_identical_outputs(
    tiny_config, make_batch, tmp_path
):
    pretrainer = ElectraPretrainer(tiny_config, seed=3)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    state = _numpy(pretrainer.seed_generator.state)
    before = _outputs_with_seed_state(pretrainer, batch, state)
    path = tmp_path / "pretrainer.keras"
    pretrainer.save(path)
    restored = keras.models.load_model(path)
    assert isinstance(restored, ElectraPretrainer)
    assert restored.config == pretrainer.config
    _assert_same_outputs(before, _outputs_with_seed_state(restored, batch, state))


def test_embeddings_are_still_tied_after_reload(tiny_config, tmp_path):
    path = tmp_path / "pretrainer.keras"
    ElectraPretrainer(tiny_config, seed=0).save(path)
    restored = keras.models.load_model(path)
    table = restored.embeddings.token_embedding.embeddings
    assert restored.generator.embeddings is restored.discriminator.embeddings
    assert restored.generator_head.token_embedding.embeddings is table
    # One assignment reaches every user of the table.
    restored.embeddings.token_embedding.embeddings.assign(
        np.full(table.shape, 0.5, "float32")
    )
    assert (_numpy(restored.generator_head.token_embedding.embeddings) == 0.5).all()


def test_weights_checkpoint_restores_a_fresh_pretrainer(
    tiny_config, make_batch, tmp_path
):
    trained = ElectraPretrainer(tiny_config, seed=5)
    for v in trained.trainable_variables:
        v.assign(v + 0.01)
    path = tmp_path / "ckpt.weights.h5"
    trained.save_weights(path)
    fresh = ElectraPretrainer(tiny_config, seed=5)
    fresh.load_weights(path)
    for a, b in zip(trained.weights, fresh.weights):
        np.testing.assert_array_equal(_numpy(a), _numpy(b), err_msg=a.path)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    state = _numpy(trained.seed_generator.state)
    _assert_same_outputs(
        _outputs_with_seed_state(trained, batch, state),
        _outputs_with_seed_state(fresh, batch, state),
    )


def test_discriminator_saves_and_reloads_as_a_standalone_encoder(
    tiny_config, make_batch, tmp_path
):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    inputs = {k: batch[k] for k in ENCODER_KEYS}
    expected = _numpy(pretrainer.discriminator(inputs))
    assert expected.shape == (4, 16, tiny_config.hidden_dim)
    path = tmp_path / "discriminator.keras"
    pretrainer.discriminator.save(path)
    encoder = keras.models.load_model(path)
    assert isinstance(encoder, ElectraEncoder)
    assert encoder.hidden_dim == tiny_config.hidden_dim
    np.testing.assert_allclose(_numpy(encoder(inputs)), expected, atol=1e-6)
    # A standalone tower owns its embeddings: no variable is shared any more.
    assert encoder.embeddings is not pretrainer.embeddings


def test_a_trained_discriminator_round_trips_through_a_keras_hub_preset(
    tiny_config, make_batch, tmp_path
):
    import keras_hub

    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    inputs = {k: batch[k] for k in ENCODER_KEYS}
    expected = _numpy(pretrainer.discriminator(inputs))
    pretrainer.discriminator.save_to_preset(tmp_path / "preset")
    config = json.loads((tmp_path / "preset" / "config.json").read_text())
    assert config["registered_name"] == "keras_electra>ElectraEncoder"
    for loader in (ElectraEncoder, keras_hub.models.Backbone):
        restored = loader.from_preset(str(tmp_path / "preset"))
        assert isinstance(restored, ElectraEncoder)
        np.testing.assert_allclose(_numpy(restored(inputs)), expected, atol=1e-6)
        # The preset's encoder owns its embeddings: no generator attached.
        assert len(restored.weights) == len(pretrainer.discriminator.weights)
