"""TF Serving's layout of exports: `<model>/<version>/saved_model.pb`.

Pure Python, so command lines find (or refuse) an export before TensorFlow
loads.
"""

import os

SAVED_MODEL_FILE = "saved_model.pb"


def numbered_versions(base_path):
    """The numeric version directory names under `base_path` (unsorted)."""
    if not os.path.isdir(base_path):
        return []
    return [
        name
        for name in os.listdir(base_path)
        if name.isdigit() and os.path.isdir(os.path.join(base_path, name))
    ]


def find_exported(path):
    """The version directory of `path`, or None when it holds no export.

    Args:
        path: a version directory (holding `saved_model.pb`) or a model's
            base directory (its highest numbered version holding one).
    """
    path = os.fspath(path)
    if os.path.isfile(os.path.join(path, SAVED_MODEL_FILE)):
        return path
    for version in sorted(numbered_versions(path), key=int, reverse=True):
        candidate = os.path.join(path, version)
        if os.path.isfile(os.path.join(candidate, SAVED_MODEL_FILE)):
            return candidate
    return None


def latest_version(path):
    """The version directory to load for `path` (see `find_exported`).

    Raises:
        FileNotFoundError: when `path` holds no exported model.
    """
    found = find_exported(path)
    if found is None:
        raise FileNotFoundError(
            f"'{os.fspath(path)}' holds no exported model (no saved_model.pb in "
            "it or in a numeric version directory)"
        )
    return found
