"""`RunDirectory`: one owner of a run's file names and recorded settings."""

import json

import pytest

from keras_electra import RunDirectory
from keras_electra import TextNormalization


def _write(path, record):
    path.write_text(json.dumps(record))


def test_paths_are_named_once_and_checkpoints_by_step(tmp_path):
    run = RunDirectory(tmp_path)
    assert run.run_file == str(tmp_path / "run.json")
    assert run.checkpoint_path(40) == str(tmp_path / "checkpoints" / "step-00000040.weights.h5")
    assert run.latest_checkpoint() is None and not run.holds_run()
    (tmp_path / "checkpoints").mkdir()
    for step in (100, 40, 8):
        (tmp_path / "checkpoints" / f"step-{step:08d}.weights.h5").write_bytes(b"")
    assert run.latest_checkpoint().endswith("step-00000100.weights.h5")
    assert len(run.checkpoints()) == 3


def test_recorded_normalization_and_vocab_are_read_back(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n")
    _write(tmp_path / "run.json", {"settings": {
        "lower_case": True, "strip_accents": False, "vocab": str(vocab)}})
    run = RunDirectory(tmp_path)
    assert run.normalization() == TextNormalization(True, False)
    assert run.vocab_path() == str(vocab)
    vocab.unlink()
    assert run.vocab_path() is None  # A recorded vocab that moved away.


def test_a_run_without_normalization_records_none(tmp_path):
    _write(tmp_path / "run.json", {"settings": {}})
    assert RunDirectory(tmp_path).normalization() is None


def test_an_unreadable_run_record_is_a_clear_error(tmp_path):
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable '.*run.json'"):
        RunDirectory(tmp_path).read_record()


def test_record_writes_are_atomic_json(tmp_path):
    run = RunDirectory(tmp_path / "new")
    run.write_record({"settings": {"sequence_length": 32}})
    assert run.read_record()["settings"]["sequence_length"] == 32
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["run.json"]
