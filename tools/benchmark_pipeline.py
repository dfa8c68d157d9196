#!/usr/bin/env python
"""Benchmarks the pre-training pipeline against an HF `tokenizers` peer.

Both sides do the same work, raw text to masked batches at --seq-len: read
the corpus, WordPiece-tokenize it (uncased vocab, lower-case + accent strip),
pack documents into [CLS] A [SEP] B [SEP] examples (the same packing
algorithm), batch them and draw ELECTRA masks (15%, 85% [MASK] / 15% kept).

* ours: `keras_electra.data.pretraining_dataset` (tensorflow-text
  FastBertTokenizer, tf.data, stateless TF masking);
* peer: HF `tokenizers` fast BertWordPiece (Rust) and vectorized numpy
  masking.

Each side runs in its own fresh process pinned to the same --cores CPUs,
one after the other, timed from the first read to the last batch (imports
excluded). Printed: sequences/s of each, sequences/s per core, and the ratio.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from keras_electra import cli

DEFAULT_CORPUS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "shared", "data", "corpus", "gutenberg_en_10mb.txt",
)


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    parser.add_argument(
        "--corpus", default=os.path.normpath(DEFAULT_CORPUS),
        help="text file, blank lines between documents (default: the shared "
        "10 MB Gutenberg corpus at ../shared/data/corpus)",
    )
    parser.add_argument(
        "--seq-len", "--sequence-length", dest="sequence_length", type=int,
        default=128,
        help="tokens per example (default: 128)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=128,
        help="examples per batch (default: 128)",
    )
    parser.add_argument(
        "--cores", type=int, default=1,
        help="CPUs each side is pinned to (default: 1, for a per-core "
        "comparison)",
    )
    # Internal: runs one side inside the pinned child process.
    parser.add_argument("--worker", choices=["ours", "peer"], help=argparse.SUPPRESS)
    return parser


def run_ours(args):
    data = cli.import_data()
    start = time.perf_counter()
    ds = data.pretraining_dataset(
        args.corpus, sequence_length=args.sequence_length,
        batch_size=args.batch_size, seed=0,
    )
    sequences = 0
    for batch in ds:
        sequences += int(batch["token_ids"].shape[0])
    return sequences, time.perf_counter() - start


def run_peer(args):
    import numpy as np
    from tokenizers import BertWordPieceTokenizer

    # Pure-Python pieces only: the corpus reader and the packing algorithm.
    data = cli.import_data()
    start = time.perf_counter()
    vocab = data.load_vocab()
    tokenizer = BertWordPieceTokenizer(
        str(data.DEFAULT_VOCAB), lowercase=True, strip_accents=True
    )
    source = data.TextFiles(args.corpus)
    stats = data.CorpusStats()
    lines = (item for unit in source.units() for item in source.read(unit, stats))
    packer = data.DocumentPacker(args.sequence_length, vocab, seed=0, stats=stats)
    examples = data.pack_sentences(_hf_tokenize(lines, tokenizer), packer)
    rng = np.random.default_rng(0)
    max_predictions = data.max_predictions_for(args.sequence_length, 0.15)
    sequences = 0
    batch = []
    for example in examples:
        batch.append(example)
        if len(batch) == args.batch_size:
            _numpy_mask(batch, vocab, rng, max_predictions)
            sequences += len(batch)
            batch = []
    return sequences, time.perf_counter() - start


def _hf_tokenize(lines, tokenizer, batch_size=512):
    import numpy as np

    items, texts = [], []

    def flush():
        encodings = iter(tokenizer.encode_batch(texts, add_special_tokens=False))
        for item in items:
            yield item if item is None else np.asarray(next(encodings).ids, np.int32)

    for item in lines:
        items.append(item)
        if item is not None:
            texts.append(item)
            if len(texts) == batch_size:
                yield from flush()
                items, texts = [], []
    yield from flush()


def _numpy_mask(batch, vocab, rng, max_predictions, rate=0.15):
    import numpy as np

    token_ids, segment_ids, padding_mask = (np.stack(x) for x in zip(*batch))
    special = np.isin(token_ids, vocab.unmaskable_ids)
    candidates = (padding_mask > 0) & ~special
    num = np.clip(np.round(padding_mask.sum(1) * rate), 1, max_predictions)
    num = np.minimum(num, candidates.sum(1)).astype(np.int32)
    scores = np.where(candidates, rng.random(token_ids.shape), -1.0)
    ranked = np.argsort(-scores, axis=1)[:, :max_predictions]
    valid = np.arange(max_predictions)[None, :] < num[:, None]
    positions = np.sort(np.where(valid, ranked, token_ids.shape[1]), axis=1)
    positions = np.where(valid, positions, 0)
    rows = np.arange(len(batch))[:, None]
    mask_ids = np.where(valid, token_ids[rows, positions], 0)
    replace = valid & (rng.random(positions.shape) < 0.85)
    masked = token_ids.copy()
    masked[np.broadcast_to(rows, positions.shape)[replace], positions[replace]] = vocab.mask_id
    return masked, segment_ids, padding_mask, positions, mask_ids, valid.astype(np.float32)


def run_worker(name, args):
    """Runs one side in a child process pinned to `args.cores` CPUs."""
    cpus = sorted(os.sched_getaffinity(0))[: args.cores]
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.cores),
               TOKENIZERS_PARALLELISM="true", TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, os.path.abspath(__file__), "--worker", name,
               "--corpus", args.corpus, "--seq-len", str(args.sequence_length),
               "--batch-size", str(args.batch_size), "--cores", str(args.cores)]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True,
        preexec_fn=lambda: os.sched_setaffinity(0, cpus),
    )
    if result.returncode:
        cli.fail(f"{name} run failed: {result.stderr.strip().splitlines()[-1]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not os.path.isfile(args.corpus):
        cli.fail(f"corpus file '{args.corpus}' does not exist")
    available = len(os.sched_getaffinity(0))
    if not 1 <= args.cores <= available:
        cli.fail(f"--cores must be in [1, {available}], got {args.cores}")
    if args.worker:
        sequences, seconds = (run_ours if args.worker == "ours" else run_peer)(args)
        print(json.dumps({"sequences": sequences, "seconds": seconds}))
        return 0
    print(f"corpus {args.corpus}, sequence_length {args.sequence_length}, batch "
          f"{args.batch_size}, {args.cores} core(s) per side")
    rates = {}
    for name, label in (("ours", "keras_electra (tf-text + tf.data)"),
                        ("peer", "HF tokenizers + numpy masking")):
        result = run_worker(name, args)
        rates[name] = result["sequences"] / result["seconds"]
        print(f"{label:36s} {result['sequences']:7d} sequences in "
              f"{result['seconds']:6.2f} s = {rates[name]:8.0f} seq/s "
              f"({rates[name] / args.cores:8.0f} seq/s per core)")
    print(f"ratio ours/peer per core: {rates['ours'] / rates['peer']:.2f}")
    return 0


if __name__ == "__main__":
    cli.run(main)
