"""`ElectraEncoder`: one tower (generator or discriminator) as a Keras model."""

import keras
from keras_hub.layers import TransformerEncoder
from keras_hub.models import Backbone

from keras_electra.layers.activations import check_activation
from keras_electra.layers.activations import electra_activation
from keras_electra.layers.embeddings import ElectraEmbeddings
from keras_electra.layers.hashed_dropout import use_hashed_dropout
from keras_electra.layers.initializers import LAYER_NORM_EPSILON
from keras_electra.layers.initializers import electra_kernel_initializer


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraEncoder(Backbone):
    """An ELECTRA transformer tower: embeddings -> projection -> encoders.

    Inputs are a dict of `token_ids`, `segment_ids` and `padding_mask`
    (`[batch, sequence_length]` integers, mask 1 for real tokens); the
    output is the sequence output `[batch, sequence_length, hidden_dim]`.
    The [CLS] vector is `output[:, 0]` (ELECTRA has no pooler).

    Inside `ElectraPretrainer` both towers are built around one
    `ElectraEmbeddings` passed as `embeddings`; each tower keeps its own
    embedding-to-hidden projection. A tower saved on its own (`.keras` or
    weights) reloads with an embedding block of its own and the same values,
    ready for fine-tuning.

    It is a keras-hub `Backbone`, so `save_to_preset(dir)` writes a
    keras-hub preset directory and `ElectraEncoder.from_preset(dir)` (or
    `keras_hub.models.Backbone.from_preset(dir)`) loads it; outputs are
    unchanged (the base class adds no layers) and the model code still
    imports no TensorFlow under JAX or PyTorch.

    Args:
        vocabulary_size: int. Number of token ids.
        num_layers: int. Number of transformer layers.
        hidden_dim: int. Hidden size.
        num_heads: int. Attention heads per layer.
        intermediate_dim: int. Feed-forward size.
        embedding_dim: int. Width of the embeddings. Defaults to `hidden_dim`.
        max_sequence_length: int. Number of position embeddings.
        num_segments: int. Number of segment embeddings.
        dropout: float. Dropout rate everywhere.
        activation: str. The feed-forward activation: `"gelu"` (exact erf
            gelu, the default, as Google's and Hugging Face's ELECTRA) or
            `"gelu_approximate"` (tanh, as keras-hub's `ElectraBackbone`).
        embeddings: `ElectraEmbeddings` or None. A block to share with
            another tower; `None` creates one. Not part of the config.
        dtype: dtype policy of every layer.

    Example:
    ```python
    encoder = ElectraEncoder(vocabulary_size=100, num_layers=2, hidden_dim=32,
                             num_heads=2, intermediate_dim=64)
    sequence = encoder({"token_ids": np.ones((2, 8), "int32"),
                        "segment_ids": np.zeros((2, 8), "int32"),
                        "padding_mask": np.ones((2, 8), "int32")})
    ```
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        hidden_dim,
        num_heads,
        intermediate_dim,
        embedding_dim=None,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        activation="gelu",
        embeddings=None,
        dtype=None,
        **kwargs,
    ):
        embedding_dim = embedding_dim or hidden_dim
        check_activation(activation)
        # === Layers ===
        if embeddings is None:
            embeddings = ElectraEmbeddings(
                vocabulary_size=vocabulary_size,
                embedding_dim=embedding_dim,
                max_sequence_length=max_sequence_length,
                num_segments=num_segments,
                dropout=dropout,
                dtype=dtype,
                name="embeddings",
            )
        elif embeddings.embedding_dim != embedding_dim:
            raise ValueError(
                f"The shared embeddings are {embeddings.embedding_dim} wide "
                f"but this tower expects embedding_dim={embedding_dim}."
            )
        # The original creates the projection only when the widths differ.
        projection = None
        if embedding_dim != hidden_dim:
            projection = keras.layers.Dense(
                hidden_dim,
                kernel_initializer=electra_kernel_initializer(),
                dtype=dtype,
                name="embeddings_projection",
            )
        transformer_layers = [
            TransformerEncoder(
                intermediate_dim=intermediate_dim,
                num_heads=num_heads,
                dropout=dropout,
                activation=electra_activation(activation),
                layer_norm_epsilon=LAYER_NORM_EPSILON,
                kernel_initializer=electra_kernel_initializer(),
                dtype=dtype,
                name=f"transformer_layer_{i}",
            )
            for i in range(num_layers)
        ]

        # === Functional Model ===
        # Built under the tower's name so that variable paths say which
        # tower they belong to ("discriminator/transformer_layer_0/...").
        name = kwargs.setdefault("name", "electra_encoder")
        inputs = {
            key: keras.Input(shape=(None,), dtype="int32", name=key)
            for key in ("token_ids", "segment_ids", "padding_mask")
        }
        with keras.name_scope(name):
            x = embeddings(inputs["token_ids"], inputs["segment_ids"])
            if projection is not None:
                x = projection(x)
            for layer in transformer_layers:
                x = layer(x, padding_mask=inputs["padding_mask"])
        super().__init__(inputs=inputs, outputs=x, dtype=dtype, **kwargs)
        # keras-hub's and Keras' layers build their own `Dropout`s.
        use_hashed_dropout(self)

        # === Config ===
        self.embeddings = embeddings
        self.embeddings_projection = projection
        self.transformer_layers = transformer_layers
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.embedding_dim = embedding_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.activation = activation

    @property
    def token_embedding(self):
        return self.embeddings.token_embedding

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "embedding_dim": self.embedding_dim,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "dropout": self.dropout,
            "activation": self.activation,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "dtype" in config and isinstance(config["dtype"], dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
