"""Token tagging (sequence labelling): CoNLL-2000 chunking, NER.

* `read_conll` (`conll`): CoNLL files -> `TaggedSentences`;
* `tags`: BIO/BIOES conversions, span extraction with the CoNLL scorer's
  semantics, span precision/recall/F1 (`span_scores`);
* `WordWindower` (`windows`): words -> WordPiece windows, a word labelled
  on its first piece, long sentences in overlapping windows;
* `finetune_tagger`, `finetune_tagger_seeds` (`training`): fine-tuning with
  the package's optimizer and the median over seeds;
  `recipes/finetune_tagging.py` is its command line;
* `export_tagger` (`export`): a SavedModel taking raw text and returning
  words, their character offsets and their tags;
  `python -m keras_electra tag` runs it.

`conll` and `tags` are pure Python; the other modules (TensorFlow, Keras)
load on first use of their names, so `import keras_electra.tagging` is cheap.
"""

from keras_electra.lazy import lazy_attributes

_EXPORTS = {
    "TaggedSentences": "keras_electra.tagging.conll",
    "read_conll": "keras_electra.tagging.conll",
    "write_conll": "keras_electra.tagging.conll",
    "span_scores": "keras_electra.tagging.tags",
    "spans": "keras_electra.tagging.tags",
    "to_bio": "keras_electra.tagging.tags",
    "to_bioes": "keras_electra.tagging.tags",
    "WordWindower": "keras_electra.tagging.windows",
    "split_words": "keras_electra.tagging.windows",
    "TaggingConfig": "keras_electra.tagging.training",
    "finetune_tagger": "keras_electra.tagging.training",
    "finetune_tagger_seeds": "keras_electra.tagging.training",
    "predict_tags": "keras_electra.tagging.training",
    "export_tagger": "keras_electra.tagging.export",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
