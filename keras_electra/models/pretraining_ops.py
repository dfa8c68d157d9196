"""ELECTRA's objective, steps 3 to 5: one small function each (Keras ops).

The five steps of a training step (the one-page map is the docstring of
`keras_electra.data.masking`):

1. Select positions and 2. mask them: in the `tf.data` pipeline
   (`keras_electra.data.masking.select_positions`, `mask_selected`,
   composed by `mask_tokens`).
3. Generator predicts: `ElectraPretrainer.generate`, the generator's
   masked-LM logits at the selected positions.
4. Sample: `sample_tokens` draws one token per slot (Gumbel-max, float32,
   no gradient); `replace_at_positions` writes the samples into the input
   (`ElectraPretrainer.corrupt`). It is the same write-back the data
   pipeline masks with, `keras_electra.mask_slots.write_at_positions`,
   bound to `keras.ops`.
5. Label and loss: `replaced_token_labels` marks each token replaced or
   original; the discriminator (`ElectraPretrainer.discriminate`) trains
   on `replaced_token_detection_loss`, the generator on `masked_lm_loss`.

Model-side code: Keras only, no TensorFlow import.
"""

import keras
from keras import ops

from keras_electra.mask_slots import write_at_positions
from keras_electra.layers.hashed_noise import hashed_uniform
from keras_electra.models.replicas import global_weighted_means
from keras_electra.models.replicas import replica_row_offset


def gumbel_noise(shape, seed_generator):
    """Standard Gumbel noise in float32, as the original adds to the logits.

    Keyed by each row's index in the global batch
    (`keras_electra.layers.hashed_noise`), so a batch draws the same noise
    on 1 or N replicas and on every backend; `seed_generator` advances once
    per call, so every step draws afresh.

    Args:
        shape: `(batch, num_positions, vocabulary_size)`, the local shape.
        seed_generator: `keras.random.SeedGenerator` attached to the model.
    """
    uniform = hashed_uniform(
        seed_generator.next(), shape, row_offset=replica_row_offset(shape[0])
    )
    return -ops.log(-ops.log(uniform))


def sample_tokens(logits, seed_generator, temperature=1.0):
    """Step 4: draws one token per slot from `softmax(logits / temperature)`.

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

    `keras_electra.mask_slots.write_at_positions` over `keras.ops`, the one
    write-back of the package: padded slots (weight 0, position 0 by
    convention) never overwrite a token, and the positions of a row's used
    slots must be unique, as the masking guarantees.

    Args:
        token_ids: int tensor `[batch, sequence_length]`.
        positions: int tensor `[batch, num_positions]`.
        values: int tensor `[batch, num_positions]`.
        weights: float tensor `[batch, num_positions]`.

    Returns:
        int32 tensor `[batch, sequence_length]`.
    """
    return write_at_positions(token_ids, positions, values, weights, ops)


def replaced_token_labels(corrupted_ids, original_ids):
    """Step 5: 1.0 where the discriminator input differs from the original.

    0.0 elsewhere: a generator sample equal to the original token counts
    as original.
    """
    return ops.cast(ops.not_equal(corrupted_ids, original_ids), "float32")


def weighted_mean(values, weights):
    """`sum(values * weights) / sum(weights)` over the global batch.

    0 when all weights are 0. Under a multi-replica `tf.distribute`
    strategy the sums run over every replica's slice
    (`keras_electra.models.replicas.global_weighted_means`).
    """
    return global_weighted_means([(values, weights)])[1][0]


def masked_lm_losses(mask_ids, mlm_logits):
    """Step 5, generator: the cross-entropy of each mask slot, float32."""
    return keras.losses.sparse_categorical_crossentropy(
        mask_ids, ops.cast(mlm_logits, "float32"), from_logits=True
    )


def replaced_token_detection_losses(disc_labels, disc_logits):
    """Step 5, discriminator: the sigmoid cross-entropy of each token."""
    return keras.losses.binary_crossentropy(
        disc_labels[..., None],
        ops.cast(disc_logits, "float32")[..., None],
        from_logits=True,
    )


def label_has_the_top_logit(mask_ids, mlm_logits):
    """1.0 where the original token's logit is the slot's largest, float32.

    Equal to `argmax(mlm_logits) == mask_ids` but for exact ties, and ten
    times cheaper under XLA on a CPU: a max-reduction and a gather instead
    of an arg-max over the vocabulary (Keras' `SparseCategoricalAccuracy`).
    """
    mlm_logits = ops.cast(mlm_logits, "float32")
    label_logits = ops.take_along_axis(
        mlm_logits, ops.cast(mask_ids, "int32")[..., None], axis=-1
    )[..., 0]
    return ops.cast(
        ops.greater_equal(label_logits, ops.max(mlm_logits, axis=-1)), "float32"
    )


def masked_lm_accuracy():
    """The generator's accuracy at the mask slots (`label_has_the_top_logit`
    averaged with the slots' weights), logged as `mlm_accuracy`."""
    return keras.metrics.MeanMetricWrapper(
        label_has_the_top_logit, name="mlm_accuracy"
    )


def masked_lm_loss(mask_ids, mlm_logits, mask_weights):
    """Step 5, generator loss: cross-entropy averaged over the used slots."""
    return weighted_mean(masked_lm_losses(mask_ids, mlm_logits), mask_weights)


def replaced_token_detection_loss(disc_labels, disc_logits, padding_mask):
    """Step 5, discriminator loss: sigmoid cross-entropy over real tokens."""
    return weighted_mean(
        replaced_token_detection_losses(disc_labels, disc_logits), padding_mask
    )
