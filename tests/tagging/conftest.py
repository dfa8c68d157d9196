"""Fixtures of the tagging tests: a `tiny` tagger trained from random init
on the CoNLL-2000-format fixture, exported once per session, and its export's
outputs from a fresh TensorFlow process (`tagging_serve_helper.py`)."""

import json
import time

import pytest

from session_cache import build_once  # noqa: E402  (tests/session_cache.py)

from tagging_setup import CONLL2000  # noqa: E402  (this directory is on the path)
from tagging_setup import HERE  # noqa: E402
from tagging_setup import PARITY_SENTENCES  # noqa: E402
from tagging_setup import SEQ_LEN  # noqa: E402
from tagging_setup import TEST_SENTENCES  # noqa: E402
from tagging_setup import TRAIN_SENTENCES  # noqa: E402
from tagging_setup import TRAINING  # noqa: E402
from tagging_setup import run_python  # noqa: E402


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
    """`tests/fixtures/conll2000`: chunk-tagged sentences written for the project."""
    assert CONLL2000.is_dir(), f"CoNLL-2000 fixture missing: expected {CONLL2000}"
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
        [HERE / "tagging_serve_helper.py", root / "saved_models" / "chunking",
         root / "record.json", root / "served.json"]
    )
