"""Packing one or two segments of token ids into `[CLS] A [SEP] B [SEP]`.

`truncated_lengths` is the truncation rule (BERT's and ELECTRA's: drop the
last token of the longer segment until the pair fits; on a tie the second
segment loses the token); `pack_segments` applies it to a batch of ragged
token ids inside TensorFlow, so it runs in `tf.data` and in exported graphs.
"""

import tensorflow as tf


def truncated_lengths(first_lengths, second_lengths, budget):
    """Lengths of two segments after longest-first truncation to `budget`.

    Equivalent to removing the last token of the longer segment (of the
    second one on a tie) until `first + second <= budget`, but computed in
    closed form: the first segment keeps
    `min(first, max(ceil(budget / 2), budget - second))`, the second
    `min(second, max(floor(budget / 2), budget - first))`.

    Args:
        first_lengths: int tensor of segment-A lengths.
        second_lengths: int tensor of segment-B lengths, same shape.
        budget: int. Tokens available to the two segments together.

    Returns:
        The truncated `(first_lengths, second_lengths)`, with the dtype of
        `first_lengths`.

    Example:
    ```python
    truncated_lengths([10, 2], [2, 10], 6)
    # ([4, 2], [2, 4])
    ```
    """
    first_lengths = tf.convert_to_tensor(first_lengths)
    second_lengths = tf.cast(second_lengths, first_lengths.dtype)
    budget = tf.cast(budget, first_lengths.dtype)
    first_share = budget - budget // 2
    second_share = budget // 2
    first = tf.minimum(first_lengths, tf.maximum(first_share, budget - second_lengths))
    second = tf.minimum(
        second_lengths, tf.maximum(second_share, budget - first_lengths)
    )
    return first, second


def _keep_first(ragged, lengths):
    positions = tf.ragged.range(ragged.row_lengths())
    return tf.ragged.boolean_mask(ragged, positions < lengths[:, tf.newaxis])


def pack_segments(
    segments,
    sequence_length,
    cls_id,
    sep_id,
    pad_id=0,
    pad_to_multiple_of=None,
):
    """Packs a batch of one or two segments into model inputs.

    One segment becomes `[CLS] A [SEP]`, two become `[CLS] A [SEP] B [SEP]`
    (segment id 0 up to the first [SEP], 1 after it). Segments are cut to
    fit `sequence_length` with `truncated_lengths`.

    Args:
        segments: list of one or two `tf.RaggedTensor` `[batch, (tokens)]`
            of token ids.
        sequence_length: int. Maximum length, [CLS]/[SEP] included.
        cls_id: int. Id of [CLS].
        sep_id: int. Id of [SEP].
        pad_id: int. Id of [PAD].
        pad_to_multiple_of: int or None. `None` pads every row to
            `sequence_length`; an int pads only to the longest row of the
            batch rounded up to a multiple of it (at most
            `sequence_length`), which saves compute on short texts while
            keeping the number of distinct shapes small.

    Returns:
        A dict of int32 `[batch, length]` tensors: `token_ids`,
        `segment_ids` and `padding_mask` (1 for real tokens).

    Example:
    ```python
    a = tf.ragged.constant([[5, 6, 7, 8]])
    b = tf.ragged.constant([[9, 10]])
    pack_segments([a, b], 7, cls_id=1, sep_id=2)["token_ids"]
    # [[1, 5, 6, 2, 9, 10, 2]]
    ```
    """
    if not 1 <= len(segments) <= 2:
        raise ValueError(f"pack one or two segments, got {len(segments)}")
    segments = [tf.cast(s, tf.int32) for s in segments]
    num_special = len(segments) + 1
    budget = sequence_length - num_special
    if budget < len(segments):
        raise ValueError(
            f"sequence_length={sequence_length} leaves no room for "
            f"{len(segments)} segment(s)"
        )
    lengths = [s.row_lengths() for s in segments]
    if len(segments) == 1:
        kept = [tf.minimum(lengths[0], budget)]
    else:
        kept = list(truncated_lengths(lengths[0], lengths[1], budget))
    segments = [_keep_first(s, k) for s, k in zip(segments, kept)]

    batch = segments[0].nrows()
    cls = tf.fill([batch, 1], tf.constant(cls_id, tf.int32))
    sep = tf.fill([batch, 1], tf.constant(sep_id, tf.int32))
    pieces, segment_pieces = [cls], [tf.zeros_like(cls)]
    for index, segment in enumerate(segments):
        pieces += [segment, sep]
        fill = tf.zeros_like if index == 0 else tf.ones_like
        segment_pieces += [fill(segment), fill(sep)]
    token_ids = tf.concat(pieces, axis=1)
    segment_ids = tf.concat(segment_pieces, axis=1)

    width = sequence_length
    if pad_to_multiple_of:
        longest = tf.cast(tf.reduce_max(token_ids.row_lengths()), tf.int32)
        rounded = -(-longest // pad_to_multiple_of) * pad_to_multiple_of
        width = tf.minimum(rounded, sequence_length)
    shape = tf.stack([tf.cast(batch, tf.int32), tf.cast(width, tf.int32)])
    return {
        "token_ids": token_ids.to_tensor(default_value=pad_id, shape=shape),
        "segment_ids": segment_ids.to_tensor(default_value=0, shape=shape),
        "padding_mask": tf.ones_like(token_ids).to_tensor(
            default_value=0, shape=shape
        ),
    }
