"""The exported tagger, loaded in a fresh TensorFlow process: the same tags
as the Keras model, words with code point offsets, and defined outputs for
every input string."""

from tagging_serve_helper import LONG_TEXT

from keras_electra.export import disallowed_ops
from keras_electra.export import read_metadata


def _rows(outputs, key):
    counts = outputs["num_words"]["value"]
    return [row[:count] for row, count in zip(outputs[key]["value"], counts)]


def test_saved_model_gives_the_keras_models_tags(trained):
    served = trained.served["parity"]
    assert _rows(served, "tags") == trained.record["parity_tags"]
    assert [" ".join(words) for words in _rows(served, "words")] == trained.record[
        "parity_texts"
    ]


def test_outputs_are_padded_to_the_longest_text(trained):
    mixed = trained.served["mixed"]
    counts = mixed["num_words"]["value"]
    assert counts == [0, 0, 6, 3]
    for key in ("words", "start", "end", "tags", "tag_ids"):
        assert mixed[key]["shape"] == [4, 6]
    assert mixed["tags"]["value"][0] == [""] * 6
    assert mixed["start"]["value"][0] == [-1] * 6
    assert mixed["tag_ids"]["value"][3][3:] == [-1] * 3
    labels = set(trained.record["label_names"])
    assert all(tag in labels for row in _rows(mixed, "tags") for tag in row)


def test_offsets_are_code_points_of_the_text(trained):
    mixed = trained.served["mixed"]
    text = "Ünïcödé naïve café — 東京 😀🚀"
    words = _rows(mixed, "words")[2]
    starts, ends = _rows(mixed, "start")[2], _rows(mixed, "end")[2]
    assert words == text.split()
    assert [text[s:e] for s, e in zip(starts, ends)] == words


def test_invalid_utf8_is_replaced_not_fatal(trained):
    mixed = trained.served["mixed"]
    assert _rows(mixed, "words")[3] == ["caf\ufffd", "\ufffd\ufffd", "broken"]
    assert _rows(mixed, "start")[3] == [0, 5, 8]
    assert _rows(mixed, "end")[3] == [4, 7, 14]


def test_a_100000_character_text_is_windowed_not_truncated(trained):
    long = trained.served["long"]
    assert long["num_words"]["value"] == [20000, 3]
    assert long["words"]["shape"] == [2, 20000]
    assert long["end"]["value"][0][-1] == len(LONG_TEXT.rstrip())
    assert all(long["tags"]["value"][0])  # Every word tagged.
    assert _rows(long, "words")[1] == ["He", "reckons", "."]


def test_blank_texts_and_an_empty_batch_give_empty_outputs(trained):
    blank = trained.served["all_blank"]
    assert blank["num_words"]["value"] == [0, 0]
    assert blank["tags"]["shape"] == [2, 0]
    none = trained.served["no_texts"]
    assert none["num_words"]["shape"] == [0]
    assert none["tags"]["shape"] == [0, 0]


def test_export_records_its_settings_and_uses_only_servable_ops(trained):
    metadata = read_metadata(trained.version_dir)
    assert metadata["kind"] == "tagger"
    assert metadata["label_names"] == trained.record["label_names"]
    assert (metadata["tag_scheme"], metadata["word_split"]) == ("bio", "whitespace")
    assert metadata["sequence_length"] == 64 and metadata["version"] == 1
    assert disallowed_ops(trained.version_dir) == []
