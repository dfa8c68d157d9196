"""ELECTRA models: the encoder towers, pre-training and classification."""

from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.models.electra_pretrainer import ElectraPretrainer

__all__ = ["ElectraClassifier", "ElectraEncoder", "ElectraPretrainer"]
