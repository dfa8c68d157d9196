"""`python -m keras_electra answer`: ask an exported question answerer.

Example:
    python -m keras_electra answer --question "Who ran?" \\
        --context "Ann ran home." --model saved_models/squad
"""

import os
import sys

from keras_electra import cli

# The metadata "kind" of the SavedModels this command runs.
KIND = "question_answerer"

ANSWER_HELP = """Answers a question about a context with a SavedModel written by
recipes/finetune_squad.py --export-dir (or keras_electra.qa.export); prints
the answer, its character offsets in the context and its score. An empty
answer with offsets -1 means no answer."""


def add_answer_parser(commands, parser):
    """Adds the `answer` subcommand to `python -m keras_electra`."""
    answer_parser = commands.add_parser(
        "answer", help="answer a question about a context (exported SQuAD model)",
        description=ANSWER_HELP,
    )
    answer_parser.error = parser.error
    answer_parser.add_argument("--question", required=True, help="the question")
    context = answer_parser.add_mutually_exclusive_group(required=True)
    context.add_argument("--context", help="the context text")
    context.add_argument("--context-file", help="read the context from this UTF-8 file")
    cli.add_model_flag(answer_parser, "squad")
    return answer_parser


def answer(args, out=None, prog="keras-electra"):
    """Runs the `answer` command; returns the exit status."""
    out = out or sys.stdout  # Read at call time (tests capture it).
    context = args.context
    if args.context_file is not None:
        try:
            with open(args.context_file, "rb") as f:
                context = f.read()
        except OSError as e:
            cli.fail(f"cannot read --context-file '{args.context_file}': "
                     f"{e.strerror}", prog)
    loaded, signature, version_dir, metadata = cli.load_exported_or_fail(
        args.model, hint="export one with recipes/finetune_squad.py --export-dir",
        prog=prog, kind=KIND, description="an exported question answerer",
    )
    import tensorflow as tf  # Loaded with the model above.

    def raw(text):  # Undecodable command-line bytes reach the model as is.
        return text if isinstance(text, bytes) else os.fsencode(text)

    outputs = signature(question=tf.constant([raw(args.question)]),
                        context=tf.constant([raw(context)]))
    text = outputs["answer"].numpy()[0].decode("utf-8")
    start, end = int(outputs["start"].numpy()[0]), int(outputs["end"].numpy()[0])
    score = float(outputs["score"].numpy()[0])
    no_answer = float(outputs["no_answer_score"].numpy()[0])
    print(f"model: {version_dir} (SQuAD {metadata.get('squad_version')}, version "
          f"{metadata.get('version')})", file=out)
    print(f"answer: {text!r}" if text else "answer: (no answer)", file=out)
    print(f"start: {start}\nend: {end}\nscore: {score:.4f}\n"
          f"no_answer_score: {no_answer:.4f}", file=out)
    return 0
