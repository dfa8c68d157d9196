"""Dynamic ELECTRA masking: a pure, seeded function of a packed batch."""

import tensorflow as tf


def max_predictions_for(seq_len, mask_rate=0.15):
    """Mask slots per sequence, as the original: `int((rate + .005) * L)`.

    Example:
    ```python
    max_predictions_for(128)  # 19
    ```
    """
    return int((mask_rate + 0.005) * seq_len)


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
    """Selects and corrupts tokens of packed examples for ELECTRA.

    Per row, `max(1, min(max_predictions, round(num_tokens * mask_rate)))`
    distinct positions are drawn uniformly among the real tokens that are not
    [CLS], [SEP], [MASK] or [PAD] (`num_tokens` counts all real tokens,
    [CLS]/[SEP] included, and `round` is half-to-even, as the original's
    `tf.round`; a row with fewer candidates gets them all). The original
    samples with replacement and so sometimes selects fewer positions; this
    function always selects exactly that many, without duplicates. Each
    selected token becomes [MASK] with probability `mask_token_rate`, a token
    drawn uniformly from the vocab with probability `random_token_rate`, and
    stays unchanged otherwise. Positions are sorted; unused slots have
    position 0, id 0 and weight 0.

    The result depends only on the inputs and `seed` (stateless random ops),
    so it is reproducible and differs whenever the seed differs.

    Args:
        features: dict with int `token_ids` and `padding_mask` (1 = real
            token), of shape `[seq_len]` or `[batch, seq_len]`; other entries
            (`segment_ids`) are passed through.
        seed: int or int tensor of shape `[2]`.
        vocab: `Vocab`. Gives the special-token ids and the vocab size.
        mask_rate: float. Fraction of real tokens to select. Defaults to 0.15.
        mask_token_rate: float. Selected tokens that become [MASK]. Defaults
            to 0.85 (ELECTRA; BERT: 0.8).
        random_token_rate: float. Selected tokens that become a random token.
            Defaults to 0.0 (ELECTRA; BERT: 0.1).
        max_predictions: int. Mask slots per row. Defaults to
            `max_predictions_for(seq_len, mask_rate)`.

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
    seq_len = token_ids.shape[-1]
    if seq_len is None:
        raise ValueError("token_ids must have a static sequence length")
    if max_predictions is None:
        max_predictions = max_predictions_for(seq_len, mask_rate)
    if not 0 < max_predictions <= seq_len:
        raise ValueError(
            f"max_predictions must be in [1, {seq_len}], got {max_predictions}"
        )
    select_seed, replace_seed, random_seed = tf.unstack(
        tf.random.experimental.stateless_split(_as_seed(seed), 3)
    )

    positions, valid = _select_positions(
        token_ids, padding_mask, select_seed, vocab, mask_rate, max_predictions
    )
    mask_ids = tf.gather(token_ids, positions, batch_dims=1) * tf.cast(valid, tf.int32)
    new_ids = _replacement_ids(
        mask_ids, replace_seed, random_seed, vocab,
        mask_token_rate, random_token_rate,
    )
    # One-hot write-back: valid positions are unique, unused slots write nothing.
    hits = tf.one_hot(positions, seq_len, dtype=tf.int32) * tf.cast(
        valid[..., tf.newaxis], tf.int32
    )
    selected = tf.reduce_max(hits, axis=1) > 0
    written = tf.reduce_sum(hits * new_ids[..., tf.newaxis], axis=1)
    corrupted = tf.where(selected, written, token_ids)

    outputs = {
        "token_ids": corrupted,
        "padding_mask": padding_mask,
        "mask_positions": positions,
        "mask_ids": mask_ids,
        "mask_weights": tf.cast(valid, tf.float32),
    }
    if unbatched:
        outputs = {k: v[0] for k, v in outputs.items()}
    if "segment_ids" in features:
        outputs["segment_ids"] = tf.cast(features["segment_ids"], tf.int32)
    return outputs


def _as_seed(seed):
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank == 0:
        seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    return tf.cast(seed, tf.int64)


def _select_positions(token_ids, padding_mask, seed, vocab, mask_rate, max_predictions):
    """Returns sorted selected positions `[batch, P]` and which slots are used."""
    unmaskable = tf.constant(vocab.unmaskable_ids, tf.int32)
    special = tf.reduce_any(token_ids[..., tf.newaxis] == unmaskable, axis=-1)
    candidates = (padding_mask > 0) & ~special
    num_tokens = tf.reduce_sum(padding_mask, axis=-1)
    num_to_predict = tf.cast(tf.round(tf.cast(num_tokens, tf.float32) * mask_rate), tf.int32)
    num_to_predict = tf.clip_by_value(num_to_predict, 1, max_predictions)
    num_candidates = tf.reduce_sum(tf.cast(candidates, tf.int32), axis=-1)
    num_to_predict = tf.minimum(num_to_predict, num_candidates)

    scores = tf.random.stateless_uniform(tf.shape(token_ids), seed)
    scores = tf.where(candidates, scores, -1.0)
    _, ranked = tf.math.top_k(scores, k=max_predictions, sorted=True)
    valid = tf.range(max_predictions)[tf.newaxis, :] < num_to_predict[:, tf.newaxis]
    seq_len = tf.shape(token_ids)[-1]
    positions = tf.sort(tf.where(valid, ranked, seq_len), axis=-1)
    return tf.where(valid, positions, 0), valid


def _replacement_ids(mask_ids, replace_seed, random_seed, vocab, mask_token_rate, random_token_rate):
    """[MASK], a random token, or the original id, per selected slot."""
    draw = tf.random.stateless_uniform(tf.shape(mask_ids), replace_seed)
    random_ids = tf.random.stateless_uniform(
        tf.shape(mask_ids), random_seed, minval=0, maxval=vocab.size, dtype=tf.int32
    )
    new_ids = tf.where(draw < mask_token_rate + random_token_rate, random_ids, mask_ids)
    return tf.where(draw < mask_token_rate, vocab.mask_id, new_ids)
