"""Fine-tuning ELECTRA discriminators on GLUE and on users' own data.

`finetune` runs one fine-tuning job and `finetune_seeds` one per seed with
the median reported (`experiment`); `recipes/finetune_glue.py` is its
command line. The engine every task's runs share (GLUE's, tagging's and
question answering's) is `engine` (settings, optimizer, dev scores,
TensorBoard) and `seeds` (one run per seed, the median, `results.json`). The pieces are public: the task registry and readers
(`glue`), the dev metrics (`metrics`), layer-wise learning-rate decay
and the encoder loader (`loading`). Text is packed by
`keras_electra.preprocessing.ElectraPreprocessor`, re-exported here with
its packing rule. Names load their module (and TensorFlow) on first use,
so `python -m keras_electra classify` checks its flags first.
"""

from keras_electra.lazy import lazy_attributes

_EXPORTS = {
    "finetune_seeds": "keras_electra.finetune.experiment",
    "load_task": "keras_electra.finetune.experiment",
    "TASKS": "keras_electra.finetune.glue",
    "Examples": "keras_electra.finetune.glue",
    "Task": "keras_electra.finetune.glue",
    "load_examples": "keras_electra.finetune.glue",
    "load_split": "keras_electra.finetune.glue",
    "tsv_task": "keras_electra.finetune.glue",
    "LoadedEncoder": "keras_electra.finetune.loading",
    "load_encoder": "keras_electra.finetune.loading",
    "METRICS": "keras_electra.finetune.metrics",
    "LayerwiseAdamW": "keras_electra.layerwise_decay",
    "layerwise_adamw": "keras_electra.layerwise_decay",
    "layerwise_learning_rate_multipliers": "keras_electra.layerwise_decay",
    "FinetuneConfig": "keras_electra.finetune.training",
    "check_compatible": "keras_electra.finetune.engine",
    "DevScores": "keras_electra.finetune.engine",
    "FineTuningConfig": "keras_electra.finetune.engine",
    "finetune": "keras_electra.finetune.training",
    "ElectraPreprocessor": "keras_electra.preprocessing",
    "pack_segments": "keras_electra.preprocessing",
    "truncated_lengths": "keras_electra.preprocessing",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
