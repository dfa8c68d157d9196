#!/usr/bin/env python
"""Exports a model: a TF Serving SavedModel, a LiteRT file or ONNX graphs.

The same command as `python -m keras_electra export`; see
`keras_electra/export/command.py` for SOURCE and the formats.

Example:
    python tools/export.py runs/pretrain --name electra --sequence-length 128
    python tools/export.py runs/mnli/classifier.keras --name mnli --task mnli
    python tools/export.py saved_models/sst2 --format onnx
"""

from keras_electra import cli
from keras_electra.export.command import main

if __name__ == "__main__":
    cli.run(main)
