import logging

import pytest

import keras_electra.data as kd


def test_empty_corpus_is_refused_naming_the_path(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("")
    with pytest.raises(kd.DataError, match=r"corpus '.*x.txt' has no text \(empty or only blank lines\)"):
        kd.pretraining_dataset(path, sequence_length=64, batch_size=8)


def test_blank_lines_only_corpus_is_refused_naming_the_path(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("\n   \n\t\n\n")
    with pytest.raises(kd.DataError, match=r"corpus '.*blank.txt' has no text"):
        kd.TextFiles([path])


def test_missing_file_and_unmatched_glob_are_named(tmp_path):
    with pytest.raises(kd.DataError, match=r"corpus file '.*missing.txt' does not exist"):
        kd.pretraining_dataset(tmp_path / "missing.txt", sequence_length=64, batch_size=8)
    with pytest.raises(kd.DataError, match=r"corpus pattern '.*\*.txt' matches no files"):
        kd.TextFiles(str(tmp_path / "*.txt"))


def test_missing_vocab_file_is_named(small_corpus, tmp_path):
    with pytest.raises(kd.DataError, match=r"vocab file '.*nope.txt' does not exist"):
        kd.pretraining_dataset(small_corpus, vocab=tmp_path / "nope.txt", sequence_length=64, batch_size=8)


def test_invalid_utf8_is_replaced_and_counted(tmp_path, tokenizer):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 cr\xe8me and more words here.\n".encode("latin-1") + b"plain line\n")
    stats = kd.CorpusStats()
    examples = list(kd.packed_examples(kd.TextFiles(path), tokenizer, 32, 0, stats))
    assert stats.invalid_utf8_lines == 1 and stats.invalid_utf8_bytes == 2
    assert len(examples) == 1 and stats.lines == 2
    text = tokenizer.detokenize(examples[0][0][examples[0][2] > 0]).numpy().decode()
    assert "more words here" in text and "plain line" in text


def test_a_multi_megabyte_line_is_reported_and_split_without_loss(tmp_path, tokenizer, caplog):
    path = tmp_path / "one_line.txt"
    with open(path, "w") as f:
        f.write("word " * (1 << 19) + "\n\nA second short document.\n")
    stats = kd.CorpusStats()
    with caplog.at_level(logging.WARNING, logger="keras_electra.data"):
        examples = list(kd.packed_examples(kd.TextFiles(path), tokenizer, 128, 0, stats))
    assert f"'{path}' line 1 is 2621441 bytes long" in caplog.text
    assert stats.long_lines == [f"{path}:1"] and stats.lines_split == 1
    assert stats.tokens_read == (1 << 19) + 5 and stats.tokens_truncated == 0
    assert stats.tokens_used == stats.tokens_read
    assert len(examples) >= (1 << 19) // 125 and int(examples[-1][2].sum()) == 7


def test_document_shorter_than_a_sentence_is_kept(tmp_path, tokenizer):
    path = tmp_path / "short.txt"
    path.write_text("A long enough first document with a few words.\n\nHi\n\nAnd a third one.\n")
    stats = kd.CorpusStats()
    examples = list(kd.packed_examples(kd.TextFiles(path), tokenizer, 64, 0, stats))
    vocab = tokenizer.vocab
    assert stats.documents == 3 and len(examples) == 3 and stats.tokens_truncated == 0
    assert examples[1][0][:4].tolist() == [vocab.cls_id, vocab.token_to_id["hi"], vocab.sep_id, vocab.pad_id]


def test_prepared_data_with_another_sequence_length_is_refused(tmp_path, small_corpus):
    out = tmp_path / "prepared"
    kd.prepare_pretraining_data([small_corpus], out, sequence_length=64)
    with pytest.raises(kd.DataError, match=r"prepared dataset '.*prepared' has sequence_length=64, not 128"):
        kd.pretraining_dataset(out, sequence_length=128, batch_size=8)
