"""Exports: TF Serving SavedModels, LiteRT files and ONNX graphs.

`export_discriminator` and `export_classifier` write
`saved_models/<name>/<version>/` with text signatures (`serving_default`,
`encode`) and token-level ones (`predict_token_ids`, `encode_token_ids`);
`write_models_config` keeps the model server's `--model_config_file` in step.
`export_task` exports any of the keras-hub-shaped tasks with its
preprocessor's settings.
Loading an export in Python needs `import tensorflow_text` first (it
registers the tokenizer ops); `load_exported` does that. `export_portable`
converts a SavedModel's token-level signatures to LiteRT or ONNX.

Names are imported on first use, so the command line can check its flags
before TensorFlow loads.
"""

from keras_electra.lazy import lazy_attributes

_EXPORTS = {
    "ALLOWED_TF_TEXT_OPS": "keras_electra.export.ops",
    "disallowed_ops": "keras_electra.export.ops",
    "graph_ops": "keras_electra.export.ops",
    "METADATA_FILE": "keras_electra.export.saved_model",
    "export_classifier": "keras_electra.export.saved_model",
    "export_discriminator": "keras_electra.export.saved_model",
    "export_task": "keras_electra.export.tasks",
    "latest_version": "keras_electra.export.versions",
    "next_version": "keras_electra.export.saved_model",
    "read_metadata": "keras_electra.export.saved_model",
    "load_exported": "keras_electra.export.serving",
    "write_models_config": "keras_electra.export.serving",
    "ElectraPreprocessor": "keras_electra.preprocessing",
    "export_portable": "keras_electra.export.portable",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
