#!/usr/bin/env python
"""Sends texts to a TF Serving model server (REST or gRPC) and prints the reply.

Builds the REST `:predict` JSON body (row format, `instances`) or the gRPC
`PredictRequest` (tensorflow-serving-api) for the exported signatures that
take text. `--dry-run` prints the request and sends nothing.

Example:
    python tools/serving_client.py "the chef ate the meal" --model electra
    python tools/serving_client.py "a premise" --pair "a hypothesis" \\
        --model mnli --protocol grpc --dry-run
"""

import json
import sys
import urllib.error
import urllib.request

from keras_electra import cli


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="texts to send")
    parser.add_argument(
        "--pair", nargs="+", default=None, metavar="TEXT",
        help="second segments (input 'text_pair'), one per TEXT",
    )
    parser.add_argument(
        "--model", default="electra", help="model name (default: electra)"
    )
    parser.add_argument(
        "--version", type=int, default=None,
        help="model version (default: the server's latest)",
    )
    parser.add_argument(
        "--signature", default="serving_default",
        help="signature name (default: serving_default; 'encode' for vectors)",
    )
    parser.add_argument(
        "--protocol", choices=("rest", "grpc"), default="rest",
        help="REST on --rest-port or gRPC on --grpc-port (default: rest)",
    )
    parser.add_argument("--host", default="localhost", help="server host")
    parser.add_argument("--rest-port", type=int, default=8501, help="default: 8501")
    parser.add_argument("--grpc-port", type=int, default=8500, help="default: 8500")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds (default: 30)"
    )
    parser.add_argument(
        "--dry-run", action="store_true",
        help="print the request (URL and JSON, or the PredictRequest) only",
    )
    return parser


def text_inputs(texts, pairs=None):
    """The named text inputs of the export's text signatures.

    Args:
        texts: list of str.
        pairs: list of str (as many as `texts`) or None.

    Returns:
        A dict `{"text": texts}` (plus `"text_pair": pairs`).
    """
    texts = [str(t) for t in texts]
    if not texts:
        raise ValueError("no texts to send")
    inputs = {"text": texts}
    if pairs is not None:
        if len(pairs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(pairs)} pair texts")
        inputs["text_pair"] = [str(p) for p in pairs]
    return inputs


def rest_url(host, port, model, version=None):
    """`http://HOST:PORT/v1/models/MODEL[/versions/V]:predict`."""
    version_part = f"/versions/{version}" if version is not None else ""
    return f"http://{host}:{port}/v1/models/{model}{version_part}:predict"


def rest_body(inputs, signature="serving_default"):
    """The REST predict body, row format: one object per text.

    Example:
    ```python
    rest_body({"text": ["hello"]})
    # {"signature_name": "serving_default", "instances": [{"text": "hello"}]}
    ```
    """
    names = list(inputs)
    rows = [dict(zip(names, values)) for values in zip(*inputs.values())]
    return {"signature_name": signature, "instances": rows}


def grpc_request(inputs, model, signature="serving_default", version=None):
    """The gRPC `PredictRequest`: one `[batch]` DT_STRING tensor per input."""
    from tensorflow.core.framework import tensor_pb2
    from tensorflow.core.framework import tensor_shape_pb2
    from tensorflow.core.framework import types_pb2
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    if version is not None:
        request.model_spec.version.value = version
    for name, values in inputs.items():
        tensor = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING,
            tensor_shape=tensor_shape_pb2.TensorShapeProto(
                dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(values))]
            ),
            string_val=[v.encode("utf-8") for v in values],
        )
        request.inputs[name].CopyFrom(tensor)
    return request


def send_rest(url, body, timeout):
    """POSTs `body` to `url`; returns the decoded JSON reply."""
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace").strip()
        raise OSError(f"server answered {e.code}: {detail}") from None
    except urllib.error.URLError as e:
        raise OSError(f"cannot reach {url}: {e.reason}") from None


def send_grpc(target, request, timeout):
    """Calls `PredictionService/Predict`; returns `{output: nested list}`."""
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        try:
            reply = stub.Predict(request, timeout=timeout)
        except grpc.RpcError as e:
            raise OSError(f"{target}: {e.code().name}: {e.details()}") from None
    import tensorflow as tf

    return {
        name: _jsonable(tf.make_ndarray(tensor))
        for name, tensor in sorted(reply.outputs.items())
    }


def _jsonable(array):
    if array.dtype.kind in "SO":
        return [_jsonable(a) for a in array] if array.ndim else array.item().decode(
            "utf-8", "replace"
        )
    return array.tolist()


def main(argv=None):
    args = build_parser().parse_args(argv)
    inputs = text_inputs(args.texts, args.pair)
    if args.protocol == "rest":
        url = rest_url(args.host, args.rest_port, args.model, args.version)
        body = rest_body(inputs, args.signature)
        if args.dry_run:
            print(f"POST {url}")
            print(json.dumps(body, indent=2, ensure_ascii=False))
            return 0
        reply = send_rest(url, body, args.timeout)
    else:
        with cli.quiet_stderr():
            request = grpc_request(inputs, args.model, args.signature, args.version)
        target = f"{args.host}:{args.grpc_port}"
        if args.dry_run:
            print(f"gRPC {target} tensorflow.serving.PredictionService/Predict")
            print(request, end="")
            return 0
        reply = send_grpc(target, request, args.timeout)
    json.dump(reply, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    cli.run(main)
