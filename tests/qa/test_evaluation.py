"""EM/F1 as the official SQuAD 1.1 and 2.0 evaluation scripts define them."""

import pytest

from keras_electra.qa.evaluation import best_threshold
from keras_electra.qa.evaluation import evaluate
from keras_electra.qa.evaluation import f1
from keras_electra.qa.evaluation import normalize_answer
from keras_electra.qa.squad import Answer
from keras_electra.qa.squad import SquadExample


def example(qid, *answers, impossible=False):
    context = " ".join(answers) or "nothing here"
    found, spans = 0, []
    for text in answers:
        start = context.index(text, found)
        spans.append(Answer(text, start))
    return SquadExample(qid, "t", "q?", context, tuple(spans), impossible)


@pytest.mark.parametrize("text, expected", [
    ("The Normans", "normans"),
    ("an apple a day", "apple day"),
    ("Theory of the mind", "theory of mind"),  # Only whole words.
    ("anthem, athens.", "anthem athens"),
    ("  Hello,\tWorld!!  ", "hello world"),
    ("U.S.A.", "usa"),
    ("10-year-old", "10yearold"),
    ("", ""),
    ("The", ""),
    ("“quoted”", "“quoted”"),  # Only ASCII punctuation is removed.
])
def test_normalization_lowercases_drops_punctuation_articles_and_spaces(text, expected):
    assert normalize_answer(text) == expected


def test_exact_match_and_f1_take_the_best_gold_answer():
    ex = example("q", "Denmark", "the kingdom of Denmark")
    scores = evaluate([ex], {"q": "kingdom of Denmark"}, "1.1")
    assert scores["exact"] == 100.0
    scores = evaluate([ex], {"q": "Denmark and Norway"}, "1.1")
    assert scores["exact"] == 0.0
    # vs "Denmark": precision 1/3, recall 1 -> F1 0.5.
    assert scores["f1"] == pytest.approx(50.0)


def test_f1_counts_repeated_words_as_a_bag():
    assert f1("a b b c", "b b b") == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3))
    assert f1("paris paris", "paris") == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_articles_punctuation_and_whitespace_do_not_break_exact_match():
    ex = example("q", "Rollo")
    assert evaluate([ex], {"q": "  the Rollo. "}, "1.1")["exact"] == 100.0


def test_empty_prediction_scores_zero_on_an_answerable_question():
    ex = example("q", "Rollo")
    for version in ("1.1", "2.0"):
        scores = evaluate([ex], {"q": ""}, version)
        assert scores["exact"] == 0.0 and scores["f1"] == 0.0


def test_v1_f1_of_two_empty_bags_is_zero_but_v2_counts_it_right():
    # A gold answer that normalizes to nothing ("The") vs a prediction "a".
    assert f1("a", "The", version="1.1") == 0.0
    assert f1("a", "The", version="2.0") == 1.0


def test_unanswerable_gold_is_the_empty_string_in_v2():
    ex = example("q", impossible=True)
    right = evaluate([ex], {"q": ""}, "2.0")
    wrong = evaluate([ex], {"q": "Rollo"}, "2.0")
    assert right["exact"] == right["f1"] == 100.0
    assert wrong["exact"] == wrong["f1"] == 0.0
    assert right["NoAns_total"] == 1 and "HasAns_total" not in right


def test_v2_reports_answerable_and_unanswerable_questions_apart():
    examples = [example("a", "Rollo"), example("b", "Paris"),
                example("c", impossible=True), example("d", impossible=True)]
    predictions = {"a": "Rollo", "b": "London", "c": "", "d": "something"}
    scores = evaluate(examples, predictions, "2.0")
    assert scores["exact"] == 50.0 and scores["total"] == 4
    assert scores["HasAns_exact"] == 50.0 and scores["HasAns_total"] == 2
    assert scores["NoAns_exact"] == 50.0 and scores["NoAns_total"] == 2


def test_a_missing_prediction_is_an_error_naming_the_question():
    with pytest.raises(ValueError, match="'b'"):
        evaluate([example("a", "x"), example("b", "y")], {"a": "x"}, "2.0")


def test_best_threshold_answers_only_below_it():
    examples = [example("a", "Rollo"), example("b", "Paris"),
                example("c", impossible=True), example("d", impossible=True)]
    predictions = {"a": "Rollo", "b": "Paris", "c": "x", "d": "y"}
    # a and b are confident answers, c and d are not: answering a and b
    # only (threshold = b's score 0.2) makes every question right.
    no_answer = {"a": 0.1, "b": 0.2, "c": 0.9, "d": 0.5}
    scores = evaluate(examples, predictions, "2.0", no_answer_scores=no_answer)
    assert scores["best_exact"] == 100.0 and scores["best_exact_thresh"] == 0.2
    assert scores["best_f1"] == 100.0 and scores["best_f1_thresh"] == 0.2
    assert scores["exact"] == 50.0  # Without a threshold: everything answered.
    thresholded = evaluate(examples, predictions, "2.0", no_answer_scores=no_answer,
                           no_answer_threshold=0.2)
    assert thresholded["exact"] == 100.0


def test_best_threshold_of_all_empty_is_reported_as_zero():
    examples = [example("a", "Rollo"), example("c", impossible=True)]
    predictions = {"a": "wrong", "c": "x"}
    exact = {"a": 0, "c": 0}
    assert best_threshold(examples, predictions, exact, {"a": 0.3, "c": 0.7}) == (50.0, 0.0)


def test_best_threshold_keeps_the_first_best_prefix():
    examples = [example("a", "Rollo"), example("c", impossible=True),
                example("b", "Paris")]
    predictions = {"a": "Rollo", "c": "", "b": "Paris"}
    scores = {"a": 1, "c": 1, "b": 1}
    # Answering c changes nothing (its prediction is empty): the best total
    # is reached at b, the last question, with threshold 3.0.
    assert best_threshold(examples, predictions, scores, {"a": 1.0, "c": 2.0, "b": 3.0}) \
        == (100.0, 3.0)
