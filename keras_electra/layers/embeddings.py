"""The token, position and segment embeddings that both towers share."""

import keras
from keras_hub.layers import PositionEmbedding
from keras_hub.layers import ReversibleEmbedding

from keras_electra.layers.hashed_dropout import HashedDropout
from keras_electra.layers.initializers import LAYER_NORM_EPSILON
from keras_electra.layers.initializers import electra_kernel_initializer


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraEmbeddings(keras.layers.Layer):
    """Sum of token, position and segment embeddings, then LayerNorm + dropout.

    ELECTRA builds this block once and calls it from both the generator and
    the discriminator, so the two towers hold the *same* variables (token,
    position and segment tables and the embedding LayerNorm). The token table
    is a `ReversibleEmbedding`, which the generator's masked-LM head reuses
    as its output projection.

    Args:
        vocabulary_size: int. Number of token ids.
        embedding_dim: int. Width of every embedding.
        max_sequence_length: int. Number of position embeddings.
        num_segments: int. Number of segment embeddings.
        dropout: float. Dropout rate after the LayerNorm.

    Example:
    ```python
    embeddings = ElectraEmbeddings(vocabulary_size=100, embedding_dim=16)
    x = embeddings(np.ones((2, 8), "int32"), np.zeros((2, 8), "int32"))
    x.shape  # (2, 8, 16)
    ```
    """

    def __init__(
        self,
        vocabulary_size,
        embedding_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # === Layers ===
        self.token_embedding = ReversibleEmbedding(
            input_dim=vocabulary_size,
            output_dim=embedding_dim,
            embeddings_initializer=electra_kernel_initializer(),
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        self.position_embedding = PositionEmbedding(
            sequence_length=max_sequence_length,
            initializer=electra_kernel_initializer(),
            dtype=self.dtype_policy,
            name="position_embedding",
        )
        self.segment_embedding = keras.layers.Embedding(
            input_dim=num_segments,
            output_dim=embedding_dim,
            embeddings_initializer=electra_kernel_initializer(),
            dtype=self.dtype_policy,
            name="segment_embedding",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=LAYER_NORM_EPSILON,
            dtype=self.dtype_policy,
            name="layer_norm",
        )
        self.dropout_layer = HashedDropout(
            dropout, dtype=self.dtype_policy, name="dropout"
        )

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout

    def build(self, token_ids_shape, segment_ids_shape=None):
        self.token_embedding.build(token_ids_shape)
        self.segment_embedding.build(token_ids_shape)
        embedded_shape = tuple(token_ids_shape) + (self.embedding_dim,)
        self.position_embedding.build(embedded_shape)
        self.layer_norm.build(embedded_shape)
        self.built = True

    def call(self, token_ids, segment_ids, training=None):
        tokens = self.token_embedding(token_ids)
        x = (
            tokens
            + self.position_embedding(tokens)
            + self.segment_embedding(segment_ids)
        )
        x = self.layer_norm(x)
        return self.dropout_layer(x, training=training)

    def compute_output_shape(self, token_ids_shape, segment_ids_shape=None):
        return tuple(token_ids_shape) + (self.embedding_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "embedding_dim": self.embedding_dim,
                "max_sequence_length": self.max_sequence_length,
                "num_segments": self.num_segments,
                "dropout": self.dropout,
            }
        )
        return config
