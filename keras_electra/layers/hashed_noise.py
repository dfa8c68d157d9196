"""Counter-based noise: a hash of a seed and each value's coordinates.

The generator's sampling noise must not depend on how a global batch is
split across replicas, devices or processes, and the same seed should give
the same samples on TensorFlow, JAX and PyTorch. A stateful or per-device
random stream gives neither. Here every noise value is a pure function of
the step's seed and of its coordinates in the *global* batch, so a replica
holding rows `[offset, offset + rows)` computes exactly the values those
rows get on a single device.

The same hash draws dropout masks (`hashed_keep_mask`): XLA computes it
about ten times faster on a CPU than the threefry bits of Keras' dropout.

The hash is a 32-bit integer finaliser (two multiply-xorshift rounds; the
multipliers are the "lowbias32" pair found by C. Wellons' hash-prospector),
written with `keras.ops` integer arithmetic that wraps modulo 2**32 on every
backend. Model-side code: Keras only, no TensorFlow import.
"""

from keras import ops

# 32-bit constants written as the int32 values of their bit patterns.
_MULTIPLIER_1 = 0x7FEB352D
_MULTIPLIER_2 = 0x846CA68B - (1 << 32)
_GOLDEN_RATIO = 0x9E3779B9 - (1 << 32)


def _int32(value):
    return ops.convert_to_tensor(value, "int32")


def _shift_right(x, bits):
    """Logical right shift of int32 bit patterns (int32 shifts are signed)."""
    return ops.bitwise_and(ops.right_shift(x, bits), (1 << (32 - bits)) - 1)


def mix32(x):
    """A bijection of 32-bit patterns that spreads every input bit.

    Args:
        x: int32 tensor.

    Returns:
        int32 tensor of the same shape.
    """
    x = ops.bitwise_xor(x, _shift_right(x, 16))
    x = ops.multiply(x, _int32(_MULTIPLIER_1))
    x = ops.bitwise_xor(x, _shift_right(x, 15))
    x = ops.multiply(x, _int32(_MULTIPLIER_2))
    return ops.bitwise_xor(x, _shift_right(x, 16))


def _combine(key, counter):
    return mix32(ops.add(key, mix32(counter)))


def _seed_key(seed):
    """One int32 key mixing both words of a `[2]` seed."""
    seed = ops.cast(seed, "int32")
    return _combine(mix32(seed[0]), seed[1])


def hashed_uniform(seed, shape, row_offset=0):
    """Uniform noise in `(0, 1)`, float32, keyed by global coordinates.

    Args:
        seed: int tensor `[2]`, e.g. `keras.random.SeedGenerator.next()`.
        shape: `(rows, slots, size)`, the local block's shape.
        row_offset: int or int tensor. Global index of the block's first
            row (its replica's offset in the global batch).

    Returns:
        float32 tensor `shape`. The value at `[r, s, i]` depends only on
        `seed`, `row_offset + r`, `s` and `i`: it is 23 random bits mapped
        to the centre of one of 2**23 equal bins of `(0, 1)`. (With 24 bits
        the top bin's centre, 1 - 2**-25, rounds to 1.0 in float32, whose
        Gumbel noise is infinite.)
    """
    rows, slots, size = shape
    key = _seed_key(seed)
    row_ids = ops.add(ops.arange(rows, dtype="int32"), ops.cast(row_offset, "int32"))
    row_keys = _combine(key, row_ids)
    slot_keys = _combine(
        row_keys[:, None], ops.arange(slots, dtype="int32")[None, :]
    )
    index_counter = ops.multiply(
        ops.arange(size, dtype="int32"), _int32(_GOLDEN_RATIO)
    )
    bits = mix32(ops.add(slot_keys[:, :, None], index_counter[None, None, :]))
    return bits_to_unit_interval(bits)


def bits_to_unit_interval(bits):
    """Maps int32 bit patterns to float32 values strictly inside `(0, 1)`:
    the top 23 bits pick one of 2**23 equal bins, the value is its centre.
    """
    top_23_bits = ops.cast(_shift_right(bits, 9), "float32")
    return (top_23_bits + 0.5) * (1.0 / (1 << 23))


def hashed_keep_mask(seed, shape, rate, row_offset=0):
    """Dropout's keep mask: True with probability `1 - rate`, keyed by
    each value's index in the global batch.

    Args:
        seed: int tensor `[2]`, e.g. `keras.random.SeedGenerator.next()`.
        shape: tuple of ints (or scalar int tensors), the local block's
            shape, batch first.
        rate: float in `[0, 1)`, the share of values to drop.
        row_offset: int or int tensor. Global index of the block's first
            row (its replica's offset in the global batch).

    Returns:
        bool tensor `shape`. The value at flat index `i` of the global batch
        is kept when the top 24 bits of `mix32(key + i * golden_ratio)`
        reach `rate * 2**24`, where `key` mixes the seed's two words; so a
        replica's rows get the masks they get in the whole batch.
    """
    key = _seed_key(seed)
    row_size = 1
    for dim in shape[1:]:
        row_size *= dim
    size = shape[0] * row_size
    first = ops.multiply(ops.cast(row_offset, "int32"), ops.cast(row_size, "int32"))
    index = ops.add(ops.arange(size, dtype="int32"), first)
    bits = _shift_right(mix32(ops.add(key, ops.multiply(index, _int32(_GOLDEN_RATIO)))), 8)
    return ops.reshape(ops.greater_equal(bits, int(rate * (1 << 24))), shape)
