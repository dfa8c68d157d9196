"""ELECTRA models: the encoder towers and the pre-training task."""

from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.models.electra_pretrainer import ElectraPretrainer

__all__ = ["ElectraEncoder", "ElectraPretrainer"]
