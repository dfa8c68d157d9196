"""`TextNormalization`: how text is cleaned before WordPiece, as one object.

A vocab is built, a corpus prepared, a model pre-trained, fine-tuned and
exported with one normalization; it is recorded in the run directory
(`lower_case` and `strip_accents` in `run.json`) and read back by every
later step, so it is written down once and never guessed again.

Pure Python, so command lines can resolve it before importing TensorFlow.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class TextNormalization:
    """Lower-casing and accent stripping applied before WordPiece.

    Args:
        lower_case: bool. Lower-case the text. Defaults to `True` (the
            uncased vocab).
        strip_accents: bool or None. Remove accents (NFD, then drop
            combining marks). `None` means the same as `lower_case`, as in
            BERT and ELECTRA.

    Example:
    ```python
    TextNormalization(lower_case=False).strip_accents   # False
    TextNormalization.from_record({"lower_case": True}) # uncased, stripped
    ```
    """

    lower_case: bool = True
    strip_accents: bool = None

    def __post_init__(self):
        object.__setattr__(self, "lower_case", bool(self.lower_case))
        strip = self.lower_case if self.strip_accents is None else self.strip_accents
        object.__setattr__(self, "strip_accents", bool(strip))

    def to_record(self):
        """The `{"lower_case": ..., "strip_accents": ...}` written to runs."""
        return {"lower_case": self.lower_case, "strip_accents": self.strip_accents}

    @classmethod
    def from_record(cls, record, default=None):
        """Reads the normalization recorded in a run's settings.

        Args:
            record: dict that may hold `lower_case` and `strip_accents`
                (a missing `strip_accents` follows `lower_case`).
            default: `TextNormalization` used when `record` holds neither;
                defaults to the uncased normalization.
        """
        record = record or {}
        if record.get("lower_case") is None:
            return default or cls()
        return cls(record["lower_case"], record.get("strip_accents"))

    def overridden(self, lower_case=None, strip_accents=None):
        """A copy with the settings given (not `None`) replaced.

        Changing `lower_case` alone also changes accent stripping, which
        follows lower-casing unless it is named.
        """
        if lower_case is None and strip_accents is None:
            return self
        if lower_case is None:
            return TextNormalization(self.lower_case, strip_accents)
        return TextNormalization(lower_case, strip_accents)
