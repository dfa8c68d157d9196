"""Exported SavedModels, loaded in a fresh process, against the Keras models."""

import re

import numpy as np
import pytest
from export_helpers import ROOT
from export_helpers import run_python

import export_helpers as helpers

# Every test here needs the session's exports (minutes on a 2-core CPU).
pytestmark = pytest.mark.slow

ATOL = 1e-5
SEQ = helpers.SEQ_LEN
N = len(helpers.TEXTS)


def _softmax(logits):
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_discriminator_outputs_equal_the_keras_model(exports, backend):
    reference = exports.reference(backend)
    loaded = exports.loaded(f"electra_{backend}")
    np.testing.assert_array_equal(
        loaded["serving_default/token_ids"], reference["disc/token_ids"]
    )
    np.testing.assert_array_equal(
        loaded["serving_default/padding_mask"], reference["disc/padding_mask"]
    )
    np.testing.assert_allclose(
        loaded["serving_default/replaced_probability"],
        reference["disc/replaced_probability"],
        atol=ATOL,
    )
    np.testing.assert_allclose(
        loaded["encode/sequence_output"], reference["disc/sequence_output"], atol=ATOL
    )
    np.testing.assert_allclose(
        loaded["encode/cls_output"], reference["disc/sequence_output"][:, 0], atol=ATOL
    )
    # The token-level signatures agree with the text ones.
    np.testing.assert_allclose(
        loaded["predict_token_ids/replaced_probability"],
        reference["disc/replaced_probability"],
        atol=ATOL,
    )
    np.testing.assert_allclose(
        loaded["encode_token_ids/sequence_output"],
        reference["disc/sequence_output"],
        atol=ATOL,
    )


def test_tokens_are_the_packed_wordpieces(exports):
    loaded = exports.loaded("electra_tensorflow")
    tokens = loaded["serving_default/tokens"]
    assert tokens.shape == (N, SEQ)
    expected = "[CLS] the quick brown fox jumps over the lazy dog . [SEP]".split()
    assert list(tokens[0][: len(expected)]) == expected
    assert set(tokens[0][len(expected) :]) == {"[PAD]"}
    vocab = (ROOT / "keras_electra" / "assets" / "uncased_vocab.txt").read_text()
    vocab = np.array(vocab.splitlines())
    np.testing.assert_array_equal(vocab[loaded["serving_default/token_ids"]], tokens)


def test_bad_input_gives_valid_dense_outputs(exports):
    loaded = exports.loaded("electra_tensorflow")
    probability = loaded["serving_default/replaced_probability"]
    mask = loaded["serving_default/padding_mask"]
    tokens = loaded["serving_default/tokens"]
    assert probability.shape == mask.shape == tokens.shape == (N, SEQ)
    assert probability.dtype == np.float32
    assert np.isfinite(probability).all()
    assert ((probability >= 0) & (probability <= 1)).all()
    assert (probability[mask == 0] == 0).all()
    # Empty and whitespace-only texts pack to [CLS] [SEP].
    for row in (2, 3):
        assert list(tokens[row][:3]) == ["[CLS]", "[SEP]", "[PAD]"]
        assert mask[row].sum() == 2
    # 100,000 characters are truncated to the sequence length.
    assert mask[4].sum() == SEQ
    assert tokens[4][0] == "[CLS]" and tokens[4][-1] == "[SEP]"
    assert set(tokens[4][1:-1]) == {"word"}
    # Accents are stripped; CJK characters split; emoji are unknown.
    assert list(tokens[5][1:8]) == ["unicode", "naive", "cafe", "—", "東", "京", "[UNK]"]
    # Each row of the mixed batch equals the text sent on its own.
    for row in range(N):
        for key in ("token_ids", "padding_mask", "tokens"):
            np.testing.assert_array_equal(
                loaded[f"row{row}/{key}"][0], loaded[f"serving_default/{key}"][row]
            )
        np.testing.assert_allclose(
            loaded[f"row{row}/replaced_probability"][0], probability[row], atol=ATOL
        )
    # Invalid UTF-8 becomes U+FFFD -> [UNK]; an empty batch is fine too.
    assert list(loaded["invalid/tokens"][0][:5]) == [
        "[CLS]", "[UNK]", "[UNK]", "broken", "[SEP]"
    ]
    assert loaded["empty/replaced_probability"].shape == (0, SEQ)
    assert loaded["empty/tokens"].shape == (0, SEQ)


def test_pair_classifier_outputs_equal_the_keras_model(exports):
    reference = exports.reference()
    loaded = exports.loaded("mnli")
    np.testing.assert_array_equal(
        loaded["encode/padding_mask"], reference["classifier/padding_mask"]
    )
    probabilities = _softmax(reference["classifier/logits"])
    np.testing.assert_allclose(
        loaded["serving_default/probabilities"], probabilities, atol=ATOL
    )
    label_ids = loaded["serving_default/label_id"]
    np.testing.assert_array_equal(label_ids, probabilities.argmax(-1))
    np.testing.assert_array_equal(
        loaded["serving_default/label"], np.array(helpers.LABELS)[label_ids]
    )
    assert loaded["serving_default/label"].shape == (N,)
    np.testing.assert_allclose(
        loaded["predict_token_ids/probabilities"], probabilities, atol=ATOL
    )
    # Pairs: [CLS] A [SEP] B [SEP]; a 100,000-char pair still fits.
    mask = reference["classifier/padding_mask"]
    assert mask[4].sum() == SEQ
    assert loaded["empty/probabilities"].shape == (0, 3)


def test_regression_export_returns_a_score(exports):
    reference = exports.reference()
    loaded = exports.loaded("stsb")
    np.testing.assert_allclose(
        loaded["serving_default/score"], reference["regressor/score"], atol=ATOL
    )
    assert loaded["serving_default/score"].shape == (N,)
    assert "serving_default/label" not in loaded


def test_normalization_reaches_the_graph_and_the_metadata(exports):
    from keras_electra.export import read_metadata

    reference = exports.reference()
    # Cased tokenization differs from the uncased one on these texts, so
    # equal scores mean the export tokenized with the cased normalization.
    assert (reference["regressor/token_ids"] != reference["disc/token_ids"]).any()
    for name, expected in (
        ("electra_tensorflow", {"lower_case": True, "strip_accents": True}),
        ("mnli", {"lower_case": True, "strip_accents": True}),
        ("stsb", helpers.CASED),
    ):
        metadata = read_metadata(str(exports.version(name)))
        assert {k: metadata[k] for k in expected} == expected, name


def test_graph_ops_are_core_tensorflow_or_allowed_tf_text(exports):
    from keras_electra.export import disallowed_ops
    from keras_electra.export import graph_ops

    for name in ("electra_tensorflow", "electra_jax", "mnli", "stsb"):
        path = exports.version(name)
        assert disallowed_ops(path) == [], name
        ops = set(graph_ops(path))
        assert {"FastBertNormalize", "FastWordpieceTokenizeWithOffsets"} <= ops
        assert not any("HashTable" in op for op in ops), name
    # The JAX export holds the model as StableHLO in XlaCallModule.
    assert "XlaCallModule" in graph_ops(exports.version("electra_jax"))
    assert "XlaCallModule" not in graph_ops(exports.version("electra_tensorflow"))


def _signature_listing(output):
    """{signature: {"inputs"/"outputs": {name: (dtype, shape)}}}."""
    listing = {}
    for block in output.split("signature_def[")[1:]:
        name = block.split("'")[1]
        entry = listing.setdefault(name, {"inputs": {}, "outputs": {}})
        for kind, tensor, dtype, shape in re.findall(
            r"(inputs|outputs)\['(\w+)'\] tensor_info:\s+dtype: (\w+)\s+shape: ([^\n]+)",
            block,
        ):
            entry[kind][tensor] = (dtype, shape)
    return listing


def test_saved_model_cli_lists_the_signatures(exports):
    result = run_python(
        [ROOT / "tools" / "saved_model_cli.py", "show", "--all", "--dir",
         exports.version("electra_tensorflow")]
    )
    listing = _signature_listing(result.stdout)
    text = {"text": ("DT_STRING", "(-1)")}
    tokens = {
        key: ("DT_INT32", f"(-1, {SEQ})")
        for key in ("token_ids", "segment_ids", "padding_mask")
    }
    per_token = f"(-1, {SEQ})"
    assert listing["serving_default"] == {
        "inputs": text,
        "outputs": {
            "replaced_probability": ("DT_FLOAT", per_token),
            "token_ids": ("DT_INT32", per_token),
            "tokens": ("DT_STRING", per_token),
            "padding_mask": ("DT_INT32", per_token),
        },
    }
    assert listing["encode"] == {
        "inputs": text,
        "outputs": {
            "sequence_output": ("DT_FLOAT", f"(-1, {SEQ}, 32)"),
            "cls_output": ("DT_FLOAT", "(-1, 32)"),
            "padding_mask": ("DT_INT32", per_token),
        },
    }
    assert listing["predict_token_ids"] == {
        "inputs": tokens,
        "outputs": {"replaced_probability": ("DT_FLOAT", per_token)},
    }
    assert listing["encode_token_ids"] == {
        "inputs": tokens,
        "outputs": {
            "sequence_output": ("DT_FLOAT", f"(-1, {SEQ}, 32)"),
            "cls_output": ("DT_FLOAT", "(-1, 32)"),
        },
    }
    assert "FastBertNormalize" in result.stdout  # The op list is printed too.


def _signature_defs(path):
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString(
        (path / "saved_model.pb").read_bytes()
    )
    return saved_model.meta_graphs[0].signature_def


def _spec(tensor_info):
    from tensorflow.python.framework import dtypes

    dims = tuple(d.size for d in tensor_info.tensor_shape.dim)
    return dtypes.as_dtype(tensor_info.dtype).name, dims


def test_classifier_signatures(exports):
    pair = _signature_defs(exports.version("mnli"))
    serving = pair["serving_default"]
    assert {k: _spec(v) for k, v in serving.inputs.items()} == {
        "text": ("string", (-1,)),
        "text_pair": ("string", (-1,)),
    }
    assert {k: _spec(v) for k, v in serving.outputs.items()} == {
        "probabilities": ("float32", (-1, 3)),
        "label": ("string", (-1,)),
        "label_id": ("int32", (-1,)),
    }
    assert set(pair["encode"].inputs) == {"text", "text_pair"}
    assert set(pair["predict_token_ids"].outputs) == {"probabilities", "label_id"}
    regression = _signature_defs(exports.version("stsb"))["serving_default"]
    assert {k: _spec(v) for k, v in regression.outputs.items()} == {
        "score": ("float32", (-1,))
    }


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_every_weight_is_stored_once(exports, backend):
    # Keras' ExportArchive stores a tracked model's weights twice on
    # TensorFlow (keras-team/keras#23553); the exports must not.
    import tensorflow as tf

    import keras_electra

    config = keras_electra.ElectraConfig.from_preset("tiny", **helpers.TINY)
    pretrainer = keras_electra.ElectraPretrainer(config, seed=0)
    exported = (pretrainer.discriminator.count_params()
                + pretrainer.discriminator_head.count_params())
    checkpoint = exports.version(f"electra_{backend}") / "variables" / "variables"
    stored = [int(np.prod(shape)) for name, shape in tf.train.list_variables(str(checkpoint))
              if "VARIABLE_VALUE" in name]
    assert exported <= sum(stored) < 1.01 * exported, (sum(stored), exported)
