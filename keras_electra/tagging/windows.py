"""Words -> WordPiece windows for token tagging, in TensorFlow ops.

`WordWindower` is the one rule that turns words into model inputs, used to
build training and evaluation data (eagerly, on whole datasets) and inside
exported SavedModels (in the graph):

* every word is tokenized on its own with the package's
  `WordPieceTokenizer` (its lower-casing and accent stripping included);
  a word that yields no WordPiece (e.g. only characters the tokenizer
  drops) becomes one `[UNK]`, and a word's WordPieces are cut to
  `max_pieces_per_word`, so every word has at least one and at most a
  bounded number of pieces;
* the word is labelled on its FIRST WordPiece, as the original ELECTRA
  tags; its other pieces only give context and are ignored by the loss;
* a sentence's pieces are cut into windows `[CLS] pieces[s : s + n] [SEP]`
  with `n = sequence_length - 2` and starts `s = 0, stride, 2 * stride,
  ...` until a window reaches the end (one window for a sentence that
  fits, none for an empty one); nothing is truncated;
* each word is predicted from (and trained in) exactly one window: among
  the windows holding its first piece, the one where that piece has the
  most context, i.e. the largest `min(pieces before it, pieces after it)`
  in the window (the earlier window on a tie).

`split_words` splits raw text into words with their character offsets, as
the exported model does.
"""

import math

import tensorflow as tf
import tensorflow_text as tf_text

from keras_electra.data.tokenizer import cached_tokenizer
from keras_electra.data.vocab import as_vocab
from keras_electra.models.tagging_head import IGNORED_LABEL


MAX_PIECES_PER_WORD = 16
"""WordPieces kept per word by default; the rest of a very long word is
dropped (its first piece, which carries the label, is always kept)."""

WORD_DELIMITERS = r"[\t-\r\x1c-\x1f\x85\p{Z}]+"
"""What separates words in raw text: the characters Python's `str.split()`
treats as whitespace (ASCII whitespace, U+001C..U+001F, U+0085 and the
Unicode separators)."""


def clean_text(text):
    """Strings with every invalid UTF-8 sequence replaced by U+FFFD."""
    return tf.strings.unicode_transcode(
        tf.convert_to_tensor(text, tf.string), "UTF-8", "UTF-8",
        errors="replace", replacement_char=0xFFFD,
    )


def split_words(text):
    """Splits texts into words, with character offsets.

    Invalid UTF-8 is replaced by U+FFFD first; words are the maximal runs of
    characters that are not whitespace (as Python's `str.split()`).

    Args:
        text: string tensor `[batch]`.

    Returns:
        `(words, starts, ends)`: `tf.RaggedTensor`s `[batch, (words)]`: the
        words (str) and their start and end (exclusive) offsets in Unicode
        code points (int64) into the text with invalid UTF-8 replaced (the
        text itself when it is valid UTF-8).

    Example:
    ```python
    words, starts, ends = split_words(tf.constant(["  né fox"]))
    # [[b"n\xc3\xa9", b"fox"]], [[2, 5]], [[4, 8]]
    ```
    """
    text = clean_text(text)
    words, byte_starts, byte_ends = tf_text.regex_split_with_offsets(
        text, WORD_DELIMITERS, ""
    )
    _, char_starts = tf.strings.unicode_decode_with_offsets(text, "UTF-8")
    # Offsets of all texts on one global byte axis, so that one sorted
    # search maps every byte offset to its code point index.
    text_bytes = tf.cast(tf.strings.length(text), tf.int64)
    text_base = tf.cumsum(text_bytes, exclusive=True)
    char_global = char_starts.flat_values + tf.gather(
        text_base, char_starts.value_rowids()
    )
    char_base = char_starts.row_starts()

    def to_chars(byte_offsets):
        rows = byte_offsets.value_rowids()
        global_offsets = byte_offsets.flat_values + tf.gather(text_base, rows)
        index = tf.searchsorted(
            char_global[tf.newaxis], global_offsets[tf.newaxis], side="left"
        )[0]
        chars = tf.cast(index, tf.int64) - tf.gather(char_base, rows)
        return byte_offsets.with_flat_values(chars)

    return words, to_chars(byte_starts), to_chars(byte_ends)


class WordWindower(tf.Module):
    """Turns sentences of words into WordPiece windows (see the module doc).

    Args:
        vocab: `Vocab`, vocab path or None (the shipped uncased vocab).
        sequence_length: int. Window length, [CLS] and [SEP] included; at
            least 3.
        stride: int or None. WordPieces between the starts of consecutive
            windows of a long sentence, in `[1, sequence_length - 2]`;
            `None` means half a window, `(sequence_length - 2) // 2`.
        normalization: `TextNormalization` or None (the uncased default).
        max_pieces_per_word: int. WordPieces kept per word (at most
            `sequence_length - 2`).

    Example:
    ```python
    windower = WordWindower(sequence_length=16)
    words = tf.ragged.constant([["Confidence", "in", "the", "pound"]])
    windows = windower.windows(words)
    windows["token_ids"].shape  # (1, 16)
    windows["word_window"], windows["word_position"]  # [[0, 0, 0, 0]], [[1, 2, 3, 4]]
    ```
    """

    def __init__(
        self,
        vocab=None,
        sequence_length=128,
        stride=None,
        normalization=None,
        max_pieces_per_word=MAX_PIECES_PER_WORD,
    ):
        super().__init__(name="word_windower")
        if (
            isinstance(sequence_length, bool)
            or not isinstance(sequence_length, int)
            or sequence_length < 3
        ):
            raise ValueError(
                f"sequence_length must be an integer >= 3, got {sequence_length!r}"
            )
        budget = sequence_length - 2
        if stride is None:
            stride = max(budget // 2, 1)
        if isinstance(stride, bool) or not isinstance(stride, int) or not 1 <= stride <= budget:
            raise ValueError(
                f"stride must be an integer in [1, {budget}] (sequence_length - 2), "
                f"got {stride!r}"
            )
        if (
            isinstance(max_pieces_per_word, bool)
            or not isinstance(max_pieces_per_word, int)
            or max_pieces_per_word < 1
        ):
            raise ValueError(
                f"max_pieces_per_word must be a positive integer, got "
                f"{max_pieces_per_word!r}"
            )
        self.vocab = as_vocab(vocab)
        # Shared per vocab and normalization: building one takes seconds.
        self.tokenizer = cached_tokenizer(self.vocab, normalization)
        self.sequence_length = sequence_length
        self.stride = stride
        self.max_pieces_per_word = min(max_pieces_per_word, budget)

    @property
    def normalization(self):
        """The `TextNormalization` applied before WordPiece."""
        return self.tokenizer.normalization

    def word_pieces(self, words):
        """WordPiece ids of every word: `[batch, (words), (pieces)]` int32.

        Each word gets between 1 and `max_pieces_per_word` pieces
        (`[UNK]` when the tokenizer gives none).

        Args:
            words: string `tf.RaggedTensor` `[batch, (words)]` (or a list of
                lists of str).
        """
        if not isinstance(words, tf.RaggedTensor):
            words = tf.ragged.constant(words, dtype=tf.string, ragged_rank=1)
        flat = clean_text(words.flat_values)
        pieces = self.tokenizer.tokenize(flat)
        pieces = tf.RaggedTensor.from_row_splits(
            tf.cast(pieces.flat_values, tf.int32), pieces.row_splits
        )
        count = tf.shape(flat, out_type=tf.int64)[0]
        unknown = tf.RaggedTensor.from_row_lengths(
            tf.fill([count], tf.constant(self.vocab.unk_id, tf.int32)),
            tf.ones([count], tf.int64),
        )
        lengths = pieces.row_lengths()
        keep = tf.clip_by_value(lengths, 1, self.max_pieces_per_word)
        padded = tf.concat([pieces, unknown], axis=1)
        positions = tf.ragged.range(padded.row_lengths())
        kept = tf.ragged.boolean_mask(padded, positions < keep[:, tf.newaxis])
        return words.with_flat_values(kept)

    def windows(self, words, labels=None):
        """Windows of a batch of sentences.

        Args:
            words: string `tf.RaggedTensor` `[batch, (words)]` or a list of
                lists of str.
            labels: int `tf.RaggedTensor` like `words` (label ids), or None.

        Returns:
            A dict with, for `W` windows in all:

            * `token_ids`, `segment_ids` (zeros), `padding_mask`:
              `[W, sequence_length]` int32, the encoder inputs;
            * `window_sentence` `[W]` int32: the sentence of each window;
            * `word_window`, `word_position`: int32 `tf.RaggedTensor`s
              `[batch, (words)]`: the window each word is predicted from and
              the position of its first piece in that window;
            * with `labels`, `labels` `[W, sequence_length]` int32: the
              word's label at `(word_window, word_position)`, `IGNORED_LABEL`
              everywhere else; every word is labelled exactly once.
        """
        pieces = self.word_pieces(words)
        seq_len = self.sequence_length
        budget, stride = seq_len - 2, self.stride

        sentence_pieces = pieces.merge_dims(1, 2)  # [batch, (pieces)]
        lengths = sentence_pieces.row_lengths()
        piece_base = sentence_pieces.row_starts()
        flat_pieces = sentence_pieces.flat_values

        # Windows per sentence: one if it fits (none if empty), else enough
        # strided windows for the last one to reach the end.
        num_windows = tf.where(
            lengths > budget,
            (lengths - budget + stride - 1) // stride + 1,
            tf.minimum(lengths, 1),
        )
        window_splits = tf.concat(
            [tf.zeros([1], tf.int64), tf.cumsum(num_windows)], axis=0
        )
        total = window_splits[-1]
        window_sentence = tf.ragged.row_splits_to_segment_ids(window_splits)
        window_index = tf.range(total) - tf.gather(window_splits, window_sentence)
        window_start = window_index * stride
        window_count = tf.minimum(
            tf.cast(budget, tf.int64), tf.gather(lengths, window_sentence) - window_start
        )

        column = tf.range(seq_len, dtype=tf.int64)[tf.newaxis, :]
        piece_index = (
            tf.gather(piece_base, window_sentence)[:, tf.newaxis]
            + window_start[:, tf.newaxis]
            + column
            - 1
        )
        count = window_count[:, tf.newaxis]
        inside = (column >= 1) & (column <= count)
        last = tf.maximum(tf.size(flat_pieces, out_type=tf.int64) - 1, 0)
        token_ids = tf.where(
            inside,
            tf.gather(flat_pieces, tf.clip_by_value(piece_index, 0, last)),
            tf.constant(self.vocab.pad_id, tf.int32),
        )
        token_ids = tf.where(
            column == 0, tf.constant(self.vocab.cls_id, tf.int32), token_ids
        )
        token_ids = tf.where(
            column == count + 1, tf.constant(self.vocab.sep_id, tf.int32), token_ids
        )
        padding_mask = tf.cast(column <= count + 1, tf.int32)
        token_ids = tf.ensure_shape(token_ids, [None, seq_len])
        padding_mask = tf.ensure_shape(padding_mask, [None, seq_len])

        # The window of every word: the one where its first piece has the
        # most context. Candidates are the (at most `candidates`) windows
        # whose range holds the piece.
        word_lengths = pieces.row_lengths(axis=2)  # [batch, (words)]
        flat_lengths = word_lengths.flat_values
        word_sentence = word_lengths.value_rowids()
        position = tf.cumsum(flat_lengths, exclusive=True) - tf.gather(
            piece_base, word_sentence
        )
        sentence_length = tf.gather(lengths, word_sentence)
        highest = tf.minimum(
            position // stride, tf.gather(num_windows, word_sentence) - 1
        )
        lowest = tf.maximum(-((budget - 1 - position) // stride), 0)
        candidates = math.ceil(budget / stride) + 1
        window = lowest[:, tf.newaxis] + tf.range(candidates, dtype=tf.int64)
        start = window * stride
        context = tf.minimum(
            position[:, tf.newaxis] - start,
            tf.minimum(start + budget, sentence_length[:, tf.newaxis])
            - 1
            - position[:, tf.newaxis],
        )
        context = tf.where(window <= highest[:, tf.newaxis], context, -1)
        best = tf.argmax(context, axis=1, output_type=tf.int64)
        chosen = tf.gather(window, best, batch_dims=1)
        word_window = tf.gather(window_splits, word_sentence) + chosen
        word_position = position - chosen * stride + 1

        outputs = {
            "token_ids": token_ids,
            "segment_ids": tf.zeros_like(token_ids),
            "padding_mask": padding_mask,
            "window_sentence": tf.cast(window_sentence, tf.int32),
            "word_window": word_lengths.with_flat_values(tf.cast(word_window, tf.int32)),
            "word_position": word_lengths.with_flat_values(
                tf.cast(word_position, tf.int32)
            ),
        }
        if labels is not None:
            if not isinstance(labels, tf.RaggedTensor):
                labels = tf.ragged.constant(labels, dtype=tf.int32, ragged_rank=1)
            indices = tf.stack([word_window, word_position], axis=1)
            outputs["labels"] = tf.tensor_scatter_nd_update(
                tf.fill(tf.stack([total, seq_len]), tf.constant(IGNORED_LABEL, tf.int32)),
                indices,
                tf.cast(labels.flat_values, tf.int32),
            )
        return outputs


def word_predictions(window_predictions, word_window, word_position):
    """Per-word values gathered from per-window-position ones.

    Args:
        window_predictions: tensor `[W, sequence_length, ...]` (e.g. tag ids
            or logits of every window position).
        word_window, word_position: from `WordWindower.windows`.

    Returns:
        A `tf.RaggedTensor` `[batch, (words), ...]`.
    """
    indices = tf.stack(
        [word_window.flat_values, word_position.flat_values], axis=1
    )
    return word_window.with_flat_values(tf.gather_nd(window_predictions, indices))
