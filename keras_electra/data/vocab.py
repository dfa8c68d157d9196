"""Loading and validating WordPiece vocab files."""

import dataclasses
import functools
import hashlib
import os
from pathlib import Path

from keras_electra.data.errors import DataError

DEFAULT_VOCAB = Path(__file__).resolve().parents[1] / "assets" / "uncased_vocab.txt"
"""The uncased BERT/ELECTRA vocab (30522 tokens) shipped with the package."""

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
"""Tokens every vocab must contain; their ids are looked up, never assumed."""


@dataclasses.dataclass(frozen=True, eq=False)
class Vocab:
    """A validated WordPiece vocab: its tokens and the special-token ids.

    Build one with `load_vocab`. Ids are line numbers of the vocab file.

    Args:
        path: str. The file the vocab was read from.
        tokens: tuple of str. The tokens, in id order.

    Example:
    ```python
    vocab = keras_electra.data.load_vocab()
    vocab.size, vocab.mask_id  # (30522, 103)
    ```
    """

    path: str
    tokens: tuple

    @functools.cached_property
    def token_to_id(self):
        return {token: i for i, token in enumerate(self.tokens)}

    @property
    def size(self):
        return len(self.tokens)

    @property
    def pad_id(self):
        return self.token_to_id["[PAD]"]

    @property
    def unk_id(self):
        return self.token_to_id["[UNK]"]

    @property
    def cls_id(self):
        return self.token_to_id["[CLS]"]

    @property
    def sep_id(self):
        return self.token_to_id["[SEP]"]

    @property
    def mask_id(self):
        return self.token_to_id["[MASK]"]

    @property
    def unmaskable_ids(self):
        """Ids never selected for masking: [PAD], [CLS], [SEP], [MASK]."""
        return (self.pad_id, self.cls_id, self.sep_id, self.mask_id)

    @functools.cached_property
    def sha256(self):
        """Digest of the token list, recorded with prepared data."""
        return hashlib.sha256("\n".join(self.tokens).encode("utf-8")).hexdigest()


def load_vocab(path=None, vocabulary_size=None):
    """Reads a vocab file (one token per line) and validates it.

    The file must be UTF-8, have no empty lines or duplicate tokens, and
    contain the special tokens `[PAD] [UNK] [CLS] [SEP] [MASK]`.

    Args:
        path: str or path-like. The vocab file. Defaults to `DEFAULT_VOCAB`,
            the uncased vocab of Google's released ELECTRA checkpoints.
        vocabulary_size: int. When given, the vocab must have exactly this
            many tokens (the model's `vocabulary_size`).

    Returns:
        A `Vocab`.

    Raises:
        DataError: naming the file, and the line or tokens at fault.

    Example:
    ```python
    vocab = keras_electra.data.load_vocab(vocabulary_size=30522)
    vocab.token_to_id["[CLS]"]  # 101
    ```
    """
    path = os.fspath(DEFAULT_VOCAB if path is None else path)
    if not os.path.isfile(path):
        raise DataError(f"vocab file '{path}' does not exist")
    return vocab_from_tokens(_read_tokens(path), path, vocabulary_size)


def vocab_from_tokens(tokens, source="<list>", vocabulary_size=None):
    """A `Vocab` of tokens already in memory, validated like a file's.

    Args:
        tokens: sequence of str, in id order.
        source: str. Where they came from, for errors and `Vocab.path`.
        vocabulary_size: int. When given, the exact number of tokens.

    Returns:
        A `Vocab`.

    Raises:
        DataError: for an empty or repeated token, a missing special token
            or the wrong size, naming `source`.

    Example:
    ```python
    vocab_from_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"])
    ```
    """
    tokens = [str(token) for token in tokens]
    seen = set()
    for index, token in enumerate(tokens):
        if not token.strip() or token != token.strip():
            raise DataError(f"vocab '{source}' token {index} {token!r} is blank or padded")
        if token in seen:
            raise DataError(f"vocab '{source}' repeats token {token!r}")
        seen.add(token)
    missing = [t for t in SPECIAL_TOKENS if t not in seen]
    if missing:
        raise DataError(
            f"vocab file '{source}' lacks the special token(s) {' '.join(missing)}"
        )
    if vocabulary_size is not None and len(tokens) != vocabulary_size:
        raise DataError(
            f"vocab file '{source}' has {len(tokens)} tokens but the model "
            f"config expects vocabulary_size={vocabulary_size}"
        )
    return Vocab(path=os.fspath(source), tokens=tuple(tokens))


def as_vocab(vocab, vocabulary_size=None):
    """Returns `vocab` as a `Vocab`, loading it if it is a path or `None`."""
    if isinstance(vocab, Vocab):
        if vocabulary_size is not None and vocab.size != vocabulary_size:
            raise DataError(
                f"vocab file '{vocab.path}' has {vocab.size} tokens but the "
                f"model config expects vocabulary_size={vocabulary_size}"
            )
        return vocab
    return load_vocab(vocab, vocabulary_size=vocabulary_size)


def _read_tokens(path):
    tokens = []
    first_line = {}
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                token = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise DataError(
                    f"vocab file '{path}' line {line_no} is not valid UTF-8"
                ) from None
            if not token:
                raise DataError(f"vocab file '{path}' line {line_no} is empty")
            if token in first_line:
                raise DataError(
                    f"vocab file '{path}' line {line_no} repeats token "
                    f"{token!r} of line {first_line[token]}"
                )
            first_line[token] = line_no
            tokens.append(token)
    if not tokens:
        raise DataError(f"vocab file '{path}' is empty")
    return tokens
