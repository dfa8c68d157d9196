"""Optimizer mixin: embedding gradients as dense tensors on TensorFlow.

On the TensorFlow backend an embedding lookup's gradient is a
`tf.IndexedSlices` with one slice per looked-up token, so a token that
occurs k times in a batch has k slices. Keras' optimizers (3.15) square
such a gradient slice by slice: the global norm that `global_clipnorm`
clips to is computed from the sum of squared slices instead of the
squared sum, and without clipping Adam's second moment is too. Word and
segment embeddings (two rows, thousands of lookups per batch) then trained
differently on TensorFlow than on JAX and PyTorch (and than the original).
Summing the slices into a dense gradient first restores the algorithm;
JAX and PyTorch gradients are dense already.

Model-side code: TensorFlow is imported only on its own backend.
"""

import keras


def dense_gradients(grads):
    """`grads` with every `tf.IndexedSlices` summed into a dense tensor."""
    if keras.backend.backend() != "tensorflow":
        return grads
    import tensorflow as tf

    return [
        tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
        for g in grads
    ]


class DenseEmbeddingGradients:
    """Optimizer mixin (first in the bases): densifies `tf.IndexedSlices`
    gradients before clipping, accumulation and the update."""

    def apply(self, grads, trainable_variables=None):
        return super().apply(dense_gradients(list(grads)), trainable_variables)
