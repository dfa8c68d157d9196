#!/usr/bin/env python
"""Fine-tunes an ELECTRA discriminator for extractive QA (SQuAD 1.1 / 2.0).

The original's recipe: start and end logits over the tokens (and, for 2.0,
an answerability classifier on [CLS]), windows of 512 tokens with doc stride
128 and questions cut to 64 tokens, n-best 20, answers of at most 30
tokens, 2 epochs, batch 32, AdamW with layer-wise decay (0.8), 10% warm-up
then linear decay. Every seed is scored on dev with the official SQuAD
EM/F1 (2.0: also HasAns/NoAns and the best no-answer threshold) and the
median is reported. Start and end are predicted independently (the
original's joint start/end beam is not implemented).

Example:
    python recipes/finetune_squad.py --train train-v2.0.json \\
        --dev dev-v2.0.json --version 2.0 --init runs/electra_small \\
        --seeds 1,2,3 --output-dir runs/squad2 --export-dir saved_models/squad
    python recipes/finetune_squad.py --sample-split \\
        --sample-file squad/dev-v2.0-sample.json --version 1.1 \\
        --init random --preset tiny --seq-len 128 --epochs 3
"""

import argparse
import os

from keras_electra import cli


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Outputs: --output-dir gets results.json (per-seed and median "
        "dev EM/F1, settings), seed_N/logs (TensorBoard) and "
        "seed_N/question_answerer.keras with vocab.txt; --export-dir gets a "
        "versioned SavedModel (question + context -> answer). Bad input "
        "prints a one-line error and exits with status 2.",
    )
    data = parser.add_argument_group("data")
    data.add_argument("--train", help="SQuAD JSON training file")
    data.add_argument("--dev", help="SQuAD JSON dev file")
    data.add_argument(
        "--sample-split", action="store_true",
        help="split --sample-file by article instead of --train/--dev: the "
        "last 20%% of its articles are dev, the others train",
    )
    data.add_argument("--sample-file",
                      help="the SQuAD JSON file that --sample-split splits")
    data.add_argument(
        "--version", choices=("1.1", "2.0"), default="2.0",
        help="1.1 drops unanswerable questions; 2.0 adds the answerability "
        "head and no-answer threshold (default: %(default)s)",
    )
    data.add_argument("--max-train-examples", type=cli.positive(int),
                      help="train on the first N questions only (quick runs)")
    model = parser.add_argument_group("model")
    cli.add_encoder_flags(model)
    qa = parser.add_argument_group("windows and answers (defaults: the original's)")
    qa.add_argument("--seq-len", "--max-seq-length", dest="sequence_length",
                    type=cli.positive(int), default=512)
    qa.add_argument("--doc-stride", type=cli.positive(int), default=128)
    qa.add_argument("--max-query-length", type=cli.positive(int), default=64)
    qa.add_argument("--max-answer-length", type=cli.positive(int), default=30)
    qa.add_argument("--n-best", type=cli.positive(int), default=20)
    qa.add_argument("--no-answer-threshold", type=float, default=0.0,
                    help="2.0: answer '' above this no-answer score (default: 0; "
                    "results.json also has the dev-tuned best_f1_thresh, which "
                    "exports use)")
    train = parser.add_argument_group("training")
    cli.add_finetuning_flags(train, epochs=2)
    output = parser.add_argument_group("output")
    output.add_argument("--output-dir", help="default: runs/finetune_squad<version>")
    output.add_argument("--export-dir",
                        help="export the median seed's model as a SavedModel here "
                        "(e.g. saved_models/squad)")
    output.add_argument("--save-model", action=argparse.BooleanOptionalAction,
                        default=True, help="save each seed's model (default: yes)")
    output.add_argument("--verbose", type=int, default=0, choices=(0, 1, 2))
    return parser


def check_flags(args):
    """Returns a usage error for inconsistent flags, or None."""
    if args.sample_split:
        if args.train or args.dev:
            return "--sample-split replaces --train/--dev"
        if not args.sample_file:
            return "--sample-split needs --sample-file (a SQuAD JSON file)"
        if not os.path.isfile(args.sample_file):
            return f"--sample-file '{args.sample_file}' does not exist"
    else:
        if not (args.train and args.dev):
            return "give --train and --dev, or --sample-split"
        for flag, path in (("--train", args.train), ("--dev", args.dev)):
            if not os.path.isfile(path):
                return f"{flag} '{path}' does not exist"
    if args.sequence_length < args.max_query_length + 4:
        return (f"--seq-len {args.sequence_length} leaves no room for the context "
                f"after --max-query-length {args.max_query_length} (needs at least "
                f"{args.max_query_length + 4})")
    return cli.check_finetuning_flags(args)


def main(argv=None):
    args = build_parser().parse_args(argv)
    problem = check_flags(args)
    if problem:
        cli.fail(problem)
    cli.import_keras_and_tensorflow("tf.data and the tokenizer")
    from keras_electra.qa import squad
    from keras_electra.qa.training import QAConfig
    from keras_electra.qa.training import finetune_qa_seeds

    if args.sample_split:
        examples = squad.load_squad(args.sample_file, args.version)
        train, dev = squad.split_by_article(examples)
        sources = {"sample_split": os.path.normpath(args.sample_file)}
    else:
        train = squad.load_squad(args.train, args.version)
        dev = squad.load_squad(args.dev, args.version)
        sources = {"train": args.train, "dev": args.dev}
    config = QAConfig(
        **cli.fine_tuning_settings(args),
        version=args.version, doc_stride=args.doc_stride,
        max_query_length=args.max_query_length,
        max_answer_length=args.max_answer_length, n_best=args.n_best,
        no_answer_threshold=args.no_answer_threshold,
        max_train_examples=args.max_train_examples,
    )
    version_tag = args.version.replace(".", "")
    finetune_qa_seeds(
        train, dev, args.init, seeds=args.seeds, config=config,
        output_dir=args.output_dir or os.path.join("runs", f"finetune_squad{version_tag}"),
        save_model=args.save_model, export_dir=args.export_dir, verbose=args.verbose,
        command=cli.command_line(), sources=sources, **cli.encoder_options(args),
    )
    return 0


if __name__ == "__main__":
    cli.run(main)
