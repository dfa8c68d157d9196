"""The CoNLL reader: CoNLL-2000-format files and bad input."""

import pytest

from keras_electra.tagging.conll import read_conll


def test_conll2000_format_fixture_reads_completely(conll2000):
    train = read_conll(conll2000 / "train.txt")
    test = read_conll(conll2000 / "test.txt")
    assert (len(train), len(test)) == (240, 60)
    assert (train.num_words, test.num_words) == (2422, 618)
    assert train.words[0][:4] == ["the", "builds", "works", "that"]
    assert train.tags[0][:4] == ["B-NP", "I-NP", "B-VP", "B-NP"]


def test_conll2000_files_hold_the_documented_sentences(shared_data):
    """Optional: the full CoNLL-2000 files of `../shared/data`."""
    train = read_conll(shared_data / "conll2000" / "train.txt")
    test = read_conll(shared_data / "conll2000" / "test.txt")
    assert (len(train), len(test)) == (8936, 2012)
    assert (train.num_words, test.num_words) == (211727, 47377)
    assert train.words[0][:4] == ["Confidence", "in", "the", "pound"]
    assert train.tags[0][:4] == ["B-NP", "B-PP", "B-NP", "I-NP"]


def test_word_is_the_first_column_and_label_the_last(tmp_path):
    path = tmp_path / "ner.txt"
    path.write_text(
        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\n"
        "-DOCSTART- -X- -X- O\nPeter NNP B-NP B-PER\r\n"
    )
    sentences = read_conll(path)
    assert sentences.words == [["EU", "rejects"], ["Peter"]]
    assert sentences.tags == [["B-ORG", "O"], ["B-PER"]]


def test_max_sentences_stops_early(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("a B-NP\n\nb B-NP\n\nc B-NP\n")
    assert read_conll(path, max_sentences=2).words == [["a"], ["b"]]


def test_a_line_with_one_column_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("He B-NP\nreckons B-VP\n\nlonely\n")
    with pytest.raises(ValueError, match=rf"^{path}:4: .*one column 'lonely'"):
        read_conll(path)


def test_a_label_that_is_not_a_span_tag_names_its_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("He PRP B-NP\nreckons VBZ VP\n")
    with pytest.raises(ValueError, match=rf"^{path}:2: label 'VP'"):
        read_conll(path)


def test_a_file_without_sentences_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("-DOCSTART- -X- O\n\n\n")
    with pytest.raises(ValueError, match="no sentences"):
        read_conll(path)


def test_non_utf8_bytes_name_their_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"a B-NP\n\ncaf\xe9 B-NP\n")
    with pytest.raises(ValueError, match=rf"^{path}:3: not UTF-8"):
        read_conll(path)


def test_a_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        read_conll(tmp_path / "missing.txt")
