"""Fixtures for model tests, which run under every Keras backend."""

import keras
import numpy as np
import pytest

import keras_electra

TINY_VOCAB = 100


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/models/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.multi_backend)


@pytest.fixture
def tiny_config():
    """The `tiny` preset with a 100-token vocab and no dropout."""
    return keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=TINY_VOCAB, max_sequence_length=32, dropout=0.0
    )


@pytest.fixture
def gradients():
    """`gradients(model, inputs, loss_fn)` -> {variable path: numpy grad}.

    Differentiates `loss_fn(model(inputs))` with the backend's own autodiff;
    a variable the loss does not reach gets an all-zero gradient.
    """

    def compute(model, inputs, loss_fn):
        variables = model.trainable_variables
        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf

            with tf.GradientTape() as tape:
                loss = loss_fn(model(inputs, training=False))
            grads = tape.gradient(loss, [v.value for v in variables])
        elif backend == "jax":
            import jax

            non_trainable = [v.value for v in model.non_trainable_variables]

            def loss_of(trainable):
                outputs, _ = model.stateless_call(
                    trainable, non_trainable, inputs, training=False
                )
                return loss_fn(outputs)

            grads = jax.grad(loss_of)([v.value for v in variables])
        else:
            for v in variables:
                v.value.grad = None
            loss_fn(model(inputs, training=False)).backward()
            grads = [v.value.grad for v in variables]
        return {
            v.path: np.zeros(v.shape)
            if g is None
            else np.asarray(keras.ops.convert_to_numpy(g))
            for v, g in zip(variables, grads)
        }

    return compute
