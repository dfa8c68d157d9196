import unicodedata

import pytest
import tensorflow as tf

import keras_electra.data as kd
from keras_electra import TextNormalization


def _normalize(text):
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c)[0] != "C")


def test_round_trip_gives_back_the_text_modulo_case_and_accents(tokenizer, vocab, corpus_lines):
    lines = corpus_lines[:1000] + ["Café Müller — naïve ÉCOLE façade"]
    ids = tokenizer.tokenize(lines)
    texts = tokenizer.detokenize(ids).numpy()
    checked = 0
    for line, row, text in zip(lines, ids.to_list(), texts):
        if vocab.unk_id in row:
            continue
        assert _normalize(text.decode("utf-8")) == _normalize(line)
        checked += 1
    assert checked >= 950


def test_matches_the_reference_hf_bert_wordpiece(tokenizer, corpus_lines):
    tokenizers = pytest.importorskip("tokenizers")
    hf = tokenizers.BertWordPieceTokenizer(str(kd.DEFAULT_VOCAB), lowercase=True, strip_accents=True)
    lines = corpus_lines[:1000]
    ours = tokenizer.tokenize(lines).to_list()
    theirs = [e.ids for e in hf.encode_batch(lines, add_special_tokens=False)]
    same = sum(a == b for a, b in zip(ours, theirs))
    assert same >= 995, f"only {same}/1000 lines tokenize as HF BertWordPiece"


def test_lower_case_and_accent_stripping_are_switchable(vocab):
    text = ["Café Hello"]
    default = kd.WordPieceTokenizer(vocab).tokenize(text).to_list()[0]
    assert default == [vocab.token_to_id["cafe"], vocab.token_to_id["hello"]]
    keep_case = kd.WordPieceTokenizer(vocab, TextNormalization(lower_case=False, strip_accents=True))
    assert keep_case.tokenize(text).to_list()[0] == [vocab.unk_id, vocab.unk_id]
    keep_accents = kd.WordPieceTokenizer(vocab, TextNormalization(lower_case=True, strip_accents=False))
    ids = keep_accents.tokenize(text).to_list()[0]
    assert ids[-1] == vocab.token_to_id["hello"] and ids[0] != vocab.token_to_id["cafe"]


def test_scalar_input_gives_a_dense_vector(tokenizer, vocab):
    ids = tokenizer.tokenize("hello world")
    assert isinstance(ids, tf.Tensor) and ids.shape.rank == 1
    assert tokenizer.detokenize(ids).numpy() == b"hello world"


def test_tokenizer_graph_has_no_lookup_tables(tokenizer):
    graph = tokenizer.tokenize_flat.get_concrete_function().graph
    op_types = {op.type for op in graph.get_operations()}
    assert not any("Table" in t or "Lookup" in t for t in op_types), op_types
    assert any(t.startswith("FastWordpiece") for t in op_types), op_types
