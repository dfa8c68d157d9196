"""Runs LiteRT / ONNX exports the way a client without TensorFlow does.

`python portable_client.py INPUTS.npz OUT.npz EXPORT_DIR...`: imports of
tensorflow and keras raise, each export is run through the
`electra_runner.py` / `electra_tokenizer.py` copied beside it, and every
output lands in OUT.npz as `<dir name>/<output>`. The tokenizer packs
`TEXTS` and its ids are saved as `<dir name>/token_ids`; a longer-than-
export input must fail with the runner's ValueError (`<dir name>/too_long`
holds its message).
"""

import builtins
import importlib.util
import os
import sys

_import = builtins.__import__


def _no_tensorflow(name, *args, **kwargs):
    if name.split(".")[0] in ("tensorflow", "keras", "tf_keras"):
        raise ImportError(f"a LiteRT/ONNX client must not import {name}")
    return _import(name, *args, **kwargs)


builtins.__import__ = _no_tensorflow

import numpy as np  # noqa: E402

TEXTS = ["The quick brown fox jumps over the lazy dog.", "naïve café, 東京!", ""]


def _module(directory, file, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(directory, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(inputs_file, out_file, *directories):
    inputs = dict(np.load(inputs_file))
    results = {}
    for index, directory in enumerate(directories):
        name = os.path.basename(directory)
        runner = _module(directory, "electra_runner.py", f"runner_{index}")
        tokenizer = _module(directory, "electra_tokenizer.py", f"tokenizer_{index}")
        model = runner.ElectraRunner(directory)
        for key, value in model(inputs).items():
            results[f"{name}/{key}"] = value
        packer = tokenizer.ElectraTokenizer.from_directory(directory)
        pairs = TEXTS[::-1] if packer.text_pair else None
        results[f"{name}/token_ids"] = np.array(packer(TEXTS, pairs)["token_ids"])
        too_long = {k: np.concatenate([v, v], axis=1) for k, v in inputs.items()}
        try:
            model(too_long)
        except ValueError as e:
            results[f"{name}/too_long"] = np.array(str(e))
    np.savez(out_file, **results)
    print("modules:", " ".join(sorted(m for m in sys.modules if m.startswith(("onnx", "ai_edge")))))


if __name__ == "__main__":
    main(*sys.argv[1:])
