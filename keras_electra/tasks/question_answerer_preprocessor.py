"""`ElectraQuestionAnswererPreprocessor`: (question, context) strings -> windows."""

import keras
from keras_hub.models import Preprocessor

from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.tasks.tokenizer import ElectraTokenizer

WINDOW_KEYS = ("token_ids", "segment_ids", "padding_mask")
"""What the model reads of a window."""


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraQuestionAnswererPreprocessor(Preprocessor):
    """Questions and contexts -> `[CLS] question [SEP] context [SEP]` windows.

    keras-hub's preprocessor contract (call on `x` or `(x, y)`; maps over
    `tf.data`) with the QA stack's one windowing rule
    (`keras_electra.qa.QAFeaturizer`): the question cut to
    `max_query_length` WordPieces, the context in windows `doc_stride`
    apart, so a long context is read whole. A batch of `B` questions gives
    `W >= B` windows, and the model's outputs are per window. Answers are
    character spans, so their labels need each WordPiece's character
    offsets: `featurize` builds windows and labels in Python (which
    `ElectraQuestionAnswerer.fit` uses), and `call` takes the windows it
    made (a dict, passed through) or strings without labels.

    Args:
        tokenizer: `ElectraTokenizer`; its normalization must lower-case
            and strip accents together, or do neither (offsets are exact
            only then).
        sequence_length: int. Window length. Defaults to 384.
        doc_stride: int. Context WordPieces between window starts.
            Defaults to 128.
        max_query_length: int. Question WordPieces kept. Defaults to 64.

    Example:
    ```python
    preprocessor = ElectraQuestionAnswererPreprocessor(
        tokenizer, sequence_length=32, doc_stride=8, max_query_length=8)
    x = preprocessor((["who ran?"], ["ann ran."]), None)
    x["token_ids"].shape   # (1, 32)
    ```
    """

    backbone_cls = ElectraEncoder
    tokenizer_cls = ElectraTokenizer

    def __init__(
        self,
        tokenizer,
        sequence_length=384,
        doc_stride=128,
        max_query_length=64,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self.doc_stride = doc_stride
        self.max_query_length = max_query_length
        self._featurizer = None

    def build(self, input_shape):
        # Nothing to build: the featurizer is made on first use.
        self.built = True

    @property
    def featurizer(self):
        """The `QAFeaturizer` of the tokenizer's vocab and these settings."""
        if self._featurizer is None:
            import tensorflow as tf

            from keras_electra.qa.features import QAFeaturizer

            # Its constants must outlive the tf.data trace that may ask first.
            with tf.init_scope():
                self._featurizer = QAFeaturizer(
                    self.tokenizer.vocab,
                    sequence_length=self.sequence_length,
                    doc_stride=self.doc_stride,
                    max_query_length=self.max_query_length,
                    normalization=self.tokenizer.normalization,
                )
        return self._featurizer

    def featurize(self, examples):
        """Windows, labels and offsets of `SquadExample`s (`qa.QAFeatures`)."""
        from keras_electra.qa.features import build_features

        return build_features(examples, self.featurizer)

    def call(self, x, y=None, sample_weight=None):
        if isinstance(x, dict):  # Windows already: the model's own inputs.
            return keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
        if y is not None or sample_weight is not None:
            raise ValueError(
                "ElectraQuestionAnswererPreprocessor labels windows only "
                "through featurize(): an answer is a character span."
            )
        return self.windows(*x)

    def windows(self, questions, contexts):
        """The model inputs of every window of a batch of pairs, flattened.

        Args:
            questions: string tensor or list `[batch]`.
            contexts: string tensor or list `[batch]`, as many.

        Returns:
            A dict of int32 `[windows, sequence_length]`: `token_ids`,
            `segment_ids`, `padding_mask`.
        """
        import tensorflow as tf

        from keras_electra.qa.features import clean_text

        featurizer = self.featurizer
        questions = tf.reshape(tf.convert_to_tensor(questions, tf.string), [-1])
        contexts = tf.reshape(clean_text(contexts), [-1])
        spec = tf.RaggedTensorSpec([None, self.sequence_length], tf.int32, ragged_rank=0)

        def one_pair(pair):
            windows = featurizer.windows(pair[0], pair[1])
            return {key: windows[key] for key in WINDOW_KEYS}

        ragged = tf.map_fn(
            one_pair,
            (questions, contexts),
            fn_output_signature={key: spec for key in WINDOW_KEYS},
        )
        return {key: ragged[key].merge_dims(0, 1) for key in WINDOW_KEYS}

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sequence_length": self.sequence_length,
                "doc_stride": self.doc_stride,
                "max_query_length": self.max_query_length,
            }
        )
        return config
