"""The masked-LM baseline's data: BERT's 80/10/10 over real corpus
sequences, through the pipeline and settings `pretrain` uses."""

import numpy as np

from keras_electra import data
from keras_electra.pretrain.config import PretrainConfig


def test_mlm_objective_masks_80_random_10_kept_10_over_10k_corpus_sequences():
    config = PretrainConfig(objective="mlm").resolved()
    vocab = data.load_vocab()
    dataset = data.pretraining_dataset(
        data.DEFAULT_CORPUS, vocab, 128, 1024, mask_rate=config.mask_rate,
        mask_token_rate=config.mask_token_rate,
        random_token_rate=config.random_token_rate, seed=0, repeat=True,
    )
    batches = list(dataset.take(10).as_numpy_iterator())
    batch = {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}
    assert len(batch["token_ids"]) >= 10_000
    weights = batch["mask_weights"] > 0
    rows = np.arange(len(weights))[:, None]
    at_slots = batch["token_ids"][rows, batch["mask_positions"]][weights]
    original = batch["mask_ids"][weights]
    assert len(original) > 150_000
    masked = np.mean(at_slots == vocab.mask_id)
    kept = np.mean(at_slots == original)
    random = np.mean((at_slots != vocab.mask_id) & (at_slots != original))
    # ~190k slots: the standard error of each share is below 0.001.
    assert abs(masked - 0.8) < 0.005, masked
    assert abs(random - 0.1) < 0.005, random
    # Kept: 10%, plus the random draws that hit the original (1 in 30522).
    assert abs(kept - 0.1) < 0.005, kept
    assert at_slots.min() >= 0 and at_slots.max() < vocab.size
    # Selection is ELECTRA's: ~15% of the real tokens.
    rate = weights.sum() / batch["padding_mask"].sum()
    assert 0.145 < rate < 0.155
