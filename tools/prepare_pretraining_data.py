#!/usr/bin/env python
"""Turns a text corpus into sharded TFRecords of packed, unmasked examples.

Documents are separated by blank lines; lines of one document are packed
into `[CLS] A [SEP] B [SEP]` examples as ELECTRA's build_pretraining_dataset.py
does; lines longer than an example are split into pieces, not truncated.
The summary counts the tokens read, used and truncated. Masking is left to
training time (dynamic). Train on the result with
`keras_electra.data.pretraining_dataset(OUTPUT_DIR, ...)`.

Example:
    python tools/prepare_pretraining_data.py 'corpus/*.txt' \\
        --output-dir data/pretrain_128 --seq-len 128 --num-processes 4
"""

import json
import logging

from keras_electra import cli


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT",
        help="text files or globs (plain or .gz; blank lines separate "
        "documents), or tfds:NAME[:SPLIT[:FEATURE]] for a prepared "
        "tensorflow-datasets dataset",
    )
    parser.add_argument(
        "--output-dir", required=True,
        help="directory for the shards and prepared.json; an unfinished run "
        "with the same settings is resumed, any other content is refused",
    )
    parser.add_argument(
        "--vocab-file", default=None,
        help="WordPiece vocab, one token per line (default: the shipped "
        "uncased ELECTRA/BERT vocab)",
    )
    parser.add_argument(
        "--seq-len", "--max-seq-length", "--sequence-length",
        dest="sequence_length", type=int, default=128,
        help="tokens per example, [CLS]/[SEP] included (default: 128)",
    )
    cli.add_normalization_flags(parser)
    parser.add_argument(
        "--seed", type=int, default=0,
        help="seed of the packing choices (default: 0)",
    )
    parser.add_argument(
        "--num-processes", type=int, default=1,
        help="worker processes, each packing whole units (default: 1)",
    )
    parser.add_argument(
        "--split-mb", type=float, default=32.0,
        help="cut uncompressed files bigger than this many MB into units at "
        "blank lines, one shard per unit (default: 32)",
    )
    parser.add_argument(
        "--overwrite", action="store_true",
        help="delete a previous run's shards in --output-dir instead of "
        "refusing",
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.sequence_length < 5:
        cli.fail(f"--seq-len must be at least 5, got {args.sequence_length}")
    if args.num_processes < 1:
        cli.fail(f"--num-processes must be positive, got {args.num_processes}")
    if args.split_mb <= 0:
        cli.fail(f"--split-mb must be positive, got {args.split_mb}")
    data = cli.import_data()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    manifest = data.prepare_pretraining_data(
        args.inputs,
        args.output_dir,
        vocab=args.vocab_file,
        sequence_length=args.sequence_length,
        normalization=cli.normalization_from_args(args),
        seed=args.seed,
        num_processes=args.num_processes,
        split_bytes=int(args.split_mb * (1 << 20)),
        overwrite=args.overwrite,
    )
    summary = data.CorpusStats.from_dict(manifest["summary"])
    print(f"{args.output_dir}: {len(manifest['shards'])} shards; {summary.summary()}")
    print(json.dumps(manifest["summary"]))
    return 0


if __name__ == "__main__":
    cli.run(main)
