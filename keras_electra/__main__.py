"""`python -m keras_electra score "some text"`: replaced-token detection.

Loads an exported discriminator (`tools/export.py`), runs its
`serving_default` signature on the given texts and prints every WordPiece
with the probability that it was replaced; tokens at or above `--threshold`
are marked as suspicious. The `keras-electra` console script runs the same.

Example:
    python -m keras_electra score "the chef ate the meal" \\
        --model saved_models/electra
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
    score.add_argument(
        "--model", default=os.path.join("saved_models", "electra"),
        help="exported model: its directory (latest version) or a version "
        "directory (default: saved_models/electra)",
    )
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
    return parser


def score(args, out=sys.stdout):
    """Runs the `score` command; returns the exit status."""
    if not 0.0 <= args.threshold <= 1.0:
        _fail(f"--threshold must be in [0, 1], got {args.threshold}")
    if not os.path.exists(args.model):
        _fail(f"model '{args.model}' does not exist (export one with tools/export.py)")
    with cli.quiet_stderr():
        import tensorflow as tf

        from keras_electra.export.saved_model import read_metadata
        from keras_electra.export.serving import load_exported

    try:
        loaded, version_dir = load_exported(args.model)
    except (OSError, ValueError) as e:
        _fail(str(e).splitlines()[0])
    except Exception as e:  # A corrupt SavedModel raises TF errors.
        _fail(f"cannot load '{args.model}': {str(e).splitlines()[0]}")
    signature = loaded.signatures.get("serving_default")
    if signature is None or "replaced_probability" not in signature.structured_outputs:
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
    version = read_metadata(version_dir).get("version", os.path.basename(version_dir))
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
    except KeyboardInterrupt:
        _fail("interrupted")
    return 2


if __name__ == "__main__":
    sys.exit(main())
