"""`HashedDropout`: Keras' `Dropout` with masks drawn by a hash.

Keras' dropout draws its mask from the backend's random generator, and
under `tf.distribute` every replica draws the same stream, so a model
trained on N replicas with dropout differs from the one trained on one
device. `HashedDropout` keeps `Dropout`'s rate, seed generator, config and
scaling, and computes the mask with `hashed_keep_mask` (a 32-bit integer
hash of the seed and each value's index in the global batch) instead, so
a replica's rows get the masks one device gives them. Under XLA on a CPU
the hash is also about ten times cheaper than threefry bits per mask. On
PyTorch, whose dropout is one native kernel, it is Keras' dropout
unchanged.

`use_hashed_dropout(layer)` turns every plain `Dropout` inside a built layer
(e.g. those keras-hub's `TransformerEncoder` and Keras' `MultiHeadAttention`
create for themselves) into a `HashedDropout`; variables, names and outputs
without training are unchanged.
"""

import keras
from keras import ops

from keras_electra.layers.hashed_noise import hashed_keep_mask


@keras.saving.register_keras_serializable(package="keras_electra")
class HashedDropout(keras.layers.Dropout):
    """`keras.layers.Dropout` whose mask is a hash of its seed and position.

    Args: those of `keras.layers.Dropout`. A `noise_shape` falls back to
    Keras' own mask.

    Example:
    ```python
    dropout = HashedDropout(0.1, seed=0)
    y = dropout(np.ones((2, 8), "float32"), training=True)
    ```
    """

    def call(self, inputs, training=False):
        if (
            not training
            or self.rate == 0
            or self.noise_shape is not None
            or keras.backend.backend() == "torch"
        ):
            return super().call(inputs, training=training)
        # Imported here: `keras_electra.models` imports these layers.
        from keras_electra.models.replicas import replica_row_offset

        shape = tuple(ops.shape(inputs))
        keep = hashed_keep_mask(
            self.seed_generator.next(), shape, self.rate,
            row_offset=replica_row_offset(shape[0]),
        )
        scaled = ops.divide(inputs, ops.cast(1.0 - self.rate, inputs.dtype))
        return ops.where(keep, scaled, ops.zeros_like(inputs))


def use_hashed_dropout(layer):
    """Makes every plain `keras.layers.Dropout` in `layer` (itself and all
    sublayers, built) a `HashedDropout`, in place; returns `layer`."""
    for sublayer in layer._flatten_layers(include_self=True):
        if type(sublayer) is keras.layers.Dropout:
            sublayer.__class__ = HashedDropout
    return layer
