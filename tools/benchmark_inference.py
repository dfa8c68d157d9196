#!/usr/bin/env python
"""Size, latency and accuracy of a classifier as SavedModel, LiteRT and ONNX.

For each model — a randomly initialised `ElectraClassifier` per `--sizes`
preset (size and speed do not depend on the weights) and, with
`--classifier`, a fine-tuned one (accuracy too) — exports a SavedModel,
converts it to every LiteRT quantization and to ONNX (float and dynamic
int8), then measures each file in its own process: the SavedModel under
TensorFlow, LiteRT under `ai-edge-litert` and ONNX under `onnxruntime` with
TensorFlow's import blocked. All take the same WordPiece ids (the
pure-Python tokenizer's; tokenization is not timed), with `--threads`
threads each. Per file: size; batch-1 latency p50/p95 over `--calls`
single sentences of the dev set; batch-32 throughput; and for the
fine-tuned model accuracy on the dev set and the largest |difference in
probability| from the Keras model. `--runs 2` measures everything twice
(rows say which run) to show the machine's spread.

Example:
    python tools/benchmark_inference.py --sizes tiny small \\
        --classifier runs/sst2_tiny/seed_1/classifier.keras \\
        --dev ../shared/data/glue/SST-2/dev.tsv \\
        --calibration ../shared/data/glue/SST-2/train.tsv \\
        --output docs/results/inference
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir))

from keras_electra import cli  # noqa: E402
from keras_electra.export.portable_format import LITERT_FILE  # noqa: E402
from keras_electra.export.portable_format import onnx_file  # noqa: E402

VARIANTS = (
    ("savedmodel", "none"),
    ("litert", "none"),
    ("litert", "float16"),
    ("litert", "dynamic-int8"),
    ("litert", "int8"),
    ("onnx", "none"),
    ("onnx", "dynamic-int8"),
)
FIELDS = ("run", "model", "format", "quantize", "size_mib", "p50_ms", "p95_ms",
          "batch32_seq_per_s", "accuracy", "argmax_agreement", "max_abs_prob_diff")
BATCH = 32
CALIBRATION_TEXTS = 200


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    parser.add_argument("--sizes", nargs="*", default=["tiny", "small"],
                        choices=("tiny", "small", "base", "large"),
                        help="presets measured with random weights (default: tiny small)")
    parser.add_argument("--classifier", default=None,
                        help="a fine-tuned ElectraClassifier .keras file (adds accuracy)")
    parser.add_argument("--dev", required=True,
                        help="dev .tsv with a header, the text in the first column and "
                        "the label in the last (GLUE SST-2's layout)")
    parser.add_argument("--calibration", required=True,
                        help=".tsv in the same layout; its first "
                        f"{CALIBRATION_TEXTS} texts calibrate int8")
    parser.add_argument("--sequence-length", type=cli.positive(int), default=128)
    parser.add_argument("--calls", type=cli.positive(int), default=200,
                        help="batch-1 calls timed per file (default: %(default)s)")
    parser.add_argument("--batches", type=cli.positive(int), default=20,
                        help="batch-32 calls timed per file (default: %(default)s)")
    parser.add_argument("--threads", type=cli.positive(int), default=2,
                        help="intra-op threads of every runtime (default: %(default)s)")
    parser.add_argument("--runs", type=cli.positive(int), default=2)
    parser.add_argument("--output", default="docs/results/inference",
                        help="OUTPUT.csv and OUTPUT.md are written (default: %(default)s)")
    parser.add_argument("--measure", nargs=4, default=None, help=argparse.SUPPRESS,
                        metavar=("FORMAT", "PATH", "INPUTS", "RESULT"))
    return parser


def read_tsv(path, flag):
    """`(texts, labels)` of a header + rows .tsv: first and last columns."""
    if not os.path.isfile(path):
        cli.fail(f"{flag} file '{path}' does not exist")
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows, None)
        for line, row in enumerate(rows, start=2):
            if len(row) < 2:
                cli.fail(f"{path}:{line}: expected text<TAB>label, got {len(row)} column")
            texts.append(row[0])
            labels.append(row[-1])
    if not texts:
        cli.fail(f"{flag} file '{path}' has no rows")
    return texts, labels


# === Measuring one file (a fresh process per file) ===


def measure(format, path, inputs_file, result_file, threads, calls, batches):
    if format != "savedmodel":
        _block_tensorflow()
    import numpy as np

    inputs = dict(np.load(inputs_file))
    predict = _predictor(format, path, threads)
    rows = len(inputs["token_ids"])

    def take(start, size):
        index = [(start + i) % rows for i in range(size)]
        return {k: v[index] for k, v in inputs.items()}

    for i in range(5):
        predict(take(i, 1))
        predict(take(i, BATCH))
    latencies = []
    for i in range(calls):
        one = take(i, 1)
        start = time.perf_counter()
        predict(one)
        latencies.append(1000 * (time.perf_counter() - start))
    start = time.perf_counter()
    for i in range(batches):
        predict(take(i * BATCH, BATCH))
    throughput = batches * BATCH / (time.perf_counter() - start)
    probabilities = np.concatenate([
        predict(take(i, min(BATCH, rows - i)))["probabilities"]
        for i in range(0, rows, BATCH)
    ])
    np.save(result_file + ".npy", probabilities)
    quantiles = statistics.quantiles(latencies, n=20)
    with open(result_file, "w") as f:
        json.dump({"p50_ms": statistics.median(latencies), "p95_ms": quantiles[18],
                   "batch32_seq_per_s": throughput}, f)


def _block_tensorflow():
    import builtins

    real_import = builtins.__import__

    def guarded(name, *args, **kwargs):
        if name.split(".")[0] in ("tensorflow", "keras"):
            raise ImportError(f"the {name} import is blocked in a LiteRT/ONNX run")
        return real_import(name, *args, **kwargs)

    builtins.__import__ = guarded


def _predictor(format, path, threads):
    if format == "savedmodel":
        import tensorflow as tf
        import tensorflow_text  # noqa: F401

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        signature = tf.saved_model.load(path).signatures["predict_token_ids"]
        return lambda x: {k: v.numpy() for k, v in
                          signature(**{k: tf.constant(v) for k, v in x.items()}).items()}
    sys.path.insert(0, path)
    from electra_runner import ElectraRunner

    return ElectraRunner(path, threads=threads)


# === The whole table (this process builds and exports) ===


def file_size(path):
    """Bytes of a model file, a SavedModel (its graph and variables) or a
    LiteRT / ONNX export directory (its model file)."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    if os.path.isdir(os.path.join(path, "variables")):  # A SavedModel.
        return sum(os.path.getsize(os.path.join(root, name))
                   for root, _, names in os.walk(path) for name in names
                   if not root.endswith("assets.extra"))
    for name in (LITERT_FILE, onnx_file("predict_token_ids")):
        if os.path.isfile(os.path.join(path, name)):
            return os.path.getsize(os.path.join(path, name))
    raise FileNotFoundError(f"'{path}' holds no model file")


def export_variants(name, classifier, work, sequence_length, calibration):
    from keras_electra.export import export_classifier
    from keras_electra.export import export_portable

    saved = export_classifier(classifier, os.path.join(work, name, "saved"),
                              sequence_length=sequence_length)
    paths = {}
    for format, quantize in VARIANTS:
        if format == "savedmodel":
            paths[format, quantize] = saved
            continue
        target = os.path.join(work, name, f"{format}-{quantize}")
        export_portable(saved, target, format=format, quantize=quantize,
                        calibration_texts=calibration if quantize == "int8" else None)
        paths[format, quantize] = target
    return paths


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.measure:
        format, path, inputs, result = args.measure
        return measure(format, path, inputs, result, args.threads, args.calls, args.batches)
    dev_texts, dev_labels = read_tsv(args.dev, "--dev")
    calibration = read_tsv(args.calibration, "--calibration")[0][:CALIBRATION_TEXTS]
    if args.classifier and not os.path.isfile(args.classifier):
        cli.fail(f"--classifier '{args.classifier}' does not exist")
    with cli.quiet_stderr():
        import keras
        import numpy as np

        import keras_electra
        from keras_electra.export.reference_tokenizer import ElectraTokenizer
        from keras_electra.models.electra_classifier import ElectraClassifier
        from keras_electra.models.towers import discriminator_tower

    keras_electra.register_keras_objects()
    models = {}
    for size in args.sizes:
        keras.utils.set_random_seed(0)
        encoder = discriminator_tower(keras_electra.ElectraConfig.from_preset(size))
        models[f"{size} (random)"] = ElectraClassifier(encoder, num_classes=2)
    if args.classifier:
        models["tiny SST-2 (fine-tuned)"] = keras.models.load_model(
            args.classifier, compile=False)

    from keras_electra.data.vocab import as_vocab

    tokenizer = ElectraTokenizer(list(as_vocab(None).tokens), args.sequence_length)
    packed = {k: np.asarray(v, np.int32) for k, v in tokenizer(dev_texts).items()}
    rows = []
    with tempfile.TemporaryDirectory() as work:
        inputs_file = os.path.join(work, "inputs.npz")
        np.savez(inputs_file, **packed)
        for index, (name, classifier) in enumerate(models.items()):
            reference = keras.ops.convert_to_numpy(keras.ops.softmax(
                classifier.predict(packed, batch_size=BATCH, verbose=0), axis=-1))
            with cli.quiet_stderr():
                paths = export_variants(f"model{index}", classifier, work,
                                        args.sequence_length, calibration)
            for run in range(1, args.runs + 1):
                for (format, quantize), path in paths.items():
                    result = os.path.join(work, f"result-{index}-{format}-{quantize}.json")
                    command = [sys.executable, os.path.abspath(__file__), "--dev", args.dev,
                               "--calibration", args.calibration, "--threads",
                               str(args.threads), "--calls", str(args.calls), "--batches",
                               str(args.batches), "--measure", format, path, inputs_file,
                               result]
                    done = subprocess.run(command, capture_output=True, text=True)
                    if done.returncode != 0:
                        raise RuntimeError(f"measuring {format} {quantize} failed:\n"
                                           + done.stderr[-3000:])
                    with open(result) as f:
                        row = json.load(f)
                    probabilities = np.load(result + ".npy")
                    fine_tuned = "fine-tuned" in name
                    accuracy = (np.mean(np.argmax(probabilities, -1).astype(str)
                                        == np.array(dev_labels)) if fine_tuned else None)
                    rows.append({
                        "run": run, "model": name, "format": format, "quantize": quantize,
                        "size_mib": file_size(path) / 2**20, **row, "accuracy": accuracy,
                        "argmax_agreement": float(np.mean(
                            np.argmax(probabilities, -1) == np.argmax(reference, -1))),
                        "max_abs_prob_diff": float(np.abs(probabilities - reference).max()),
                    })
                    print(_row_text(rows[-1]), flush=True)
                    write_results(args.output, rows, args)
    return 0


def _row_text(row):
    accuracy = "-" if row["accuracy"] is None else f"{100 * row['accuracy']:.1f}"
    return (f"| {row['run']} | {row['model']} | {row['format']} | {row['quantize']} | "
            f"{row['size_mib']:.1f} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | "
            f"{row['batch32_seq_per_s']:.0f} | {accuracy} | "
            f"{100 * row['argmax_agreement']:.1f} | {row['max_abs_prob_diff']:.2e} |")


def write_results(output, rows, args):
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    with open(output + ".csv", "w", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    header = (
        f"Sequence length {args.sequence_length}, {args.threads} threads per runtime, "
        f"batch-1 latency over {args.calls} dev sentences, batch-{BATCH} throughput over "
        f"{args.batches} batches; inputs are WordPiece ids (tokenization not timed).\n\n"
        "| run | model | format | quantize | size MiB | p50 ms (batch 1) | p95 ms | "
        "seq/s (batch 32) | dev accuracy % | same argmax as Keras % | "
        "max abs Δ prob vs Keras |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n")
    with open(output + ".md", "w") as f:
        f.write(header + "\n".join(_row_text(row) for row in rows) + "\n")


if __name__ == "__main__":
    cli.run(main)
