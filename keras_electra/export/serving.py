"""Serving-side helpers: loading an export, the model server's config file."""

import os
import re

from keras_electra.export.versions import latest_version

MODELS_CONFIG = "models.config"
"""File name of the model server's `--model_config_file` in `saved_models/`."""


def load_exported(path):
    """Loads an exported model with the tokenizer ops registered.

    Args:
        path: str. A version directory or a model's base directory (the
            highest version is loaded).

    Returns:
        `(loaded, version_dir)`: the `tf.saved_model.load` object (call
        `loaded.signatures["serving_default"](text=...)`) and the directory
        it came from.

    Example:
    ```python
    loaded, _ = load_exported("saved_models/electra")
    outputs = loaded.signatures["serving_default"](text=tf.constant(["hi"]))
    ```
    """
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers FastBertNormalize, ...)

    version_dir = latest_version(path)
    return tf.saved_model.load(version_dir), version_dir


def write_models_config(saved_models_dir, names=None, base_path_prefix="/models"):
    """Creates or updates `saved_models/models.config` for TF Serving.

    Each model directory gets a `config` entry with
    `base_path: '<base_path_prefix>/<name>'` (where the model server sees
    `saved_models/`; `/models` in the documented docker command). Entries
    already in the file are kept as they are, hand edits included; new
    models are appended.

    Args:
        saved_models_dir: str. The directory holding `<name>/<version>/`.
        names: list of str or None. Models to make sure are listed; `None`
            means every sub-directory with a numeric version.
        base_path_prefix: str. The path of `saved_models_dir` as the model
            server sees it.

    Returns:
        The path of the config file.

    Example:
    ```python
    write_models_config("saved_models")  # 'saved_models/models.config'
    ```
    """
    saved_models_dir = os.fspath(saved_models_dir)
    if names is None:
        names = sorted(
            name
            for name in os.listdir(saved_models_dir)
            if os.path.isdir(os.path.join(saved_models_dir, name))
            and any(v.isdigit() for v in os.listdir(os.path.join(saved_models_dir, name)))
        )
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name) or name.startswith("."):
            raise ValueError(
                f"model name {name!r} must use letters, digits, '_', '-', '.'"
            )
    path = os.path.join(saved_models_dir, MODELS_CONFIG)
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    listed = set(re.findall(r"""\bname\s*:\s*["']([^"']*)["']""", text))
    entries = "".join(
        "  config {\n"
        f"    name: '{name}'\n"
        f"    base_path: '{base_path_prefix.rstrip('/')}/{name}'\n"
        "    model_platform: 'tensorflow'\n"
        "  }\n"
        for name in names
        if name not in listed
    )
    if not text.strip():
        text = "model_config_list {\n" + entries + "}\n"
    elif entries:
        end = text.rstrip().rfind("}")
        if "model_config_list" not in text or end < 0:
            raise ValueError(f"'{path}' has no model_config_list to add to")
        text = text[:end] + entries + text[end:]
    with open(path, "w") as f:
        f.write(text)
    return path
