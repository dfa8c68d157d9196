#!/usr/bin/env python
"""Learns a WordPiece vocab from your own corpus.

Uses keras-hub's `compute_word_piece_vocabulary` (the tensorflow-text
WordPiece learner); the same text normalization as training (lower-casing
and accent stripping by default). Reserved tokens come first, in the order
given; the output is deterministic for a given corpus and settings.

Example:
    python tools/build_vocab.py 'corpus/*.txt' --output vocab.txt \\
        --vocab-size 30522
"""

from keras_electra import cli

RESERVED = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT",
        help="text files or globs (plain or .gz), or tfds:NAME[:SPLIT[:FEATURE]]",
    )
    parser.add_argument(
        "--output", required=True, help="vocab file to write, one token per line"
    )
    parser.add_argument(
        "--vocab-size", type=int, default=30522,
        help="largest number of tokens, reserved ones included (default: 30522)",
    )
    parser.add_argument(
        "--reserved-tokens", nargs="+", default=RESERVED, metavar="TOKEN",
        help="tokens placed first, in this order; must include "
        f"{' '.join(RESERVED)} (default: {' '.join(RESERVED)})",
    )
    parser.add_argument(
        "--max-lines", type=int, default=None,
        help="learn from the first N non-blank lines only (default: all)",
    )
    cli.add_normalization_flags(parser)
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing --output"
    )
    return parser


def main(argv=None):
    import itertools
    import os

    args = build_parser().parse_args(argv)
    missing = [t for t in RESERVED if t not in args.reserved_tokens]
    if missing:
        cli.fail(f"--reserved-tokens lacks {' '.join(missing)}")
    if args.vocab_size <= len(args.reserved_tokens):
        cli.fail(f"--vocab-size must exceed the {len(args.reserved_tokens)} "
                  f"reserved tokens, got {args.vocab_size}")
    if os.path.exists(args.output) and not args.overwrite:
        cli.fail(f"output '{args.output}' exists; pass --overwrite to replace it")
    data = cli.import_data()
    with cli.quiet_stderr():
        import keras_hub
        import tensorflow as tf

    source = data.as_source(args.inputs)
    if isinstance(source, data.TFRecordShards):
        cli.fail("inputs are TFRecord shards; build a vocab from text")
    normalization = cli.normalization_from_args(args)
    stats = data.CorpusStats()

    def lines():
        items = (i for u in source.units() for i in source.read(u, stats))
        texts = (i for i in items if i is not data.DOC_END)
        yield from itertools.islice(texts, args.max_lines)

    dataset = tf.data.Dataset.from_generator(
        lines, output_signature=tf.TensorSpec([], tf.string)
    ).batch(1024)
    vocab = keras_hub.tokenizers.compute_word_piece_vocabulary(
        dataset,
        vocabulary_size=args.vocab_size,
        lowercase=normalization.lower_case,
        strip_accents=normalization.strip_accents,
        reserved_tokens=list(args.reserved_tokens),
    )
    if vocab[: len(args.reserved_tokens)] != list(args.reserved_tokens):
        raise RuntimeError("the learner did not put the reserved tokens first")
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("".join(token + "\n" for token in vocab))
    data.load_vocab(tmp)  # Validates what we are about to publish.
    os.replace(tmp, args.output)
    print(f"{args.output}: {len(vocab)} tokens from {stats.lines} lines")
    return 0


if __name__ == "__main__":
    cli.run(main)
