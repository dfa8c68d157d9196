"""Words -> WordPiece windows: first-piece labels, long sentences in
overlapping windows, every word predicted exactly once; raw text -> words
with code point offsets."""

import numpy as np
import pytest
import tensorflow as tf

from keras_electra.data.vocab import load_vocab
from keras_electra.tagging.windows import IGNORED_LABEL
from keras_electra.tagging.windows import WordWindower
from keras_electra.tagging.windows import split_words

VOCAB = load_vocab(None)


def _ids(*tokens):
    return [VOCAB.tokens.index(t) for t in tokens]


def test_a_word_is_labelled_on_its_first_piece_only():
    windower = WordWindower(sequence_length=16)
    # "unaffable" -> un ##af ##fa ##ble: one label, on "un".
    out = windower.windows([["the", "unaffable", "dog"]], labels=[[1, 2, 3]])
    tokens = out["token_ids"].numpy()[0]
    pieces = windower.word_pieces([["unaffable"]]).flat_values.numpy().tolist()
    assert len(pieces) > 1
    assert tokens[:3].tolist() == [VOCAB.cls_id, *_ids("the")] + pieces[:1]
    labels = out["labels"].numpy()[0]
    assert labels[1] == 1 and labels[2] == 2 and labels[2 + len(pieces)] == 3
    assert (labels[3 : 2 + len(pieces)] == IGNORED_LABEL).all()
    assert labels[0] == IGNORED_LABEL and labels[3 + len(pieces)] == IGNORED_LABEL
    assert tokens[3 + len(pieces)] == VOCAB.sep_id


def test_tokenizer_normalization_applies_to_words():
    windower = WordWindower(sequence_length=8)
    assert windower.word_pieces([["Café"]]).flat_values.numpy().tolist() == _ids("cafe")


def test_a_long_sentence_is_windowed_and_every_word_labelled_exactly_once():
    rng = np.random.default_rng(0)
    vocabulary = ["the", "pound", "is", "widely", "expected", "unaffable", "1.8", ","]
    words = [str(w) for w in rng.choice(vocabulary, 300)]
    labels = list(range(1, 301))
    windower = WordWindower(sequence_length=32, stride=10)
    out = windower.windows([words, ["short"]], labels=[labels, [7]])
    windows = out["token_ids"].numpy()
    assert out["word_window"].row_lengths().numpy().tolist() == [300, 1]
    word_window = out["word_window"].flat_values.numpy()
    word_position = out["word_position"].flat_values.numpy()
    # The labelled positions are exactly the chosen (window, position) pairs,
    # each holding its word's label, and each word's first piece.
    label_grid = out["labels"].numpy()
    assert (label_grid != IGNORED_LABEL).sum() == 301
    assert label_grid[word_window, word_position].tolist() == labels + [7]
    first_pieces = [row[0] for row in windower.word_pieces([words]).numpy()[0]]
    assert windows[word_window[:300], word_position[:300]].tolist() == first_pieces
    # Windows of the long sentence, then one of the short one.
    assert out["window_sentence"].numpy().tolist()[-2:] == [0, 1]
    assert len(windows) > 1
    assert (windows[:, 0] == VOCAB.cls_id).all()
    lengths = out["padding_mask"].numpy().sum(axis=1)
    assert (windows[np.arange(len(windows)), lengths - 1] == VOCAB.sep_id).all()


def test_each_word_is_predicted_from_the_window_where_it_has_most_context():
    windower = WordWindower(sequence_length=12, stride=5)  # 10 pieces a window.
    words = [f"w{i}" for i in range(30)]
    pieces = windower.word_pieces([words])
    assert pieces.flat_values.shape[0] > 30  # Windows cut words apart too.
    out = windower.windows([words])
    flat = pieces.merge_dims(1, 2).flat_values.numpy()
    length = len(flat)
    starts = np.cumsum([0] + [len(p) for p in pieces.numpy()[0]])[:-1]
    for word, (window, position) in enumerate(
        zip(out["word_window"].flat_values.numpy(), out["word_position"].flat_values.numpy())
    ):
        p = starts[word]
        candidates = [k for k in range(len(out["token_ids"])) if k * 5 <= p < k * 5 + 10]
        context = {k: min(p - 5 * k, min(5 * k + 10, length) - 1 - p) for k in candidates}
        assert context[window] == max(context.values())
        assert position == p - 5 * window + 1


def test_empty_sentences_and_unknown_words_are_defined():
    windower = WordWindower(sequence_length=8)
    out = windower.windows([[], ["\u200b", "😀"]], labels=[[], [1, 2]])
    assert out["token_ids"].shape[0] == 1
    assert out["word_window"].row_lengths().numpy().tolist() == [0, 2]
    assert out["token_ids"].numpy()[0, 1:3].tolist() == [VOCAB.unk_id, VOCAB.unk_id]
    empty = windower.windows(tf.ragged.constant([[]], dtype=tf.string))
    assert empty["token_ids"].shape == (0, 8)


def test_a_word_longer_than_a_window_keeps_its_first_pieces():
    windower = WordWindower(sequence_length=8)
    pieces = windower.word_pieces([["a," * 50]]).numpy()[0][0]
    assert pieces.tolist() == _ids("a", ",", "a", ",", "a", ",")


def test_bad_window_settings_are_rejected():
    with pytest.raises(ValueError, match="stride"):
        WordWindower(sequence_length=8, stride=7)
    with pytest.raises(ValueError, match="sequence_length"):
        WordWindower(sequence_length=2)


def test_text_is_split_on_whitespace_with_code_point_offsets():
    texts = ["  Café au\tlait\u3000😀x ", "", " \n\t ", b"caf\xe9 ok"]
    words, starts, ends = split_words(tf.constant(texts))
    assert [[w.decode() for w in row] for row in words.numpy()] == [
        ["Café", "au", "lait", "😀x"], [], [], ["caf\ufffd", "ok"],
    ]
    starts, ends = starts.to_list(), ends.to_list()
    assert starts[0] == [2, 7, 10, 15] and ends[0] == [6, 9, 14, 17]
    assert starts[3] == [0, 5] and ends[3] == [4, 7]
    text = texts[0]
    for word, start, end in zip(words.to_list()[0], starts[0], ends[0]):
        assert text[start:end] == word.decode()
    assert text.split() == [w.decode() for w in words.to_list()[0]]
