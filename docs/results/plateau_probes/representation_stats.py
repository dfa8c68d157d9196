"""How alike an encoder's sentence and token vectors are (issue 28, part 3's "why").

For SST-2 dev sentences, from each transformer layer's output: the mean cosine similarity of
the [CLS] vectors of two different sentences, of two token vectors from
different sentences, and the effective rank (participation ratio of the
covariance eigenvalues) of the mean-pooled sentence vectors. A vector space
where every sentence points the same way (cosine near 1, low rank) leaves a
classifier little to separate.

Usage:
    python docs/results/plateau_probes/representation_stats.py --vocab vocab8k.txt \
        --glue ../shared/data/glue --encoder random --encoder runs/transfer/mlm_phase2.keras
"""

import argparse
import csv
import sys

import numpy as np

from linear_probe import read_rows


def mean_offdiagonal_cosine(vectors):
    unit = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)
    similarity = unit @ unit.T
    n = len(unit)
    return float((similarity.sum() - np.trace(similarity)) / (n * (n - 1)))


def effective_rank(vectors):
    eigenvalues = np.clip(np.linalg.eigvalsh(np.cov(vectors.T)), 0, None)
    return float(eigenvalues.sum() ** 2 / (eigenvalues ** 2).sum())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--glue", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--encoder", action="append", required=True)
    parser.add_argument("--sentences", type=int, default=512)
    args = parser.parse_args()

    import keras

    from keras_electra.data.vocab import load_vocab
    from keras_electra.finetune.loading import load_encoder
    from keras_electra.preprocessing import ElectraPreprocessor

    vocab = load_vocab(args.vocab)
    packer = ElectraPreprocessor(vocab, 64)
    sentences, _ = read_rows(f"{args.glue}/SST-2/dev.tsv")
    inputs = packer(sentences[: args.sentences])
    mask = np.asarray(inputs["padding_mask"]).astype(bool)
    rng = np.random.default_rng(0)
    writer = csv.writer(sys.stdout)
    writer.writerow(["encoder", "layer", "cls_cosine", "token_cosine", "mean_pooled_effective_rank",
                     "mean_pooled_cosine"])
    for name in args.encoder:
        keras.utils.set_random_seed(1)
        encoder = load_encoder(
            name, "tiny", config_overrides={"vocabulary_size": vocab.size}
        ).encoder
        layers = keras.Model(
            encoder.input, [layer.output for layer in encoder.transformer_layers]
        )
        for number, sequence in enumerate(layers(inputs, training=False)):
            sequence = np.asarray(sequence)
            cls = sequence[:, 0]
            rows, cols = np.nonzero(mask[:, 1:])
            pick = rng.choice(len(rows), size=min(1024, len(rows)), replace=False)
            tokens = sequence[rows[pick], cols[pick] + 1]
            pooled = (sequence * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
            writer.writerow([
                name,
                number + 1,
                f"{mean_offdiagonal_cosine(cls):.3f}",
                f"{mean_offdiagonal_cosine(tokens):.3f}",
                f"{effective_rank(pooled):.1f}",
                f"{mean_offdiagonal_cosine(pooled):.3f}",
            ])
        sys.stdout.flush()


if __name__ == "__main__":
    main()
