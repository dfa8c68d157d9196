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
import json
import os
import shutil
import statistics
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "tools"))

import _cli  # noqa: E402  (the tools' shared one-line-error helpers)

TASK_NAMES = ("cola", "sst2", "mrpc", "stsb", "rte", "qnli", "qqp", "mnli", "tsv")
PRESETS = ("tiny", "small", "base", "large")


def _seeds(text):
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--seeds takes comma-separated integers, got {text!r}"
        ) from None
    if not seeds:
        raise argparse.ArgumentTypeError("--seeds is empty")
    return seeds


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def build_parser():
    parser = _cli.ArgumentParser(
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
        "--max-train-examples", type=_positive(int),
        help="train on the first N examples only (quick runs)",
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "--init", default="random",
        help="a pretrain.py --model-dir (e.g. runs/electra_tiny), a discriminator "
        ".keras file, or 'random' for a randomly initialised --preset "
        "(default: %(default)s)",
    )
    model.add_argument(
        "--preset", default="small", choices=PRESETS,
        help="size of a random --init (default: %(default)s)",
    )
    model.add_argument(
        "--vocab",
        help="WordPiece vocab (default: the one the --init run recorded, "
        "else the bundled uncased vocab)",
    )
    model.add_argument(
        "--lower-case", action=argparse.BooleanOptionalAction, default=None,
        help="lower-case text (default: as the --init run, else yes)",
    )
    train = parser.add_argument_group("training (defaults: the original's)")
    train.add_argument(
        "--seeds", type=_seeds, default=[1],
        help="comma-separated seeds; one run each, the median is reported "
        "(default: 1)",
    )
    train.add_argument(
        "--learning-rate", type=_positive(float),
        help="peak rate of the head (default: 3e-4 small, 1e-4 base, 5e-5 large)",
    )
    train.add_argument(
        "--layer-decay", type=_positive(float),
        help="layer-wise learning-rate decay (default: 0.8; 0.9 large)",
    )
    train.add_argument("--batch-size", type=_positive(int), default=32)
    train.add_argument(
        "--seq-len", "--max-seq-length", type=_positive(int), default=128,
        dest="seq_len",
    )
    train.add_argument(
        "--epochs", type=_positive(int),
        help="default: 3; 10 for RTE and STS-B",
    )
    train.add_argument("--warmup-fraction", type=float, default=0.1)
    train.add_argument("--weight-decay", type=float, default=0.01)
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


def resolve_task(args, glue):
    """The `Task` and its train/dev `Examples`."""
    if args.task == "tsv":
        columns = [c.strip() for c in args.text_columns.split(",") if c.strip()]
        task = glue.tsv_task(
            args.train, args.dev, columns, args.label_column.strip(),
            regression=args.regression, header=not args.no_header,
        )
        train = glue.load_examples(task, args.train)
        dev = glue.load_examples(task, args.dev)
        return task, train, dev
    task = glue.TASKS[args.task]
    if args.tfds:
        train = glue.load_split(task, "train", tfds_data_dir=args.tfds_data_dir)
        dev = glue.load_split(task, "dev", tfds_data_dir=args.tfds_data_dir)
    else:
        if not os.path.isdir(args.data_dir):
            raise ValueError(f"--data-dir '{args.data_dir}' is not a directory")
        train = glue.load_split(task, "train", args.data_dir)
        dev = glue.load_split(task, "dev", args.data_dir)
    return task, train, dev


def main(argv=None):
    args = build_parser().parse_args(argv)
    problem = check_flags(args)
    if problem:
        _cli.fail(problem)
    keras, _ = _cli.import_keras_and_tensorflow("tf.data")
    from keras_electra import data
    from keras_electra import finetune
    from keras_electra.finetune import glue

    # === Resolve and check everything before training ===
    try:
        task, train, dev = resolve_task(args, glue)
        keras.utils.set_random_seed(args.seeds[0])
        loaded = finetune.load_encoder(args.init, preset=args.preset)
        vocab = data.load_vocab(args.vocab or loaded.vocab_path)
        finetune.check_compatible(
            loaded.encoder, vocab, args.seq_len, source=loaded.source
        )
    except ValueError as e:  # DataError is a ValueError.
        _cli.fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    lower_case = args.lower_case
    if lower_case is None:
        lower_case = True if loaded.lower_case is None else loaded.lower_case
    config = finetune.FinetuneConfig(
        learning_rate=args.learning_rate,
        layer_decay=args.layer_decay,
        batch_size=args.batch_size,
        sequence_length=args.seq_len,
        epochs=args.epochs,
        warmup_fraction=args.warmup_fraction,
        weight_decay=args.weight_decay,
        max_train_examples=args.max_train_examples,
        double_unordered=args.double_unordered,
        lower_case=lower_case,
    )
    output_dir = args.output_dir or os.path.join("runs", f"finetune_{args.task}")
    os.makedirs(output_dir, exist_ok=True)
    shutil.copyfile(vocab.path, os.path.join(output_dir, "vocab.txt"))
    print(
        f"{task.name}: {len(train)} train / {len(dev)} dev examples "
        f"({train.source}, {dev.source}); encoder {loaded.source}; "
        f"seeds {','.join(map(str, args.seeds))}",
        flush=True,
    )

    # === One fine-tuning run per seed ===
    runs = []
    for index, seed in enumerate(args.seeds):
        if index:  # A fresh copy of the initial weights for every seed.
            keras.utils.set_random_seed(seed)
            loaded = finetune.load_encoder(args.init, preset=args.preset)
        seed_dir = os.path.join(output_dir, f"seed_{seed}")
        start = time.time()
        classifier, result = finetune.finetune(
            task, train, dev, loaded.encoder, vocab, config, seed=seed,
            log_dir=os.path.join(seed_dir, "logs"), verbose=args.verbose,
        )
        result["seconds"] = round(time.time() - start, 1)
        if args.save_model:
            path = os.path.join(seed_dir, "classifier.keras")
            classifier.save(path)
            result["model"] = path
        runs.append(result)
        print(
            f"seed {seed}: "
            + ", ".join(f"{k} {100 * v:.2f}" for k, v in result["scores"].items())
            + f" ({result['seconds']:.0f}s)",
            flush=True,
        )
        keras.backend.clear_session()

    median = {
        name: statistics.median(run["scores"][name] for run in runs)
        for name in task.metrics
    }
    results = {
        "task": task.name,
        "metrics": list(task.metrics),
        "median": median,
        "seeds": args.seeds,
        "runs": runs,
        "init": loaded.source,
        "vocab": os.path.join(output_dir, "vocab.txt"),
        "lower_case": lower_case,
        "sequence_length": args.seq_len,
        "text_columns": [str(c) for c in task.text_columns],
        "label_column": str(task.label_column),
        "regression": task.regression,
        "label_names": None if task.regression else list(task.labels),
        "train_source": train.source,
        "dev_source": dev.source,
        "command": [os.path.basename(sys.argv[0])] + list(sys.argv[1:]),
    }
    with open(os.path.join(output_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(
        f"median over {len(runs)} seed(s): "
        + ", ".join(f"{k} {100 * v:.2f}" for k, v in median.items())
        + f"; results in {os.path.join(output_dir, 'results.json')}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    _cli.run(main)
