"""The generator's sampling noise: keyed by global row, the same on every
backend and for any split of the batch, and Gumbel-max samples that follow
the generator's softmax."""

import keras
import numpy as np
from keras import ops

from keras_electra.layers.hashed_noise import bits_to_unit_interval
from keras_electra.layers.hashed_noise import hashed_uniform
from keras_electra.models.pretraining_ops import sample_tokens


def _reference_uniform(seed, shape, row_offset=0):
    """The documented hash, re-derived in NumPy uint32 arithmetic."""

    def mix(x):
        x = np.atleast_1d(np.asarray(x, np.uint32))  # arrays wrap silently
        x = x ^ (x >> np.uint32(16))
        x = x * np.uint32(0x7FEB352D)
        x = x ^ (x >> np.uint32(15))
        x = x * np.uint32(0x846CA68B)
        return x ^ (x >> np.uint32(16))

    rows, slots, size = shape
    seed = np.asarray(seed, np.uint32)
    key = mix(mix(seed[0]) + mix(seed[1]))
    row_keys = mix(key + mix(np.arange(rows, dtype=np.uint32) + np.uint32(row_offset)))
    slot_keys = mix(row_keys[:, None] + mix(np.arange(slots, dtype=np.uint32))[None, :])
    index = np.arange(size, dtype=np.uint32) * np.uint32(0x9E3779B9)
    bits = mix(slot_keys[:, :, None] + index[None, None, :])
    return ((bits >> np.uint32(9)).astype(np.float32) + 0.5) / np.float32(1 << 23)


def _uniform(seed, shape, row_offset=0):
    seed = ops.convert_to_tensor(seed, "int32")
    return ops.convert_to_numpy(hashed_uniform(seed, shape, row_offset=row_offset))


def test_noise_is_the_documented_hash_bit_for_bit_on_this_backend():
    # The NumPy reference is backend-free, so equality on every backend's
    # test pass means TensorFlow, JAX and PyTorch draw identical noise.
    for seed, offset in (([0, 0], 0), ([3, 7], 5), ([123456789, 42], 1000)):
        np.testing.assert_array_equal(
            _uniform(seed, (6, 4, 257), offset),
            _reference_uniform(seed, (6, 4, 257), offset),
        )


def test_extreme_bit_patterns_map_strictly_inside_the_unit_interval():
    # All ones (-1) and all zeros: the top and bottom bins' centres, whose
    # Gumbel noise -log(-log(u)) must be finite for the logits to matter.
    bits = ops.convert_to_tensor([-1, 0, 2**31 - 1, -(2**31)], "int32")
    uniform = ops.convert_to_numpy(bits_to_unit_interval(bits))
    assert (uniform > 0).all() and (uniform < 1).all()
    assert np.isfinite(-np.log(-np.log(uniform))).all()


def test_a_replicas_rows_draw_the_noise_they_draw_in_the_whole_batch():
    whole = _uniform([5, 9], (8, 3, 50))
    halves = [_uniform([5, 9], (4, 3, 50), row_offset=k * 4) for k in (0, 1)]
    np.testing.assert_array_equal(np.concatenate(halves), whole)
    quarters = [_uniform([5, 9], (2, 3, 50), row_offset=k * 2) for k in range(4)]
    np.testing.assert_array_equal(np.concatenate(quarters), whole)


def test_noise_is_uniform_and_independent_across_rows_slots_ids_and_seeds():
    noise = _uniform([1, 2], (64, 8, 1000))
    assert 0.0 < noise.min() and noise.max() < 1.0
    # 512,000 draws in 20 equal bins: chi-square with 19 degrees of freedom
    # stays under 50 with probability 1 - 1e-4.
    counts = np.histogram(noise, bins=20, range=(0, 1))[0]
    expected = noise.size / 20
    assert ((counts - expected) ** 2 / expected).sum() < 50
    centred = noise - 0.5
    for axis in (0, 1, 2):  # neighbouring rows, slots and token ids
        a = np.take(centred, range(noise.shape[axis] - 1), axis=axis)
        b = np.take(centred, range(1, noise.shape[axis]), axis=axis)
        assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.01
    other_step = _uniform([1, 3], (64, 8, 1000))
    assert abs(np.corrcoef(centred.ravel(), other_step.ravel() - 0.5)[0, 1]) < 0.01


def test_samples_follow_the_softmax_of_the_logits_at_each_temperature():
    probabilities = np.array([0.5, 0.25, 0.15, 0.07, 0.03])
    logits = np.broadcast_to(np.log(probabilities), (2000, 8, 5)).astype("float32")
    seeds = keras.random.SeedGenerator(0)
    for temperature in (1.0, 2.0):
        samples = ops.convert_to_numpy(
            sample_tokens(ops.convert_to_tensor(logits), seeds, temperature)
        )
        frequencies = np.bincount(samples.ravel(), minlength=5) / samples.size
        target = probabilities ** (1 / temperature)
        target /= target.sum()
        # 16,000 samples: 4 standard errors is under 0.016 for every token.
        np.testing.assert_allclose(frequencies, target, atol=0.016)
