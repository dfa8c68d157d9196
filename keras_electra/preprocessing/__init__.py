"""Text -> ELECTRA inputs: WordPiece, longest-first truncation, packing.

`ElectraPreprocessor` turns raw strings (single sentences or pairs) into
`token_ids`, `segment_ids` and `padding_mask`; fine-tuning runs it in
`tf.data` and exports put it inside the SavedModel graph. `pack_segments`
and `truncated_lengths` are its packing rule, for token ids already at hand.
"""

from keras_electra.data.tokenizer import WordPieceTokenizer
from keras_electra.preprocessing.packing import pack_segments
from keras_electra.preprocessing.packing import truncated_lengths
from keras_electra.preprocessing.preprocessor import MODEL_INPUTS
from keras_electra.preprocessing.preprocessor import ElectraPreprocessor

__all__ = [
    "ElectraPreprocessor",
    "MODEL_INPUTS",
    "WordPieceTokenizer",
    "pack_segments",
    "truncated_lengths",
]
