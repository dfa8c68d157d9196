"""The gelu variants an ELECTRA model may use, chosen by name."""

import keras

# `ElectraConfig.activation` / `ElectraEncoder(activation=...)` values.
from keras_electra.config import ACTIVATIONS


@keras.saving.register_keras_serializable(package="keras_electra")
def gelu_approximate(x):
    """The tanh approximation of gelu (keras-hub's `ElectraBackbone`)."""
    return keras.activations.gelu(x, approximate=True)


def electra_activation(name="gelu"):
    """The Keras activation of an `ElectraConfig.activation` name.

    Args:
        name: str. `"gelu"`: exact (erf) gelu, as Google's and Hugging
            Face's ELECTRA use; `"gelu_approximate"`: the tanh
            approximation, as keras-hub's `ElectraBackbone` uses.

    Returns:
        A value for a Keras layer's `activation=` argument.

    Example:
    ```python
    keras.layers.Dense(8, activation=electra_activation("gelu_approximate"))
    ```
    """
    check_activation(name)
    return "gelu" if name == "gelu" else gelu_approximate


def check_activation(name):
    """Raises `ValueError` unless `name` is one of `ACTIVATIONS`."""
    if name not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}."
        )
    return name
