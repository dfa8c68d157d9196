"""`ElectraTextClassifierPreprocessor`: strings (and pairs) -> model inputs."""

import keras
from keras_hub.models import TextClassifierPreprocessor

from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.tasks.tokenizer import ElectraTokenizer

TRUNCATION = "longest_first"
"""The only truncation: the original's (trim the longer segment first)."""


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraTextClassifierPreprocessor(TextClassifierPreprocessor):
    """Raw sentences or sentence pairs -> `token_ids`, `segment_ids`, mask.

    keras-hub's `TextClassifierPreprocessor` contract (call on `x`, or on
    `(x, y)` / `(x, y, sample_weight)` with labels passed through; `x` a
    string, a batch of strings, or a tuple of two batches for pairs; maps
    over `tf.data`), packed by the project's one packing rule
    (`keras_electra.preprocessing.ElectraPreprocessor`): `[CLS] A [SEP]`
    or `[CLS] A [SEP] B [SEP]`, truncated longest-first as the original
    ELECTRA does (keras-hub's `MultiSegmentPacker` offers round-robin and
    waterfall, neither of which is it), padded to `sequence_length`.

    Args:
        tokenizer: `ElectraTokenizer`.
        sequence_length: int. Packed length, [CLS]/[SEP] included.
            Defaults to 128.
        truncate: str. Only `"longest_first"`.

    Example:
    ```python
    preprocessor = ElectraTextClassifierPreprocessor(
        ElectraTokenizer("vocab.txt"), sequence_length=16)
    x = preprocessor(["a good film"])
    x, y = preprocessor((["a fox"], ["yes"]), [1])   # a pair and its label
    x = preprocessor((["a fox"], ["yes"]), None)     # a pair alone (keras-hub
                                                     # reads a lone 2-tuple as x, y)
    ```
    """

    backbone_cls = ElectraEncoder
    tokenizer_cls = ElectraTokenizer

    def __init__(self, tokenizer, sequence_length=128, truncate=TRUNCATION, **kwargs):
        if truncate != TRUNCATION:
            raise ValueError(
                f"truncate must be {TRUNCATION!r} (the original ELECTRA's), "
                f"got {truncate!r}."
            )
        super().__init__(
            tokenizer, sequence_length=sequence_length, truncate=truncate, **kwargs
        )
        self._packers = {}

    def build(self, input_shape):
        # keras-hub's base builds a MultiSegmentPacker here; packing is
        # `ElectraPreprocessor`'s, made on first use.
        self.built = True

    def packer_for(self, sequence_length):
        """The `ElectraPreprocessor` that packs to `sequence_length`."""
        if sequence_length not in self._packers:
            import tensorflow as tf

            from keras_electra.preprocessing import ElectraPreprocessor

            # Its constants must outlive the tf.data trace that may ask first.
            with tf.init_scope():
                self._packers[sequence_length] = ElectraPreprocessor(
                    self.tokenizer.vocab,
                    sequence_length=sequence_length,
                    normalization=self.tokenizer.normalization,
                )
        return self._packers[sequence_length]

    def call(self, x, y=None, sample_weight=None):
        segments = x if isinstance(x, tuple) else (x,)
        if len(segments) > 2:
            raise ValueError(
                f"ELECTRA packs one or two segments per example, got {len(segments)}."
            )
        inputs = self.packer_for(self.sequence_length)(*segments)
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)
