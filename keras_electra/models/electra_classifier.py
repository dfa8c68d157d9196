"""`ElectraClassifier`: a discriminator encoder with a classification head."""

import keras

from keras_electra.models.task_model import ElectraTaskModel
from keras_electra.models.classification_head import ClassificationHead
from keras_electra.models.classification_head import check_head
from keras_electra.models.classification_head import default_loss
from keras_electra.models.classification_head import default_metrics


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraClassifier(ElectraTaskModel):
    """An ELECTRA encoder fine-tuned for sentence (pair) classification.

    The head is the original's: dropout and one dense layer on the [CLS]
    position of the encoder's sequence output (ELECTRA has no pooler); with
    `pooling="mean"` it reads the mean over the non-padding positions
    instead (a replaced-token discriminator is never asked about [CLS],
    which is never replaced, so a briefly pre-trained small one may leave
    little of the sentence there). With
    `regression=True` and `num_classes=1` the single output is a score
    (STS-B). Outputs are logits (or scores); `compile()` defaults to the
    matching loss.

    Inputs are the encoder's: a dict of int32 `token_ids`, `segment_ids` and
    `padding_mask` `[batch, sequence_length]` holding `[CLS] A [SEP]` or
    `[CLS] A [SEP] B [SEP]` (see `keras_electra.finetune.SegmentPacker`).

    The label names travel with the model (`label_names`, saved in its
    config), so a saved classifier can report named predictions.

    Args:
        encoder: `ElectraEncoder`. The pre-trained discriminator (or a
            randomly initialised one, for a baseline).
        num_classes: int. Number of classes; 1 for regression.
        regression: bool. Predict one real number instead of classes.
        dropout: float. Dropout on the pooled vector. Defaults to 0.1.
        pooling: `"cls"` (the original's: the [CLS] position) or `"mean"`
            (the mean over the positions where `padding_mask` is 1).
        label_names: sequence of str or None. Names of the classes in id
            order.
        dtype: dtype policy of the head (the encoder keeps its own).

    Example:
    ```python
    encoder = keras.models.load_model("run/discriminator.keras")
    classifier = keras_electra.ElectraClassifier(
        encoder, num_classes=2, label_names=["negative", "positive"]
    )
    classifier.compile(optimizer=keras.optimizers.AdamW(1e-4))
    classifier.fit(packed_dataset, epochs=3)
    ```
    """

    def __init__(
        self,
        encoder,
        num_classes,
        regression=False,
        dropout=0.1,
        label_names=None,
        pooling="cls",
        dtype=None,
        **kwargs,
    ):
        self.check_encoder(encoder)
        label_names = check_head(num_classes, regression, label_names, pooling)
        # === Layers ===
        head_dtype = dtype if dtype is not None else encoder.dtype_policy
        head = ClassificationHead(num_classes, dropout, pooling, head_dtype)

        # === Functional Model ===
        inputs = encoder.input
        outputs = head(encoder(inputs), inputs["padding_mask"])
        self.build_functional(encoder, outputs, "electra_classifier", dtype, **kwargs)

        # === Config ===
        self.output_dropout = head.dropout
        self.output_dense = head.dense
        self.num_classes = num_classes
        self.regression = bool(regression)
        self.dropout = dropout
        self.label_names = label_names
        self.pooling = pooling

    def default_loss(self):
        """Sparse categorical cross-entropy on logits; mean squared error
        for regression."""
        return default_loss(self.regression)

    def default_metrics(self):
        """Accuracy for classification, none for regression."""
        return default_metrics(self.regression)

    def head_config(self):
        return {
            "num_classes": self.num_classes,
            "regression": self.regression,
            "dropout": self.dropout,
            "label_names": self.label_names,
            "pooling": self.pooling,
        }
