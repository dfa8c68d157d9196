#!/usr/bin/env python
"""Fine-tunes an ELECTRA discriminator as a token tagger (chunking, NER).

Reads CoNLL files (one `word ... label` line per token, blank lines between
sentences, the label in the last column). The head is the original's:
dropout + dense on every token, each word tagged from its first WordPiece;
sentences longer than a window are cut into overlapping windows. AdamW
with layer-wise learning-rate decay (0.8; 0.9 large), 10% warm-up then
linear decay, batch 32, 3 epochs, learning rate 3e-4 small / 1e-4 base /
5e-5 large. Every seed is scored with span F1 (as the CoNLL scorer counts
spans) on dev and test, and the median over seeds is reported.

Example:
    python recipes/finetune_tagging.py \\
        --train ../shared/data/conll2000/train.txt \\
        --test ../shared/data/conll2000/test.txt \\
        --init runs/electra_small --seeds 1,2,3 --output-dir runs/chunking \\
        --export-dir saved_models/chunking
    python -m keras_electra tag "He reckons the current account deficit will narrow" \\
        --model saved_models/chunking
"""

import argparse
import os

from keras_electra import cli

DEFAULT_DEV_SENTENCES = 1000


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Outputs: --output-dir gets results.json (per-seed and median "
        "span scores on dev and test, per chunk type, settings, tag names), "
        "vocab.txt and seed_N/ (logs/ for TensorBoard, tagger.keras, "
        "dev_predictions.txt and test_predictions.txt as 'word gold "
        "predicted' lines); --export-dir gets a SavedModel of the seed with "
        "the best dev F1. Bad input prints a one-line error and exits with "
        "status 2.",
    )
    data = parser.add_argument_group("data (CoNLL files)")
    data.add_argument("--train", required=True, help="training file")
    data.add_argument(
        "--dev",
        help="dev file (default: hold out the last --dev-sentences training "
        "sentences; CoNLL-2000 has no dev set)",
    )
    data.add_argument(
        "--dev-sentences", type=cli.positive(int), default=None,
        help=f"without --dev: training sentences held out as dev (default: "
        f"{DEFAULT_DEV_SENTENCES})",
    )
    data.add_argument("--test", help="test file, scored after training")
    data.add_argument(
        "--max-train-sentences", type=cli.positive(int),
        help="train on the first N sentences only (quick runs)",
    )
    data.add_argument(
        "--tag-scheme", choices=("bio", "bioes"), default="bio",
        help="tags the model predicts; the files may use either (default: bio)",
    )
    model = parser.add_argument_group("model")
    cli.add_encoder_flags(model)
    train = parser.add_argument_group("training (defaults: the original's)")
    cli.add_finetuning_flags(train, epochs=3)
    train.add_argument(
        "--seq-len", "--max-seq-length", "--sequence-length", type=cli.positive(int),
        default=128, dest="sequence_length",
        help="window length in WordPieces (default: 128; the original used "
        "256, CoNLL-2000's longest sentence has about 100)",
    )
    train.add_argument(
        "--stride", type=cli.positive(int),
        help="WordPieces between the windows of a long sentence (default: "
        "half a window)",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--output-dir", default=os.path.join("runs", "finetune_tagging"))
    output.add_argument(
        "--export-dir",
        help="export the best seed's tagger as a SavedModel here (a new "
        "version directory, e.g. saved_models/chunking/1)",
    )
    output.add_argument(
        "--save-model", action=argparse.BooleanOptionalAction, default=True,
        help="save each seed's tagger.keras (default: yes)",
    )
    output.add_argument("--verbose", type=int, default=0, choices=(0, 1, 2))
    return parser


def check_flags(args):
    """Returns a usage error for bad or inconsistent flags, or None."""
    for flag, path in (("--train", args.train), ("--dev", args.dev), ("--test", args.test)):
        if path is not None and not os.path.isfile(path):
            return f"{flag} '{path}' does not exist"
    if args.dev and args.dev_sentences:
        return "--dev-sentences holds out dev from --train; drop it with --dev"
    if args.sequence_length < 3:
        return f"--seq-len must be at least 3, got {args.sequence_length}"
    if args.stride is not None and args.stride > args.sequence_length - 2:
        return (f"--stride must be at most --seq-len - 2 = {args.sequence_length - 2}, "
                f"got {args.stride}")
    problem = cli.check_finetuning_flags(args)
    if problem:
        return problem
    if args.export_dir and os.path.isfile(args.export_dir):
        return f"--export-dir '{args.export_dir}' is a file"
    return None


def read_data(args):
    """`(train, dev, test)` `TaggedSentences`; pure Python, before any slow
    import, so bad files fail fast."""
    from keras_electra.tagging.conll import read_conll

    train = read_conll(args.train)
    dev = read_conll(args.dev) if args.dev else None
    test = read_conll(args.test) if args.test else None
    if dev is None:
        count = args.dev_sentences or DEFAULT_DEV_SENTENCES
        if count >= len(train):
            raise ValueError(
                f"--train '{args.train}' has {len(train)} sentences: too few to "
                f"hold out {count} as dev (pass --dev or a smaller --dev-sentences)"
            )
        train, dev = train.split(count)
    return train, dev, test


def main(argv=None):
    args = build_parser().parse_args(argv)
    problem = check_flags(args)
    if problem:
        cli.fail(problem)
    train, dev, test = read_data(args)
    cli.import_keras_and_tensorflow("tf.data")
    from keras_electra.tagging.training import TaggingConfig
    from keras_electra.tagging.training import finetune_tagger_seeds

    config = TaggingConfig(
        **cli.fine_tuning_settings(args),
        stride=args.stride,
        max_train_sentences=args.max_train_sentences,
        tag_scheme=args.tag_scheme,
    )
    finetune_tagger_seeds(
        train, dev, args.init, test=test, seeds=args.seeds, config=config,
        output_dir=args.output_dir, save_model=args.save_model,
        export_dir=args.export_dir, verbose=args.verbose,
        command=cli.command_line(), **cli.encoder_options(args),
    )
    return 0


if __name__ == "__main__":
    cli.run(main)
