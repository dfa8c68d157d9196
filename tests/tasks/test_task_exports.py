"""Task presets export to the per-task SavedModels, which answer as the task."""

import json
import subprocess
import sys
from pathlib import Path

import keras
import pytest

from keras_electra.data.vocab import DEFAULT_VOCAB
from keras_electra.models import ElectraEncoder
from keras_electra.tasks import ElectraQuestionAnswerer
from keras_electra.tasks import ElectraQuestionAnswererPreprocessor
from keras_electra.tasks import ElectraTextClassifier
from keras_electra.tasks import ElectraTextClassifierPreprocessor
from keras_electra.tasks import ElectraTokenClassifier
from keras_electra.tasks import ElectraTokenClassifierPreprocessor
from keras_electra.tasks import ElectraTokenizer

REPO = Path(__file__).resolve().parents[2]
PAIRS = (["A man sings.", "Rain fell all day."], ["Someone sings.", "The sun shone."])


def _backbone(seed):
    keras.utils.set_random_seed(seed)
    return ElectraEncoder(
        vocabulary_size=30522, num_layers=1, hidden_dim=32, num_heads=2,
        intermediate_dim=64, max_sequence_length=64,
    )


def _cli(*args):
    """`python -m keras_electra ARGS` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "keras_electra", *map(str, args)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )


def test_a_pair_classifier_preset_exports_and_classifies_in_fresh_processes(tmp_path):
    tokenizer = ElectraTokenizer(DEFAULT_VOCAB, lower_case=False, strip_accents=False)
    classifier = ElectraTextClassifier(
        _backbone(1), 3,
        preprocessor=ElectraTextClassifierPreprocessor(tokenizer, sequence_length=24),
        label_names=["entailment", "neutral", "contradiction"],
    )
    classifier.save_to_preset(tmp_path / "preset")
    expected = classifier.predict_labels(PAIRS)

    exported = _cli("export", tmp_path / "preset", "--text-pair", "--name", "nli",
                    "--saved-models", tmp_path / "saved_models")
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert "(ElectraTextClassifier) ->" in exported.stdout
    metadata = json.loads(
        (tmp_path / "saved_models" / "nli" / "1" / "assets.extra" / "electra_export.json").read_text()
    )
    # The preprocessor's settings, not the export command's defaults.
    assert (metadata["sequence_length"], metadata["lower_case"]) == (24, False)

    classified = _cli("classify", *PAIRS[0], "--pair", *PAIRS[1],
                      "--model", tmp_path / "saved_models" / "nli")
    assert classified.returncode == 0, classified.stderr[-2000:]
    for want in expected:
        assert f"  {want['label']}  {want['score']:.3f}" in classified.stdout


def test_tagger_and_answerer_exports_answer_as_their_tasks(tmp_path, capsys):
    from keras_electra.__main__ import main
    from keras_electra.export import export_task

    tokenizer = ElectraTokenizer(DEFAULT_VOCAB)
    tagger = ElectraTokenClassifier(
        _backbone(2),
        preprocessor=ElectraTokenClassifierPreprocessor(tokenizer, sequence_length=16),
        label_names=["O", "B-NP", "I-NP"],
    )
    words = "He reckons the current account deficit will narrow to only 1.8 billion".split()
    path = export_task(tagger, tmp_path / "tagger")
    assert main(["tag", " ".join(words), "--model", str(path)]) == 0
    printed = capsys.readouterr().out.splitlines()
    tags = [line.split()[1] for line in printed if line.startswith("  ") and
            not line.startswith("  spans")]
    assert tags == tagger.predict_tags([words])[0]  # 12 words: two windows

    answerer = ElectraQuestionAnswerer(
        _backbone(3), answerability=False,
        preprocessor=ElectraQuestionAnswererPreprocessor(
            tokenizer, sequence_length=48, doc_stride=8, max_query_length=8),
    )
    context = " ".join(f"Town {i} lies on river {i % 5}." for i in range(12))
    path = export_task(answerer, tmp_path / "squad")
    assert main(["answer", "--model", str(path), "--question", "Which river?",
                 "--context", context]) == 0
    [want] = answerer.predict_answers((["Which river?"], [context]))
    out = capsys.readouterr().out
    assert f"answer: {want['answer']!r}" in out
    assert f"start: {want['start']}\nend: {want['end']}" in out


@pytest.mark.parametrize("args, message", [
    (["--sequence-length", "64"], "--sequence-length is fixed by the task preset"),
    (["--no-lower-case"], "--lower-case/--no-lower-case is fixed by the task preset"),
])
def test_settings_a_task_preset_fixes_are_refused_in_one_line(tmp_path, args, message):
    tokenizer = ElectraTokenizer(DEFAULT_VOCAB)
    ElectraTextClassifier(
        _backbone(4), 2,
        preprocessor=ElectraTextClassifierPreprocessor(tokenizer, sequence_length=16),
    ).save_to_preset(tmp_path / "preset")
    result = _cli("export", tmp_path / "preset", "--saved-models", tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_classify_checks_its_flags_before_loading_tensorflow(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; from keras_electra.__main__ import main; code = 0\n"
         "try:\n main(sys.argv[1:])\nexcept SystemExit as e:\n code = e.code\n"
         "assert 'tensorflow' not in sys.modules; sys.exit(code)",
         "classify", "a", "b", "--pair", "c", "--model", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().endswith("2 texts but 1 --pair texts")
