"""keras_electra: ELECTRA pre-training, fine-tuning and serving for Keras 3.

The model code (`keras_electra.layers`, `keras_electra.models`) runs on the
TensorFlow, JAX and PyTorch backends and imports no TensorFlow outside the
TensorFlow backend; the data, export and recipe code uses TensorFlow.
"""

# Imported for their registration: `keras.models.load_model` finds the
# optimizers and schedule of a saved model without further imports.
from keras_electra import layerwise_decay  # noqa: F401
from keras_electra import optimization  # noqa: F401
from keras_electra.config import ElectraConfig
from keras_electra.config import PRESETS
from keras_electra.layers import ElectraDiscriminatorHead
from keras_electra.layers import ElectraEmbeddings
from keras_electra.models import ElectraClassifier
from keras_electra.models import ElectraEncoder
from keras_electra.models import ElectraPretrainer

__version__ = "0.1.0"

__all__ = [
    "ElectraClassifier",
    "ElectraConfig",
    "ElectraDiscriminatorHead",
    "ElectraEmbeddings",
    "ElectraEncoder",
    "ElectraPretrainer",
    "PRESETS",
]
