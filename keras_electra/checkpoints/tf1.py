"""Reads Google's original TF1 ELECTRA checkpoints into the canonical form.

The canonical form of one model is `(hf_config, state)`: `hf_config` holds
the fields of a transformers `ElectraConfig.to_dict()` and `state` maps the
names of a transformers `ElectraForPreTraining` (discriminator) or
`ElectraForMaskedLM` (generator) `state_dict()` to numpy arrays in torch's
layout (a `Linear` weight is `[out, in]`).

The checkpoint is read with `tf.train.load_checkpoint`; no TF1 graph is
built. Variable names are those of google-research/electra
(`run_pretraining.py`, `model/modeling.py`):

* discriminator tower `electra/...`: `electra/embeddings/*` (word, position
  and token-type tables and `LayerNorm/{gamma,beta}`),
  `electra/embeddings_project/{kernel,bias}` (only when the embedding width
  differs from the hidden size) and
  `electra/encoder/layer_N/{attention/self/{query,key,value},
  attention/output/dense, attention/output/LayerNorm, intermediate/dense,
  output/dense, output/LayerNorm}/...`;
* discriminator head `discriminator_predictions/dense/*` (hidden -> hidden,
  hidden_act) and `discriminator_predictions/dense_1/*` (hidden -> 1);
* generator tower `generator/...` with the same layout. By default
  (`untied_generator_embeddings=False`) the generator has no embeddings of
  its own and reads the shared `electra/embeddings/*`, with its own
  `generator/embeddings_project`; with `untied_generator_embeddings=True` it
  has `generator/embeddings/*` at its hidden size. With
  `untied_generator=False` the generator *is* the `electra/` tower (one
  set of transformer weights) and only its head is separate;
* generator head `generator_predictions/dense/*` (hidden -> embedding
  width, hidden_act), `generator_predictions/LayerNorm/*` and
  `generator_predictions/output_bias`; the output projection is the
  (tied) word-embedding table.

Optimizer slots (`.../adam_m`, `.../adam_v`), `global_step` and other
variables the models do not use are ignored. Electric's two-tower cloze
generator (`generator_ltr/`, `generator_rtl/`, `cloze_predictions/`) has no
transformers counterpart and is not read (the generator is then `None`).
"""

import os

import numpy as np

from keras_electra.checkpoints.canonical import hf_config

# What `ElectraConfig` holds besides the sizes read from the variables. The
# original code uses exact (erf) gelu, LayerNorm epsilon 1e-12 (the default
# of `tf.contrib.layers.layer_norm`), dropout 0.1 and 2 segment types.
_CONFIG_DEFAULTS = hf_config(
    hidden_act="gelu",
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
)

# Per transformer layer: (TF1 name under `layer_N/`, HF name under
# `layer.N.`, is a dense kernel).
_LAYER_VARIABLES = [
    ("attention/self/query/kernel", "attention.self.query.weight", True),
    ("attention/self/query/bias", "attention.self.query.bias", False),
    ("attention/self/key/kernel", "attention.self.key.weight", True),
    ("attention/self/key/bias", "attention.self.key.bias", False),
    ("attention/self/value/kernel", "attention.self.value.weight", True),
    ("attention/self/value/bias", "attention.self.value.bias", False),
    ("attention/output/dense/kernel", "attention.output.dense.weight", True),
    ("attention/output/dense/bias", "attention.output.dense.bias", False),
    ("attention/output/LayerNorm/gamma", "attention.output.LayerNorm.weight", False),
    ("attention/output/LayerNorm/beta", "attention.output.LayerNorm.bias", False),
    ("intermediate/dense/kernel", "intermediate.dense.weight", True),
    ("intermediate/dense/bias", "intermediate.dense.bias", False),
    ("output/dense/kernel", "output.dense.weight", True),
    ("output/dense/bias", "output.dense.bias", False),
    ("output/LayerNorm/gamma", "output.LayerNorm.weight", False),
    ("output/LayerNorm/beta", "output.LayerNorm.bias", False),
]

_EMBEDDING_VARIABLES = [
    ("word_embeddings", "word_embeddings.weight"),
    ("position_embeddings", "position_embeddings.weight"),
    ("token_type_embeddings", "token_type_embeddings.weight"),
    ("LayerNorm/gamma", "LayerNorm.weight"),
    ("LayerNorm/beta", "LayerNorm.bias"),
]


def default_num_heads(hidden_size):
    """`max(1, hidden // 64)`: the head count of every released ELECTRA."""
    return max(1, int(hidden_size) // 64)


def resolve_checkpoint_prefix(path):
    """The checkpoint prefix that `path` names.

    `path` is a prefix (`.../model.ckpt-N`), one of its files
    (`.index`, `.data-*`, `.meta`) or a directory holding a `checkpoint`
    state file (its latest checkpoint) or exactly one `*.index` file.
    """
    import tensorflow as tf

    path = os.fspath(path)
    if os.path.isdir(path):
        latest = tf.train.latest_checkpoint(path)
        if latest:
            return latest
        indexes = sorted(f for f in os.listdir(path) if f.endswith(".index"))
        if len(indexes) == 1:
            return os.path.join(path, indexes[0][: -len(".index")])
        raise ValueError(
            f"TF1 checkpoint directory {path!r} has no `checkpoint` file and "
            f"{len(indexes)} *.index files; pass a checkpoint prefix."
        )
    for suffix in (".index", ".meta"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    if ".data-" in os.path.basename(path):
        return path[: path.rindex(".data-")]
    if not os.path.exists(path + ".index"):
        raise ValueError(f"No TF1 checkpoint at {path!r} ({path}.index is missing).")
    return path


def read_tf1_checkpoint(path, num_heads=None):
    """Reads an original (TF1) ELECTRA pre-training checkpoint.

    Args:
        path: a checkpoint prefix (`model.ckpt-N`), one of its files, or a
            directory with a `checkpoint` file (the released
            `electra_small/`, `electra_base/`, ... directories).
        num_heads: attention heads, which the variables cannot tell. `None`
            uses `max(1, hidden // 64)` for each tower (right for every
            released model); an int applies to both towers; a dict
            `{"discriminator": int, "generator": int}` sets them per tower
            (a missing key falls back to the default).

    Returns:
        `{"discriminator": (hf_config, state), "generator": (hf_config,
        state) or None, "activation": "gelu", "vocab": path or None}`.
        The generator is `None` when the checkpoint has no
        `generator_predictions/*` (a discriminator-only or Electric
        checkpoint). `vocab` is a `vocab.txt` beside the checkpoint, if any.
        `state` holds exactly the keys of the transformers model's
        `state_dict()`; for the generator that includes
        `generator_lm_head.weight`, a copy of the word-embedding table it
        is tied to, and `electra.embeddings.*` copied from the shared
        `electra/embeddings/*` unless the generator has its own.

    Raises:
        ValueError: the checkpoint is not an ELECTRA checkpoint, or lacks a
            variable the models need (the message names it).
    """
    import tensorflow as tf

    prefix = resolve_checkpoint_prefix(path)
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    reader_ = _Reader(reader, shapes, prefix)

    if not any(name.startswith("electra/") for name in shapes):
        examples = ", ".join(sorted(shapes)[:3]) or "no variables"
        raise ValueError(
            f"TF1 checkpoint {prefix!r} is not an ELECTRA checkpoint: it has "
            f"no electra/* variables (it has {examples}, ...)."
        )

    heads = _heads_per_tower(num_heads)
    discriminator = _read_discriminator(reader_, heads["discriminator"])
    generator = _read_generator(reader_, heads["generator"])
    vocab = os.path.join(os.path.dirname(prefix), "vocab.txt")
    return {
        "discriminator": discriminator,
        "generator": generator,
        "activation": "gelu",
        "vocab": vocab if os.path.isfile(vocab) else None,
    }


class _Reader:
    """Variable access with errors that name the missing variable."""

    def __init__(self, reader, shapes, prefix):
        self._reader = reader
        self.shapes = shapes
        self.prefix = prefix

    def has(self, name):
        return name in self.shapes

    def _require(self, name):
        if name not in self.shapes:
            raise ValueError(f"TF1 checkpoint {self.prefix!r} lacks {name}")

    def shape(self, name):
        self._require(name)
        return self.shapes[name]

    def get(self, name, kernel=False):
        self._require(name)
        value = np.asarray(self._reader.get_tensor(name))
        if kernel:
            # tf.layers.dense kernels are [in, out]; torch Linear is [out, in].
            value = np.ascontiguousarray(value.T)
        return value


def _heads_per_tower(num_heads):
    if num_heads is None:
        return {"discriminator": None, "generator": None}
    if isinstance(num_heads, dict):
        unknown = set(num_heads) - {"discriminator", "generator"}
        if unknown:
            raise ValueError(
                f"num_heads keys must be 'discriminator'/'generator', got {sorted(unknown)}"
            )
        return {
            "discriminator": num_heads.get("discriminator"),
            "generator": num_heads.get("generator"),
        }
    return {"discriminator": int(num_heads), "generator": int(num_heads)}


def _read_tower(reader, scope, embeddings_scope, num_heads):
    """The `electra.*` entries of one tower and its config sizes."""
    state = {}
    for tf_name, hf_name in _EMBEDDING_VARIABLES:
        state[f"electra.embeddings.{hf_name}"] = reader.get(
            f"{embeddings_scope}/{tf_name}"
        )
    vocab_size, embedding_size = state["electra.embeddings.word_embeddings.weight"].shape
    max_positions = state["electra.embeddings.position_embeddings.weight"].shape[0]
    type_vocab_size = state["electra.embeddings.token_type_embeddings.weight"].shape[0]

    hidden_size = reader.shape(f"{scope}/encoder/layer_0/attention/self/query/kernel")[1]
    project = f"{scope}/embeddings_project"
    if embedding_size != hidden_size:
        state["electra.embeddings_project.weight"] = reader.get(
            f"{project}/kernel", kernel=True
        )
        state["electra.embeddings_project.bias"] = reader.get(f"{project}/bias")
    elif reader.has(f"{project}/kernel"):
        raise ValueError(
            f"TF1 checkpoint {reader.prefix!r} has {project}/kernel although "
            f"the embedding width equals the hidden size ({hidden_size}); "
            "transformers' ELECTRA cannot represent that."
        )

    # Layers are counted from every `layer_N/` variable, so a layer that
    # lacks one of its variables is named in the error, not dropped.
    marker = f"{scope}/encoder/layer_"
    indices = {
        int(name[len(marker):].split("/", 1)[0])
        for name in reader.shapes
        if name.startswith(marker) and name[len(marker):].split("/", 1)[0].isdigit()
    }
    num_layers = max(indices) + 1
    for i in range(num_layers):
        for tf_name, hf_name, is_kernel in _LAYER_VARIABLES:
            state[f"electra.encoder.layer.{i}.{hf_name}"] = reader.get(
                f"{scope}/encoder/layer_{i}/{tf_name}", kernel=is_kernel
            )
    intermediate_size = state["electra.encoder.layer.0.intermediate.dense.weight"].shape[0]

    if num_heads is None:
        num_heads = default_num_heads(hidden_size)
    if num_heads < 1 or hidden_size % num_heads:
        raise ValueError(
            f"num_heads={num_heads} does not divide the hidden size "
            f"{hidden_size} of the {scope}/ tower."
        )
    config = dict(_CONFIG_DEFAULTS)
    config.update(
        vocab_size=int(vocab_size),
        embedding_size=int(embedding_size),
        hidden_size=int(hidden_size),
        num_hidden_layers=int(num_layers),
        num_attention_heads=int(num_heads),
        intermediate_size=int(intermediate_size),
        max_position_embeddings=int(max_positions),
        type_vocab_size=int(type_vocab_size),
    )
    return config, state


def _read_discriminator(reader, num_heads):
    config, state = _read_tower(reader, "electra", "electra/embeddings", num_heads)
    head = "discriminator_predictions"
    state["discriminator_predictions.dense.weight"] = reader.get(
        f"{head}/dense/kernel", kernel=True
    )
    state["discriminator_predictions.dense.bias"] = reader.get(f"{head}/dense/bias")
    state["discriminator_predictions.dense_prediction.weight"] = reader.get(
        f"{head}/dense_1/kernel", kernel=True
    )
    state["discriminator_predictions.dense_prediction.bias"] = reader.get(
        f"{head}/dense_1/bias"
    )
    config["architectures"] = ["ElectraForPreTraining"]
    return config, state


def _read_generator(reader, num_heads):
    head = "generator_predictions"
    if not any(name.startswith(head + "/") for name in reader.shapes):
        return None
    # untied_generator=False: the generator shares the discriminator's tower.
    has_tower = any(name.startswith("generator/encoder/") for name in reader.shapes)
    scope = "generator" if has_tower else "electra"
    # untied_generator_embeddings=True: the generator has its own tables.
    own_embeddings = any(name.startswith("generator/embeddings/") for name in reader.shapes)
    embeddings_scope = "generator/embeddings" if own_embeddings else "electra/embeddings"
    config, state = _read_tower(reader, scope, embeddings_scope, num_heads)
    state["generator_predictions.LayerNorm.weight"] = reader.get(f"{head}/LayerNorm/gamma")
    state["generator_predictions.LayerNorm.bias"] = reader.get(f"{head}/LayerNorm/beta")
    state["generator_predictions.dense.weight"] = reader.get(
        f"{head}/dense/kernel", kernel=True
    )
    state["generator_predictions.dense.bias"] = reader.get(f"{head}/dense/bias")
    # The MLM output projection is the word-embedding table (tied).
    state["generator_lm_head.weight"] = state["electra.embeddings.word_embeddings.weight"].copy()
    state["generator_lm_head.bias"] = reader.get(f"{head}/output_bias")
    config["architectures"] = ["ElectraForMaskedLM"]
    return config, state
