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


def make_strategy(name, tpu="local"):
    """The strategy for `distribute=name` on the current Keras backend.

    Args:
        name: one of `keras_electra.pretrain.config.DISTRIBUTE_CHOICES`:
            `auto` (all GPUs when there are several, else none), `none`,
            `mirrored`, `multi-worker` (reads `TF_CONFIG`), `tpu`
            (tf.distribute) or `data-parallel` (all JAX devices).
        tpu: str. The TPU's name or `grpc://` address; `local` on a TPU VM.

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
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def _tpu_strategy(tf, tpu):
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as e:
        reason = str(e).strip().split("\n")[0].split(". ")[0] or type(e).__name__
        raise ValueError(f"no TPU found for --tpu {tpu}: {reason}") from None
    return tf.distribute.TPUStrategy(resolver)
