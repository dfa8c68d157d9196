"""The generator's masked-LM head, tied to the shared token embedding."""

from keras_hub.layers import MaskedLMHead

from keras_electra.layers.activations import electra_activation
from keras_electra.layers.initializers import LAYER_NORM_EPSILON
from keras_electra.layers.initializers import electra_kernel_initializer


def electra_generator_head(
    token_embedding, dtype=None, name="generator_head", activation="gelu"
):
    """Builds ELECTRA's generator head from keras-hub's `MaskedLMHead`.

    At the masked positions only: dense to the embedding width with gelu
    (exact unless `activation="gelu_approximate"`), LayerNorm (epsilon
    1e-12), then the transposed shared token embedding plus an output
    bias, giving logits over the vocabulary.

    Args:
        token_embedding: `ReversibleEmbedding`. The shared token table.
        dtype: dtype policy of the head.
        name: string. Layer name.
        activation: str. `"gelu"` (exact, the default) or
            `"gelu_approximate"` (tanh).

    Returns:
        A `keras_hub.layers.MaskedLMHead` called as
        `head(sequence_output, mask_positions=positions)` and returning
        logits of shape `[batch, num_positions, vocabulary_size]`.
    """
    return MaskedLMHead(
        token_embedding=token_embedding,
        intermediate_activation=electra_activation(activation),
        layer_norm_epsilon=LAYER_NORM_EPSILON,
        kernel_initializer=electra_kernel_initializer(),
        dtype=dtype,
        name=name,
    )
