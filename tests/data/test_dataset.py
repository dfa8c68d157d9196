import gzip

import numpy as np
import pytest
import tensorflow as tf

import keras_electra
import keras_electra.data as kd

KEYS = {"token_ids", "segment_ids", "padding_mask", "mask_positions", "mask_ids", "mask_weights"}


def _batches(ds, n=3):
    return list(ds.take(n).as_numpy_iterator())


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for key in KEYS:
            np.testing.assert_array_equal(x[key], y[key])


def test_batches_follow_the_model_contract(small_corpus):
    ds = kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=16, seed=0)
    spec = ds.element_spec
    assert set(spec) == KEYS
    for key in ("token_ids", "segment_ids", "padding_mask"):
        assert spec[key].shape == (16, 64) and spec[key].dtype == tf.int32
    for key in ("mask_positions", "mask_ids"):
        assert spec[key].shape == (16, 9) and spec[key].dtype == tf.int32
    assert spec["mask_weights"].shape == (16, 9) and spec["mask_weights"].dtype == tf.float32
    batch = _batches(ds, 1)[0]
    assert (batch["token_ids"] == kd.load_vocab().mask_id).any()


def test_same_seed_gives_the_same_batches(small_corpus):
    a = _batches(kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=16, seed=3))
    b = _batches(kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=16, seed=3))
    c = _batches(kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=16, seed=4))
    _assert_same(a, b)
    assert not np.array_equal(a[0]["mask_positions"], c[0]["mask_positions"])


def test_each_epoch_draws_new_masks_on_the_same_examples(small_corpus):
    ds = kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=16, seed=3, shuffle_buffer_size=0)
    first, second = _batches(ds), _batches(ds)
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x["padding_mask"], y["padding_mask"])
        assert not np.array_equal(x["mask_positions"], y["mask_positions"])
    repeated = kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=16, seed=3, shuffle_buffer_size=0, repeat=True)
    per_epoch = sum(1 for _ in kd.packed_dataset(small_corpus, sequence_length=64, seed=3))
    rows = _rows(list(repeated.take(per_epoch // 16 * 2 + 2).as_numpy_iterator()))
    assert len(rows["original"]) >= 2 * per_epoch
    epoch1, epoch2 = slice(0, per_epoch), slice(per_epoch, 2 * per_epoch)
    np.testing.assert_array_equal(rows["original"][epoch1], rows["original"][epoch2])
    assert np.mean(np.any(rows["mask_positions"][epoch1] != rows["mask_positions"][epoch2], axis=1)) > 0.9


def test_start_batch_continues_the_stream_where_it_left_off(small_corpus):
    def stream(**kwargs):
        return kd.pretraining_dataset(
            small_corpus, sequence_length=64, batch_size=16, seed=3, repeat=True, **kwargs
        )

    full = _batches(stream(), 5)
    _assert_same(_batches(stream(start_batch=3), 2), full[3:])
    with pytest.raises(ValueError, match="start_batch needs repeat=True"):
        kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=16, start_batch=3)


def _rows(batches):
    """Concatenated rows, with the unmasked tokens rebuilt from mask_ids."""
    rows = {k: np.concatenate([b[k] for b in batches]) for k in KEYS}
    original = rows["token_ids"].copy()
    weights = rows["mask_weights"] > 0
    index = np.broadcast_to(np.arange(len(original))[:, None], weights.shape)
    original[index[weights], rows["mask_positions"][weights]] = rows["mask_ids"][weights]
    rows["original"] = original
    return rows


def test_input_workers_read_disjoint_shards_with_different_masks(small_corpus, vocab):
    everything = list(kd.packed_dataset(small_corpus, vocab, 64, seed=0).as_numpy_iterator())
    shards, first_batches = [], []
    for worker in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=worker, num_replicas_in_sync=2)
        shards.append(list(kd.packed_dataset(small_corpus, vocab, 64, seed=0, shard_index=worker, num_shards=2).as_numpy_iterator()))
        ds = kd.pretraining_dataset(small_corpus, vocab, 64, batch_size=32, seed=0, input_context=context, shuffle_buffer_size=0)
        assert ds.element_spec["token_ids"].shape == (16, 64)
        first_batches.append(_batches(ds, 1)[0])
    key = lambda e: e["token_ids"].tobytes()
    assert sorted(map(key, shards[0] + shards[1])) == sorted(map(key, everything))
    assert not set(map(key, shards[0])) & set(map(key, shards[1]))
    assert not np.array_equal(first_batches[0]["token_ids"], first_batches[1]["token_ids"])


def test_sequence_length_above_the_models_positions_is_refused(small_corpus):
    config = keras_electra.ElectraConfig(max_sequence_length=128)
    with pytest.raises(kd.DataError, match="sequence_length=256 exceeds the model's max_sequence_length=128"):
        kd.pretraining_dataset(small_corpus, sequence_length=256, batch_size=8, config=config)


def test_vocab_must_match_the_model_config(small_corpus):
    config = keras_electra.ElectraConfig(vocabulary_size=1000)
    with pytest.raises(kd.DataError, match="expects vocabulary_size=1000"):
        kd.pretraining_dataset(small_corpus, sequence_length=128, batch_size=8, config=config)


def test_gzip_and_glob_sources_read_like_plain_text(small_corpus, tmp_path, vocab):
    text = small_corpus.read_bytes()
    half = text.index(b"\n\n", len(text) // 2) + 2
    (tmp_path / "a.txt").write_bytes(text[:half])
    with gzip.open(tmp_path / "b.txt.gz", "wb") as f:
        f.write(text[half:])
    plain = kd.packed_dataset(small_corpus, vocab, 64, seed=0)
    split = kd.packed_dataset(str(tmp_path / "*.txt*"), vocab, 64, seed=0)
    a, b = list(plain.as_numpy_iterator()), list(split.as_numpy_iterator())
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x["token_ids"], y["token_ids"])


def test_tfds_dataset_is_read_one_document_per_example(tmp_path, vocab):
    tfds = pytest.importorskip("tensorflow_datasets")
    texts = ["First document. It has two lines.\nSecond line here.", "Another document entirely."]
    tfds.dataset_builders.store_as_tfds_dataset(
        name="tiny_corpus", version="1.0.0",
        features=tfds.features.FeaturesDict({"text": tfds.features.Text()}),
        split_datasets={"train": tf.data.Dataset.from_tensor_slices({"text": texts})},
        data_dir=str(tmp_path),
    )
    source = kd.TFDSText("tiny_corpus", data_dir=str(tmp_path))
    examples = list(kd.packed_dataset(source, vocab, 32, seed=0).as_numpy_iterator())
    assert len(examples) == 2
    tokenizer = kd.WordPieceTokenizer(vocab)
    words = [tokenizer.detokenize(e["token_ids"][e["padding_mask"] > 0]).numpy().decode() for e in examples]
    assert words[1] == "[CLS] another document entirely . [SEP]"
    assert words[0].startswith("[CLS] first document .") and "second line here" in words[0]
    with pytest.raises(kd.DataError, match="has no feature 'body'"):
        kd.TFDSText("tiny_corpus", feature="body", data_dir=str(tmp_path))


def test_mask_rate_is_the_datasets_own_not_the_configs(small_corpus):
    import types

    # The config only checks the vocab size and the length; a mask rate
    # on it (older configs had one) is not read.
    config = types.SimpleNamespace(
        vocabulary_size=30522, max_sequence_length=128, mask_rate=0.5
    )
    ds = kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=8, seed=0, config=config)
    assert next(iter(ds))["mask_positions"].shape == (8, 9)  # int(0.155 * 64)
    ds = kd.pretraining_dataset(small_corpus, sequence_length=64, batch_size=8, seed=0, mask_rate=0.25)
    assert next(iter(ds))["mask_positions"].shape == (8, 16)  # int(0.255 * 64)
