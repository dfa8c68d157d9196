"""`tools/export.py`, `tools/serving_client.py`, the score CLI, models.config."""

import hashlib
import json
import re
import shutil

import numpy as np
import pytest
from export_helpers import ROOT
from export_helpers import load_serving_client
from export_helpers import run_python

import export_helpers as helpers

EXPORT = ROOT / "tools" / "export.py"
CLIENT = ROOT / "tools" / "serving_client.py"


def _digest(directory):
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _parse_models_config(path):
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    config = model_server_config_pb2.ModelServerConfig()
    text_format.Parse(path.read_text(), config)
    return {c.name: c for c in config.model_config_list.config}


# TensorFlow's start-up logging (absl), printed on import whatever
# TF_CPP_MIN_LOG_LEVEL says; `python -m keras_electra` imports TensorFlow
# with the package, before any code of the command runs.
TF_LOG = re.compile(r"^(WARNING: All log messages before absl|[IWE]\d{4} )")


def _one_line_error(result):
    assert result.returncode == 2, result.stderr
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not TF_LOG.match(line)
    ]
    assert len(lines) == 1 and "error:" in lines[0], result.stderr
    return lines[0]


@pytest.mark.slow
def test_cli_export_adds_a_version_and_leaves_the_old_one(exports, tmp_path):
    saved_models = tmp_path / "saved_models"  # A copy: `exports` is shared.
    shutil.copytree(exports.saved_models, saved_models)
    base = saved_models / "electra_tensorflow"
    before = _digest(base / "1")
    # From the pre-training run directory: its settings give the length.
    result = run_python(
        [EXPORT, exports.root / "run", "--name", "electra_tensorflow",
         "--saved-models", saved_models]
    )
    assert str(base / "2") in result.stdout
    assert (base / "2" / "saved_model.pb").is_file()
    assert _digest(base / "1") == before
    assert sorted(p.name for p in base.iterdir()) == ["1", "2"]  # No staging left.
    metadata = json.loads((base / "2" / "assets.extra" / "electra_export.json").read_text())
    assert metadata["version"] == 2 and metadata["kind"] == "discriminator"
    assert metadata["sequence_length"] == helpers.SEQ_LEN
    configs = _parse_models_config(saved_models / "models.config")
    assert configs["electra_tensorflow"].base_path == "/models/electra_tensorflow"
    assert configs["electra_tensorflow"].model_platform == "tensorflow"
    # An explicit existing version is refused, not overwritten.
    error = _one_line_error(
        run_python(
            [EXPORT, exports.root / "run",
             "--name", "electra_tensorflow", "--saved-models",
             saved_models, "--version", 1],
            check=False,
        )
    )
    assert "already exists" in error
    assert _digest(base / "1") == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing_dir"], "does not exist"),
        (["setup.cfg"], "not a .keras file"),
        (["tools"], "holds no run.json"),
        (["tools", "--sequence-length", "2"], "at least 3"),
        (["tools", "--version", "0"], "positive integer"),
        (["tools", "--sequence-length", "many"], "invalid int value"),
    ],
)
def test_cli_export_bad_input_is_one_line_exit_2(args, message):
    error = _one_line_error(run_python([EXPORT, *args], check=False))
    assert message in error


def test_models_config_keeps_entries_and_hand_edits(tmp_path):
    from keras_electra.export import write_models_config

    for name in ("electra", "sst2"):
        (tmp_path / name / "1").mkdir(parents=True)
    (tmp_path / "not_a_model").mkdir()
    path = write_models_config(tmp_path, names=["electra"])
    text = open(path).read().replace(
        "model_platform: 'tensorflow'",
        "model_platform: 'tensorflow'\n    model_version_policy { latest { num_versions: 2 } }",
    )
    open(path, "w").write(text)
    write_models_config(tmp_path)  # Adds sst2, keeps the edit.
    write_models_config(tmp_path)  # Idempotent.
    configs = _parse_models_config(tmp_path / "models.config")
    assert sorted(configs) == ["electra", "sst2"]
    assert configs["electra"].model_version_policy.latest.num_versions == 2
    assert configs["sst2"].base_path == "/models/sst2"
    with pytest.raises(ValueError, match="model name"):
        write_models_config(tmp_path, names=["../escape"])


def test_versions_are_numeric_and_latest_is_found(tmp_path):
    from keras_electra.export import latest_version
    from keras_electra.export import next_version

    assert next_version(tmp_path / "none") == 1
    for name in ("1", "2", "10", ".export-tmp", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "10" / "saved_model.pb").write_bytes(b"")
    (tmp_path / "2" / "saved_model.pb").write_bytes(b"")
    assert next_version(tmp_path) == 11
    assert latest_version(tmp_path) == str(tmp_path / "10")
    assert latest_version(tmp_path / "2") == str(tmp_path / "2")
    with pytest.raises(FileNotFoundError):
        latest_version(tmp_path / "1")


@pytest.mark.slow
def test_client_builds_the_rest_and_grpc_requests(exports):
    result = run_python([CLIENT, "The chef cooked.", "Café 😀", "--dry-run"])
    url, body = result.stdout.split("\n", 1)
    assert url == "POST http://localhost:8501/v1/models/electra:predict"
    assert json.loads(body) == {
        "signature_name": "serving_default",
        "instances": [{"text": "The chef cooked."}, {"text": "Café 😀"}],
    }
    result = run_python(
        [CLIENT, "a premise", "--pair", "a hypothesis", "--model", "mnli",
         "--version", "3", "--protocol", "grpc", "--dry-run"]
    )
    assert result.stdout.startswith(
        "gRPC localhost:8500 tensorflow.serving.PredictionService/Predict\n"
    )

    from tensorflow_serving.apis import predict_pb2

    serving_client = load_serving_client()

    request = serving_client.grpc_request(
        serving_client.text_inputs(["a premise"], ["a hypothesis"]), "mnli",
        version=3,
    )
    assert str(request) == result.stdout.split("\n", 1)[1]
    assert isinstance(request, predict_pb2.PredictRequest)
    assert request.model_spec.name == "mnli" and request.model_spec.version.value == 3
    assert request.inputs["text_pair"].string_val == [b"a hypothesis"]
    assert [d.size for d in request.inputs["text"].tensor_shape.dim] == [1]
    # The requests of the session, fed to the loaded export as the server
    # would, give the outputs of serving_default.
    loaded = exports.loaded("electra_tensorflow")
    for protocol in ("rest", "grpc"):
        for key in ("replaced_probability", "token_ids", "tokens", "padding_mask"):
            np.testing.assert_array_equal(
                loaded[f"{protocol}/{key}"], loaded[f"serving_default/{key}"]
            )


def test_client_bad_input_is_one_line_exit_2():
    error = _one_line_error(run_python([CLIENT, "a", "--pair", "x", "y"], check=False))
    assert "1 texts but 2 pair texts" in error
    # No server on this port: a one-line connection error, not a traceback.
    error = _one_line_error(
        run_python([CLIENT, "a", "--rest-port", "9", "--timeout", "5"], check=False)
    )
    assert "cannot reach" in error


@pytest.mark.slow
def test_score_cli_prints_tokens_with_probabilities(exports):
    base = exports.saved_models / "electra_tensorflow"
    result = run_python(
        ["-m", "keras_electra", "score", helpers.TEXTS[0], "--model",
         base / "1", "--threshold", "0.5"]
    )
    loaded = exports.loaded("electra_tensorflow")
    lines = [line.split() for line in result.stdout.splitlines()[3:] if line.strip()]
    mask = loaded["serving_default/padding_mask"][0].astype(bool)
    tokens = loaded["serving_default/tokens"][0][mask]
    probabilities = loaded["serving_default/replaced_probability"][0][mask]
    assert [line[0] for line in lines] == list(tokens)
    np.testing.assert_allclose([float(line[1]) for line in lines], probabilities, atol=6e-4)
    for line, token, probability in zip(lines, tokens, probabilities):
        suspicious = probability >= 0.5 and token not in ("[CLS]", "[SEP]")
        assert (line[2:] == ["<-", "suspicious"]) == suspicious, line
    assert any(line[2:] for line in lines)


@pytest.mark.parametrize(
    "args, message",
    [
        (["score", "x", "--model", "missing"], "does not exist"),
        (["score", "x", "--model", "setup.cfg", "--threshold", "2"], "--threshold"),
        (["score"], "required"),
        (["bogus"], "invalid choice"),
    ],
)
def test_score_cli_bad_input_is_one_line_exit_2(args, message, capsys):
    from keras_electra.__main__ import main

    with pytest.raises(SystemExit) as exit:
        main(args)
    assert exit.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error, error


@pytest.mark.slow
def test_score_cli_refuses_a_classifier_export(exports, capsys):
    from keras_electra.__main__ import main

    with pytest.raises(SystemExit) as exit:
        main(["score", "x", "--model", str(exports.saved_models / "stsb")])
    assert exit.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "not an exported discriminator" in error and len(error.splitlines()) == 1
