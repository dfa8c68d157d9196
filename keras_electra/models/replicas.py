"""What differs per replica under a `tf.distribute` strategy.

Under `tf.distribute` each replica runs the train step on its slice of the
global batch and the optimizer sums their gradients. For the result to be
the one a single device computes on the whole batch, a replica needs two
facts about the others: where its rows sit in the global batch (for noise
keyed by global row, `keras_electra.layers.hashed_noise`) and how many
tokens and mask slots the global batch has (so each loss is the global
mean, not a mean of per-replica means); and the optimizer must clip the
summed gradient, not each replica's part of it
(`ClipGlobalNormAfterReplicaSum`). On JAX (`keras.distribution`) and
PyTorch the step sees the global batch and these helpers change nothing.
TensorFlow is imported only under the TensorFlow backend, so JAX and
PyTorch users need no TensorFlow installed.
"""

import keras
from keras import ops


def multi_replica_context():
    """The `tf.distribute` replica context when several replicas run in
    sync (TensorFlow backend), else None."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def scale_loss_for_replicas(loss):
    """Divides a loss every replica computes alike by the number of replicas.

    Under `tf.distribute`, gradients are summed over replicas, so a loss
    that each replica computes in full (a layer's regularisation loss, a
    per-replica mean) must carry `1 / num_replicas` of it. Without a
    multi-replica strategy the loss is returned unchanged.
    """
    context = multi_replica_context()
    if context is None:
        return loss
    return loss / context.num_replicas_in_sync


def replica_row_offset(rows):
    """Global index of this replica's first row, given its `rows` per step.

    `tf.distribute` splits a global batch into consecutive, equal slices in
    replica order, so replica `k` holds rows `[k * rows, (k + 1) * rows)`.
    0 without a multi-replica strategy.
    """
    context = multi_replica_context()
    if context is None:
        return 0
    return ops.multiply(
        ops.cast(context.replica_id_in_sync_group, "int32"),
        ops.cast(rows, "int32"),
    )


def global_weighted_means(values_and_weights):
    """Weighted means over the global batch, and each replica's share.

    Args:
        values_and_weights: list of `(values, weights)` pairs of float
            tensors of one shape each (e.g. per-token losses and the
            padding mask).

    Returns:
        `(shares, means)`, lists with one float32 scalar per pair.
        `means[i]` is `sum(values * weights) / sum(weights)` over the
        global batch (0 when its weights are all 0), identical on every
        replica: report it. `shares[i]` is this replica's part of it, its
        local `sum(values * weights)` over the *global* `sum(weights)`:
        the shares of all replicas add up to the global mean, and so do
        their gradients, which is what the optimizer sums. Without a
        multi-replica strategy `shares` and `means` are the same tensors.
    """
    sums, counts = [], []
    for values, weights in values_and_weights:
        weights = ops.cast(weights, "float32")
        sums.append(ops.sum(ops.cast(values, "float32") * weights))
        counts.append(ops.sum(weights))
    context = multi_replica_context()
    if context is None:
        means = [s / ops.maximum(c, 1e-6) for s, c in zip(sums, counts)]
        return means, means
    import tensorflow as tf

    totals = context.all_reduce(
        tf.distribute.ReduceOp.SUM, tf.stop_gradient(tf.stack(sums + counts))
    )
    size = len(sums)
    global_counts = [ops.maximum(totals[size + i], 1e-6) for i in range(size)]
    shares = [s / c for s, c in zip(sums, global_counts)]
    means = [totals[i] / c for i, c in enumerate(global_counts)]
    return shares, means


class ClipGlobalNormAfterReplicaSum:
    """Optimizer mixin: `global_clipnorm` clips the gradient summed over
    replicas.

    Keras' optimizers (3.15) clip in `apply`, before the TensorFlow backend
    sums the replicas' gradients, so on N replicas each replica's part is
    clipped to the norm and the sum can reach N times it: the update then
    depends on the replica count. With this mixin first in the bases, the
    clip waits until after the all-reduce (`_all_reduce_sum_gradients`,
    Keras' TensorFlow optimizer) and applies to the global gradient, as on
    one device. Without a multi-replica strategy, and on JAX and PyTorch,
    nothing changes.
    """

    def _clip_gradients(self, grads):
        if multi_replica_context() is not None:
            return grads  # Clipped once summed, below.
        return super()._clip_gradients(grads)

    def _all_reduce_sum_gradients(self, grads_and_vars):
        grads_and_vars = list(super()._all_reduce_sum_gradients(grads_and_vars))
        if multi_replica_context() is None:
            return grads_and_vars
        present = [i for i, (grad, _) in enumerate(grads_and_vars) if grad is not None]
        clipped = super()._clip_gradients([grads_and_vars[i][0] for i in present])
        for i, grad in zip(present, clipped):
            grads_and_vars[i] = (grad, grads_and_vars[i][1])
        return grads_and_vars
