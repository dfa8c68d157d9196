"""keras_electra: ELECTRA pre-training, fine-tuning and serving for Keras 3.

The model code (`keras_electra.layers`, `keras_electra.models`) runs on the
TensorFlow, JAX and PyTorch backends and imports no TensorFlow outside the
TensorFlow backend; the data, export and recipe code uses TensorFlow.

`import keras_electra` itself is cheap: the names below load Keras on first
use, so the command lines (`keras_electra.cli`) check their flags before
any slow import. Once Keras is loaded, the package's optimizers, schedule
and models are registered, so `keras.models.load_model` finds them.
"""

import importlib
import sys

from keras_electra.lazy import lazy_attributes

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "ElectraClassifier": "keras_electra.models",
    "ElectraConfig": "keras_electra.config",
    "ElectraDiscriminatorHead": "keras_electra.layers",
    "ElectraEmbeddings": "keras_electra.layers",
    "ElectraEncoder": "keras_electra.models",
    "ElectraPreprocessor": "keras_electra.preprocessing",
    "ElectraPretrainer": "keras_electra.models",
    "ElectraQuestionAnswerer": "keras_electra.tasks",
    "ElectraQuestionAnswererPreprocessor": "keras_electra.tasks",
    "ElectraSpanPredictor": "keras_electra.models",
    "ElectraTextClassifier": "keras_electra.tasks",
    "ElectraTextClassifierPreprocessor": "keras_electra.tasks",
    "ElectraTokenClassifier": "keras_electra.tasks",
    "ElectraTokenClassifierPreprocessor": "keras_electra.tasks",
    "ElectraTokenTagger": "keras_electra.models",
    "ElectraTokenizer": "keras_electra.tasks",
    "MaskedLMPretrainer": "keras_electra.models",
    "PRESETS": "keras_electra.presets",
    "Preset": "keras_electra.presets",
    "RunDirectory": "keras_electra.run_directory",
    "TextNormalization": "keras_electra.normalization",
    "get_preset": "keras_electra.presets",
}

# Imported for their registration with `keras.saving`.
_REGISTERING = (
    "keras_electra.layerwise_decay",
    "keras_electra.optimization",
    "keras_electra.models",
)

__all__ = sorted(_EXPORTS)


def register_keras_objects():
    """Imports the modules whose classes `keras.models.load_model` needs."""
    for module in _REGISTERING:
        importlib.import_module(module)


def _register_when_needed(module):
    if module.__name__ in _REGISTERING or "keras" in sys.modules:
        register_keras_objects()


__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, _register_when_needed)


if "keras" in sys.modules:  # Keras is loaded already: nothing to save.
    register_keras_objects()
