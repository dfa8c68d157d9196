"""Fixtures of the QA tests (the SQuAD sample's are in tests/conftest.py)."""

import sys

import pytest


@pytest.fixture(scope="session")
def python():
    return sys.executable
