"""Fresh-process side of the serving tests.

`python qa_serve_helper.py VERSION_DIR REQUESTS.json OUT.json` loads the
export with `tf.saved_model.load` (no keras_electra import) and writes its
`serving_default` outputs for each request batch in REQUESTS.json (lists of
`{"question", "context"}`; a context given as `{"hex": ...}` is raw bytes).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(version_dir, requests_file, out_file):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer ops)

    loaded = tf.saved_model.load(version_dir)
    serve = loaded.signatures["serving_default"]
    with open(requests_file) as f:
        batches = json.load(f)
    results = {}
    for name, requests in batches.items():
        def raw(value):
            return bytes.fromhex(value["hex"]) if isinstance(value, dict) else value.encode()

        outputs = serve(
            question=tf.constant([raw(r["question"]) for r in requests], tf.string),
            context=tf.constant([raw(r["context"]) for r in requests], tf.string),
        )
        results[name] = {
            "answer": [a.decode("utf-8") for a in outputs["answer"].numpy()],
            "start": outputs["start"].numpy().tolist(),
            "end": outputs["end"].numpy().tolist(),
            "score": [float(s) for s in outputs["score"].numpy()],
            "no_answer_score": [float(s) for s in outputs["no_answer_score"].numpy()],
        }
    with open(out_file, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
