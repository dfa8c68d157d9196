import itertools

import numpy as np

import keras_electra.data as kd

SEQ_LEN = 128


def _sentence(doc, index, length):
    """A sentence whose every id encodes (document, sentence index)."""
    return np.full([length], 1000 + doc * 1500 + index, np.int32)


def _decode(token_id):
    return divmod(int(token_id) - 1000, 1500)


def _random_documents(rng, num_docs):
    return [
        [_sentence(d, k, int(rng.integers(1, 60))) for k in range(int(rng.integers(1, 200)))]
        for d in range(num_docs)
    ]


def _pack(documents, vocab, seed=0, sequence_length=SEQ_LEN):
    stream = itertools.chain.from_iterable(doc + [kd.DOC_END] for doc in documents)
    stats = kd.CorpusStats()
    packer = kd.DocumentPacker(sequence_length, vocab, seed=seed, stats=stats)
    return list(kd.pack_sentences(stream, packer)), stats


def _segments(example, vocab):
    token_ids, segment_ids, padding_mask = example
    length = int(padding_mask.sum())
    seps = np.flatnonzero(token_ids[:length] == vocab.sep_id).tolist()
    return token_ids, segment_ids, length, seps


def test_no_example_crosses_documents_and_b_continues_a(vocab):
    documents = _random_documents(np.random.default_rng(0), 12)
    examples, stats = _pack(documents, vocab)
    last_sentence = {}
    for example in examples:
        token_ids, _, length, _ = _segments(example, vocab)
        words = [_decode(t) for t in token_ids[:length] if t not in (vocab.cls_id, vocab.sep_id)]
        docs = {d for d, _ in words}
        assert len(docs) == 1, f"example spans documents {docs}"
        sentences = [k for k, _ in itertools.groupby(k for _, k in words)]
        # A then B: consecutive sentences of the document, in order.
        assert sentences == list(range(sentences[0], sentences[0] + len(sentences)))
        doc = docs.pop()
        assert sentences[0] > last_sentence.get(doc, -1)
        last_sentence[doc] = sentences[-1]
    assert stats.documents == 12
    assert stats.tokens_read == sum(len(s) for d in documents for s in d)
    assert stats.tokens_read == stats.tokens_used + stats.tokens_truncated


def test_lengths_and_segment_ids_match_the_seps(corpus_examples, vocab):
    token_ids = corpus_examples["token_ids"]
    assert token_ids.shape[1] == SEQ_LEN
    for example in zip(token_ids, corpus_examples["segment_ids"], corpus_examples["padding_mask"]):
        ids, segment_ids, length, seps = _segments(example, vocab)
        assert ids[0] == vocab.cls_id and seps[-1] == length - 1 and len(seps) in (1, 2)
        assert np.all(example[2][:length] == 1) and np.all(example[2][length:] == 0)
        assert np.all(ids[length:] == vocab.pad_id)
        expected = np.zeros(SEQ_LEN, np.int32)
        if len(seps) == 2:
            expected[seps[0] + 1 : length] = 1
            assert seps[1] > seps[0] + 1  # Segment B is never empty.
        np.testing.assert_array_equal(segment_ids, expected)


def test_one_segment_and_random_length_rates_follow_the_original(vocab):
    document = [_sentence(0, k % 1500, 10) for k in range(30_000)]
    examples, stats = _pack([document], vocab, seed=1)
    one_segment = np.mean([len(_segments(e, vocab)[3]) == 1 for e in examples])
    short = np.mean([e[2].sum() < SEQ_LEN for e in examples])
    assert len(examples) > 2000
    assert 0.075 < one_segment < 0.125, one_segment
    assert 0.03 < short < 0.065, short


def test_first_segment_targets_half_of_the_example(vocab):
    document = [_sentence(0, k % 1500, 10) for k in range(5_000)]
    examples, _ = _pack([document], vocab, seed=2)
    first_lengths = [
        _segments(e, vocab)[3][0] - 1 for e in examples
        if len(_segments(e, vocab)[3]) == 2 and e[2].sum() == SEQ_LEN
    ]
    # (128 - 3) // 2 = 62: A holds 60 or 70 tokens of 10-token sentences.
    assert set(first_lengths) <= {60, 70} and len(set(first_lengths)) == 2


def test_short_document_is_kept_whole(vocab):
    word = vocab.token_to_id["hello"]
    examples, stats = _pack([[np.array([word], np.int32)]], vocab)
    assert len(examples) == 1 and stats.tokens_truncated == 0
    assert examples[0][0][:4].tolist() == [vocab.cls_id, word, vocab.sep_id, vocab.pad_id]


def test_a_document_packs_the_same_wherever_it_starts(vocab):
    documents = _random_documents(np.random.default_rng(1), 3)
    together, _ = _pack(documents, vocab, seed=4)
    alone, _ = _pack(documents[2:], vocab, seed=4)
    tail = together[-len(alone):]
    for a, b in zip(alone, tail):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    other_seed, _ = _pack(documents[2:], vocab, seed=5)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(alone, other_seed))


def test_packing_streams_an_endless_corpus(tokenizer):
    endless = itertools.cycle(["The quick brown fox jumps over the lazy dog.", kd.DOC_END])
    packer = kd.DocumentPacker(SEQ_LEN, tokenizer.vocab, seed=0)
    examples = kd.pack_sentences(kd.tokenize_lines(endless, tokenizer), packer)
    first = list(itertools.islice(examples, 50))
    assert len(first) == 50


def test_text_pipeline_counts_every_token_it_reads(small_corpus, tokenizer):
    stats = kd.CorpusStats()
    source = kd.TextFiles(small_corpus)
    examples = list(kd.packed_examples(source, tokenizer, SEQ_LEN, 0, stats))
    lines = [l for l in small_corpus.read_text(encoding="utf-8").splitlines() if l.strip()]
    assert stats.lines == len(lines) and stats.documents == 38
    assert stats.tokens_read == int(tokenizer.tokenize(lines).flat_values.shape[0])
    used = sum(int(e[2].sum()) - len(_segments(e, tokenizer.vocab)[3]) - 1 for e in examples)
    assert used == stats.tokens_used == stats.tokens_read - stats.tokens_truncated
    assert stats.examples == len(examples)
