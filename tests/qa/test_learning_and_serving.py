"""A tiny QA model learns from random init; its SavedModel, loaded in a
fresh process, answers as the Keras model + post-processing do; the recipe
runs end to end.

The recipe's subprocess starts first and runs while the model trains here
(the slow parts overlap on two cores).
"""

import json
import pathlib
import math
import re
import subprocess
import sys
import time

import keras
import pytest

from keras_electra.finetune.loading import load_encoder
from keras_electra.qa import evaluation
from keras_electra.qa import postprocess
from keras_electra.qa.export import export_question_answerer
from keras_electra.qa.features import build_features
from keras_electra.qa.training import QAConfig
from keras_electra.qa.training import model_outputs
from keras_electra.qa.training import finetune_qa

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]

TRAIN_QUESTIONS = 100
CONFIG = QAConfig(version="1.1", sequence_length=128, doc_stride=64, max_query_length=32,
                  epochs=3, batch_size=16, learning_rate=2e-3)
SERVED_QUESTIONS = 24
LONG_CONTEXT = "word " * 20000  # 100,000 characters.


def first_sentence(text):
    return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]


@pytest.fixture(scope="module")
def recipe(sample_split, tmp_path_factory):
    """`recipes/finetune_squad.py` on tiny SQuAD 2.0 files, two seeds,
    with an export; started in the background, `wait()` for it."""
    from qa_recipe_run import start_recipe

    return start_recipe(sample_split, tmp_path_factory.mktemp("qa_recipe"))


@pytest.fixture(scope="module")
def trained(recipe, sample_split):
    """The tiny model fine-tuned from random init on the first answerable
    questions of the sample's train split (SQuAD 1.1 style)."""
    train = [e for e in sample_split[0] if not e.is_impossible][:TRAIN_QUESTIONS]
    keras.utils.set_random_seed(0)
    encoder = load_encoder("random", "tiny").encoder
    start = time.time()
    model, result = finetune_qa(train, train, encoder, config=CONFIG, seed=0)
    result["seconds"] = time.time() - start
    return train, model, result


def test_a_tiny_model_from_random_init_beats_trivial_baselines(trained):
    train, _, result = trained
    scores = result["scores"]
    baselines = {
        "first sentence": {e.qid: first_sentence(e.context) for e in train},
        "first three words": {e.qid: " ".join(e.context.split()[:3]) for e in train},
    }
    for name, guesses in baselines.items():
        baseline = evaluation.evaluate(train, guesses, "1.1")
        print(f"{name}: {baseline}; model: {scores} in {result['seconds']:.0f}s")
        assert scores["f1"] > baseline["f1"] + 5, name
        assert scores["exact"] > baseline["exact"] + 2, name
    assert result["steps"] == CONFIG.epochs * math.ceil(result["train_windows"] / 16)


@pytest.fixture(scope="module")
def served(trained, sample_split, tmp_path_factory):
    """Keras predictions on held-out questions and edge inputs, and the
    same requests answered by the export loaded in a fresh process."""
    _, model, _ = trained
    root = tmp_path_factory.mktemp("qa_export")
    config = CONFIG.resolved(model.encoder)
    path = export_question_answerer(
        model, root / "squad", sequence_length=config.sequence_length,
        doc_stride=config.doc_stride, max_query_length=config.max_query_length,
        max_answer_length=config.max_answer_length, n_best=config.n_best,
    )
    questions = sample_split[1][:SERVED_QUESTIONS]
    edge = [
        ("", ""), ("What?", ""), ("What?", "   \t\n  "), ("", "Rollo was a Viking."),
        ("Who?", LONG_CONTEXT), ("Which city? 😀", "Ünïcödé naïve café — 東京 😀🚀"),
        ("Who?", {"hex": b"caf\xc3 \xff\xfe Rollo ran".hex()}),
        ({"hex": b"\xff\xfe?".hex()}, "Rollo ran."),
    ]
    requests = {
        "questions": [{"question": e.question, "context": e.context} for e in questions],
        "edge": [{"question": q, "context": c} for q, c in edge],
        "empty": [],
    }
    (root / "requests.json").write_text(json.dumps(requests))
    process = subprocess.Popen(
        [sys.executable, str(HERE / "qa_serve_helper.py"), str(path),
         str(root / "requests.json"), str(root / "served.json")],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )
    # The Keras side runs while the fresh process loads the export.
    features = build_features(questions, config.featurizer(None))
    expected = postprocess.predict_answers(
        features, model_outputs(model, features), config.n_best,
        config.max_answer_length, "1.1")
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    return {
        "path": path,
        "questions": questions,
        "expected": expected,
        "served": json.loads((root / "served.json").read_text()),
    }


def test_saved_model_answers_as_the_keras_model_and_postprocessing(served):
    got = served["served"]["questions"]
    for i, example in enumerate(served["questions"]):
        want = served["expected"][example.qid]
        assert got["answer"][i] == want.text, example.qid
        assert (got["start"][i], got["end"][i]) == (want.start, want.end)
        assert got["score"][i] == pytest.approx(want.score, abs=1e-3)
        if want.text:
            assert example.context[want.start:want.end] == want.text


def test_edge_inputs_get_defined_answers(served):
    edge = served["served"]["edge"]
    assert len(edge["answer"]) == 8
    # No context token: no answer, offsets -1.
    for row in (0, 1, 2):
        assert edge["answer"][row] == "" and edge["start"][row] == edge["end"][row] == -1
        assert edge["score"][row] == -math.inf
    # Otherwise a span of the (U+FFFD-cleaned) context at its offsets.
    contexts = {3: "Rollo was a Viking.", 4: LONG_CONTEXT,
                5: "Ünïcödé naïve café — 東京 😀🚀", 6: "caf\ufffd \ufffd\ufffd Rollo ran",
                7: "Rollo ran."}
    for row, context in contexts.items():
        start, end = edge["start"][row], edge["end"][row]
        assert 0 <= start < end <= len(context), row
        assert context[start:end] == edge["answer"][row], row
        assert math.isfinite(edge["score"][row])
    assert served["served"]["empty"]["answer"] == []


def test_answer_command_prints_answer_offsets_and_score(served, capsys):
    from keras_electra.__main__ import main

    example = served["questions"][0]
    want = served["expected"][example.qid]
    assert main(["answer", "--model", str(served["path"]), "--question",
                 example.question, "--context", example.context]) == 0
    out = capsys.readouterr().out
    assert f"answer: {want.text!r}" in out
    assert f"start: {want.start}\nend: {want.end}" in out
    assert "score: " in out


def test_answer_command_rejects_a_missing_model_before_loading_tensorflow(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; from keras_electra.__main__ import main; code = 0\n"
         "try:\n main(sys.argv[1:])\nexcept SystemExit as e:\n code = e.code\n"
         "assert 'tensorflow' not in sys.modules; sys.exit(code)",
         "answer", "--model", str(tmp_path / "none"), "--question", "q",
         "--context", "c"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr


def test_recipe_writes_median_results_logs_models_and_an_export(recipe):
    from qa_recipe_run import check_recipe_outputs

    check_recipe_outputs(recipe.wait())
