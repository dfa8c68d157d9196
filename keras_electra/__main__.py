"""`python -m keras_electra score "some text"`: replaced-token detection.

Loads an exported discriminator (`tools/export.py`), runs its
`serving_default` signature on the given texts and prints every WordPiece
with the probability that it was replaced; tokens at or above `--threshold`
are marked as suspicious. The `keras-electra` console script runs the same.

`python -m keras_electra convert SOURCE --output-dir DIR` converts a
published checkpoint (a Hugging Face directory, Google's TF1 checkpoint or
a keras-hub preset) into a run directory that `finetune_glue.py --init`,
`tools/export.py` and `pretrain.py --model-dir` take; `--to hf` writes a
run directory in the Hugging Face layout.

`python -m keras_electra answer --question Q --context C --model DIR` runs
an exported question answerer (`recipes/finetune_squad.py`) and prints the
answer, its character offsets and score; `python -m keras_electra tag TEXT
--model DIR` runs an exported tagger (`recipes/finetune_tagging.py`) and
prints each word with its tag; `python -m keras_electra classify TEXT --model
DIR` runs an exported classifier and prints the label and probabilities.

Example:
    python -m keras_electra score "the chef ate the meal" \\
        --model saved_models/electra
    python -m keras_electra convert electra-small-discriminator \\
        --generator electra-small-generator --output-dir runs/electra_small
    python -m keras_electra convert runs/electra_small --to hf \\
        --output-dir hf/electra_small
"""

import os
import sys

from keras_electra import cli

PROG = "keras-electra"
MARK = "<- suspicious"


def _fail(message):
    cli.fail(message, PROG)


def build_parser():
    parser = cli.ArgumentParser(
        prog=PROG,
        description="ELECTRA tools. Bad input prints a one-line error and "
        "exits with status 2.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    score = commands.add_parser(
        "score",
        help="print each token with its replaced probability",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    score.error = parser.error
    score.add_argument("texts", nargs="+", metavar="TEXT", help="text(s) to score")
    cli.add_model_flag(score, "electra")
    score.add_argument(
        "--pair", nargs="+", default=None, metavar="TEXT",
        help="second segments, one per TEXT, for a model exported with pairs",
    )
    score.add_argument(
        "--threshold", type=float, default=0.5,
        help="mark tokens whose probability is at least this (default: 0.5)",
    )
    score.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto",
        help="highlight suspicious tokens in red (default: on a terminal)",
    )
    add_convert_parser(commands, parser)
    from keras_electra.qa.command import add_answer_parser

    add_answer_parser(commands, parser)
    from keras_electra.tagging.command import add_tag_parser

    add_tag_parser(commands, parser)
    from keras_electra.finetune.command import add_classify_parser

    add_classify_parser(commands, parser)
    from keras_electra.export.command import add_export_parser

    add_export_parser(commands, parser)
    return parser


CONVERT_HELP = """Converts a published ELECTRA checkpoint into a keras_electra run
directory (run.json, electra_discriminator.keras, electra_vocab.txt and, for
a generator + discriminator pair, checkpoints/step-00000000.weights.h5), or
with --to hf a run directory into the Hugging Face layout."""


def add_convert_parser(commands, parser):
    convert = commands.add_parser(
        "convert", help="convert published checkpoints to a run directory "
        "(or a run directory to Hugging Face's layout)",
        description=CONVERT_HELP,
    )
    convert.error = parser.error
    convert.add_argument(
        "source", metavar="SOURCE",
        help="a Hugging Face model directory, a TF1 checkpoint (directory or "
        "model.ckpt-N prefix), a keras-hub preset directory; with --to hf a "
        "keras_electra run directory",
    )
    convert.add_argument("--output-dir", required=True, help="new or empty directory")
    convert.add_argument(
        "--from", dest="source_format", choices=("hf", "tf1", "keras-hub"),
        default=None, help="SOURCE's format (default: detected)",
    )
    convert.add_argument(
        "--to", dest="target", choices=("keras", "hf"), default="keras",
        help="keras: a keras_electra run directory (default); hf: SOURCE is a "
        "run directory, written in the Hugging Face layout",
    )
    convert.add_argument(
        "--generator", default=None, metavar="GEN_SOURCE",
        help="the generator (e.g. an ElectraForMaskedLM directory), converted "
        "with SOURCE as one pretrainer",
    )
    convert.add_argument(
        "--vocab", default=None,
        help="vocab file (default: SOURCE's vocab.txt, else the bundled uncased "
        "vocab when its size fits)",
    )
    convert.add_argument(
        "--num-heads", type=int, default=None,
        help="attention heads of a TF1 checkpoint (default: hidden size / 64)",
    )
    cli.add_normalization_flags(
        convert, default_help="tokenizer_config.json's, else lower-case"
    )


def convert(args, out=None):
    """Runs the `convert` command; returns the exit status."""
    out = out or sys.stdout  # Read at call time (tests capture it).
    if args.num_heads is not None and args.num_heads < 1:
        _fail(f"--num-heads must be positive, got {args.num_heads}")
    if os.path.isfile(args.output_dir) or (
        os.path.isdir(args.output_dir) and os.listdir(args.output_dir)
    ):
        _fail(f"--output-dir '{args.output_dir}' is not empty")
    if args.target == "hf":
        for flag, value in (("--generator", args.generator), ("--vocab", args.vocab),
                            ("--from", args.source_format),
                            ("--num-heads", args.num_heads)):
            if value is not None:
                _fail(f"{flag} does not apply to --to hf (SOURCE is a run directory)")
        from keras_electra.run_directory import RunDirectory

        run = RunDirectory(args.source)
        if not os.path.isdir(args.source):
            _fail(f"run directory '{args.source}' does not exist")
        if not (run.holds_run() or run.is_finished()):
            _fail(f"'{args.source}' is not a keras_electra run directory (no "
                  "run.json or electra_discriminator.keras)")
    else:
        for flag, path in (("SOURCE", args.source), ("--generator", args.generator)):
            if path is not None and not (
                os.path.exists(path) or os.path.exists(path + ".index")
            ):
                _fail(f"{flag} '{path}' does not exist")
        if args.vocab is not None and not os.path.isfile(args.vocab):
            _fail(f"--vocab '{args.vocab}' does not exist")
    from keras_electra.checkpoints import run_conversion as converted

    try:
        # The Hugging Face reader needs neither Keras nor TensorFlow: a bad
        # source fails here, before the slow imports.
        if args.target != "hf":
            with cli.quiet_stderr():  # The TF1 and keras-hub readers load TF.
                source = converted.read_source(
                    args.source, args.source_format, args.num_heads
                )
                generator = None
                if args.generator is not None:
                    generator = converted.read_source(
                        args.generator, args.source_format, args.num_heads
                    )
            converted.check_sources(source, generator)
        with cli.quiet_stderr():
            import keras  # noqa: F401  (TensorFlow's start-up logs silenced)

            import keras_electra

            keras_electra.register_keras_objects()
        if args.target == "hf":
            written = converted.run_directory_to_hf(args.source, args.output_dir)
            print(f"wrote {args.output_dir} ({written['discriminator']})", file=out)
            if written["generator"]:
                print(f"wrote {written['generator']} (ElectraForMaskedLM)", file=out)
            return 0
        normalization = None
        if args.lower_case is not None or args.strip_accents is not None:
            normalization = cli.normalization_from_args(
                args, source.get("normalization")
            )
        run, summary = converted.write_run_directory(
            source, args.output_dir, generator=generator, vocab=args.vocab,
            normalization=normalization, command=["python", "-m", "keras_electra"]
            + list(sys.argv[1:]),
            warn=lambda line: print(line, file=sys.stderr),
        )
    except (ValueError, OSError) as e:
        _fail(cli.first_line(e))
    config = summary["config"]
    for note in summary["notes"]:
        print(f"note: {note}", file=out)
    what = "generator + discriminator" if summary["pair"] else "discriminator"
    print(
        f"converted {what} ({source['format']}) -> {run.path}: "
        f"{config.num_layers} layers x {config.hidden_dim} hidden"
        + (f", generator {config.generator_depth} x {config.generator_hidden_dim}"
           if summary["pair"] else "")
        + f", vocab {config.vocabulary_size}, activation {config.activation}",
        file=out,
    )
    return 0


def score(args, out=None):
    """Runs the `score` command; returns the exit status."""
    out = out or sys.stdout  # Read at call time (tests capture it).
    if not 0.0 <= args.threshold <= 1.0:
        _fail(f"--threshold must be in [0, 1], got {args.threshold}")
    loaded, signature, version_dir, metadata = cli.load_exported_or_fail(
        args.model, hint="export one with tools/export.py", prog=PROG,
    )
    import tensorflow as tf  # Loaded with the model above.

    if "replaced_probability" not in signature.structured_outputs:
        _fail(
            f"'{version_dir}' is not an exported discriminator (no "
            "replaced_probability output)"
        )
    pairs = "text_pair" in signature.structured_input_signature[1]
    if pairs != (args.pair is not None):
        _fail(
            "the model takes text pairs: pass --pair"
            if pairs
            else "the model takes single texts: drop --pair"
        )
    inputs = {"text": tf.constant(args.texts)}
    if pairs:
        if len(args.pair) != len(args.texts):
            _fail(f"{len(args.texts)} texts but {len(args.pair)} --pair texts")
        inputs["text_pair"] = tf.constant(args.pair)
    outputs = {k: v.numpy() for k, v in signature(**inputs).items()}

    color = args.color == "always" or (args.color == "auto" and out.isatty())
    version = metadata.get("version", os.path.basename(version_dir))
    print(f"model: {version_dir} (version {version})", file=out)
    for row, text in enumerate(args.texts):
        print(f"\n{text}", file=out)
        mask = outputs["padding_mask"][row].astype(bool)
        tokens = outputs["tokens"][row][mask]
        probabilities = outputs["replaced_probability"][row][mask]
        width = max(len(t.decode("utf-8", "replace")) for t in tokens)
        for token, probability in zip(tokens, probabilities):
            token = token.decode("utf-8", "replace")
            line = f"  {token:<{width}}  {probability:.3f}"
            if probability >= args.threshold and token not in ("[CLS]", "[SEP]"):
                line += f"  {MARK}"
                if color:
                    line = f"\033[1;31m{line}\033[0m"
            print(line, file=out)
    return 0


def main(argv=None):
    """Entry point of `python -m keras_electra` and `keras-electra`."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "score":
            return score(args)
        if args.command == "convert":
            return convert(args)
        if args.command == "answer":
            from keras_electra.qa.command import answer

            return answer(args, prog=PROG)
        if args.command == "export":
            from keras_electra.export.command import export

            return export(args, prog=PROG)
        if args.command == "classify":
            from keras_electra.finetune.command import classify

            return classify(args, prog=PROG)
        if args.command == "tag":
            from keras_electra.tagging.command import tag

            return tag(args, prog=PROG)
    except KeyboardInterrupt:
        _fail("interrupted")
    return 2


if __name__ == "__main__":
    sys.exit(main())
