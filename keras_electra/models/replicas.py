"""What differs per replica under a `tf.distribute` strategy.

Keras' built-in train step sums gradients over replicas and its
`SeedGenerator` gives every replica the same random stream. These helpers
correct both for hand-written losses and in-model sampling. TensorFlow is
imported only under the TensorFlow backend, so JAX and PyTorch users need no
TensorFlow installed.
"""

import keras


def _replica_context():
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def scale_loss_for_replicas(loss):
    """Divides a per-replica mean loss by the number of replicas in sync.

    Under `tf.distribute`, gradients are summed over replicas, so each
    replica's loss must carry `1 / num_replicas` of the global mean. Without
    a multi-replica strategy (and on JAX and PyTorch, where the batch is
    global) the loss is returned unchanged.
    """
    context = _replica_context()
    if context is None:
        return loss
    return loss / context.num_replicas_in_sync


def replica_uniform(shape, seed_generator, dtype="float32"):
    """Uniform `[0, 1)` noise that differs between replicas.

    Args:
        shape: tuple. Shape of the draw.
        seed_generator: `keras.random.SeedGenerator` attached to the model.
        dtype: string. Float dtype of the draw.

    Returns:
        A tensor of uniform noise. Under a multi-replica `tf.distribute`
        strategy the replica id is folded into the seed, so replicas get
        independent draws from the same generator state.
    """
    context = _replica_context()
    if context is None:
        return keras.random.uniform(shape, dtype=dtype, seed=seed_generator)
    import tensorflow as tf

    seed = tf.cast(seed_generator.next(), "int64")
    seed = tf.random.experimental.stateless_fold_in(
        seed, context.replica_id_in_sync_group
    )
    return tf.random.stateless_uniform(shape, seed=seed, dtype=dtype)
