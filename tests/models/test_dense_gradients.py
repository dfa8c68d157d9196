"""ELECTRA's optimizer sums a token's repeated lookups before clipping and
Adam see them (on TensorFlow an embedding gradient arrives as one slice
per lookup, and Keras 3.15 squares the slices one by one)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_electra import optimization

pytestmark = pytest.mark.multi_backend

LEARNING_RATE = 0.1
EPSILON = 1e-6
# Two steps with different repeats: row 0 three times then once, row 2
# never then three times.
STEP_IDS = [np.array([[0, 0, 0, 1, 1]], "int32"), np.array([[0, 1, 2, 2, 2]], "int32")]
TARGETS = np.arange(10, dtype="float32").reshape(1, 5, 2) / 10.0


def _expected(weights, clipnorm):
    """Keras' Adam on each step's summed (dense) gradient."""
    m = v = np.zeros_like(weights)
    for t, ids in enumerate(STEP_IDS, start=1):
        g = np.zeros_like(weights)
        np.add.at(g, ids[0], TARGETS[0])
        if clipnorm:
            g = g * clipnorm / max(np.linalg.norm(g), clipnorm)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        alpha = LEARNING_RATE * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        weights = weights - alpha * m / (np.sqrt(v) + EPSILON)
    return weights


@pytest.mark.parametrize("clipnorm", [None, 1.0])
def test_repeated_embedding_lookups_train_as_their_summed_gradient(clipnorm):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,), dtype="int32"),
                              keras.layers.Embedding(3, 2)])
    start = ops.convert_to_numpy(model.weights[0]).astype("float64")
    model.compile(
        optimizer=optimization.electra_optimizer(
            LEARNING_RATE, model.trainable_variables, weight_decay=0.0,
            epsilon=EPSILON, global_clipnorm=clipnorm,
        ),
        # d loss / d row = the sum of the targets of the row's lookups.
        loss=lambda y_true, y_pred: ops.sum(y_true * y_pred, axis=(1, 2)),
    )
    for ids in STEP_IDS:
        model.train_on_batch(ids, TARGETS)
    trained = ops.convert_to_numpy(model.weights[0])
    np.testing.assert_allclose(trained, _expected(start, clipnorm), atol=1e-5)
