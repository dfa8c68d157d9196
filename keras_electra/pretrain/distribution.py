"""Where a pre-training run's batch goes: tf.distribute or keras.distribution."""

import contextlib

import keras

TF_STRATEGIES = ("mirrored", "multi-worker", "tpu")


class JaxDataParallel:
    """`keras.distribution.DataParallel` over `devices`, with the part of
    the `tf.distribute.Strategy` interface pre-training uses
    (`scope()`, `num_replicas_in_sync`).

    One device sets no distribution (plain single-device training).

    Args:
        devices: list of device names from `keras.distribution.list_devices`.
    """

    def __init__(self, devices):
        self.num_replicas_in_sync = len(devices)
        if len(devices) > 1:
            keras.distribution.set_distribution(
                keras.distribution.DataParallel(devices=devices)
            )

    def scope(self):
        return contextlib.nullcontext()


def make_strategy(name, tpu="local", cluster_timeout=600.0):
    """The strategy for `distribute=name` on the current Keras backend.

    Args:
        name: one of `keras_electra.pretrain.config.DISTRIBUTE_CHOICES`:
            `auto` (all GPUs when there are several, else none), `none`,
            `mirrored`, `multi-worker` (reads `TF_CONFIG`), `tpu`
            (tf.distribute) or `data-parallel` (all JAX devices).
        tpu: str. The TPU's name or `grpc://` address; `local` on a TPU VM.
        cluster_timeout: float. For `multi-worker`, see
            `multi_worker_strategy`. Create that strategy before TensorFlow
            runs any op.

    Returns:
        A `tf.distribute.Strategy` on TensorFlow (the default one for
        `none`); on JAX a `JaxDataParallel`, which sets the global
        `keras.distribution`.

    Raises:
        ValueError: for a strategy of the other backend, or no TPU found.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        if name in TF_STRATEGIES:
            raise ValueError(
                f"--distribute {name} is a tf.distribute strategy; under "
                "KERAS_BACKEND=jax use auto or data-parallel"
            )
        devices = keras.distribution.list_devices()
        return JaxDataParallel(devices[:1] if name == "none" else devices)
    if name == "data-parallel":
        raise ValueError(
            "--distribute data-parallel is keras.distribution on JAX; under "
            "TensorFlow use auto, mirrored, multi-worker or tpu"
        )
    import tensorflow as tf

    if name == "tpu":
        return _tpu_strategy(tf, tpu)
    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "none"
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        return multi_worker_strategy(cluster_timeout)
    return tf.distribute.get_strategy()


def multi_worker_strategy(timeout_seconds=600.0):
    """`MultiWorkerMirroredStrategy` over the `TF_CONFIG` cluster.

    Create it before TensorFlow runs any op (collective ops are configured
    at start-up). TensorFlow's constructor waits for every task without
    end; here the tasks first meet in Python
    (`keras_electra.pretrain.cluster.wait_for_peers`), so a task that has
    not come up within `timeout_seconds` is a `ValueError` naming it, and
    any cross-worker exchange during training that waits longer (a worker
    that died) fails instead of hanging.

    Args:
        timeout_seconds: float.

    Raises:
        ValueError: for a malformed `TF_CONFIG` or a cluster that did not
            form in time.
    """
    from keras_electra.pretrain.cluster import read_tf_config
    from keras_electra.pretrain.cluster import wait_for_peers

    wait_for_peers(read_tf_config(), timeout_seconds)
    import tensorflow as tf

    return tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            timeout_seconds=timeout_seconds
        )
    )


def _tpu_strategy(tf, tpu):
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as e:
        reason = str(e).strip().split("\n")[0].split(". ")[0] or type(e).__name__
        raise ValueError(f"no TPU found for --tpu {tpu}: {reason}") from None
    return tf.distribute.TPUStrategy(resolver)


def is_multi_worker(strategy):
    """Whether `strategy` spans several processes (`TF_CONFIG` workers)."""
    extended = getattr(strategy, "extended", None)
    in_multi_worker_mode = getattr(extended, "_in_multi_worker_mode", None)
    return bool(in_multi_worker_mode and in_multi_worker_mode())


def is_chief(strategy):
    """Whether this process writes the run's outputs.

    The chief is the `TF_CONFIG` task of type `chief`, or worker 0 when the
    cluster has no chief; a single-process run is its own chief.
    """
    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def task_name(strategy):
    """`worker 1`, `chief 0`, ...: this process in the cluster, for logs."""
    resolver = strategy.cluster_resolver
    return f"{resolver.task_type} {resolver.task_id}"


def lost_worker_message(strategy, error, run):
    """One line for a multi-worker run that lost a task, else None.

    When a worker dies (killed, preempted) the others' next cross-worker
    exchange fails (TensorFlow's heartbeat check, or `--cluster-timeout`).
    Nothing is lost: every task resumes from the chief's last backup when
    the same command is started on all of them again.
    """
    if not is_multi_worker(strategy):
        return None
    import tensorflow as tf

    failures = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
                tf.errors.AbortedError, tf.errors.CancelledError)
    if not isinstance(error, failures):
        return None
    reason = "a worker stopped answering"
    if isinstance(error, tf.errors.DeadlineExceededError):
        reason = "a cross-worker exchange waited past --cluster-timeout"
    return (
        f"the cluster lost a task ({reason}: {type(error).__name__}); start "
        f"the same command on every task again to resume from the last step "
        f"saved in {run.backup_dir}"
    )


def worker_datasets(strategy, dataset_fn):
    """The input `fit` reads: one pipeline per worker when there are several.

    With several workers each reads its own shard of the input
    (`dataset_fn(input_context)`: prepared shards by file, text by a
    deterministic split of its documents) and batches its replicas' part of
    the global batch, in replica order. Otherwise `dataset_fn()` yields the
    global batches and Keras splits them across the local replicas.
    """
    if not is_multi_worker(strategy):
        return dataset_fn()
    return strategy.distribute_datasets_from_function(dataset_fn)


def prepare_for_multi_worker_fit(model):
    """Works around two failures of Keras' TensorFlow `fit` on several workers.

    Keras 3's TensorFlow trainer (3.15; tensorflow/tensorflow#72388) cannot
    train under `MultiWorkerMirroredStrategy`: (1) before training it
    averages one distributed batch over all replicas with `strategy.reduce`
    to learn its shapes, which fails for a dict of tensors ("unsupported
    type (dict)"); (2) after each step it averages the step's logs with
    `strategy.reduce("MEAN", value, axis=0)`, which fails for the scalar
    logs every model returns ("Invalid reduction dimension 0 for input with
    0 dimensions"). The pre-trainers need no shapes (they are built at
    construction and compile no losses or metrics), so for `model` this
    builds the optimizer (all that step (1) has left to build) and skips
    step (1), and makes each log a 1-element vector, whose mean over axis 0
    and the workers is the scalar Keras expects. Call inside the
    strategy's scope.
    """
    from keras import ops

    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    train_step = model.train_step

    def train_step_with_vector_logs(data):
        return {k: ops.reshape(v, [1]) for k, v in train_step(data).items()}

    model.train_step = train_step_with_vector_logs
