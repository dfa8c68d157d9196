"""Where pre-training text comes from: text files, TFDS, prepared shards.

A text source is read as a stream of lines with `DOC_END` markers between
documents; `packing.py` turns that stream into examples. A source is split
into `units` (files, or byte ranges of big files cut at blank lines) that can
be read independently, by input workers or by the processes of the prepare
tool.
"""

import dataclasses
import glob
import gzip
import logging
import os

from keras_electra.data.errors import DataError

DOC_END = None

# A directory made by the prepare tool (`keras_electra.data.prepare`): its
# manifest, written last, and the settings it writes first.
MANIFEST_FILE = "prepared.json"
SETTINGS_FILE = "settings.json"

DEFAULT_CORPUS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "assets", "corpus", "gutenberg_small.txt",
)
"""The small public-domain English corpus shipped with the package."""
"""Marker between documents in a line stream."""

LONG_LINE_BYTES = 1 << 20
"""Lines longer than this are reported (a file without line breaks?)."""

logger = logging.getLogger("keras_electra.data")


class LogOnce:
    """Logs each corpus message once per key, however many passes re-read it.

    A pipeline keeps one for its whole run, so a repeated dataset reports a
    bad file once, not once per pass over the data.

    Example:
    ```python
    log_once = LogOnce()
    log_once.warning(("a.txt", "long_line"), "corpus '%s' ...", "a.txt")
    ```
    """

    def __init__(self):
        self._issued = set()

    def warning(self, key, message, *args):
        """Logs a warning unless `key` was logged before; True if logged."""
        return self._log(logging.WARNING, key, message, args)

    def info(self, key, message, *args):
        """Logs at INFO unless `key` was logged before; True if logged."""
        return self._log(logging.INFO, key, message, args)

    def _log(self, level, key, message, args):
        if key in self._issued:
            return False
        self._issued.add(key)
        logger.log(level, message, *args)
        return True


def decode_line(raw, stats=None):
    """Decodes one line of UTF-8, replacing (and counting) invalid bytes.

    Args:
        raw: bytes.
        stats: `CorpusStats` or `None`; counts replaced bytes and lines.

    Returns:
        The decoded `str`.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    bad = 0
    text = []
    while raw:
        try:
            text.append(raw.decode("utf-8"))
            break
        except UnicodeDecodeError as e:
            text.append(raw[: e.start].decode("utf-8"))
            text.append("\ufffd")
            bad += e.end - e.start
            raw = raw[e.end :]
    if stats is not None:
        stats.invalid_utf8_lines += 1
        stats.invalid_utf8_bytes += bad
    return "".join(text)


@dataclasses.dataclass(frozen=True)
class TextUnit:
    """Lines `[start, end)` (byte offsets) of `path`; `end=None`: to the end."""

    path: str
    start: int = 0
    end: int = None
    first_line: int = 1


class TextFiles:
    """Plain-text files: one sentence or paragraph per line, blank lines
    between documents, optionally gzip-compressed (`.gz`).

    Args:
        patterns: str, path or list of them; globs (`*`, `?`, `[...]`, `**`)
            are expanded and sorted.

    Raises:
        DataError: when a pattern matches nothing, a path is missing, or a
            file holds no text (empty or only blank lines).

    Example:
    ```python
    source = keras_electra.data.TextFiles(["books/*.txt", "wiki.txt.gz"])
    ```
    """

    def __init__(self, patterns):
        if isinstance(patterns, (str, os.PathLike)):
            patterns = [patterns]
        self.files = []
        for pattern in map(os.fspath, patterns):
            if glob.has_magic(pattern):
                matches = sorted(
                    p for p in glob.glob(pattern, recursive=True)
                    if os.path.isfile(p)
                )
                if not matches:
                    raise DataError(f"corpus pattern '{pattern}' matches no files")
            elif os.path.isdir(pattern):
                raise DataError(
                    f"corpus '{pattern}' is a directory; pass files or a glob "
                    "such as 'dir/*.txt'"
                )
            elif not os.path.isfile(pattern):
                raise DataError(f"corpus file '{pattern}' does not exist")
            else:
                matches = [pattern]
            self.files.extend(p for p in matches if p not in self.files)
        if not self.files:
            raise DataError("no corpus files given")
        for path in self.files:
            _check_has_text(path)

    def __repr__(self):
        return f"TextFiles({self.files!r})"

    def units(self, split_bytes=None):
        """Splits the files into independently readable `TextUnit`s.

        Args:
            split_bytes: int or `None`. Cut uncompressed files into pieces of
                about this many bytes, at blank lines only (so documents stay
                whole). `None` keeps one unit per file.

        Returns:
            A list of `TextUnit`, in corpus order.
        """
        units = []
        for path in self.files:
            if split_bytes and not _is_gzip(path):
                units.extend(_split_at_blank_lines(path, split_bytes))
            else:
                units.append(TextUnit(path))
        return units

    def read(self, unit, stats, log_once=None):
        """Yields the lines of `unit` as `str`, and `DOC_END` between and
        after its documents.

        `log_once` (a `LogOnce`, default: a new one) reports a file's first
        line over `LONG_LINE_BYTES`; all are listed in `stats.long_lines`.
        """
        log_once = LogOnce() if log_once is None else log_once
        stats.files += unit.start == 0
        with _open(unit.path) as f:
            if unit.start:
                f.seek(unit.start)
            offset = unit.start
            in_document = False
            for line_no, raw in enumerate(f, start=unit.first_line):
                offset += len(raw)
                if len(raw) > LONG_LINE_BYTES:
                    _report_long_line(unit.path, line_no, len(raw), stats, log_once)
                line = decode_line(raw, stats).strip()
                if line:
                    stats.lines += 1
                    in_document = True
                    yield line
                elif in_document:
                    in_document = False
                    yield DOC_END
                if unit.end is not None and offset >= unit.end:
                    break
        if in_document:
            yield DOC_END


class TFDSText:
    """A text feature of a tensorflow-datasets dataset; each example is one
    document, its non-blank lines are the sentences.

    The dataset must already be prepared in `data_dir` (nothing is
    downloaded at training time).

    Args:
        name: str. TFDS name, e.g. `"wikipedia/20230601.en"`.
        split: str. Split to read. Defaults to `"train"`.
        feature: str. The text feature. Defaults to `"text"`.
        data_dir: str. TFDS data directory. Defaults to TFDS's default.

    Example:
    ```python
    source = keras_electra.data.TFDSText("wikipedia/20230601.en")
    ```
    """

    def __init__(self, name, split="train", feature="text", data_dir=None):
        import tensorflow_datasets as tfds

        self.name, self.split, self.feature = name, split, feature
        self.data_dir = data_dir
        try:
            builder = tfds.builder(name, data_dir=data_dir)
            info = builder.info
            prepared = os.path.isdir(builder.data_dir) and builder.info.splits
        except Exception as e:  # TFDS raises many types for unknown names.
            raise DataError(f"TFDS dataset '{name}' cannot be loaded: {e}") from None
        if not prepared:
            raise DataError(
                f"TFDS dataset '{name}' is not prepared in "
                f"'{data_dir or tfds.core.constants.DATA_DIR}'"
            )
        if feature not in info.features:
            raise DataError(
                f"TFDS dataset '{name}' has no feature '{feature}' (it has "
                f"{', '.join(info.features)})"
            )
        if split not in info.splits:
            raise DataError(
                f"TFDS dataset '{name}' has no split '{split}' (it has "
                f"{', '.join(info.splits)})"
            )
        self._builder = builder

    def __repr__(self):
        return f"TFDSText({self.name!r}, split={self.split!r}, feature={self.feature!r})"

    def __getstate__(self):  # Builders do not pickle; worker processes reload.
        return {**self.__dict__, "_builder": None}

    def _get_builder(self):
        if self._builder is None:
            import tensorflow_datasets as tfds

            self._builder = tfds.builder(self.name, data_dir=self.data_dir)
        return self._builder

    def units(self, num_units=1):
        """`num_units` interleaved shards of the split, as `(index, count)`."""
        return [(i, num_units) for i in range(num_units)]

    def read(self, unit, stats, log_once=None):
        """Yields the lines of the documents of `unit`, each followed by
        `DOC_END`. (`log_once`: as `TextFiles.read`; unused.)"""
        index, count = unit
        ds = self._get_builder().as_dataset(split=self.split, shuffle_files=False)
        ds = ds.shard(count, index) if count > 1 else ds
        ds = ds.map(lambda x: x[self.feature])
        stats.files += 1
        for raw in ds.as_numpy_iterator():
            in_document = False
            for raw_line in raw.split(b"\n"):
                line = decode_line(raw_line, stats).strip()
                if line:
                    stats.lines += 1
                    in_document = True
                    yield line
            if in_document:
                yield DOC_END


class TFRecordShards:
    """Packed, unmasked examples written by `tools/prepare_pretraining_data.py`
    (a directory with `prepared.json`), or TFRecord files in the original
    ELECTRA format (`input_ids`, `input_mask`, `segment_ids`).

    Args:
        path: str, path or list. A prepared directory, or TFRecord files/globs.

    Example:
    ```python
    source = keras_electra.data.TFRecordShards("data/pretrain_128")
    ```
    """

    def __init__(self, path):
        from keras_electra.data import tfrecords

        self.manifest = None
        paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
        paths = [os.fspath(p) for p in paths]
        if len(paths) == 1 and os.path.isdir(paths[0]):
            self.manifest = tfrecords.load_manifest(paths[0])
            self.files = [
                os.path.join(paths[0], shard["file"])
                for shard in self.manifest["shards"]
            ]
            return
        self.files = []
        for pattern in paths:
            matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
            if not matches:
                raise DataError(f"TFRecord pattern '{pattern}' matches no files")
            for p in matches:
                if not os.path.isfile(p):
                    raise DataError(f"TFRecord file '{p}' does not exist")
            self.files.extend(matches)

    def __repr__(self):
        return f"TFRecordShards({self.files!r})"


def as_source(source):
    """Returns `source` as a source object.

    Accepts a `TextFiles`, `TFDSText` or `TFRecordShards`; a string
    `"tfds:NAME[:SPLIT[:FEATURE]]"`; a directory made by the prepare tool or
    paths ending in `.tfrecord` (TFRecord shards); any other path, glob or
    list of them (text files). Which one a string or list is, is
    `source_kind`'s answer.
    """
    if isinstance(source, (TextFiles, TFDSText, TFRecordShards)):
        return source
    paths = _as_paths(source)
    kind = source_kind(paths)
    if kind == "tfds":
        name, split, feature = (paths[0][5:].split(":") + [None, None])[:3]
        return TFDSText(name, split=split or "train", feature=feature or "text")
    if kind == "tfrecord":
        return TFRecordShards(paths[0] if os.path.isdir(paths[0]) else paths)
    return TextFiles(paths)


def source_kind(source):
    """`"tfds"`, `"tfrecord"` or `"text"`: what `as_source` makes of a path,
    glob or list of them. Pure Python; opens nothing."""
    paths = _as_paths(source)
    if len(paths) == 1 and paths[0].startswith("tfds:"):
        return "tfds"
    if len(paths) == 1 and os.path.isdir(paths[0]):
        marks = (MANIFEST_FILE, SETTINGS_FILE)  # Finished or interrupted run.
        if any(os.path.exists(os.path.join(paths[0], m)) for m in marks):
            return "tfrecord"
    if paths and all(".tfrecord" in os.path.basename(p) for p in paths):
        return "tfrecord"
    return "text"


def _as_paths(source):
    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    return [os.fspath(p) for p in paths]


def _open(path):
    return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


def _is_gzip(path):
    return path.endswith(".gz")


def _check_has_text(path):
    try:
        with _open(path) as f:
            for raw in f:
                if raw.strip():
                    return
    except (OSError, EOFError) as e:
        raise DataError(f"corpus '{path}' cannot be read: {e}") from None
    raise DataError(f"corpus '{path}' has no text (empty or only blank lines)")


def _split_at_blank_lines(path, split_bytes):
    units = []
    start, start_line, offset = 0, 1, 0
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            offset += len(raw)
            if offset - start >= split_bytes and not raw.strip():
                units.append(TextUnit(path, start, offset, start_line))
                start, start_line = offset, line_no + 1
    if offset > start or not units:
        units.append(TextUnit(path, start, None, start_line))
    return units


def _report_long_line(path, line_no, num_bytes, stats, log_once):
    stats.long_lines.append(f"{path}:{line_no}")
    log_once.warning(
        (path, "long_line"),
        "corpus '%s' line %d is %d bytes long; it is split into pieces of "
        "the sequence length, but a file without line breaks has no "
        "sentence or document boundaries. Put one sentence or paragraph per "
        "line and blank lines between documents. (Reported once per file; "
        "the summary counts all lines over 1 MB.)",
        path, line_no, num_bytes,
    )
