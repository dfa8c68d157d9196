"""`ElectraPreprocessor`: raw strings -> token_ids, segment_ids, padding_mask.

The hard-coded ids are what the two packers it replaces (fine-tuning's
`SegmentPacker` and the export's `ElectraTextPacker`) gave for the same
input with the shipped uncased vocab.
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_electra import TextNormalization
from keras_electra.preprocessing import ElectraPreprocessor

CLS, SEP, PAD, UNK = 101, 102, 0, 100


def _numpy(inputs):
    return {key: value.numpy() for key, value in inputs.items()}


def test_pairs_pack_as_cls_a_sep_b_sep_truncated_longest_first():
    preprocessor = ElectraPreprocessor(sequence_length=12)
    inputs = _numpy(
        preprocessor(
            tf.constant(["The film is good.", "Bad"]),
            tf.constant(["Yes, a very long second sentence indeed.", "no"]),
        )
    )
    # Row 0: budget 9 shared 5 (all of "the film is good .") + 4 of B.
    np.testing.assert_array_equal(
        inputs["token_ids"],
        [
            [CLS, 1996, 2143, 2003, 2204, 1012, SEP, 2748, 1010, 1037, 2200, SEP],
            [CLS, 2919, SEP, 2053, SEP] + [PAD] * 7,
        ],
    )
    np.testing.assert_array_equal(
        inputs["segment_ids"],
        [[0] * 7 + [1] * 5, [0, 0, 0, 1, 1] + [0] * 7],
    )
    np.testing.assert_array_equal(inputs["padding_mask"], [[1] * 12, [1] * 5 + [0] * 7])
    for value in inputs.values():
        assert value.dtype == np.int32


def test_the_longer_text_of_a_pair_loses_its_tail():
    preprocessor = ElectraPreprocessor(sequence_length=12)
    inputs = preprocessor(
        tf.constant(["The quick brown fox jumps over the lazy dog."]),
        tf.constant(["A fox."]),
    )
    np.testing.assert_array_equal(
        inputs["token_ids"],
        [[CLS, 1996, 4248, 2829, 4419, 14523, 2058, SEP, 1037, 4419, 1012, SEP]],
    )
    np.testing.assert_array_equal(inputs["segment_ids"], [[0] * 8 + [1] * 4])


def test_single_texts_pad_to_exactly_sequence_length_with_a_static_shape():
    preprocessor = ElectraPreprocessor(sequence_length=8)
    inputs = preprocessor(tf.constant(["The quick fox.", "", "  \t "]))
    np.testing.assert_array_equal(
        inputs["token_ids"],
        [
            [CLS, 1996, 4248, 4419, 1012, SEP, PAD, PAD],
            [CLS, SEP] + [PAD] * 6,
            [CLS, SEP] + [PAD] * 6,
        ],
    )
    np.testing.assert_array_equal(inputs["segment_ids"], np.zeros([3, 8]))

    function = tf.function(preprocessor).get_concrete_function(
        tf.TensorSpec([None], tf.string)
    )
    for spec in function.structured_outputs.values():
        assert spec.shape.as_list() == [None, 8]


def test_invalid_utf8_is_replaced_before_tokenizing():
    preprocessor = ElectraPreprocessor(sequence_length=8)
    inputs = preprocessor(tf.constant([b"caf\xe9 \xff\xfe broken", b"The quick fox."]))
    np.testing.assert_array_equal(
        inputs["token_ids"],
        [
            [CLS, UNK, UNK, 3714, SEP, PAD, PAD, PAD],
            [CLS, 1996, 4248, 4419, 1012, SEP, PAD, PAD],
        ],
    )
    assert preprocessor.tokenize(tf.constant([b"\xff"])).to_list() == [[UNK]]


def test_pad_to_multiple_of_pads_each_batch_to_its_longest_row_rounded_up():
    preprocessor = ElectraPreprocessor(sequence_length=128, pad_to_multiple_of=8)
    inputs = _numpy(
        preprocessor(
            tf.constant(["A good film, really.", "Bad"]), tf.constant(["yes", "no"])
        )
    )
    # The longest row has 10 tokens: padded to 16, not 128.
    np.testing.assert_array_equal(
        inputs["token_ids"],
        [
            [CLS, 1037, 2204, 2143, 1010, 2428, 1012, SEP, 2748, SEP] + [PAD] * 6,
            [CLS, 2919, SEP, 2053, SEP] + [PAD] * 11,
        ],
    )
    np.testing.assert_array_equal(
        inputs["segment_ids"][0], [0] * 8 + [1, 1] + [0] * 6
    )
    long_text = tf.constant(["word " * 500])
    assert preprocessor(long_text)["token_ids"].shape == (1, 128)  # At most.


def test_normalization_chooses_case_and_accent_handling():
    text = tf.constant(["Café Hello the"])
    uncased = ElectraPreprocessor(sequence_length=10)
    assert uncased.normalization == TextNormalization()
    assert uncased(text)["token_ids"].numpy().tolist() == [
        [CLS, 7668, 7592, 1996, SEP] + [PAD] * 5
    ]
    cased = ElectraPreprocessor(
        sequence_length=10, normalization=TextNormalization(lower_case=False)
    )
    assert cased(text)["token_ids"].numpy().tolist() == [
        [CLS, UNK, UNK, 1996, SEP] + [PAD] * 5
    ]
    keep_accents = ElectraPreprocessor(
        sequence_length=10,
        normalization=TextNormalization(lower_case=True, strip_accents=False),
    )
    assert keep_accents(text)["token_ids"].numpy().tolist() == [
        [CLS, UNK, 7592, 1996, SEP] + [PAD] * 5
    ]


def test_runs_inside_tf_data_on_pairs():
    preprocessor = ElectraPreprocessor(sequence_length=12, pad_to_multiple_of=4)
    dataset = (
        tf.data.Dataset.from_tensor_slices((["The film is good.", "Bad"], ["yes", "no"]))
        .batch(2)
        .map(preprocessor)
    )
    batch = next(iter(dataset))
    np.testing.assert_array_equal(
        batch["token_ids"],
        [
            [CLS, 1996, 2143, 2003, 2204, 1012, SEP, 2748, SEP, PAD, PAD, PAD],
            [CLS, 2919, SEP, 2053, SEP] + [PAD] * 7,
        ],
    )


def test_a_scalar_text_gives_one_unbatched_row():
    preprocessor = ElectraPreprocessor(sequence_length=8)
    inputs = preprocessor(tf.constant("A fox."), tf.constant("Yes"))
    np.testing.assert_array_equal(
        inputs["token_ids"], [CLS, 1037, 4419, 1012, SEP, 2748, SEP, PAD]
    )
    np.testing.assert_array_equal(inputs["segment_ids"], [0, 0, 0, 0, 0, 1, 1, 0])


def test_tokenize_and_id_to_token_use_the_vocab():
    preprocessor = ElectraPreprocessor()
    assert preprocessor.tokenize(["Héllo, world!"]).to_list() == [[7592, 1010, 2088, 999]]
    tokens = preprocessor.id_to_token(tf.constant([[CLS, 7592, SEP, PAD]])).numpy()
    assert tokens.tolist() == [[b"[CLS]", b"hello", b"[SEP]", b"[PAD]"]]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sequence_length": 2}, "sequence_length must be an integer >= 3"),
        ({"sequence_length": 12.0}, "sequence_length must be an integer >= 3"),
        ({"pad_to_multiple_of": 0}, "pad_to_multiple_of must be a positive"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ElectraPreprocessor(**kwargs)


def test_a_pair_needs_room_for_both_texts():
    with pytest.raises(ValueError, match="no room"):
        ElectraPreprocessor(sequence_length=4)(tf.constant(["a"]), tf.constant(["b"]))


def test_the_old_lower_case_bool_is_refused_loudly():
    with pytest.raises(TypeError, match="TextNormalization"):
        ElectraPreprocessor(None, 16, False)
