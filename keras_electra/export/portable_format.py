"""The LiteRT / ONNX export layout and its choices, in pure Python.

One definition of the file names and of which quantization each format
offers, read by the exporter, the runner and the command line (which
checks a request here before it imports TensorFlow).
"""

FORMATS = ("savedmodel", "litert", "onnx")
QUANTIZATIONS = {
    "savedmodel": ("none",),
    "litert": ("none", "float16", "dynamic-int8", "int8"),
    "onnx": ("none", "dynamic-int8"),
}
TOKEN_SIGNATURES = ("predict_token_ids", "encode_token_ids")
LITERT_FILE = "model.tflite"
EXPORT_FILE = "export.json"
TOKENIZER_MODULE = "electra_tokenizer.py"
RUNNER_MODULE = "electra_runner.py"


def onnx_file(signature):
    """The ONNX graph of one token signature: `<signature>.onnx`."""
    return f"{signature}.onnx"


def check_export_request(format, quantize, has_calibration):
    """Raises `ValueError` naming the problem with a format/quantize pair.

    Args:
        format: str, one of `FORMATS`.
        quantize: str, one of `QUANTIZATIONS[format]`.
        has_calibration: bool. Whether calibration texts were given
            (`"int8"` needs them; no other mode reads them).
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of "
                         f"{', '.join(FORMATS)}")
    if quantize not in QUANTIZATIONS[format]:
        raise ValueError(f"quantize {quantize!r} is not available for {format}; "
                         f"choose one of {', '.join(QUANTIZATIONS[format])}")
    if quantize == "int8" and not has_calibration:
        raise ValueError("quantize 'int8' needs calibration texts (their "
                         "activations set the int8 ranges)")
    if quantize != "int8" and has_calibration:
        raise ValueError(f"calibration texts are read only by quantize 'int8', "
                         f"not {quantize!r}")
