"""Fine-tuning ELECTRA discriminators on GLUE and on users' own data.

`finetune` runs one fine-tuning job; `recipes/finetune_glue.py` is its
command line. The pieces are public: the task registry and readers
(`glue`), the dev metrics (`metrics`), sentence-pair packing (`pairs`),
layer-wise learning-rate decay (`optimizer`) and the encoder loader
(`loading`).
"""

from keras_electra.finetune.glue import TASKS
from keras_electra.finetune.glue import Examples
from keras_electra.finetune.glue import Task
from keras_electra.finetune.glue import load_examples
from keras_electra.finetune.glue import load_split
from keras_electra.finetune.glue import tsv_task
from keras_electra.finetune.loading import LoadedEncoder
from keras_electra.finetune.loading import load_encoder
from keras_electra.finetune.metrics import METRICS
from keras_electra.layerwise_decay import LayerwiseAdamW
from keras_electra.layerwise_decay import layerwise_adamw
from keras_electra.layerwise_decay import layerwise_learning_rate_multipliers
from keras_electra.finetune.pairs import SegmentPacker
from keras_electra.finetune.pairs import pack_segments
from keras_electra.finetune.pairs import truncated_lengths
from keras_electra.finetune.training import FinetuneConfig
from keras_electra.finetune.training import check_compatible
from keras_electra.finetune.training import finetune

__all__ = [
    "Examples",
    "FinetuneConfig",
    "LayerwiseAdamW",
    "LoadedEncoder",
    "METRICS",
    "SegmentPacker",
    "TASKS",
    "Task",
    "check_compatible",
    "finetune",
    "layerwise_adamw",
    "layerwise_learning_rate_multipliers",
    "load_encoder",
    "load_examples",
    "load_split",
    "pack_segments",
    "truncated_lengths",
    "tsv_task",
]
