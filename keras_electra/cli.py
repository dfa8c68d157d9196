"""Command-line plumbing shared by `python -m keras_electra`, the recipes and
the tools: one-line usage errors, the text-normalization flags, quiet
imports of Keras and TensorFlow.

Importing this module is cheap (no Keras, no TensorFlow), so a command
checks its arguments first and pays for the slow imports only when they
are good.
"""

import argparse
import contextlib
import json
import os
import sys

from keras_electra.normalization import TextNormalization

BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


class ArgumentParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose usage errors are one line."""

    def error(self, message):
        fail(message, self.prog)


def fail(message, prog=None, at_once=False):
    """Prints `prog: error: message` on stderr and exits with status 2
    (`at_once`: without running exit handlers)."""
    prog = prog or os.path.basename(sys.argv[0])
    print(f"{prog}: error: {message}", file=sys.stderr, flush=True)
    if at_once:
        sys.stdout.flush()
        os._exit(2)
    sys.exit(2)


def first_line(error):
    """The first line of an exception's message (its type if it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def run(main, prog=None, interrupted="interrupted"):
    """Runs `main()`; bad input becomes a one-line error and exit status 2.

    Ctrl-C prints `interrupted` (e.g. how to resume) and exits with 2 too.

    `ValueError` (and so `DataError`) and `OSError` are the user's mistakes
    (a bad flag value, a missing file); anything else is a bug and keeps its
    traceback. An error with a true `exit_at_once` attribute (a
    multi-process run that lost a process) ends the process without its
    exit handlers, which would wait for the lost process.
    """
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        fail(interrupted, prog)
    except (ValueError, OSError) as e:
        fail(first_line(e), prog, at_once=getattr(e, "exit_at_once", False))


def seed_list(text):
    """`argparse` type of `--seeds`: comma-separated integers, at least one."""
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--seeds takes comma-separated integers, got {text!r}"
        ) from None
    if not seeds:
        raise argparse.ArgumentTypeError("--seeds is empty")
    return seeds


def positive(kind):
    """`argparse` type of a flag that takes a number above zero of `kind`."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def add_normalization_flags(parser, default_help="lower-case, strip accents"):
    """Adds `--lower-case/--no-lower-case` and `--strip-accents/
    --no-strip-accents` (each `None` unless given).

    The original's spellings `--do-lower-case` and `--do-strip-accents` are
    accepted too. Read them back with `normalization_from_args`.

    Args:
        parser: `argparse.ArgumentParser` or argument group.
        default_help: str. What happens when neither flag is given.
    """
    parser.add_argument(
        "--lower-case", dest="lower_case",
        action=argparse.BooleanOptionalAction, default=None,
        help=f"lower-case the text; --no-lower-case for a cased vocab "
        f"(default: {default_help})",
    )
    parser.add_argument(
        "--strip-accents", dest="strip_accents",
        action=argparse.BooleanOptionalAction, default=None,
        help="remove accents (default: when lower-casing)",
    )
    for flag, dest in (("--do-lower-case", "lower_case"),
                       ("--do-strip-accents", "strip_accents")):
        parser.add_argument(flag, dest=dest, action="store_true", help=argparse.SUPPRESS)


def normalization_from_args(args, default=None):
    """The `TextNormalization` the flags ask for, over `default`.

    Args:
        args: parsed flags from `add_normalization_flags`.
        default: `TextNormalization` to start from (e.g. a run's recorded
            one); defaults to lower-casing with accents stripped.
    """
    default = default or TextNormalization()
    return default.overridden(args.lower_case, args.strip_accents)


def parse_config_overrides(items, flag="--config"):
    """`["FIELD=VALUE", ...]` -> dict; VALUE is read as JSON when it parses."""
    overrides = {}
    for item in items:
        field, sep, text = item.partition("=")
        if not sep or not field.strip():
            raise ValueError(f"{flag} expects FIELD=VALUE, got '{item}'")
        try:
            overrides[field.strip()] = json.loads(text)
        except json.JSONDecodeError:
            overrides[field.strip()] = text
    return overrides


@contextlib.contextmanager
def quiet_stderr():
    """Silences TensorFlow's start-up logging (C++ writes to fd 2)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_keras_and_tensorflow(needs, backends=("tensorflow",)):
    """Imports Keras and TensorFlow quietly; Keras must run on `backends`.

    Args:
        needs: str. What the caller uses TensorFlow for, named in the error.
        backends: tuple of str. The Keras backends the caller runs on
            (TensorFlow is imported for tf.data either way).

    Returns:
        `(keras, tf)`. Exits with a one-line error when `KERAS_BACKEND`
        names another backend.
    """
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with quiet_stderr():
        import keras
        import tensorflow as tf

        tf.constant(0)  # Device discovery logs here, still silenced.
    if keras.backend.backend() not in backends:
        names = " or ".join(BACKEND_NAMES[b] for b in backends)
        fail(
            f"needs the {names} backend ({needs}); KERAS_BACKEND is "
            f"'{keras.backend.backend()}'"
        )
    return keras, tf


def import_data():
    """Imports `keras_electra.data` without TensorFlow's start-up noise."""
    with quiet_stderr():
        import tensorflow as tf

        import keras_electra.data as data

        tf.constant(0)  # Device discovery logs here, still silenced.
    return data


def add_model_flag(parser, default_name, what="model"):
    """Adds `--model`: an exported `what`'s directory, default
    `saved_models/<default_name>`."""
    parser.add_argument(
        "--model", default=os.path.join("saved_models", default_name),
        help=f"exported {what}: its directory (latest version) or a version "
        f"directory (default: saved_models/{default_name})",
    )


def load_exported_or_fail(path, *, hint, prog=None, kind=None, description=None):
    """Loads an exported SavedModel for a command; any problem exits with
    one line (`fail`).

    Args:
        path: str. A model's base directory (its latest version is loaded)
            or a version directory.
        hint: str. How to make one, shown when `path` does not exist.
        prog: str or None. The program name in the error.
        kind: str or None. The metadata `kind` the model must have.
        description: str. What the model must be, for the error when it
            has no `serving_default` signature or another `kind` (e.g.
            `"an exported tagger"`).

    Returns:
        `(loaded, signature, version_dir, metadata)`: keep `loaded` while
        calling `signature` (it owns the variables).
    """
    if not os.path.exists(path):
        fail(f"model '{path}' does not exist ({hint})", prog)
    with quiet_stderr():
        from keras_electra.export.saved_model import read_metadata
        from keras_electra.export.serving import load_exported
    try:
        loaded, version_dir = load_exported(path)
    except (OSError, ValueError) as e:
        fail(first_line(e), prog)
    except Exception as e:  # A corrupt SavedModel raises TF errors.
        fail(f"cannot load '{path}': {first_line(e)}", prog)
    metadata = read_metadata(version_dir)
    signature = loaded.signatures.get("serving_default")
    if signature is None or (kind is not None and metadata.get("kind") != kind):
        fail(f"'{version_dir}' is not {description or 'an exported model'}", prog)
    return loaded, signature, version_dir, metadata


def add_encoder_flags(group):
    """Adds a fine-tuning recipe's `--init`, `--preset`, `--vocab`,
    `--reinit-top-layers` and the normalization flags (checked by
    `check_finetuning_flags`)."""
    from keras_electra.presets import PRESET_NAMES

    group.add_argument(
        "--init", default="random",
        help="a pretrain.py --model-dir (e.g. runs/electra_tiny), a discriminator "
        ".keras file, or 'random' for a randomly initialised --preset "
        "(default: %(default)s)",
    )
    group.add_argument(
        "--preset", default="small", choices=PRESET_NAMES,
        help="size of a random --init (default: %(default)s)",
    )
    group.add_argument(
        "--vocab",
        help="WordPiece vocab (default: the one the --init run recorded, "
        "else the bundled uncased vocab)",
    )
    group.add_argument(
        "--reinit-top-layers", type=int, default=0, metavar="N",
        help="give the top N transformer layers of --init fresh random "
        "weights before fine-tuning (Zhang et al., 2021); helps an encoder "
        "pre-trained briefly, whose top layer has collapsed (default: 0)",
    )
    add_normalization_flags(group, default_help="as the --init run, else yes")


def add_finetuning_flags(group, epochs=3, epochs_help=None):
    """Adds a fine-tuning recipe's `--seeds`, `--learning-rate`,
    `--layer-decay`, `--batch-size`, `--epochs`, `--warmup-fraction` and
    `--weight-decay`, with the original's defaults (checked by
    `check_finetuning_flags`).

    Args:
        group: `argparse` parser or argument group.
        epochs: int or None. The default of `--epochs`.
        epochs_help: str or None. Its help, when the default needs words.
    """
    group.add_argument(
        "--seeds", type=seed_list, default=[1],
        help="comma-separated seeds; one run each, the median is reported "
        "(default: 1)",
    )
    group.add_argument(
        "--learning-rate", type=positive(float),
        help="peak rate of the head (default: 3e-4 small, 1e-4 base, 5e-5 large)",
    )
    group.add_argument(
        "--layer-decay", type=positive(float),
        help="layer-wise learning-rate decay, in (0, 1] (default: 0.8; 0.9 large)",
    )
    group.add_argument("--batch-size", type=positive(int), default=32)
    group.add_argument(
        "--epochs", type=positive(int), default=epochs,
        help=epochs_help or f"passes over the training data (default: {epochs})",
    )
    group.add_argument("--warmup-fraction", type=float, default=0.1)
    group.add_argument("--weight-decay", type=float, default=0.01)


def add_pooling_flag(group, flag="--pooling"):
    """Adds a classifier recipe's `--pooling` (`cls` or `mean`)."""
    from keras_electra.pooling import POOLINGS

    group.add_argument(
        flag, choices=POOLINGS, default="cls", dest="pooling",
        help="what the classification head reads: the [CLS] position (the "
        "original's) or the mean over the tokens (default: %(default)s)",
    )


def check_finetuning_flags(args):
    """A usage error for the flags `add_encoder_flags` and
    `add_finetuning_flags` add, or None."""
    if args.init != "random" and not os.path.exists(args.init):
        return f"--init '{args.init}' does not exist"
    if args.vocab is not None and not os.path.isfile(args.vocab):
        return f"--vocab '{args.vocab}' does not exist"
    if args.reinit_top_layers < 0:
        return f"--reinit-top-layers must be 0 or more, got {args.reinit_top_layers}"
    if args.layer_decay is not None and args.layer_decay > 1:
        return f"--layer-decay must be in (0, 1], got {args.layer_decay}"
    if not 0 <= args.warmup_fraction < 1:
        return f"--warmup-fraction must be in [0, 1), got {args.warmup_fraction}"
    if args.weight_decay < 0:
        return f"--weight-decay must be non-negative, got {args.weight_decay}"
    return None


def encoder_options(args):
    """The options of `add_encoder_flags`' flags that the seed drivers
    (`finetune_seeds`, ...) pass to `SeedRuns`, besides `--init`."""
    return {
        "preset": args.preset, "vocab": args.vocab,
        "lower_case": args.lower_case, "strip_accents": args.strip_accents,
        "reinit_top_layers": args.reinit_top_layers,
    }


def fine_tuning_settings(args):
    """The `FineTuningConfig` fields of `add_finetuning_flags`' flags and
    the recipe's `--seq-len`; a task's config adds its own."""
    return {
        "learning_rate": args.learning_rate, "layer_decay": args.layer_decay,
        "batch_size": args.batch_size, "sequence_length": args.sequence_length,
        "epochs": args.epochs, "warmup_fraction": args.warmup_fraction,
        "weight_decay": args.weight_decay,
    }


def command_line():
    """This process's command line as a list, for a results file."""
    return [os.path.basename(sys.argv[0])] + list(sys.argv[1:])
