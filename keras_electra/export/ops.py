"""Which ops an exported graph uses, and whether TF Serving links them all."""

import os

import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

ALLOWED_TF_TEXT_OPS = frozenset(
    {
        # FastBertTokenizer / FastWordpieceTokenizer.
        "FastBertNormalize",
        "FastWordpieceTokenizeWithOffsets",
        "FastWordpieceDetokenize",
        # BertTokenizer / WordpieceTokenizer / RegexSplit.
        "WordpieceTokenizeWithOffsets",
        "RegexSplitWithOffsets",
        # The normalize family.
        "CaseFoldUTF8",
        "NormalizeUTF8",
        "NormalizeUTF8WithOffsetsMap",
        "FindSourceOffsets",
        # Trimmers.
        "TFText>RoundRobinTrim",
        "TFText>RoundRobinGenerateMasks",
    }
)
"""tensorflow-text ops that the stock TF Serving model server links.

A subset of tf-text's `ops_lib`, which `tensorflow_model_server` builds in:
the WordPiece tokenizers, BERT normalization, regex splitting, the normalize
family and the trimmers. Export code may use nothing else outside core TF.
"""


def graph_ops(path):
    """The op types of a SavedModel: graph nodes and every library function.

    Reads `saved_model.pb` only, so it works without loading the model or
    registering custom ops.

    Args:
        path: str. A SavedModel (version) directory.

    Returns:
        A sorted list of op type names.
    """
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(os.fspath(path), "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    ops = set()
    for meta_graph in saved_model.meta_graphs:
        graph = meta_graph.graph_def
        ops.update(node.op for node in graph.node)
        for function in graph.library.function:
            ops.update(node.op for node in function.node_def)
    # Calls of library functions by name are not ops.
    names = {
        function.signature.name
        for meta_graph in saved_model.meta_graphs
        for function in meta_graph.graph_def.library.function
    }
    return sorted(ops - names)


def disallowed_ops(path):
    """Ops of a SavedModel that are neither core TF nor allowed tf-text ops.

    An op counts as core TensorFlow when `tf.raw_ops` or TensorFlow's XLA
    op wrappers have it (tensorflow-text's custom ops never appear there,
    imported or not). Exports made under JAX hold the model as one
    `XlaCallModule` op (core TF, the jax2tf StableHLO wrapper).

    Args:
        path: str. A SavedModel (version) directory.

    Returns:
        A sorted list of op names; empty when TF Serving can run the model.
    """
    from tensorflow.compiler.tf2xla.ops import gen_xla_ops

    return [
        op
        for op in graph_ops(path)
        if op not in ALLOWED_TF_TEXT_OPS
        and not hasattr(tf.raw_ops, op)
        and not hasattr(gen_xla_ops, op)
    ]
