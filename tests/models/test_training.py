"""`fit` / `evaluate` under XLA and mixed precision, on every backend."""

import keras
import numpy as np
import pytest

from keras_electra import ElectraPretrainer

METRICS = {
    "loss",
    "mlm_loss",
    "mlm_accuracy",
    "disc_loss",
    "disc_accuracy",
    "disc_precision",
    "disc_recall",
    "disc_auc",
    "replaced_fraction",
}


def _stacked(make_batch, vocabulary_size, copies=4):
    batches = [make_batch(vocabulary_size=vocabulary_size, seed=i) for i in range(copies)]
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


def test_fit_and_evaluate_report_every_electra_metric_with_jit(
    tiny_config, make_batch
):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    pretrainer.compile(
        optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6),
        jit_compile=keras.backend.backend() != "torch",
    )
    data = _stacked(make_batch, tiny_config.vocabulary_size)
    history = pretrainer.fit(x=data, batch_size=4, epochs=2, verbose=0)
    assert METRICS <= set(history.history)
    assert history.history["loss"][-1] < history.history["loss"][0]
    results = pretrainer.evaluate(x=data, batch_size=4, verbose=0, return_dict=True)
    assert METRICS <= set(results)
    # loss = mlm + 50 * disc, the weights of the original.
    np.testing.assert_allclose(
        results["loss"],
        results["mlm_loss"] + 50 * results["disc_loss"],
        rtol=1e-3,
    )


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_trains_under_mixed_precision_with_float32_sampling(
    tiny_config, make_batch, policy
):
    if policy == "mixed_float16" and keras.backend.backend() == "jax":
        import jax

        if jax.default_backend() == "cpu":
            pytest.skip("XLA:CPU has no float16 dot_general (JAX on GPU has).")
    pretrainer = ElectraPretrainer(tiny_config, seed=0, dtype=policy)
    pretrainer.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    data = _stacked(make_batch, tiny_config.vocabulary_size, copies=2)
    history = pretrainer.fit(x=data, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    outputs = pretrainer(batch)
    for key in ("mlm_logits", "disc_logits"):
        assert keras.backend.standardize_dtype(outputs[key].dtype) == "float32"
    # The towers compute in the low precision.
    sequence = pretrainer.discriminator(
        {k: batch[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    )
    low = policy[len("mixed_"):]
    assert keras.backend.standardize_dtype(sequence.dtype) == low
    assert pretrainer.embeddings.token_embedding.embeddings.dtype == "float32"
    # float16 needs loss scaling; Keras adds it for this policy.
    is_scaled = isinstance(pretrainer.optimizer, keras.optimizers.LossScaleOptimizer)
    assert is_scaled == (policy == "mixed_float16")
