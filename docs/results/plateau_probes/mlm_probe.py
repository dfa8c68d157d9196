"""The masked-LM probe of plateau.md section 2d: how fast does `tiny`'s
2 x 128 encoder, trained as a masked LM alone (dropout 0, AdamW at a
constant 1e-3, clip 1.0, ELECTRA's 85/15 masking), leave the unigram
plateau at a given sequence length?

    L=16 B=128 python docs/results/plateau_probes/mlm_probe.py learned 3000 CORPUS VOCAB

MODE: `learned` (the model's own N(0, 0.02) position table), `sin` (the
table set to sinusoids of the same scale), `qkF` (query and key kernels
multiplied by F). One thread, so two probes share the two cores. Prints
Keras' per-epoch (100 steps) training accuracy at the masked slots.
"""

import os
import sys

import keras
import numpy as np
import tensorflow as tf

import keras_electra
from keras_electra.data import pretraining_dataset
from keras_electra.data.vocab import load_vocab

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
MODE, STEPS, CORPUS, VOCAB = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
LENGTH, BATCH = int(os.environ.get("L", 64)), int(os.environ.get("B", 32))

vocab = load_vocab(VOCAB)
config = keras_electra.ElectraConfig.from_preset(
    "tiny", vocabulary_size=vocab.size, dropout=0.0
)
dataset = pretraining_dataset(
    CORPUS, vocab, sequence_length=LENGTH, batch_size=BATCH, seed=0,
    repeat=True, config=config,
)
model = keras_electra.MaskedLMPretrainer(config, seed=0)
for batch in dataset.take(1):
    model(batch)
if MODE == "sin":
    [table] = [v for v in model.weights if "position" in v.path]
    n, d = table.shape
    angles = np.arange(n)[:, None] / 10000 ** (2 * np.arange(d // 2)[None] / d)
    waves = np.concatenate([np.sin(angles), np.cos(angles)], 1)
    table.assign((waves / waves.std() * 0.02).astype("float32"))
elif MODE.startswith("qk"):
    for v in model.weights:
        if ("query" in v.path or "key" in v.path) and "kernel" in v.path:
            v.assign(v.numpy() * float(MODE[2:]))
model.compile(optimizer=keras.optimizers.AdamW(
    1e-3, epsilon=1e-6, weight_decay=0.01, global_clipnorm=1.0))
model.fit(dataset.map(lambda b: (b,)), steps_per_epoch=100,
          epochs=STEPS // 100, verbose=2)
