"""Runs a keras_electra LiteRT or ONNX export without TensorFlow.

Standalone (numpy plus `ai-edge-litert` or `onnxruntime`):
`python -m keras_electra export --format litert|onnx` copies this file
beside the model as `electra_runner.py`, next to `electra_tokenizer.py`.

Example:
```python
from electra_runner import ElectraRunner
from electra_tokenizer import ElectraTokenizer

runner = ElectraRunner("exports/sst2-onnx")
tokenizer = ElectraTokenizer.from_directory("exports/sst2-onnx")
runner(tokenizer(["a gripping film"]))["probabilities"]
```
"""

import json
import os

import numpy as np

EXPORT_FILE = "export.json"
LITERT_FILE = "model.tflite"


class ElectraRunner:
    """Calls one token signature of an export on packed int32 inputs.

    Args:
        directory: str. The export directory.
        signature: str or None. `"predict_token_ids"` or
            `"encode_token_ids"`; `None` means the first the export has.
        threads: int or None. Intra-op threads of the runtime (`None`: its
            default).
    """

    def __init__(self, directory, signature=None, threads=None):
        with open(os.path.join(directory, EXPORT_FILE)) as f:
            self.record = json.load(f)
        names = sorted(self.record["signatures"], key=lambda n: n != "predict_token_ids")
        self.signature = signature or names[0]
        if self.signature not in names:
            raise ValueError(f"the export has no signature {self.signature!r}; "
                             f"it has {', '.join(names)}")
        self.format = self.record["format"]
        if self.format == "litert":
            from ai_edge_litert.interpreter import Interpreter

            self._interpreter = Interpreter(
                model_path=os.path.join(directory, LITERT_FILE), num_threads=threads)
            self._runner = self._interpreter.get_signature_runner(self.signature)
        else:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            if threads:
                options.intra_op_num_threads = threads
            self._session = onnxruntime.InferenceSession(
                os.path.join(directory, f"{self.signature}.onnx"), options,
                providers=["CPUExecutionProvider"])
            self._outputs = [o.name for o in self._session.get_outputs()]

    def __call__(self, inputs):
        """`{"token_ids", "segment_ids", "padding_mask"}` `[batch, seq]` ->
        the signature's outputs as numpy arrays."""
        inputs = {k: np.asarray(inputs[k], np.int32)
                  for k in ("token_ids", "segment_ids", "padding_mask")}
        length = self.record["sequence_length"]
        for key, value in inputs.items():
            if value.ndim != 2 or value.shape[1] != length:
                raise ValueError(f"{key} has shape {list(value.shape)}; this export "
                                 f"takes [batch, {length}] (its sequence_length)")
        if self.format == "litert":
            return dict(self._runner(**inputs))
        return dict(zip(self._outputs, self._session.run(self._outputs, inputs)))
