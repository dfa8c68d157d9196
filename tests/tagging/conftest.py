"""Fixtures of the tagging tests: a `tiny` tagger trained from random init
on a slice of CoNLL-2000, exported once per session, and its export's
outputs from a fresh TensorFlow process (`serve_helper.py`)."""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

from session_cache import build_once  # noqa: E402  (tests/session_cache.py)

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
CONLL2000 = ROOT.parent / "shared" / "data" / "conll2000"
SUBPROCESS_TIMEOUT = 300

# The learning run: the `tiny` preset from random init on the first
# TRAIN_SENTENCES of CoNLL-2000 train, scored on the first TEST_SENTENCES
# of its test file.
TRAIN_SENTENCES = 3000
TEST_SENTENCES = 300
SEQ_LEN = 64
TRAINING = dict(
    sequence_length=SEQ_LEN, epochs=2, batch_size=16, learning_rate=2e-3,
    layer_decay=1.0,
)
PARITY_SENTENCES = 40
"""Test sentences sent as text to the export and compared with Keras."""


def python_env():
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    return env


def run_python(args, check=True, timeout=SUBPROCESS_TIMEOUT):
    """Runs `python ARGS...` in a fresh process from the repository root."""
    result = subprocess.run(
        [sys.executable, *map(str, args)], env=python_env(), cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"python {' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stderr[-4000:]}"
        )
    return result


class Trained:
    """What the session's training left: files and recorded numbers."""

    def __init__(self, root):
        self.root = root
        self.saved_models = root / "saved_models" / "chunking"
        self.version_dir = self.saved_models / "1"
        self.record = json.loads((root / "record.json").read_text())
        self.served = json.loads((root / "served.json").read_text())


@pytest.fixture(scope="session")
def conll2000():
    assert CONLL2000.is_dir(), f"shared CoNLL-2000 data missing: expected {CONLL2000}"
    return CONLL2000


@pytest.fixture(scope="session")
def trained(tmp_path_factory, conll2000):
    return Trained(build_once(tmp_path_factory, "tagging", _train_and_export))


def _train_and_export(root):
    import keras

    from keras_electra.finetune.loading import load_encoder
    from keras_electra.tagging.conll import read_conll
    from keras_electra.tagging.export import export_tagger
    from keras_electra.tagging.training import TaggingConfig
    from keras_electra.tagging.training import finetune_tagger
    from keras_electra.tagging.training import predict_tags

    train = read_conll(CONLL2000 / "train.txt", max_sentences=TRAIN_SENTENCES)
    test = read_conll(CONLL2000 / "test.txt", max_sentences=TEST_SENTENCES)
    keras.utils.set_random_seed(1)
    encoder = load_encoder(
        "random", preset="tiny", config_overrides={"max_sequence_length": SEQ_LEN}
    ).encoder
    start = time.time()
    tagger, windower, result = finetune_tagger(
        train, test, encoder, config=TaggingConfig(**TRAINING), seed=1,
        evaluate_every_epoch=False,
    )
    seconds = time.time() - start
    tagger.save(root / "tagger.keras")
    export_tagger(
        tagger, root / "saved_models" / "chunking", sequence_length=SEQ_LEN,
        stride=windower.stride,
    )
    parity_words = test.words[:PARITY_SENTENCES]
    record = {
        "test_predictions": result["predictions"]["dev"],
        "train_windows": result["train_windows"],
        "steps": result["steps"],
        "seconds": round(seconds, 1),
        "label_names": result["label_names"],
        "parity_texts": [" ".join(words) for words in parity_words],
        "parity_tags": predict_tags(tagger, windower, parity_words),
    }
    (root / "record.json").write_text(json.dumps(record))
    run_python(
        [HERE / "serve_helper.py", root / "saved_models" / "chunking",
         root / "record.json", root / "served.json"]
    )
