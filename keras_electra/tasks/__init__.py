"""Fine-tuning tasks in keras-hub's shape: backbone + preprocessor + head.

`ElectraTextClassifier` (sentences and pairs), `ElectraTokenClassifier`
(words and their tags) and `ElectraQuestionAnswerer` (questions about a
context, SQuAD 1.1 / 2.0) take raw text, load with `from_preset` from a
keras-hub preset, a pre-training run directory or a converted checkpoint,
compile to ELECTRA's fine-tuning optimizer and save with
`save_to_preset`. Their tokenizer (`ElectraTokenizer`) and preprocessors
are keras-hub ones, so the usual keras-hub code works on them.
"""

from keras_electra.tasks.question_answerer import ElectraQuestionAnswerer
from keras_electra.tasks.question_answerer_preprocessor import (
    ElectraQuestionAnswererPreprocessor,
)
from keras_electra.tasks.text_classifier import ElectraTextClassifier
from keras_electra.tasks.text_classifier_preprocessor import (
    ElectraTextClassifierPreprocessor,
)
from keras_electra.tasks.token_classifier import ElectraTokenClassifier
from keras_electra.tasks.token_classifier_preprocessor import (
    ElectraTokenClassifierPreprocessor,
)
from keras_electra.tasks.tokenizer import ElectraTokenizer

__all__ = [
    "ElectraQuestionAnswerer",
    "ElectraQuestionAnswererPreprocessor",
    "ElectraTextClassifier",
    "ElectraTextClassifierPreprocessor",
    "ElectraTokenClassifier",
    "ElectraTokenClassifierPreprocessor",
    "ElectraTokenizer",
]
