"""The GLUE task registry and the TSV/CSV readers, on files in the GLUE
layout (`tests/fixtures/glue`)."""

import numpy as np
import pytest

from keras_electra.data import DataError
from keras_electra.finetune import TASKS
from keras_electra.finetune import load_examples
from keras_electra.finetune import load_split
from keras_electra.finetune import tsv_task


@pytest.mark.parametrize(
    "name, train_size, dev_size",
    [("cola", 48, 24), ("sst2", 96, 32), ("mrpc", 48, 24), ("rte", 48, 24),
     ("stsb", 48, 24)],
)
def test_glue_files_read_completely(glue_dir, name, train_size, dev_size):
    task = TASKS[name]
    train = load_split(task, "train", glue_dir)
    dev = load_split(task, "dev", glue_dir)
    assert (len(train), len(dev)) == (train_size, dev_size)
    assert len(train.texts) == task.num_segments
    assert all(len(t) == len(train) for t in train.texts)
    if task.regression:
        assert train.labels.dtype == np.float32
        assert 0.0 <= train.labels.min() and train.labels.max() <= 5.0
    else:
        assert set(np.unique(train.labels)) == set(range(task.num_classes))


def test_mrpc_byte_order_mark_and_quotes(glue_dir):
    # train.tsv starts with a BOM before "Quality"; quotes are plain text.
    train = load_split(TASKS["mrpc"], "train", glue_dir)
    assert train.texts[0][0].startswith("Mara told the council")
    assert '" the old bridge is safe "' in train.texts[0][0]
    assert train.labels[0] == 1


def test_cola_has_no_header_and_rte_maps_string_labels(glue_dir):
    cola = load_split(TASKS["cola"], "train", glue_dir)
    assert cola.texts[0][0].startswith("Our neighbours painted the garden gate")
    rte = load_split(TASKS["rte"], "dev", glue_dir)
    assert rte.labels[0] == TASKS["rte"].labels.index("not_entailment")


def test_swapped_pairs_double_the_pairs(glue_dir):
    train = load_split(TASKS["mrpc"], "train", glue_dir).take(3)
    doubled = train.swapped_pairs_added()
    assert len(doubled) == 6
    assert doubled.texts[0][3] == train.texts[1][0]
    assert doubled.texts[1][3] == train.texts[0][0]


def test_users_csv_with_string_labels(tmp_path):
    train = tmp_path / "train.csv"
    train.write_text(
        'id,review,stars\n1,"Great, really",good\n2,Awful,bad\n3,Fine,meh\n',
        encoding="utf-8",
    )
    task = tsv_task(train, train, ["review"], "stars")
    assert task.labels == ("bad", "good", "meh")
    examples = load_examples(task, train)
    assert examples.texts[0] == ["Great, really", "Awful", "Fine"]
    np.testing.assert_array_equal(examples.labels, [1, 0, 2])


def test_users_tsv_by_index_without_header_and_regression(tmp_path):
    path = tmp_path / "scores.tsv"
    path.write_text("a\tb\t0.5\nc\td\t4\n", encoding="utf-8")
    task = tsv_task(path, path, ["0", "1"], "2", regression=True, header=False)
    examples = load_examples(task, path)
    assert task.regression and examples.texts == (["a", "c"], ["b", "d"])
    np.testing.assert_allclose(examples.labels, [0.5, 4.0])


def test_numeric_labels_sort_numerically(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("text\tlabel\n" + "".join(f"x\t{i}\n" for i in (10, 2, 1)))
    assert tsv_task(path, path, ["text"], "label").labels == ("1", "2", "10")


@pytest.mark.parametrize(
    "content, columns, label, message",
    [
        ("text\tlabel\nx\t1\ny\t0\n", ["body"], "label", "no column 'body'"),
        ("text\tlabel\nx\t1\ny\t0\n", ["text"], "stars", "no column 'stars'"),
        ("text\tlabel\nx\t1\ny\t1\n", ["text"], "label", "single value"),
        ("text\tlabel\nx\t1\ny\n", ["text"], "label", "line 3 has 1 fields"),
    ],
)
def test_bad_users_files_name_the_file_and_column(tmp_path, content, columns, label, message):
    path = tmp_path / "data.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message) as error:
        task = tsv_task(path, path, columns, label)
        load_examples(task, path)
    assert str(path) in str(error.value)


def test_dev_label_unknown_to_training_is_an_error(tmp_path):
    train, dev = tmp_path / "train.tsv", tmp_path / "dev.tsv"
    train.write_text("t\tl\na\tx\nb\ty\n")
    dev.write_text("t\tl\na\tz\n")
    task = tsv_task(train, dev, ["t"], "l")
    with pytest.raises(DataError, match=r"dev.tsv' line 2: label 'z'"):
        load_examples(task, dev)


def test_missing_glue_file_is_named(tmp_path):
    with pytest.raises(DataError, match=r"SST-2/train.tsv' does not exist"):
        load_split(TASKS["sst2"], "train", tmp_path)


def test_examples_dataset_packs_pairs_with_the_preprocessor(glue_dir):
    from keras_electra import TextNormalization
    from keras_electra.finetune import ElectraPreprocessor
    from keras_electra.finetune import FinetuneConfig
    from keras_electra.finetune.training import examples_dataset

    train = load_split(TASKS["mrpc"], "train", glue_dir).take(4)
    preprocessor = ElectraPreprocessor(sequence_length=128, pad_to_multiple_of=32)
    inputs, labels = next(iter(examples_dataset(train, preprocessor, batch_size=4)))
    np.testing.assert_array_equal(labels, train.labels)
    # Padded to the batch's longest row rounded up to 32, not to 128.
    longest = int(inputs["padding_mask"].numpy().sum(1).max())
    assert inputs["token_ids"].shape == (4, -(-longest // 32) * 32)
    expected = preprocessor(train.texts[0], train.texts[1])
    for key in ("token_ids", "segment_ids", "padding_mask"):
        np.testing.assert_array_equal(inputs[key], expected[key])
    assert (inputs["segment_ids"].numpy().max(1) == 1).all()  # Two segments.
    # The config resolves its normalization to the uncased default.
    resolved = FinetuneConfig().resolved(TASKS["mrpc"], _Encoder())
    assert resolved.normalization == TextNormalization()


class _Encoder:
    """What `FinetuneConfig.resolved` reads of an encoder: its shape."""

    num_layers, hidden_dim = 12, 768
