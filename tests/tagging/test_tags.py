"""Span tags: conversions, span extraction as the CoNLL scorer reads
sequences, and span-level precision/recall/F1."""

import pytest

from keras_electra.tagging import tags


def test_bio_spans_end_at_o_b_and_type_changes():
    sequence = ["B-NP", "I-NP", "O", "B-VP", "I-VP", "I-VP", "B-PP", "B-NP"]
    assert tags.spans(sequence) == [
        ("NP", 0, 2), ("VP", 3, 6), ("PP", 6, 7), ("NP", 7, 8)
    ]


def test_inside_tag_after_o_starts_a_span():
    assert tags.spans(["O", "I-NP", "I-NP", "O"]) == [("NP", 1, 3)]
    assert tags.spans(["I-NP"]) == [("NP", 0, 1)]


def test_inside_tag_of_another_type_starts_a_new_span():
    assert tags.spans(["B-NP", "I-VP", "I-VP"]) == [("NP", 0, 1), ("VP", 1, 3)]


def test_adjacent_begin_tags_are_separate_spans():
    assert tags.spans(["B-NP", "B-NP", "I-NP"]) == [("NP", 0, 1), ("NP", 1, 3)]


def test_all_outside_and_empty_sequences_have_no_spans():
    assert tags.spans(["O", "O", "O"]) == []
    assert tags.spans([]) == []


def test_bioes_spans_close_after_end_and_single_tags():
    sequence = ["S-NP", "B-VP", "I-VP", "E-VP", "I-VP", "E-NP", "S-NP", "E-PP"]
    assert tags.spans(sequence) == [
        ("NP", 0, 1), ("VP", 1, 4), ("VP", 4, 5), ("NP", 5, 6), ("NP", 6, 7),
        ("PP", 7, 8),
    ]


def test_bio_and_bioes_conversions_keep_the_spans():
    bio = ["B-NP", "I-NP", "I-NP", "B-VP", "O", "B-PP", "B-NP", "I-NP"]
    bioes = tags.to_bioes(bio)
    assert bioes == ["B-NP", "I-NP", "E-NP", "S-VP", "O", "S-PP", "B-NP", "E-NP"]
    assert tags.to_bio(bioes) == bio
    assert tags.spans(bioes) == tags.spans(bio)


def test_to_bio_repairs_a_span_that_starts_with_inside():
    assert tags.to_bio(["O", "I-NP", "I-NP", "I-VP"]) == ["O", "B-NP", "I-NP", "B-VP"]


def test_label_names_list_every_prefix_of_every_type():
    assert tags.label_names([["B-VP", "O"], ["I-NP"]]) == [
        "O", "B-NP", "I-NP", "B-VP", "I-VP"
    ]
    assert tags.label_names([["S-NP"]], "bioes") == ["O", "B-NP", "I-NP", "E-NP", "S-NP"]


@pytest.mark.parametrize("bad", ["NP", "X-NP", "B-", "b-NP", ""])
def test_malformed_tags_are_rejected(bad):
    with pytest.raises(ValueError, match="span tag"):
        tags.spans(["O", bad])


def test_span_scores_count_exact_matches_only():
    gold = [["B-NP", "I-NP", "O", "B-VP"], ["B-PP", "B-NP"]]
    predicted = [["B-NP", "O", "O", "B-VP"], ["B-PP", "B-NP"]]
    scores = tags.span_scores(gold, predicted)
    # Gold: NP(0,2) VP PP NP; predicted: NP(0,1) VP PP NP -> 3 of 4 right.
    assert (scores["gold_spans"], scores["predicted_spans"], scores["correct_spans"]) == (4, 4, 3)
    assert scores["precision"] == pytest.approx(0.75)
    assert scores["recall"] == pytest.approx(0.75)
    assert scores["f1"] == pytest.approx(0.75)
    assert scores["per_type"]["NP"]["f1"] == pytest.approx(0.5)
    assert scores["per_type"]["VP"]["f1"] == 1.0


def test_span_scores_are_micro_averaged_over_spans():
    # NP: 2 gold, 1 predicted correct; VP: 1 gold, 2 predicted, 1 correct.
    gold = [["B-NP", "B-NP", "B-VP", "O"]]
    predicted = [["B-NP", "O", "B-VP", "B-VP"]]
    scores = tags.span_scores(gold, predicted)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["per_type"]["NP"]["recall"] == pytest.approx(0.5)
    assert scores["per_type"]["VP"]["precision"] == pytest.approx(0.5)


def test_empty_predictions_score_zero_and_all_outside_gold_scores_zero():
    no_spans = tags.span_scores([["B-NP", "I-NP"]], [["O", "O"]])
    assert (no_spans["precision"], no_spans["recall"], no_spans["f1"]) == (0.0, 0.0, 0.0)
    assert tags.span_scores([["O"]], [["B-NP"]])["f1"] == 0.0
    assert tags.span_scores([], [])["f1"] == 0.0


def test_a_bioes_prediction_scores_against_bio_gold():
    gold = [["B-NP", "I-NP", "B-VP"]]
    assert tags.span_scores(gold, [tags.to_bioes(gold[0])])["f1"] == 1.0


def test_span_scores_reject_sequences_of_different_lengths():
    with pytest.raises(ValueError, match="sequence 0"):
        tags.span_scores([["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="2 gold sequences"):
        tags.span_scores([["O"], ["O"]], [["O"]])
