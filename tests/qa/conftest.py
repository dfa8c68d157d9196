"""Fixtures of the QA tests: the project's SQuAD 2.0-format sample
(`tests/fixtures/squad`) and its split."""

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "squad" / "dev-v2.0-sample.json"


@pytest.fixture(scope="session")
def sample_path():
    """8 articles, 192 questions (48 unanswerable), written for the project."""
    assert SAMPLE.is_file(), f"SQuAD fixture missing: expected {SAMPLE}"
    return SAMPLE


@pytest.fixture(scope="session")
def sample(sample_path):
    from keras_electra.qa.squad import load_squad

    return load_squad(sample_path)


@pytest.fixture(scope="session")
def sample_split(sample):
    from keras_electra.qa.squad import split_by_article

    return split_by_article(sample)


@pytest.fixture(scope="session")
def python():
    return sys.executable
