"""Lines longer than an example are split into pieces, not truncated."""

import hashlib
import itertools
import logging
import time

import numpy as np

import keras_electra.data as kd
from keras_electra.data.packing import split_long_sentence

SEQ_LEN = 128


def _digest(examples):
    h = hashlib.sha256()
    for example in examples:
        for array in example:
            h.update(np.asarray(array, np.int32).tobytes())
    return h.hexdigest()


def _pack(stream, vocab, sequence_length=SEQ_LEN, seed=0):
    stats = kd.CorpusStats()
    packer = kd.DocumentPacker(sequence_length, vocab, seed=seed, stats=stats)
    return list(kd.pack_sentences(stream, packer)), stats


def _content(examples, vocab):
    """The WordPieces of the examples, in order, without [CLS]/[SEP]/[PAD]."""
    special = (vocab.cls_id, vocab.sep_id)
    parts = [e[0][: int(e[2].sum())] for e in examples]
    flat = np.concatenate(parts)
    return flat[~np.isin(flat, special)]


def _fitting_documents(sequence_length, seed):
    """40 documents of random ids, every sentence at most `sequence_length - 3`
    tokens (empty ones too)."""
    rng = np.random.default_rng(seed)
    return [
        [
            rng.integers(1000, 30000, size=int(rng.integers(0, sequence_length - 2))).astype(np.int32)
            for _ in range(int(rng.integers(1, 120)))
        ]
        for _ in range(40)
    ]


# sha256 of the examples the packer before long-line splitting (git
# 66eb3e0, keras_electra/data/packing.py) made of the same input.
BEFORE = {
    128: (907, "e97028e04aea865b06c19603fc7958aa39f94012e0c6784c8bec54864d24f6c3"),
    64: (900, "e042214bc473906f0903058875b05f74b22236d66d3632c9fecbfe7db36b1621"),
    5: (510, "d6d08c002c4642a4eb8dae36812ceabcd2c00f88b45bab8c717cc9abecf822d7"),
}
BEFORE_BUNDLED_FITTING = (2231, "dc6d8a1b2d6bb9bbda20aca3573727188278f7db95c00593159aaa9b771eece6")


def test_lines_that_fit_pack_exactly_as_before(vocab):
    for sequence_length, (count, digest) in BEFORE.items():
        documents = _fitting_documents(sequence_length, sequence_length)
        stream = itertools.chain.from_iterable(d + [kd.DOC_END] for d in documents)
        examples, stats = _pack(stream, vocab, sequence_length, seed=7)
        assert (len(examples), _digest(examples)) == (count, digest), sequence_length
        assert stats.lines_split == 0


def test_bundled_corpus_lines_that_fit_pack_exactly_as_before(tokenizer):
    source = kd.TextFiles(kd.DEFAULT_CORPUS)
    items = kd.tokenize_lines(source.read(source.units()[0], kd.CorpusStats()), tokenizer)
    fitting = [i for i in items if i is kd.DOC_END or len(i) <= SEQ_LEN - 3]
    examples, _ = _pack(iter(fitting), tokenizer.vocab, seed=3)
    assert (len(examples), _digest(examples)) == BEFORE_BUNDLED_FITTING


def test_pieces_are_cut_after_sentence_ends_else_between_words(tokenizer):
    vocab = tokenizer.vocab
    text = " ".join(
        ["The ghost of Christmas past walked slowly through the unbelievably "
         "quiet house, and Scrooge followed him!"] * 40
    )
    ids = tokenizer.tokenize(text).numpy()
    pieces = split_long_sentence(ids, 62, vocab)
    np.testing.assert_array_equal(np.concatenate(pieces), ids)
    assert all(len(p) <= 62 for p in pieces)
    assert all(vocab.tokens[p[-1]] == "!" for p in pieces[:-1])
    # No sentence end in the back half of a window: cut between words.
    words = tokenizer.tokenize(" ".join(["unbelievably quiet"] * 100)).numpy()
    pieces = split_long_sentence(words, 20, vocab)
    np.testing.assert_array_equal(np.concatenate(pieces), words)
    assert all(len(p) <= 20 for p in pieces) and len(pieces) > 10
    assert not any(vocab.tokens[p[0]].startswith("##") for p in pieces)
    # One endless word: hard cuts at the maximum length.
    word = np.array([vocab.token_to_id["un"]] + [vocab.token_to_id["##ably"]] * 43, np.int32)
    assert [len(p) for p in split_long_sentence(word, 8, vocab)] == [8] * 5 + [4]


def test_long_lines_are_packed_whole_in_order(corpus_lines, tokenizer):
    vocab = tokenizer.vocab
    long_line = tokenizer.tokenize(" ".join(corpus_lines[:100])).numpy()
    short = tokenizer.tokenize("A short first sentence.").numpy()
    assert len(long_line) > 25 * SEQ_LEN
    stream = [long_line, kd.DOC_END, short, long_line, kd.DOC_END]
    examples, stats = _pack(iter(stream), vocab)
    np.testing.assert_array_equal(_content(examples, vocab), np.concatenate([long_line, short, long_line]))
    assert stats.tokens_truncated == 0 and stats.tokens_used == stats.tokens_read
    assert stats.lines_split == 2 and stats.documents == 2
    # The examples are full, and most have two segments, as for normal text.
    lengths = np.array([e[2].sum() for e in examples])
    assert np.mean(lengths >= SEQ_LEN - 8) > 0.8
    assert stats.one_segment_examples / stats.examples < 0.3


def test_normal_lines_after_a_long_line_keep_the_packing_rules(vocab):
    # A document packs the same wherever it starts, long lines included.
    rng = np.random.default_rng(5)
    documents = [
        [rng.integers(1000, 30000, size=int(n)).astype(np.int32) for n in rng.integers(1, 400, size=30)]
        for _ in range(3)
    ]
    stream = lambda docs: itertools.chain.from_iterable(d + [kd.DOC_END] for d in docs)
    together, _ = _pack(stream(documents), vocab, seed=4)
    alone, stats = _pack(stream(documents[2:]), vocab, seed=4)
    assert _digest(together[-len(alone):]) == _digest(alone)
    assert stats.lines_split > 0
    assert stats.tokens_read == stats.tokens_used + stats.tokens_truncated


class _CountingTokenizer:
    """The real tokenizer, counting its calls and the lines it tokenizes."""

    def __init__(self, tokenizer):
        self.tokenizer, self.vocab = tokenizer, tokenizer.vocab
        self.calls, self.lines = 0, 0

    def tokenize_flat(self, lines):
        self.calls += 1
        self.lines += len(lines)
        return self.tokenizer.tokenize_flat(lines)


def test_a_multi_megabyte_line_is_tokenized_once_and_split_quickly(tmp_path, corpus_lines, tokenizer):
    text = " ".join(corpus_lines * 3)  # 2.9 MB of real text on one line.
    path = tmp_path / "one_line.txt"
    path.write_text(text + "\n", encoding="utf-8")
    counting = _CountingTokenizer(tokenizer)
    stats = kd.CorpusStats()
    start = time.perf_counter()
    examples = list(kd.packed_examples(kd.TextFiles(path), counting, SEQ_LEN, 0, stats))
    seconds = time.perf_counter() - start
    assert counting.calls == 1 and counting.lines == 1
    assert stats.lines_split == 1 and stats.tokens_truncated == 0
    assert stats.tokens_used == stats.tokens_read > 500_000
    assert len(examples) >= stats.tokens_read // (SEQ_LEN - 3)
    assert seconds < 60, f"{len(text) / 1e6:.1f} MB line took {seconds:.1f}s"


def test_corpus_warning_is_logged_once_per_run(tmp_path, caplog):
    path = tmp_path / "three_lines.txt"
    path.write_bytes(b"Caf\xe9 au lait.\nA second line here.\nAnd a third one.\n")
    ds = kd.pretraining_dataset(
        path, sequence_length=32, batch_size=2, seed=0, repeat=True, shuffle_buffer_size=0,
    )
    with caplog.at_level(logging.INFO, logger="keras_electra.data"):
        batches = list(ds.take(200).as_numpy_iterator())  # 400 passes.
    assert len(batches) == 200
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "1 invalid UTF-8 bytes on 1 lines" in warnings[0].getMessage()
    summaries = [r for r in caplog.records if "(one pass)" in r.getMessage()]
    assert len(summaries) == 1
    assert "tokens: 15 read, 15 used (100.0%), 0 truncated" in summaries[0].getMessage()


def test_long_line_warning_is_logged_once_per_file_and_run(tmp_path, caplog):
    path = tmp_path / "long.txt"
    line = "word " * 220_000  # 1.1 MB.
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    ds = kd.packed_dataset(path, sequence_length=SEQ_LEN, seed=0).repeat(2)
    with caplog.at_level(logging.WARNING, logger="keras_electra.data"):
        count = sum(1 for _ in ds)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"corpus '{path}' line 1 is 1100001 bytes long; it is split into pieces of "
        "the sequence length, but a file without line breaks has no sentence or "
        "document boundaries. Put one sentence or paragraph per line and blank "
        "lines between documents. (Reported once per file; the summary counts "
        "all lines over 1 MB.)"
    ]
    assert count >= 2 * 440_000 // (SEQ_LEN - 3)
