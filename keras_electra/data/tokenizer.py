"""WordPiece tokenization with tensorflow-text."""

import tensorflow as tf
import tensorflow_text as tf_text

from keras_electra.data.vocab import as_vocab
from keras_electra.normalization import TextNormalization


class WordPieceTokenizer(tf.Module):
    """BERT-style WordPiece tokenizer built on `tf_text.FastBertTokenizer`.

    Text is cleaned (control characters removed), optionally lower-cased and
    stripped of accents, split on whitespace and punctuation, and cut into
    WordPieces of `vocab`. The model is a constant flatbuffer: no lookup-table
    resources, so the tokenizer exports to a SavedModel that TF Serving runs
    with the tensorflow-text ops linked in.

    Args:
        vocab: `Vocab`, path or `None`. The vocab; `None` means the shipped
            uncased vocab.
        normalization: `keras_electra.TextNormalization` or `None`.
            Lower-casing and accent stripping (NFD, drop combining marks);
            `None` means the uncased default (both on, as in BERT).

    Example:
    ```python
    tokenizer = keras_electra.data.WordPieceTokenizer()
    ids = tokenizer.tokenize(["Héllo, world!"])  # [[7592, 1010, 2088, 999]]
    tokenizer.detokenize(ids)                      # [b"hello , world !"]
    cased = keras_electra.data.WordPieceTokenizer(
        "cased_vocab.txt", keras_electra.TextNormalization(lower_case=False)
    )
    ```
    """

    def __init__(self, vocab=None, normalization=None):
        super().__init__(name="wordpiece_tokenizer")
        self.vocab = as_vocab(vocab)
        self.normalization = as_normalization(normalization)
        # FastBertTokenizer's built-in normalizer does lower-case and
        # accent stripping together; other combinations normalize first.
        self._fused = self.lower_case == self.strip_accents
        self._tokenizer = tf_text.FastBertTokenizer(
            vocab=list(self.vocab.tokens),
            token_out_type=tf.int32,
            unknown_token="[UNK]",
            support_detokenization=True,
            lower_case_nfd_strip_accents=self._fused and self.lower_case,
        )

    @property
    def lower_case(self):
        """Whether text is lower-cased (`normalization.lower_case`)."""
        return self.normalization.lower_case

    @property
    def strip_accents(self):
        """Whether accents are stripped (`normalization.strip_accents`)."""
        return self.normalization.strip_accents

    def normalize(self, text):
        """Applies the lower-casing/accent stripping chosen at construction."""
        text = tf.convert_to_tensor(text, dtype=tf.string)
        if self.lower_case:
            text = tf.strings.lower(text, encoding="utf-8")
        if self.strip_accents:
            text = tf_text.normalize_utf8(text, "NFD")
            text = tf.strings.regex_replace(text, r"\p{Mn}", "")
        return text

    def tokenize(self, text):
        """Tokenizes strings into WordPiece ids.

        Args:
            text: string tensor of shape `[]` or `[batch]`.

        Returns:
            int32 ids: a `tf.Tensor` `[num_tokens]` for a scalar input, a
            `tf.RaggedTensor` `[batch, (num_tokens)]` for a batch.
        """
        text = tf.convert_to_tensor(text, dtype=tf.string)
        if not self._fused:
            text = self.normalize(text)
        if text.shape.rank == 0:
            return self._tokenizer.tokenize(text[tf.newaxis])[0]
        return self._tokenizer.tokenize(text)

    @property
    def has_exact_offsets(self):
        """Whether `tokenize_with_offsets` can map pieces to the raw text.

        True when lower-casing and accent stripping are both on or both off
        (tensorflow-text then normalizes inside the tokenizer and keeps
        track of where each piece came from).
        """
        return self._fused

    def tokenize_with_offsets(self, text):
        """Tokenizes strings and says where each WordPiece came from.

        Args:
            text: string tensor of shape `[batch]`.

        Returns:
            `(ids, starts, ends)`: ragged `[batch, (num_tokens)]` int32 ids
            and int64 byte offsets into the original (unnormalized) text.

        Raises:
            ValueError: when `has_exact_offsets` is false.
        """
        if not self._fused:
            raise ValueError(
                "token offsets need lower_case == strip_accents (both on for an "
                "uncased vocab, both off for a cased one): only then are they "
                "offsets into the original text"
            )
        return self._tokenizer.tokenize_with_offsets(
            tf.convert_to_tensor(text, dtype=tf.string)
        )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize_flat(self, lines):
        """Tokenizes a batch of lines into `(flat_ids, row_splits)`.

        The compiled, batch-at-a-time form that the packing stream calls.
        """
        ids = self.tokenize(lines)
        return ids.flat_values, ids.row_splits

    def detokenize(self, token_ids):
        """Joins WordPiece ids back into space-separated words.

        The result has the tokenizer's normalization (case, accents) and a
        space around punctuation; otherwise it is the text that was tokenized.

        Args:
            token_ids: int tensor or ragged tensor, `[num_tokens]` or
                `[batch, (num_tokens)]`.

        Returns:
            A string tensor of shape `[]` or `[batch]`.
        """
        if not isinstance(token_ids, tf.RaggedTensor):
            token_ids = tf.convert_to_tensor(token_ids)
        if token_ids.shape.rank == 1:
            return self._tokenizer.detokenize(token_ids[tf.newaxis])[0]
        return self._tokenizer.detokenize(token_ids)


def as_normalization(normalization):
    """`normalization`, or the uncased default for `None`.

    Raises:
        TypeError: for anything but a `TextNormalization` or `None` (e.g. the
            old `lower_case` bool passed positionally).
    """
    if normalization is None:
        return TextNormalization()
    if not isinstance(normalization, TextNormalization):
        raise TypeError(
            "normalization must be a keras_electra.TextNormalization or None, "
            f"got {normalization!r}"
        )
    return normalization


_SHARED = {}


def cached_tokenizer(vocab, normalization=None):
    """A shared `WordPieceTokenizer` per vocab and normalization.

    Its compiled `tokenize_flat` is traced once per process, however many
    pipelines use it.

    Args:
        vocab: `Vocab`, vocab path or `None` (the shipped uncased vocab).
        normalization: `TextNormalization` or `None` (uncased default).

    Returns:
        A `WordPieceTokenizer`.

    Example:
    ```python
    tokenizer = cached_tokenizer(None, TextNormalization(lower_case=False))
    ```
    """
    vocab = as_vocab(vocab)
    normalization = as_normalization(normalization)
    key = (vocab.sha256, normalization)
    if key not in _SHARED:
        # Outside any graph being traced (a tf.data map may ask first), so
        # the tokenizer's constants outlive that trace.
        with tf.init_scope():
            _SHARED[key] = WordPieceTokenizer(vocab, normalization)
    return _SHARED[key]
