"""Reads and writes Hugging Face ELECTRA model directories (canonical form).

The canonical form of one model is `(hf_config, state)`: `hf_config` holds
the fields of a transformers `ElectraConfig.to_dict()` and `state` maps the
names of a transformers `ElectraForPreTraining` (discriminator) or
`ElectraForMaskedLM` (generator) `state_dict()` to numpy arrays in torch's
layout (a `Linear` weight is `[out, in]`): exactly what
`safetensors.numpy.load_file(dir/model.safetensors)` returns for their
`save_pretrained` directories.

A directory is read without PyTorch when it holds `model.safetensors` (or
`model.safetensors.index.json` and its shards); `pytorch_model.bin` needs
PyTorch. `ElectraForPreTraining`, `ElectraForMaskedLM`, `ElectraModel`
(bare encoder, names with or without the `electra.` prefix) and
`ElectraForSequenceClassification` (its encoder; the classification head
is dropped) are recognised from their tensor names.

Pure numpy/safetensors: nothing here imports Keras or TensorFlow.
"""

import json
import os
import re

import numpy as np

from keras_electra.normalization import TextNormalization

CONFIG_FILE = "config.json"
SAFETENSORS_FILE = "model.safetensors"
SAFETENSORS_INDEX_FILE = "model.safetensors.index.json"
TORCH_FILE = "pytorch_model.bin"
TORCH_INDEX_FILE = "pytorch_model.bin.index.json"
VOCAB_FILE = "vocab.txt"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
GENERATOR_DIR = "generator"

# `model-00001-of-00003.safetensors`, `pytorch_model-00001-of-00003.bin`.
_SHARD = re.compile(r"^(model|pytorch_model)-\d+-of-\d+\.(safetensors|bin)$")

# Tensor names that are buffers, not weights.
_BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")

# The `architectures` entry written for each model kind.
ARCHITECTURES = {
    "discriminator": "ElectraForPreTraining",
    "generator": "ElectraForMaskedLM",
    "encoder": "ElectraModel",
    "classifier": "ElectraForSequenceClassification",
}


def is_hf_directory(path):
    """Whether `path` is a directory with a `config.json` whose
    `model_type` is set and that is not a keras-hub preset."""
    config = os.path.join(path, CONFIG_FILE)
    if not os.path.isfile(config):
        return False
    try:
        with open(config, encoding="utf-8") as f:
            values = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(values, dict) and "model_type" in values


def read_hf_checkpoint(path):
    """Reads a local Hugging Face ELECTRA model directory.

    Args:
        path: str or path-like. A `save_pretrained` (or
            `huggingface-cli download`) directory: `config.json`, the
            weights, and optionally `vocab.txt` and `tokenizer_config.json`.

    Returns:
        A dict: `"discriminator"`: `(hf_config, state)` in
        `ElectraForPreTraining` naming (the head's tensors absent for an
        `ElectraModel` or a classifier) or `None`; `"generator"`:
        `(hf_config, state)` in `ElectraForMaskedLM` naming or `None`;
        `"kind"`: `"discriminator"`, `"generator"`, `"encoder"` or
        `"classifier"`; `"activation"`: the `ElectraConfig.activation` of
        `hidden_act`; `"vocab"`: the `vocab.txt` path or `None`;
        `"normalization"`: the `TextNormalization` of
        `tokenizer_config.json` or `None`; `"notes"`: list of one-line
        remarks (e.g. a dropped classification head).

    Raises:
        ValueError: one line naming the file at fault: no config, not an
            ELECTRA config, no weights, shards without their index, a
            vocab or config that disagrees with the embedding table.

    Example:
    ```python
    checkpoint = read_hf_checkpoint("electra-small-discriminator")
    hf_config, state = checkpoint["discriminator"]
    state["electra.embeddings.word_embeddings.weight"].shape  # (30522, 128)
    ```
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"'{path}' is not a directory")
    hf_config = read_hf_config(path)
    state = read_hf_state(path)
    kind, state, notes = _canonical_state(state, path)
    _check_sizes(hf_config, state, path)
    vocab = os.path.join(path, VOCAB_FILE)
    vocab = vocab if os.path.isfile(vocab) else None
    if vocab is not None:
        rows = state["electra.embeddings.word_embeddings.weight"].shape[0]
        size = count_vocab(vocab)
        if size != rows:
            raise ValueError(
                f"vocab file '{vocab}' has {size} tokens but the embedding "
                f"table has {rows} rows"
            )
    from keras_electra.checkpoints.convert import activation_of_hf_config

    result = {
        "discriminator": None,
        "generator": None,
        "kind": kind,
        "activation": activation_of_hf_config(hf_config, path),
        "vocab": vocab,
        "normalization": read_normalization(path),
        "notes": notes,
    }
    result["generator" if kind == "generator" else "discriminator"] = (
        hf_config,
        state,
    )
    return result


def read_hf_config(path):
    """The `config.json` of an ELECTRA directory, as a dict.

    Raises:
        ValueError: the file is missing, unreadable, or not an ELECTRA
            config (`model_type` other than `"electra"`: BERT, RoBERTa...).
    """
    config_path = os.path.join(path, CONFIG_FILE)
    if not os.path.isfile(config_path):
        raise ValueError(f"'{path}' has no {CONFIG_FILE}")
    try:
        with open(config_path, encoding="utf-8") as f:
            values = json.load(f)
        if not isinstance(values, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        raise ValueError(f"unreadable '{config_path}': {e}") from None
    model_type = values.get("model_type")
    if model_type != "electra":
        raise ValueError(
            f"'{config_path}' is a {model_type!r} config, not an ELECTRA one "
            "(model_type 'electra')"
        )
    position = values.get("position_embedding_type", "absolute")
    if position != "absolute":
        raise ValueError(
            f"'{config_path}' uses position_embedding_type {position!r}; only "
            "'absolute' is supported"
        )
    return values


def read_hf_state(path):
    """The tensors of a Hugging Face model directory as numpy arrays.

    Reads `model.safetensors`, a sharded `model.safetensors.index.json`
    with its shards (no PyTorch needed), or `pytorch_model.bin` (and its
    sharded index) with PyTorch.

    Raises:
        ValueError: no weights file, shards without their index, a shard
            the index names missing, or `pytorch_model.bin` without PyTorch.
    """
    for index_name in (SAFETENSORS_INDEX_FILE, TORCH_INDEX_FILE):
        index = os.path.join(path, index_name)
        if os.path.isfile(index):
            return _read_sharded(path, index)
    single = os.path.join(path, SAFETENSORS_FILE)
    if os.path.isfile(single):
        return _read_safetensors(single)
    single = os.path.join(path, TORCH_FILE)
    if os.path.isfile(single):
        return _read_torch(single)
    shards = sorted(name for name in os.listdir(path) if _SHARD.match(name))
    if shards:
        raise ValueError(
            f"'{path}' holds sharded weights ({shards[0]}, ...) but not their "
            f"index ({SAFETENSORS_INDEX_FILE} or {TORCH_INDEX_FILE})"
        )
    raise ValueError(
        f"'{path}' has no weights file ({SAFETENSORS_FILE}, "
        f"{SAFETENSORS_INDEX_FILE} or {TORCH_FILE})"
    )


def _read_sharded(path, index):
    try:
        with open(index, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"unreadable index '{index}': {e}") from None
    state = {}
    for shard in sorted(set(weight_map.values())):
        shard_path = os.path.join(path, shard)
        if not os.path.isfile(shard_path):
            raise ValueError(f"shard '{shard_path}' named by '{index}' is missing")
        if shard.endswith(".safetensors"):
            state.update(_read_safetensors(shard_path))
        else:
            state.update(_read_torch(shard_path))
    missing = sorted(set(weight_map) - set(state))
    if missing:
        raise ValueError(f"'{index}' names {missing[0]}, which no shard holds")
    return state


def _read_safetensors(path):
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return dict(load_file(path))
    except (SafetensorError, OSError, ValueError, TypeError) as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "bf16" in message.lower() or "bfloat16" in message.lower():
            return _read_torch_safetensors(path, message)
        raise ValueError(f"cannot read '{path}': {message}") from None


def _read_torch_safetensors(path, message):
    # numpy has no bfloat16: such files are read through torch.
    torch = _import_torch(path, "a bfloat16 safetensors file")
    from safetensors.torch import load_file

    try:
        return {k: _torch_to_numpy(v, torch) for k, v in load_file(path).items()}
    except Exception as e:  # safetensors and torch raise several types.
        raise ValueError(f"cannot read '{path}': {message}") from None


def _read_torch(path):
    torch = _import_torch(path, os.path.basename(path))
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle, zip and torch errors.
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"cannot read '{path}': {message}") from None
    return {k: _torch_to_numpy(v, torch) for k, v in state.items()}


def _import_torch(path, what):
    try:
        import torch
    except ImportError:
        raise ValueError(
            f"reading '{path}' ({what}) needs PyTorch: pip install torch, or "
            "convert the directory to model.safetensors"
        ) from None
    return torch


def _torch_to_numpy(tensor, torch):
    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    return tensor.numpy()


def _canonical_state(state, path):
    """Names the tensors as `ElectraForPreTraining` / `ElectraForMaskedLM`
    do; returns `(kind, state, notes)`."""
    state = {k: v for k, v in state.items() if not k.endswith(_BUFFERS)}
    notes = []
    if not any(k.startswith("electra.") for k in state):
        # A bare `ElectraModel` saved on its own has no prefix.
        state = {
            (k if k.startswith(("discriminator_predictions.", "generator_"))
             else f"electra.{k}"): v
            for k, v in state.items()
        }
    if any(k.startswith("generator_predictions.") for k in state):
        kind = "generator"
    elif any(k.startswith("discriminator_predictions.") for k in state):
        kind = "discriminator"
    elif any(k.startswith("classifier.") for k in state):
        kind = "classifier"
        state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
        notes.append(
            "the ElectraForSequenceClassification head (classifier.*) is "
            "dropped: only the encoder is converted; fine-tuning adds a new head"
        )
    else:
        kind = "encoder"
    if "electra.embeddings.word_embeddings.weight" not in state:
        raise ValueError(
            f"the weights in '{path}' hold no "
            "electra.embeddings.word_embeddings.weight: not an ELECTRA model"
        )
    if kind == "generator":
        table = state["electra.embeddings.word_embeddings.weight"]
        head = state.get("generator_lm_head.weight")
        if head is None:
            # Tied weights are saved once (safetensors drops the copy).
            state["generator_lm_head.weight"] = table
        elif head.shape != table.shape or not np.array_equal(head, table):
            raise ValueError(
                f"the generator in '{path}' has an output projection "
                "(generator_lm_head.weight) untied from its word embeddings; "
                "keras_electra ties them"
            )
    return kind, state, notes


def _check_sizes(hf_config, state, path):
    """The config agrees with the tensors it describes."""
    config_path = os.path.join(path, CONFIG_FILE)
    rows, width = state["electra.embeddings.word_embeddings.weight"].shape
    expected = {
        "vocab_size": rows,
        "embedding_size": width,
        "num_hidden_layers": len(
            {k.split(".")[3] for k in state if k.startswith("electra.encoder.layer.")}
        ),
    }
    for key, value in expected.items():
        if hf_config.get(key, value) != value:
            raise ValueError(
                f"'{config_path}' says {key}={hf_config.get(key)} but the "
                f"weights have {value}"
            )


def count_vocab(path):
    """The number of tokens (non-empty lines) of a `vocab.txt`."""
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def read_normalization(path):
    """The `TextNormalization` of `tokenizer_config.json`, or `None`.

    `do_lower_case` gives `lower_case`; `strip_accents` (when set) the
    accent stripping, which otherwise follows lower-casing as in BERT's
    tokenizer.
    """
    config_path = os.path.join(path, TOKENIZER_CONFIG_FILE)
    if not os.path.isfile(config_path):
        return None
    try:
        with open(config_path, encoding="utf-8") as f:
            values = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"unreadable '{config_path}': {e}") from None
    if not isinstance(values, dict) or "do_lower_case" not in values:
        return None
    return TextNormalization(
        bool(values["do_lower_case"]), values.get("strip_accents")
    )


def write_hf_directory(
    directory,
    hf_config,
    state,
    kind="discriminator",
    vocab=None,
    normalization=None,
    max_length=None,
):
    """Writes one model in the Hugging Face layout.

    `config.json` (with `architectures`), `model.safetensors` (the tied
    `generator_lm_head.weight` left out, as `save_pretrained` does), and
    when `vocab` is given `vocab.txt` and `tokenizer_config.json`
    (`ElectraTokenizer`, `do_lower_case`, `strip_accents`).

    Args:
        directory: str. Created if needed.
        hf_config: dict. The transformers `ElectraConfig` fields.
        state: dict of numpy arrays in canonical naming.
        kind: `"discriminator"` (`ElectraForPreTraining`) or `"generator"`
            (`ElectraForMaskedLM`).
        vocab: str or None. A vocab file to copy.
        normalization: `TextNormalization` or None (uncased).
        max_length: int or None. The tokenizer's `model_max_length`.

    Returns:
        `directory`.
    """
    import shutil

    from safetensors.numpy import save_file

    os.makedirs(directory, exist_ok=True)
    config = {**hf_config, "architectures": [ARCHITECTURES[kind]]}
    with open(os.path.join(directory, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    tensors = {
        k: np.ascontiguousarray(v)
        for k, v in state.items()
        if k != "generator_lm_head.weight"
    }
    save_file(tensors, os.path.join(directory, SAFETENSORS_FILE), metadata={"format": "pt"})
    if vocab is not None:
        shutil.copyfile(vocab, os.path.join(directory, VOCAB_FILE))
        normalization = normalization or TextNormalization()
        tokenizer = {
            "tokenizer_class": "ElectraTokenizer",
            "do_lower_case": normalization.lower_case,
            "strip_accents": normalization.strip_accents,
            "model_max_length": int(max_length or config.get("max_position_embeddings", 512)),
            "unk_token": "[UNK]",
            "sep_token": "[SEP]",
            "pad_token": "[PAD]",
            "cls_token": "[CLS]",
            "mask_token": "[MASK]",
        }
        with open(
            os.path.join(directory, TOKENIZER_CONFIG_FILE), "w", encoding="utf-8"
        ) as f:
            json.dump(tokenizer, f, indent=2, sort_keys=True)
            f.write("\n")
    return directory
