import numpy as np
import pytest

import keras_electra.data as kd


@pytest.fixture(scope="module")
def masked_corpus(corpus_examples, vocab):
    """All real corpus examples (>10k), masked in batches of 1024."""
    n = len(corpus_examples["token_ids"])
    assert n >= 10_000
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


def test_selection_count_and_rate_over_10k_corpus_sequences(corpus_examples, masked_corpus):
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
