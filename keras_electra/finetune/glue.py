"""GLUE tasks and users' own TSV/CSV files: the registry and the readers.

A `Task` says where the examples of a task live (GLUE tsv layout and the
TFDS `glue/<name>` dataset), which columns hold the one or two text segments
and the label, the label names (`None` for regression) and the dev metrics.
`load_examples` reads one file of a task; `load_split` finds the file in a
GLUE directory or reads the TFDS split. `tsv_task` builds the task of a
user's own file, taking the label names from its training file.

Bad input raises `keras_electra.data.DataError` with a one-line message that
names the file (and line or column).
"""

import csv
import dataclasses
import os

import numpy as np

from keras_electra.data.errors import DataError


@dataclasses.dataclass(frozen=True)
class Task:
    """A sentence or sentence-pair task: files, columns, labels and metrics.

    Args:
        name: str. Task name (`sst2`, ...; `tsv` for users' data).
        text_columns: tuple of one or two column names (files with a
            header) or 0-based indices.
        label_column: column name or index of the label.
        labels: tuple of str, the label names in id order; `None` for a
            regression task.
        metrics: tuple of metric names (`keras_electra.finetune.metrics`);
            the first one is the task's main score.
        directory: str. Sub-directory of the GLUE data directory.
        train_file: str. Training file name inside `directory`.
        dev_file: str. Dev file name inside `directory`.
        header: bool. Whether the files start with a header row.
        delimiter: str. Field separator; `None` picks it per file from the
            file name (`.csv`: comma with CSV quoting, otherwise tab).
        quoted: bool. Whether fields may be double-quoted (CSV style);
            GLUE tsv files are not (quotes are text).
        epochs: int. Default number of training epochs (the original's).
        double_unordered: bool. Train on both orders of the two segments,
            as the original does for MRPC and STS-B.
        tfds_name: str. TFDS dataset name, e.g. `glue/sst2`.
        tfds_features: tuple of the TFDS text feature names.
        tfds_dev_split: str. TFDS split used as dev.
        skip_malformed: bool. Skip rows with missing fields (the GLUE QQP
            files have a few) instead of failing.
    """

    name: str
    text_columns: tuple
    label_column: object
    labels: tuple = None
    metrics: tuple = ("accuracy",)
    directory: str = None
    train_file: str = "train.tsv"
    dev_file: str = "dev.tsv"
    header: bool = True
    delimiter: str = "\t"
    quoted: bool = False
    epochs: int = 3
    double_unordered: bool = False
    tfds_name: str = None
    tfds_features: tuple = None
    tfds_dev_split: str = "validation"
    skip_malformed: bool = False

    @property
    def regression(self):
        return self.labels is None

    @property
    def num_classes(self):
        return 1 if self.regression else len(self.labels)

    @property
    def num_segments(self):
        return len(self.text_columns)


TASKS = {
    "cola": Task(
        "cola", (3,), 1, labels=("0", "1"), metrics=("matthews_corrcoef",),
        directory="CoLA", header=False, tfds_name="glue/cola",
        tfds_features=("sentence",),
    ),
    "sst2": Task(
        "sst2", ("sentence",), "label", labels=("0", "1"),
        directory="SST-2", tfds_name="glue/sst2", tfds_features=("sentence",),
    ),
    "mrpc": Task(
        "mrpc", ("#1 String", "#2 String"), "Quality", labels=("0", "1"),
        metrics=("f1", "accuracy"), directory="MRPC", double_unordered=True,
        tfds_name="glue/mrpc", tfds_features=("sentence1", "sentence2"),
    ),
    "stsb": Task(
        "stsb", ("sentence1", "sentence2"), "score", labels=None,
        metrics=("pearson", "spearman"), directory="STS-B", epochs=10,
        double_unordered=True, tfds_name="glue/stsb",
        tfds_features=("sentence1", "sentence2"),
    ),
    "rte": Task(
        "rte", ("sentence1", "sentence2"), "label",
        labels=("entailment", "not_entailment"), directory="RTE", epochs=10,
        tfds_name="glue/rte", tfds_features=("sentence1", "sentence2"),
    ),
    "qnli": Task(
        "qnli", ("question", "sentence"), "label",
        labels=("entailment", "not_entailment"), directory="QNLI",
        tfds_name="glue/qnli", tfds_features=("question", "sentence"),
    ),
    "qqp": Task(
        "qqp", ("question1", "question2"), "is_duplicate", labels=("0", "1"),
        metrics=("accuracy", "f1"), directory="QQP", skip_malformed=True,
        tfds_name="glue/qqp", tfds_features=("question1", "question2"),
    ),
    "mnli": Task(
        "mnli", ("sentence1", "sentence2"), "gold_label",
        labels=("contradiction", "entailment", "neutral"), directory="MNLI",
        dev_file="dev_matched.tsv", tfds_name="glue/mnli",
        tfds_features=("premise", "hypothesis"),
        tfds_dev_split="validation_matched",
    ),
}
"""The GLUE tasks by name, with the original's defaults."""


@dataclasses.dataclass
class Examples:
    """The examples of one split.

    Args:
        texts: tuple of one or two lists of str, one list per segment.
        labels: numpy array: int32 label ids, or float32 scores.
        source: str. Where they were read from (for messages).
    """

    texts: tuple
    labels: np.ndarray
    source: str = ""

    def __len__(self):
        return len(self.labels)

    def take(self, count):
        """The first `count` examples (all of them for `None`)."""
        if count is None or count >= len(self):
            return self
        return Examples(
            tuple(t[:count] for t in self.texts), self.labels[:count], self.source
        )

    def swapped_pairs_added(self):
        """These examples followed by the same pairs in the other order."""
        if len(self.texts) != 2:
            return self
        first, second = self.texts
        return Examples(
            (first + second, second + first),
            np.concatenate([self.labels, self.labels]),
            self.source,
        )


def _table_format(path):
    """`(delimiter, quoted)` from a file name: `.csv` is quoted CSV."""
    if os.fspath(path).lower().endswith(".csv"):
        return ",", True
    return "\t", False


def read_table(path, delimiter="\t", quoted=False, header=True):
    """Reads a TSV/CSV file; a UTF-8 byte-order mark is dropped.

    Args:
        path: the file.
        delimiter: str. Field separator.
        quoted: bool. Honour CSV double-quoting; otherwise quotes are text.
        header: bool. Whether the first row names the columns.

    Returns:
        `(column_names, rows)`: the header row (`None` without a header) and
        a list of `(line_number, fields)`.

    Raises:
        DataError: the file is missing, not UTF-8 or empty.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataError(f"data file '{path}' does not exist")
    rows = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(
                f,
                delimiter=delimiter,
                quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
            )
            for fields in reader:
                if fields and any(field.strip() for field in fields):
                    rows.append((reader.line_num, fields))
    except UnicodeDecodeError as e:
        raise DataError(
            f"data file '{path}' is not valid UTF-8 (byte {e.start})"
        ) from None
    except csv.Error as e:
        raise DataError(f"data file '{path}' cannot be parsed: {e}") from None
    if not rows:
        raise DataError(f"data file '{path}' has no rows")
    if not header:
        return None, rows
    return [name.strip() for name in rows[0][1]], rows[1:]


def column_index(column, column_names, path, num_fields):
    """The 0-based index of `column` (a header name or an index)."""
    if column_names is not None and str(column) in column_names:
        return column_names.index(str(column))
    if isinstance(column, int) or str(column).isdigit():
        index = int(column)
        if index < num_fields:
            return index
        raise DataError(
            f"data file '{path}' has {num_fields} columns; there is no "
            f"column {index}"
        )
    if column_names is None:
        raise DataError(
            f"data file '{path}' has no header row, so column {column!r} "
            "must be given as a 0-based index"
        )
    raise DataError(
        f"data file '{path}' has no column {column!r} (columns: "
        f"{', '.join(column_names)})"
    )


def read_columns(task, path):
    """Reads the text and raw label columns of `task` from `path`.

    Returns:
        `(texts, raw_labels, line_numbers)`: a tuple of one or two lists of
        str, the label fields as str, and the line of each example.
    """
    path = os.fspath(path)
    delimiter, quoted = task.delimiter, task.quoted
    if delimiter is None:
        delimiter, quoted = _table_format(path)
    column_names, rows = read_table(path, delimiter, quoted, task.header)
    num_fields = len(column_names) if column_names else max(len(r) for _, r in rows)
    indices = [
        column_index(c, column_names, path, num_fields)
        for c in (*task.text_columns, task.label_column)
    ]
    needed = max(indices) + 1
    texts = tuple([] for _ in task.text_columns)
    raw_labels, lines = [], []
    for line, fields in rows:
        if len(fields) < needed:
            if task.skip_malformed:
                continue
            raise DataError(
                f"data file '{path}' line {line} has {len(fields)} fields, "
                f"fewer than the {needed} that the task's columns need"
            )
        for segment, index in zip(texts, indices[:-1]):
            segment.append(fields[index])
        raw_labels.append(fields[indices[-1]].strip())
        lines.append(line)
    if not raw_labels:
        raise DataError(f"data file '{path}' has no examples")
    return texts, raw_labels, lines


def load_examples(task, path):
    """Reads the examples of `task` from one TSV/CSV file.

    Args:
        task: `Task`.
        path: the file.

    Returns:
        `Examples`, labels mapped to ids in `task.labels` order (or parsed as
        floats for regression).

    Raises:
        DataError: a missing file or column, or a label the task does not
            have, naming the file and line.
    """
    path = os.fspath(path)
    texts, raw_labels, lines = read_columns(task, path)
    if task.regression:
        labels = np.empty(len(raw_labels), np.float32)
        for i, (raw, line) in enumerate(zip(raw_labels, lines)):
            try:
                labels[i] = float(raw)
            except ValueError:
                raise DataError(
                    f"data file '{path}' line {line}: label {raw!r} is not a "
                    "number (regression task)"
                ) from None
    else:
        ids = {name: i for i, name in enumerate(task.labels)}
        labels = np.empty(len(raw_labels), np.int32)
        for i, (raw, line) in enumerate(zip(raw_labels, lines)):
            if raw not in ids:
                raise DataError(
                    f"data file '{path}' line {line}: label {raw!r} is not one "
                    f"of the task's labels ({', '.join(task.labels)})"
                )
            labels[i] = ids[raw]
    return Examples(texts, labels, path)


def task_file(task, data_dir, split):
    """The path of `split` (`train` or `dev`) of `task` under `data_dir`."""
    file_name = {"train": task.train_file, "dev": task.dev_file}[split]
    if task.directory is None:
        return file_name
    return os.path.join(os.fspath(data_dir), task.directory, file_name)


def load_split(task, split, data_dir=None, tfds_data_dir=None):
    """Loads `split` (`train` or `dev`) of a task.

    Args:
        task: `Task`.
        split: `"train"` or `"dev"`.
        data_dir: the GLUE directory (with `SST-2/train.tsv`, ...). `None`
            reads the TFDS `task.tfds_name` dataset instead.
        tfds_data_dir: TFDS data directory (TFDS default when `None`).

    Returns:
        `Examples`.
    """
    if split not in ("train", "dev"):
        raise ValueError(f"split must be 'train' or 'dev', got {split!r}")
    if data_dir is not None:
        return load_examples(task, task_file(task, data_dir, split))
    if task.tfds_name is None:
        raise DataError(f"task {task.name!r} has no TFDS dataset; give files")
    tfds_split = "train" if split == "train" else task.tfds_dev_split
    return load_tfds_examples(task, tfds_split, tfds_data_dir)


def load_tfds_examples(task, split, data_dir=None):
    """Reads a split of the TFDS `glue/<task>` dataset into `Examples`.

    Label ids are mapped through their names where the TFDS names are the
    task's (MNLI orders its classes differently); otherwise TFDS ids are
    kept (for the `0`/`1` tasks they agree with the GLUE files).
    """
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DataError(
            "--tfds needs the tensorflow-datasets package"
        ) from None
    source = f"tfds:{task.tfds_name}:{split}"
    try:
        dataset, info = tfds.load(
            task.tfds_name, split=split, data_dir=data_dir, with_info=True,
            download=False,
        )
    except Exception as e:  # TFDS raises several types for a missing dataset.
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataError(
            f"cannot read {source} (is it prepared in the TFDS data "
            f"directory{' ' + data_dir if data_dir else ''}?): {message}"
        ) from None
    texts = tuple([] for _ in task.tfds_features)
    raw = []
    for example in dataset.as_numpy_iterator():
        for segment, feature in zip(texts, task.tfds_features):
            segment.append(example[feature].decode("utf-8"))
        raw.append(example["label"])
    if task.regression:
        labels = np.asarray(raw, np.float32)
    else:
        names = list(info.features["label"].names)
        if set(names) == set(task.labels):
            mapping = np.array([task.labels.index(n) for n in names], np.int32)
            labels = mapping[np.asarray(raw, np.int64)]
        else:
            labels = np.asarray(raw, np.int32)
        if labels.size and labels.min() < 0:
            raise DataError(f"{source} has no labels (a test split?)")
    return Examples(texts, labels, source)


def _sorted_labels(raw_labels):
    unique = set(raw_labels)
    try:
        return tuple(sorted(unique, key=float))
    except ValueError:
        return tuple(sorted(unique))


def tsv_task(
    train_file,
    dev_file,
    text_columns,
    label_column,
    regression=False,
    header=True,
    labels=None,
):
    """The `Task` of a user's own TSV/CSV files.

    The delimiter follows each file's name: `.csv` files are comma-separated
    with CSV quoting, anything else tab-separated. Columns are header names
    or 0-based indices. Classification labels are the distinct values of the
    label column of `train_file`, sorted (numerically where they are all
    numbers), unless `labels` lists them.

    Args:
        train_file: path of the training file.
        dev_file: path of the dev file.
        text_columns: one or two columns holding the text segments.
        label_column: the label column.
        regression: bool. The label is a number to regress.
        header: bool. The files start with a header row.
        labels: sequence of str or None. Label names in id order.

    Returns:
        A `Task` named `tsv` whose `train_file` and `dev_file` are the paths.

    Example:
    ```python
    task = tsv_task("reviews.csv", "reviews_dev.csv", ["text"], "stars")
    task.labels  # ("1", "2", "3", "4", "5")
    ```
    """
    text_columns = tuple(text_columns)
    if not 1 <= len(text_columns) <= 2:
        raise DataError(
            f"give one or two text columns, got {len(text_columns)}: "
            f"{', '.join(map(str, text_columns))}"
        )
    task = Task(
        "tsv", text_columns, label_column, labels=None,
        metrics=("pearson", "spearman") if regression else ("accuracy",),
        train_file=os.fspath(train_file), dev_file=os.fspath(dev_file),
        header=header, delimiter=None,
    )
    if regression:
        return task
    if labels is None:
        _, raw_labels, _ = read_columns(task, train_file)
        labels = _sorted_labels(raw_labels)
    labels = tuple(str(label) for label in labels)
    if len(labels) < 2:
        raise DataError(
            f"data file '{os.fspath(train_file)}': label column "
            f"{label_column!r} has a single value {labels[0]!r}; "
            "classification needs at least two"
        )
    metrics = ("accuracy", "f1") if len(labels) == 2 else ("accuracy",)
    return dataclasses.replace(task, labels=labels, metrics=metrics)
