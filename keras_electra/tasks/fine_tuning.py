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

    def optimizer(self, task, total_steps):
        """The `LayerwiseAdamW` for `task` over `total_steps` steps."""
        defaults = finetuning_defaults(task.backbone)
        return layerwise_adamw(
            task,
            self.learning_rate or defaults["learning_rate"],
            self.layer_decay or defaults["layer_decay"],
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


def shuffled_batches(x, y=None, sample_weight=None, batch_size=None):
    """`(x, y, sample_weight)` rows as a `tf.data.Dataset` of batches that
    is reshuffled every epoch.

    Args:
        x: arrays or lists with one row per example, or a tuple of them.
        y: labels or None.
        sample_weight: weights or None.
        batch_size: int or None (Keras' 32).

    Returns:
        A batched `tf.data.Dataset` of `x`, `(x, y)` or
        `(x, y, sample_weight)`.
    """
    import keras
    import tensorflow as tf

    rows = keras.utils.pack_x_y_sample_weight(x, y, sample_weight)
    dataset = tf.data.Dataset.from_tensor_slices(rows)
    count = int(dataset.cardinality())
    return dataset.shuffle(count, reshuffle_each_iteration=True).batch(
        batch_size or DEFAULT_BATCH_SIZE
    )
