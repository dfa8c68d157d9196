"""`HashedDropout`: Keras' dropout with a hashed mask, inside every tower."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_electra
from keras_electra.layers.hashed_dropout import HashedDropout
from keras_electra.layers.hashed_noise import hashed_keep_mask

HASHED = keras.backend.backend() != "torch"


def _reference_keep_mask(seed, shape, rate, row_offset=0):
    """The documented mask, re-derived in NumPy uint32 arithmetic."""

    def mix(x):
        x = np.atleast_1d(np.asarray(x, np.uint32))
        x = x ^ (x >> np.uint32(16))
        x = x * np.uint32(0x7FEB352D)
        x = x ^ (x >> np.uint32(15))
        x = x * np.uint32(0x846CA68B)
        return x ^ (x >> np.uint32(16))

    seed = np.asarray(seed, np.uint32)
    key = mix(mix(seed[0]) + mix(seed[1]))
    first = row_offset * int(np.prod(shape[1:]))
    index = (np.arange(int(np.prod(shape)), dtype=np.uint32) + np.uint32(first)) * np.uint32(0x9E3779B9)
    bits = mix(key + index) >> np.uint32(8)
    return (bits >= int(rate * (1 << 24))).reshape(shape)


def _numpy(x):
    return ops.convert_to_numpy(x)


def test_keep_mask_is_the_documented_hash_bit_for_bit():
    for seed, shape, rate, offset in (
        ([0, 0], (3, 5), 0.1, 0), ([7, 11], (4, 2, 33), 0.5, 6),
    ):
        mask = hashed_keep_mask(
            ops.convert_to_tensor(seed, "int32"), shape, rate, row_offset=offset
        )
        np.testing.assert_array_equal(
            _numpy(mask), _reference_keep_mask(seed, shape, rate, offset)
        )


def test_a_replicas_rows_get_the_masks_they_get_in_the_whole_batch():
    seed = ops.convert_to_tensor([5, 9], "int32")
    whole = _numpy(hashed_keep_mask(seed, (8, 3, 20), 0.3))
    halves = [
        _numpy(hashed_keep_mask(seed, (4, 3, 20), 0.3, row_offset=4 * k))
        for k in (0, 1)
    ]
    np.testing.assert_array_equal(np.concatenate(halves), whole)


@pytest.mark.skipif(not HASHED, reason="PyTorch keeps its native dropout")
def test_training_drops_the_hashed_share_and_scales_what_it_keeps():
    layer = HashedDropout(0.1, seed=3)
    inputs = np.random.default_rng(0).normal(size=(64, 128, 32)).astype("float32")
    state = _numpy(layer.seed_generator.state)
    outputs = _numpy(layer(inputs, training=True))
    expected = _reference_keep_mask(state, inputs.shape, 0.1)
    np.testing.assert_array_equal(outputs != 0, expected)
    np.testing.assert_allclose(outputs[expected], inputs[expected] / 0.9, rtol=1e-6)
    # 262,144 draws: the kept share is 0.9 within 5 standard deviations.
    assert abs(expected.mean() - 0.9) < 5 * np.sqrt(0.09 / expected.size)


def test_each_call_and_each_layer_draws_a_new_mask_and_inference_drops_nothing():
    inputs = np.ones((16, 64), "float32")
    first, second = HashedDropout(0.5, seed=1), HashedDropout(0.5, seed=2)
    masks = [_numpy(first(inputs, training=True)) != 0 for _ in range(2)]
    masks.append(_numpy(second(inputs, training=True)) != 0)
    for a, b in ((masks[0], masks[1]), (masks[0], masks[2])):
        assert 0.3 < (a == b).mean() < 0.7
    np.testing.assert_array_equal(_numpy(first(inputs, training=False)), inputs)


def test_every_dropout_of_both_towers_is_hashed_and_the_weights_load_as_before(tmp_path):
    pretrainer = keras_electra.ElectraPretrainer("tiny")
    dropouts = [
        layer
        for tower in (pretrainer.generator, pretrainer.discriminator)
        for layer in tower._flatten_layers()
        if isinstance(layer, keras.layers.Dropout)
    ]
    # Embeddings, then per transformer layer: attention probabilities,
    # attention output, feed-forward output.
    num_layers = pretrainer.config.num_layers
    assert len({id(layer) for layer in dropouts}) == 1 + 2 * num_layers * 3
    assert all(type(layer) is HashedDropout for layer in dropouts)
    # Variables (and so checkpoints) are those of the plain layers.
    path = tmp_path / "discriminator.keras"
    pretrainer.discriminator.save(path)
    reloaded = keras.saving.load_model(path)
    assert len(reloaded.weights) == len(pretrainer.discriminator.weights)
    for a, b in zip(pretrainer.discriminator.weights, reloaded.weights):
        np.testing.assert_array_equal(_numpy(a), _numpy(b))
    assert all(
        type(layer) is HashedDropout
        for layer in reloaded._flatten_layers()
        if isinstance(layer, keras.layers.Dropout)
    )
