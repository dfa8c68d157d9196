"""The sentence-classification head: checks, layers and how it reads a sequence.

One definition for `ElectraClassifier` (token-id inputs, the recipes') and
`keras_electra.tasks.ElectraTextClassifier` (keras-hub's task shape), so both
hold the same layers under the same names and their weights are the same.
"""

import keras

from keras_electra.pooling import POOLINGS


def check_head(num_classes, regression=False, label_names=None, pooling="cls"):
    """Validates a head's arguments; returns `label_names` as a list of str.

    Raises:
        ValueError: one line naming the argument at fault.
    """
    if pooling not in POOLINGS:
        raise ValueError(
            f"pooling must be one of {', '.join(POOLINGS)}; got {pooling!r}."
        )
    if regression and num_classes != 1:
        raise ValueError(
            f"A regression head has one output; got num_classes={num_classes}."
        )
    if not regression and (num_classes is None or num_classes < 2):
        raise ValueError(
            f"Classification needs num_classes >= 2, got {num_classes}; "
            "pass regression=True for a score."
        )
    if label_names is None:
        return None
    label_names = [str(name) for name in label_names]
    if regression or len(label_names) != num_classes:
        raise ValueError(
            f"label_names has {len(label_names)} names for "
            f"{'a regression head' if regression else f'{num_classes} classes'}."
        )
    return label_names


class ClassificationHead:
    """The head's layers, and `__call__(sequence, padding_mask)` -> logits.

    [CLS] pooling (the original's: `sequence[:, 0]`) or the mean over real
    tokens, then dropout and one dense layer.

    Args:
        num_classes: int. Outputs (1 for a regression score).
        dropout: float. Dropout on the pooled vector.
        pooling: `"cls"` or `"mean"`.
        dtype: dtype policy of the head's layers.
    """

    def __init__(self, num_classes, dropout, pooling, dtype):
        self.dropout = keras.layers.Dropout(dropout, dtype=dtype, name="classifier_dropout")
        self.dense = keras.layers.Dense(num_classes, dtype=dtype, name="logits")
        self.mean_pooling = None
        if pooling == "mean":
            self.mean_pooling = keras.layers.GlobalAveragePooling1D(
                dtype=dtype, name="mean_pooling"
            )

    def __call__(self, sequence, padding_mask):
        if self.mean_pooling is None:
            pooled = sequence[:, 0, :]
        else:
            pooled = self.mean_pooling(sequence, mask=padding_mask)
        return self.dense(self.dropout(pooled))


def default_loss(regression):
    """Mean squared error for a score, else cross-entropy on logits."""
    if regression:
        return keras.losses.MeanSquaredError()
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def default_metrics(regression):
    """Accuracy for classes; none for a score."""
    if regression:
        return None
    return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
