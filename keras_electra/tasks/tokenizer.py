"""`ElectraTokenizer`: the project's WordPiece tokenizer as a keras-hub one."""

import os

import keras
from keras_hub.tokenizers import Tokenizer

from keras_electra.data.vocab import Vocab
from keras_electra.data.vocab import load_vocab
from keras_electra.data.vocab import vocab_from_tokens
from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.normalization import TextNormalization

VOCABULARY_FILE = "vocabulary.txt"
"""The vocab's file name among a preset's tokenizer assets (keras-hub's)."""


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraTokenizer(Tokenizer):
    """ELECTRA's WordPiece tokenizer with keras-hub's tokenizer contract.

    Tokenizes exactly as pre-training did (`keras_electra.data.
    WordPieceTokenizer`: tensorflow-text's `FastBertTokenizer`, BERT's
    cleaning, lower-casing and accent stripping as recorded), so a model
    fine-tuned from a run sees the ids it was pre-trained on. As a keras-hub
    `Tokenizer` it saves its vocab with `save_to_preset` (as
    `assets/tokenizer/vocabulary.txt`), loads with `from_preset`, maps over
    `tf.data`, and gives the special-token ids keras-hub's preprocessors
    read (`start_token_id` is [CLS], `end_token_id` [SEP]).

    Tokenizing strings needs TensorFlow and tensorflow-text (as keras-hub's
    own tokenizers do); the model it feeds runs on any backend.

    Args:
        vocabulary: a vocab file path, a list of tokens in id order, a
            `keras_electra.data.Vocab`, or `None` (set later, as
            `from_preset` does from the preset's assets).
        lower_case: bool. Lower-case before WordPiece. Defaults to `True`.
        strip_accents: bool or None. Strip accents; `None` follows
            `lower_case`.

    Example:
    ```python
    tokenizer = ElectraTokenizer("vocab.txt")
    tokenizer(["The quick fox."])        # ragged ids, no [CLS]/[SEP]
    tokenizer.detokenize([[1996, 4248]]) # ["the quick"]
    ```
    """

    backbone_cls = ElectraEncoder

    def __init__(self, vocabulary=None, lower_case=True, strip_accents=None, **kwargs):
        super().__init__(**kwargs)
        self.normalization = TextNormalization(lower_case, strip_accents)
        self.file_assets = [VOCABULARY_FILE]
        self.vocab = None
        self._wordpiece = None
        self.set_vocabulary(vocabulary)

    def set_vocabulary(self, vocabulary):
        """Sets the vocab (path, token list, `Vocab` or `None`)."""
        if vocabulary is None:
            self.vocab = None
        elif isinstance(vocabulary, Vocab):
            self.vocab = vocabulary
        elif isinstance(vocabulary, (str, os.PathLike)):
            self.vocab = load_vocab(vocabulary)
        else:
            self.vocab = vocab_from_tokens(vocabulary)
        self._wordpiece = None

    @property
    def wordpiece(self):
        """The `keras_electra.data.WordPieceTokenizer` doing the work."""
        self._check_vocabulary()
        if self._wordpiece is None:
            from keras_electra.data.tokenizer import cached_tokenizer

            self._wordpiece = cached_tokenizer(self.vocab, self.normalization)
        return self._wordpiece

    def _check_vocabulary(self):
        if self.vocab is None:
            raise ValueError(
                "ElectraTokenizer has no vocabulary: pass `vocabulary=` or "
                "load it with `from_preset`."
            )

    # === keras-hub's tokenizer contract ===

    def save_assets(self, dir_path):
        self._check_vocabulary()
        with open(os.path.join(dir_path, VOCABULARY_FILE), "w", encoding="utf-8") as f:
            f.write("\n".join(self.vocab.tokens) + "\n")

    def load_assets(self, dir_path):
        self.set_vocabulary(os.path.join(dir_path, VOCABULARY_FILE))

    def get_vocabulary(self):
        self._check_vocabulary()
        return list(self.vocab.tokens)

    def vocabulary_size(self):
        self._check_vocabulary()
        return self.vocab.size

    def id_to_token(self, id):
        self._check_vocabulary()
        return self.vocab.tokens[int(id)]

    def token_to_id(self, token):
        self._check_vocabulary()
        return self.vocab.token_to_id[token]

    def _special_id(self, name):
        self._check_vocabulary()
        return getattr(self.vocab, name)

    cls_token_id = property(lambda self: self._special_id("cls_id"))
    sep_token_id = property(lambda self: self._special_id("sep_id"))
    pad_token_id = property(lambda self: self._special_id("pad_id"))
    mask_token_id = property(lambda self: self._special_id("mask_id"))

    start_token_id = cls_token_id
    end_token_id = sep_token_id

    def tokenize(self, inputs):
        """WordPiece ids of strings (invalid UTF-8 becomes U+FFFD).

        Args:
            inputs: str, list of str or string tensor, `[]` or `[batch]`.

        Returns:
            int32 ids: `[num_tokens]` for one string, ragged
            `[batch, (num_tokens)]` for a batch; no [CLS]/[SEP].
        """
        from keras_electra.preprocessing.preprocessor import valid_utf8

        return self.wordpiece.tokenize(valid_utf8(inputs))

    def detokenize(self, inputs):
        """Space-joined words of WordPiece ids (`[batch, (n)]` or `[n]`)."""
        return self.wordpiece.detokenize(inputs)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "lower_case": self.normalization.lower_case,
                "strip_accents": self.normalization.strip_accents,
            }
        )
        return config
