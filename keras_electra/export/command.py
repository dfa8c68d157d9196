"""`keras-electra export` / `tools/export.py`: a model as a SavedModel,
a LiteRT file or ONNX graphs.

`--format savedmodel` (the default) writes a TF Serving SavedModel with the
tokenizer inside to a new version `SAVED_MODELS/NAME/N/` (never over an old
one) and lists NAME in `SAVED_MODELS/models.config`. SOURCE is a
pre-training run directory (its newest checkpoint and run.json settings)
or a `.keras` file holding an `ElectraPretrainer` (the discriminator and
its replaced-token head are exported), a discriminator `ElectraEncoder`
(embeddings only) or a fine-tuned `ElectraClassifier`, or a task's
`save_to_preset` directory (`ElectraTextClassifier`,
`ElectraTokenClassifier`, `ElectraQuestionAnswerer`: their per-task
SavedModels, with the preprocessor's settings).

`--format litert|onnx` converts the SavedModel's token-id signatures
(`keras_electra.export.portable`) into a new directory with the
pure-Python tokenizer and runner beside them; SOURCE may then also be any
exported SavedModel (a tagger's, a question answerer's).

Example:
    python -m keras_electra export runs/pretrain --name electra
    python -m keras_electra export saved_models/sst2 --format litert \\
        --quantize dynamic-int8 --output exports/sst2-litert
    python -m keras_electra export saved_models/sst2 --format onnx
"""

import os

from keras_electra import cli
from keras_electra.export.portable_format import FORMATS
from keras_electra.export.portable_format import QUANTIZATIONS
from keras_electra.export.portable_format import check_export_request
from keras_electra.export.tasks import DEFAULT_NAMES
from keras_electra.export.tasks import holds_task
from keras_electra.export.tasks import saved_task_class
from keras_electra.export.versions import find_exported
from keras_electra.normalization import TextNormalization
from keras_electra.run_directory import RunDirectory


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    add_export_arguments(parser)
    return parser


def add_export_parser(commands, parser):
    """The `export` subcommand of `python -m keras_electra`."""
    command = commands.add_parser(
        "export", help="export a model: SavedModel, LiteRT or ONNX",
        description=__doc__.split("\n\n")[0].replace("\n", " "),
    )
    command.error = parser.error
    add_export_arguments(command)


def add_export_arguments(parser):
    """The export flags, for `tools/export.py` and `keras-electra export`."""
    parser.add_argument(
        "source",
        help="pre-training run directory, a .keras file (pretrainer, "
        "discriminator encoder or classifier), a task's save_to_preset "
        "directory (text classifier, token classifier, question answerer), "
        "or for --format litert/onnx "
        "also an exported SavedModel (any kind: classifier, tagger, question "
        "answerer...)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="savedmodel",
        help="savedmodel: TF Serving, tokenizer inside (default); litert: a "
        ".tflite file; onnx: ONNX graphs. litert and onnx take token ids and "
        "come with a pure-Python tokenizer",
    )
    parser.add_argument(
        "--quantize", choices=ALL_QUANTIZATIONS, default="none",
        help="litert: none, float16, dynamic-int8 or int8 (needs "
        "--calibration); onnx: none or dynamic-int8 (default: none)",
    )
    parser.add_argument(
        "--calibration", default=None, metavar="TEXTS",
        help="text file, one text per line (a tab between the two texts of a "
        "pair), for --quantize int8",
    )
    parser.add_argument(
        "--output", default=None, metavar="DIR",
        help="new directory for --format litert/onnx (default: "
        "exports/NAME-FORMAT[-QUANTIZE])",
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


ALL_QUANTIZATIONS = tuple(dict.fromkeys(q for qs in QUANTIZATIONS.values() for q in qs))
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
    if holds_task(source):
        saved_task_class(source)  # A task of ours, else one line now.
        return "task", source, {}
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
    return export(build_parser().parse_args(argv))


def export(args, prog=None):
    """Runs an export from parsed flags; returns the exit status.

    Bad input (a flag, a missing or unreadable source) exits with one line.
    """
    try:
        return _export(args)
    except (ValueError, OSError) as e:
        cli.fail(cli.first_line(e), prog)


def _export(args):
    if args.version is not None and args.version < 1:
        cli.fail(f"--version must be a positive integer, got {args.version}")
    if args.sequence_length is not None and args.sequence_length < 3:
        cli.fail(f"--sequence-length must be at least 3, got {args.sequence_length}")
    check_export_request(args.format, args.quantize, args.calibration is not None)
    calibration = read_calibration(args.calibration) if args.calibration else None
    saved_model = find_exported(args.source)
    if args.format == "savedmodel":
        if saved_model is not None:
            cli.fail(f"'{args.source}' is already a SavedModel; --format litert "
                     "or onnx converts it")
        return export_saved_model(args, args.saved_models, args.models_config)
    output = args.output or os.path.join(
        "exports", "-".join([args.name or _default_name(args.source), args.format]
                            + ([args.quantize] if args.quantize != "none" else [])))
    if os.path.exists(output):
        cli.fail(f"--output '{output}' already exists; exports never overwrite")
    if saved_model is not None:
        fixed = [flag for flag, value in (("--sequence-length", args.sequence_length),
                 ("--vocab", args.vocab), ("--task", args.task)) if value is not None]
        if fixed:
            cli.fail(f"{fixed[0]} is fixed by the SavedModel '{args.source}'; "
                     "export from the run directory or .keras file to change it")
        return export_portable_from(saved_model, output, args, calibration)
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        args.version = None
        version_dir = export_saved_model(args, scratch, models_config=False, quiet=True)
        return export_portable_from(version_dir, output, args, calibration)


def export_portable_from(version_dir, output, args, calibration):
    with cli.quiet_stderr():
        from keras_electra.export.portable import export_portable

        export_portable(version_dir, output, format=args.format,
                        quantize=args.quantize, calibration_texts=calibration)
    sizes = ", ".join(
        f"{name} {os.path.getsize(os.path.join(output, name)) / 2**20:.1f} MiB"
        for name in sorted(os.listdir(output)) if name.endswith((".tflite", ".onnx")))
    print(f"exported {args.source} -> {output} ({args.format}, quantize "
          f"{args.quantize}: {sizes})")
    return 0


def read_calibration(path):
    """The non-blank lines of a calibration file (at least one)."""
    if not os.path.isfile(path):
        cli.fail(f"--calibration file '{path}' does not exist")
    try:
        with open(path, encoding="utf-8") as f:
            texts = [line.rstrip("\n") for line in f if line.strip()]
    except UnicodeDecodeError as e:
        cli.fail(f"--calibration file '{path}' is not UTF-8 text ({e.reason} at "
                 f"byte {e.start})")
    if not texts:
        cli.fail(f"--calibration file '{path}' has no text")
    return texts


def _default_name(source):
    return os.path.basename(os.path.normpath(source)).removesuffix(".keras") or "model"


def export_saved_model(args, saved_models, models_config, quiet=False):
    """The SavedModel export of a run directory or `.keras` file.

    Returns 0 after reporting it, or (`quiet`) the version directory written.
    """
    kind, model_file, settings = find_source(args.source)
    if args.version is not None and args.name is not None:
        existing = os.path.join(saved_models, args.name, str(args.version))
        if os.path.exists(existing):
            cli.fail(f"version {args.version} already exists: '{existing}'; "
                      "exports never overwrite a version")
    if kind == "task":
        return export_task_preset(args, model_file, saved_models, models_config, quiet)
    with cli.quiet_stderr():
        import keras_electra  # noqa: F401  (registers the model classes)
        from keras_electra import export
        from keras_electra.models.electra_classifier import ElectraClassifier

    text_pair = _text_pair(args)
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
        base = os.path.join(saved_models, name)
        with cli.quiet_stderr():
            path = export.export_classifier(model, base, **common)
    else:
        name = args.name or "electra"
        base = os.path.join(saved_models, name)
        head = None
        if kind == "discriminator":
            from keras_electra.checkpoints.run_conversion import load_discriminator_head

            head = load_discriminator_head(args.source, model)
        with cli.quiet_stderr():
            path = export.export_discriminator(model, base, head=head, **common)
    return _exported(args, model_file, path, name, saved_models, models_config, quiet)


def export_task_preset(args, preset, saved_models, models_config, quiet):
    """`export_saved_model` of a task preset (`save_to_preset`'s directory):
    its preprocessor fixes the vocab, normalization and lengths."""
    fixed = [flag for flag, value in (
        ("--sequence-length", args.sequence_length), ("--vocab", args.vocab),
        ("--lower-case/--no-lower-case", args.lower_case),
        ("--strip-accents/--no-strip-accents", args.strip_accents),
    ) if value is not None]
    if fixed:
        cli.fail(f"{fixed[0]} is fixed by the task preset '{preset}' (its "
                 "preprocessor's); save the task with other settings to change it")
    class_name = saved_task_class(preset)
    text_pair = _text_pair(args)
    name = args.name or args.task or DEFAULT_NAMES[class_name]
    with cli.quiet_stderr():
        from keras_electra.export.tasks import export_task
        from keras_electra.export.tasks import load_task

        try:
            task = load_task(preset)
        except Exception as e:  # Keras raises many types for a bad preset.
            raise ValueError(f"cannot load '{preset}': {cli.first_line(e)}") from None
        path = export_task(task, os.path.join(saved_models, name),
                           text_pair=text_pair, version=args.version)
    return _exported(args, f"{preset} ({class_name})", path, name, saved_models,
                     models_config, quiet)


def _text_pair(args):
    """Whether the text signatures take pairs: `--text-pair`, or a GLUE
    `--task` of sentence pairs."""
    if args.task is None:
        return args.text_pair
    from keras_electra.finetune.glue import TASKS

    if args.task not in TASKS:
        cli.fail(f"unknown --task {args.task!r}; choose one of {', '.join(TASKS)}")
    return args.text_pair or len(TASKS[args.task].text_columns) == 2


def _exported(args, source, path, name, saved_models, models_config, quiet):
    """Reports an export and lists it in `models.config`; returns 0, or
    (`quiet`) the version directory."""
    if quiet:
        return path
    print(f"exported {source} -> {path}")
    if models_config:
        from keras_electra import export

        config = export.write_models_config(
            saved_models, names=[name], base_path_prefix=args.base_path_prefix
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
