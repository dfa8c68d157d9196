"""Mask slots: what the data pipeline and the model share, defined once.

ELECTRA hands the model a fixed number of *mask slots* per sequence:
`mask_positions`, `mask_ids` and `mask_weights`, each `[batch,
max_predictions]`, where a slot of weight 0 is padding (position 0, id 0).
Two things about these slots are needed on both sides of the pipeline and
live here, so each has exactly one definition:

* `max_predictions_for`: how many slots a sequence gets.
* `write_at_positions`: writing one value per slot into the token ids.
  The data pipeline writes the [MASK]/random replacements with it (step 2
  of the objective, `keras_electra.data.masking`), the model writes the
  generator's samples and the original tokens
  (`keras_electra.models.pretraining_ops.replace_at_positions`).

Why an array namespace: the data pipeline runs inside `tf.data` graphs
under every Keras backend (under JAX it still runs TensorFlow ops, where
`keras.ops` would produce JAX arrays), while the model code must run with
no TensorFlow at all under JAX and PyTorch. So `write_at_positions` is
written once over the handful of operations it needs and takes them as an
argument `xp`: the model passes `keras.ops`, the data pipeline a
TensorFlow adapter with the same names (`keras_electra.data.masking`).

Pure Python: imports neither Keras nor TensorFlow.
"""

# The operations `write_at_positions` calls, with `keras.ops` signatures:
# `cast(x, dtype)`, `shape(x)`, `greater(x, y)`,
# `one_hot(x, num_classes, dtype=)`, `expand_dims(x, axis)`,
# `max(x, axis=)`, `sum(x, axis=)`.
WRITE_OPS = ("cast", "shape", "greater", "one_hot", "expand_dims", "max", "sum")


def max_predictions_for(sequence_length, mask_rate=0.15):
    """Mask slots per sequence, as the original: `int((rate + .005) * L)`.

    Args:
        sequence_length: int. Tokens per sequence, [CLS] and [SEP] included.
        mask_rate: float. Fraction of tokens selected. Defaults to 0.15
            (0.25 for ELECTRA-Large).

    Example:
    ```python
    max_predictions_for(128)  # 19
    max_predictions_for(512, mask_rate=0.25)  # 130
    ```
    """
    return int((mask_rate + 0.005) * sequence_length)


def write_at_positions(token_ids, positions, values, weights, xp):
    """Writes `values` into `token_ids` at `positions` where `weights` > 0.

    A one-hot write-back (no scatter, so it compiles to the same dense ops
    on every backend and under XLA): slot `j` of row `b` replaces
    `token_ids[b, positions[b, j]]` by `values[b, j]` if `weights[b, j] >
    0`. Slots of weight 0 (padding, position 0 by convention) never
    overwrite a token. The positions of a row's used slots must be unique,
    as the masking guarantees; tokens no slot points at are unchanged.

    Args:
        token_ids: int tensor `[batch, sequence_length]`.
        positions: int tensor `[batch, num_slots]`.
        values: int tensor `[batch, num_slots]`.
        weights: float or int tensor `[batch, num_slots]`.
        xp: the array operations (see `WRITE_OPS`): `keras.ops` in the
            model, the TensorFlow adapter in the data pipeline.

    Returns:
        int32 tensor `[batch, sequence_length]`.
    """
    token_ids = xp.cast(token_ids, "int32")
    sequence_length = xp.shape(token_ids)[-1]
    active = xp.cast(xp.greater(weights, 0), "int32")
    # hits[b, j, t] = 1 where used slot j of row b points at token t.
    hits = xp.one_hot(positions, sequence_length, dtype="int32")
    hits = hits * xp.expand_dims(active, -1)
    written = xp.max(hits, axis=1)
    new_values = xp.sum(hits * xp.expand_dims(xp.cast(values, "int32"), -1), axis=1)
    return token_ids * (1 - written) + new_values
