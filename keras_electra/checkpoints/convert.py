"""Canonical form <-> keras_electra models, with exact numerics.

The canonical form of one model is `(hf_config, state)` (see
`keras_electra.checkpoints`): transformers `ElectraConfig` fields and an
`ElectraForPreTraining` / `ElectraForMaskedLM` state dict of numpy arrays.
Every reader (`hf`, `tf1`, `keras_hub`) produces it; this module turns it
into `ElectraEncoder`, `ElectraDiscriminatorHead`, the generator head and
`ElectraPretrainer`, and back.

Layouts: a torch `Linear` weight is `[out, in]`, a Keras `Dense` kernel
`[in, out]`. keras-hub's `TransformerEncoder` holds the query, key and
value projections as `EinsumDense` kernels `[hidden, heads, head_dim]`
(biases `[heads, head_dim]`) and the attention output as
`[heads, head_dim, hidden]`. Every Keras variable is set exactly once and
every tensor of the state is used (buffers aside); anything else is an
error naming the tensor.
"""

import numpy as np

from keras_electra.checkpoints.canonical import hf_config

from keras_electra.config import ElectraConfig

# Hugging Face `hidden_act` -> `ElectraConfig.activation`.
HF_ACTIVATIONS = {
    "gelu": "gelu",
    "gelu_new": "gelu_approximate",
    "gelu_pytorch_tanh": "gelu_approximate",
}
# `ElectraConfig.activation` -> the `hidden_act` written.
HF_ACTIVATION_NAMES = {"gelu": "gelu", "gelu_approximate": "gelu_new"}

# keras_electra's LayerNorm epsilon (`keras_electra.layers.initializers`).
LAYER_NORM_EPSILON = 1e-12

_EMBEDDINGS = {
    "embeddings/token_embedding/embeddings": "embeddings.word_embeddings.weight",
    "embeddings/position_embedding/embeddings": "embeddings.position_embeddings.weight",
    "embeddings/segment_embedding/embeddings": "embeddings.token_type_embeddings.weight",
    "embeddings/layer_norm/gamma": "embeddings.LayerNorm.weight",
    "embeddings/layer_norm/beta": "embeddings.LayerNorm.bias",
}

# Keras path under `transformer_layer_N/` -> (HF name under
# `encoder.layer.N.`, how the layout changes).
_LAYER = {
    "self_attention_layer/query/kernel": ("attention.self.query.weight", "qkv_kernel"),
    "self_attention_layer/query/bias": ("attention.self.query.bias", "qkv_bias"),
    "self_attention_layer/key/kernel": ("attention.self.key.weight", "qkv_kernel"),
    "self_attention_layer/key/bias": ("attention.self.key.bias", "qkv_bias"),
    "self_attention_layer/value/kernel": ("attention.self.value.weight", "qkv_kernel"),
    "self_attention_layer/value/bias": ("attention.self.value.bias", "qkv_bias"),
    "self_attention_layer/attention_output/kernel": ("attention.output.dense.weight", "out_kernel"),
    "self_attention_layer/attention_output/bias": ("attention.output.dense.bias", None),
    "self_attention_layer_norm/gamma": ("attention.output.LayerNorm.weight", None),
    "self_attention_layer_norm/beta": ("attention.output.LayerNorm.bias", None),
    "feedforward_intermediate_dense/kernel": ("intermediate.dense.weight", "dense"),
    "feedforward_intermediate_dense/bias": ("intermediate.dense.bias", None),
    "feedforward_output_dense/kernel": ("output.dense.weight", "dense"),
    "feedforward_output_dense/bias": ("output.dense.bias", None),
    "feedforward_layer_norm/gamma": ("output.LayerNorm.weight", None),
    "feedforward_layer_norm/beta": ("output.LayerNorm.bias", None),
}

_DISCRIMINATOR_HEAD = {
    "dense/kernel": ("discriminator_predictions.dense.weight", "dense"),
    "dense/bias": ("discriminator_predictions.dense.bias", None),
    "logit/kernel": ("discriminator_predictions.dense_prediction.weight", "dense"),
    "logit/bias": ("discriminator_predictions.dense_prediction.bias", None),
}

_GENERATOR_HEAD = {
    "intermediate_dense/kernel": ("generator_predictions.dense.weight", "dense"),
    "intermediate_dense/bias": ("generator_predictions.dense.bias", None),
    "intermediate_layer_norm/gamma": ("generator_predictions.LayerNorm.weight", None),
    "intermediate_layer_norm/beta": ("generator_predictions.LayerNorm.bias", None),
    "output_bias": ("generator_lm_head.bias", None),
}


def activation_of_hf_config(hf_config, where="config"):
    """The `ElectraConfig.activation` of a Hugging Face `hidden_act`."""
    act = hf_config.get("hidden_act", "gelu")
    if act not in HF_ACTIVATIONS:
        raise ValueError(
            f"{where}: hidden_act {act!r} is not supported (one of "
            f"{', '.join(HF_ACTIVATIONS)})"
        )
    return HF_ACTIVATIONS[act]


def encoder_kwargs(hf_config, activation=None):
    """`ElectraEncoder` arguments of a transformers `ElectraConfig` dict.

    Args:
        hf_config: dict. Transformers `ElectraConfig` fields.
        activation: str or None. Overrides the activation `hidden_act`
            names (keras-hub weights use `"gelu_approximate"`).

    Returns:
        A dict for `ElectraEncoder(**kwargs)`.
    """
    hidden = hf_config["hidden_size"]
    return {
        "vocabulary_size": hf_config["vocab_size"],
        "num_layers": hf_config["num_hidden_layers"],
        "hidden_dim": hidden,
        "num_heads": hf_config["num_attention_heads"],
        "intermediate_dim": hf_config["intermediate_size"],
        "embedding_dim": hf_config.get("embedding_size") or hidden,
        "max_sequence_length": hf_config.get("max_position_embeddings", 512),
        "num_segments": hf_config.get("type_vocab_size", 2),
        "dropout": hf_config.get("hidden_dropout_prob", 0.1),
        "activation": activation or activation_of_hf_config(hf_config),
    }


def electra_config(discriminator_config, generator_config=None, activation=None):
    """The `ElectraConfig` of a converted model (pair).

    The generator's sizes come from its own config, never from the
    paper's 1/4 rule (the released ELECTRA-Small's generator is as wide as
    its discriminator). Without a generator they follow the paper's
    default (a quarter of the width, heads `max(1, width // 64)`).

    Args:
        discriminator_config: dict. Transformers `ElectraConfig` fields.
        generator_config: dict or None. The generator's.
        activation: str or None. Overrides `hidden_act`'s activation.

    Returns:
        `ElectraConfig`.
    """
    d = encoder_kwargs(discriminator_config, activation)
    if generator_config is not None:
        g = encoder_kwargs(generator_config, activation)
        _check_pair(d, g)
        generator = {
            "generator_hidden_dim": g["hidden_dim"],
            "generator_num_heads": g["num_heads"],
            "generator_intermediate_dim": g["intermediate_dim"],
            "generator_num_layers": g["num_layers"],
        }
    else:
        width = max(1, d["hidden_dim"] // 4)
        heads = max(1, width // 64)
        generator = {
            "generator_hidden_dim": width,
            "generator_num_heads": heads,
            "generator_intermediate_dim": 4 * width,
            "generator_num_layers": None,
        }
    return ElectraConfig(
        vocabulary_size=d["vocabulary_size"],
        num_layers=d["num_layers"],
        hidden_dim=d["hidden_dim"],
        num_heads=d["num_heads"],
        intermediate_dim=d["intermediate_dim"],
        embedding_dim=d["embedding_dim"],
        max_sequence_length=d["max_sequence_length"],
        num_segments=d["num_segments"],
        dropout=d["dropout"],
        activation=d["activation"],
        **generator,
    )


def _check_pair(d, g):
    for key in ("vocabulary_size", "embedding_dim", "max_sequence_length",
                "num_segments", "activation"):
        if d[key] != g[key]:
            raise ValueError(
                f"the generator's {key} ({g[key]}) differs from the "
                f"discriminator's ({d[key]}); a pair shares its embeddings"
            )


def hf_config_of(config, tower="discriminator"):
    """The transformers `ElectraConfig` fields of one tower of `config`.

    Args:
        config: `ElectraConfig`.
        tower: `"discriminator"` or `"generator"`.

    Returns:
        A dict (as `transformers.ElectraConfig(**d).to_dict()` holds).
    """
    if tower == "generator":
        hidden, heads, intermediate, layers = (
            config.generator_hidden_dim, config.generator_num_heads,
            config.generator_intermediate_dim, config.generator_depth,
        )
    else:
        hidden, heads, intermediate, layers = (
            config.hidden_dim, config.num_heads, config.intermediate_dim,
            config.num_layers,
        )
    return hf_config(
        vocab_size=config.vocabulary_size,
        embedding_size=config.embedding_dim,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        hidden_act=HF_ACTIVATION_NAMES[config.activation],
        hidden_dropout_prob=config.dropout,
        attention_probs_dropout_prob=config.dropout,
        max_position_embeddings=config.max_sequence_length,
        type_vocab_size=config.num_segments,
        layer_norm_eps=LAYER_NORM_EPSILON,
        use_cache=True,
    )


# === Layout changes: canonical (torch) -> Keras, and back ===
def _to_keras(value, layout, shape):
    value = np.asarray(value, dtype="float32")
    if layout == "dense":
        value = value.T
    elif layout == "qkv_kernel":  # [heads*head_dim, hidden] -> [hidden, heads, head_dim]
        value = value.T.reshape(shape)
    elif layout == "qkv_bias":  # [heads*head_dim] -> [heads, head_dim]
        value = value.reshape(shape)
    elif layout == "out_kernel":  # [hidden, heads*head_dim] -> [heads, head_dim, hidden]
        value = value.T.reshape(shape)
    return value


def _to_torch(value, layout):
    value = np.asarray(value, dtype="float32")
    if layout == "dense":
        return np.ascontiguousarray(value.T)
    if layout == "qkv_kernel":
        hidden = value.shape[0]
        return np.ascontiguousarray(value.reshape(hidden, -1).T)
    if layout == "qkv_bias":
        return value.reshape(-1)
    if layout == "out_kernel":
        hidden = value.shape[-1]
        return np.ascontiguousarray(value.reshape(-1, hidden).T)
    return value


def _tower_names(num_layers, projection, prefix="electra."):
    """Keras key (relative to the tower) -> (canonical name, layout)."""
    names = {k: (prefix + v, None) for k, v in _EMBEDDINGS.items()}
    if projection:
        names["embeddings_projection/kernel"] = (prefix + "embeddings_project.weight", "dense")
        names["embeddings_projection/bias"] = (prefix + "embeddings_project.bias", None)
    for i in range(num_layers):
        for key, (name, layout) in _LAYER.items():
            names[f"transformer_layer_{i}/{key}"] = (
                f"{prefix}encoder.layer.{i}.{name}", layout,
            )
    return names


def _relative(variable, owner_name):
    path = variable.path
    head = owner_name + "/"
    return path[len(head):] if path.startswith(head) else path


def _own(layer):
    """The variables created under `layer`'s name (not a shared block)."""
    head = layer.name + "/"
    return [v for v in layer.weights if v.path.startswith(head)]


def _assign(layer, names, state, used, where, own_only=False):
    """Sets every variable of `layer` from `state` (`names` maps its keys)."""
    for variable in _own(layer) if own_only else layer.weights:
        key = _relative(variable, layer.name)
        if key not in names:
            raise ValueError(f"{where}: no canonical tensor for Keras variable {variable.path}")
        name, layout = names[key]
        if name not in state:
            raise ValueError(f"{where}: the checkpoint lacks {name}")
        value = _to_keras(state[name], layout, tuple(variable.shape))
        if value.shape != tuple(variable.shape):
            raise ValueError(
                f"{where}: {name} has shape {tuple(np.shape(state[name]))}, "
                f"which does not fit {variable.path} {tuple(variable.shape)}"
            )
        variable.assign(value.astype(variable.dtype))
        used.add(name)


def _read(layer, names):
    state = {}
    for variable in _own(layer):
        key = _relative(variable, layer.name)
        name, layout = names[key]
        state[name] = _to_torch(_numpy(variable), layout)
    return state


def _numpy(variable):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(variable.value), dtype="float32")


def _check_used(state, used, where, ignore=()):
    left = sorted(k for k in state if k not in used and not k.startswith(ignore))
    if left:
        raise ValueError(f"{where}: tensor {left[0]} is not used by the model")


# === Canonical -> Keras ===
def encoder_from_canonical(hf_config, state, activation=None, name="discriminator"):
    """An `ElectraEncoder` holding one tower of a canonical checkpoint.

    Args:
        hf_config: dict. Transformers `ElectraConfig` fields.
        state: dict of numpy arrays (`ElectraForPreTraining`,
            `ElectraForMaskedLM` or `ElectraModel` naming, `electra.`
            prefixed).
        activation: str or None. Overrides `hidden_act`'s activation.
        name: str. The encoder's name.

    Returns:
        `ElectraEncoder`.

    Example:
    ```python
    checkpoint = read_hf_checkpoint("electra-small-discriminator")
    encoder = encoder_from_canonical(*checkpoint["discriminator"])
    ```
    """
    from keras_electra.models.electra_encoder import ElectraEncoder

    kwargs = encoder_kwargs(hf_config, activation)
    encoder = ElectraEncoder(**kwargs, name=name)
    names = _tower_names(kwargs["num_layers"], encoder.embeddings_projection is not None)
    used = set()
    _assign(encoder, names, state, used, "encoder")
    _check_used(
        state, used, "encoder",
        ignore=("discriminator_predictions.", "generator_predictions.", "generator_lm_head."),
    )
    return encoder


def discriminator_head_from_canonical(hf_config, state, activation=None):
    """The `ElectraDiscriminatorHead` of an `ElectraForPreTraining` state,
    or `None` when it has none (an `ElectraModel`)."""
    from keras_electra.layers.discriminator_head import ElectraDiscriminatorHead

    if "discriminator_predictions.dense.weight" not in state:
        return None
    kwargs = encoder_kwargs(hf_config, activation)
    head = ElectraDiscriminatorHead(
        kwargs["hidden_dim"], activation=kwargs["activation"], name="discriminator_head"
    )
    head.build((None, None, kwargs["hidden_dim"]))
    _assign(head, _DISCRIMINATOR_HEAD, state, set(), "discriminator head", own_only=True)
    return head


def generator_from_canonical(hf_config, state, activation=None):
    """The generator tower and head of an `ElectraForMaskedLM` state.

    Returns:
        `(encoder, head)`: an `ElectraEncoder` named `"generator"` and the
        masked-LM head tied to its token embedding.
    """
    from keras_electra.layers.generator_head import electra_generator_head

    encoder = encoder_from_canonical(hf_config, state, activation, name="generator")
    head = electra_generator_head(
        encoder.token_embedding, dtype="float32", activation=encoder.activation
    )
    head.build((None, None, encoder.hidden_dim), (None, None))
    _assign(head, _GENERATOR_HEAD, state, set(), "generator head", own_only=True)
    return encoder, head


def pretrainer_from_canonical(
    discriminator, generator, activation=None, seed=None, warn=print
):
    """An `ElectraPretrainer` holding a converted discriminator + generator.

    Its config takes the generator's real sizes from the generator's
    checkpoint. The pretrainer shares one embedding block between the
    towers: the discriminator's is used, and `warn` gets one line when the
    generator's differs.

    Args:
        discriminator: `(hf_config, state)` of an `ElectraForPreTraining`
            (or `ElectraModel`: the head then keeps its random values).
        generator: `(hf_config, state)` of an `ElectraForMaskedLM`.
        activation: str or None. Overrides `hidden_act`'s activation.
        seed: int or None. The pretrainer's sampling seed.
        warn: callable taking one line.

    Returns:
        `ElectraPretrainer`.

    Example:
    ```python
    pretrainer = pretrainer_from_canonical(
        read_hf_checkpoint("disc")["discriminator"],
        read_hf_checkpoint("gen")["generator"],
    )
    pretrainer.config.generator_hidden_dim  # 256 for ELECTRA-Small
    ```
    """
    from keras_electra.models.electra_pretrainer import ElectraPretrainer

    d_config, d_state = discriminator
    g_config, g_state = generator
    config = electra_config(d_config, g_config, activation)
    pretrainer = ElectraPretrainer(config, seed=seed)
    embedding_names = {"electra." + v for v in _EMBEDDINGS.values()}
    differ = [
        n for n in sorted(embedding_names)
        if n in g_state and n in d_state
        and not np.array_equal(np.asarray(g_state[n]), np.asarray(d_state[n]))
    ]
    if differ:
        largest = max(
            float(np.max(np.abs(np.asarray(g_state[n], "float32") - np.asarray(d_state[n], "float32"))))
            for n in differ
        )
        warn(
            f"Warning: the generator's embeddings differ from the "
            f"discriminator's ({len(differ)} tensor(s), max abs diff "
            f"{largest:.3g}); the pretrainer shares one block and uses the "
            "discriminator's"
        )
    shared = {k[len("embeddings/"):]: v for k, v in _tower_names(0, False).items()}
    used = set()
    _assign(pretrainer.embeddings, shared, d_state, used, "embeddings")
    for tower, state in (("discriminator", d_state), ("generator", g_state)):
        encoder = getattr(pretrainer, tower)
        names = _tower_names(encoder.num_layers, encoder.embeddings_projection is not None)
        tower_used = set(used)
        _assign(encoder, names, state, tower_used, tower, own_only=True)
        _check_used(
            state, tower_used | embedding_names, tower,
            ignore=("discriminator_predictions.", "generator_predictions.", "generator_lm_head."),
        )
    if "discriminator_predictions.dense.weight" in d_state:
        _assign(pretrainer.discriminator_head, _DISCRIMINATOR_HEAD, d_state, set(),
                "discriminator head", own_only=True)
    _assign(pretrainer.generator_head, _GENERATOR_HEAD, g_state, set(), "generator head",
            own_only=True)
    return pretrainer


# === Keras -> canonical ===
def encoder_to_canonical(encoder):
    """`(hf_config, state)` of an `ElectraEncoder` (`ElectraModel` tensors
    with the `electra.` prefix, as `ElectraForPreTraining` names them)."""
    names = _tower_names(encoder.num_layers, encoder.embeddings_projection is not None)
    state = {}
    for variable in encoder.weights:
        key = _relative(variable, encoder.name)
        name, layout = names[key]
        state[name] = _to_torch(_numpy(variable), layout)
    return hf_config_of_encoder(encoder), state


def hf_config_of_encoder(encoder):
    config = ElectraConfig(
        vocabulary_size=encoder.vocabulary_size,
        num_layers=encoder.num_layers,
        hidden_dim=encoder.hidden_dim,
        num_heads=encoder.num_heads,
        intermediate_dim=encoder.intermediate_dim,
        embedding_dim=encoder.embedding_dim,
        max_sequence_length=encoder.max_sequence_length,
        num_segments=encoder.num_segments,
        dropout=encoder.dropout,
        activation=encoder.activation,
    )
    return hf_config_of(config)


def discriminator_to_canonical(encoder, head=None):
    """`(hf_config, state)` in `ElectraForPreTraining` layout.

    Args:
        encoder: the discriminator `ElectraEncoder`.
        head: `ElectraDiscriminatorHead` or None (the state then has only
            the encoder's tensors, as an `ElectraModel`).
    """
    hf_config, state = encoder_to_canonical(encoder)
    if head is not None:
        state.update(_read(head, _DISCRIMINATOR_HEAD))
    return hf_config, state


def generator_to_canonical(encoder, head):
    """`(hf_config, state)` in `ElectraForMaskedLM` layout (the tied
    `generator_lm_head.weight` included)."""
    hf_config, state = encoder_to_canonical(encoder)
    state.update(_read(head, _GENERATOR_HEAD))
    state["generator_lm_head.weight"] = state["electra.embeddings.word_embeddings.weight"]
    return hf_config, state


def pretrainer_to_canonical(pretrainer):
    """`{"discriminator": (cfg, state), "generator": (cfg, state)}` of an
    `ElectraPretrainer`; each tower gets a copy of the shared embeddings."""
    d_config, d_state = discriminator_to_canonical(
        pretrainer.discriminator, pretrainer.discriminator_head
    )
    g_config, g_state = generator_to_canonical(pretrainer.generator, pretrainer.generator_head)
    d_config = hf_config_of(pretrainer.config, "discriminator")
    g_config = hf_config_of(pretrainer.config, "generator")
    return {"discriminator": (d_config, d_state), "generator": (g_config, g_state)}
