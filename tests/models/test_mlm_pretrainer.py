"""`MaskedLMPretrainer`, the BERT-style baseline: trains, ties its head,
saves, and looks like ELECTRA's discriminator to the rest of the package."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from keras_electra import ElectraPretrainer
from keras_electra import MaskedLMPretrainer
from keras_electra.models.pretraining_ops import masked_lm_loss


def _stacked(make_batch, vocabulary_size, copies=4):
    batches = [make_batch(vocabulary_size=vocabulary_size, seed=i) for i in range(copies)]
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


def test_masked_lm_loss_falls_with_fit_and_reports_mlm_metrics(tiny_config, make_batch):
    model = MaskedLMPretrainer(tiny_config, seed=0)
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6),
        jit_compile=keras.backend.backend() != "torch",
    )
    data = _stacked(make_batch, tiny_config.vocabulary_size)
    history = model.fit(x=data, batch_size=4, epochs=4, verbose=0, shuffle=False)
    assert {"loss", "mlm_loss", "mlm_accuracy"} <= set(history.history)
    losses = history.history["mlm_loss"]
    assert losses[-1] < losses[0] - 0.05, losses
    # Untrained, the loss is about log(vocabulary_size).
    assert abs(losses[0] - np.log(tiny_config.vocabulary_size)) < 0.5
    results = model.evaluate(x=data, batch_size=4, verbose=0, return_dict=True)
    np.testing.assert_allclose(results["loss"], results["mlm_loss"], rtol=1e-5)


def test_loss_is_cross_entropy_over_the_real_mask_slots_only(tiny_config, make_batch):
    model = MaskedLMPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size, padded_slots=1)
    logits = keras.ops.convert_to_numpy(model(batch)["mlm_logits"])
    assert logits.shape == (4, 3, tiny_config.vocabulary_size)
    assert logits.dtype == np.float32
    # By hand: softmax cross-entropy at the used slots (weight 1), averaged.
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_probs, batch["mask_ids"][..., None], -1)[..., 0]
    expected = nll[batch["mask_weights"] > 0].mean()
    loss = masked_lm_loss(batch["mask_ids"], logits, batch["mask_weights"])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss), expected, rtol=1e-5)


def test_head_is_tied_to_the_encoders_token_embedding(tiny_config):
    model = MaskedLMPretrainer(tiny_config)
    table = model.discriminator.token_embedding.embeddings
    assert model.mlm_head.token_embedding.embeddings is table
    assert model.encoder is model.discriminator
    # One token table among the trainable variables, no output kernel of
    # vocabulary size besides it.
    vocab_sized = [v.path for v in model.trainable_variables
                   if tiny_config.vocabulary_size in tuple(v.shape)]
    assert sorted(vocab_sized) == sorted([table.path, "mlm_head/output_bias"]), vocab_sized


def test_encoder_is_named_and_shaped_like_electras_discriminator(tiny_config):
    mlm = MaskedLMPretrainer(tiny_config)
    electra = ElectraPretrainer(tiny_config)
    assert mlm.discriminator.name == "discriminator"
    assert mlm.discriminator.get_config() == electra.discriminator.get_config()
    shapes = lambda m: {v.path: tuple(v.shape) for v in m.discriminator.weights}
    assert shapes(mlm) == shapes(electra)
    # The generator sizes are not used: no generator variables at all.
    assert not [v for v in mlm.weights if v.path.startswith("generator")]


def test_keras_archive_round_trip_gives_identical_outputs(tiny_config, make_batch, tmp_path):
    model = MaskedLMPretrainer(tiny_config, seed=1)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    model.fit(x=batch, batch_size=4, epochs=1, verbose=0)
    before = keras.ops.convert_to_numpy(model(batch)["mlm_logits"])
    path = tmp_path / "mlm.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert isinstance(restored, MaskedLMPretrainer)
    assert restored.config == model.config
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored(batch)["mlm_logits"]), before, atol=1e-5
    )
    again = MaskedLMPretrainer.from_config(model.get_config())
    assert again.config == model.config
    # The encoder saves alone, as pre-training's RunDirectory does.
    model.discriminator.save(tmp_path / "encoder.keras")
    encoder = keras.models.load_model(tmp_path / "encoder.keras")
    inputs = {k: batch[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(encoder(inputs)),
        keras.ops.convert_to_numpy(model.discriminator(inputs)), atol=1e-5,
    )


def test_missing_batch_keys_are_named(tiny_config, make_batch):
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    del batch["mask_positions"]
    with pytest.raises(ValueError, match="missing: mask_positions"):
        MaskedLMPretrainer(tiny_config)(batch)


NO_TENSORFLOW = textwrap.dedent(
    """
    import sys
    sys.modules["tensorflow"] = None
    sys.modules["tensorflow_text"] = None
    import numpy as np
    import keras
    import keras_electra

    config = keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=50, max_sequence_length=16)
    model = keras_electra.MaskedLMPretrainer(config)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    rng = np.random.default_rng(0)
    batch = {
        "token_ids": rng.integers(5, 50, (4, 16)).astype("int32"),
        "segment_ids": np.zeros((4, 16), "int32"),
        "padding_mask": np.ones((4, 16), "int32"),
        "mask_positions": np.tile(np.arange(1, 4, dtype="int32"), (4, 1)),
        "mask_ids": rng.integers(5, 50, (4, 3)).astype("int32"),
        "mask_weights": np.ones((4, 3), "float32"),
    }
    history = model.fit(x=batch, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["mlm_loss"][0])
    assert sys.modules.get("tensorflow") is None
    print("OK", keras.backend.backend())
    """
)


def test_trains_with_tensorflow_unavailable_under_jax_and_torch():
    backend = keras.backend.backend()
    if backend == "tensorflow":
        pytest.skip("the TensorFlow backend needs TensorFlow")
    result = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW],
        env=dict(os.environ, KERAS_BACKEND=backend),
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"OK {backend}" in result.stdout
