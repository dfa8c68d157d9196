"""Fine-tuning ELECTRA discriminators on GLUE and on users' own data.

`finetune` runs one fine-tuning job and `finetune_seeds` one per seed with
the median reported (`experiment`); `recipes/finetune_glue.py` is its
command line. The pieces are public: the task registry and readers
(`glue`), the dev metrics (`metrics`), layer-wise learning-rate decay
and the encoder loader (`loading`). Text is packed by
`keras_electra.preprocessing.ElectraPreprocessor`, re-exported here with
its packing rule.
"""

from keras_electra.finetune.experiment import finetune_seeds
from keras_electra.finetune.experiment import load_task
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
from keras_electra.finetune.training import FinetuneConfig
from keras_electra.finetune.training import check_compatible
from keras_electra.finetune.training import finetune
from keras_electra.preprocessing import ElectraPreprocessor
from keras_electra.preprocessing import pack_segments
from keras_electra.preprocessing import truncated_lengths

__all__ = [
    "ElectraPreprocessor",
    "Examples",
    "FinetuneConfig",
    "LayerwiseAdamW",
    "LoadedEncoder",
    "METRICS",
    "TASKS",
    "Task",
    "check_compatible",
    "finetune",
    "finetune_seeds",
    "layerwise_adamw",
    "layerwise_learning_rate_multipliers",
    "load_encoder",
    "load_examples",
    "load_split",
    "load_task",
    "pack_segments",
    "truncated_lengths",
    "tsv_task",
]
