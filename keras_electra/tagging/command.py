"""`python -m keras_electra tag "some text"`: tag words with an exported tagger.

Example:
    python -m keras_electra tag "Confidence in the pound is widely expected" \\
        --model saved_models/chunking
"""

import sys

from keras_electra import cli
from keras_electra.tagging import tags as tag_lib

# The metadata "kind" of the SavedModels this command runs.
KIND = "tagger"

TAG_HELP = """Tags the words of each TEXT with a SavedModel written by
recipes/finetune_tagging.py --export-dir (or keras_electra.tagging.export_tagger)
and prints one 'word tag' line per word, then the spans. Words are split on
whitespace, so separate punctuation as the training data does."""


def add_tag_parser(commands, parser):
    """Adds the `tag` subcommand to `python -m keras_electra`."""
    tag_parser = commands.add_parser(
        "tag", help="tag the words of texts (exported chunker / NER model)",
        description=TAG_HELP,
    )
    tag_parser.error = parser.error
    tag_parser.add_argument("texts", nargs="+", metavar="TEXT", help="text(s) to tag")
    cli.add_model_flag(tag_parser, "tagger", "tagger")
    return tag_parser


def tag(args, out=None, prog="keras-electra"):
    """Runs the `tag` command; returns the exit status."""
    out = out or sys.stdout  # Read at call time (tests capture it).
    loaded, signature, version_dir, metadata = cli.load_exported_or_fail(
        args.model, hint="export one with recipes/finetune_tagging.py --export-dir",
        prog=prog, kind=KIND, description="an exported tagger",
    )
    import tensorflow as tf  # Loaded with the model above.

    # Command-line bytes that are not UTF-8 arrive as surrogate escapes:
    # pass them on as bytes, which the model replaces by U+FFFD.
    texts = [text.encode("utf-8", "surrogateescape") for text in args.texts]
    outputs = {k: v.numpy() for k, v in signature(text=tf.constant(texts)).items()}
    print(f"model: {version_dir} (version {metadata.get('version')}, "
          f"{metadata.get('tag_scheme')} tags)", file=out)
    for row, text in enumerate(texts):
        print(f"\n{text.decode('utf-8', 'replace')}", file=out)
        count = int(outputs["num_words"][row])
        if not count:
            print("  (no words)", file=out)
            continue
        words = [w.decode("utf-8") for w in outputs["words"][row][:count]]
        tags = [t.decode("utf-8") for t in outputs["tags"][row][:count]]
        width = max(len(w) for w in words)
        for word, tag in zip(words, tags):
            print(f"  {word:<{width}}  {tag}", file=out)
        chunks = " ".join(
            f"[{kind} {' '.join(words[start:end])}]"
            for kind, start, end in tag_lib.spans(tags)
        )
        print(f"  spans: {chunks or '(none)'}", file=out)
    return 0
