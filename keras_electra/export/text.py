"""In-graph text preprocessing of exported models: WordPiece and packing."""

import tensorflow as tf

from keras_electra.data.tokenizer import WordPieceTokenizer
from keras_electra.data.vocab import as_vocab
from keras_electra.finetune.pairs import pack_segments

MODEL_INPUTS = ("token_ids", "segment_ids", "padding_mask")
"""The names (and order) of the encoder inputs, all `[batch, seq] int32`."""


class ElectraTextPacker(tf.Module):
    """Raw strings -> dense, padded ELECTRA inputs, in TensorFlow ops only.

    Each text (and, for pairs, its partner) is cleaned and tokenized into
    WordPieces with `keras_electra.data.WordPieceTokenizer`, then packed as
    `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]` (segment ids 0 for A, 1 for
    B), truncated longest-first to `sequence_length` and padded by
    `keras_electra.finetune.pairs.pack_segments`, the packing fine-tuning
    trains with. Invalid UTF-8 is replaced by U+FFFD before tokenizing,
    so no input string makes the graph fail: an empty or blank text packs to
    `[CLS] [SEP]`, and characters outside the vocab become `[UNK]`.

    The graph uses only core TensorFlow ops and tensorflow-text ops that the
    TF Serving model server links (FastBertNormalize, FastWordpiece, the
    normalize family), and no lookup-table resources.

    Args:
        vocab: `Vocab`, path or `None`. The WordPiece vocab; `None` means the
            shipped uncased vocab.
        sequence_length: int. Length of the packed sequences (the model's
            `seq_len`); at least 3, or 4 with `text_pair`.
        lower_case: bool. Lower-case the text. Defaults to `True`.
        strip_accents: bool. Strip accents. Defaults to `lower_case`.

    Example:
    ```python
    packer = ElectraTextPacker(sequence_length=8)
    inputs = packer(tf.constant(["The quick fox."]))
    inputs["token_ids"]     # [[101, 1996, 4248, 4419, 1012, 102, 0, 0]]
    inputs["padding_mask"]  # [[1, 1, 1, 1, 1, 1, 0, 0]]
    ```
    """

    def __init__(
        self, vocab=None, sequence_length=128, lower_case=True, strip_accents=None
    ):
        super().__init__(name="electra_text_packer")
        if not isinstance(sequence_length, int) or sequence_length < 3:
            raise ValueError(
                "sequence_length must be an integer >= 3, got "
                f"{sequence_length!r}."
            )
        self.vocab = as_vocab(vocab)
        self.sequence_length = sequence_length
        self.tokenizer = WordPieceTokenizer(
            self.vocab, lower_case=lower_case, strip_accents=strip_accents
        )

    def tokenize(self, text):
        """WordPiece ids of a `[batch]` string tensor, ragged `[batch, (n)]`."""
        text = tf.convert_to_tensor(text, dtype=tf.string)
        text = tf.strings.unicode_transcode(
            text, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD
        )
        return self.tokenizer.tokenize(text)

    def __call__(self, text, text_pair=None):
        """Packs `[batch]` strings (and their pairs) into model inputs.

        Args:
            text: string tensor `[batch]`.
            text_pair: string tensor `[batch]` or `None`.

        Returns:
            A dict of int32 `[batch, sequence_length]` tensors: `token_ids`,
            `segment_ids` and `padding_mask` (1 for real tokens).
        """
        segments = [self.tokenize(text)]
        if text_pair is not None:
            segments.append(self.tokenize(text_pair))
        inputs = pack_segments(
            segments,
            self.sequence_length,
            cls_id=self.vocab.cls_id,
            sep_id=self.vocab.sep_id,
            pad_id=self.vocab.pad_id,
        )
        return {
            key: tf.ensure_shape(
                tf.cast(inputs[key], tf.int32), [None, self.sequence_length]
            )
            for key in MODEL_INPUTS
        }

    def id_to_token(self, token_ids):
        """The WordPiece strings of `token_ids` (any shape), from the vocab."""
        return tf.gather(tf.constant(self.vocab.tokens), token_ids)
