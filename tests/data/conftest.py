"""Fixtures of the data tests: the package's Gutenberg corpus, vocab and
tokenizer."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import keras_electra.data as kd

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(kd.DEFAULT_CORPUS)


@pytest.fixture(scope="session")
def corpus_path():
    """`keras_electra/assets/corpus/gutenberg_small.txt` (2.7 MB)."""
    assert CORPUS.is_file(), f"bundled corpus missing: expected {CORPUS}"
    return CORPUS


@pytest.fixture(scope="session")
def vocab():
    return kd.load_vocab()


@pytest.fixture(scope="session")
def tokenizer(vocab):
    return kd.WordPieceTokenizer(vocab)


@pytest.fixture(scope="session")
def corpus_lines(corpus_path):
    """The first 3000 non-blank lines of the real corpus."""
    lines = []
    with open(corpus_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                lines.append(line.strip())
                if len(lines) == 3000:
                    break
    return lines


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory, corpus_lines):
    """~300 KB of the real corpus, cut into documents of 40 lines."""
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    docs = [corpus_lines[i : i + 40] for i in range(0, 1500, 40)]
    path.write_text("\n\n".join("\n".join(d) for d in docs) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def corpus_examples(corpus_path, vocab):
    """All packed (unmasked) seq-128 examples of the real corpus, as numpy."""
    ds = kd.packed_dataset(str(corpus_path), vocab, 128, seed=0).batch(4096)
    parts = list(ds.as_numpy_iterator())
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@pytest.fixture(scope="session")
def run_tool():
    """Runs `tools/<name>.py ARGS...` in a subprocess."""

    def run(name, *args, timeout=300):
        return subprocess.run(
            [sys.executable, str(REPO / "tools" / f"{name}.py"), *map(str, args)],
            capture_output=True, text=True, timeout=timeout, cwd=REPO,
        )

    return run
