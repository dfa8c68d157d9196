#!/usr/bin/env python
"""Compares ELECTRA with masked-LM pre-training at equal compute.

Pre-trains the same encoder size with each objective until it has spent
--train-flops (the paper's FLOPs count), fine-tunes the discriminator (the
MLM run's encoder) at --points stages along the way on every task with
every seed, and a random-init control, then writes a table (median and
range per task, average) as Markdown and CSV and a PNG plot of dev score
against pre-training FLOPs. Re-running the same command after a kill
resumes where it stopped. The work is `keras_electra.comparison.
compare_objectives`; this script is its command line.

Example:
    python recipes/compare_objectives.py --train-flops 2e15 \\
        --tasks sst2 cola mrpc stsb rte --data-dir ../shared/data/glue \\
        --seeds 1,2,3 --output-dir runs/compare
"""

import dataclasses
import os

from keras_electra import cli
from keras_electra.comparison import ComparisonConfig
from keras_electra.comparison import compare_objectives
from keras_electra.presets import PRESET_NAMES


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Outputs in --output-dir: comparison.md, comparison.csv, "
        "comparison.png, comparison.json, pretrain/<objective>/ run "
        "directories and finetune/ results. Bad input prints a one-line "
        "error and exits with status 2.",
    )
    add = parser.add_argument
    add("--train-flops", type=float, required=True,
        help="pre-training budget of each objective, in the paper's FLOPs")
    add("--tasks", nargs="+", default=["sst2"],
        help="GLUE tasks (with --data-dir) or tsv:TRAIN:DEV:TEXT_COLUMNS:LABEL_COLUMN "
        "(default: sst2)")
    add("--data-dir", help="the GLUE directory in the tsv layout")
    add("--objectives", nargs="+", default=["electra", "mlm"],
        choices=("electra", "mlm"), help="(default: electra mlm)")
    add("--points", type=int, default=3,
        help="stages along the budget at which to fine-tune (default: 3)")
    add("--seeds", type=cli.seed_list, default=(1, 2, 3),
        help="fine-tuning seeds; the median is reported (default: 1,2,3)")
    add("--no-random-control", dest="random_control", action="store_false",
        help="skip the random-init control")
    add("--output-dir", default=os.path.join("runs", "compare"),
        help="(default: runs/compare)")
    pre = parser.add_argument_group("pre-training (as recipes/pretrain.py)")
    pre.add_argument("--preset", default="tiny", choices=PRESET_NAMES)
    pre.add_argument("--corpus", nargs="+", default=None)
    pre.add_argument("--vocab", help="WordPiece vocab of every encoder, the random "
                     "control's too (default: the bundled uncased vocab)")
    pre.add_argument("--seq-len", type=int, dest="sequence_length")
    pre.add_argument("--batch-size", type=int)
    pre.add_argument("--learning-rate", type=float)
    pre.add_argument("--warmup-steps", type=int)
    pre.add_argument("--save-every", type=int)
    pre.add_argument("--mixed-precision", choices=("none", "bf16", "fp16"))
    pre.add_argument("--grad-accum-steps", type=int)
    pre.add_argument("--config", action="append", default=[], metavar="FIELD=VALUE",
                     help="override an ElectraConfig field (repeatable)")
    fine = parser.add_argument_group("fine-tuning (as recipes/finetune_glue.py)")
    fine.add_argument("--finetune-seq-len", type=int, default=128)
    fine.add_argument("--finetune-batch-size", type=int, default=32)
    fine.add_argument("--finetune-learning-rate", type=float)
    fine.add_argument("--layer-decay", type=float)
    fine.add_argument("--epochs", type=int)
    fine.add_argument("--max-train-examples", type=int)
    cli.add_pooling_flag(fine)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    overrides = {k: getattr(args, k) for k in (
        "corpus", "vocab", "sequence_length", "batch_size", "learning_rate",
        "warmup_steps", "save_every", "mixed_precision", "grad_accum_steps")
        if getattr(args, k) is not None}
    overrides["model_overrides"] = cli.parse_config_overrides(args.config)
    config = ComparisonConfig(
        output_dir=args.output_dir, train_flops=args.train_flops,
        tasks=tuple(args.tasks), data_dir=args.data_dir,
        objectives=tuple(args.objectives), points=args.points, seeds=args.seeds,
        preset=args.preset, pretrain_overrides=overrides,
        random_control=args.random_control,
    ).check()  # Before the slow imports.
    cli.import_keras_and_tensorflow("tf.data")
    from keras_electra.finetune import FinetuneConfig

    compare_objectives(dataclasses.replace(config, finetune=FinetuneConfig(
        sequence_length=args.finetune_seq_len, batch_size=args.finetune_batch_size,
        learning_rate=args.finetune_learning_rate, layer_decay=args.layer_decay,
        epochs=args.epochs, max_train_examples=args.max_train_examples,
        pooling=args.pooling,
    )))
    print(f"table: {os.path.join(args.output_dir, 'comparison.md')}; plot: "
          f"{os.path.join(args.output_dir, 'comparison.png')}")
    return 0


if __name__ == "__main__":
    cli.run(main, interrupted="interrupted; re-run the same command to resume")
