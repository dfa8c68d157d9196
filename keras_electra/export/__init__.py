"""SavedModel export for TF Serving, with the tokenizer inside the graph.

`export_discriminator` and `export_classifier` write
`saved_models/<name>/<version>/` with text signatures (`serving_default`,
`encode`) and token-level ones (`predict_token_ids`, `encode_token_ids`);
`write_models_config` keeps the model server's `--model_config_file` in step.
Loading an export in Python needs `import tensorflow_text` first (it
registers the tokenizer ops); `load_exported` does that.
"""

from keras_electra.export.ops import ALLOWED_TF_TEXT_OPS
from keras_electra.export.ops import disallowed_ops
from keras_electra.export.ops import graph_ops
from keras_electra.export.saved_model import METADATA_FILE
from keras_electra.export.saved_model import export_classifier
from keras_electra.export.saved_model import export_discriminator
from keras_electra.export.saved_model import latest_version
from keras_electra.export.saved_model import next_version
from keras_electra.export.saved_model import read_metadata
from keras_electra.export.serving import load_exported
from keras_electra.export.serving import write_models_config
from keras_electra.preprocessing import ElectraPreprocessor

__all__ = [
    "ALLOWED_TF_TEXT_OPS",
    "ElectraPreprocessor",
    "METADATA_FILE",
    "disallowed_ops",
    "export_classifier",
    "export_discriminator",
    "graph_ops",
    "latest_version",
    "load_exported",
    "next_version",
    "read_metadata",
    "write_models_config",
]
