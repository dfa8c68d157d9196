"""`python -m keras_electra convert`: Hugging Face directories in and out,
the converted run directory in fine-tuning, export and pre-training, and
bad input (one line, exit status 2)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import transformers
from safetensors.numpy import load_file
from safetensors.numpy import save_file

REPO = Path(__file__).resolve().parents[2]
GLUE = REPO / "tests" / "fixtures" / "glue"
VOCAB = REPO / "keras_electra" / "assets" / "uncased_vocab.txt"
VOCAB_SIZE = 30522
SEQ = 32


def _env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def _run(*args, timeout=600):
    return subprocess.run(
        [sys.executable, *map(str, args)], capture_output=True, text=True,
        cwd=REPO, env=_env(), timeout=timeout,
    )


def convert(*args, timeout=600):
    return _run("-m", "keras_electra", "convert", *args, timeout=timeout)


def _hf_config(**sizes):
    return transformers.ElectraConfig(**{
        "vocab_size": VOCAB_SIZE, "embedding_size": 16, "max_position_embeddings": 64,
        "num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 2,
        "intermediate_size": 64, **sizes,
    })


def _save(model, directory, lower_case=True):
    model.save_pretrained(directory, safe_serialization=True)
    shutil.copyfile(VOCAB, Path(directory) / "vocab.txt")
    (Path(directory) / "tokenizer_config.json").write_text(
        json.dumps({"do_lower_case": lower_case, "tokenizer_class": "ElectraTokenizer"})
    )
    return Path(directory)


@pytest.fixture(scope="module")
def hf_pair(tmp_path_factory):
    """A random `ElectraForPreTraining` + `ElectraForMaskedLM` pair (shared
    embeddings, generator as wide as the discriminator, as the released
    ELECTRA-Small), saved with the uncased vocab."""
    root = tmp_path_factory.mktemp("hf")
    torch.manual_seed(0)
    disc = transformers.ElectraForPreTraining(_hf_config()).eval()
    gen = transformers.ElectraForMaskedLM(_hf_config(intermediate_size=48)).eval()
    gen.electra.embeddings.load_state_dict(disc.electra.embeddings.state_dict())
    return _save(disc, root / "disc"), _save(gen, root / "gen"), disc


@pytest.fixture(scope="module")
def converted_pair(hf_pair, tmp_path_factory):
    disc_dir, gen_dir, _ = hf_pair
    out = tmp_path_factory.mktemp("converted") / "pair"
    result = convert(disc_dir, "--generator", gen_dir, "--output-dir", out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "converted generator + discriminator (hf)" in result.stdout
    return out


def _packed(n=4):
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, VOCAB_SIZE, (n, SEQ)).astype("int32")
    lengths = np.array([SEQ, 20, 11, 7][:n])
    mask = (np.arange(SEQ)[None] < lengths[:, None]).astype("int32")
    ids[:, 0] = 101
    ids[np.arange(n), lengths - 1] = 102
    ids[mask == 0] = 0
    segments = np.zeros_like(ids)
    for row, length in enumerate(lengths):
        segments[row, length // 2:length] = 1
    return {"token_ids": ids, "segment_ids": segments, "padding_mask": mask}


def _serve(saved_models, name, inputs):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (the tokenizer's ops)

    versions = sorted(os.listdir(saved_models / name), key=int)
    loaded = tf.saved_model.load(str(saved_models / name / versions[-1]))
    signature = loaded.signatures["predict_token_ids"]
    outputs = signature(**{k: tf.constant(v) for k, v in inputs.items()})
    return {k: v.numpy() for k, v in outputs.items()}


def test_converted_run_directory_holds_the_pair(converted_pair):
    record = json.loads((converted_pair / "run.json").read_text())
    settings = record["settings"]
    config = settings["config"]
    # The generator's real sizes, read from its checkpoint.
    assert (config["generator_hidden_dim"], config["generator_num_heads"],
            config["generator_intermediate_dim"], config["generator_num_layers"]) == (32, 2, 48, 2)
    assert config["hidden_dim"] == 32 and config["activation"] == "gelu"
    assert settings["lower_case"] is True and settings["sequence_length"] == 64
    assert record["converted"]["format"] == "hf"
    for name in ("electra_discriminator.keras", "electra_vocab.txt", "electra_run.json",
                 "checkpoints/step-00000000.weights.h5"):
        assert (converted_pair / name).is_file(), name


@pytest.mark.slow
def test_fine_tune_and_export_from_a_converted_pair(converted_pair, hf_pair, tmp_path):
    import keras

    import keras_electra

    keras_electra.register_keras_objects()

    out = tmp_path / "sst2"
    result = _run(
        REPO / "recipes" / "finetune_glue.py", "--task", "sst2", "--data-dir", GLUE,
        "--init", converted_pair, "--epochs", "1", "--seq-len", str(SEQ),
        "--batch-size", "16", "--max-train-examples", "64", "--output-dir", out,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    score = [line for line in result.stdout.splitlines() if "median over" in line]
    assert score, result.stdout
    print("\nFINETUNE", score[0])
    results = json.loads((out / "results.json").read_text())
    assert results["init"].endswith("electra_discriminator.keras")

    # The fine-tuned classifier's SavedModel gives the Keras model's numbers.
    saved = tmp_path / "saved_models"
    result = _run(REPO / "tools" / "export.py", out / "seed_1" / "classifier.keras",
                  "--task", "sst2", "--saved-models", saved, "--sequence-length", str(SEQ))
    assert result.returncode == 0, result.stderr[-3000:]
    inputs = _packed()
    classifier = keras.models.load_model(out / "seed_1" / "classifier.keras", compile=False)
    logits = keras.ops.convert_to_numpy(classifier(inputs))
    expected = np.exp(logits - logits.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    served = _serve(saved, "sst2", inputs)
    np.testing.assert_allclose(served["probabilities"], expected, atol=1e-5)

    # The converted directory exports as it is, and serves transformers'
    # own replaced-token probabilities.
    result = _run(REPO / "tools" / "export.py", converted_pair, "--saved-models", saved,
                  "--sequence-length", str(SEQ))
    assert result.returncode == 0, result.stderr[-3000:]
    served = _serve(saved, "electra", inputs)
    _, _, disc = hf_pair
    with torch.no_grad():
        hf_logits = disc(
            input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long),
        ).logits.numpy()
    expected = 1 / (1 + np.exp(-hf_logits)) * inputs["padding_mask"]
    diff = np.abs(served["replaced_probability"] - expected).max()
    print(f"\nSERVED vs transformers replaced_probability: max abs diff {diff:.3g}")
    assert diff <= 1e-4


@pytest.mark.slow
def test_pretraining_continues_a_converted_pair(converted_pair, tmp_path):
    run_dir = tmp_path / "continue"
    shutil.copytree(converted_pair, run_dir)
    flags = ("--seq-len", "32", "--batch-size", "4", "--steps", "2", "--save-every", "2",
             "--learning-rate", "1e-4", "--export-dir", "", "--model-dir", run_dir)
    pretrain = REPO / "recipes" / "pretrain.py"
    # The tiny preset's sizes are not the converted model's: refused, with
    # the flags that fit.
    result = _run(pretrain, *flags)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "holds a converted ELECTRA model; continue it with" in result.stderr
    fitting = re.findall(r"--config \S+", result.stderr)
    assert "--config generator_intermediate_dim=48" in fitting
    extra = [part for flag in fitting for part in flag.split(" ", 1)]
    result = _run(pretrain, *flags, *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"Initialised from \S*step-00000000\.weights\.h5", result.stdout)
    assert (run_dir / "checkpoints" / "step-00000002.weights.h5").is_file()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["settings"]["config"]["generator_hidden_dim"] == 32


@pytest.mark.slow
def test_discriminator_only_round_trip_and_export(hf_pair, tmp_path):
    disc_dir, _, disc = hf_pair
    run_dir = tmp_path / "run"
    result = convert(disc_dir, "--output-dir", run_dir, "--from", "hf")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (run_dir / "electra_discriminator_head.npz").is_file()
    assert not (run_dir / "checkpoints").exists()
    back = tmp_path / "back"
    result = convert(run_dir, "--to", "hf", "--output-dir", back)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ElectraForPreTraining" in result.stdout
    original, written = (load_file(d / "model.safetensors") for d in (disc_dir, back))
    assert sorted(written) == sorted(original)
    assert all(np.array_equal(written[k], original[k]) for k in original)
    tokenizer = json.loads((back / "tokenizer_config.json").read_text())
    assert tokenizer["do_lower_case"] is True
    assert (back / "vocab.txt").read_bytes() == VOCAB.read_bytes()
    loaded = transformers.ElectraForPreTraining.from_pretrained(back).eval()
    inputs = {k: torch.tensor(v, dtype=torch.long) for k, v in zip(
        ("input_ids", "token_type_ids", "attention_mask"), _packed().values())}
    with torch.no_grad():
        assert torch.equal(loaded(**inputs).logits, disc(**inputs).logits)

    # A discriminator without a generator exports with its head.
    saved = tmp_path / "saved_models"
    result = _run(REPO / "tools" / "export.py", run_dir, "--saved-models", saved,
                  "--sequence-length", str(SEQ))
    assert result.returncode == 0, result.stderr[-3000:]
    packed = _packed()
    served = _serve(saved, "electra", packed)
    with torch.no_grad():
        expected = torch.sigmoid(disc(**inputs).logits).numpy() * packed["padding_mask"]
    assert np.abs(served["replaced_probability"] - expected).max() <= 1e-4


def _bad_cases(root, hf_pair):
    disc_dir, gen_dir, _ = hf_pair
    cases = []

    def case(name, args, message):
        cases.append((name, args, message))

    no_weights = root / "no_weights"
    no_weights.mkdir()
    shutil.copyfile(disc_dir / "config.json", no_weights / "config.json")
    case("missing weights", (no_weights,), "has no weights file (model.safetensors")

    for model_type in ("bert", "roberta"):
        other = root / model_type
        shutil.copytree(disc_dir, other)
        config = json.loads((other / "config.json").read_text())
        (other / "config.json").write_text(json.dumps({**config, "model_type": model_type}))
        case(f"{model_type} config", (other,),
             f"config.json' is a '{model_type}' config, not an ELECTRA one")

    small_vocab = root / "small_vocab"
    shutil.copytree(disc_dir, small_vocab)
    (small_vocab / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
    case("vocab size", (small_vocab,),
         "vocab.txt' has 5 tokens but the embedding table has 30522 rows")

    sharded = root / "sharded"
    sharded.mkdir()
    shutil.copyfile(disc_dir / "config.json", sharded / "config.json")
    state = load_file(disc_dir / "model.safetensors")
    names = sorted(state)
    save_file({k: state[k] for k in names[::2]}, sharded / "model-00001-of-00002.safetensors")
    save_file({k: state[k] for k in names[1::2]}, sharded / "model-00002-of-00002.safetensors")
    case("shards without index", (sharded,),
         "holds sharded weights (model-00001-of-00002.safetensors, ...) but not their index")

    case("generator as source", (gen_dir,), "holds a generator only")
    case("discriminator as --generator", (disc_dir, "--generator", disc_dir),
         "holds no generator (ElectraForMaskedLM)")
    case("no source", (root / "nowhere",), "SOURCE '")
    case("--to hf of a model directory", (disc_dir, "--to", "hf"),
         "is not a keras_electra run directory")
    return cases, sharded, state


def test_bad_input_is_one_line_and_exit_2(hf_pair, tmp_path):
    cases, sharded, state = _bad_cases(tmp_path, hf_pair)
    for name, args, message in cases:
        result = convert(*args, "--output-dir", tmp_path / "out", timeout=120)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (name, result.stderr[-2000:])
        assert len(lines) == 1 and lines[0].startswith("keras-electra: error: "), (name, lines)
        assert message in lines[0], (name, lines[0])
        assert not (tmp_path / "out").exists(), name

    # The same shards with their index read as one checkpoint.
    from keras_electra.checkpoints.hf import read_hf_checkpoint

    weight_map = {}
    for shard in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
        weight_map.update({k: shard for k in load_file(sharded / shard)})
    (sharded / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map})
    )
    _, read = read_hf_checkpoint(sharded)["discriminator"]
    assert sorted(read) == sorted(state)
    assert all(np.array_equal(read[k], state[k]) for k in state)


def test_non_empty_output_dir_is_refused(hf_pair, tmp_path):
    disc_dir, _, _ = hf_pair
    (tmp_path / "keep.txt").write_text("x")
    result = convert(disc_dir, "--output-dir", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"keras-electra: error: --output-dir '{tmp_path}' is not empty"


def test_pytorch_bin_is_read_with_torch(hf_pair, tmp_path):
    from keras_electra.checkpoints.hf import read_hf_checkpoint

    disc_dir, _, disc = hf_pair
    directory = tmp_path / "bin"
    disc.save_pretrained(directory, safe_serialization=False)
    assert (directory / "pytorch_model.bin").is_file()
    _, state = read_hf_checkpoint(directory)["discriminator"]
    expected = load_file(disc_dir / "model.safetensors")
    assert sorted(state) == sorted(k for k in expected)
    assert all(np.array_equal(state[k], expected[k]) for k in expected)
