"""`ElectraTokenClassifier`: word tagging (chunking, NER) in keras-hub's shape."""

import keras
from keras_hub.models import Task

from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.models.tagging_head import TaggingHead
from keras_electra.models.tagging_head import check_tagging_head
from keras_electra.models.tagging_head import tagging_loss
from keras_electra.tasks.fine_tuning import DEFAULT_BATCH_SIZE
from keras_electra.tasks.fine_tuning import FineTunedTask
from keras_electra.tasks.token_classifier_preprocessor import (
    ElectraTokenClassifierPreprocessor,
)


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraTokenClassifier(FineTunedTask, Task):
    """An ELECTRA discriminator fine-tuned to tag words (chunking, NER).

    keras-hub's task shape: a backbone (`ElectraEncoder`), a preprocessor
    that takes sentences of words (`ElectraTokenClassifierPreprocessor`:
    one window per sentence, or overlapping windows for long ones) and
    the original's tagging head (dropout and one dense layer per position;
    a word is tagged from its first WordPiece). `fit` takes word-level
    labels: a list of sentences (lists of words, or strings split on
    whitespace) and a list of their tags (names from `label_names`, or
    ids); `predict_tags` returns one tag per word. keras-hub has no
    token-classification base task, so this one subclasses `Task` and
    keeps `TextClassifier`'s conventions (`num_classes`, `from_preset`
    with `num_classes` for a new head, `compile()` defaults).

    Args:
        backbone: `ElectraEncoder`.
        num_classes: int or None. Tags; defaults to `len(label_names)`.
        preprocessor: `ElectraTokenClassifierPreprocessor` or None.
        dropout: float. Dropout on the sequence output. Defaults to 0.1.
        label_names: list of str or None. The tags in id order.

    Example:
    ```python
    tagger = ElectraTokenClassifier.from_preset(
        "runs/electra_small", label_names=["O", "B-NP", "I-NP"])
    tagger.fit(x=[["He", "reckons", "the", "deficit"]],
               y=[["B-NP", "O", "B-NP", "I-NP"]], epochs=3)
    tagger.predict_tags([["The", "current", "account"]])
    # [["B-NP", "I-NP", "I-NP"]]
    ```
    """

    backbone_cls = ElectraEncoder
    preprocessor_cls = ElectraTokenClassifierPreprocessor
    preprocessor_settings = ("sequence_length", "stride")

    def __init__(
        self,
        backbone,
        num_classes=None,
        preprocessor=None,
        dropout=0.1,
        label_names=None,
        **kwargs,
    ):
        if num_classes is None and label_names is not None:
            num_classes = len(label_names)
        label_names = check_tagging_head(num_classes, label_names)
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        head = TaggingHead(num_classes, dropout, backbone.dtype_policy)
        self.output_dropout = head.dropout
        self.output_dense = head.dense

        # === Config ===
        self.num_classes = num_classes
        self.dropout = dropout
        self.label_names = label_names
        self.fine_tuning = None

        # === Functional Model ===
        inputs = backbone.input
        outputs = head(backbone(inputs))
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

    def default_loss(self):
        return tagging_loss()

    def default_metrics(self):
        return None  # Span F1 is over words: `predict_tags` + tagging.span_scores.

    def needs_batches(self):
        return True  # Sentences are ragged.

    def batches(self, x, y=None, sample_weight=None, batch_size=None, shuffle=True):
        """Sentences (and their tags) as ragged batches for the preprocessor."""
        import tensorflow as tf

        if sample_weight is not None:
            raise ValueError("ElectraTokenClassifier takes no sample_weight.")
        words = [_words(sentence) for sentence in x]
        rows = tf.ragged.constant(words, dtype=tf.string, ragged_rank=1)
        if y is not None:
            ids = self.label_ids(words, y)
            rows = (rows, tf.RaggedTensor.from_row_lengths(
                tf.constant([i for row in ids for i in row], tf.int32),
                rows.row_lengths(),
            ))
        dataset = tf.data.Dataset.from_tensor_slices(rows)
        if shuffle:
            dataset = dataset.shuffle(len(words), reshuffle_each_iteration=True)
        return dataset.ragged_batch(batch_size or DEFAULT_BATCH_SIZE)

    def label_ids(self, words, tags):
        """Tag ids of each sentence's words (names or ids in, ids out).

        Raises:
            ValueError: a sentence whose tag count differs from its word
                count, or a tag outside `label_names`, named by its index.
        """
        index = {name: i for i, name in enumerate(self.label_names or [])}
        ids = []
        for number, (sentence, row) in enumerate(zip(words, tags)):
            row = list(row)
            if len(row) != len(sentence):
                raise ValueError(
                    f"sentence {number} has {len(sentence)} words but "
                    f"{len(row)} tags"
                )
            for tag in row:
                if isinstance(tag, str) and tag not in index:
                    raise ValueError(
                        f"sentence {number} has the tag {tag!r}, which is not "
                        f"in label_names {self.label_names}"
                    )
            ids.append([index[t] if isinstance(t, str) else int(t) for t in row])
        if len(ids) != len(words):
            raise ValueError(f"{len(words)} sentences but {len(tags)} tag rows")
        return ids

    def predict_tags(self, x, batch_size=32):
        """One tag per word.

        Args:
            x: sentences: lists of words, or strings split on whitespace.
            batch_size: int. Windows per predict batch.

        Returns:
            A list (per sentence) of lists of tags (names, or ids without
            `label_names`).
        """
        from keras_electra.tagging.training import make_windows
        from keras_electra.tagging.training import predict_word_label_ids

        words = [_words(sentence) for sentence in x]
        windows = make_windows(self.preprocessor.windower, words)
        names = self.label_names or list(range(self.num_classes))
        return [
            [names[int(i)] for i in row]
            for row in predict_word_label_ids(self, windows, batch_size)
        ]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "dropout": self.dropout,
                "label_names": self.label_names,
            }
        )
        return config


def _words(sentence):
    return sentence.split() if isinstance(sentence, str) else [str(w) for w in sentence]

