"""`ElectraPreprocessor`: raw strings -> ELECTRA model inputs, in TF ops."""

import tensorflow as tf

from keras_electra.data.tokenizer import WordPieceTokenizer
from keras_electra.data.vocab import as_vocab
from keras_electra.preprocessing.packing import pack_segments

MODEL_INPUTS = ("token_ids", "segment_ids", "padding_mask")
"""The names (and order) of the encoder inputs, all `[batch, seq] int32`."""


def valid_utf8(text):
    """`text` as a string tensor with invalid UTF-8 replaced by U+FFFD."""
    text = tf.convert_to_tensor(text, dtype=tf.string)
    return tf.strings.unicode_transcode(
        text, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD
    )


class ElectraPreprocessor(tf.Module):
    """Raw strings (or string pairs) -> dense, padded ELECTRA inputs.

    Each text (and, for pairs, its partner) is normalized and tokenized into
    WordPieces with `keras_electra.data.WordPieceTokenizer`, then packed as
    `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]` (segment ids 0 for A, 1 for
    B), truncated longest-first to `sequence_length` (see
    `truncated_lengths`) and padded with [PAD] by `pack_segments`. Invalid
    UTF-8 is replaced by U+FFFD before tokenizing, so no input string makes
    the graph fail: an empty or blank text packs to `[CLS] [SEP]`, and
    characters outside the vocab become `[UNK]`.

    The one preprocessor of fine-tuning (in `tf.data`) and of exported
    SavedModels (inside the graph): it uses only core TensorFlow ops and the
    tensorflow-text ops that the TF Serving model server links
    (FastBertNormalize, FastWordpiece, the normalize family), and no
    lookup-table resources.

    Args:
        vocab: `Vocab`, vocab path or `None`. The WordPiece vocab; `None`
            means the shipped uncased vocab.
        sequence_length: int. Length of the packed sequences, [CLS]/[SEP]
            included; at least 3 (4 for pairs). Defaults to 128.
        normalization: `keras_electra.TextNormalization` or `None`. Lower-
            casing and accent stripping; `None` means the uncased default
            (lower-case, strip accents).
        pad_to_multiple_of: int or None. `None` pads every row to exactly
            `sequence_length` (a static shape, as exports need); an int pads
            each batch only to its longest row rounded up to a multiple of
            it, at most `sequence_length` (dynamic padding for fine-tuning).

    Example:
    ```python
    preprocessor = ElectraPreprocessor(sequence_length=8)
    inputs = preprocessor(tf.constant(["The quick fox."]))
    inputs["token_ids"]     # [[101, 1996, 4248, 4419, 1012, 102, 0, 0]]
    inputs["padding_mask"]  # [[1, 1, 1, 1, 1, 1, 0, 0]]
    pair = preprocessor(tf.constant(["A fox."]), tf.constant(["Yes"]))
    pair["segment_ids"]     # [[0, 0, 0, 0, 0, 1, 1, 0]]
    ```
    """

    def __init__(
        self,
        vocab=None,
        sequence_length=128,
        normalization=None,
        pad_to_multiple_of=None,
    ):
        super().__init__(name="electra_preprocessor")
        if (
            isinstance(sequence_length, bool)
            or not isinstance(sequence_length, int)
            or sequence_length < 3
        ):
            raise ValueError(
                "sequence_length must be an integer >= 3, got "
                f"{sequence_length!r}."
            )
        if pad_to_multiple_of is not None and (
            isinstance(pad_to_multiple_of, bool)
            or not isinstance(pad_to_multiple_of, int)
            or pad_to_multiple_of < 1
        ):
            raise ValueError(
                "pad_to_multiple_of must be a positive integer or None, got "
                f"{pad_to_multiple_of!r}."
            )
        self.vocab = as_vocab(vocab)
        self.sequence_length = sequence_length
        self.pad_to_multiple_of = pad_to_multiple_of
        self.tokenizer = WordPieceTokenizer(self.vocab, normalization)

    @property
    def normalization(self):
        """The `TextNormalization` applied before WordPiece."""
        return self.tokenizer.normalization

    def tokenize(self, text):
        """WordPiece ids of strings, invalid UTF-8 replaced by U+FFFD.

        Args:
            text: string tensor (or list of str) of shape `[]` or `[batch]`.

        Returns:
            int32 ids: a `tf.Tensor` `[num_tokens]` for a scalar input, a
            `tf.RaggedTensor` `[batch, (num_tokens)]` for a batch. No
            [CLS]/[SEP], no truncation.

        Example:
        ```python
        ElectraPreprocessor().tokenize(["Héllo, world!"])
        # <tf.RaggedTensor [[7592, 1010, 2088, 999]]>
        ```
        """
        return self.tokenizer.tokenize(valid_utf8(text))

    def __call__(self, text, text_pair=None):
        """Packs strings (and their pair texts) into model inputs.

        Args:
            text: string tensor (or list of str), `[batch]` or `[]`.
            text_pair: string tensor like `text`, or `None` for single
                sentences.

        Returns:
            A dict of int32 tensors `token_ids`, `segment_ids` and
            `padding_mask` (1 for real tokens), of shape
            `[batch, sequence_length]` (`[sequence_length]` for a scalar
            `text`); with `pad_to_multiple_of` the second dimension is the
            batch's padded length instead.

        Example:
        ```python
        preprocessor = ElectraPreprocessor(sequence_length=16)
        preprocessor(["a good film"], ["yes"])["token_ids"].shape  # (1, 16)
        ```
        """
        text = tf.convert_to_tensor(text, dtype=tf.string)
        scalar = text.shape.rank == 0
        texts = [text]
        if text_pair is not None:
            text_pair = tf.convert_to_tensor(text_pair, dtype=tf.string)
            if (text_pair.shape.rank == 0) != scalar:
                raise ValueError(
                    "text and text_pair must both be scalars or both be "
                    f"batches, got shapes {text.shape} and {text_pair.shape}"
                )
            texts.append(text_pair)
        if scalar:
            texts = [t[tf.newaxis] for t in texts]
        inputs = pack_segments(
            [self.tokenize(t) for t in texts],
            self.sequence_length,
            cls_id=self.vocab.cls_id,
            sep_id=self.vocab.sep_id,
            pad_id=self.vocab.pad_id,
            pad_to_multiple_of=self.pad_to_multiple_of,
        )
        width = None if self.pad_to_multiple_of else self.sequence_length
        inputs = {
            key: tf.ensure_shape(tf.cast(inputs[key], tf.int32), [None, width])
            for key in MODEL_INPUTS
        }
        if scalar:
            inputs = {key: value[0] for key, value in inputs.items()}
        return inputs

    def id_to_token(self, token_ids):
        """The WordPiece strings of `token_ids` (any shape), from the vocab.

        Args:
            token_ids: int tensor of ids.

        Returns:
            A string tensor of the shape of `token_ids`.

        Example:
        ```python
        ElectraPreprocessor().id_to_token([101, 7592, 102])
        # [b"[CLS]", b"hello", b"[SEP]"]
        ```
        """
        return tf.gather(tf.constant(self.vocab.tokens), token_ids)
