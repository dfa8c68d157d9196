"""`python -m keras_electra classify "some text"`: run an exported classifier.

Example:
    python -m keras_electra classify "a gripping film" --model saved_models/sst2
    python -m keras_electra classify "A man sings." --pair "Someone sings." \\
        --model saved_models/mrpc
"""

import sys

from keras_electra import cli

# The metadata "kind" of the SavedModels this command runs.
KIND = "classifier"

CLASSIFY_HELP = """Classifies each TEXT (or TEXT and its --pair) with a SavedModel
written by recipes/finetune_glue.py --export-dir, `keras-electra export` of a
classifier, or keras_electra.export.export_task; prints the label and its
probability and every class's probability, or the score of a regression
model."""


def add_classify_parser(commands, parser):
    """Adds the `classify` subcommand to `python -m keras_electra`."""
    classify_parser = commands.add_parser(
        "classify", help="classify texts or text pairs (exported classifier)",
        description=CLASSIFY_HELP,
    )
    classify_parser.error = parser.error
    classify_parser.add_argument(
        "texts", nargs="+", metavar="TEXT", help="text(s) to classify"
    )
    classify_parser.add_argument(
        "--pair", nargs="+", default=None, metavar="TEXT",
        help="second segments, one per TEXT, for a sentence-pair model",
    )
    cli.add_model_flag(classify_parser, "classifier", "classifier")
    return classify_parser


def classify(args, out=None, prog="keras-electra"):
    """Runs the `classify` command; returns the exit status."""
    out = out or sys.stdout  # Read at call time (tests capture it).
    if args.pair is not None and len(args.pair) != len(args.texts):
        cli.fail(f"{len(args.texts)} texts but {len(args.pair)} --pair texts", prog)
    loaded, signature, version_dir, metadata = cli.load_exported_or_fail(
        args.model, hint="export one with recipes/finetune_glue.py --export-dir",
        prog=prog, kind=KIND, description="an exported classifier",
    )
    import tensorflow as tf  # Loaded with the model above.

    pairs = "text_pair" in signature.structured_input_signature[1]
    if pairs != (args.pair is not None):
        cli.fail(
            "the model takes text pairs: pass --pair"
            if pairs else "the model takes single texts: drop --pair",
            prog,
        )
    # Command-line bytes that are not UTF-8 arrive as surrogate escapes:
    # pass them on as bytes, which the model replaces by U+FFFD.
    encode = lambda texts: [t.encode("utf-8", "surrogateescape") for t in texts]  # noqa: E731
    inputs = {"text": tf.constant(encode(args.texts))}
    if pairs:
        inputs["text_pair"] = tf.constant(encode(args.pair))
    outputs = {k: v.numpy() for k, v in signature(**inputs).items()}
    print(f"model: {version_dir} (version {metadata.get('version')})", file=out)
    names = metadata.get("label_names")
    for row, text in enumerate(args.texts):
        shown = text if not pairs else f"{text} ||| {args.pair[row]}"
        print(f"\n{shown.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')}",
              file=out)
        if names is None:
            print(f"  score {float(outputs['score'][row]):.4f}", file=out)
            continue
        probabilities = outputs["probabilities"][row]
        label = outputs["label"][row].decode("utf-8")
        print(f"  {label}  {float(probabilities.max()):.3f}", file=out)
        others = "  ".join(f"{n} {float(p):.3f}" for n, p in zip(names, probabilities))
        print(f"  ({others})", file=out)
    return 0
