"""The discriminator's replaced-token detection head."""

import keras
from keras import ops

from keras_electra.layers.activations import electra_activation
from keras_electra.layers.initializers import electra_kernel_initializer


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraDiscriminatorHead(keras.layers.Layer):
    """Per-token logit that the token was replaced: dense(gelu) -> dense(1).

    Args:
        hidden_dim: int. Width of the intermediate dense layer (the
            discriminator's hidden size in the original).
        activation: str. `"gelu"` (exact, the default) or
            `"gelu_approximate"` (tanh), as the encoder uses.

    Example:
    ```python
    head = ElectraDiscriminatorHead(hidden_dim=16)
    head(np.zeros((2, 8, 16), "float32")).shape  # (2, 8)
    ```
    """

    def __init__(self, hidden_dim, activation="gelu", **kwargs):
        super().__init__(**kwargs)
        # === Layers ===
        self.dense = keras.layers.Dense(
            hidden_dim,
            activation=electra_activation(activation),
            kernel_initializer=electra_kernel_initializer(),
            dtype=self.dtype_policy,
            name="dense",
        )
        # The original leaves this layer at TF1's default (Glorot uniform).
        self.logit = keras.layers.Dense(
            1, dtype=self.dtype_policy, name="logit"
        )
        # === Config ===
        self.hidden_dim = hidden_dim
        self.activation = activation

    def build(self, sequence_shape):
        self.dense.build(sequence_shape)
        self.logit.build(tuple(sequence_shape[:-1]) + (self.hidden_dim,))
        self.built = True

    def call(self, sequence_output):
        return ops.squeeze(self.logit(self.dense(sequence_output)), axis=-1)

    def compute_output_shape(self, sequence_shape):
        return tuple(sequence_shape[:-1])

    def get_config(self):
        config = super().get_config()
        config.update(
            {"hidden_dim": self.hidden_dim, "activation": self.activation}
        )
        return config
