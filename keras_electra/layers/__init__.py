"""Keras 3 layers of the ELECTRA generator/discriminator pair."""

from keras_electra.layers.activations import electra_activation
from keras_electra.layers.activations import gelu_approximate
from keras_electra.layers.discriminator_head import ElectraDiscriminatorHead
from keras_electra.layers.embeddings import ElectraEmbeddings
from keras_electra.layers.generator_head import electra_generator_head
from keras_electra.layers.initializers import electra_kernel_initializer

__all__ = [
    "ElectraDiscriminatorHead",
    "ElectraEmbeddings",
    "electra_activation",
    "electra_generator_head",
    "electra_kernel_initializer",
    "gelu_approximate",
]
