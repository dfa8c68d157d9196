#!/usr/bin/env python
"""Fine-tunes an ELECTRA discriminator on a GLUE task or on your own TSV/CSV.

The original's recipe: dropout + dense head on [CLS], AdamW with layer-wise
learning-rate decay (0.8; 0.9 for large), 10% warm-up then linear decay,
batch 32, sequence length 128, 3 epochs (10 for RTE and STS-B), learning
rate 3e-4 small / 1e-4 base / 5e-5 large. Every seed is scored on dev with
the task's official metric and the median over seeds is reported, as the
original reports results.

Example:
    python recipes/finetune_glue.py --task sst2 --data-dir ../shared/data/glue \\
        --init saved_models --seeds 1,2,3 --output-dir runs/sst2
    python recipes/finetune_glue.py --task cola --tfds --init random --preset small
    python recipes/finetune_glue.py --task tsv --train reviews.csv \\
        --dev reviews_dev.csv --text-columns text --label-column stars \\
        --init saved_models
"""

import argparse
import os

from keras_electra import cli

TASK_NAMES = ("cola", "sst2", "mrpc", "stsb", "rte", "qnli", "qqp", "mnli", "tsv")


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Outputs: --output-dir gets results.json (per-seed and median "
        "dev scores, settings, label names), seed_N/logs (TensorBoard) and "
        "seed_N/classifier.keras with vocab.txt. Bad input prints a "
        "one-line error and exits with status 2.",
    )
    task = parser.add_argument_group("task and data")
    task.add_argument("--task", required=True, choices=TASK_NAMES)
    task.add_argument(
        "--data-dir",
        help="GLUE directory in the tsv layout (CoLA/, SST-2/, MRPC/, STS-B/, "
        "RTE/, QNLI/, QQP/, MNLI/, each with train.tsv and dev.tsv)",
    )
    task.add_argument(
        "--tfds", action="store_true",
        help="read the prepared TFDS glue/<task> dataset instead",
    )
    task.add_argument("--tfds-data-dir", help="TFDS data directory")
    task.add_argument("--train", help="--task tsv: training file (.tsv/.csv)")
    task.add_argument("--dev", help="--task tsv: dev file (.tsv/.csv)")
    task.add_argument(
        "--text-columns",
        help="--task tsv: one or two text columns, comma-separated (header "
        "names or 0-based indices)",
    )
    task.add_argument("--label-column", help="--task tsv: the label column")
    task.add_argument(
        "--regression", action="store_true",
        help="--task tsv: the label is a number (Pearson/Spearman on dev)",
    )
    task.add_argument(
        "--no-header", action="store_true",
        help="--task tsv: the files have no header row (columns by index)",
    )
    task.add_argument(
        "--max-train-examples", type=cli.positive(int),
        help="train on the first N examples only (quick runs)",
    )
    model = parser.add_argument_group("model")
    cli.add_encoder_flags(model)
    train = parser.add_argument_group("training (defaults: the original's)")
    cli.add_finetuning_flags(train, epochs=None, epochs_help="default: 3; 10 for RTE and STS-B")
    train.add_argument(
        "--seq-len", "--max-seq-length", "--sequence-length", type=cli.positive(int),
        default=128,
        dest="sequence_length",
    )
    cli.add_pooling_flag(train)
    train.add_argument(
        "--double-unordered", action=argparse.BooleanOptionalAction,
        default=None,
        help="also train on the swapped pairs (default: MRPC and STS-B)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--output-dir", help="default: runs/finetune_<task>",
    )
    output.add_argument(
        "--save-model", action=argparse.BooleanOptionalAction, default=True,
        help="save each seed's classifier (default: yes)",
    )
    output.add_argument("--verbose", type=int, default=0, choices=(0, 1, 2))
    return parser


def check_flags(args):
    """Returns a usage error for inconsistent flags, or None."""
    problem = cli.check_finetuning_flags(args)
    if problem:
        return problem
    if args.task == "tsv":
        missing = [
            flag
            for flag, value in (
                ("--train", args.train), ("--dev", args.dev),
                ("--text-columns", args.text_columns),
                ("--label-column", args.label_column),
            )
            if not value
        ]
        if missing:
            return f"--task tsv needs {', '.join(missing)}"
        if args.data_dir or args.tfds:
            return "--task tsv reads --train/--dev, not --data-dir/--tfds"
        return None
    if args.train or args.dev or args.text_columns or args.label_column:
        return "--train/--dev/--text-columns/--label-column are for --task tsv"
    if bool(args.data_dir) == bool(args.tfds):
        return f"--task {args.task} needs one of --data-dir or --tfds"
    return None


def main(argv=None):
    args = build_parser().parse_args(argv)
    problem = check_flags(args)
    if problem:
        cli.fail(problem)
    cli.import_keras_and_tensorflow("tf.data")
    from keras_electra import finetune

    tsv = None
    if args.task == "tsv":
        tsv = dict(
            train=args.train, dev=args.dev, label_column=args.label_column.strip(),
            text_columns=[c.strip() for c in args.text_columns.split(",") if c.strip()],
            regression=args.regression, header=not args.no_header,
        )
    task, train, dev = finetune.load_task(
        args.task, args.data_dir, args.tfds, args.tfds_data_dir, tsv
    )
    config = finetune.FinetuneConfig(
        **cli.fine_tuning_settings(args),
        max_train_examples=args.max_train_examples,
        double_unordered=args.double_unordered,
        pooling=args.pooling,
    )
    finetune.finetune_seeds(
        task, train, dev, args.init, seeds=args.seeds, config=config,
        output_dir=args.output_dir or os.path.join("runs", f"finetune_{args.task}"),
        save_model=args.save_model, verbose=args.verbose,
        command=cli.command_line(), **cli.encoder_options(args),
    )
    return 0


if __name__ == "__main__":
    cli.run(main)
