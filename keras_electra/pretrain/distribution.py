"""Where a pre-training run's batch goes: tf.distribute or keras.distribution."""

import contextlib

import keras

TF_STRATEGIES = ("mirrored", "multi-worker", "tpu")
JAX_DISTRIBUTIONS = ("data-parallel", "fsdp")

# Variables with fewer elements than this stay whole on every device under
# `FullyShardedDataParallel` (LayerNorm scales, biases, seed states): their
# all-gathers would cost more than the memory they save.
MIN_SHARDED_SIZE = 2**14


def sharded_axis(shape, num_shards, min_size=MIN_SHARDED_SIZE):
    """The axis `FullyShardedDataParallel` splits a variable of `shape` on.

    The largest axis that `num_shards` divides, for variables of at least
    `min_size` elements; `None` (kept whole) otherwise.

    Args:
        shape: tuple of ints.
        num_shards: int. Devices in the mesh.
        min_size: int.

    Returns:
        int or None.
    """
    size = 1
    for dim in shape:
        size *= dim
    if num_shards < 2 or size < min_size:
        return None
    divisible = [i for i, dim in enumerate(shape) if dim % num_shards == 0]
    return max(divisible, key=lambda i: shape[i]) if divisible else None


class FullyShardedDataParallel(keras.distribution.ModelParallel):
    """Data parallelism with each large variable split across the devices.

    FSDP / ZeRO-3 style: the batch is split over a one-axis mesh (`batch`)
    as in `keras.distribution.DataParallel`, and every variable of at least
    `min_size` elements (the optimizer's moments too: they share their
    variable's shape) is split along its largest divisible axis over the
    same devices (`sharded_axis`), so each device holds `1/N` of the
    weights and optimizer state. XLA's partitioner gathers a weight where a
    layer needs it and reduce-scatters its gradient; the arithmetic is the
    data-parallel one, so the result equals one device's.

    Args:
        devices: list of device names (default: all).
        min_size: int. See `MIN_SHARDED_SIZE`.
        auto_shard_dataset: bool. As in `keras.distribution.DataParallel`.
    """

    def __init__(self, devices=None, min_size=MIN_SHARDED_SIZE, auto_shard_dataset=True):
        devices = devices or keras.distribution.list_devices()
        mesh = keras.distribution.DeviceMesh((len(devices),), ["batch"], devices)
        super().__init__(
            layout_map=keras.distribution.LayoutMap(mesh),
            batch_dim_name="batch",
            auto_shard_dataset=auto_shard_dataset,
        )
        self.min_size = min_size

    def get_variable_layout(self, variable):
        if getattr(variable, "_layout", None) is not None:
            return variable._layout
        axes = [None] * len(variable.shape)
        axis = sharded_axis(tuple(variable.shape), self.device_mesh.shape[0], self.min_size)
        if axis is not None:
            axes[axis] = "batch"
        return keras.distribution.TensorLayout(axes, self.device_mesh)


class JaxDataParallel:
    """A `keras.distribution` over `devices`, with the part of the
    `tf.distribute.Strategy` interface pre-training uses (`scope()`,
    `num_replicas_in_sync`).

    `keras.distribution.DataParallel`, or `FullyShardedDataParallel` with
    `shard_variables`. One device sets no distribution (plain
    single-device training). Over several processes (`processes`),
    `devices` are all of their devices and each process feeds its own part
    of every global batch (`worker_datasets`): Keras does not shard the
    input again.

    Args:
        devices: list of device names from `keras.distribution.list_devices`.
        processes: `keras_electra.pretrain.jax_processes.JaxProcesses` of a
            multi-process run started by `start_jax_processes`, or None.
        shard_variables: bool. Split the variables too (FSDP).
    """

    def __init__(self, devices, processes=None, shard_variables=False):
        self.num_replicas_in_sync = len(devices)
        self.processes = processes
        if len(devices) > 1:
            kind = FullyShardedDataParallel if shard_variables else keras.distribution.DataParallel
            keras.distribution.set_distribution(
                kind(devices=devices, auto_shard_dataset=processes is None)
            )

    def scope(self):
        return contextlib.nullcontext()


def make_strategy(name, tpu="local", cluster_timeout=600.0, processes=None):
    """The strategy for `distribute=name` on the current Keras backend.

    Args:
        name: one of `keras_electra.pretrain.config.DISTRIBUTE_CHOICES`:
            `auto` (all GPUs when there are several, else none), `none`,
            `mirrored`, `multi-worker` (reads `TF_CONFIG`), `tpu`
            (tf.distribute), `data-parallel` (all JAX devices) or `fsdp`
            (all JAX devices, variables split across them; one process).
        tpu: str. The TPU's name or `grpc://` address; `local` on a TPU VM.
        cluster_timeout: float. For `multi-worker`, see
            `multi_worker_strategy`. Create that strategy before TensorFlow
            runs any op. For `processes`, see `start_jax_processes`.
        processes: `JaxProcesses` (JAX only): data-parallel over the devices
            of all these processes, joined first by `start_jax_processes`.

    Returns:
        A `tf.distribute.Strategy` on TensorFlow (the default one for
        `none`); on JAX a `JaxDataParallel`, which sets the global
        `keras.distribution`.

    Raises:
        ValueError: for a strategy of the other backend, or no TPU found.
    """
    backend = keras.backend.backend()
    if processes is not None and name == "fsdp":
        raise ValueError(
            "--distribute fsdp runs on the devices of one process; with "
            "--num-processes use --distribute data-parallel"
        )
    if processes is not None and (backend != "jax" or name not in ("auto", "data-parallel")):
        raise ValueError(
            "--num-processes runs JAX on several processes: use it with "
            "KERAS_BACKEND=jax and --distribute data-parallel (TensorFlow "
            "runs on several machines with --distribute multi-worker and "
            "TF_CONFIG)"
        )
    if backend == "jax":
        if name in TF_STRATEGIES:
            raise ValueError(
                f"--distribute {name} is a tf.distribute strategy; under "
                "KERAS_BACKEND=jax use auto, data-parallel or fsdp"
            )
        if processes is not None:
            start_jax_processes(processes, cluster_timeout)
        devices = keras.distribution.list_devices()
        return JaxDataParallel(
            devices[:1] if name == "none" else devices, processes,
            shard_variables=name == "fsdp",
        )
    if name in JAX_DISTRIBUTIONS:
        raise ValueError(
            f"--distribute {name} is keras.distribution on JAX; under "
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


def start_jax_processes(processes, timeout_seconds=600.0):
    """Joins this process to a multi-process JAX run.

    Call it before JAX runs anything. The processes first meet in Python
    (`keras_electra.pretrain.jax_processes.meet_at_coordinator`), so a
    missing one is a one-line `ValueError` after `timeout_seconds`; then
    `jax.distributed.initialize` connects them (on CPUs, collectives go over
    Gloo). A process that dies during training fails the others' next
    collective (`cluster_lost_error`).

    Args:
        processes: `JaxProcesses`.
        timeout_seconds: float.
    """
    import jax

    from keras_electra.pretrain.jax_processes import meet_at_coordinator

    if jax.distributed.is_initialized():
        return
    meet_at_coordinator(processes, timeout_seconds)
    jax.distributed.initialize(
        coordinator_address=processes.coordinator_address,
        num_processes=processes.num_processes,
        process_id=processes.process_id,
        initialization_timeout=max(1, int(timeout_seconds)),
        # The others wait at exit while the chief saves and exports.
        shutdown_timeout_seconds=max(300, int(timeout_seconds)),
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
    """Whether `strategy` spans several processes (`TF_CONFIG` workers, or
    JAX processes)."""
    if isinstance(strategy, JaxDataParallel):
        return strategy.processes is not None
    extended = getattr(strategy, "extended", None)
    in_multi_worker_mode = getattr(extended, "_in_multi_worker_mode", None)
    return bool(in_multi_worker_mode and in_multi_worker_mode())


def is_tpu(strategy):
    """Whether `strategy` is a `tf.distribute.TPUStrategy`."""
    return type(strategy).__name__.startswith("TPUStrategy")


def is_chief(strategy):
    """Whether this process writes the run's outputs.

    The chief is the `TF_CONFIG` task of type `chief`, or worker 0 when the
    cluster has no chief; a single-process run is its own chief.
    """
    if not is_multi_worker(strategy):
        return True
    if isinstance(strategy, JaxDataParallel):
        return strategy.processes.process_id == 0
    resolver = strategy.cluster_resolver
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def task_name(strategy):
    """`worker 1`, `chief 0`, `process 1`...: this process in the cluster,
    for logs."""
    if isinstance(strategy, JaxDataParallel):
        return f"process {strategy.processes.process_id}"
    resolver = strategy.cluster_resolver
    return f"{resolver.task_type} {resolver.task_id}"


class ClusterLost(ValueError):
    """A run on several processes lost one of them; nothing saved is lost.

    Attributes:
        exit_at_once: bool. Whether this process cannot end normally either:
            JAX's distributed runtime waits at exit for the lost process,
            then aborts with a stack trace, so a command line ends with
            `os._exit` after printing the message.
    """

    def __init__(self, message, exit_at_once=False):
        super().__init__(message)
        self.exit_at_once = exit_at_once


def cluster_lost_error(strategy, error, run):
    """A `ClusterLost` for a multi-process run that lost a task, else None.

    When a worker dies (killed, preempted) the others' next cross-worker
    exchange fails (TensorFlow's heartbeat check or `--cluster-timeout`;
    JAX's collectives at once). Nothing is lost: every task resumes from
    the chief's last backup when the same command is started on all of them
    again.
    """
    if not is_multi_worker(strategy):
        return None
    resume = (
        "start the same command on every task again to resume from the last "
        f"step saved in {run.backup_dir}"
    )
    if isinstance(strategy, JaxDataParallel):
        # JAX raises a failed collective as JaxRuntimeError, or wrapped
        # in another error where it happens inside a host-side transfer.
        text = str(error)
        lost_peer = ("Gloo", "UNAVAILABLE", "heartbeat", "Connection reset",
                     "Connection closed", "DEADLINE_EXCEEDED")
        if not any(marker in text for marker in lost_peer):
            return None
        return ClusterLost(
            f"the run lost a JAX process (a collective failed: "
            f"{text.strip().splitlines()[0][:120]}); {resume}",
            exit_at_once=True,
        )
    import tensorflow as tf

    failures = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
                tf.errors.AbortedError, tf.errors.CancelledError)
    if not isinstance(error, failures):
        return None
    reason = "a worker stopped answering"
    if isinstance(error, tf.errors.DeadlineExceededError):
        reason = "a cross-worker exchange waited past --cluster-timeout"
    return ClusterLost(
        f"the cluster lost a task ({reason}: {type(error).__name__}); {resume}"
    )


def worker_datasets(strategy, dataset_fn):
    """The input `fit` reads: one pipeline per worker when there are several.

    With several workers each reads its own shard of the input
    (`dataset_fn(input_context)`: prepared shards by file, text by a
    deterministic split of its documents) and batches its replicas' part of
    the global batch, in replica order (JAX processes: process order).
    Otherwise `dataset_fn()` yields the global batches and Keras splits them
    across the local replicas.
    """
    if not is_multi_worker(strategy):
        return dataset_fn()
    if isinstance(strategy, JaxDataParallel):
        import tensorflow as tf

        count, index = strategy.processes.num_processes, strategy.processes.process_id
        return dataset_fn(tf.distribute.InputContext(count, index, count))
    return strategy.distribute_datasets_from_function(dataset_fn)


@contextlib.contextmanager
def one_process_variables(strategy):
    """A scope in which new Keras variables live on this process alone,
    outside the run's JAX distribution.

    Under a multi-process JAX distribution, creating a variable is a
    collective every process must join (JAX checks that all hold the same
    value). Saving creates some (Keras' `save_weights` builds a throwaway
    optimizer), so the chief saves inside this scope; the learning-stage
    measurement runs in it on a local copy of the model. Without a JAX
    distribution it is a no-op.
    """
    if not isinstance(strategy, JaxDataParallel) or keras.distribution.distribution() is None:
        yield
        return
    current = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(current)


class OnOneProcess(keras.callbacks.Callback):
    """Runs `callbacks` (the chief's savers) in `one_process_variables`.

    Args:
        strategy: the run's strategy.
        callbacks: list of `keras.callbacks.Callback`.
    """

    def __init__(self, strategy, callbacks):
        super().__init__()
        self.strategy = strategy
        self.callbacks = list(callbacks)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def _each(self, hook, *args):
        with one_process_variables(self.strategy):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)

    def on_train_begin(self, logs=None):
        self._each("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._each("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._each("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._each("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._each("on_train_batch_end", batch, logs)


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
