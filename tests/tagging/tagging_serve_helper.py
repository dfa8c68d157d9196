"""Fresh-process side of the export tests: load an exported tagger with
`tf.saved_model.load` and record its outputs as JSON.

`python tagging_serve_helper.py MODEL_DIR RECORD.json OUT.json` runs
`serving_default` on the record's `parity_texts` and on edge inputs, and
writes `{name: outputs}` (strings decoded from UTF-8, arrays as lists).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

LONG_TEXT = "word " * 20000  # 100,000 characters.
EDGE_INPUTS = {
    "mixed": ["", "   \t\n  ", "Ünïcödé naïve café — 東京 😀🚀", "caf\xe9 \xff\xfe broken"],
    "long": [LONG_TEXT, "He reckons ."],
    "all_blank": ["", "  "],
    "no_texts": [],
}


def _decoded(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def main(model_dir, record_file, out_file):
    import tensorflow as tf

    from keras_electra.export.serving import load_exported

    loaded, _ = load_exported(model_dir)
    serve = loaded.signatures["serving_default"]
    with open(record_file) as f:
        record = json.load(f)
    inputs = dict(EDGE_INPUTS, parity=record["parity_texts"])
    results = {}
    for name, texts in inputs.items():
        if name == "mixed":  # One text with invalid UTF-8 bytes.
            tensor = tf.constant([t.encode("utf-8") for t in texts[:3]] +
                                 [b"caf\xe9 \xff\xfe broken"])
        else:
            tensor = tf.constant(texts, dtype=tf.string)
        outputs = serve(text=tensor)
        results[name] = {
            key: {"shape": list(value.shape), "value": _decoded(value.numpy().tolist())}
            for key, value in outputs.items()
        }
    with open(out_file, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
