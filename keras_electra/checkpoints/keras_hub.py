"""Reads a keras-hub `ElectraBackbone` preset into the canonical form.

The canonical form of one model is `(hf_config, state)`: `hf_config` holds
the fields of a transformers `ElectraConfig.to_dict()` and `state` maps
transformers `state_dict()` names to numpy arrays in torch's layout (a
`Linear` weight is `[out, in]`).

keras-hub's `ElectraBackbone` is the encoder alone (the HF `ElectraModel`):
it has no discriminator or generator head, so `state` holds only the
`electra.*` entries of an `ElectraForPreTraining` state dict, and
`discriminator_predictions.*` is absent (a consumer must initialise that
head or use the encoder alone). Two differences from ELECTRA proper:

* its transformer layers use the tanh-approximate gelu. The result says so
  (`"activation": "gelu_approximate"`) and `hf_config["hidden_act"]` is
  `"gelu_new"`, transformers' name for that approximation; loading the
  weights into an exact-gelu model changes its outputs slightly.
* it has a tanh pooler (`pooled_dense`, a dense layer on the first token)
  that ELECTRA does not have (ELECTRA's classifiers read the first token's
  hidden state directly). The pooler is dropped: it is not in `state`.

The preset is loaded with `keras_hub.models.ElectraBackbone.from_preset`,
which works under every Keras backend; the variables are read from the
named layers of the backbone.
"""

import json
import os

import numpy as np

from keras_electra.checkpoints.canonical import hf_config

_CONFIG_DEFAULTS = hf_config(
    hidden_act="gelu_new",
    architectures=["ElectraForPreTraining"],
)


def _numpy(variable):
    import keras

    value = np.asarray(keras.ops.convert_to_numpy(variable))
    if value.dtype.kind == "V" or value.dtype.name == "bfloat16":
        # numpy has no native bfloat16; float32 holds it exactly.
        value = value.astype("float32")
    return value


def _kernel(variable):
    """A keras Dense kernel `[in, out]` as a torch Linear weight `[out, in]`."""
    return np.ascontiguousarray(_numpy(variable).T)


def _attention_kernel(variable):
    """An EinsumDense kernel `[hidden, heads, head_dim]` -> `[heads*head_dim, hidden]`."""
    value = _numpy(variable)
    return np.ascontiguousarray(value.reshape(value.shape[0], -1).T)


def _attention_output_kernel(variable):
    """The output EinsumDense kernel `[heads, head_dim, hidden]` -> `[hidden, heads*head_dim]`."""
    value = _numpy(variable)
    return np.ascontiguousarray(value.reshape(-1, value.shape[-1]).T)


def _find_vocab(directory):
    candidates = [os.path.join(directory, "assets", "tokenizer", "vocabulary.txt")]
    assets = os.path.join(directory, "assets")
    if os.path.isdir(assets):
        for root, _, files in sorted(os.walk(assets)):
            candidates += [os.path.join(root, f) for f in sorted(files) if f == "vocabulary.txt"]
    candidates.append(os.path.join(directory, "vocab.txt"))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    return None


def _tokenizer_lowercase(directory):
    path = os.path.join(directory, "tokenizer.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f).get("config", {}).get("lowercase")


def read_keras_hub_preset(directory):
    """Reads a keras-hub `ElectraBackbone` preset directory.

    Args:
        directory: a directory written by `ElectraBackbone.save_to_preset`
            (`config.json`, `model.weights.h5`, `metadata.json`, and, when a
            tokenizer was saved with it, `tokenizer.json` and
            `assets/tokenizer/vocabulary.txt`).

    Returns:
        `{"discriminator": (hf_config, state), "generator": None,
        "activation": "gelu_approximate", "vocab": path or None,
        "lowercase": bool or None}`. `state` holds the `electra.*` entries of
        an `ElectraForPreTraining` state dict (no head: the backbone has
        none; the pooler is dropped). `vocab` is the preset's vocabulary file
        and `lowercase` the saved tokenizer's setting, if any.

    Raises:
        ValueError: the directory is not a keras-hub `ElectraBackbone` preset.
    """
    directory = os.fspath(directory)
    config_path = os.path.join(directory, "config.json")
    if not os.path.isfile(config_path):
        raise ValueError(f"{directory!r} is not a keras-hub preset: it has no config.json.")
    with open(config_path) as f:
        saved = json.load(f)
    if saved.get("class_name") != "ElectraBackbone":
        raise ValueError(
            f"keras-hub preset {directory!r} holds a {saved.get('class_name')!r}, "
            "not an ElectraBackbone."
        )

    import keras_hub

    backbone = keras_hub.models.ElectraBackbone.from_preset(directory)
    state = {}

    def add(name, value):
        state["electra." + name] = value

    add("embeddings.word_embeddings.weight",
        _numpy(backbone.get_layer("token_embedding").embeddings))
    add("embeddings.position_embeddings.weight",
        _numpy(backbone.get_layer("position_embedding").position_embeddings))
    add("embeddings.token_type_embeddings.weight",
        _numpy(backbone.get_layer("segment_embedding").embeddings))
    norm = backbone.get_layer("embeddings_layer_norm")
    add("embeddings.LayerNorm.weight", _numpy(norm.gamma))
    add("embeddings.LayerNorm.bias", _numpy(norm.beta))
    if backbone.hidden_dim != backbone.embedding_dim:
        project = backbone.get_layer("embeddings_projection")
        add("embeddings_project.weight", _kernel(project.kernel))
        add("embeddings_project.bias", _numpy(project.bias))

    for i in range(backbone.num_layers):
        block = backbone.get_layer(f"transformer_layer_{i}")
        attention = block._self_attention_layer
        prefix = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            dense = getattr(attention, f"{name}_dense")
            add(prefix + f"attention.self.{name}.weight", _attention_kernel(dense.kernel))
            add(prefix + f"attention.self.{name}.bias", _numpy(dense.bias).reshape(-1))
        add(prefix + "attention.output.dense.weight",
            _attention_output_kernel(attention.output_dense.kernel))
        add(prefix + "attention.output.dense.bias", _numpy(attention.output_dense.bias))
        add(prefix + "attention.output.LayerNorm.weight", _numpy(block._self_attention_layer_norm.gamma))
        add(prefix + "attention.output.LayerNorm.bias", _numpy(block._self_attention_layer_norm.beta))
        add(prefix + "intermediate.dense.weight", _kernel(block._feedforward_intermediate_dense.kernel))
        add(prefix + "intermediate.dense.bias", _numpy(block._feedforward_intermediate_dense.bias))
        add(prefix + "output.dense.weight", _kernel(block._feedforward_output_dense.kernel))
        add(prefix + "output.dense.bias", _numpy(block._feedforward_output_dense.bias))
        add(prefix + "output.LayerNorm.weight", _numpy(block._feedforward_layer_norm.gamma))
        add(prefix + "output.LayerNorm.bias", _numpy(block._feedforward_layer_norm.beta))

    config = dict(_CONFIG_DEFAULTS)
    config.update(
        vocab_size=int(backbone.vocab_size),
        embedding_size=int(backbone.embedding_dim),
        hidden_size=int(backbone.hidden_dim),
        num_hidden_layers=int(backbone.num_layers),
        num_attention_heads=int(backbone.num_heads),
        intermediate_size=int(backbone.intermediate_dim),
        hidden_dropout_prob=float(backbone.dropout),
        attention_probs_dropout_prob=float(backbone.dropout),
        max_position_embeddings=int(backbone.max_sequence_length),
        type_vocab_size=int(backbone.num_segments),
    )
    return {
        "discriminator": (config, state),
        "generator": None,
        "activation": "gelu_approximate",
        "vocab": _find_vocab(directory),
        "lowercase": _tokenizer_lowercase(directory),
    }
