"""`ElectraQuestionAnswerer`: questions and contexts in, answer text out."""

import math
import re

import keras
import numpy as np
import pytest

from keras_electra.data.vocab import DEFAULT_VOCAB
from keras_electra.models import ElectraEncoder
from keras_electra.qa import evaluation
from keras_electra.qa.squad import SquadExample
from keras_electra.tasks import ElectraQuestionAnswerer
from keras_electra.tasks import ElectraQuestionAnswererPreprocessor
from keras_electra.tasks import ElectraTokenizer

LONG_CONTEXT = " ".join(f"Town {i} lies on river {i % 9}." for i in range(60))


def _answerer(answerability=False, sequence_length=128, doc_stride=64):
    keras.utils.set_random_seed(0)
    backbone = ElectraEncoder(
        vocabulary_size=30522, num_layers=2, hidden_dim=64, num_heads=2,
        intermediate_dim=128, max_sequence_length=128,
    )
    preprocessor = ElectraQuestionAnswererPreprocessor(
        ElectraTokenizer(DEFAULT_VOCAB), sequence_length=sequence_length,
        doc_stride=doc_stride, max_query_length=32,
    )
    return ElectraQuestionAnswerer(
        backbone, preprocessor=preprocessor, answerability=answerability
    )


def _pairs(examples):
    return [e.question for e in examples], [e.context for e in examples]


def _first_sentences(examples):
    return {e.qid: re.split(r"(?<=[.!?])\s", e.context, maxsplit=1)[0] for e in examples}


@pytest.mark.multi_backend
def test_fit_on_question_context_and_answer_text_then_answer_from_the_context(
    sample_split, tmp_path
):
    train = [e for e in sample_split[0] if not e.is_impossible][:100]
    answerer = _answerer()
    answerer.compile(learning_rate=2e-3)
    answerer.fit(_pairs(train), [e.answers[0].text for e in train],
                 batch_size=16, epochs=3, verbose=0)

    scores = answerer.evaluate_answers(train)
    baseline = evaluation.evaluate(train, _first_sentences(train), "1.1")
    # Measured: F1 25.0, EM 19.0 (TensorFlow); on these questions the first
    # sentence scores F1 0.0 and the whole context 6.3.
    assert scores["f1"] > baseline["f1"] + 5, (scores, baseline)
    answers = answerer.predict_answers(_pairs(train[:16]))
    for example, answer in zip(train, answers):
        assert example.context[answer["start"]:answer["end"]] == answer["answer"]

    answerer.save_to_preset(tmp_path / "preset")
    loaded = ElectraQuestionAnswerer.from_preset(tmp_path / "preset")
    reloaded = loaded.predict_answers(_pairs(train[:16]))
    assert [a["answer"] for a in reloaded] == [a["answer"] for a in answers]
    np.testing.assert_allclose(
        [a["score"] for a in reloaded], [a["score"] for a in answers], rtol=1e-5
    )


def test_squad_2_examples_train_the_no_answer_head_and_report_both_parts(sample_split):
    train = sample_split[0][:120]
    answerer = _answerer(answerability=True)
    answerer.compile(learning_rate=2e-3)
    answerer.fit(train, batch_size=16, epochs=2, verbose=0)
    scores = answerer.evaluate_answers(train)
    assert {"HasAns_f1", "NoAns_f1", "best_f1", "best_f1_thresh"} <= set(scores)
    assert scores["total"] == 120
    [empty] = answerer.predict_answers((["Who ruled?"], [""]))
    assert empty["answer"] == "" and empty["start"] == -1 and empty["no_answer_score"] == np.inf


def test_a_long_context_becomes_windows_and_the_schedule_counts_them():
    answerer = _answerer(sequence_length=64, doc_stride=16)
    questions = ["Which river is town 50 on?", "Where is town 3?"]
    contexts = [LONG_CONTEXT, "Town 3 lies on river 3."]
    features = answerer.preprocessor.featurize(
        [SquadExample(str(i), "", q, c, ()) for i, (q, c) in enumerate(zip(questions, contexts))]
    )
    windows = answerer.preprocessor((questions, contexts), None)
    assert len(features) > 10
    for key, value in windows.items():  # The map over strings = featurize.
        np.testing.assert_array_equal(np.asarray(value), features.inputs[key])

    answerer.compile(learning_rate=1e-3)
    answerer.fit((questions, contexts), ["river 5", "river 3"], batch_size=4, epochs=2,
                 verbose=0)
    schedule = answerer.optimizer.get_config()["learning_rate"]["config"]
    assert schedule["total_steps"] == 2 * math.ceil(len(features) / 4)
    assert int(answerer.optimizer.iterations) == schedule["total_steps"]
    [answer] = answerer.predict_answers((questions[:1], contexts[:1]))
    assert LONG_CONTEXT[answer["start"]:answer["end"]] == answer["answer"]


def test_answers_are_checked_against_their_context():
    answerer = _answerer()
    pairs = (["Who?", "Where?"], ["Ann ran.", "In Rome."])
    with pytest.raises(ValueError, match=r"row 1: the answer 'Paris' is not in its context"):
        answerer.fit(pairs, ["Ann", "Paris"], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"row 0: the answer 'Ann' is not at answer_start 2"):
        answerer.fit(pairs, [{"text": "Ann", "answer_start": 2}, ""], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="2 questions but 1 answers"):
        answerer.fit(pairs, ["Ann"], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="x must be \\(questions, contexts\\)"):
        answerer.predict_answers(["Who?"])
    assert answerer.predict_answers(([], [])) == []


def test_answers_given_as_squad_dicts_or_several_golds_label_the_first():
    answerer = _answerer()
    context = "Rollo was a Viking. Rollo ruled Normandy."
    [by_text, by_dict, several, none] = answerer.batches(
        (["Who?"] * 4, [context] * 4),
        ["Rollo", {"text": "Rollo", "answer_start": 20},
         [{"text": "Normandy", "answer_start": 32}, "Viking"], ""],
        batch_size=1, shuffle=False,
    )
    starts = [int(batch[1]["start_logits"][0]) for batch in (by_text, by_dict, several, none)]
    # [CLS] who ? [SEP] roll(4) ##o was a viking . roll(10) ##o ruled normandy(13)
    assert starts == [4, 10, 13, 0]


def test_from_preset_on_a_run_answers_with_its_discriminator(pretraining_run):
    with pytest.warns(UserWarning, match="no context yet"):
        answerer = ElectraQuestionAnswerer.from_preset(
            pretraining_run, answerability=True, sequence_length=64, doc_stride=16,
            max_query_length=16,
        )
    saved = keras.models.load_model(
        pretraining_run / "electra_discriminator.keras", compile=False
    )
    for ours, theirs in zip(answerer.backbone.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    settings = answerer.preprocessor.get_config()
    assert (settings["sequence_length"], settings["doc_stride"],
            settings["max_query_length"]) == (64, 16, 16)
    [answer] = answerer.predict_answers((["Who?"], ["Ann ran home."]))
    assert set(answer) == {"answer", "start", "end", "score", "no_answer_score"}


def test_the_docs_answerer_example_runs(pretraining_run, sample_path, sample_split, tmp_path):
    from doc_examples import python_example

    example = python_example("docs/finetuning.md", "ElectraQuestionAnswerer.from_preset", [
        ('"runs/electra_small"', repr(str(pretraining_run))),
        # The run's length, and a question short enough for it.
        ("sequence_length=384", "sequence_length=64, max_query_length=16"),
        ('load_squad("dev-v2.0.json")', f"load_squad({str(sample_path)!r})[:20]"),
        ('"presets/squad2"', repr(str(tmp_path / "squad2"))),
        ("epochs=2", "epochs=1"),
    ])
    train = sample_split[0][:24]
    namespace = {
        "questions": [e.question for e in train], "contexts": [e.context for e in train],
        "answer_texts": [e.answers[0].text if e.answers else "" for e in train],
        "paragraph": train[0].context,
    }
    with pytest.warns(UserWarning, match="no context yet"):
        exec("import keras_electra\n" + example, namespace)
    assert (tmp_path / "squad2" / "task.json").is_file()
    [answer] = namespace["answerer"].predict_answers((["Who?"], [train[0].context]))
    assert set(answer) == {"answer", "start", "end", "score", "no_answer_score"}
