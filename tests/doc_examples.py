"""The Python examples of the README and docs/, as tests run them."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def python_example(document, marker, replacements=()):
    """The one ```python block of `document` (a path under the repository)
    that contains `marker`, with each `(old, new)` of `replacements` made
    (each must occur: an example that changes fails its test)."""
    text = (ROOT / document).read_text(encoding="utf-8")
    [example] = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if marker in b]
    for old, new in replacements:
        assert old in example, f"{document} no longer has {old!r}"
        example = example.replace(old, new)
    return example
