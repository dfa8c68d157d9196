"""A dependency-free WordPiece tokenizer and packer for exported models.

Pure Python (standard library only), so an ONNX Runtime or LiteRT client
can turn text into the `token_ids`, `segment_ids` and `padding_mask` that
an exported ELECTRA model takes without installing TensorFlow. Its ids
equal `keras_electra.data.WordPieceTokenizer`'s (tensorflow-text's
`FastBertTokenizer`), and its packing equals `ElectraPreprocessor`'s:
`[CLS] A [SEP] (B [SEP])`, longest-first truncation, [PAD] to the
export's sequence length.

`python -m keras_electra export --format litert|onnx` copies this file
beside the model as `electra_tokenizer.py`, with `vocab.txt` and
`tokenizer.json` (normalization, sequence length, text pairs).

Example:
```python
from electra_tokenizer import ElectraTokenizer

tokenizer = ElectraTokenizer.from_directory("exports/sst2-onnx")
inputs = tokenizer(["a gripping film"])  # dict of int32 [1, seq] lists
```
"""

import json
import os
import unicodedata

CONFIG_FILE = "tokenizer.json"
VOCAB_FILE = "vocab.txt"
MAX_CHARS_PER_WORD = 100


def _is_whitespace(char):
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_punctuation(char):
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(char):
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class ElectraTokenizer:
    """Text -> WordPiece ids -> packed, padded model inputs.

    Args:
        vocab: list of str. The WordPieces in id order.
        sequence_length: int. Packed length, [CLS]/[SEP] included.
        lower_case: bool. Lower-case the text.
        strip_accents: bool. Decompose (NFD) and drop combining marks.
        text_pair: bool. Whether the model takes sentence pairs.
    """

    def __init__(self, vocab, sequence_length, lower_case=True,
                 strip_accents=True, text_pair=False):
        self.vocab = {token: index for index, token in enumerate(vocab)}
        self.sequence_length = int(sequence_length)
        self.lower_case = bool(lower_case)
        self.strip_accents = bool(strip_accents)
        self.text_pair = bool(text_pair)
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        self.pad_id = self.vocab["[PAD]"]
        self.unk_id = self.vocab["[UNK]"]

    @classmethod
    def from_directory(cls, directory):
        """Reads `tokenizer.json` and `vocab.txt` written by an export."""
        with open(os.path.join(directory, CONFIG_FILE), encoding="utf-8") as f:
            config = json.load(f)
        with open(os.path.join(directory, VOCAB_FILE), encoding="utf-8") as f:
            vocab = [line.rstrip("\n") for line in f]
        return cls(vocab, **config)

    def normalize(self, text):
        """Control characters dropped, whitespace unified, case and accents."""
        # tensorflow-text's fused lower-case/strip-accents normalizer drops
        # format characters (zero-width space, soft hyphen); without it they
        # separate words, as control characters always do.
        fused = self.lower_case and self.strip_accents
        text = "".join(
            ("" if fused else " ") if unicodedata.category(char) == "Cf"
            else " " if _is_whitespace(char) or unicodedata.category(char) == "Cc"
            else char
            for char in text
            if char != "\ufffd"
        )
        if fused:
            # Case folding and compatibility decomposition, as tensorflow-text
            # does: "ß" -> "ss", "ﬁ" -> "fi", "²" -> "2".
            text = unicodedata.normalize("NFKD", text.casefold())
            return "".join(c for c in text if unicodedata.category(c) != "Mn")
        if self.lower_case:
            text = text.lower()
        if self.strip_accents:
            text = "".join(
                char for char in unicodedata.normalize("NFD", text)
                if unicodedata.category(char) != "Mn"
            )
        return text

    def split_words(self, text):
        """Whitespace split, then each punctuation mark and CJK character
        on its own."""
        words = []
        for chunk in self.normalize(text).split():
            word = ""
            for char in chunk:
                if _is_punctuation(char) or _is_cjk(char):
                    if word:
                        words.append(word)
                    words.append(char)
                    word = ""
                else:
                    word += char
            if word:
                words.append(word)
        return words

    def wordpiece(self, word):
        """Greedy longest-match-first WordPieces of one word ([UNK] if any
        part has no piece)."""
        if len(word.encode("utf-8")) > MAX_CHARS_PER_WORD:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.unk_id]
            start = end
        return ids

    def tokenize(self, text):
        """WordPiece ids of one text, no [CLS]/[SEP]."""
        return [i for word in self.split_words(text) for i in self.wordpiece(word)]

    def pack(self, first, second=None):
        """`(token_ids, segment_ids, padding_mask)` of one text (pair)."""
        budget = self.sequence_length - (2 if second is None else 3)
        if second is None:
            first = first[:budget]
        else:
            keep_first = min(len(first), max(budget - budget // 2, budget - len(second)))
            keep_second = min(len(second), max(budget // 2, budget - len(first)))
            first, second = first[:keep_first], second[:keep_second]
        ids = [self.cls_id, *first, self.sep_id]
        segments = [0] * len(ids)
        if second is not None:  # An empty second text still gets its [SEP].
            ids += [*second, self.sep_id]
            segments += [1] * (len(second) + 1)
        padding = self.sequence_length - len(ids)
        return (ids + [self.pad_id] * padding, segments + [0] * padding,
                [1] * len(ids) + [0] * padding)

    def __call__(self, texts, text_pairs=None):
        """Packs a batch: a dict of `[batch][sequence_length]` int lists."""
        if isinstance(texts, str):
            texts = [texts]
        if self.text_pair and text_pairs is None:
            raise ValueError("this model takes sentence pairs: pass text_pairs")
        if isinstance(text_pairs, str):
            text_pairs = [text_pairs]
        if text_pairs is not None and len(text_pairs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(text_pairs)} text_pairs")
        rows = [
            self.pack(self.tokenize(text),
                      None if text_pairs is None else self.tokenize(text_pairs[i]))
            for i, text in enumerate(texts)
        ]
        return {
            "token_ids": [row[0] for row in rows],
            "segment_ids": [row[1] for row in rows],
            "padding_mask": [row[2] for row in rows],
        }
