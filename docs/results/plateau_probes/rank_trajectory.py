"""Effective rank of the discriminator's sentence vectors along a run's checkpoints.

Companion of `representation_stats.py`: the same measurements (last layer,
SST-2 dev sentences, here packed at `--seq-len` so first-phase models see
the lengths they trained on) for every `checkpoints/step-*.weights.h5` of
`recipes/pretrain.py` run directories, to see when a representation
collapses or grows.

Usage:
    python docs/results/plateau_probes/rank_trajectory.py --glue ../shared/data/glue \
        --vocab vocab8k.txt --run runs/plateau_sweep/gen128_seq16_b128 --seq-len 16
"""

import argparse
import csv
import glob
import json
import os
import re
import sys

import numpy as np

from linear_probe import read_rows
from representation_stats import effective_rank
from representation_stats import mean_offdiagonal_cosine


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--glue", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--run", action="append", required=True)
    parser.add_argument("--seq-len", type=int, default=16)
    parser.add_argument("--sentences", type=int, default=512)
    args = parser.parse_args()

    import keras

    import keras_electra
    from keras_electra.data.vocab import load_vocab
    from keras_electra.preprocessing import ElectraPreprocessor
    from keras_electra.pretrain.training import PRETRAINERS

    keras_electra.register_keras_objects()
    packer = ElectraPreprocessor(load_vocab(args.vocab), args.seq_len)
    sentences, _ = read_rows(f"{args.glue}/SST-2/dev.tsv")
    inputs = packer(sentences[: args.sentences])
    mask = np.asarray(inputs["padding_mask"]).astype(bool)
    rng = np.random.default_rng(0)
    rows, cols = np.nonzero(mask[:, 1:])
    pick = rng.choice(len(rows), size=min(1024, len(rows)), replace=False)
    writer = csv.writer(sys.stdout)
    writer.writerow(["run", "objective", "step", "token_cosine", "mean_pooled_effective_rank"])
    for run in args.run:
        with open(os.path.join(run, "run.json")) as f:
            settings = json.load(f)["settings"]
        objective = settings.get("objective", "electra")
        pretrainer = PRETRAINERS[objective](settings["config"])
        for path in sorted(glob.glob(os.path.join(run, "checkpoints", "step-*.weights.h5"))):
            pretrainer.load_weights(path)
            sequence = np.asarray(pretrainer.discriminator(inputs, training=False))
            tokens = sequence[rows[pick], cols[pick] + 1]
            pooled = (sequence * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
            step = int(re.search(r"step-(\d+)", path).group(1))
            writer.writerow([os.path.basename(run.rstrip("/")), objective, step,
                             f"{mean_offdiagonal_cosine(tokens):.3f}",
                             f"{effective_rank(pooled):.1f}"])
            sys.stdout.flush()
        keras.backend.clear_session()


if __name__ == "__main__":
    main()
