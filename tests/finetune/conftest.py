"""Fixtures of the fine-tuning tests: the project's GLUE-format files and
a briefly pre-trained `tiny` discriminator (TensorFlow backend)."""

import itertools
import subprocess
import sys
from pathlib import Path

import keras
import pytest

REPO = Path(__file__).resolve().parents[2]
GLUE = REPO / "tests" / "fixtures" / "glue"

# The brief pre-training of the end-to-end fixture: the `tiny` preset on
# the first 4000 lines (~1 MB) of the package's Gutenberg corpus.
PRETRAIN_STEPS = 200
PRETRAIN_SEQ_LEN = 64
PRETRAIN_BATCH_SIZE = 16


@pytest.fixture(scope="session")
def glue_dir():
    """`tests/fixtures/glue`: a few dozen rows per task and split."""
    assert GLUE.is_dir(), f"GLUE fixtures missing: expected {GLUE}"
    return GLUE


@pytest.fixture(scope="session")
def pretrained_discriminator(tmp_path_factory):
    """A `tiny` pretrainer run briefly on Gutenberg prose, exported the way
    `recipes/pretrain.py` exports: `electra_discriminator.keras` and
    `electra_vocab.txt` in one directory, which is returned."""
    from keras_electra import ElectraConfig
    from keras_electra import ElectraPretrainer
    from keras_electra.data import DEFAULT_CORPUS
    from keras_electra.data import DEFAULT_VOCAB
    from keras_electra.data import pretraining_dataset
    from keras_electra.optimization import LinearWarmupLinearDecay
    from keras_electra.optimization import electra_optimizer

    directory = tmp_path_factory.mktemp("pretrained")
    corpus = directory / "corpus.txt"
    with open(DEFAULT_CORPUS, encoding="utf-8") as f:
        corpus.write_text("".join(itertools.islice(f, 4000)), encoding="utf-8")
    config = ElectraConfig.from_preset(
        "tiny", max_sequence_length=PRETRAIN_SEQ_LEN
    )
    dataset = pretraining_dataset(
        str(corpus), vocab=DEFAULT_VOCAB, sequence_length=PRETRAIN_SEQ_LEN,
        batch_size=PRETRAIN_BATCH_SIZE, seed=0, repeat=True, config=config,
    )
    keras.utils.set_random_seed(0)
    pretrainer = ElectraPretrainer(config, seed=0)
    schedule = LinearWarmupLinearDecay(
        1e-3, PRETRAIN_STEPS // 10, PRETRAIN_STEPS
    )
    pretrainer.compile(
        optimizer=electra_optimizer(schedule, pretrainer.trainable_variables)
    )
    history = pretrainer.fit(
        dataset.map(lambda batch: (batch,)),
        steps_per_epoch=PRETRAIN_STEPS, epochs=1, verbose=0,
    )
    print(
        f"\npre-trained tiny for {PRETRAIN_STEPS} steps: disc_auc "
        f"{history.history['disc_auc'][-1]:.3f}"
    )
    pretrainer.discriminator.save(directory / "electra_discriminator.keras")
    (directory / "electra_vocab.txt").write_bytes(DEFAULT_VOCAB.read_bytes())
    return directory


@pytest.fixture(scope="session")
def run_recipe():
    """Runs `recipes/finetune_glue.py ARGS...` in a subprocess."""

    def run(*args, timeout=600):
        return subprocess.run(
            [sys.executable, str(REPO / "recipes" / "finetune_glue.py"), *map(str, args)],
            capture_output=True, text=True, timeout=timeout, cwd=REPO,
        )

    return run
