"""`pack_segments`: `[CLS] A [SEP] B [SEP]` and longest-first truncation."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from keras_electra.preprocessing import pack_segments
from keras_electra.preprocessing import truncated_lengths

CLS, SEP, PAD = 101, 102, 0


def _pop_longer(first, second, budget):
    """The rule as BERT/ELECTRA state it: pop from the longer, B on ties."""
    while first + second > budget:
        if first > second:
            first -= 1
        else:
            second -= 1
    return first, second


def test_closed_form_truncation_equals_the_popping_rule():
    cases = list(itertools.product(range(0, 14), range(0, 14), range(1, 15)))
    first, second, budget = (np.array(c) for c in zip(*cases))
    got_first, got_second = [], []
    for b in sorted(set(budget)):
        rows = budget == b
        f, s = truncated_lengths(first[rows], second[rows], int(b))
        got_first.append(f.numpy())
        got_second.append(s.numpy())
    expected = {c: _pop_longer(*c) for c in cases}
    order = [c for b in sorted(set(budget)) for c in cases if c[2] == b]
    got = dict(zip(order, zip(np.concatenate(got_first), np.concatenate(got_second))))
    assert got == expected


def test_pair_layout_and_segment_ids():
    a = tf.ragged.constant([[5, 6, 7]])
    b = tf.ragged.constant([[8, 9]])
    packed = {k: v.numpy() for k, v in pack_segments([a, b], 10, CLS, SEP, PAD).items()}
    np.testing.assert_array_equal(
        packed["token_ids"], [[CLS, 5, 6, 7, SEP, 8, 9, SEP, PAD, PAD]]
    )
    np.testing.assert_array_equal(packed["segment_ids"], [[0, 0, 0, 0, 0, 1, 1, 1, 0, 0]])
    np.testing.assert_array_equal(packed["padding_mask"], [[1] * 8 + [0] * 2])


def test_longer_segment_is_truncated_first():
    a = tf.ragged.constant([list(range(10, 20)), [10, 11]])
    b = tf.ragged.constant([[30, 31], list(range(30, 40))])
    tokens = pack_segments([a, b], 9, CLS, SEP, PAD)["token_ids"].numpy()
    # Budget 6: the long segment keeps 4 tokens, the short one all 2.
    np.testing.assert_array_equal(tokens[0], [CLS, 10, 11, 12, 13, SEP, 30, 31, SEP])
    np.testing.assert_array_equal(tokens[1], [CLS, 10, 11, SEP, 30, 31, 32, 33, SEP])


def test_single_segment_truncates_at_the_end():
    a = tf.ragged.constant([list(range(10, 30)), [7]])
    packed = pack_segments([a], 6, CLS, SEP, PAD)
    np.testing.assert_array_equal(
        packed["token_ids"].numpy(), [[CLS, 10, 11, 12, 13, SEP], [CLS, 7, SEP, 0, 0, 0]]
    )
    assert not packed["segment_ids"].numpy().any()


def test_pad_to_multiple_pads_to_the_batch_not_the_maximum():
    a = tf.ragged.constant([[5] * 10, [5] * 3])
    packed = pack_segments([a], 128, CLS, SEP, PAD, pad_to_multiple_of=8)
    assert packed["token_ids"].shape == (2, 16)


def test_no_room_for_segments_is_an_error():
    with pytest.raises(ValueError, match="no room"):
        pack_segments([tf.ragged.constant([[5]])] * 2, 4, CLS, SEP)


def test_finetune_and_export_reexport_the_same_packing():
    import keras_electra.export as export
    import keras_electra.finetune as finetune
    import keras_electra.preprocessing as preprocessing

    assert finetune.pack_segments is preprocessing.pack_segments
    assert finetune.truncated_lengths is preprocessing.truncated_lengths
    assert finetune.ElectraPreprocessor is preprocessing.ElectraPreprocessor
    assert export.ElectraPreprocessor is preprocessing.ElectraPreprocessor
