#!/usr/bin/env python
"""Exports a model as a TF Serving SavedModel with the tokenizer inside.

SOURCE is a pre-training run directory (`recipes/pretrain.py --model-dir`:
its newest checkpoint and run.json settings) or a `.keras` file holding an
`ElectraPretrainer` (the discriminator and its replaced-token head are
exported), a saved discriminator `ElectraEncoder` (exported for embeddings
only: it has no head) or a fine-tuned `ElectraClassifier`.
The export goes to a new version `SAVED_MODELS/NAME/N/` (never over an old
one) and `SAVED_MODELS/models.config` lists NAME for the model server.

Example:
    python tools/export.py runs/pretrain --name electra --sequence-length 128
    python tools/export.py runs/mnli/classifier.keras --name mnli --task mnli
"""

import os

from keras_electra import cli
from keras_electra.normalization import TextNormalization
from keras_electra.run_directory import RunDirectory


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    parser.add_argument(
        "source",
        help="pre-training run directory, or a .keras file (pretrainer, "
        "discriminator encoder or classifier)",
    )
    parser.add_argument(
        "--name", default=None,
        help="model name in saved_models/ and models.config (default: "
        "'electra' for a discriminator, the --task or 'classifier' otherwise)",
    )
    parser.add_argument(
        "--saved-models", default="saved_models",
        help="TF Serving model root (default: saved_models)",
    )
    parser.add_argument(
        "--sequence-length", "--seq-len", type=int, default=None,
        help="tokens per text, [CLS]/[SEP] included; longer texts are "
        "truncated (default: the run's sequence length, else 128 or the model's "
        "max_sequence_length if smaller)",
    )
    parser.add_argument(
        "--vocab", default=None,
        help="vocab file (default: the run's vocab, else the shipped uncased "
        "vocab)",
    )
    parser.add_argument(
        "--text-pair", action="store_true",
        help="text signatures take 'text' and 'text_pair' (sentence pairs)",
    )
    parser.add_argument(
        "--task", default=None,
        help="GLUE task of a classifier (sets --text-pair and the default --name)",
    )
    cli.add_normalization_flags(parser, default_help="the run's, else yes")
    parser.add_argument(
        "--version", type=int, default=None,
        help="version number (default: one more than the highest existing)",
    )
    parser.add_argument(
        "--base-path-prefix", default="/models",
        help="where the model server sees SAVED_MODELS, for models.config "
        "(default: /models, as in the docker command)",
    )
    parser.add_argument(
        "--no-models-config", dest="models_config", action="store_false",
        default=True, help="do not write or update SAVED_MODELS/models.config",
    )
    return parser


KERAS_NAMES = ("pretrainer.keras", "model.keras")


def find_source(source):
    """What to export from SOURCE: `(kind, path, run settings or {})`.

    A `.keras` file is loaded as it is. A pre-training run directory gives
    its newest checkpoint and the settings of its run record (config,
    vocab, sequence length, normalization); a directory with a
    `pretrainer.keras` or `model.keras` gives that file.
    """
    if os.path.isfile(source):
        if not source.endswith(".keras"):
            raise ValueError(f"'{source}' is not a .keras file or a run directory")
        return "keras", source, {}
    if not os.path.isdir(source):
        raise ValueError(f"source '{source}' does not exist")
    for name in KERAS_NAMES:
        if os.path.isfile(os.path.join(source, name)):
            return "keras", os.path.join(source, name), {}
    run = RunDirectory(source)
    if run.holds_run():
        settings = run.settings()
        if not isinstance(settings.get("config"), dict):
            raise ValueError(f"unreadable {run.run_file}: no model config")
        checkpoint = run.latest_checkpoint()
        if checkpoint is None and run.is_finished():
            # A converted discriminator without a generator
            # (`python -m keras_electra convert`): the encoder and its head.
            return "discriminator", run.discriminator_file, settings
        if checkpoint is None:
            raise ValueError(
                f"run directory '{source}' has no checkpoints/step-*.weights.h5 yet"
            )
        return "run", checkpoint, settings
    raise ValueError(
        f"'{source}' holds no run.json (a pre-training run) and no "
        f"{' or '.join(KERAS_NAMES)}"
    )


def load_model(kind, path, settings):
    """Loads the `.keras` file, or a pretrainer from a run's checkpoint."""
    import keras

    import keras_electra

    keras_electra.register_keras_objects()
    try:
        if kind in ("keras", "discriminator"):
            return keras.models.load_model(path, compile=False)
        model = keras_electra.ElectraPretrainer(settings["config"])
        model.load_weights(path)
        return model
    except Exception as e:  # Keras raises many types for a bad file.
        raise ValueError(f"cannot load '{path}': {cli.first_line(e)}") from None


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.version is not None and args.version < 1:
        cli.fail(f"--version must be a positive integer, got {args.version}")
    if args.sequence_length is not None and args.sequence_length < 3:
        cli.fail(f"--sequence-length must be at least 3, got {args.sequence_length}")
    kind, model_file, settings = find_source(args.source)
    if args.version is not None and args.name is not None:
        existing = os.path.join(args.saved_models, args.name, str(args.version))
        if os.path.exists(existing):
            cli.fail(f"version {args.version} already exists: '{existing}'; "
                      "exports never overwrite a version")
    with cli.quiet_stderr():
        import keras_electra  # noqa: F401  (registers the model classes)
        from keras_electra import export
        from keras_electra.finetune.glue import TASKS
        from keras_electra.models.electra_classifier import ElectraClassifier

    text_pair = args.text_pair
    if args.task is not None:
        if args.task not in TASKS:
            cli.fail(f"unknown --task {args.task!r}; choose one of {', '.join(TASKS)}")
        text_pair = text_pair or len(TASKS[args.task].text_columns) == 2
    with cli.quiet_stderr():
        model = load_model(kind, model_file, settings)
    # A run's own settings are the defaults; flags given explicitly win.
    vocab = args.vocab or settings.get("vocab")
    sequence_length = args.sequence_length or settings.get("sequence_length")
    sequence_length = sequence_length or min(128, _max_length(model))
    normalization = cli.normalization_from_args(
        args, TextNormalization.from_record(settings)
    )

    if sequence_length > _max_length(model):
        cli.fail(
            f"--sequence-length {sequence_length} exceeds the model's "
            f"max_sequence_length {_max_length(model)}"
        )
    common = dict(
        vocab=vocab,
        sequence_length=sequence_length,
        text_pair=text_pair,
        normalization=normalization,
        version=args.version,
    )
    if isinstance(model, ElectraClassifier):
        name = args.name or args.task or "classifier"
        base = os.path.join(args.saved_models, name)
        with cli.quiet_stderr():
            path = export.export_classifier(model, base, **common)
    else:
        name = args.name or "electra"
        base = os.path.join(args.saved_models, name)
        head = None
        if kind == "discriminator":
            from keras_electra.checkpoints.run_conversion import load_discriminator_head

            head = load_discriminator_head(args.source, model)
        with cli.quiet_stderr():
            path = export.export_discriminator(model, base, head=head, **common)
    print(f"exported {model_file} -> {path}")
    if args.models_config:
        config = export.write_models_config(
            args.saved_models, names=[name], base_path_prefix=args.base_path_prefix
        )
        print(f"model server config: {config}")
    return 0


def _max_length(model):
    for attr in ("discriminator", "encoder"):
        if hasattr(model, attr):
            model = getattr(model, attr)
    if not hasattr(model, "max_sequence_length"):
        raise ValueError(
            f"{type(model).__name__} is not an ELECTRA pretrainer, encoder or "
            "classifier"
        )
    return model.max_sequence_length


if __name__ == "__main__":
    cli.run(main)
