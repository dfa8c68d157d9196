"""ELECTRA models: the encoder towers, pre-training (ELECTRA and the
masked-LM baseline) and classification."""

from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.models.electra_pretrainer import ElectraPretrainer
from keras_electra.models.electra_span_predictor import ElectraSpanPredictor
from keras_electra.models.electra_token_tagger import ElectraTokenTagger
from keras_electra.models.mlm_pretrainer import MaskedLMPretrainer

__all__ = [
    "ElectraClassifier",
    "ElectraEncoder",
    "ElectraPretrainer",
    "ElectraSpanPredictor",
    "ElectraTokenTagger",
    "MaskedLMPretrainer",
]
