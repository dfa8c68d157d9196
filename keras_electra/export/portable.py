"""LiteRT and ONNX exports of an exported SavedModel's token-id signatures.

Every SavedModel that keras_electra writes (discriminator, encoder,
classifier, tagger, question answerer) has token-level signatures
(`predict_token_ids`, and `encode_token_ids` where it has one) besides
its text signatures. `export_portable` converts those into a directory a
runtime without TensorFlow can serve:

    DIR/model.tflite            LiteRT: every token signature in one file
    DIR/<signature>.onnx        ONNX: one graph per token signature
    DIR/vocab.txt, tokenizer.json, electra_tokenizer.py
                                the pure-Python tokenizer and its settings
    DIR/electra_runner.py       runs the model under ai-edge-litert or
                                onnxruntime (no TensorFlow)
    DIR/export.json             what the directory holds

The text signatures stay in the SavedModel: the tokenizer's
tensorflow-text kernels are not among the LiteRT Python interpreter's ops,
so here the client tokenizes with `electra_tokenizer.py`.
"""

import json
import os
import shutil
import tempfile

from keras_electra.export.portable_format import EXPORT_FILE
from keras_electra.export.portable_format import LITERT_FILE
from keras_electra.export.portable_format import RUNNER_MODULE
from keras_electra.export.portable_format import TOKEN_SIGNATURES
from keras_electra.export.portable_format import TOKENIZER_MODULE
from keras_electra.export.portable_format import check_export_request
from keras_electra.export.portable_format import onnx_file

ONNX_OPSET = 17
CALIBRATION_ROWS = 200


def export_portable(saved_model_dir, output_dir, *, format, quantize="none",
                    calibration_texts=None):
    """Converts a keras_electra SavedModel version into a LiteRT or ONNX export.

    Args:
        saved_model_dir: str. A version directory written by a keras_electra
            export (`saved_models/<name>/<version>`).
        output_dir: str. The directory to create; it must not exist. It is
            written beside itself first and renamed when complete.
        format: `"litert"` or `"onnx"`.
        quantize: `"none"`; `"float16"`, `"dynamic-int8"` (int8 weights,
            float activations) or `"int8"` (int8 weights and activations,
            calibrated; float where an op has no int8 kernel) for LiteRT;
            `"dynamic-int8"` for ONNX (onnxruntime's dynamic quantization).
        calibration_texts: list of str, or None. Texts (a tab between the
            two segments of a pair) whose activations set the int8 ranges;
            required for `quantize="int8"`.

    Returns:
        `output_dir`.

    Example:
    ```python
    export_portable("saved_models/sst2/1", "exports/sst2-litert",
                    format="litert", quantize="dynamic-int8")
    ```
    """
    check_export_request(format, quantize, calibration_texts is not None)
    if os.path.exists(output_dir):
        raise FileExistsError(f"output '{output_dir}' already exists; exports "
                              "never overwrite")
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer ops)

    from keras_electra.export.reference_tokenizer import ElectraTokenizer
    from keras_electra.export.saved_model import METADATA_FILE
    from keras_electra.export.saved_model import VOCAB_FILE

    record_path = os.path.join(saved_model_dir, METADATA_FILE)
    if not os.path.isfile(record_path):
        raise ValueError(f"'{saved_model_dir}' is not a keras_electra SavedModel "
                         f"(no {METADATA_FILE})")
    with open(record_path) as f:
        source = json.load(f)
    signatures = [s for s in TOKEN_SIGNATURES if s in source["signatures"]]
    tokenizer_config = {
        "sequence_length": source["sequence_length"],
        "lower_case": source["lower_case"],
        "strip_accents": source["strip_accents"],
        "text_pair": bool(source.get("text_pair") or source["kind"] == "question_answerer"),
    }
    parent = os.path.dirname(os.path.abspath(output_dir))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
        shutil.copyfile(os.path.join(saved_model_dir, VOCAB_FILE),
                        os.path.join(staging, "vocab.txt"))
        with open(os.path.join(staging, "tokenizer.json"), "w") as f:
            json.dump(tokenizer_config, f, indent=2, sort_keys=True)
        here = os.path.dirname(os.path.abspath(__file__))
        shutil.copyfile(os.path.join(here, "reference_tokenizer.py"),
                        os.path.join(staging, TOKENIZER_MODULE))
        shutil.copyfile(os.path.join(here, "portable_runner.py"),
                        os.path.join(staging, RUNNER_MODULE))
        loaded = tf.saved_model.load(saved_model_dir)
        outputs = {
            name: sorted(loaded.signatures[name].structured_outputs)
            for name in signatures
        }
        if format == "litert":
            calibration = None
            if quantize == "int8":
                tokenizer = ElectraTokenizer.from_directory(staging)
                calibration = _calibration_inputs(tokenizer, calibration_texts)
            _write_litert(saved_model_dir, signatures, quantize, calibration,
                          os.path.join(staging, LITERT_FILE))
        else:
            for name in signatures:
                _write_onnx(loaded.signatures[name], source["sequence_length"],
                            quantize, os.path.join(staging, onnx_file(name)))
        record = {
            "format": format,
            "quantize": quantize,
            "kind": source["kind"],
            "signatures": {
                name: {"inputs": ["token_ids", "segment_ids", "padding_mask"],
                       "outputs": outputs[name]}
                for name in signatures
            },
            "source": {k: source[k] for k in sorted(source) if k != "signatures"},
            **tokenizer_config,
        }
        with open(os.path.join(staging, EXPORT_FILE), "w") as f:
            json.dump(record, f, indent=2, sort_keys=True)
        os.rename(staging, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir


def _calibration_inputs(tokenizer, texts):
    """Packed int32 input dicts, one row each, from calibration texts."""
    import numpy as np

    rows = []
    for text in texts[:CALIBRATION_ROWS]:
        first, _, second = text.partition("\t")
        pair = second if tokenizer.text_pair else None
        packed = tokenizer([first], None if pair is None else [pair])
        rows.append({k: np.asarray(v, np.int32) for k, v in packed.items()})
    return rows


def _write_litert(saved_model_dir, signatures, quantize, calibration, path):
    """TF's LiteRT converter over the token signatures, builtin ops only."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model_dir, signature_keys=list(signatures)
    )
    # Builtin ops only: the file runs on any LiteRT runtime, no Flex delegate.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantize == "int8":

        def representative_dataset():
            for row in calibration:
                for name in signatures:
                    yield name, row

        converter.representative_dataset = representative_dataset
    with open(path, "wb") as f:
        f.write(converter.convert())


def _write_onnx(signature, sequence_length, quantize, path):
    """tf2onnx (the converter Keras' ONNX export uses) over one signature."""
    import numpy as np
    import tensorflow as tf
    import tf2onnx
    from keras.src.export.tf2onnx_lib import patch_tf2onnx

    patch_tf2onnx()  # tf2onnx still reads numpy names that numpy 2 removed.
    spec = [tf.TensorSpec([None, sequence_length], tf.int32, name=name)
            for name in ("token_ids", "segment_ids", "padding_mask")]
    function = tf.function(
        lambda token_ids, segment_ids, padding_mask: signature(
            token_ids=token_ids, segment_ids=segment_ids, padding_mask=padding_mask),
        input_signature=spec,
    )

    def erfc_as_one_minus_erf(ctx, node, name, args):
        # TensorFlow's exact gelu calls erfc, which ONNX lacks; ONNX has erf.
        node.type = "Erf"
        dtype = tf2onnx.utils.map_onnx_to_numpy_type(ctx.get_dtype(node.output[0]))
        one = ctx.make_const(tf2onnx.utils.make_name("one"), np.array(1, dtype))
        ctx.insert_new_node_on_output(
            "Sub", node.output[0], inputs=[one.output[0], node.output[0]],
            name=tf2onnx.utils.make_name(name + "_one_minus"))

    target = path if quantize == "none" else path + ".float.onnx"
    tf2onnx.convert.from_function(
        function, input_signature=spec, opset=ONNX_OPSET,
        custom_op_handlers={"Erfc": (erfc_as_one_minus_erf, [])},
        output_path=target,
    )
    if quantize == "dynamic-int8":
        from onnxruntime.quantization import QuantType
        from onnxruntime.quantization import quantize_dynamic

        quantize_dynamic(target, path, weight_type=QuantType.QInt8)
        os.remove(target)
