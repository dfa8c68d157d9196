#!/usr/bin/env python
"""Pre-trains an ELECTRA generator/discriminator pair with `model.fit`.

`--objective mlm` trains the BERT-style baseline instead: one encoder of
the discriminator's size as a masked LM (80/10/10 masking), through the
same data, optimizer, run directory and export. Training FLOPs are logged
(TensorBoard `epoch_train_flops`) and `--max-train-flops` /
`--max-minutes` stop a run on a compute budget.

With no flags it trains the `tiny` model on the public-domain corpus and the
uncased vocab shipped in the package (a few minutes on a laptop CPU), saves
the discriminator to `saved_models/` and shows it spotting a swapped word.
`--preset small|base|large` gives the paper's batch size, learning rate,
warm-up and length. Re-running the same command after a crash or kill
resumes from the last saved step. The work is `keras_electra.pretrain.
pretrain`; this script is its command line.

Example:
    python recipes/pretrain.py
    python recipes/pretrain.py --preset small --corpus 'books/*.txt' \\
        --model-dir runs/small --mixed-precision bf16
    KERAS_BACKEND=jax python recipes/pretrain.py --model-dir runs/tiny_jax
    python recipes/pretrain.py --objective mlm --model-dir runs/tiny_mlm \
        --max-train-flops 2e14
    tensorboard --logdir runs/electra_tiny/logs
"""

import argparse

from keras_electra import cli
from keras_electra.presets import PRESET_NAMES
from keras_electra.pretrain.config import DISTRIBUTE_CHOICES
from keras_electra.pretrain.config import OBJECTIVES
from keras_electra.pretrain.config import OPTIMIZER_CHOICES
from keras_electra.pretrain.config import REMAT_CHOICES
from keras_electra.pretrain.config import PRECISION_POLICIES
from keras_electra.pretrain.config import PretrainConfig
from keras_electra.pretrain.config import check_budget_across_processes
from keras_electra.pretrain.config import resolve_inputs
from keras_electra.pretrain.jax_processes import read_jax_processes


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Outputs: --model-dir holds run.json (resolved config and "
        "flags), backup/ (the resumable training state), checkpoints/, "
        "logs/ (TensorBoard) and the trained discriminator; --export-dir "
        "gets the SavedModel. Bad input prints a one-line error and exits "
        "with status 2.",
    )
    add = parser.add_argument_group("model").add_argument
    add("--preset", default="tiny", choices=PRESET_NAMES,
        help="model size; also picks the paper's seq-len, batch size, learning "
        "rate and steps (default: %(default)s, a 5-minute CPU run)")
    add("--objective", default="electra", choices=tuple(OBJECTIVES),
        help="electra: generator + discriminator (replaced-token detection); "
        "mlm: the BERT-style baseline, one encoder of the discriminator's size "
        "trained as a masked LM with 80/10/10 masking (default: %(default)s)")
    add("--config", action="append", default=[], metavar="FIELD=VALUE",
        help="override an ElectraConfig field, e.g. --config dropout=0.0 "
        "(repeatable)")
    group = parser.add_argument_group("data")
    add = group.add_argument
    add("--corpus", nargs="+", default=None, metavar="SOURCE",
        help="text files or globs (plain or .gz, one sentence or paragraph per "
        "line, blank line between documents), a directory prepared by "
        "tools/prepare_pretraining_data.py, or tfds:NAME[:SPLIT[:FEATURE]] "
        "(default: the bundled public-domain corpus)")
    add("--vocab", default=None,
        help="WordPiece vocab, one token per line; sets the model's vocabulary "
        "size (default: the bundled uncased BERT/ELECTRA vocab)")
    cli.add_normalization_flags(group)
    add("--seq-len", "--sequence-length", type=int, default=None,
        dest="sequence_length",
        help="tokens per example, [CLS]/[SEP] included (default: 128 for "
        "tiny/small, 512 for base/large)")
    add("--mask-rate", type=float, default=None,
        help="fraction of tokens the generator predicts (default: 0.15; "
        "0.25 for large)")
    add = parser.add_argument_group("training").add_argument
    add("--batch-size", type=int, default=None,
        help="global batch of one optimizer update, over all replicas and "
        "accumulated micro-batches (default: tiny 32, small 128, base 256, "
        "large 2048)")
    add("--steps", type=int, default=None,
        help="optimizer updates in total (default: tiny 400, small 1M, base "
        "766k, large 400k); raise it on a finished run to continue")
    add("--learning-rate", type=float, default=None,
        help="peak learning rate (default: tiny/small 5e-4, base/large 2e-4)")
    add("--warmup-steps", type=int, default=None,
        help="linear warm-up updates (default: 10000, or steps/10 for runs "
        "shorter than 100k steps)")
    add("--optimizer", default="adamw", choices=OPTIMIZER_CHOICES,
        help="adamw: the paper's; lamb: AdamW's direction scaled per "
        "variable by the trust ratio ||w|| / ||update|| (You et al., 2020), "
        "for large batches with --grad-accum-steps (default: %(default)s)")
    add("--weight-decay", type=float, default=0.01,
        help="weight decay (decoupled for AdamW, inside the trust-ratio "
        "update for LAMB); LayerNorm and biases are exempt (default: "
        "%(default)s)")
    add("--remat", default="none", choices=REMAT_CHOICES,
        help="recompute activations in the backward pass instead of keeping "
        "them: layers = each transformer layer keeps only its input, full = "
        "also the embeddings and heads; same updates, less memory, about a "
        "third more compute (default: %(default)s)")
    add("--grad-accum-steps", type=int, default=1,
        help="split each batch into this many micro-batches and accumulate "
        "their gradients (same result, less memory) (default: %(default)s)")
    add("--seed", type=int, default=0,
        help="seed of initialization, data order, masking and sampling "
        "(default: %(default)s)")
    add("--max-train-flops", type=float, default=None,
        help="stop at the first step whose training FLOPs (3 x forward matrix "
        "products, keras_electra.flops) reach this, e.g. 1e15; saved like a "
        "normal end, and a re-run trains no further unless it is raised "
        "(default: no limit)")
    add("--init-from", default=None, metavar="RUN_DIR",
        help="start from the newest checkpoint of another run (same model, "
        "objective and vocab; fresh optimizer and schedule), e.g. a second "
        "phase at a longer --seq-len after a first phase at a short one "
        "(default: random initialization)")
    add("--max-minutes", type=float, default=None,
        help="stop at the first step after this many minutes of training, "
        "summed over resumed runs; saved like a normal end (default: no limit)")
    add = parser.add_argument_group("runtime").add_argument
    add("--mixed-precision", default="none", choices=tuple(PRECISION_POLICIES),
        help="compute dtype: bf16 (TPU, Ampere+ GPUs) or fp16 (with loss "
        "scaling); variables stay float32 (default: %(default)s)")
    add("--xla", default="auto", choices=("auto", "on", "off"),
        help="compile the train step with XLA (default: %(default)s)")
    add("--distribute", default="auto", choices=DISTRIBUTE_CHOICES,
        help="auto = over all GPUs when there are several (MirroredStrategy on "
        "TensorFlow, keras.distribution.DataParallel on JAX); mirrored, "
        "multi-worker (reads TF_CONFIG) and tpu are tf.distribute; "
        "data-parallel is all JAX devices; fsdp is all JAX devices of this "
        "process with each large variable and its optimizer state split "
        "across them (FSDP) (default: %(default)s)")
    add("--tpu", default="local",
        help="with --distribute tpu: the TPU's name or grpc:// address "
        "(default: %(default)s, a TPU VM)")
    add = parser.add_argument_group("output").add_argument
    add("--model-dir", default=None,
        help="run directory; re-running with the same flags resumes, an "
        "incompatible run there is refused (default: runs/electra_PRESET)")
    add("--cluster-timeout", type=float, default=600.0,
        help="with --distribute multi-worker: seconds to wait for every "
        "TF_CONFIG worker to join, and for any cross-worker exchange, before "
        "exiting with an error; with --num-processes: for every JAX process "
        "to join (default: %(default)s)")
    add("--coordinator-address", default=None, metavar="HOST:PORT",
        help="JAX on several processes (hosts): process 0's address, the "
        "same on every process (default: $KERAS_DISTRIBUTION_JOB_ADDRESSES)")
    add("--num-processes", type=int, default=None,
        help="JAX on several processes: how many; each feeds its part of "
        "every batch to data-parallel training over all their devices "
        "(default: $KERAS_DISTRIBUTION_NUM_PROCESSES, else 1)")
    add("--process-id", type=int, default=None,
        help="JAX on several processes: this one, 0 to N-1; process 0 writes "
        "the run directory and export (default: $KERAS_DISTRIBUTION_PROCESS_ID)")
    add("--export-dir", default="saved_models",
        help="where the SavedModel of the discriminator goes (default: "
        "%(default)s)")
    add("--save-every", type=int, default=None,
        help="steps between checkpoints and TensorBoard points; a resumed run "
        "restarts from the last multiple (default: tiny 50, others 1000)")
    add("--keep-checkpoints", type=int, default=3,
        help="periodic checkpoints kept (default: %(default)s)")
    add("--demo", action=argparse.BooleanOptionalAction, default=True,
        help="after training, print each token's replaced probability for a "
        "sentence with one word swapped; electra only (default: on)")
    return parser


def config_from_args(args):
    """The `PretrainConfig` the flags ask for (resolved and checked)."""
    return PretrainConfig(
        preset=args.preset,
        objective=args.objective,
        model_overrides=cli.parse_config_overrides(args.config),
        corpus=args.corpus,
        vocab=args.vocab,
        normalization=cli.normalization_from_args(args),
        **{key: getattr(args, key) for key in (
            "sequence_length", "mask_rate", "batch_size", "steps",
            "learning_rate", "warmup_steps", "optimizer", "weight_decay",
            "remat", "grad_accum_steps",
            "seed", "mixed_precision", "xla", "distribute", "tpu", "model_dir",
            "export_dir", "save_every", "keep_checkpoints", "demo",
            "max_train_flops", "max_minutes", "init_from", "cluster_timeout",
            "coordinator_address", "num_processes", "process_id")},
    ).resolved()


def main(argv=None):
    args = build_parser().parse_args(argv)
    config = config_from_args(args)  # Checked before the slow imports,
    resolve_inputs(config)  # with its vocab, model config and text corpus.
    strategy = None
    processes = read_jax_processes(  # Flags or environment, checked.
        config.coordinator_address, config.num_processes, config.process_id
    )
    if processes is not None:
        check_budget_across_processes(config)
        # The processes meet before JAX runs anything.
        with cli.quiet_stderr():
            from keras_electra.pretrain.distribution import make_strategy
        strategy = make_strategy(
            config.distribute, cluster_timeout=config.cluster_timeout,
            processes=processes,
        )
    elif config.distribute == "multi-worker":
        from keras_electra.pretrain.cluster import read_tf_config

        read_tf_config()  # A malformed TF_CONFIG costs a second, not a hang.
        # Collective ops must be configured before TensorFlow runs any op.
        with cli.quiet_stderr():
            from keras_electra.pretrain.distribution import make_strategy
        strategy = make_strategy("multi-worker", cluster_timeout=config.cluster_timeout)
    cli.import_keras_and_tensorflow(
        "tf.data and tf.distribute or keras.distribution",
        backends=("tensorflow", "jax"),
    )
    from keras_electra.pretrain import pretrain

    command = cli.command_line()
    pretrain(config, strategy=strategy, command=command)
    return 0


if __name__ == "__main__":
    cli.run(main, interrupted="interrupted; re-run the same command to resume")
