"""What a run on two processes (TensorFlow workers or JAX processes) is
checked against: one process trained on the same global batches."""

import socket

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
