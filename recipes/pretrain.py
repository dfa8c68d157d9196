#!/usr/bin/env python
"""Pre-trains an ELECTRA generator/discriminator pair with `model.fit`.

With no flags it trains the `tiny` model on the public-domain corpus and the
uncased vocab shipped in the package (a few minutes on a laptop CPU), saves
the discriminator to `saved_models/` and shows it spotting a swapped word.
`--preset small|base|large` gives the paper's batch size, learning rate,
warm-up and length. Re-running the same command after a crash or kill
resumes from the last saved step.

Example:
    python recipes/pretrain.py
    python recipes/pretrain.py --preset small --corpus 'books/*.txt' \\
        --model-dir runs/small --mixed-precision bf16
    KERAS_BACKEND=jax python recipes/pretrain.py --model-dir runs/tiny_jax
    tensorboard --logdir runs/electra_tiny/logs
"""

import argparse
import contextlib
import json
import math
import os
import shutil
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "tools"))
sys.path.insert(0, _HERE)

import _cli  # noqa: E402  (the tools' shared one-line-error helpers)

PRESETS = ("tiny", "small", "base", "large")

# Training defaults per preset. small/base/large follow the paper (Clark et
# al., 2020; google-research/electra `configure_pretraining.py` and
# `flops_computation.py`). `tiny` is sized to finish in about five minutes
# on two CPU cores.
TRAINING_PRESETS = {
    "tiny": dict(
        seq_len=128, batch_size=32, steps=400, learning_rate=5e-4,
        save_every=50,
    ),
    "small": dict(
        seq_len=128, batch_size=128, steps=1_000_000, learning_rate=5e-4,
        save_every=1000,
    ),
    "base": dict(
        seq_len=512, batch_size=256, steps=766_000, learning_rate=2e-4,
        save_every=1000,
    ),
    "large": dict(
        seq_len=512, batch_size=2048, steps=400_000, learning_rate=2e-4,
        save_every=1000,
    ),
}
PAPER_WARMUP_STEPS = 10_000

PRECISION_POLICIES = {
    "none": None, "bf16": "mixed_bfloat16", "fp16": "mixed_float16",
}

# Settings a resumed run must share with the run in --model-dir: they fix
# the weights' shapes, the data stream or the meaning of a saved step.
# Steps, learning rate, warm-up and weight decay may change (as the
# original allows, e.g. to continue pre-training for longer).
RESUME_KEYS = (
    "config", "corpus", "vocab_sha256", "lower_case", "strip_accents",
    "seq_len", "batch_size", "grad_accum_steps", "save_every", "seed",
    "mixed_precision",
)

# The demo: one word of a sentence in the style of the bundled novels
# swapped for one that does not fit. The default tiny run flags it (0.49,
# next highest token 0.15); subtler swaps need longer training.
DEMO_SENTENCE = "mr. knightley was a sensible man ."
DEMO_SWAP = ("sensible", "purple")

RUN_FILE = "run.json"


def build_parser():
    parser = _cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Outputs: --model-dir holds run.json (resolved config and "
        "flags), backup/ (the resumable training state), checkpoints/ and "
        "logs/ (TensorBoard); --export-dir gets the discriminator. Bad input "
        "prints a one-line error and exits with status 2.",
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "--preset", default="tiny", choices=PRESETS,
        help="model size; also picks the paper's seq-len, batch size, "
        "learning rate and steps (default: %(default)s, a 5-minute CPU run)",
    )
    model.add_argument(
        "--config", action="append", default=[], metavar="FIELD=VALUE",
        help="override an ElectraConfig field, e.g. --config dropout=0.0 "
        "--config generator_hidden_dim=64 (repeatable)",
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--corpus", nargs="+", default=None, metavar="SOURCE",
        help="text files or globs (plain or .gz, one sentence or paragraph "
        "per line, blank line between documents), a directory prepared by "
        "tools/prepare_pretraining_data.py, or tfds:NAME[:SPLIT[:FEATURE]] "
        "(default: the bundled public-domain corpus)",
    )
    data.add_argument(
        "--vocab", default=None,
        help="WordPiece vocab, one token per line; sets the model's "
        "vocabulary size (default: the bundled uncased BERT/ELECTRA vocab)",
    )
    data.add_argument(
        "--lower-case", action=argparse.BooleanOptionalAction, default=True,
        help="lower-case the text; use --no-lower-case with a cased vocab "
        "(default: on)",
    )
    data.add_argument(
        "--seq-len", type=int, default=None,
        help="tokens per example, [CLS]/[SEP] included (default: 128 for "
        "tiny/small, 512 for base/large)",
    )
    train = parser.add_argument_group("training")
    train.add_argument(
        "--batch-size", type=int, default=None,
        help="global batch size of one optimizer update, over all replicas "
        "and accumulated micro-batches (default: tiny 32, small 128, base "
        "256, large 2048)",
    )
    train.add_argument(
        "--steps", type=int, default=None,
        help="optimizer updates in total (default: tiny 400, small 1M, "
        "base 766k, large 400k); raise it on a finished run to continue",
    )
    train.add_argument(
        "--learning-rate", type=float, default=None,
        help="peak learning rate (default: tiny and small 5e-4, "
        "base/large 2e-4)",
    )
    train.add_argument(
        "--warmup-steps", type=int, default=None,
        help="linear warm-up updates (default: 10000, or steps/10 for runs "
        "shorter than 100k steps)",
    )
    train.add_argument(
        "--weight-decay", type=float, default=0.01,
        help="AdamW decoupled weight decay; LayerNorm and biases are exempt "
        "(default: %(default)s)",
    )
    train.add_argument(
        "--grad-accum-steps", type=int, default=1,
        help="split each batch into this many micro-batches and accumulate "
        "their gradients (same result, less memory) (default: %(default)s)",
    )
    train.add_argument(
        "--seed", type=int, default=0,
        help="seed of initialization, data order, masking and sampling "
        "(default: %(default)s)",
    )
    runtime = parser.add_argument_group("runtime")
    runtime.add_argument(
        "--mixed-precision", default="none", choices=tuple(PRECISION_POLICIES),
        help="compute dtype: bf16 (TPU, Ampere+ GPUs) or fp16 (with loss "
        "scaling); variables stay float32 (default: %(default)s)",
    )
    runtime.add_argument(
        "--xla", default="auto", choices=("auto", "on", "off"),
        help="compile the train step with XLA (auto: Keras decides; off "
        "on CPU and under tf.distribute) (default: %(default)s)",
    )
    runtime.add_argument(
        "--distribute", default="auto",
        choices=("auto", "none", "mirrored", "multi-worker", "tpu", "data-parallel"),
        help="how to spread the batch: auto = over all GPUs when there are "
        "several (MirroredStrategy on TensorFlow, keras.distribution."
        "DataParallel on JAX), else none; mirrored, multi-worker (reads "
        "TF_CONFIG) and tpu are tf.distribute strategies; data-parallel is "
        "DataParallel over all JAX devices (default: %(default)s)",
    )
    runtime.add_argument(
        "--tpu", default="local",
        help="with --distribute tpu: the TPU's name or grpc:// address; "
        "'local' for a TPU VM (default: %(default)s)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--model-dir", default=None,
        help="run directory: run.json, backup/ for resuming, checkpoints/, "
        "logs/ for TensorBoard; re-running with the same flags resumes, an "
        "incompatible run there is refused (default: runs/electra_PRESET)",
    )
    output.add_argument(
        "--export-dir", default="saved_models",
        help="where the trained discriminator is saved (default: %(default)s)",
    )
    output.add_argument(
        "--save-every", type=int, default=None,
        help="steps between checkpoints, TensorBoard points and progress "
        "bar 'epochs'; a resumed run restarts from the last multiple "
        "(default: tiny 50, others 1000)",
    )
    output.add_argument(
        "--keep-checkpoints", type=int, default=3,
        help="periodic checkpoints kept in --model-dir/checkpoints "
        "(default: %(default)s)",
    )
    output.add_argument(
        "--demo", action=argparse.BooleanOptionalAction, default=True,
        help="after training, print each token's replaced probability for "
        "a sentence with one word swapped (default: on)",
    )
    return parser


def resolve_settings(args):
    """Fills preset defaults into `args`; returns the training settings.

    Args:
        args: the parsed command line.

    Returns:
        A dict of resolved settings (plain JSON values).

    Raises:
        ValueError: naming the first flag with an unusable value.
    """
    preset = TRAINING_PRESETS[args.preset]
    settings = {
        key: getattr(args, key) if getattr(args, key) is not None else value
        for key, value in preset.items()
    }
    steps = settings["steps"]
    warmup = args.warmup_steps
    if warmup is None:
        warmup = min(PAPER_WARMUP_STEPS, steps // 10)
    positive = {
        "--seq-len": settings["seq_len"], "--batch-size": settings["batch_size"],
        "--steps": steps, "--save-every": settings["save_every"],
        "--grad-accum-steps": args.grad_accum_steps,
        "--keep-checkpoints": args.keep_checkpoints,
    }
    for flag, value in positive.items():
        if value < 1:
            raise ValueError(f"{flag} must be positive, got {value}")
    if settings["seq_len"] < 5:
        raise ValueError(f"--seq-len must be at least 5, got {settings['seq_len']}")
    if settings["learning_rate"] <= 0:
        raise ValueError(
            f"--learning-rate must be positive, got {settings['learning_rate']}"
        )
    if warmup < 0:
        raise ValueError(f"--warmup-steps must be >= 0, got {warmup}")
    if not 0 <= args.weight_decay < 1:
        raise ValueError(f"--weight-decay must be in [0, 1), got {args.weight_decay}")
    if settings["batch_size"] % args.grad_accum_steps:
        raise ValueError(
            f"--batch-size {settings['batch_size']} is not divisible by "
            f"--grad-accum-steps {args.grad_accum_steps}"
        )
    settings.update(
        warmup_steps=warmup,
        weight_decay=args.weight_decay,
        grad_accum_steps=args.grad_accum_steps,
        seed=args.seed,
        mixed_precision=args.mixed_precision,
        lower_case=args.lower_case,
    )
    return settings


def parse_config_overrides(items):
    """`["FIELD=VALUE", ...]` -> dict; VALUE is read as JSON when it parses."""
    overrides = {}
    for item in items:
        field, sep, text = item.partition("=")
        if not sep or not field:
            raise ValueError(f"--config expects FIELD=VALUE, got '{item}'")
        try:
            overrides[field.strip()] = json.loads(text)
        except json.JSONDecodeError:
            overrides[field.strip()] = text
    return overrides


TF_STRATEGIES = ("mirrored", "multi-worker", "tpu")


def make_strategy(name, keras, tf, tpu="local"):
    """The strategy for `--distribute` on the current Keras backend.

    Args:
        name: a `--distribute` choice.
        keras: the `keras` module.
        tf: the `tensorflow` module.
        tpu: str. The `--tpu` name or address.

    Returns:
        A `tf.distribute.Strategy` on TensorFlow (the default one for
        `"none"`); on JAX a `JaxDataParallel`, which sets the global
        `keras.distribution` and has the same `scope()` and
        `num_replicas_in_sync`.

    Raises:
        ValueError: for a strategy of the other backend, or no TPU found.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        if name in TF_STRATEGIES:
            raise ValueError(
                f"--distribute {name} is a tf.distribute strategy; under "
                "KERAS_BACKEND=jax use auto or data-parallel"
            )
        devices = keras.distribution.list_devices()
        # auto and data-parallel take every device (auto with one: none).
        return JaxDataParallel(keras, devices[:1] if name == "none" else devices)
    if name == "data-parallel":
        raise ValueError(
            "--distribute data-parallel is keras.distribution on JAX; under "
            "TensorFlow use auto, mirrored, multi-worker or tpu"
        )
    if name == "tpu":
        return _tpu_strategy(tf, tpu)
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        name = "mirrored" if len(gpus) > 1 else "none"
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def _tpu_strategy(tf, tpu):
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as e:
        reason = str(e).strip().split("\n")[0].split(". ")[0] or type(e).__name__
        raise ValueError(f"no TPU found for --tpu {tpu}: {reason}") from None
    return tf.distribute.TPUStrategy(resolver)


class JaxDataParallel:
    """`keras.distribution.DataParallel` over `devices`, with the part of
    the `tf.distribute.Strategy` interface the recipe uses.

    One device sets no distribution (plain single-device training).

    Args:
        keras: the `keras` module.
        devices: list of device names from `keras.distribution.list_devices`.
    """

    def __init__(self, keras, devices):
        self.num_replicas_in_sync = len(devices)
        if len(devices) > 1:
            keras.distribution.set_distribution(
                keras.distribution.DataParallel(devices=devices)
            )

    def scope(self):
        return contextlib.nullcontext()


def check_model_dir(model_dir, record):
    """Refuses a --model-dir that holds another run; writes `run.json`.

    Args:
        model_dir: str. The run directory (created if missing).
        record: dict. What `run.json` should hold for this run.

    Returns:
        The previous record, or `None` for a new run.

    Raises:
        ValueError: when `model_dir` holds files but no `run.json`, or a run
            whose `RESUME_KEYS` differ from `record`'s. Nothing is written.
    """
    path = os.path.join(model_dir, RUN_FILE)
    previous = None
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as f:
                previous = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"--model-dir '{model_dir}': unreadable {RUN_FILE}: {e}")
        old, new = previous.get("settings", {}), record["settings"]
        for key in RESUME_KEYS:
            if old.get(key) != new.get(key):
                raise ValueError(
                    f"--model-dir '{model_dir}' holds a run with "
                    f"{_describe(key, old.get(key), new.get(key))}; resume it "
                    "with its own flags or pick another --model-dir "
                    "(nothing was changed)"
                )
    elif os.path.isdir(model_dir) and os.listdir(model_dir):
        raise ValueError(
            f"--model-dir '{model_dir}' is not empty and holds no {RUN_FILE}; "
            "pick an empty or new directory"
        )
    os.makedirs(model_dir, exist_ok=True)
    if previous is not None:
        record = {**record, "created": previous.get("created", record["created"])}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    return previous


def _describe(key, old, new):
    if key == "config" and isinstance(old, dict) and isinstance(new, dict):
        fields = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        field = fields[0]
        return f"config {field}={old.get(field)!r}, not {new.get(field)!r}"
    return f"{key}={old!r}, not {new!r}"


def export_discriminator(pretrainer, model_dir, export_dir, *, vocab,
                         run_record):
    """Saves the trained discriminator for fine-tuning and for TF Serving.

    The one place the recipe exports. The `.keras` encoder, its vocab and
    the run record go to `model_dir` (what `recipes/finetune_glue.py --init
    MODEL_DIR` reads); the SavedModel with the tokenizer inside goes to a
    new version under `export_dir/electra/`, and `export_dir/models.config`
    lists it for `tensorflow_model_server`.

    Args:
        pretrainer: the trained `ElectraPretrainer`.
        model_dir: str. The run directory.
        export_dir: str. Where TF Serving models live (`saved_models/`).
        vocab: the `Vocab` the model was trained with.
        run_record: dict. The run's `run.json` contents.

    Returns:
        The path of the new SavedModel version.
    """
    from keras_electra import export

    pretrainer.discriminator.save(
        os.path.join(model_dir, "electra_discriminator.keras")
    )
    shutil.copyfile(vocab.path, os.path.join(model_dir, "electra_vocab.txt"))
    with open(os.path.join(model_dir, "electra_run.json"), "w") as f:
        json.dump(run_record, f, indent=2, sort_keys=True)
        f.write("\n")
    settings = run_record["settings"]
    version_dir = export.export_discriminator(
        pretrainer,
        os.path.join(export_dir, "electra"),
        vocab=vocab.path,
        sequence_length=settings["seq_len"],
        lower_case=settings["lower_case"],
        strip_accents=settings.get("strip_accents"),
    )
    export.write_models_config(export_dir, names=["electra"])
    return version_dir


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        settings = resolve_settings(args)
        overrides = parse_config_overrides(args.config)
    except ValueError as e:
        _cli.fail(str(e))
    keras, tf = _cli.import_keras_and_tensorflow(
        "tf.data and tf.distribute or keras.distribution",
        backends=("tensorflow", "jax"),
    )
    import keras_electra
    from keras_electra import data
    from keras_electra import optimization
    from _training import FlushedTensorBoard
    from _training import PeriodicCheckpoint
    from _training import RandomStateBackup
    from _training import StopAtStep
    from _training import Throughput
    from _training import print_replaced_token_demo
    from _training import optimizer_step
    from _training import restore_training_state
    # === Resolve and check everything before touching --model-dir ===
    try:
        vocab = data.load_vocab(args.vocab)
        config = keras_electra.ElectraConfig.from_preset(
            args.preset, **{"vocabulary_size": vocab.size, **overrides}
        )
        data.load_vocab(vocab.path, config.vocabulary_size)
        strategy = make_strategy(args.distribute, keras, tf, args.tpu)
        replicas = strategy.num_replicas_in_sync
        micro_batch = settings["batch_size"] // settings["grad_accum_steps"]
        if micro_batch % replicas:
            raise ValueError(
                f"the batch of {micro_batch} sequences per micro-step "
                f"(--batch-size {settings['batch_size']} / --grad-accum-steps "
                f"{settings['grad_accum_steps']}) is not divisible by the "
                f"{replicas} replicas of --distribute {args.distribute}"
            )
        corpus = args.corpus or [data.DEFAULT_CORPUS]
        source = data.as_source(corpus[0] if len(corpus) == 1 else corpus)
        strip_accents = settings["lower_case"]
        check_corpus_yields(
            data, source, vocab, settings["seq_len"], settings["lower_case"],
            config,
        )
        model_dir = args.model_dir or os.path.join("runs", f"electra_{args.preset}")
        settings.update(
            config=config.to_dict(),
            corpus=None if args.corpus is None else [_as_recorded(c) for c in corpus],
            vocab=vocab.path,
            vocab_sha256=vocab.sha256,
            strip_accents=strip_accents,
        )
        record = {
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "keras_electra_version": keras_electra.__version__,
            "keras_backend": keras.backend.backend(),
            "preset": args.preset,
            "settings": settings,
            "flags": vars(args),
            "command": [os.path.basename(sys.argv[0])] + list(sys.argv[1:]),
        }
        previous = check_model_dir(model_dir, record)
    except ValueError as e:  # DataError is a ValueError.
        _cli.fail(str(e).splitlines()[0] if str(e) else type(e).__name__)

    # === Model, optimizer, restored state ===
    accum = settings["grad_accum_steps"]
    with strategy.scope():
        keras.utils.set_random_seed(settings["seed"])
        pretrainer = keras_electra.ElectraPretrainer(
            config,
            seed=settings["seed"],
            dtype=PRECISION_POLICIES[settings["mixed_precision"]],
        )
        schedule = optimization.LinearWarmupLinearDecay(
            settings["learning_rate"],
            warmup_steps=settings["warmup_steps"],
            total_steps=settings["steps"],
            gradient_accumulation_steps=accum,
        )
        optimizer = optimization.electra_optimizer(
            schedule,
            pretrainer.trainable_variables,
            weight_decay=settings["weight_decay"],
            gradient_accumulation_steps=accum,
        )
        pretrainer.compile(
            optimizer=optimizer,
            jit_compile={"auto": "auto", "on": True, "off": False}[args.xla],
        )
        backup = keras.callbacks.BackupAndRestore(
            os.path.join(model_dir, "backup"),
            save_freq="epoch",
            # A kill during a save leaves the previous state to fall back on.
            double_checkpoint=True,
            delete_checkpoint=False,  # A finished run re-runs as a no-op.
        )
        random_state_path = os.path.join(model_dir, "backup_random_state.json")
        start_step, start_epoch = restore_training_state(
            backup, pretrainer, random_state_path
        )

    steps, save_every = settings["steps"], settings["save_every"]
    params = pretrainer.count_params()
    print(
        f"ELECTRA-{args.preset}: {params / 1e6:.1f}M parameters | "
        f"batch {settings['batch_size']} x seq {settings['seq_len']} | "
        f"lr {settings['learning_rate']:g}, warm-up {settings['warmup_steps']} | "
        f"{replicas} replica(s), precision {settings['mixed_precision']} | "
        f"run dir {model_dir}",
        flush=True,
    )
    if start_step:
        print(f"Resuming from step {start_step} of {steps} (found in "
              f"{backup.backup_dir}).", flush=True)
    elif previous is not None:
        print(f"No saved step in {model_dir} yet; starting at step 0.", flush=True)

    # === Data: its position is a function of the step ===
    dataset = data.pretraining_dataset(
        source, vocab, settings["seq_len"], micro_batch,
        lower_case=settings["lower_case"], strip_accents=strip_accents,
        seed=settings["seed"], repeat=True, config=config,
        start_batch=start_step * accum,
    )

    # === Train ===
    remaining = max(0, steps - start_step)
    epochs = start_epoch + math.ceil(remaining / save_every)
    # At each epoch end, in this order: logs (flushed), weights, random
    # states, then the backup that makes the step the resume point. A kill
    # at any moment leaves every backed-up step complete.
    callbacks = [
        StopAtStep(steps),
        Throughput(settings["batch_size"]),  # Adds to the logs TensorBoard writes.
        FlushedTensorBoard(
            os.path.join(model_dir, "logs"),
            update_freq="epoch",
            write_steps_per_second=True,
        ),
        PeriodicCheckpoint(
            os.path.join(model_dir, "checkpoints"), keep=args.keep_checkpoints
        ),
        RandomStateBackup(random_state_path),
        backup,
    ]
    started = time.time()
    history = pretrainer.fit(
        dataset,
        epochs=epochs,
        initial_epoch=start_epoch,
        steps_per_epoch=save_every * accum,
        callbacks=callbacks,
        shuffle=False,
    )
    final_step = optimizer_step(pretrainer)
    elapsed = time.time() - started
    if remaining:
        summary = {
            k: round(float(v[-1]), 4) for k, v in history.history.items()
            if k in ("loss", "mlm_accuracy", "disc_auc", "disc_accuracy")
        }
        print(f"Trained steps {start_step}..{final_step} in {elapsed:.0f}s; "
              f"last interval: {json.dumps(summary)}", flush=True)
    else:
        print(f"{model_dir} is already at step {final_step} (--steps {steps}); "
              "nothing to train.", flush=True)

    # === Export and demo ===
    path = export_discriminator(
        pretrainer, model_dir, args.export_dir, vocab=vocab, run_record=record
    )
    print(f"Saved the discriminator to {model_dir} (for fine-tuning) and "
          f"{path} (SavedModel for TF Serving)", flush=True)
    if args.demo:
        tokenizer = data.WordPieceTokenizer(
            vocab, settings["lower_case"], strip_accents
        )
        print_replaced_token_demo(
            pretrainer, tokenizer, DEMO_SENTENCE, DEMO_SWAP
        )
    return 0


def _as_recorded(source):
    if source.startswith("tfds:") or any(c in source for c in "*?["):
        return source
    return os.path.abspath(source)


def check_corpus_yields(data, source, vocab, seq_len, lower_case, config):
    """Raises `DataError` unless `source` packs into at least one sequence."""
    if seq_len > config.max_sequence_length:
        raise data.DataError(
            f"--seq-len {seq_len} exceeds the model's max_sequence_length="
            f"{config.max_sequence_length}"
        )
    examples = data.packed_dataset(
        source, vocab, seq_len, lower_case=lower_case, seed=0
    )
    if not int(examples.take(1).reduce(0, lambda n, _: n + 1)):
        raise data.DataError(f"corpus {source!r} yields no sequences")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        _cli.fail("interrupted; re-run the same command to resume")
