"""`ElectraPretrainer` on several devices: `tf.distribute` and JAX.

Two CPU devices stand in for two accelerators. Devices must be configured
before the framework starts, so each check runs in a fresh subprocess.
"""

import os
import subprocess
import sys
import textwrap

import pytest

BATCH = """
rng = np.random.default_rng(0)
batch = {
    "token_ids": rng.integers(5, 60, (8, 16)).astype("int32"),
    "segment_ids": np.zeros((8, 16), "int32"),
    "padding_mask": np.ones((8, 16), "int32"),
    "mask_positions": np.tile(np.arange(1, 4, dtype="int32"), (8, 1)),
    "mask_ids": rng.integers(5, 60, (8, 3)).astype("int32"),
    "mask_weights": np.ones((8, 3), "float32"),
}
"""

TF_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    import keras
    import keras_electra
    from keras_electra.models.pretraining_ops import sample_tokens
    from keras_electra.models.replicas import scale_loss_for_replicas

    strategy = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
    with strategy.scope():
        seeds = keras.random.SeedGenerator(0)

    # 1. Identical logits on both replicas still give different samples.
    logits = tf.zeros((8, 5, 1000))
    samples = strategy.run(lambda: sample_tokens(logits, seeds))
    a, b = [np.asarray(t) for t in strategy.experimental_local_results(samples)]
    print("replicas agree on", (a == b).mean())
    assert (a == b).mean() < 0.05

    # 2. A per-replica mean loss carries 1/num_replicas of the gradient sum.
    scaled = strategy.run(lambda: scale_loss_for_replicas(tf.constant(1.0)))
    assert [float(x) for x in strategy.experimental_local_results(scaled)] == [0.5, 0.5]

    # 3. fit() trains and reports the unscaled loss.
    config = keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=60, max_sequence_length=16, dropout=0.0
    )
    %BATCH%
    with strategy.scope():
        model = keras_electra.ElectraPretrainer(config, seed=0)
        model.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    data = tf.data.Dataset.from_tensors(batch).repeat(3)
    history = model.fit(data, epochs=1, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    print(logs)
    np.testing.assert_allclose(
        logs["loss"], logs["mlm_loss"] + 50 * logs["disc_loss"], rtol=0.05
    )
    assert logs["mlm_loss"] > 3.0  # about log(60); halved if mis-scaled

    # 4. Layer-wise AdamW finds its rate for each replica's copy of a
    # variable, so fine-tuning trains under the strategy too.
    from keras_electra.layerwise_decay import layerwise_adamw
    from keras_electra.models.electra_classifier import ElectraClassifier

    with strategy.scope():
        encoder = keras_electra.ElectraEncoder(
            vocabulary_size=60, num_layers=2, hidden_dim=16, num_heads=2,
            intermediate_dim=32, embedding_dim=8, max_sequence_length=16,
            name="discriminator",
        )
        classifier = ElectraClassifier(encoder, num_classes=2)
        classifier.compile(optimizer=layerwise_adamw(
            classifier, 1e-2, 0.5, total_steps=4, warmup_fraction=0.0
        ))
    before = [keras.ops.convert_to_numpy(v) for v in classifier.trainable_variables]
    inputs = {k: batch[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    classifier.fit(
        tf.data.Dataset.from_tensors((inputs, np.arange(8) % 2)).repeat(2),
        epochs=1, verbose=0,
    )
    for v, b in zip(classifier.trainable_variables, before):
        after = keras.ops.convert_to_numpy(v)
        assert np.isfinite(after).all() and (after != b).any(), v.path
    print("OK")
    """
).replace("%BATCH%", BATCH)

JAX_SCRIPT = textwrap.dedent(
    """
    import jax
    import keras
    import numpy as np
    import keras_electra

    assert len(jax.devices()) == 2, jax.devices()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    config = keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=60, max_sequence_length=16
    )
    model = keras_electra.ElectraPretrainer(config, seed=0)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    %BATCH%
    history = model.fit(x=batch, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    table = model.embeddings.token_embedding.embeddings.value
    print("sharding", table.sharding)
    print("OK")
    """
).replace("%BATCH%", BATCH)


# Three global batches of 8 whose halves differ in real tokens and mask
# slots, so a mean of per-replica means is not the global mean.
UNEVEN_BATCHES = """
rng = np.random.default_rng(1)
lengths = np.array([16, 16, 14, 16, 6, 5, 6, 4])
padding = (np.arange(16)[None, :] < lengths[:, None]).astype("int32")
slots = np.array([3, 3, 3, 2, 1, 1, 0, 1])
weights = (np.arange(3)[None, :] < slots[:, None]).astype("float32")
positions = np.tile(np.arange(1, 4, dtype="int32"), (8, 1)) * (weights > 0)
batches = {
    "token_ids": rng.integers(5, 60, (3, 8, 16)).astype("int32") * padding,
    "segment_ids": np.zeros((3, 8, 16), "int32"),
    "padding_mask": np.broadcast_to(padding, (3, 8, 16)),
    "mask_positions": np.broadcast_to(positions, (3, 8, 3)),
    "mask_ids": rng.integers(5, 60, (3, 8, 3)).astype("int32"),
    "mask_weights": np.broadcast_to(weights, (3, 8, 3)),
}
config = keras_electra.ElectraConfig.from_preset(
    "tiny", vocabulary_size=60, max_sequence_length=16, dropout=%DROPOUT%
)
initial = keras_electra.ElectraPretrainer(config, seed=0).get_weights()
from keras_electra.optimization import electra_optimizer


def report(runs):
    (one, one_weights), (two, two_weights) = runs
    loss_gap = max(
        float(np.max(np.abs(np.subtract(one[k], two[k])) / np.abs(one[k])))
        for k in ("loss", "mlm_loss", "disc_loss")
    )
    weight_gap = max(
        float(np.max(np.abs(a - b))) for a, b in zip(one_weights, two_weights)
    )
    print("losses", one["loss"], two["loss"])
    print(f"max relative loss difference {loss_gap:.2e}")
    print(f"max absolute weight difference {weight_gap:.2e}")
    assert loss_gap < 1e-5 and weight_gap < 1e-5
"""

TF_EQUIVALENCE_SCRIPT = textwrap.dedent(
    """
    import contextlib
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    import keras
    import keras_electra
    %BATCHES%

    def train(strategy):
        scope = strategy.scope() if strategy else contextlib.nullcontext()
        with scope:
            keras.utils.set_random_seed(0)  # the dropout layers' seeds
            model = keras_electra.ElectraPretrainer(config, seed=0)
            model.set_weights(initial)
            # ELECTRA's optimizer: the global-norm clip must see the summed gradient.
            model.compile(optimizer=electra_optimizer(1e-3, model.trainable_variables))
        data = tf.data.Dataset.from_tensor_slices(batches).repeat()
        history = model.fit(data, steps_per_epoch=1, epochs=3, verbose=0)
        return history.history, model.get_weights()

    report([train(None), train(tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"]))])
    print("OK")
    """
).replace("%BATCHES%", UNEVEN_BATCHES.replace("%DROPOUT%", "0.1"))

# 3 steps on one device, then on two under %DISTRIBUTION%; %CHECKS% then
# inspects the two-device model (`models[-1]`).
JAX_EQUIVALENCE_TEMPLATE = textwrap.dedent(
    """
    import jax
    import keras
    import numpy as np
    import keras_electra
    from keras_electra.pretrain.distribution import FullyShardedDataParallel

    assert len(jax.devices()) == 2, jax.devices()
    %BATCHES%
    models = []

    def train(distribution):
        keras.distribution.set_distribution(distribution)
        keras.utils.set_random_seed(0)  # the dropout layers' seeds
        model = keras_electra.ElectraPretrainer(config, seed=0)
        model.set_weights(initial)
        model.compile(optimizer=electra_optimizer(1e-3, model.trainable_variables))
        losses = {"loss": [], "mlm_loss": [], "disc_loss": []}
        for step in range(3):
            logs = model.train_on_batch(
                {k: v[step] for k, v in batches.items()}, return_dict=True
            )
            model.reset_metrics()
            for key in losses:
                losses[key].append(float(logs[key]))
        models.append(model)
        return losses, model.get_weights()

    report([train(None), train(%DISTRIBUTION%)])
    %CHECKS%
    print("OK")
    """
).replace("%BATCHES%", UNEVEN_BATCHES.replace("%DROPOUT%", "0.1"))

JAX_EQUIVALENCE_SCRIPT = JAX_EQUIVALENCE_TEMPLATE.replace(
    "%DISTRIBUTION%", "keras.distribution.DataParallel()"
).replace("%CHECKS%", "")

# FSDP: every large variable and optimizer moment is held half per device.
FSDP_CHECKS = """
model = models[-1]

def halves(variables):
    # Variables each device holds half of, and all those big enough.
    big = [v for v in variables if np.prod(v.shape) >= 1024]
    split = [
        v for v in big
        if not v.value.sharding.is_fully_replicated
        and np.prod(v.value.addressable_shards[0].data.shape) * 2 == np.prod(v.shape)
    ]
    return split, big

split, big = halves(model.trainable_variables)
moments_split, moments_big = halves(model.optimizer.variables)
print(f"split {len(split)} of {len(big)} large variables, "
      f"{len(moments_split)} of {len(moments_big)} large optimizer variables")
assert len(split) == len(big) > 10 and len(moments_split) == len(moments_big) >= 2 * len(big)
"""
JAX_FSDP_EQUIVALENCE_SCRIPT = JAX_EQUIVALENCE_TEMPLATE.replace(
    "%DISTRIBUTION%", "FullyShardedDataParallel(min_size=1024)"
).replace("%CHECKS%", FSDP_CHECKS)


def _run(script, **env):
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "OK" in result.stdout
    print(result.stdout)


def test_mirrored_strategy_replicas_draw_different_noise_and_train():
    _run(TF_SCRIPT, KERAS_BACKEND="tensorflow")


def test_jax_data_parallel_trains_over_two_devices():
    _run(
        JAX_SCRIPT,
        KERAS_BACKEND="jax",
        XLA_FLAGS="--xla_force_host_platform_device_count=2",
    )


def test_one_and_two_mirrored_replicas_train_the_same_model_with_dropout():
    _run(TF_EQUIVALENCE_SCRIPT, KERAS_BACKEND="tensorflow")


def test_one_device_and_jax_data_parallel_train_the_same_model_with_dropout():
    _run(
        JAX_EQUIVALENCE_SCRIPT,
        KERAS_BACKEND="jax",
        XLA_FLAGS="--xla_force_host_platform_device_count=2",
    )


def test_fsdp_splits_weights_and_optimizer_state_and_trains_what_one_device_trains():
    _run(
        JAX_FSDP_EQUIVALENCE_SCRIPT,
        KERAS_BACKEND="jax",
        XLA_FLAGS="--xla_force_host_platform_device_count=2",
    )


@pytest.mark.parametrize(
    "shape, axis",
    [((30522, 128), 0), ((128, 4, 32), 0), ((256, 1024), 1), ((128,), None),
     ((3, 5, 7, 11, 13, 3), None)],
)
def test_fsdp_splits_the_largest_axis_the_devices_divide_and_keeps_small_ones_whole(
    shape, axis
):
    from keras_electra.pretrain.distribution import sharded_axis

    assert sharded_axis(shape, 2) == axis
