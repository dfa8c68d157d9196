"""LiteRT and ONNX exports: every model kind converts, runs without
TensorFlow under ai-edge-litert and onnxruntime, and gives the SavedModel's
numbers; the pure-Python tokenizer gives the project tokenizer's ids; bad
requests are one-line errors that leave nothing behind."""

import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[1]
CLIENT = HERE / "portable_client.py"
SEQ_LEN = 24
TEXTS = ["The quick brown fox jumps over the lazy dog.", "naïve café, 東京!", ""]
SMALL = dict(vocabulary_size=30522, num_layers=2, hidden_dim=32, num_heads=2,
             intermediate_dim=64, max_sequence_length=64, dropout=0.0)
TRICKY = [
    "Héllo, world!", "naïve café — “quoted” 東京 ﬁ", "İstanbul ß Straße",
    "a\u200bb\u00adc", "x" * 120, "\tTabs and\x07ctrl", "ǅ Ǆ ﬃ ⅷ ²", "", "   ",
    "don't stop-believing... (1990)", "e\u0301 vs é",
]


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "keras_electra", "export", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """One SavedModel per kind (tiny random models, heads scaled off their
    initialisation) and the packed inputs every test feeds them."""
    import keras
    import tensorflow as tf

    import keras_electra
    from keras_electra.export import export_classifier
    from keras_electra.export import export_discriminator
    from keras_electra.models.electra_classifier import ElectraClassifier
    from keras_electra.models.electra_span_predictor import ElectraSpanPredictor
    from keras_electra.models.electra_token_tagger import ElectraTokenTagger
    from keras_electra.preprocessing import ElectraPreprocessor
    from keras_electra.qa.export import export_question_answerer
    from keras_electra.tagging.export import export_tagger

    root = tmp_path_factory.mktemp("portable")
    keras.utils.set_random_seed(3)
    config = keras_electra.ElectraConfig.from_preset("tiny", **SMALL)
    pretrainer = keras_electra.ElectraPretrainer(config, seed=0)
    for variable in pretrainer.trainable_variables:
        if "head" in variable.path:
            variable.assign(variable * 5.0)
    encoder = pretrainer.discriminator
    classifier = ElectraClassifier(encoder, num_classes=2, dropout=0.0,
                                   label_names=["negative", "positive"])
    tagger = ElectraTokenTagger(encoder, num_labels=3, dropout=0.0,
                                label_names=["O", "B-NP", "I-NP"])
    answerer = ElectraSpanPredictor(encoder, answerability=True)
    for model in (classifier, tagger, answerer):
        for variable in model.trainable_variables:
            if not variable.path.startswith(encoder.name):
                variable.assign(variable * 20.0)
    base = root / "saved_models"
    dirs = {
        "discriminator": export_discriminator(pretrainer, str(base / "electra"),
                                              sequence_length=SEQ_LEN),
        "classifier": export_classifier(classifier, str(base / "sst2"),
                                        sequence_length=SEQ_LEN),
        "tagger": export_tagger(tagger, str(base / "chunking"), sequence_length=SEQ_LEN),
        "question_answerer": export_question_answerer(
            answerer, str(base / "squad"), sequence_length=SEQ_LEN, doc_stride=8,
            max_query_length=8),
    }
    packed = ElectraPreprocessor(sequence_length=SEQ_LEN)(tf.constant(TEXTS),
                                                          tf.constant(TEXTS[::-1]))
    inputs = {k: np.asarray(v, np.int32) for k, v in packed.items()}
    np.savez(root / "inputs.npz", **inputs)
    import tensorflow_text  # noqa: F401

    expected = {}
    for kind, path in dirs.items():
        signature = tf.saved_model.load(path).signatures["predict_token_ids"]
        for key, value in signature(**{k: tf.constant(v) for k, v in inputs.items()}).items():
            expected[f"{kind}/{key}"] = value.numpy()
    return {"root": root, "dirs": dirs, "inputs": inputs, "expected": expected}


def _convert_all(saved_models, format, quantize="none", calibration=None):
    from keras_electra.export import export_portable

    out = {}
    for kind, path in saved_models["dirs"].items():
        target = saved_models["root"] / f"{kind}-{format}-{quantize}"
        if not target.exists():
            export_portable(path, str(target), format=format, quantize=quantize,
                            calibration_texts=calibration)
        out[kind] = target
    return out


def _run_clients(saved_models, directories):
    out = saved_models["root"] / f"client-{len(os.listdir(saved_models['root']))}.npz"
    result = subprocess.run(
        [sys.executable, str(CLIENT), str(saved_models["root"] / "inputs.npz"), str(out),
         *map(str, directories)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(np.load(out)), result.stdout


@pytest.mark.parametrize("format", ["litert", "onnx"])
def test_float_exports_equal_the_saved_model_without_tensorflow(saved_models, format):
    exported = _convert_all(saved_models, format)
    outputs, stdout = _run_clients(saved_models, exported.values())
    runtime = "ai_edge_litert" if format == "litert" else "onnxruntime"
    assert runtime in stdout
    for kind, directory in exported.items():
        name = directory.name
        keys = [k for k in saved_models["expected"] if k.startswith(kind + "/")]
        assert keys
        for key in keys:
            got = outputs[f"{name}/{key.split('/', 1)[1]}"]
            np.testing.assert_allclose(got, saved_models["expected"][key], atol=1e-4,
                                       err_msg=f"{format} {key}")
        assert "takes [batch, 24]" in str(outputs[f"{name}/too_long"])


def test_dynamic_int8_litert_is_under_30_percent_of_float_and_close(saved_models):
    float_dirs = _convert_all(saved_models, "litert")
    int8_dirs = _convert_all(saved_models, "litert", "dynamic-int8")
    outputs, _ = _run_clients(saved_models, [int8_dirs["discriminator"],
                                             int8_dirs["classifier"]])
    for kind in ("discriminator", "classifier"):
        ratio = (os.path.getsize(int8_dirs[kind] / "model.tflite")
                 / os.path.getsize(float_dirs[kind] / "model.tflite"))
        assert ratio <= 0.30, (kind, ratio)
    expected = saved_models["expected"]
    name = int8_dirs["discriminator"].name
    probabilities = expected["discriminator/replaced_probability"]
    assert np.abs(outputs[f"{name}/replaced_probability"] - probabilities).max() < 0.05
    assert probabilities.std() > 0.05  # The head is off its initialisation.
    name = int8_dirs["classifier"].name
    np.testing.assert_array_equal(outputs[f"{name}/label_id"],
                                  expected["classifier/label_id"])


def test_int8_litert_calibrates_on_texts_and_onnx_dynamic_int8_runs(saved_models):
    calibration = [line for line in (ROOT / "keras_electra/assets/corpus/gutenberg_small.txt")
                   .read_text(encoding="utf-8").splitlines() if line.strip()][:40]
    from keras_electra.export import export_portable

    int8 = saved_models["root"] / "classifier-int8"
    export_portable(saved_models["dirs"]["classifier"], str(int8), format="litert",
                    quantize="int8", calibration_texts=calibration)
    onnx8 = _convert_all(saved_models, "onnx", "dynamic-int8")["classifier"]
    onnx_float = _convert_all(saved_models, "onnx")["classifier"]
    outputs, _ = _run_clients(saved_models, [int8, onnx8])
    expected = saved_models["expected"]["classifier/probabilities"]
    for directory in (int8, onnx8):
        got = outputs[f"{directory.name}/probabilities"]
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() < 0.1, directory.name
    assert (os.path.getsize(onnx8 / "predict_token_ids.onnx")
            < 0.35 * os.path.getsize(onnx_float / "predict_token_ids.onnx"))


def test_exported_tokenizer_packs_like_the_saved_model(saved_models):
    exported = _convert_all(saved_models, "onnx")
    outputs, _ = _run_clients(saved_models, [exported["discriminator"],
                                             exported["question_answerer"]])
    import tensorflow as tf

    from keras_electra.preprocessing import ElectraPreprocessor

    packer = ElectraPreprocessor(sequence_length=SEQ_LEN)
    single = packer(tf.constant(TEXTS))["token_ids"].numpy()
    pair = packer(tf.constant(TEXTS), tf.constant(TEXTS[::-1]))["token_ids"].numpy()
    np.testing.assert_array_equal(
        outputs[f"{exported['discriminator'].name}/token_ids"], single)
    np.testing.assert_array_equal(
        outputs[f"{exported['question_answerer'].name}/token_ids"], pair)


@pytest.mark.parametrize("lower_case,strip_accents",
                         [(True, True), (False, False), (False, True)])
def test_reference_tokenizer_ids_equal_tensorflow_text_on_the_bundled_corpus(
        lower_case, strip_accents):
    from keras_electra import TextNormalization
    from keras_electra.data import WordPieceTokenizer
    from keras_electra.data.vocab import as_vocab
    from keras_electra.export.reference_tokenizer import ElectraTokenizer

    lines = (ROOT / "keras_electra/assets/corpus/gutenberg_small.txt").read_text(
        encoding="utf-8").splitlines() + TRICKY
    reference = ElectraTokenizer(list(as_vocab(None).tokens), 128, lower_case,
                                 strip_accents)
    tokenizer = WordPieceTokenizer(None, TextNormalization(lower_case, strip_accents))
    expected = tokenizer.tokenize(lines).to_list()
    differ = [line for line, ids in zip(lines, expected) if reference.tokenize(line) != ids]
    assert len(lines) > 5000
    assert differ == []


def test_reference_tokenizer_truncates_pairs_longest_first():
    import tensorflow as tf

    from keras_electra.data.vocab import as_vocab
    from keras_electra.export.reference_tokenizer import ElectraTokenizer
    from keras_electra.preprocessing import ElectraPreprocessor

    first = ["one two three four five six seven eight", "short", "", "a b c d e f g h i j"]
    second = ["alpha beta", "one two three four five six seven eight nine", "x", ""]
    reference = ElectraTokenizer(list(as_vocab(None).tokens), 9, text_pair=True)
    expected = ElectraPreprocessor(sequence_length=9)(tf.constant(first), tf.constant(second))
    got = reference(first, second)
    for key in ("token_ids", "segment_ids", "padding_mask"):
        np.testing.assert_array_equal(np.array(got[key]), expected[key].numpy(), key)


def test_cli_exports_a_saved_model_to_onnx_and_refuses_to_overwrite(saved_models, tmp_path):
    output = tmp_path / "sst2-onnx"
    result = _cli(saved_models["dirs"]["classifier"], "--format", "onnx",
                  "--output", str(output))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "predict_token_ids.onnx" in result.stdout
    assert sorted(os.listdir(output)) == [
        "electra_runner.py", "electra_tokenizer.py", "encode_token_ids.onnx",
        "export.json", "predict_token_ids.onnx", "tokenizer.json", "vocab.txt"]
    again = _cli(saved_models["dirs"]["classifier"], "--format", "onnx",
                 "--output", str(output))
    assert again.returncode == 2
    assert again.stderr.strip().count("\n") == 0
    assert "already exists" in again.stderr


@pytest.mark.parametrize("flags,message", [
    (["--format", "coreml"], "invalid choice: 'coreml'"),
    (["--format", "onnx", "--quantize", "float16"], "'float16' is not available for onnx"),
    (["--format", "litert", "--quantize", "int8"], "needs calibration texts"),
    (["--format", "litert", "--quantize", "int8", "--calibration", "missing.txt"],
     "--calibration file 'missing.txt' does not exist"),
    (["--format", "litert", "--calibration", "setup.cfg"], "read only by quantize 'int8'"),
])
def test_cli_bad_export_requests_are_one_line_errors(tmp_path, flags, message):
    result = _cli(str(tmp_path), *flags, "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "tensorflow" not in result.stderr.lower()
    assert not (tmp_path / "out").exists()


def test_cli_source_without_a_model_is_a_one_line_error(tmp_path):
    (tmp_path / "empty_run").mkdir()
    result = _cli(str(tmp_path / "empty_run"), "--format", "litert",
                  "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "holds no run.json" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert sorted(os.listdir(tmp_path)) == ["empty_run"]


def test_cli_flags_fixed_by_a_saved_model_are_refused(saved_models, tmp_path):
    result = _cli(saved_models["dirs"]["classifier"], "--format", "litert",
                  "--sequence-length", "64", "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "--sequence-length is fixed by the SavedModel" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("document, name, format, quantize", [
    ("README.md", "sst2-onnx", "onnx", "none"),
    ("docs/serving.md", "sst2-litert-dynamic-int8", "litert", "dynamic-int8"),
])
def test_documented_clients_run_without_tensorflow(
    document, name, format, quantize, saved_models, tmp_path
):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / document).read_text(), re.S)
    [client] = [b for b in blocks if "electra_runner" in b]
    exported = _convert_all(saved_models, format, quantize)["classifier"]
    (tmp_path / "exports").mkdir()
    os.symlink(exported, tmp_path / "exports" / name)
    script = ("import builtins\nreal = builtins.__import__\n"
              "def guard(name, *a, **k):\n"
              "    assert name.split('.')[0] not in ('tensorflow', 'keras'), name\n"
              "    return real(name, *a, **k)\n"
              "builtins.__import__ = guard\n" + client
              + '\nprint(runner(tokenizer(["a gripping, funny film"]))["probabilities"].tolist())')
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    probabilities = np.array(json.loads(result.stdout.strip().splitlines()[-1]))
    assert probabilities.shape == (1, 2)
    np.testing.assert_allclose(probabilities.sum(), 1.0, atol=1e-5)
