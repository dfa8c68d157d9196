"""Shared fixtures: the optional offline data beside the repository, small
batches."""

import os
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SQUAD_SAMPLE = ROOT / "tests" / "fixtures" / "squad" / "dev-v2.0-sample.json"


def pytest_report_header(config):
    return f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', 'tensorflow')}"


@pytest.fixture(scope="session")
def shared_data():
    """`../shared/data`, the full offline datasets, for the optional checks
    that need them; skips the test where a clone has no such folder."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent: this check needs the full datasets ({SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture
def make_batch():
    """Returns `random_pretraining_batch`, a batch in the pretrainer format."""
    return random_pretraining_batch


def random_pretraining_batch(
    batch_size=4,
    sequence_length=16,
    num_predictions=3,
    vocabulary_size=100,
    num_padding=4,
    padded_slots=1,
    seed=0,
):
    """A batch in the pretrainer's format built from random token ids.

    Each row is `[CLS]=1 tokens... [SEP]=2 [PAD]=0 * num_padding`; the last
    `padded_slots` mask slots of each row are padding (position 0, weight 0).
    The masked positions hold [MASK]=3.
    """
    rng = np.random.default_rng(seed)
    length = sequence_length - num_padding
    token_ids = rng.integers(5, vocabulary_size, (batch_size, sequence_length))
    token_ids[:, 0], token_ids[:, length - 1], token_ids[:, length:] = 1, 2, 0
    padding_mask = (np.arange(sequence_length) < length).astype("int32")
    padding_mask = np.tile(padding_mask, (batch_size, 1))
    positions = np.stack(
        [
            rng.choice(np.arange(1, length - 1), num_predictions, replace=False)
            for _ in range(batch_size)
        ]
    )
    weights = np.ones((batch_size, num_predictions), "float32")
    if padded_slots:
        positions[:, -padded_slots:] = 0
        weights[:, -padded_slots:] = 0.0
    mask_ids = np.take_along_axis(token_ids, positions, axis=1) * weights
    masked = token_ids.copy()
    for row in range(batch_size):
        for slot in range(num_predictions):
            if weights[row, slot]:
                masked[row, positions[row, slot]] = 3
    return {
        "token_ids": masked.astype("int32"),
        "segment_ids": np.zeros((batch_size, sequence_length), "int32"),
        "padding_mask": padding_mask,
        "mask_positions": positions.astype("int32"),
        "mask_ids": mask_ids.astype("int32"),
        "mask_weights": weights,
    }


@pytest.fixture(scope="session")
def sample_path():
    """8 articles, 192 questions (48 unanswerable), written for the project."""
    assert SQUAD_SAMPLE.is_file(), f"SQuAD fixture missing: expected {SQUAD_SAMPLE}"
    return SQUAD_SAMPLE


@pytest.fixture(scope="session")
def sample(sample_path):
    from keras_electra.qa.squad import load_squad

    return load_squad(sample_path)


@pytest.fixture(scope="session")
def sample_split(sample):
    from keras_electra.qa.squad import split_by_article

    return split_by_article(sample)
