"""Question + context windows for extractive QA, with character offsets.

`QAFeaturizer.windows` is the one windowing rule, in TensorFlow ops, used
both to build training and evaluation features (`build_features`) and
inside exported SavedModels:

* the question is tokenized and cut to `max_query_length` WordPieces;
* the context is tokenized with tensorflow-text's `tokenize_with_offsets`,
  which gives every WordPiece the byte span `[start, end)` of the original
  (UTF-8) context it came from;
* each window is `[CLS] question [SEP] context[s : s + n] [SEP] [PAD]...`
  with `n = sequence_length - 3 - question tokens` and window starts
  `s = 0, stride, 2 * stride, ...` (`stride = min(doc_stride, n)`) until a
  window reaches the end of the context (one window for a short or empty
  context); segment id 1 marks the context and its [SEP];
* `token_to_context` gives, per window position, the index of its context
  WordPiece (-1 elsewhere), which maps predicted token spans back to
  character spans of the original context.

Invalid UTF-8 is replaced by U+FFFD first (`clean_text`); offsets refer to
that text, which equals the input for valid UTF-8.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from keras_electra.data.tokenizer import cached_tokenizer
from keras_electra.data.vocab import as_vocab


def clean_text(text):
    """Strings with invalid UTF-8 sequences replaced by U+FFFD."""
    return tf.strings.unicode_transcode(
        tf.convert_to_tensor(text, tf.string), "UTF-8", "UTF-8",
        errors="replace", replacement_char=0xFFFD,
    )


class QAFeaturizer(tf.Module):
    """Tokenizes (question, context) pairs into model windows with offsets.

    Args:
        vocab: `Vocab`, path or None (the shipped uncased vocab).
        sequence_length: int. Window length, [CLS]/[SEP] included.
        doc_stride: int. Tokens between the starts of consecutive windows.
        max_query_length: int. Question WordPieces kept.
        normalization: `TextNormalization` or None (uncased default). Must
            lower-case and strip accents together or do neither: only then
            does tensorflow-text report offsets into the original text.
        max_windows: int or None. At most this many windows per context
            (the context beyond them is not read); None for no limit.

    Example:
    ```python
    featurizer = QAFeaturizer(sequence_length=32, doc_stride=8)
    windows = featurizer.windows(tf.constant("Who?"), tf.constant("Ann ran."))
    windows["token_ids"].shape  # (1, 32)
    ```
    """

    def __init__(self, vocab=None, sequence_length=384, doc_stride=128,
                 max_query_length=64, normalization=None, max_windows=None):
        super().__init__(name="qa_featurizer")
        for name, value in (("sequence_length", sequence_length),
                            ("doc_stride", doc_stride),
                            ("max_query_length", max_query_length)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if sequence_length < max_query_length + 4:
            raise ValueError(
                f"sequence_length={sequence_length} leaves no context token after "
                f"a {max_query_length}-token question and 3 special tokens "
                f"(needs at least max_query_length + 4 = {max_query_length + 4})"
            )
        if max_windows is not None and (not isinstance(max_windows, int) or max_windows < 1):
            raise ValueError(f"max_windows must be a positive integer or None, got {max_windows!r}")
        self.vocab = as_vocab(vocab)
        # Shared per vocab and normalization: building one takes seconds.
        self.tokenizer = cached_tokenizer(self.vocab, normalization)
        if not self.tokenizer.has_exact_offsets:
            raise ValueError(
                "question answering needs lower_case == strip_accents (both on for "
                "an uncased vocab, both off for a cased one): character offsets "
                "are only exact then"
            )
        self.sequence_length = sequence_length
        self.doc_stride = doc_stride
        self.max_query_length = max_query_length
        self.max_windows = max_windows

    @property
    def normalization(self):
        return self.tokenizer.normalization

    def settings(self):
        """The windowing settings, for records and metadata."""
        return {
            "sequence_length": self.sequence_length,
            "doc_stride": self.doc_stride,
            "max_query_length": self.max_query_length,
            "max_windows": self.max_windows,
        }

    def tokenize_with_offsets(self, text):
        """WordPiece ids of one string and their byte spans in it.

        Returns:
            `(ids int32 [n], starts int64 [n], ends int64 [n])`.
        """
        ids, starts, ends = self.tokenizer.tokenize_with_offsets(
            tf.reshape(text, [1])
        )
        return ids[0], starts[0], ends[0]

    def context_offsets(self, texts):
        """Character spans of the WordPieces of many (valid UTF-8) texts.

        One batched tokenizer call, for analyses over a whole dataset.

        Args:
            texts: list of str.

        Returns:
            A list of `(char_starts, char_ends)` int64 numpy arrays.
        """
        if not texts:
            return []
        _, starts, ends = self.tokenizer.tokenize_with_offsets(
            tf.constant(list(texts)))
        return [char_offsets(text, s.numpy(), e.numpy())
                for text, s, e in zip(texts, starts, ends)]

    @tf.function(input_signature=[tf.TensorSpec([], tf.string),
                                  tf.TensorSpec([], tf.string)])
    def windows(self, question, context):
        """The windows of one question about one (clean) context.

        Args:
            question: scalar string.
            context: scalar string, valid UTF-8 (see `clean_text`).

        Returns:
            A dict: `token_ids`, `segment_ids`, `padding_mask` and
            `token_to_context` int32 `[windows, sequence_length]`;
            `context_starts` and `context_ends` int64 `[context tokens]`
            (byte offsets of each context WordPiece); `window_starts` int32
            `[windows]`.
        """
        length = self.sequence_length
        question_ids = self.tokenizer.tokenize(question)[: self.max_query_length]
        context_ids, starts, ends = self.tokenize_with_offsets(context)
        num_question = tf.size(question_ids, tf.int32)
        num_context = tf.size(context_ids, tf.int32)
        budget = length - 3 - num_question
        stride = tf.minimum(self.doc_stride, budget)
        extra = tf.maximum(num_context - budget, 0)
        num_windows = 1 + (extra + stride - 1) // stride
        if self.max_windows is not None:
            num_windows = tf.minimum(num_windows, self.max_windows)
        window_starts = tf.range(num_windows, dtype=tf.int32) * stride
        window_lengths = tf.maximum(tf.minimum(budget, num_context - window_starts), 0)

        position = tf.range(length, dtype=tf.int32)[tf.newaxis, :]
        offset = num_question + 2  # Position of the first context token.
        relative = position - offset
        in_context = (relative >= 0) & (relative < window_lengths[:, tf.newaxis])
        context_index = tf.where(in_context, window_starts[:, tf.newaxis] + relative, -1)
        # One padding id at the end keeps gathers valid for empty segments.
        context_padded = tf.concat([context_ids, [0]], 0)
        question_padded = tf.concat([question_ids, [0]], 0)
        tokens = tf.where(
            in_context,
            tf.gather(context_padded, tf.where(in_context, context_index, num_context)),
            0,
        )
        in_question = (position >= 1) & (position <= num_question)
        question_index = tf.clip_by_value(position - 1, 0, num_question)
        tokens = tf.where(in_question, tf.gather(question_padded, question_index), tokens)
        last = offset + window_lengths[:, tf.newaxis]  # The closing [SEP].
        tokens = tf.where(position == 0, self.vocab.cls_id, tokens)
        tokens = tf.where((position == num_question + 1) | (position == last),
                          self.vocab.sep_id, tokens)
        real = position <= last
        tokens = tf.where(real, tokens, self.vocab.pad_id)
        segment = (position >= offset) & real
        return {
            "token_ids": tf.ensure_shape(tf.cast(tokens, tf.int32), [None, length]),
            "segment_ids": tf.ensure_shape(tf.cast(segment, tf.int32), [None, length]),
            "padding_mask": tf.ensure_shape(tf.cast(real, tf.int32), [None, length]),
            "token_to_context": tf.ensure_shape(context_index, [None, length]),
            "context_starts": starts,
            "context_ends": ends,
            "window_starts": window_starts,
        }


def max_context_mask(token_to_context, num_context):
    """Whether each window position is its context token's best window.

    A context token seen by several windows counts in the one(s) where it
    has the most context: the largest `100 * min(tokens left, tokens right
    of it in the window) + window length` (an integer, so ties are exact).

    Args:
        token_to_context: int `[windows, length]`, -1 off the context.
        num_context: int. Context tokens.

    Returns:
        bool `[windows, length]`.
    """
    index = np.asarray(token_to_context)
    valid = index >= 0
    lengths = valid.sum(axis=1, keepdims=True)
    relative = np.cumsum(valid, axis=1) - 1
    score = np.where(valid, 100 * np.minimum(relative, lengths - 1 - relative) + lengths, -1)
    best = np.full(max(num_context, 1), -1, dtype=np.int64)
    np.maximum.at(best, index[valid], score[valid])
    return valid & (score == best[np.maximum(index, 0)])


@dataclasses.dataclass
class QAFeatures:
    """Windows of a list of examples, with training labels.

    Arrays have one row per window: `inputs` (dict of int32
    `[windows, sequence_length]`), `start_positions`, `end_positions` (0,
    the [CLS] position, when the answer is not in the window or there is
    none), `is_impossible` (the question's, float32), `example_index`,
    `token_to_context`, and `max_context` (bool, see `max_context_mask`).
    Per example: `char_starts`/`char_ends` (character span of each context
    WordPiece) and `contexts` (the clean context strings).
    `unrecoverable` lists the ids of answerable questions whose gold answer
    covers no WordPiece (left out of training labels).
    """

    examples: list
    inputs: dict
    start_positions: np.ndarray
    end_positions: np.ndarray
    is_impossible: np.ndarray
    example_index: np.ndarray
    token_to_context: np.ndarray
    max_context: np.ndarray
    char_starts: list
    char_ends: list
    contexts: list
    unrecoverable: list

    def __len__(self):
        return len(self.example_index)

    def labels(self, answerability):
        """The `y` of `ElectraSpanPredictor.fit`."""
        labels = {"start_logits": self.start_positions, "end_logits": self.end_positions}
        if answerability:
            labels["no_answer_logit"] = self.is_impossible
        return labels

    def select(self, rows):
        """A copy with the given window rows (examples data shared)."""
        rows = np.asarray(rows)
        return dataclasses.replace(
            self,
            inputs={k: v[rows] for k, v in self.inputs.items()},
            start_positions=self.start_positions[rows],
            end_positions=self.end_positions[rows],
            is_impossible=self.is_impossible[rows],
            example_index=self.example_index[rows],
            token_to_context=self.token_to_context[rows],
            max_context=self.max_context[rows],
        )


def char_offsets(text, byte_starts, byte_ends):
    """Character offsets of byte offsets into `text`'s UTF-8 encoding."""
    sizes = np.fromiter((len(ch.encode("utf-8")) for ch in text), np.int64, len(text))
    char_byte_starts = np.concatenate([[0], np.cumsum(sizes)])
    starts = np.searchsorted(char_byte_starts, np.asarray(byte_starts), side="right") - 1
    ends = np.searchsorted(char_byte_starts, np.asarray(byte_ends), side="left")
    return starts.astype(np.int64), ends.astype(np.int64)


def answer_token_span(char_starts, char_ends, answer):
    """First and last context WordPiece overlapping `answer`'s characters,
    or None when it covers none."""
    overlap = np.nonzero((char_starts < answer.end) & (char_ends > answer.start))[0]
    if not len(overlap):
        return None
    return int(overlap[0]), int(overlap[-1])


def build_features(examples, featurizer):
    """Windows and labels of `examples` (see `QAFeatures`).

    The first gold answer of an answerable question is its training label;
    a question without answers (to predict) gets the [CLS] label.
    """
    rows = {k: [] for k in ("token_ids", "segment_ids", "padding_mask")}
    starts, ends, impossible, owner, to_context, max_context = [], [], [], [], [], []
    char_starts, char_ends, contexts, unrecoverable = [], [], [], []
    for index, example in enumerate(examples):
        context = clean_text(example.context).numpy().decode("utf-8")
        windows = {
            k: v.numpy() for k, v in featurizer.windows(
                tf.constant(example.question), tf.constant(context)
            ).items()
        }
        c_starts, c_ends = char_offsets(
            context, windows["context_starts"], windows["context_ends"]
        )
        char_starts.append(c_starts)
        char_ends.append(c_ends)
        contexts.append(context)
        span = None
        if example.answers and not example.is_impossible:
            span = answer_token_span(c_starts, c_ends, example.answers[0])
            if span is None:
                unrecoverable.append(example.qid)
        index_map = windows["token_to_context"]
        for w in range(len(index_map)):
            start = end = 0
            if span is not None:
                inside = np.nonzero(index_map[w] >= 0)[0]
                first, last = index_map[w][inside[[0, -1]]] if len(inside) else (1, 0)
                if first <= span[0] and span[1] <= last:
                    start = int(inside[0] + span[0] - first)
                    end = int(inside[0] + span[1] - first)
            starts.append(start)
            ends.append(end)
        for key in rows:
            rows[key].append(windows[key])
        impossible += [float(example.is_impossible)] * len(index_map)
        owner += [index] * len(index_map)
        to_context.append(index_map)
        max_context.append(max_context_mask(index_map, len(c_starts)))
    length = featurizer.sequence_length
    stack = lambda parts, dtype: (  # noqa: E731
        np.concatenate(parts).astype(dtype) if parts else np.zeros((0, length), dtype)
    )
    return QAFeatures(
        examples=list(examples),
        inputs={k: stack(v, np.int32) for k, v in rows.items()},
        start_positions=np.asarray(starts, np.int32),
        end_positions=np.asarray(ends, np.int32),
        is_impossible=np.asarray(impossible, np.float32),
        example_index=np.asarray(owner, np.int32),
        token_to_context=stack(to_context, np.int32),
        max_context=stack(max_context, bool),
        char_starts=char_starts,
        char_ends=char_ends,
        contexts=contexts,
        unrecoverable=unrecoverable,
    )
