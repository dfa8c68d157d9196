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
* tokens of an example's last sentences beyond `sequence_length` are cut off
  and counted in `tokens_truncated`, as in the original.

Lines longer than an example can hold (`sequence_length - 3` tokens) are not
truncated: `split_long_sentence` cuts them into consecutive pieces of at most
`(sequence_length - 3) // 2` tokens (a segment's share), preferably after a
sentence end (`.`, `!`, `?`), else between words, in the back half of each
window. The pieces are packed in order as sentences of the document, and
when an example is full in the middle of a piece the rest of it (and any
sentences after it) start the next example instead of being dropped. Lines
that fit are packed whole, as the original does.

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

SENTENCE_END_TOKENS = (".", "!", "?")
"""Tokens after which a long line is preferably cut."""


class DocumentPacker:
    """Packs the tokenized sentences of documents into fixed-length examples.

    Feed it with `add_sentence` and `end_document`; each returns the list of
    packed examples it completed (usually none or one; a long line gives
    many).

    Args:
        sequence_length: int. Length of the examples, including [CLS] and [SEP]s.
        vocab: `Vocab`. Gives the [CLS], [SEP] and [PAD] ids, and the
            sentence ends and `##` pieces that long lines are cut at.
        seed: int. Seed of the random choices.
        stats: `CorpusStats` to count into, or `None`.

    Example:
    ```python
    packer = DocumentPacker(128, vocab, seed=0)
    packer.add_sentence(np.array([2023, 2003], "int32"))  # []
    [(token_ids, segment_ids, padding_mask)] = packer.end_document()
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
        self.max_sentence_length = sequence_length - 3
        self.piece_length = (sequence_length - 3) // 2
        self._boundaries = _Boundaries(vocab)
        self._sentences = []
        self._splittable = []  # Per sentence: is it a piece of a split line?
        self._length = 0
        self._rng = None
        self._target_length = sequence_length

    def add_sentence(self, token_ids):
        """Adds one sentence (1-D int array) of the current document.

        Returns:
            The list of examples completed by it.
        """
        if self._rng is None:
            self._start_document(token_ids)
        self.stats.tokens_read += len(token_ids)
        if len(token_ids) <= self.max_sentence_length:
            return self._add(token_ids, False)
        self.stats.lines_split += 1
        examples = []
        for piece in split_long_sentence(
            token_ids, self.piece_length, self._boundaries
        ):
            examples.extend(self._add(piece, True))
        return examples

    def end_document(self):
        """Closes the current document, returning its last examples."""
        examples = []
        while self._length:
            examples.append(self._make_example())
        if self._rng is not None:
            self.stats.documents += 1
        self._sentences, self._splittable = [], []
        self._length, self._rng = 0, None
        return examples

    def _add(self, token_ids, splittable):
        self._sentences.append(token_ids)
        self._splittable.append(splittable)
        self._length += len(token_ids)
        if self._length >= self._target_length:
            return [self._make_example()]
        return []

    def _start_document(self, first_sentence):
        key = zlib.crc32(np.asarray(first_sentence, np.int32).tobytes())
        self._rng = random.Random(self.seed * 4_294_967_296 + key)
        self._target_length = self._draw_target_length()

    def _draw_target_length(self):
        if self._rng.random() < 0.05:
            return self._rng.randint(5, self.sequence_length)
        return self.sequence_length

    def _first_segment_size(self):
        """How many of the gathered sentences go to segment A."""
        if self._rng.random() < 0.1:
            first_target = math.inf  # Only segment A.
        else:
            first_target = (self._target_length - 3) // 2
        first_len, count = 0, 0
        for sentence in self._sentences:
            # B, once started, takes all later sentences: A is a prefix.
            if first_len == 0 or (
                first_len + len(sentence) < first_target
                or (first_len < first_target and self._rng.random() < 0.5)
            ):
                first_len += len(sentence)
                count += 1
            else:
                break
        return count, first_len

    def _make_example(self):
        count, first_len = self._first_segment_size()
        sentences, splittable = self._sentences, self._splittable
        kept_first = min(first_len, self.sequence_length - 2)
        if first_len > kept_first:
            cut = kept_first  # Segment A overflows; B gets nothing.
        else:
            room = max(0, self.sequence_length - kept_first - 3)
            cut = first_len + min(self._length - first_len, room)
        carried = []
        if cut < self._length:
            index, offset = _locate(sentences, cut)
            if any(splittable[index:]):
                # A piece of a long line is cut off: nothing is dropped, the
                # rest starts the next example (cut between words if it can).
                sentence = sentences[index]
                better = self._boundaries.best_cut(sentence, offset)
                cut -= offset - better
                carried = [(sentence[better:], splittable[index])]
                carried += zip(sentences[index + 1 :], splittable[index + 1 :])
                sentences = sentences[:index] + [sentence[:better]]
        first = _concat(sentences[:count])[:kept_first]
        second = _concat(sentences[count:])[: max(0, cut - len(first))]
        written = len(first) + len(second)
        carried = [(s, p) for s, p in carried if len(s)]
        carried_length = sum(len(s) for s, _ in carried)
        self.stats.tokens_used += written
        self.stats.tokens_truncated += self._length - written - carried_length
        self.stats.examples += 1
        self.stats.one_segment_examples += not len(second)
        self._sentences = [s for s, _ in carried]
        self._splittable = [p for _, p in carried]
        self._length = carried_length
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


def split_long_sentence(token_ids, max_length, vocab):
    """Cuts a tokenized line into consecutive pieces of at most `max_length`.

    Each cut is made at the last sentence end (after a `.`, `!` or `?`
    token) in the back half of the `max_length` window, else at the last
    word start there (never before a `##` continuation piece), else hard at
    `max_length`. The pieces concatenate back to `token_ids`. It runs in
    time linear in the length of the line, whatever its size.

    Args:
        token_ids: 1-D int array.
        max_length: int, >= 1. Longest piece.
        vocab: `Vocab` the ids belong to (or its `_Boundaries`).

    Returns:
        A list of 1-D arrays (views of `token_ids`).

    Example:
    ```python
    pieces = split_long_sentence(ids, 62, vocab)
    assert np.array_equal(np.concatenate(pieces), ids)
    ```
    """
    if max_length < 1:
        raise ValueError(f"max_length must be positive, got {max_length}")
    boundaries = vocab if isinstance(vocab, _Boundaries) else _Boundaries(vocab)
    token_ids = np.asarray(token_ids)
    length = len(token_ids)
    if length <= max_length:
        return [token_ids]
    last_end, last_word = boundaries.cut_tables(token_ids)
    pieces, start = [], 0
    while length - start > max_length:
        end = _best(last_end, last_word, start + max_length // 2, start + max_length)
        pieces.append(token_ids[start:end])
        start = end
    pieces.append(token_ids[start:])
    return pieces


class _Boundaries:
    """Which ids of a vocab end a sentence or continue a word (`##`)."""

    _cache = {}

    def __new__(cls, vocab):
        # One table per vocab (built in a few ms, reused by every packer).
        key = (vocab.sha256, vocab.size)
        if key not in cls._cache:
            self = super().__new__(cls)
            size = vocab.size
            # One extra entry (index `size`) for ids outside the vocab.
            self.continues = np.zeros([size + 1], bool)
            self.continues[:size] = [t.startswith("##") for t in vocab.tokens]
            self.ends = np.zeros([size + 1], bool)
            for token in SENTENCE_END_TOKENS:
                if token in vocab.token_to_id:
                    self.ends[vocab.token_to_id[token]] = True
            cls._cache[key] = self
        return cls._cache[key]

    def cut_tables(self, token_ids):
        """For each position `p` in `[0, len]`, the last cut `<= p` after a
        sentence end and the last cut `<= p` at a word start (-1: none)."""
        size = len(self.ends) - 1
        ids = np.asarray(token_ids, np.int64)
        ids = np.where((ids >= 0) & (ids < size), ids, size)
        positions = np.arange(len(ids) + 1, dtype=np.int64)
        after_end = np.zeros([len(ids) + 1], bool)
        after_end[1:] = self.ends[ids]
        word_start = np.ones([len(ids) + 1], bool)
        word_start[:-1] = ~self.continues[ids]
        last_end = np.maximum.accumulate(np.where(after_end, positions, -1))
        last_word = np.maximum.accumulate(np.where(word_start, positions, -1))
        return last_end, last_word

    def best_cut(self, token_ids, limit):
        """Where to cut `token_ids` to keep at most `limit` tokens before it."""
        if limit <= 0:
            return 0
        last_end, last_word = self.cut_tables(token_ids[: limit + 1])
        return _best(last_end, last_word, limit // 2, limit)


def _best(last_end, last_word, low, high):
    """The preferred cut in `(low, high]`: sentence end, word start, `high`."""
    if last_end[high] > low:
        return int(last_end[high])
    if last_word[high] > low:
        return int(last_word[high])
    return high


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
            yield from packer.end_document()
        else:
            yield from packer.add_sentence(item)
    yield from packer.end_document()


def tokenize_lines(stream, tokenizer, batch_size=512):
    """Tokenizes a stream of lines in batches, keeping `DOC_END` markers.

    Every line is tokenized once, however long (tensorflow-text takes a
    batch of lines per call); the packer splits long ones.

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


def _locate(sentences, position):
    """`(index, offset)` of the token at `position` of the concatenation."""
    start = 0
    for index, sentence in enumerate(sentences):
        if position < start + len(sentence):
            return index, position - start
        start += len(sentence)
    raise IndexError(position)


def _concat(sentences):
    if not sentences:
        return np.zeros([0], np.int32)
    return np.concatenate(sentences)
