"""`ElectraTokenClassifierPreprocessor`: sentences of words -> windows."""

import keras
from keras_hub.models import Preprocessor

from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.tasks.tokenizer import ElectraTokenizer


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraTokenClassifierPreprocessor(Preprocessor):
    """Sentences of words (and their label ids) -> WordPiece windows.

    keras-hub's preprocessor contract (call on `x` or `(x, y)`; maps over
    `tf.data`) with the tagging stack's one windowing rule
    (`keras_electra.tagging.WordWindower`): each word is tokenized on its
    own and labelled on its first WordPiece; a sentence longer than a
    window becomes overlapping windows, each word trained in exactly one,
    so nothing is truncated. A batch of `B` sentences therefore gives
    `W >= B` windows: `x` becomes the windows' encoder inputs and `y` the
    labels of their positions (`-1` where the loss looks away).

    Args:
        tokenizer: `ElectraTokenizer`.
        sequence_length: int. Window length, [CLS]/[SEP] included.
            Defaults to 128.
        stride: int or None. WordPieces between window starts; `None`:
            half a window.

    Example:
    ```python
    preprocessor = ElectraTokenClassifierPreprocessor(tokenizer, sequence_length=16)
    x, y = preprocessor(tf.ragged.constant([["Rockwell", "said", "."]]),
                        tf.ragged.constant([[1, 2, 0]]))
    x["token_ids"].shape, y.shape   # (1, 16) (1, 16)
    ```
    """

    backbone_cls = ElectraEncoder
    tokenizer_cls = ElectraTokenizer

    def __init__(self, tokenizer, sequence_length=128, stride=None, **kwargs):
        super().__init__(**kwargs)
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self.stride = stride
        self._windower = None

    def build(self, input_shape):
        # Nothing to build: the windower is made on first use.
        self.built = True

    @property
    def windower(self):
        """The `WordWindower` of the tokenizer's vocab and these settings."""
        if self._windower is None:
            import tensorflow as tf

            from keras_electra.tagging.windows import WordWindower

            # Its constants must outlive the tf.data trace that may ask first.
            with tf.init_scope():
                self._windower = WordWindower(
                    self.tokenizer.vocab,
                    sequence_length=self.sequence_length,
                    stride=self.stride,
                    normalization=self.tokenizer.normalization,
                )
        return self._windower

    def call(self, x, y=None, sample_weight=None):
        if isinstance(x, dict):  # Windows already: the model's own inputs.
            return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
        if sample_weight is not None:
            raise ValueError(
                "ElectraTokenClassifier takes no sample_weight: a sentence "
                "becomes several windows."
            )
        windows = self.windower.windows(x, y)
        inputs = {
            key: windows[key] for key in ("token_ids", "segment_ids", "padding_mask")
        }
        return keras.utils.pack_x_y_sample_weight(
            inputs, None if y is None else windows["labels"]
        )

    def get_config(self):
        config = super().get_config()
        config.update({"sequence_length": self.sequence_length, "stride": self.stride})
        return config
