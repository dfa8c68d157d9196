"""Subprocess side of the export tests: build+export, or load+run.

`python export_helpers.py build OUT` (under any KERAS_BACKEND) builds tiny models,
saves them as `.keras`, exports them under `OUT/saved_models/` and writes the
Keras model's own outputs for `TEXTS` to `OUT/reference_<backend>.npz`.
`python export_helpers.py run VERSION_DIR=OUT.npz[=TOKENS.npz:PREFIX]... [--requests
R.json]` loads each export with `tf.saved_model.load` in a fresh TensorFlow
process and writes the outputs of its signatures (on `TEXTS`, bad input, the
packed token inputs and the serving client's requests) to `OUT.npz`.
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The test side: running these helpers (and the tools) in fresh processes.
ROOT = pathlib.Path(__file__).resolve().parents[2]
SUBPROCESS_TIMEOUT = 300


def python_env(backend="tensorflow"):
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    return env


def run_python(args, backend="tensorflow", check=True, cwd=ROOT):
    """Runs `python ARGS...` in a fresh process; returns the CompletedProcess."""
    result = subprocess.run(
        [sys.executable, *map(str, args)],
        env=python_env(backend),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"python {' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stderr[-4000:]}"
        )
    return result


def load_serving_client():
    """`tools/serving_client.py` as a module, loaded from its path."""
    spec = importlib.util.spec_from_file_location(
        "serving_client", ROOT / "tools" / "serving_client.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module



SEQ_LEN = 32
LONG_TEXT = "word " * 20000  # 100,000 characters.
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "ELECTRA detects replaced tokens",
    "",
    "   \t\n  ",
    LONG_TEXT,
    "Ünïcödé naïve café — 東京 😀🚀",
]
PAIRS = [
    "A fox.",
    "",
    "Second segment here",
    "  ",
    LONG_TEXT,
    "émoji 🎉",
]
LABELS = ["entailment", "neutral", "contradiction"]
INVALID_UTF8 = b"caf\xe9 \xff\xfe broken"
# The regression export keeps case and accents, to check that the
# normalization reaches the graph and the metadata.
CASED = dict(lower_case=False, strip_accents=False)
TINY = dict(
    vocabulary_size=30522,
    num_layers=1,
    hidden_dim=32,
    num_heads=2,
    intermediate_dim=64,
    embedding_dim=16,
    generator_hidden_dim=16,
    generator_num_heads=1,
    generator_intermediate_dim=32,
    max_sequence_length=64,
    dropout=0.0,
)


def _numpy(outputs):
    import keras

    return {k: keras.ops.convert_to_numpy(v) for k, v in outputs.items()}


def build(out):
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_electra
    from keras_electra import TextNormalization
    from keras_electra.export import ElectraPreprocessor
    from keras_electra.export import export_classifier
    from keras_electra.export import export_discriminator
    from keras_electra.models.electra_classifier import ElectraClassifier

    backend = keras.backend.backend()
    keras.utils.set_random_seed(1)
    config = keras_electra.ElectraConfig.from_preset("tiny", **TINY)
    pretrainer = keras_electra.ElectraPretrainer(config, seed=0)
    # Move the head off its initialisation so probabilities differ by token.
    for variable in pretrainer.discriminator_head.trainable_variables:
        variable.assign(variable * 3.0)
    saved = os.path.join(out, "saved_models")
    os.makedirs(out, exist_ok=True)
    if backend == "tensorflow":
        # A pre-training run directory as recipes/pretrain.py leaves it.
        run_dir = os.path.join(out, "run")
        os.makedirs(os.path.join(run_dir, "checkpoints"))
        pretrainer.compile(optimizer=keras.optimizers.AdamW(1e-4))
        pretrainer.optimizer.build(pretrainer.trainable_variables)
        pretrainer.save_weights(
            os.path.join(run_dir, "checkpoints", "step-00000010.weights.h5")
        )
        settings = {
            "config": config.to_dict(), "sequence_length": SEQ_LEN, "lower_case": True,
            "strip_accents": True, "vocab": None,
        }
        with open(os.path.join(run_dir, "run.json"), "w") as f:
            json.dump({"settings": settings}, f)

    packer = ElectraPreprocessor(sequence_length=SEQ_LEN)
    reference = {}
    single = _numpy(packer(tf.constant(TEXTS)))
    sequence = pretrainer.discriminator(single, training=False)
    logits = pretrainer.discriminator_head(sequence)
    mask = single["padding_mask"].astype("float32")
    reference["disc/replaced_probability"] = (
        keras.ops.convert_to_numpy(keras.ops.sigmoid(logits)) * mask
    )
    reference["disc/sequence_output"] = keras.ops.convert_to_numpy(sequence)
    for key, value in single.items():
        reference[f"disc/{key}"] = value
    export_discriminator(
        pretrainer, os.path.join(saved, f"electra_{backend}"), sequence_length=SEQ_LEN
    )

    if backend == "tensorflow":
        classifier = ElectraClassifier(
            pretrainer.discriminator, num_classes=3, dropout=0.0,
            label_names=LABELS,
        )
        paired = _numpy(packer(tf.constant(TEXTS), tf.constant(PAIRS)))
        reference["classifier/logits"] = keras.ops.convert_to_numpy(
            classifier(paired, training=False)
        )
        for key, value in paired.items():
            reference[f"classifier/{key}"] = value
        export_classifier(
            classifier, os.path.join(saved, "mnli"), sequence_length=SEQ_LEN,
            text_pair=True, normalization=TextNormalization(),
        )
        classifier.save(os.path.join(out, "classifier.keras"))
        regressor = ElectraClassifier(
            keras_electra.ElectraEncoder(
                vocabulary_size=30522, num_layers=1, hidden_dim=16, num_heads=1,
                intermediate_dim=32, max_sequence_length=SEQ_LEN, dropout=0.0,
            ),
            num_classes=1, regression=True, dropout=0.0,
        )
        cased = TextNormalization(**CASED)
        cased_inputs = _numpy(
            ElectraPreprocessor(sequence_length=SEQ_LEN, normalization=cased)(
                tf.constant(TEXTS)
            )
        )
        reference["regressor/token_ids"] = cased_inputs["token_ids"]
        reference["regressor/score"] = keras.ops.convert_to_numpy(
            regressor(cased_inputs, training=False)
        )[:, 0]
        export_classifier(
            regressor, os.path.join(saved, "stsb"), sequence_length=SEQ_LEN,
            normalization=cased,
        )
    np.savez(os.path.join(out, f"reference_{backend}.npz"), **reference)


def run(specs, requests_file=None):
    """Runs `run_one` for each `VERSION_DIR=OUT.npz[=TOKENS.npz:PREFIX]`."""
    for spec in specs:
        version_dir, out_file, *tokens = spec.split("=")
        run_one(version_dir, out_file, tokens[0] if tokens else None, requests_file)


def run_one(version_dir, out_file, tokens=None, requests_file=None):
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    loaded = tf.saved_model.load(version_dir)
    signatures = loaded.signatures
    arrays = {}
    serving = signatures["serving_default"]
    takes_pair = "text_pair" in serving.structured_input_signature[1]
    text_inputs = {"text": tf.constant(TEXTS)}
    if takes_pair:
        text_inputs["text_pair"] = tf.constant(PAIRS)

    def call(prefix, signature, inputs):
        for key, value in signature(**inputs).items():
            value = value.numpy()
            if value.dtype == object:  # Strings: store as unicode, no pickle.
                value = np.char.decode(value.astype(bytes), "utf-8")
            arrays[f"{prefix}/{key}"] = value

    call("serving_default", serving, text_inputs)
    call("encode", signatures["encode"], text_inputs)
    # One text at a time gives the same rows as the mixed batch.
    for index in range(len(TEXTS)):
        one = {k: v[index : index + 1] for k, v in text_inputs.items()}
        call(f"row{index}", serving, one)
    # Invalid UTF-8, and an empty batch.
    call("invalid", serving, {k: tf.constant([INVALID_UTF8]) for k in text_inputs})
    call("empty", serving, {k: tf.constant([], tf.string) for k in text_inputs})
    if tokens:
        path, prefix = tokens.rsplit(":", 1)
        packed = np.load(path)
        token_inputs = {
            key: tf.constant(packed[f"{prefix}/{key}"])
            for key in ("token_ids", "segment_ids", "padding_mask")
        }
        call("encode_token_ids", signatures["encode_token_ids"], token_inputs)
        if "predict_token_ids" in signatures:
            call("predict_token_ids", signatures["predict_token_ids"], token_inputs)
    if requests_file and not takes_pair:
        from tensorflow_serving.apis import predict_pb2

        with open(requests_file) as f:
            requests = json.load(f)
        grpc = predict_pb2.PredictRequest.FromString(
            bytes.fromhex(requests["grpc_hex"])
        )
        feed = {k: tf.constant(tf.make_ndarray(v)) for k, v in grpc.inputs.items()}
        call("grpc", signatures[grpc.model_spec.signature_name], feed)
        rest = requests["rest"]
        columns = {
            name: tf.constant([row[name] for row in rest["instances"]])
            for name in rest["instances"][0]
        }
        call("rest", signatures[rest["signature_name"]], columns)
    arrays["signature_names"] = np.array(sorted(signatures.keys()))
    np.savez(out_file, **arrays)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("build", "run"))
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", default=None, help="client requests JSON")
    args = parser.parse_args()
    if args.command == "build":
        build(*args.paths)
    else:
        run(args.paths, requests_file=args.requests)
