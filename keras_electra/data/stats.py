"""Counters of what the pipeline read, wrote and dropped."""

import dataclasses


@dataclasses.dataclass
class CorpusStats:
    """What reading and packing a corpus did, for summaries and reports.

    Nothing is dropped without being counted here: `tokens_truncated` are
    WordPieces cut off at the end of an example (as the original
    `build_pretraining_dataset.py` does), `invalid_utf8_bytes` were replaced by
    U+FFFD, and `long_lines` lists lines over a megabyte (each is one sentence,
    so most of it ends up truncated).
    """

    files: int = 0
    documents: int = 0
    lines: int = 0
    examples: int = 0
    one_segment_examples: int = 0
    tokens: int = 0
    tokens_written: int = 0
    tokens_truncated: int = 0
    invalid_utf8_lines: int = 0
    invalid_utf8_bytes: int = 0
    long_lines: list = dataclasses.field(default_factory=list)

    def merge(self, other):
        """Adds the counts of `other` (a `CorpusStats` or its dict) to this."""
        other = other if isinstance(other, dict) else dataclasses.asdict(other)
        for field in dataclasses.fields(self):
            value = other.get(field.name)
            if value is not None:
                setattr(self, field.name, getattr(self, field.name) + value)
        return self

    def as_dict(self):
        return dataclasses.asdict(self)

    def summary(self):
        """One line of counts, as the prepare tool prints it."""
        line = (
            f"{self.files} files, {self.documents} documents, {self.lines} "
            f"lines -> {self.examples} sequences ({self.one_segment_examples} "
            f"with one segment), {self.tokens_written} of {self.tokens} "
            f"tokens written, {self.tokens_truncated} truncated"
        )
        if self.invalid_utf8_bytes:
            line += (
                f", {self.invalid_utf8_bytes} invalid UTF-8 bytes replaced on "
                f"{self.invalid_utf8_lines} lines"
            )
        if self.long_lines:
            line += f", {len(self.long_lines)} lines over 1 MB"
        return line
