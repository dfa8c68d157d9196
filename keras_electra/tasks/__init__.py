"""Fine-tuning tasks in keras-hub's shape: backbone + preprocessor + head.

`ElectraTextClassifier` takes raw strings (and string pairs), loads with
`from_preset` from a keras-hub preset, a pre-training run directory or a
converted checkpoint, compiles to ELECTRA's fine-tuning optimizer and saves
with `save_to_preset`. Its tokenizer (`ElectraTokenizer`) and preprocessor
are keras-hub ones, so the usual keras-hub code works on them.
"""

from keras_electra.tasks.text_classifier import ElectraTextClassifier
from keras_electra.tasks.text_classifier_preprocessor import (
    ElectraTextClassifierPreprocessor,
)
from keras_electra.tasks.tokenizer import ElectraTokenizer

__all__ = [
    "ElectraTextClassifier",
    "ElectraTextClassifierPreprocessor",
    "ElectraTokenizer",
]
