"""Reading SQuAD JSON v1.1/v2.0 and the by-article split of the sample."""

import json

import pytest

from keras_electra.qa.squad import as_squad_json
from keras_electra.qa.squad import load_squad
from keras_electra.qa.squad import split_by_article


def test_the_sample_has_the_documented_questions(sample, sample_path):
    assert len(sample) == 192
    assert sum(e.is_impossible for e in sample) == 48
    assert len(load_squad(sample_path, "1.1")) == 144
    first = sample[0]
    assert first.qid == "fx0001"
    assert [a.text for a in first.answers] == ["Henrike Fenner", "Fenner"]
    assert all(first.context[a.start:a.end] == a.text for a in first.answers)
    assert all(not e.answers for e in sample if e.is_impossible)


def test_the_shared_sample_has_the_documented_questions(shared_data):
    """Optional: the full SQuAD 2.0 dev sample of `../shared/data`."""
    sample = load_squad(shared_data / "squad" / "dev-v2.0-sample.json")
    assert (len(sample), sum(e.is_impossible for e in sample)) == (1407, 702)
    train, evaluation = split_by_article(sample)
    assert (len(train), len(evaluation)) == (1160, 247)
    assert {e.title for e in evaluation} == {"Victoria_(Australia)"}


def test_split_keeps_articles_whole_and_is_deterministic(sample):
    train, evaluation = split_by_article(sample)
    assert (len(train), len(evaluation)) == (144, 48)
    assert {e.title for e in evaluation} == {"Fenwick", "Ostrava_Ridge"}
    assert not {e.title for e in train} & {e.title for e in evaluation}
    assert split_by_article(list(sample)) == (train, evaluation)


def test_written_splits_read_back_unchanged(sample, tmp_path):
    path = tmp_path / "part.json"
    path.write_text(json.dumps(as_squad_json(sample[:50])))
    assert load_squad(path) == sample[:50]


def _write(tmp_path, qa, context="Rollo was a Viking."):
    document = {"version": "v2.0", "data": [
        {"title": "T", "paragraphs": [{"context": context, "qas": [qa]}]}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("qa, problem", [
    ({"id": "q1", "question": "Who?", "answers": [{"text": "Rollo", "answer_start": 3}]},
     "not at answer_start 3"),
    ({"id": "q1", "question": "Who?", "answers": []}, "no answer"),
    ({"id": "q1", "question": "Who?", "is_impossible": True,
      "answers": [{"text": "Rollo", "answer_start": 0}]}, "is_impossible but has"),
    ({"id": "q1", "question": "Who?", "answers": [{"text": "Rollo"}]}, "answer_start"),
    ({"id": "q1", "answers": []}, "no 'question'"),
    ({"question": "Who?", "answers": []}, "has no 'id'"),
])
def test_bad_questions_raise_value_error_naming_file_and_question(tmp_path, qa, problem):
    path = _write(tmp_path, qa)
    with pytest.raises(ValueError, match=problem) as error:
        load_squad(path)
    assert str(path) in str(error.value)
    if "id" in qa:
        assert "'q1'" in str(error.value)


def test_files_that_are_not_squad_raise_value_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_squad(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="not JSON"):
        load_squad(broken)
    broken.write_text(json.dumps({"version": "1.1"}))
    with pytest.raises(ValueError, match="no 'data' list"):
        load_squad(broken)


def test_duplicate_question_ids_are_rejected(tmp_path):
    qa = {"id": "q1", "question": "Who?", "answers": [{"text": "Rollo", "answer_start": 0}]}
    document = {"data": [{"title": "T", "paragraphs": [
        {"context": "Rollo was a Viking.", "qas": [qa, qa]}]}]}
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="'q1' appears twice"):
        load_squad(path)
