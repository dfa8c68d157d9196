"""The weight initializer and LayerNorm epsilon of the original ELECTRA."""

import keras

# BERT/ELECTRA use TensorFlow 1's LayerNorm default epsilon.
LAYER_NORM_EPSILON = 1e-12


def electra_kernel_initializer(stddev=0.02):
    """Truncated normal initializer with standard deviation 0.02.

    Args:
        stddev: float. Standard deviation before truncation at two sigma.

    Returns:
        A `keras.initializers.TruncatedNormal`.
    """
    return keras.initializers.TruncatedNormal(stddev=stddev)
