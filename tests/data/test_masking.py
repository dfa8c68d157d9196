import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

import keras_electra.data as kd
from keras_electra import mask_slots
from keras_electra.data import masking
from keras_electra.presets import get_preset


@pytest.fixture(scope="module")
def masked_corpus(corpus_examples, vocab):
    """All packed examples of the bundled corpus (~4.9k), masked in batches
    of 1024."""
    n = len(corpus_examples["token_ids"])
    assert n >= 4_500
    parts = []
    for start in range(0, n, 1024):
        batch = {k: v[start : start + 1024] for k, v in corpus_examples.items()}
        out = kd.mask_tokens(batch, seed=[7, start], vocab=vocab)
        parts.append({k: v.numpy() for k, v in out.items()})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def test_max_predictions_follows_the_original_formula():
    assert kd.max_predictions_for(128) == 19
    assert kd.max_predictions_for(512) == 79
    assert kd.max_predictions_for(512, 0.25) == 130
    large = get_preset("large").pretraining
    assert kd.max_predictions_for(large["sequence_length"], large["mask_rate"]) == 130
    # One definition, in the pure module the model side may import too.
    assert kd.max_predictions_for is mask_slots.max_predictions_for


def test_mask_tokens_is_select_positions_then_mask_selected(corpus_examples, vocab):
    batch = {k: v[:64] for k, v in corpus_examples.items()}
    expected = kd.mask_tokens(
        batch, seed=9, vocab=vocab, mask_token_rate=0.8, random_token_rate=0.1
    )
    token_ids = tf.constant(batch["token_ids"], tf.int32)
    select_seed, choice_seed, token_seed = tf.unstack(
        tf.random.experimental.stateless_split(tf.constant([9, 0], tf.int64), 3)
    )
    positions, weights = masking.select_positions(
        token_ids, tf.constant(batch["padding_mask"], tf.int32), select_seed, vocab
    )
    masked, mask_ids = masking.mask_selected(
        token_ids, positions, weights, choice_seed, token_seed, vocab, 0.8, 0.1
    )
    for key, value in (
        ("mask_positions", positions), ("mask_weights", weights),
        ("token_ids", masked), ("mask_ids", mask_ids),
    ):
        np.testing.assert_array_equal(value.numpy(), expected[key].numpy(), err_msg=key)
    assert positions.shape == (64, 19) and weights.dtype == tf.float32


def test_replacement_ids_follow_the_rates(vocab):
    original = tf.fill([200, 50], 2023)
    new = masking.replacement_ids(original, [1, 2], [3, 4], vocab, 0.5, 0.3).numpy()
    assert abs(np.mean(new == vocab.mask_id) - 0.5) < 0.02
    assert abs(np.mean(new == 2023) - 0.2) < 0.02
    assert new.min() >= 0 and new.max() < vocab.size
    kept = masking.replacement_ids(original, [1, 2], [3, 4], vocab, 0.0, 0.0)
    np.testing.assert_array_equal(kept.numpy(), original.numpy())


def test_the_one_write_back_never_overwrites_a_token_from_a_padded_slot(vocab):
    # The data pipeline's write-back: `mask_slots.write_at_positions` over
    # TensorFlow ops (the model's keras.ops path: tests/models).
    ids = tf.constant([[vocab.cls_id, 2023, 2003, vocab.sep_id]] * 2)
    positions = tf.constant([[1, 0, 2], [2, 2, 0]])
    weights = tf.constant([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    values = tf.constant([[40, 77, 41], [41, 99, 98]])
    # The adapter provides exactly the operations the write-back calls.
    assert set(vars(masking.TF_WRITE_OPS)) == set(mask_slots.WRITE_OPS)
    out = mask_slots.write_at_positions(ids, positions, values, weights, masking.TF_WRITE_OPS)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(
        out.numpy(), [[vocab.cls_id, 40, 2003, vocab.sep_id], [vocab.cls_id, 2023, 41, vocab.sep_id]]
    )
    # Through step 2 with every used slot masked: only used slots change.
    masked, mask_ids = masking.mask_selected(ids, positions, weights, [0, 1], [0, 2], vocab, 1.0, 0.0)
    np.testing.assert_array_equal(
        masked.numpy(),
        [[vocab.cls_id, vocab.mask_id, 2003, vocab.sep_id], [vocab.cls_id, 2023, vocab.mask_id, vocab.sep_id]],
    )
    np.testing.assert_array_equal(mask_ids.numpy(), [[2023, 0, 0], [2003, 0, 0]])


def test_tensorflow_and_keras_write_backs_agree(vocab):
    import keras

    from keras_electra.models.pretraining_ops import replace_at_positions

    rng = np.random.default_rng(0)
    ids = rng.integers(0, 1000, (32, 24)).astype("int32")
    positions = np.stack([rng.choice(24, 5, replace=False) for _ in range(32)]).astype("int32")
    weights = (rng.random((32, 5)) < 0.7).astype("float32")
    positions = np.where(weights > 0, positions, 0).astype("int32")
    values = rng.integers(1000, 2000, (32, 5)).astype("int32")
    data_side = mask_slots.write_at_positions(ids, positions, values, weights, masking.TF_WRITE_OPS)
    model_side = replace_at_positions(ids, positions, values, weights)
    np.testing.assert_array_equal(data_side.numpy(), keras.ops.convert_to_numpy(model_side))
    expected = ids.copy()
    rows, slots = np.nonzero(weights)
    expected[rows, positions[rows, slots]] = values[rows, slots]
    np.testing.assert_array_equal(data_side.numpy(), expected)


def test_masking_runs_in_tf_data_under_the_jax_backend():
    # Under KERAS_BACKEND=jax the data pipeline still runs TensorFlow ops:
    # masking must not route through keras.ops (which would give JAX arrays).
    script = textwrap.dedent(
        """
        import numpy as np
        import tensorflow as tf
        import keras
        import keras_electra.data as kd

        assert keras.backend.backend() == "jax"
        vocab = kd.load_vocab()
        ids = np.full((8, 32), 2023, "int32")
        ids[:, 0], ids[:, 20], ids[:, 21:] = vocab.cls_id, vocab.sep_id, 0
        mask = (ids != 0).astype("int32")
        ds = tf.data.Dataset.from_tensor_slices({"token_ids": ids, "padding_mask": mask})
        ds = ds.batch(4).map(lambda b: kd.mask_tokens(b, seed=[1, 2], vocab=vocab))
        batch = next(iter(ds.as_numpy_iterator()))
        assert batch["mask_positions"].shape == (4, 4), batch["mask_positions"].shape
        assert (batch["mask_weights"].sum(1) == 3).all()
        print("OK")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=dict(os.environ, KERAS_BACKEND="jax"),
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK" in result.stdout


def test_selection_count_and_rate_over_the_corpus_sequences(corpus_examples, masked_corpus):
    num_tokens = corpus_examples["padding_mask"].sum(1)
    expected = np.clip(np.round(num_tokens * 0.15), 1, 19)
    selected = masked_corpus["mask_weights"].sum(1)
    np.testing.assert_array_equal(selected, expected)
    rate = selected.sum() / num_tokens.sum()
    assert 0.145 < rate < 0.155


def test_85_percent_mask_15_percent_kept_0_random(masked_corpus, vocab):
    weights = masked_corpus["mask_weights"] > 0
    rows = np.arange(len(weights))[:, None]
    at_positions = masked_corpus["token_ids"][rows, masked_corpus["mask_positions"]][weights]
    original = masked_corpus["mask_ids"][weights]
    masked = np.mean(at_positions == vocab.mask_id)
    kept = np.mean(at_positions == original)
    assert abs(masked - 0.85) < 0.005 and abs(kept - 0.15) < 0.005
    assert masked + kept == 1.0  # No random replacements.


def test_never_selects_special_tokens_or_padding(corpus_examples, masked_corpus, vocab):
    weights = masked_corpus["mask_weights"] > 0
    rows = np.arange(len(weights))[:, None]
    positions = masked_corpus["mask_positions"]
    assert np.all(corpus_examples["padding_mask"][rows, positions][weights] == 1)
    originals = corpus_examples["token_ids"][rows, positions][weights]
    assert not np.isin(originals, vocab.unmaskable_ids).any()
    np.testing.assert_array_equal(masked_corpus["mask_ids"][weights], originals)


def test_literal_mask_token_in_input_is_never_selected(vocab):
    row = [vocab.cls_id] + [vocab.mask_id] * 10 + [2023, vocab.sep_id] + [vocab.pad_id] * 3
    out = kd.mask_tokens(
        {"token_ids": [row], "padding_mask": [[1] * 13 + [0] * 3]}, seed=1, vocab=vocab,
        mask_rate=0.5,
    )
    assert out["mask_positions"].numpy()[0][out["mask_weights"].numpy()[0] > 0].tolist() == [11]


def test_positions_unique_sorted_and_padded_slots_are_zero(masked_corpus, corpus_examples):
    positions, weights = masked_corpus["mask_positions"], masked_corpus["mask_weights"]
    lengths = corpus_examples["padding_mask"].sum(1)
    for row_positions, row_weights, length in zip(positions, weights, lengths):
        real = row_positions[row_weights > 0]
        assert np.all(np.diff(real) > 0) and real.max() < length and real.min() >= 1
        assert np.all(row_positions[row_weights == 0] == 0)
    assert np.all(masked_corpus["mask_ids"][weights == 0] == 0)
    assert masked_corpus["mask_positions"].dtype == np.int32
    assert masked_corpus["mask_weights"].dtype == np.float32


def test_unselected_tokens_are_unchanged(corpus_examples, masked_corpus):
    rows = np.arange(len(masked_corpus["token_ids"]))[:, None]
    restored = masked_corpus["token_ids"].copy()
    weights = masked_corpus["mask_weights"] > 0
    restored[np.broadcast_to(rows, weights.shape)[weights], masked_corpus["mask_positions"][weights]] = masked_corpus["mask_ids"][weights]
    np.testing.assert_array_equal(restored, corpus_examples["token_ids"])
    np.testing.assert_array_equal(masked_corpus["segment_ids"], corpus_examples["segment_ids"])


def test_bert_80_10_10_is_one_argument_away(corpus_examples, vocab):
    batch = {k: v[:4096] for k, v in corpus_examples.items()}
    out = kd.mask_tokens(batch, seed=3, vocab=vocab, mask_token_rate=0.8, random_token_rate=0.1)
    weights = out["mask_weights"].numpy() > 0
    rows = np.arange(len(weights))[:, None]
    new = out["token_ids"].numpy()[rows, out["mask_positions"].numpy()][weights]
    original = out["mask_ids"].numpy()[weights]
    masked = np.mean(new == vocab.mask_id)
    changed = np.mean((new != vocab.mask_id) & (new != original))
    assert abs(masked - 0.8) < 0.01 and abs(changed - 0.1) < 0.01


def test_same_seed_same_mask_other_seed_other_mask(corpus_examples, vocab):
    batch = {k: v[:64] for k, v in corpus_examples.items()}
    a = kd.mask_tokens(batch, seed=5, vocab=vocab)
    b = kd.mask_tokens(batch, seed=5, vocab=vocab)
    c = kd.mask_tokens(batch, seed=6, vocab=vocab)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["mask_positions"], c["mask_positions"])


def test_single_example_and_one_word_document(vocab):
    word = vocab.token_to_id["hello"]
    out = kd.mask_tokens(
        {"token_ids": [vocab.cls_id, word, vocab.sep_id, 0, 0, 0, 0, 0, 0, 0],
         "padding_mask": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]},
        seed=0, vocab=vocab, max_predictions=2,
    )
    assert out["mask_positions"].numpy().tolist() == [1, 0]
    assert out["mask_ids"].numpy().tolist() == [word, 0]
    assert out["mask_weights"].numpy().tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    "kwargs", [dict(mask_rate=0.0), dict(mask_rate=1.0), dict(mask_token_rate=0.9, random_token_rate=0.2)]
)
def test_invalid_rates_are_refused(vocab, kwargs):
    with pytest.raises(ValueError):
        kd.mask_tokens({"token_ids": [[101, 5, 102]], "padding_mask": [[1, 1, 1]]}, 0, vocab, **kwargs)
