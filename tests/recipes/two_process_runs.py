"""What the two-process tests (TensorFlow workers, JAX processes) share:
ports, waiting for the processes, the one-process reference they are
checked against, and checkpoint comparison."""

import socket
import subprocess
import sys
import time

# The last checkpoint of a `PRETRAIN_FLAGS` run (8 steps, saved every 2).
LAST = "step-00000008.weights.h5"

# One process on the same global batches: each step's batch is worker 0's
# (process 0's) shard batch followed by worker 1's (replica order),
# trained from the same initialisation with the recipe's optimizer; prints
# the largest weight difference from the chief's checkpoint of the last
# step (8). Its flags are the two-process tests' PRETRAIN_FLAGS.
SINGLE_PROCESS_REFERENCE = """
import sys
import keras
import numpy as np
import tensorflow as tf
from keras_electra import data
from keras_electra.pretrain import PretrainConfig
from keras_electra.pretrain.config import resolve_inputs
from keras_electra.pretrain.training import PRETRAINERS, _optimizer

config = PretrainConfig(
    sequence_length=64, batch_size=8, steps=8, save_every=2,
    learning_rate=1e-3, model_overrides={"dropout": 0.0},
).resolved()
inputs = resolve_inputs(config)
keras.utils.set_random_seed(config.seed)
model = PRETRAINERS["electra"](inputs.model_config, seed=config.seed)
model.compile(optimizer=_optimizer(config, model))
shards = [
    data.pretraining_dataset(
        data.as_source(inputs.corpus[0]), inputs.vocab, 64, 8, seed=config.seed,
        repeat=True, config=inputs.model_config,
        input_context=tf.distribute.InputContext(2, k, 2),
    )
    for k in (0, 1)
]
batches = tf.data.Dataset.zip(*shards).map(
    lambda a, b: {key: tf.concat([a[key], b[key]], 0) for key in a}
)
model.fit(batches, steps_per_epoch=2, epochs=4, verbose=0)
chief = PRETRAINERS["electra"](inputs.model_config, seed=config.seed)
chief.load_weights(sys.argv[1])
gap = max(
    float(np.max(np.abs(a - b)))
    for a, b in zip(model.get_weights(), chief.get_weights())
)
print(f"max absolute weight difference {gap:.2e}")
assert gap < 1e-5, gap
"""


def free_ports(count):
    """`count` TCP ports free on 127.0.0.1 now."""
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def finish(processes):
    """Waits for `processes`; asserts each succeeded; their `(stdout, stderr)`."""
    outputs = [p.communicate(timeout=400) for p in processes]
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stdout[-2000:] + stderr[-3000:]
    return outputs


def kill_after(path, process, timeout=300):
    """SIGKILLs `process` as soon as `path` exists (a save it made)."""
    deadline = time.time() + timeout
    while not path.exists() and time.time() < deadline:
        time.sleep(0.05)
    process.kill()
    process.communicate()


def matches_single_process(checkpoint, cwd, env):
    """Runs `SINGLE_PROCESS_REFERENCE` against `checkpoint`; asserts it passed."""
    reference = subprocess.run(
        [sys.executable, "-c", SINGLE_PROCESS_REFERENCE, str(checkpoint)],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )
    assert reference.returncode == 0, reference.stdout[-2000:] + reference.stderr[-3000:]
    print(reference.stdout)


def assert_identical_checkpoints(path, expected_path):
    """Every array of the `.weights.h5` at `path` equals `expected_path`'s."""
    import h5py
    import numpy as np

    with h5py.File(path, "r") as got, h5py.File(expected_path, "r") as expected:
        arrays = []
        expected.visititems(
            lambda name, item: arrays.append(name) if isinstance(item, h5py.Dataset) else None
        )
        assert len(arrays) > 100
        for name in arrays:
            np.testing.assert_array_equal(got[name][()], expected[name][()], err_msg=name)
