"""The fine-tuning optimizer a task's `compile()` defaults to, set at `fit`.

ELECTRA fine-tunes with AdamW, layer-wise learning-rate decay, warm-up over
the first 10% of the steps and linear decay to zero at the last one, so
the schedule needs the number of steps, which only `fit` knows (it follows
from the data, the batch size and the epochs). `FineTuningSchedule` holds
the settings `compile()` was given and builds the optimizer once `fit`
has counted the steps.
"""

import dataclasses
import math
import os

import keras

from keras_electra.layerwise_decay import layerwise_adamw
from keras_electra.presets import finetuning_defaults

DEFAULT_BATCH_SIZE = 32
"""Keras' batch size when `fit` gets arrays and no `batch_size`."""


@dataclasses.dataclass
class FineTuningSchedule:
    """The paper's fine-tuning optimizer settings; `None` means the preset's.

    Args:
        learning_rate: float or None. Peak rate of the head; `None` takes
            the encoder size's (3e-4 small, 1e-4 base, 5e-5 large).
        layer_decay: float or None. Layer-wise decay (0.8; 0.9 large).
        warmup_fraction: float. Share of the steps spent warming up.
        weight_decay: float. Decoupled weight decay (not on LayerNorm or
            biases).
    """

    learning_rate: float = None
    layer_decay: float = None
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01

    def __post_init__(self):
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}.")
        if self.layer_decay is not None and not 0 < self.layer_decay <= 1:
            raise ValueError(f"layer_decay must be in (0, 1], got {self.layer_decay!r}.")
        if not 0 <= self.warmup_fraction < 1:
            raise ValueError(
                f"warmup_fraction must be in [0, 1), got {self.warmup_fraction!r}."
            )

    def optimizer(self, model, total_steps):
        """The `LayerwiseAdamW` for `model` (a task, or a model with an
        `encoder`) over `total_steps` steps."""
        learning_rate, layer_decay = self.learning_rate, self.layer_decay
        if learning_rate is None or layer_decay is None:
            encoder = model.backbone if hasattr(model, "backbone") else model.encoder
            defaults = finetuning_defaults(encoder)
            learning_rate = learning_rate or defaults["learning_rate"]
            layer_decay = layer_decay or defaults["layer_decay"]
        return layerwise_adamw(
            model,
            learning_rate,
            layer_decay,
            total_steps=total_steps,
            warmup_fraction=self.warmup_fraction,
            weight_decay=self.weight_decay,
        )


def steps_per_epoch_of(x, batch_size=None):
    """Optimizer steps in one epoch over `x`, as `fit` will take them.

    Args:
        x: a finite `tf.data.Dataset` (batched), or arrays / lists (or a
            tuple of them, for pairs) with one row per example.
        batch_size: int or None. Rows per step for arrays (Keras' 32).

    Returns:
        int, or None when the dataset's length is unknown or infinite.
    """
    cardinality = getattr(x, "cardinality", None)
    if callable(cardinality):
        steps = int(cardinality())
        return steps if steps > 0 else None
    rows = x[0] if isinstance(x, tuple) else x
    return math.ceil(len(rows) / (batch_size or DEFAULT_BATCH_SIZE))


def shuffled_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=True):
    """`(x, y, sample_weight)` rows as a `tf.data.Dataset` of batches,
    reshuffled every epoch (unless `shuffle` is false).

    Args:
        x: arrays or lists with one row per example, or a tuple of them.
        y: labels or None.
        sample_weight: weights or None.
        batch_size: int or None (Keras' 32).

    Returns:
        A batched `tf.data.Dataset` of `x`, `(x, y)` or
        `(x, y, sample_weight)`.
    """
    import tensorflow as tf

    rows = keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
    dataset = tf.data.Dataset.from_tensor_slices(rows)
    if shuffle:
        count = int(dataset.cardinality())
        dataset = dataset.shuffle(count, reshuffle_each_iteration=True)
    return dataset.batch(batch_size or DEFAULT_BATCH_SIZE)


class FineTunedTask:
    """What every task's `compile` and `fit` add to keras-hub's.

    A mixin placed before the keras-hub base class. A task supplies
    `default_loss()`, `default_metrics()` and, when its rows are not plain
    arrays, `batches(x, y, sample_weight, batch_size, shuffle)` (the rows
    as a batched `tf.data.Dataset`).
    """

    preprocessor_settings = ("sequence_length",)
    """Keyword arguments of `from_preset` that go to a new preprocessor."""

    @classmethod
    def from_preset(cls, preset, load_weights=True, reinit_top_layers=0, **kwargs):
        """A task from a preset, a pre-training run or a checkpoint.

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
                  classifier (the shipped uncased vocab unless
                  `vocabulary=` names one).
            load_weights: bool. `False` keeps the backbone's random init.
            reinit_top_layers: int. Top transformer layers of the backbone
                that get fresh weights before fine-tuning (seed with
                `keras.utils.set_random_seed` first). 1 is what a briefly
                pre-trained encoder needs (`docs/results/transfer_why.md`).
            **kwargs: the constructor's arguments (`num_classes`, ...),
                plus, for the preprocessor of a run or `.keras` source,
                `vocabulary` and the settings the task names in
                `preprocessor_settings` (`sequence_length`, ...).

        Raises:
            DataError: the source is missing or holds no ELECTRA encoder,
                or has fewer layers than `reinit_top_layers`.
        """
        from keras_electra.finetune.loading import reinitialize_top_layers

        task = cls._from_source(preset, load_weights, **kwargs)
        reinitialize_top_layers(task.backbone, reinit_top_layers)
        return task

    @classmethod
    def _from_source(cls, preset, load_weights, **kwargs):
        from keras_electra.tasks.sources import is_keras_hub_preset
        from keras_electra.tasks.sources import load_source

        if is_keras_hub_preset(preset):
            if "num_classes" in kwargs:  # a new head: the saved names go too
                kwargs.setdefault("label_names", None)
            return super().from_preset(
                os.fspath(preset), load_weights=load_weights, **kwargs
            )
        source = load_source(
            preset, load_weights=load_weights, vocabulary=kwargs.pop("vocabulary", None)
        )
        settings = {
            name: kwargs.pop(name) for name in cls.preprocessor_settings if name in kwargs
        }
        preprocessor = kwargs.pop("preprocessor", None) or cls.preprocessor_cls(
            source.tokenizer, **settings
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
                decay over the steps of the first `fit`, which builds it;
                or any optimizer.
            loss: `"auto"`: the task's loss.
            metrics: `"auto"`: the task's metrics.
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
            loss = self.default_loss()
        if metrics == "auto":
            metrics = self.default_metrics()
        self._compile_arguments = dict(loss=loss, metrics=metrics, **kwargs)
        keras.Model.compile(self, optimizer=optimizer, **self._compile_arguments)

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
        (`epochs` x the steps of one epoch). And arrays or lists of
        examples are shuffled every epoch when `shuffle` is true (keras-hub
        turns them into a `tf.data.Dataset`, which Keras then never
        shuffles); a dataset you pass is used as it is.
        """
        if not hasattr(x, "cardinality") and (shuffle or self.needs_batches()):
            x = self.batches(x, y, sample_weight, batch_size, shuffle)
            y = sample_weight = batch_size = None
        if self.fine_tuning is not None:
            steps = steps_per_epoch or steps_per_epoch_of(x, batch_size)
            if steps is None:
                raise ValueError(
                    "The fine-tuning schedule needs the number of steps: pass "
                    "steps_per_epoch (the dataset's length is unknown), or "
                    "compile() with an optimizer of your own."
                )
            schedule, self.fine_tuning = self.fine_tuning, None
            keras.Model.compile(
                self,
                optimizer=schedule.optimizer(self, steps * epochs),
                **self._compile_arguments,
            )
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

    def needs_batches(self):
        """Whether rows must always go through `batches` (e.g. ragged ones)."""
        return False

    def batches(self, x, y=None, sample_weight=None, batch_size=None, shuffle=True):
        """The rows as a batched `tf.data.Dataset`, reshuffled every epoch."""
        return shuffled_batches(x, y, sample_weight, batch_size, shuffle)

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
