"""Counters of what the pipeline read, used and dropped."""

import dataclasses

_RENAMED = {"tokens": "tokens_read", "tokens_written": "tokens_used"}
"""Keys of stats recorded before the rename (prepared.json, shard stats)."""


@dataclasses.dataclass
class CorpusStats:
    """What reading and packing a corpus did, for summaries and reports.

    Nothing is dropped without being counted here. `tokens_read` WordPieces
    came out of the tokenizer; `tokens_used` of them are in examples and
    `tokens_truncated` were cut off: the end of a normal-length sentence
    that overflows the example it completes, as the original
    `build_pretraining_dataset.py` does (pieces of split lines are never
    cut off, their rest starts the next example). `lines_split` lines were
    longer than an example holds and were split into pieces.
    `invalid_utf8_bytes` were replaced by U+FFFD, and `long_lines` lists
    lines over a megabyte (split like any long line, but reported: such a
    line is usually a file without line breaks).

    Stats recorded under the old names (`tokens`, `tokens_written`) read as
    `tokens_read` and `tokens_used` (`from_dict`, `merge`).
    """

    files: int = 0
    documents: int = 0
    lines: int = 0
    lines_split: int = 0
    examples: int = 0
    one_segment_examples: int = 0
    tokens_read: int = 0
    tokens_used: int = 0
    tokens_truncated: int = 0
    invalid_utf8_lines: int = 0
    invalid_utf8_bytes: int = 0
    long_lines: list = dataclasses.field(default_factory=list)

    @classmethod
    def from_dict(cls, record):
        """A `CorpusStats` from `as_dict()` output, old key names included."""
        return cls().merge(record)

    @property
    def tokens(self):
        """Old name of `tokens_read`."""
        return self.tokens_read

    @property
    def tokens_written(self):
        """Old name of `tokens_used`."""
        return self.tokens_used

    @property
    def used_fraction(self):
        """`tokens_used / tokens_read` (1.0 when nothing was read)."""
        return self.tokens_used / self.tokens_read if self.tokens_read else 1.0

    def merge(self, other):
        """Adds the counts of `other` (a `CorpusStats` or its dict) to this."""
        other = other if isinstance(other, dict) else dataclasses.asdict(other)
        other = {_RENAMED.get(k, k): v for k, v in other.items()}
        for field in dataclasses.fields(self):
            value = other.get(field.name)
            if value is not None:
                setattr(self, field.name, getattr(self, field.name) + value)
        return self

    def as_dict(self):
        return dataclasses.asdict(self)

    def summary(self):
        """One line of counts, as the prepare tool and the pipeline log it."""
        line = (
            f"{self.files} files, {self.documents} documents, {self.lines} "
            f"lines -> {self.examples} sequences ({self.one_segment_examples} "
            f"with one segment); tokens: {self.tokens_read} read, "
            f"{self.tokens_used} used ({100 * self.used_fraction:.1f}%), "
            f"{self.tokens_truncated} truncated"
        )
        if self.lines_split:
            line += f"; {self.lines_split} long lines split into pieces"
        if self.invalid_utf8_bytes:
            line += (
                f", {self.invalid_utf8_bytes} invalid UTF-8 bytes replaced on "
                f"{self.invalid_utf8_lines} lines"
            )
        if self.long_lines:
            line += f", {len(self.long_lines)} lines over 1 MB"
        return line
