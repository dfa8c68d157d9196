"""Linear probe on frozen encoders: how much of SST-2 their features already hold.

Issue 28, part 3's "why": fine-tuning changes every weight, so its dev score
mixes what pre-training put in the features with how well those weights
train. A logistic regression on frozen features (the [CLS] vector, and the
mean over real tokens, of the last layer) measures the features alone.

Usage:
    python docs/results/plateau_probes/linear_probe.py --vocab vocab8k.txt \
        --glue ../shared/data/glue --encoder random --encoder runs/transfer/mlm_phase2.keras ...
Prints one CSV row per encoder and feature: dev accuracy, the mean of 3 seeds.
"""

import argparse
import csv
import sys

import numpy as np


def read_rows(path, limit=None):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    rows = rows[:limit] if limit else rows
    return [r["sentence"] for r in rows], np.array([int(r["label"]) for r in rows])


def features(encoder, packer, sentences, batch_size=256):
    cls_rows, mean_rows = [], []
    for start in range(0, len(sentences), batch_size):
        inputs = packer(sentences[start:start + batch_size])
        sequence = np.asarray(encoder(inputs, training=False))
        mask = np.asarray(inputs["padding_mask"], np.float32)[:, :, None]
        cls_rows.append(sequence[:, 0])
        mean_rows.append((sequence * mask).sum(1) / mask.sum(1))
    return {"cls": np.concatenate(cls_rows), "mean": np.concatenate(mean_rows)}


def probe(train_x, train_y, dev_x, dev_y, seed, epochs=200):
    """Full-batch logistic regression (L2 1e-4, Adam) on standardized features."""
    import keras

    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    train_x, dev_x = (train_x - mean) / std, (dev_x - mean) / std
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((train_x.shape[1],)),
        keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(1e-4)),
    ])
    model.compile(keras.optimizers.Adam(1e-2),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(train_x, train_y, batch_size=len(train_x), epochs=epochs, verbose=0)
    return model.evaluate(dev_x, dev_y, verbose=0)[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--glue", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--encoder", action="append", required=True,
                        help="'random' (tiny) or an encoder .keras file; repeat")
    parser.add_argument("--train-rows", type=int, default=4000)
    parser.add_argument("--seq-len", type=int, default=64)
    args = parser.parse_args()

    import keras

    from keras_electra.data.vocab import load_vocab
    from keras_electra.finetune.loading import load_encoder
    from keras_electra.preprocessing import ElectraPreprocessor

    vocab = load_vocab(args.vocab)
    packer = ElectraPreprocessor(vocab, args.seq_len)
    train_s, train_y = read_rows(f"{args.glue}/SST-2/train.tsv", args.train_rows)
    dev_s, dev_y = read_rows(f"{args.glue}/SST-2/dev.tsv")
    writer = csv.writer(sys.stdout)
    writer.writerow(["encoder", "feature", "dev_accuracy_mean", "seeds"])
    for name in args.encoder:
        keras.utils.set_random_seed(1)
        encoder = load_encoder(
            name, "tiny", config_overrides={"vocabulary_size": vocab.size}
        ).encoder
        train_f, dev_f = features(encoder, packer, train_s), features(encoder, packer, dev_s)
        for kind in ("cls", "mean"):
            scores = [probe(train_f[kind], train_y, dev_f[kind], dev_y, seed)
                      for seed in (1, 2, 3)]
            writer.writerow([name, kind, f"{100 * np.mean(scores):.2f}",
                             " ".join(f"{100 * s:.2f}" for s in scores)])
            sys.stdout.flush()


if __name__ == "__main__":
    main()
