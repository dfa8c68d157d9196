"""`finetune.engine.train`: every epoch trains, whatever tf.data knows of
the dataset's length."""

import numpy as np
import pytest
import tensorflow as tf

from keras_electra import ElectraConfig
from keras_electra.finetune import load_encoder
from keras_electra.finetune.engine import DevScores
from keras_electra.finetune.engine import FineTuningConfig
from keras_electra.finetune.engine import train
from keras_electra.models.electra_classifier import ElectraClassifier

ROWS, BATCH, EPOCHS = 24, 4, 3
STEPS_PER_EPOCH = ROWS // BATCH


def _classifier():
    config = ElectraConfig.from_preset(
        "tiny", vocabulary_size=40, max_sequence_length=8, num_layers=1,
        hidden_dim=16, num_heads=2, intermediate_dim=32, embedding_dim=8,
        generator_hidden_dim=8, generator_intermediate_dim=16,
    )
    encoder = load_encoder(None, "tiny", config.to_dict()).encoder
    return ElectraClassifier(encoder, num_classes=2, dropout=0.0)


def _rows():
    rng = np.random.default_rng(0)
    ids = rng.integers(3, 40, (ROWS, 8)).astype("int32")
    inputs = {
        "token_ids": ids,
        "segment_ids": np.zeros_like(ids),
        "padding_mask": np.ones_like(ids),
    }
    return tf.data.Dataset.from_tensor_slices((inputs, ids[:, 1] % 2))


def _unknown_length(rows):
    return rows.filter(lambda inputs, label: True)


def _endless(rows):
    return rows.repeat()


@pytest.mark.parametrize(
    "shape", [tf.data.Dataset.cache, _unknown_length, _endless],
    ids=["known_length", "unknown_length", "endless"],
)
def test_every_epoch_trains_its_batches_whatever_the_dataset_cardinality(shape):
    dataset = shape(_rows()).batch(BATCH)
    model = _classifier()
    config = FineTuningConfig(
        learning_rate=1e-3, layer_decay=1.0, batch_size=BATCH,
        sequence_length=8, epochs=EPOCHS,
    )
    dev = DevScores(lambda m: {"iterations": int(m.optimizer.iterations)})
    total_steps, scores = train(model, dataset, config, STEPS_PER_EPOCH, dev)

    assert total_steps == EPOCHS * STEPS_PER_EPOCH
    assert [s["iterations"] for s in dev.history] == [
        STEPS_PER_EPOCH * (epoch + 1) for epoch in range(EPOCHS)
    ]
    assert scores == dev.history[-1]

