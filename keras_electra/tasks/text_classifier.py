"""`ElectraTextClassifier`: sentence (pair) classification in keras-hub's shape."""

import keras
from keras_hub.models import TextClassifier

from keras_electra.models.classification_head import ClassificationHead
from keras_electra.models.classification_head import check_head
from keras_electra.models.classification_head import default_loss
from keras_electra.models.classification_head import default_metrics
from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.tasks.fine_tuning import FineTunedTask
from keras_electra.tasks.text_classifier_preprocessor import (
    ElectraTextClassifierPreprocessor,
)


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraTextClassifier(FineTunedTask, TextClassifier):
    """An ELECTRA discriminator fine-tuned to classify sentences or pairs.

    keras-hub's task shape: a backbone (`ElectraEncoder`), a preprocessor
    that takes raw strings (`ElectraTextClassifierPreprocessor`) and a head
    (the original's: dropout and one dense layer on [CLS], or on the mean
    over real tokens with `pooling="mean"`). `fit`, `evaluate` and
    `predict` take strings, `(first, second)` tuples of strings for pairs,
    or a `tf.data.Dataset` of them; `predict_labels` returns what a person
    reads. With `regression=True` (and `num_classes=1`) it predicts one
    score (STS-B).

    `compile()` defaults to ELECTRA's fine-tuning optimizer: AdamW
    (epsilon 1e-6, weight decay 0.01 off LayerNorm and biases, clip 1.0)
    with layer-wise learning-rate decay, warm-up over 10% of the steps and
    linear decay to zero, at the encoder size's learning rate. The number
    of steps comes from the first `fit` call (the data, the batch size and
    the epochs), so the schedule ends where that `fit` ends.

    Args:
        backbone: `ElectraEncoder`. The pre-trained discriminator.
        num_classes: int. Classes; 1 with `regression=True`.
        preprocessor: `ElectraTextClassifierPreprocessor` or None (then the
            model takes token ids).
        regression: bool. Predict one real number instead of classes.
        dropout: float. Dropout on the pooled vector. Defaults to 0.1.
        pooling: `"cls"` (the original's) or `"mean"`.
        label_names: list of str or None. Class names in id order.

    Example:
    ```python
    classifier = ElectraTextClassifier.from_preset(
        "runs/my_pretraining", num_classes=2, label_names=["neg", "pos"])
    classifier.fit(x=["a fine film", "dull"], y=[1, 0], batch_size=2, epochs=3)
    classifier.predict_labels(["a fine, fine film"])
    # [{"label": "pos", "score": 0.93}]
    classifier.save_to_preset("sst2_classifier")
    ```
    """

    backbone_cls = ElectraEncoder
    preprocessor_cls = ElectraTextClassifierPreprocessor

    def __init__(
        self,
        backbone,
        num_classes,
        preprocessor=None,
        regression=False,
        dropout=0.1,
        pooling="cls",
        label_names=None,
        **kwargs,
    ):
        label_names = check_head(num_classes, regression, label_names, pooling)
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        head = ClassificationHead(num_classes, dropout, pooling, backbone.dtype_policy)
        self.output_dropout = head.dropout
        self.output_dense = head.dense

        # === Config ===
        self.num_classes = num_classes
        self.regression = bool(regression)
        self.dropout = dropout
        self.pooling = pooling
        self.label_names = label_names
        self.fine_tuning = None

        # === Functional Model ===
        inputs = backbone.input
        outputs = head(backbone(inputs), inputs["padding_mask"])
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

    def default_loss(self):
        return default_loss(self.regression)

    def default_metrics(self):
        return default_metrics(self.regression)

    def predict_labels(self, x, batch_size=32):
        """What a person reads: a label and its probability per example.

        Args:
            x: strings, or a `(first, second)` tuple of strings for pairs.
            batch_size: int.

        Returns:
            A list with one dict per example: `{"label", "score"}` (the
            label's name, or its id without `label_names`, and its softmax
            probability), or `{"score"}` for a regression head.
        """
        import numpy as np

        outputs = np.asarray(self.predict(x, batch_size=batch_size, verbose=0))
        if self.regression:
            return [{"score": float(row[0])} for row in outputs]
        shifted = np.exp(outputs - outputs.max(axis=-1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
        names = self.label_names or list(range(self.num_classes))
        return [
            {"label": names[int(row.argmax())], "score": float(row.max())}
            for row in probabilities
        ]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "regression": self.regression,
                "dropout": self.dropout,
                "pooling": self.pooling,
                "label_names": self.label_names,
            }
        )
        return config
