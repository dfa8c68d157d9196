"""Pre-training ELECTRA: one call from text to a saved discriminator.

`pretrain(PretrainConfig(...))` runs a whole pre-training job, resumable
after a crash or kill; `recipes/pretrain.py` is its command line. The
pieces are public: the settings and their presets (`config`), the strategy
choice (`distribution`), the training-loop callbacks (`callbacks`) and the
closing demo (`demo`). The run directory it writes is
`keras_electra.RunDirectory`.

Example:
```python
from keras_electra.pretrain import PretrainConfig, pretrain

result = pretrain(PretrainConfig(preset="tiny", steps=100, model_dir="runs/t"))
result.pretrainer.discriminator  # the trained encoder
```

`keras_electra.pretrain.config` is pure Python, and the names here load
Keras and TensorFlow on first use, so a command line checks its flags
first.
"""

from keras_electra.lazy import lazy_attributes

# Public name -> the module that defines it (imported on first use).
_EXPORTS = {
    "DISTRIBUTE_CHOICES": "keras_electra.pretrain.config",
    "PRECISION_POLICIES": "keras_electra.pretrain.config",
    "RESUME_KEYS": "keras_electra.pretrain.config",
    "PretrainConfig": "keras_electra.pretrain.config",
    "JaxDataParallel": "keras_electra.pretrain.distribution",
    "make_strategy": "keras_electra.pretrain.distribution",
    "PretrainResult": "keras_electra.pretrain.training",
    "pretrain": "keras_electra.pretrain.training",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
