"""Published ELECTRA checkpoints in and out of keras_electra.

Every reader returns the *canonical form* of each model it finds:
`(hf_config, state)`, where `hf_config` holds the fields of a transformers
`ElectraConfig.to_dict()` and `state` maps the tensor names of a
transformers `ElectraForPreTraining` (discriminator) or
`ElectraForMaskedLM` (generator) state dict to numpy arrays in torch's
layout. `keras_electra.checkpoints.convert` turns that into keras_electra
models and back; `keras_electra.checkpoints.run_conversion` writes a
converted run directory. The readers:

* `hf.read_hf_checkpoint(dir)`: a local Hugging Face model directory;
* `tf1.read_tf1_checkpoint(path)`: Google's original TF1 checkpoints;
* `keras_hub.read_keras_hub_preset(dir)`: a keras-hub `ElectraBackbone`
  preset.

The command line is `python -m keras_electra convert` (see
`keras_electra.__main__`).

Importing this package is cheap: the modules load on first use.
"""

import importlib

_MODULES = ("canonical", "convert", "hf", "keras_hub", "run_conversion", "tf1")


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"keras_electra.checkpoints.{name}")
    raise AttributeError(
        f"module 'keras_electra.checkpoints' has no attribute {name!r}"
    )
