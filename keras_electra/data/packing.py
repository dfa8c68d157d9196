"""Document-aware sentence packing, as ELECTRA's `build_pretraining_dataset.py`.

Sentences (lines) of one document are packed greedily into
`[CLS] A [SEP] B [SEP]` examples:

* an example is emitted once the sentences gathered reach the target length,
  or at the end of a document, so segment B always continues the document of
  segment A and no example spans two documents;
* 10% of examples have only segment A; otherwise A gets sentences up to
  `(target - 3) // 2` tokens (a sentence that would overflow A goes to A with
  probability 1/2 while B is still empty) and B the rest. Unlike the
  original, whose loop can send a short sentence to A after B has started
  (putting sentences out of order), B always holds the sentences that
  follow A;
* 5% of the time the next example's target length is drawn uniformly from
  `[5, sequence_length]` instead of `sequence_length`;
* tokens beyond `sequence_length` are cut off and counted in `tokens_truncated`.

Random choices use a generator seeded per document (by `seed` and the ids
of the document's first sentence), so the examples of a document are the
same whichever worker, process or file split packs it.
"""

import math
import random
import zlib

import numpy as np

from keras_electra.data.sources import DOC_END
from keras_electra.data.stats import CorpusStats


class DocumentPacker:
    """Packs the tokenized sentences of documents into fixed-length examples.

    Feed it with `add_sentence` and `end_document`; each returns a packed
    example when one is complete, else `None`.

    Args:
        sequence_length: int. Length of the examples, including [CLS] and [SEP]s.
        vocab: `Vocab`. Gives the [CLS], [SEP] and [PAD] ids.
        seed: int. Seed of the random choices.
        stats: `CorpusStats` to count into, or `None`.

    Example:
    ```python
    packer = DocumentPacker(128, vocab, seed=0)
    example = packer.add_sentence(np.array([2023, 2003], "int32"))  # None
    token_ids, segment_ids, padding_mask = packer.end_document()
    ```
    """

    def __init__(self, sequence_length, vocab, seed=0, stats=None):
        if sequence_length < 5:
            raise ValueError(
                f"sequence_length must be at least 5, got {sequence_length}"
            )
        self.sequence_length = sequence_length
        self.vocab = vocab
        self.seed = seed
        self.stats = CorpusStats() if stats is None else stats
        self._sentences = []
        self._length = 0
        self._rng = None
        self._target_length = sequence_length

    def add_sentence(self, token_ids):
        """Adds one sentence (1-D int array) of the current document."""
        if self._rng is None:
            self._start_document(token_ids)
        self._sentences.append(token_ids)
        self._length += len(token_ids)
        self.stats.tokens += len(token_ids)
        if self._length >= self._target_length:
            return self._make_example()
        return None

    def end_document(self):
        """Closes the current document, returning its last example if any."""
        example = self._make_example() if self._length else None
        if self._rng is not None:
            self.stats.documents += 1
        self._sentences, self._length, self._rng = [], 0, None
        return example

    def _start_document(self, first_sentence):
        key = zlib.crc32(np.asarray(first_sentence, np.int32).tobytes())
        self._rng = random.Random(self.seed * 4_294_967_296 + key)
        self._target_length = self._draw_target_length()

    def _draw_target_length(self):
        if self._rng.random() < 0.05:
            return self._rng.randint(5, self.sequence_length)
        return self.sequence_length

    def _split_segments(self):
        if self._rng.random() < 0.1:
            first_target = math.inf  # Only segment A.
        else:
            first_target = (self._target_length - 3) // 2
        first, second = [], []
        first_len = 0
        for sentence in self._sentences:
            if first_len == 0 or (
                not second  # B, once started, takes all later sentences.
                and (
                    first_len + len(sentence) < first_target
                    or (first_len < first_target and self._rng.random() < 0.5)
                )
            ):
                first.append(sentence)
                first_len += len(sentence)
            else:
                second.append(sentence)
        return _concat(first), _concat(second)

    def _make_example(self):
        first, second = self._split_segments()
        first = first[: self.sequence_length - 2]
        second = second[: max(0, self.sequence_length - len(first) - 3)]
        written = len(first) + len(second)
        self.stats.tokens_written += written
        self.stats.tokens_truncated += self._length - written
        self.stats.examples += 1
        self.stats.one_segment_examples += not len(second)
        self._sentences, self._length = [], 0
        self._target_length = self._draw_target_length()
        return self._assemble(first, second)

    def _assemble(self, first, second):
        vocab = self.vocab
        token_ids = np.full([self.sequence_length], vocab.pad_id, np.int32)
        segment_ids = np.zeros([self.sequence_length], np.int32)
        padding_mask = np.zeros([self.sequence_length], np.int32)
        a_end = len(first) + 2
        token_ids[0] = vocab.cls_id
        token_ids[1 : a_end - 1] = first
        token_ids[a_end - 1] = vocab.sep_id
        length = a_end
        if len(second):
            length = a_end + len(second) + 1
            token_ids[a_end : length - 1] = second
            token_ids[length - 1] = vocab.sep_id
            segment_ids[a_end:length] = 1
        padding_mask[:length] = 1
        return token_ids, segment_ids, padding_mask


def pack_sentences(stream, packer):
    """Packs a stream of tokenized sentences and `DOC_END` markers.

    Args:
        stream: iterable of 1-D int arrays (sentences) and `DOC_END`.
        packer: `DocumentPacker`.

    Yields:
        `(token_ids, segment_ids, padding_mask)` int32 arrays
        `[sequence_length]`.
    """
    for item in stream:
        if item is DOC_END:
            example = packer.end_document()
        else:
            example = packer.add_sentence(item)
        if example is not None:
            yield example
    example = packer.end_document()
    if example is not None:
        yield example


def tokenize_lines(stream, tokenizer, batch_size=512):
    """Tokenizes a stream of lines in batches, keeping `DOC_END` markers.

    Args:
        stream: iterable of `str` lines and `DOC_END`.
        tokenizer: `WordPieceTokenizer`.
        batch_size: int. Lines per tokenizer call.

    Yields:
        int32 arrays (one per line) and `DOC_END`, in stream order.
    """
    items, lines = [], []
    for item in stream:
        items.append(item)
        if item is not DOC_END:
            lines.append(item)
            if len(lines) == batch_size:
                yield from _tokenized(items, lines, tokenizer)
                items, lines = [], []
    yield from _tokenized(items, lines, tokenizer)


def _tokenized(items, lines, tokenizer):
    if lines:
        flat, splits = tokenizer.tokenize_flat(lines)
        flat, splits = flat.numpy(), splits.numpy()
    line = 0
    for item in items:
        if item is DOC_END:
            yield DOC_END
        else:
            yield flat[splits[line] : splits[line + 1]]
            line += 1


def _concat(sentences):
    if not sentences:
        return np.zeros([0], np.int32)
    return np.concatenate(sentences)
