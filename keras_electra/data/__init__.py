"""The ELECTRA pre-training data pipeline (TensorFlow / tf.data).

`pretraining_dataset` is the entry point recipes call; the pieces it is made
of (vocab, tokenizer, sources, packing, masking, TFRecord shards) are public
so that tools and tests can use them one step at a time.

Importing this package is cheap: each name loads its module (TensorFlow for
most) on first use, so the pure-Python pieces (`vocab`, `sources`,
`errors`) can check a command's files before any slow import.
"""

from keras_electra.lazy import lazy_attributes

# Public name -> the module that defines it.
_EXPORTS = {
    "packed_dataset": "keras_electra.data.dataset",
    "packed_examples": "keras_electra.data.dataset",
    "pretraining_dataset": "keras_electra.data.dataset",
    "DataError": "keras_electra.data.errors",
    "mask_tokens": "keras_electra.data.masking",
    "max_predictions_for": "keras_electra.data.masking",
    "DocumentPacker": "keras_electra.data.packing",
    "pack_sentences": "keras_electra.data.packing",
    "tokenize_lines": "keras_electra.data.packing",
    "prepare_pretraining_data": "keras_electra.data.prepare",
    "DEFAULT_CORPUS": "keras_electra.data.sources",
    "DOC_END": "keras_electra.data.sources",
    "TextFiles": "keras_electra.data.sources",
    "TFDSText": "keras_electra.data.sources",
    "TFRecordShards": "keras_electra.data.sources",
    "as_source": "keras_electra.data.sources",
    "CorpusStats": "keras_electra.data.stats",
    "read_shards": "keras_electra.data.tfrecords",
    "WordPieceTokenizer": "keras_electra.data.tokenizer",
    "DEFAULT_VOCAB": "keras_electra.data.vocab",
    "SPECIAL_TOKENS": "keras_electra.data.vocab",
    "Vocab": "keras_electra.data.vocab",
    "load_vocab": "keras_electra.data.vocab",
    "vocab_from_tokens": "keras_electra.data.vocab",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
