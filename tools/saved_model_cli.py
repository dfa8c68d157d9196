#!/usr/bin/env python
"""`saved_model_cli` with the tensorflow-text ops registered.

TensorFlow's `saved_model_cli` cannot load a model whose graph holds the
tokenizer ops (`Op type not registered 'FastBertNormalize'`); this wrapper
imports tensorflow_text first and then runs it with the same arguments.

Example:
    python tools/saved_model_cli.py show --all --dir saved_models/electra/1
    python tools/saved_model_cli.py run --dir saved_models/electra/1 \\
        --tag_set serve --signature_def serving_default \\
        --input_exprs 'text=["the chef ate the meal"]'
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow_text  # noqa: E402,F401  (registers the tokenizer ops)
from tensorflow.python.tools import saved_model_cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(saved_model_cli.main())
