"""The steps of ELECTRA's replaced-token detection, one small function each.

The data pipeline has already chosen and masked the positions; in the model
the generator's logits at those positions are sampled (`sample_tokens`), the
samples written into the input (`replace_at_positions`) and each token
labelled replaced or original (`replaced_token_labels`); the two losses
are `masked_lm_loss` and `replaced_token_detection_loss`.
"""

import keras
from keras import ops

from keras_electra.models.replicas import replica_uniform


def gumbel_noise(shape, seed_generator):
    """Standard Gumbel noise in float32, as the original adds to the logits."""
    uniform = replica_uniform(shape, seed_generator, dtype="float32")
    return -ops.log(-ops.log(uniform + 1e-9) + 1e-9)


def sample_tokens(logits, seed_generator, temperature=1.0):
    """Draws one token per slot from `softmax(logits / temperature)`.

    Gumbel-max sampling, computed in float32 whatever the compute dtype, with
    no gradient flowing back into the logits.

    Args:
        logits: float tensor `[batch, num_positions, vocabulary_size]`.
        seed_generator: `keras.random.SeedGenerator` attached to the model.
        temperature: float. Softmax temperature.

    Returns:
        int32 tensor `[batch, num_positions]` of sampled token ids.
    """
    logits = ops.cast(ops.stop_gradient(logits), "float32") / temperature
    noise = gumbel_noise(ops.shape(logits), seed_generator)
    return ops.cast(ops.argmax(logits + noise, axis=-1), "int32")


def replace_at_positions(token_ids, positions, values, weights):
    """Writes `values` into `token_ids` at `positions` where `weights` > 0.

    Padded slots (weight 0, position 0 by convention) never overwrite a
    token. Positions of one row must be unique, as the masking pipeline
    guarantees.

    Args:
        token_ids: int tensor `[batch, seq_len]`.
        positions: int tensor `[batch, num_positions]`.
        values: int tensor `[batch, num_positions]`.
        weights: float tensor `[batch, num_positions]`.

    Returns:
        int32 tensor `[batch, seq_len]`.
    """
    token_ids = ops.cast(token_ids, "int32")
    seq_len = ops.shape(token_ids)[1]
    active = ops.cast(ops.greater(weights, 0), "int32")
    hits = ops.one_hot(positions, seq_len, dtype="int32") * active[:, :, None]
    written = ops.max(hits, axis=1)
    new_values = ops.sum(hits * ops.cast(values, "int32")[:, :, None], axis=1)
    return token_ids * (1 - written) + new_values


def replaced_token_labels(corrupted_ids, original_ids):
    """1.0 where the discriminator input differs from the original, else 0.0.

    A generator sample equal to the original token counts as original.
    """
    return ops.cast(ops.not_equal(corrupted_ids, original_ids), "float32")


def weighted_mean(values, weights):
    """`sum(values * weights) / sum(weights)`, 0 when all weights are 0."""
    weights = ops.cast(weights, "float32")
    total = ops.sum(ops.cast(values, "float32") * weights)
    return total / ops.maximum(ops.sum(weights), 1e-6)


def masked_lm_loss(mask_ids, mlm_logits, mask_weights):
    """The generator's loss: cross-entropy averaged over real mask slots."""
    per_slot = keras.losses.sparse_categorical_crossentropy(
        mask_ids, ops.cast(mlm_logits, "float32"), from_logits=True
    )
    return weighted_mean(per_slot, mask_weights)


def replaced_token_detection_loss(disc_labels, disc_logits, padding_mask):
    """The discriminator's loss: sigmoid cross-entropy over real tokens."""
    per_token = keras.losses.binary_crossentropy(
        disc_labels[..., None],
        ops.cast(disc_logits, "float32")[..., None],
        from_logits=True,
    )
    return weighted_mean(per_token, padding_mask)
