import hashlib

import pytest

import keras_electra.data as kd

# The sha256 of Google's released ELECTRA / BERT-uncased `vocab.txt`.
GOOGLE_UNCASED_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"


def test_default_vocab_is_googles_uncased_vocab():
    shipped = hashlib.sha256(kd.DEFAULT_VOCAB.read_bytes()).hexdigest()
    assert shipped == GOOGLE_UNCASED_VOCAB_SHA256
    vocab = kd.load_vocab()
    assert vocab.size == 30522
    ids = (vocab.pad_id, vocab.unk_id, vocab.cls_id, vocab.sep_id, vocab.mask_id)
    assert ids == (0, 100, 101, 102, 103)
    assert vocab.tokens[vocab.token_to_id["hello"]] == "hello"


def test_default_vocab_equals_the_shared_copy(shared_data):
    """Optional: the shipped vocab is byte for byte `../shared/data`'s."""
    shared = shared_data / "vocab" / "uncased_vocab.txt"
    assert kd.DEFAULT_VOCAB.read_bytes() == shared.read_bytes()


def test_special_token_ids_are_looked_up_not_assumed(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("hello\n[MASK]\n[SEP]\n[CLS]\n[UNK]\n[PAD]\n", encoding="utf-8")
    vocab = kd.load_vocab(path)
    assert (vocab.mask_id, vocab.sep_id, vocab.cls_id, vocab.unk_id, vocab.pad_id) == (1, 2, 3, 4, 5)
    assert set(vocab.unmaskable_ids) == {5, 3, 2, 1}


def test_missing_vocab_file_names_the_path(tmp_path):
    with pytest.raises(kd.DataError, match="vocab file '.*nope.txt' does not exist"):
        kd.load_vocab(tmp_path / "nope.txt")


def test_missing_special_tokens_are_named(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("[PAD]\n[UNK]\n[CLS]\nhello\n", encoding="utf-8")
    with pytest.raises(kd.DataError, match=r"'.*v.txt' lacks the special token\(s\) \[SEP\] \[MASK\]"):
        kd.load_vocab(path)


def test_duplicate_token_is_rejected_with_both_lines(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nhello\n", encoding="utf-8")
    with pytest.raises(kd.DataError, match="line 7 repeats token 'hello' of line 6"):
        kd.load_vocab(path)


def test_empty_line_is_rejected(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("[PAD]\n\n[UNK]\n", encoding="utf-8")
    with pytest.raises(kd.DataError, match="v.txt' line 2 is empty"):
        kd.load_vocab(path)


def test_vocab_size_must_match_the_model_config():
    with pytest.raises(kd.DataError, match="has 30522 tokens but the model config expects vocabulary_size=1000"):
        kd.load_vocab(vocabulary_size=1000)
    assert kd.load_vocab(vocabulary_size=30522).size == 30522
