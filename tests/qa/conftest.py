"""Fixtures of the QA tests: the bundled SQuAD 2.0 sample and its split."""

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "squad" / "dev-v2.0-sample.json"


@pytest.fixture(scope="session")
def sample_path():
    if not SAMPLE.is_file():
        pytest.fail(f"{SAMPLE} is missing: tests need ../shared/data.")
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
