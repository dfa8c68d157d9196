"""`ElectraTextClassifier`: sentence (pair) classification in keras-hub's shape."""

import keras
from keras_hub.models import TextClassifier

from keras_electra.models.classification_head import ClassificationHead
from keras_electra.models.classification_head import check_head
from keras_electra.models.classification_head import default_loss
from keras_electra.models.classification_head import default_metrics
from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.tasks.fine_tuning import FineTuningSchedule
from keras_electra.tasks.fine_tuning import shuffled_batches
from keras_electra.tasks.fine_tuning import steps_per_epoch_of
from keras_electra.tasks.sources import is_keras_hub_preset
from keras_electra.tasks.sources import load_source
from keras_electra.tasks.sources import preset_name
from keras_electra.tasks.text_classifier_preprocessor import (
    ElectraTextClassifierPreprocessor,
)


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraTextClassifier(TextClassifier):
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

    @classmethod
    def from_preset(cls, preset, load_weights=True, **kwargs):
        """A classifier from a preset, a pre-training run or a checkpoint.

        Args:
            preset: one of
                * a keras-hub preset directory (`save_to_preset`'s, or an
                  encoder's `ElectraEncoder.save_to_preset`): loads as
                  keras-hub does; with `num_classes` the head is new;
                * a `recipes/pretrain.py` `--model-dir` (finished or still
                  training) or a run directory that `convert` wrote from a
                  published checkpoint: its discriminator, vocab and
                  normalization;
                * a `.keras` file of an `ElectraEncoder`, pretrainer or
                  `ElectraClassifier` (the shipped uncased vocab unless
                  `vocabulary=` names one).
            load_weights: bool. `False` keeps the backbone's random init.
            **kwargs: the constructor's arguments (`num_classes`, ...),
                plus `sequence_length` (default 128) and `vocabulary` for
                the preprocessor of a run or `.keras` source.

        Raises:
            DataError: the source is missing or holds no ELECTRA encoder.
        """
        if is_keras_hub_preset(preset):
            if "num_classes" in kwargs:  # a new head: the saved names go too
                kwargs.setdefault("label_names", None)
            return super().from_preset(
                preset_name(preset), load_weights=load_weights, **kwargs
            )
        source = load_source(
            preset,
            load_weights=load_weights,
            vocabulary=kwargs.pop("vocabulary", None),
        )
        preprocessor = kwargs.pop("preprocessor", None) or cls.preprocessor_cls(
            source.tokenizer, sequence_length=kwargs.pop("sequence_length", 128)
        )
        return cls(backbone=source.encoder, preprocessor=preprocessor, **kwargs)

    def compile(
        self,
        optimizer="auto",
        loss="auto",
        *,
        metrics="auto",
        learning_rate=None,
        layer_decay=None,
        warmup_fraction=0.1,
        weight_decay=0.01,
        **kwargs,
    ):
        """Configures training; `"auto"` picks ELECTRA's fine-tuning defaults.

        Args:
            optimizer: `"auto"`: layer-wise AdamW with warm-up and linear
                decay, built by the first `fit` (see the class docstring);
                or any optimizer.
            loss: `"auto"`: cross-entropy on logits, or mean squared error
                for regression.
            metrics: `"auto"`: accuracy, or none for regression.
            learning_rate: float or None. Peak rate of the `"auto"`
                optimizer; `None` takes the encoder size's.
            layer_decay: float or None. Its layer-wise decay.
            warmup_fraction: float. Its warm-up share of the steps.
            weight_decay: float. Its decoupled weight decay.
            **kwargs: passed to `keras.Model.compile`.
        """
        if optimizer == "auto":
            self.fine_tuning = FineTuningSchedule(
                learning_rate, layer_decay, warmup_fraction, weight_decay
            )
            # Replaced by the first `fit`, which knows the number of steps.
            optimizer = keras.optimizers.AdamW(epsilon=1e-6)
        else:
            self.fine_tuning = None
        if loss == "auto":
            loss = default_loss(self.regression)
        if metrics == "auto":
            metrics = default_metrics(self.regression)
        self._compile_arguments = dict(loss=loss, metrics=metrics, **kwargs)
        super(TextClassifier, self).compile(optimizer=optimizer, **self._compile_arguments)

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        steps_per_epoch=None,
        shuffle=True,
        sample_weight=None,
        **kwargs,
    ):
        """`keras.Model.fit`, with two things keras-hub's tasks leave out.

        The first call sets the `"auto"` optimizer's schedule to its steps
        (`epochs` x the steps of one epoch). And arrays or lists of strings
        are shuffled every epoch when `shuffle` is true (keras-hub turns
        them into a `tf.data.Dataset`, which Keras then never shuffles); a
        dataset you pass is used as it is.
        """
        if self.fine_tuning is not None:
            steps = steps_per_epoch or steps_per_epoch_of(x, batch_size)
            if steps is None:
                raise ValueError(
                    "The fine-tuning schedule needs the number of steps: pass "
                    "steps_per_epoch (the dataset's length is unknown), or "
                    "compile() with an optimizer of your own."
                )
            schedule, self.fine_tuning = self.fine_tuning, None
            super(TextClassifier, self).compile(
                optimizer=schedule.optimizer(self, steps * epochs),
                **self._compile_arguments,
            )
        if shuffle and not hasattr(x, "cardinality"):
            x = shuffled_batches(x, y, sample_weight, batch_size)
            y = sample_weight = batch_size = None
        return super().fit(
            x,
            y,
            batch_size=batch_size,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            shuffle=False,
            sample_weight=sample_weight,
            **kwargs,
        )

    def load_task_weights(self, filepath):
        """Loads `save_task_weights`' file into the head."""
        keras.saving.load_weights(
            self,
            filepath,
            objects_to_skip=list(self.backbone._flatten_layers()) + [self.optimizer],
        )

    def save_task_weights(self, filepath):
        """The head's weights, without the optimizer's state (a preset is
        for loading and fine-tuning again, not for resuming a `fit`)."""
        keras.saving.save_weights(
            self,
            filepath=filepath,
            objects_to_skip=list(self.backbone._flatten_layers()) + [self.optimizer],
        )

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
