"""Extractive question answering (SQuAD 1.1 / 2.0) with ELECTRA.

* `squad`: the SQuAD JSON reader (`load_squad`) and the by-article split
  (`split_by_article`);
* `features`: question + context windows with doc stride and character
  offsets (`QAFeaturizer`, `build_features`);
* `postprocess`: n-best spans over windows, no-answer scores, answers cut
  from the original context (`predict_answers`);
* `evaluation`: EM/F1 as the official SQuAD 1.1 and 2.0 scripts
  (`evaluate`, `normalize_answer`), with 2.0's best threshold;
* `training`: `finetune_qa` (one run) and `finetune_qa_seeds` (per seed, median,
  `results.json`); `recipes/finetune_squad.py` is its command line;
* `export`: `export_question_answerer`, a SavedModel taking question and
  context strings; `python -m keras_electra answer` queries one.

The model is `keras_electra.ElectraSpanPredictor`. Importing this
package is cheap: the names below load their module (and TensorFlow) on
first use.
"""

from keras_electra.lazy import lazy_attributes

_EXPORTS = {
    "Answer": "keras_electra.qa.squad",
    "SquadExample": "keras_electra.qa.squad",
    "load_squad": "keras_electra.qa.squad",
    "split_by_article": "keras_electra.qa.squad",
    "QAFeaturizer": "keras_electra.qa.features",
    "QAFeatures": "keras_electra.qa.features",
    "build_features": "keras_electra.qa.features",
    "Prediction": "keras_electra.qa.postprocess",
    "predict_answers": "keras_electra.qa.postprocess",
    "evaluate": "keras_electra.qa.evaluation",
    "normalize_answer": "keras_electra.qa.evaluation",
    "QAConfig": "keras_electra.qa.training",
    "finetune_qa": "keras_electra.qa.training",
    "finetune_qa_seeds": "keras_electra.qa.training",
    "export_question_answerer": "keras_electra.qa.export",
    "add_answer_parser": "keras_electra.qa.command",
    "answer": "keras_electra.qa.command",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
