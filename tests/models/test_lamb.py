"""`ElectraLamb` takes the published LAMB step (You et al., ICLR 2020,
Algorithm 2): weight decay inside the update, the layer-wise trust ratio,
LayerNorm and biases excluded from both, after global-norm clipping."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_electra import optimization

pytestmark = pytest.mark.multi_backend

LEARNING_RATE = 0.05
WEIGHT_DECAY = 0.1
EPSILON = 1e-6
X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]], "float32")
Y = np.array([[1.0, 0.5, -2.0], [-1.0, 2.0, 0.5]], "float32")


def _lamb_by_hand(kernel, bias, steps):
    """Algorithm 2 of the paper, in float64, on the known gradients of
    `mean_batch(sum(y * (x @ kernel + bias)))`: d/dkernel = x^T y / batch,
    d/dbias = mean(y); clipped together to global norm 1."""
    grads = [X.T @ Y / len(X), Y.mean(axis=0)]
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    grads = [g / max(norm, 1.0) for g in grads]
    weights = [kernel.astype("float64"), bias.astype("float64")]
    moments = [[np.zeros_like(w), np.zeros_like(w)] for w in weights]
    for t in range(1, steps + 1):
        for i, (w, g) in enumerate(zip(weights, grads)):
            m, v = moments[i]
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            moments[i] = [m, v]
            r = (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + EPSILON)
            if i == 0:  # The kernel: decayed and layer-adapted.
                u = r + WEIGHT_DECAY * w
                ratio = np.linalg.norm(w) / np.linalg.norm(u)
            else:  # The bias: neither.
                u, ratio = r, 1.0
            weights[i] = w - LEARNING_RATE * ratio * u
    return weights


def test_two_lamb_steps_equal_the_published_algorithm():
    keras.utils.set_random_seed(0)
    dense = keras.layers.Dense(3, bias_initializer="ones")
    model = keras.Sequential([keras.Input((4,)), dense])
    kernel, bias = (ops.convert_to_numpy(w) for w in dense.weights)
    model.compile(
        optimizer=optimization.electra_optimizer(
            LEARNING_RATE, model.trainable_variables, algorithm="lamb",
            weight_decay=WEIGHT_DECAY, epsilon=EPSILON,
        ),
        loss=lambda y_true, y_pred: ops.sum(y_true * y_pred, axis=-1),
    )
    assert isinstance(model.optimizer, optimization.ElectraLamb)
    for _ in range(2):
        model.train_on_batch(X, Y)
    expected_kernel, expected_bias = _lamb_by_hand(kernel, bias, steps=2)
    np.testing.assert_allclose(ops.convert_to_numpy(dense.kernel), expected_kernel, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(dense.bias), expected_bias, atol=1e-6)
    # Not Keras' Lamb, whose decay is decoupled and excludes nothing.
    keras_lamb = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    keras_lamb.set_weights([kernel, bias])
    keras_lamb.compile(
        optimizer=keras.optimizers.Lamb(
            LEARNING_RATE, weight_decay=WEIGHT_DECAY, epsilon=EPSILON, global_clipnorm=1.0
        ),
        loss=lambda y_true, y_pred: ops.sum(y_true * y_pred, axis=-1),
    )
    for _ in range(2):
        keras_lamb.train_on_batch(X, Y)
    assert np.abs(keras_lamb.get_weights()[0] - expected_kernel).max() > 1e-4


def test_an_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="'sgd' is not one of adamw, lamb"):
        optimization.electra_optimizer(1e-3, [], algorithm="sgd")



def _lamb_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(
        optimizer=optimization.electra_optimizer(
            LEARNING_RATE, model.trainable_variables, algorithm="lamb",
            weight_decay=WEIGHT_DECAY, epsilon=EPSILON,
        ),
        loss="mse",  # Gradients that change with the weights.
    )
    model.optimizer.build(model.trainable_variables)
    return model


def _lamb_fit(epochs, backup_dir):
    """`epochs` one-step epochs of LAMB, resumed from `backup_dir` (as
    `pretrain.py` resumes a killed run) when it holds a backup."""
    from keras_electra.pretrain.callbacks import TrainingBackup

    model = _lamb_model()
    backup = TrainingBackup(str(backup_dir), delete_checkpoint=False)
    backup.set_model(model)
    backup.restore()
    done = int(ops.convert_to_numpy(model.optimizer.iterations))
    model.fit(X, Y, batch_size=len(X), epochs=epochs, initial_epoch=done,
              callbacks=[backup], shuffle=False, verbose=0)
    return model


def test_a_resumed_lamb_run_continues_its_moments_and_step_count(tmp_path):
    straight = _lamb_fit(4, tmp_path / "straight")
    killed = _lamb_fit(2, tmp_path / "killed")  # Its step-2 backup stays.
    resumed = _lamb_fit(4, tmp_path / "killed")
    assert int(ops.convert_to_numpy(resumed.optimizer.iterations)) == 4
    for ours, expected in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(ours, expected, atol=1e-6)
    # The step-2 weights with LAMB's moments and step started afresh end
    # elsewhere: the backup's optimizer state is what made them equal.
    weights_only = _lamb_model()
    weights_only.set_weights(killed.get_weights())
    weights_only.fit(X, Y, batch_size=len(X), epochs=2, shuffle=False, verbose=0)
    assert np.abs(weights_only.get_weights()[0] - straight.get_weights()[0]).max() > 1e-4
