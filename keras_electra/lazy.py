"""`lazy_attributes`: a package's public names, each imported from its
module on first use (PEP 562), so that importing the package stays cheap.
Pure Python."""

import importlib
import sys


def lazy_attributes(package, exports, on_import=None):
    """The module-level `__getattr__` and `__dir__` of `package`.

    Args:
        package: str. The package's `__name__`.
        exports: dict. Public name -> the module that defines it.
        on_import: callable or None. Called with each module imported this
            way, before its name is read.

    Returns:
        `(__getattr__, __dir__)`, to assign at the package's top level.

    Example:
    ```python
    _EXPORTS = {"read_conll": "keras_electra.tagging.conll"}
    __all__ = sorted(_EXPORTS)
    __getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
    ```
    """

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(exports[name])
        if on_import is not None:
            on_import(module)
        value = getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
