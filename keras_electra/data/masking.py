"""ELECTRA's objective on one page, and its first two steps (tf.data).

ELECTRA (Clark et al., 2020) trains a discriminator to tell which tokens of
its input a small generator replaced. Every training step has five parts;
the first two run here, in the `tf.data` pipeline (TensorFlow ops under
every Keras backend, seeded and stateless), the other three in the model
(`keras_electra.models.pretraining_ops`, Keras ops on every backend):

1. Select positions (`select_positions`): per sequence, ~15% of the real
   tokens other than [CLS], [SEP], [MASK] and [PAD], into
   `max_predictions_for(sequence_length, mask_rate)` slots; unused slots
   have weight 0.
2. Mask (`mask_selected`): each selected token becomes [MASK] (85%), a
   random token (0% in ELECTRA, 10% in BERT) or stays itself
   (`replacement_ids`), written into the token ids by the one shared
   write-back, `keras_electra.mask_slots.write_at_positions`. The original
   tokens become the labels `mask_ids`.
   `mask_tokens` composes steps 1 and 2 into the batch format the model
   reads.
3. Generator predicts (`ElectraPretrainer.generate`): the generator's
   masked-LM logits at the selected positions only.
4. Sample (`pretraining_ops.sample_tokens`, in `ElectraPretrainer.corrupt`):
   one token per slot from the generator's softmax (Gumbel-max, float32,
   no gradient), written into the input with the same write-back
   (`pretraining_ops.replace_at_positions`).
5. Label and loss (`pretraining_ops.replaced_token_labels`,
   `masked_lm_loss`, `replaced_token_detection_loss`): a token is
   "replaced" where the corrupted input differs from the original (a
   sample equal to the original counts as original); the discriminator
   (`ElectraPretrainer.discriminate`) is trained on that label over all
   real tokens, the generator on the masked-LM loss over the used slots,
   `loss = mlm_weight * mlm_loss + disc_weight * disc_loss`.

The masking settings (`mask_rate`, `mask_token_rate`, `random_token_rate`)
belong to the data, not to the model's `ElectraConfig`; the presets'
pre-training settings hold the paper's mask rate per size.
"""

import types

import tensorflow as tf

from keras_electra.mask_slots import max_predictions_for
from keras_electra.mask_slots import write_at_positions

__all__ = [
    "check_mask_rates",
    "mask_selected",
    "mask_tokens",
    "max_predictions_for",
    "replacement_ids",
    "select_positions",
]

# `write_at_positions` over TensorFlow: the `keras.ops` names it calls,
# as TensorFlow ops, so the data pipeline stays TensorFlow under every
# Keras backend. The sequence length is static (`mask_tokens` checks).
TF_WRITE_OPS = types.SimpleNamespace(
    cast=tf.cast,
    shape=lambda x: tuple(x.shape),
    greater=tf.greater,
    one_hot=tf.one_hot,
    expand_dims=tf.expand_dims,
    max=tf.reduce_max,
    sum=tf.reduce_sum,
)


def check_mask_rates(mask_rate, mask_token_rate, random_token_rate):
    """Raises `ValueError` unless the rates are valid probabilities."""
    if not 0.0 < mask_rate < 1.0:
        raise ValueError(f"mask_rate must be in (0, 1), got {mask_rate!r}")
    for name, rate in (
        ("mask_token_rate", mask_token_rate),
        ("random_token_rate", random_token_rate),
    ):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {rate!r}")
    if mask_token_rate + random_token_rate > 1.0 + 1e-9:
        raise ValueError(
            "mask_token_rate + random_token_rate must be at most 1, got "
            f"{mask_token_rate} + {random_token_rate}"
        )


def mask_tokens(
    features,
    seed,
    vocab,
    mask_rate=0.15,
    mask_token_rate=0.85,
    random_token_rate=0.0,
    max_predictions=None,
):
    """Steps 1 and 2: selects and masks tokens of packed examples.

    `select_positions` draws the positions, `mask_selected` corrupts them;
    see those for the rules. The result depends only on the inputs and
    `seed` (stateless random ops), so it is reproducible and differs
    whenever the seed differs.

    Args:
        features: dict with int `token_ids` and `padding_mask` (1 = real
            token), of shape `[sequence_length]` or `[batch,
            sequence_length]`; other entries (`segment_ids`) are passed
            through.
        seed: int or int tensor of shape `[2]`.
        vocab: `Vocab`. Gives the special-token ids and the vocab size.
        mask_rate: float. Fraction of real tokens to select. Defaults to 0.15.
        mask_token_rate: float. Selected tokens that become [MASK]. Defaults
            to 0.85 (ELECTRA; BERT: 0.8).
        random_token_rate: float. Selected tokens that become a random token.
            Defaults to 0.0 (ELECTRA; BERT: 0.1).
        max_predictions: int. Mask slots per row. Defaults to
            `max_predictions_for(sequence_length, mask_rate)`.

    Returns:
        A dict: `token_ids` (corrupted), `segment_ids` (if given),
        `padding_mask` (int32), `mask_positions`, `mask_ids` (int32
        `[..., max_predictions]`), `mask_weights` (float32).

    Example:
    ```python
    vocab = keras_electra.data.load_vocab()
    example = {"token_ids": [101, 2023, 2003, 1037, 3231, 102, 0, 0],
               "padding_mask": [1, 1, 1, 1, 1, 1, 0, 0]}
    masked = keras_electra.data.mask_tokens(example, seed=1, vocab=vocab)
    masked["mask_positions"]  # one position in 1..4 (8 * 0.155 -> 1 slot)
    ```
    """
    check_mask_rates(mask_rate, mask_token_rate, random_token_rate)
    token_ids = tf.cast(tf.convert_to_tensor(features["token_ids"]), tf.int32)
    padding_mask = tf.cast(tf.convert_to_tensor(features["padding_mask"]), tf.int32)
    unbatched = token_ids.shape.rank == 1
    if unbatched:
        token_ids, padding_mask = token_ids[tf.newaxis], padding_mask[tf.newaxis]
    select_seed, choice_seed, token_seed = tf.unstack(
        tf.random.experimental.stateless_split(_as_seed(seed), 3)
    )

    positions, weights = select_positions(
        token_ids, padding_mask, select_seed, vocab, mask_rate, max_predictions
    )
    masked_ids, mask_ids = mask_selected(
        token_ids, positions, weights, choice_seed, token_seed, vocab,
        mask_token_rate, random_token_rate,
    )

    outputs = {
        "token_ids": masked_ids,
        "padding_mask": padding_mask,
        "mask_positions": positions,
        "mask_ids": mask_ids,
        "mask_weights": weights,
    }
    if unbatched:
        outputs = {k: v[0] for k, v in outputs.items()}
    if "segment_ids" in features:
        outputs["segment_ids"] = tf.cast(features["segment_ids"], tf.int32)
    return outputs


def select_positions(
    token_ids, padding_mask, seed, vocab, mask_rate=0.15, max_predictions=None
):
    """Step 1: the positions to predict, sorted, in fixed-size slots.

    Per row, `max(1, min(max_predictions, round(num_tokens * mask_rate)))`
    distinct positions are drawn uniformly among the real tokens that are
    not [CLS], [SEP], [MASK] or [PAD] (`num_tokens` counts all real tokens,
    [CLS]/[SEP] included, and `round` is half-to-even, as the original's
    `tf.round`; a row with fewer candidates gets them all). The original
    samples with replacement and so sometimes selects fewer positions; this
    always selects exactly that many, without duplicates. Unused slots have
    position 0 and weight 0.

    Args:
        token_ids: int32 tensor `[batch, sequence_length]`, static length.
        padding_mask: int32 tensor `[batch, sequence_length]`, 1 = real.
        seed: int or int tensor `[2]` of the stateless draw.
        vocab: `Vocab`. Gives the ids that are never selected.
        mask_rate: float. Fraction of real tokens to select.
        max_predictions: int or None. Slots per row; defaults to
            `max_predictions_for(sequence_length, mask_rate)`.

    Returns:
        `(mask_positions, mask_weights)`: int32 and float32 `[batch,
        max_predictions]`.
    """
    sequence_length = token_ids.shape[-1]
    if sequence_length is None:
        raise ValueError("token_ids must have a static sequence length")
    if max_predictions is None:
        max_predictions = max_predictions_for(sequence_length, mask_rate)
    if not 0 < max_predictions <= sequence_length:
        raise ValueError(
            f"max_predictions must be in [1, {sequence_length}], got "
            f"{max_predictions}"
        )
    unmaskable = tf.constant(vocab.unmaskable_ids, tf.int32)
    special = tf.reduce_any(token_ids[..., tf.newaxis] == unmaskable, axis=-1)
    candidates = (padding_mask > 0) & ~special
    num_tokens = tf.reduce_sum(padding_mask, axis=-1)
    num_to_predict = tf.cast(tf.round(tf.cast(num_tokens, tf.float32) * mask_rate), tf.int32)
    num_to_predict = tf.clip_by_value(num_to_predict, 1, max_predictions)
    num_candidates = tf.reduce_sum(tf.cast(candidates, tf.int32), axis=-1)
    num_to_predict = tf.minimum(num_to_predict, num_candidates)

    scores = tf.random.stateless_uniform(tf.shape(token_ids), _as_seed(seed))
    scores = tf.where(candidates, scores, -1.0)
    _, ranked = tf.math.top_k(scores, k=max_predictions, sorted=True)
    used = tf.range(max_predictions)[tf.newaxis, :] < num_to_predict[:, tf.newaxis]
    positions = tf.sort(tf.where(used, ranked, sequence_length), axis=-1)
    return tf.where(used, positions, 0), tf.cast(used, tf.float32)


def mask_selected(
    token_ids,
    mask_positions,
    mask_weights,
    choice_seed,
    token_seed,
    vocab,
    mask_token_rate=0.85,
    random_token_rate=0.0,
):
    """Step 2: corrupts the selected tokens, keeping the originals as labels.

    Reads the original token of every used slot, picks its replacement
    (`replacement_ids`) and writes the replacements into `token_ids` with
    the write-back the model uses too (`write_at_positions`).

    Args:
        token_ids: int32 tensor `[batch, sequence_length]`, static length.
        mask_positions: int32 tensor `[batch, max_predictions]`.
        mask_weights: float tensor `[batch, max_predictions]`, 0 = unused.
        choice_seed: int or int tensor `[2]`: the [MASK]/random/keep draw.
        token_seed: int or int tensor `[2]`: the random tokens.
        vocab: `Vocab`.
        mask_token_rate: float. Share of slots that become [MASK].
        random_token_rate: float. Share of slots that become a random token.

    Returns:
        `(masked_token_ids, mask_ids)`: int32 `[batch, sequence_length]`
        and the original tokens, int32 `[batch, max_predictions]` (0 in
        unused slots).
    """
    used = tf.cast(mask_weights > 0, tf.int32)
    mask_ids = tf.gather(token_ids, mask_positions, batch_dims=1) * used
    new_ids = replacement_ids(
        mask_ids, choice_seed, token_seed, vocab, mask_token_rate, random_token_rate
    )
    masked = write_at_positions(
        token_ids, mask_positions, new_ids, mask_weights, TF_WRITE_OPS
    )
    return masked, mask_ids


def replacement_ids(
    original_ids,
    choice_seed,
    token_seed,
    vocab,
    mask_token_rate=0.85,
    random_token_rate=0.0,
):
    """[MASK], a random token, or the original id, per slot.

    Args:
        original_ids: int32 tensor `[batch, max_predictions]`.
        choice_seed: int or int tensor `[2]`: one uniform draw per slot
            picks [MASK] (below `mask_token_rate`), a random token (below
            `mask_token_rate + random_token_rate`) or the original.
        token_seed: int or int tensor `[2]`: the random tokens, uniform
            over the whole vocab.
        vocab: `Vocab`. Gives the [MASK] id and the vocab size.
        mask_token_rate: float.
        random_token_rate: float.

    Returns:
        int32 tensor shaped like `original_ids`.
    """
    draw = tf.random.stateless_uniform(tf.shape(original_ids), _as_seed(choice_seed))
    random_ids = tf.random.stateless_uniform(
        tf.shape(original_ids), _as_seed(token_seed),
        minval=0, maxval=vocab.size, dtype=tf.int32,
    )
    new_ids = tf.where(
        draw < mask_token_rate + random_token_rate, random_ids, original_ids
    )
    return tf.where(draw < mask_token_rate, vocab.mask_id, new_ids)


def _as_seed(seed):
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank == 0:
        seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    return tf.cast(seed, tf.int64)
