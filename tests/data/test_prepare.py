import json
import os

import numpy as np
import pytest

import keras_electra.data as kd


def _examples(ds):
    return [tuple(e[k] for k in ("token_ids", "segment_ids", "padding_mask")) for e in ds.as_numpy_iterator()]


def _assert_same_examples(a, b):
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)


def test_prepare_tool_shards_read_back_exactly_the_in_memory_examples(tmp_path, small_corpus, vocab, run_tool):
    bad = tmp_path / "bad_bytes.txt"
    bad.write_bytes(b"Some text with a bad \xff\xfe byte pair.\n\nAnother document here.\n")
    out = tmp_path / "prepared"
    result = run_tool("prepare_pretraining_data", small_corpus, bad, "--output-dir", out,
                      "--seq-len", 64, "--split-mb", 0.1, "--num-processes", 2, "--seed", 9)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["invalid_utf8_bytes"] == 2 and summary["invalid_utf8_lines"] == 1
    manifest = json.loads((out / "prepared.json").read_text())
    assert len(manifest["shards"]) >= 3  # The small corpus is cut into units.
    in_memory = _examples(kd.packed_dataset([small_corpus, bad], vocab, 64, seed=9))
    prepared = _examples(kd.packed_dataset(out, vocab, 64))
    _assert_same_examples(in_memory, prepared)
    assert summary["examples"] == len(in_memory)
    assert summary["tokens_used"] + summary["tokens_truncated"] == summary["tokens_read"]
    assert "tokens: " in result.stdout and " read, " in result.stdout
    batch = next(iter(kd.pretraining_dataset(out, vocab, 64, batch_size=8, seed=0)))
    assert batch["mask_positions"].shape == (8, 9)


def test_rerun_resumes_a_partial_run_and_never_mixes_runs(tmp_path, small_corpus, vocab):
    out = tmp_path / "prepared"
    first = kd.prepare_pretraining_data([small_corpus], out, sequence_length=64, split_bytes=100_000)
    original = _examples(kd.packed_dataset(out, vocab, 64))
    # Simulate an interrupted run: one shard and the manifest are missing.
    os.remove(out / "prepared.json")
    os.remove(out / first["shards"][1]["file"].replace(".tfrecord", ".json"))
    with pytest.raises(kd.DataError, match="not a finished prepared dataset"):
        kd.packed_dataset(out, vocab, 64)
    resumed = kd.prepare_pretraining_data([small_corpus], out, sequence_length=64, split_bytes=100_000)
    assert resumed == first
    _assert_same_examples(original, _examples(kd.packed_dataset(out, vocab, 64)))
    with pytest.raises(kd.DataError, match=r"holds a run with other settings \(seed, sequence_length\)"):
        kd.prepare_pretraining_data([small_corpus], out, sequence_length=128, seed=1, split_bytes=100_000)
    kd.prepare_pretraining_data([small_corpus], out, sequence_length=128, split_bytes=100_000, overwrite=True)
    assert json.loads((out / "prepared.json").read_text())["settings"]["sequence_length"] == 128


def test_foreign_non_empty_output_directory_is_refused(tmp_path, small_corpus):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(kd.DataError, match="is not empty and was not written by this tool"):
        kd.prepare_pretraining_data([small_corpus], tmp_path, sequence_length=64)


def test_reads_original_electra_tfrecords(tmp_path, vocab):
    import tensorflow as tf

    path = str(tmp_path / "pretrain_data.tfrecord-0-of-1")
    token_ids = np.array([101, 2023, 102, 2003, 102, 0, 0, 0])
    segment_ids = np.array([0, 0, 0, 1, 1, 0, 0, 0])
    padding_mask = np.array([1, 1, 1, 1, 1, 0, 0, 0])
    with tf.io.TFRecordWriter(path) as writer:
        writer.write(kd.tfrecords.serialize_example(token_ids, segment_ids, padding_mask))
    (example,) = _examples(kd.packed_dataset([path], vocab, 8))
    for got, want in zip(example, (token_ids, segment_ids, padding_mask)):
        np.testing.assert_array_equal(got, want)


def test_run_started_before_long_line_splitting_is_not_resumed(tmp_path, small_corpus):
    out = tmp_path / "prepared"
    first = kd.prepare_pretraining_data([small_corpus], out, sequence_length=64, split_bytes=100_000)
    # What the code before long-line splitting wrote: no `packing` setting,
    # the token counts under their old names.
    settings = json.loads((out / "settings.json").read_text())
    del settings["packing"]
    (out / "settings.json").write_text(json.dumps(settings))
    os.remove(out / "prepared.json")
    with pytest.raises(kd.DataError, match=r"holds a run with other settings \(packing\)"):
        kd.prepare_pretraining_data([small_corpus], out, sequence_length=64, split_bytes=100_000)
    old = {"tokens": 10, "tokens_written": 7, "tokens_truncated": 3, "examples": 2}
    stats = kd.CorpusStats.from_dict(old)
    assert (stats.tokens_read, stats.tokens_used, stats.tokens_truncated) == (10, 7, 3)
    assert first["summary"]["tokens_read"] == first["summary"]["tokens_used"] + first["summary"]["tokens_truncated"]
