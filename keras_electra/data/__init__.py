"""The ELECTRA pre-training data pipeline (TensorFlow / tf.data).

`pretraining_dataset` is the entry point recipes call; the pieces it is made
of (vocab, tokenizer, sources, packing, masking, TFRecord shards) are public
so that tools and tests can use them one step at a time.
"""

from keras_electra.data.dataset import packed_dataset
from keras_electra.data.dataset import packed_examples
from keras_electra.data.dataset import pretraining_dataset
from keras_electra.data.errors import DataError
from keras_electra.data.masking import mask_tokens
from keras_electra.data.masking import max_predictions_for
from keras_electra.data.packing import DocumentPacker
from keras_electra.data.packing import pack_sentences
from keras_electra.data.packing import tokenize_lines
from keras_electra.data.prepare import prepare_pretraining_data
from keras_electra.data.sources import DEFAULT_CORPUS
from keras_electra.data.sources import DOC_END
from keras_electra.data.sources import TextFiles
from keras_electra.data.sources import TFDSText
from keras_electra.data.sources import TFRecordShards
from keras_electra.data.sources import as_source
from keras_electra.data.stats import CorpusStats
from keras_electra.data.tfrecords import read_shards
from keras_electra.data.tokenizer import WordPieceTokenizer
from keras_electra.data.vocab import DEFAULT_VOCAB
from keras_electra.data.vocab import SPECIAL_TOKENS
from keras_electra.data.vocab import Vocab
from keras_electra.data.vocab import load_vocab

__all__ = [
    "CorpusStats",
    "DEFAULT_CORPUS",
    "DEFAULT_VOCAB",
    "DOC_END",
    "DataError",
    "DocumentPacker",
    "SPECIAL_TOKENS",
    "TFDSText",
    "TFRecordShards",
    "TextFiles",
    "Vocab",
    "WordPieceTokenizer",
    "as_source",
    "load_vocab",
    "mask_tokens",
    "max_predictions_for",
    "pack_sentences",
    "packed_dataset",
    "packed_examples",
    "prepare_pretraining_data",
    "pretraining_dataset",
    "read_shards",
    "tokenize_lines",
]
