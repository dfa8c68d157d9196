"""The pre-training learning-rate schedule and AdamW weight-decay exclusion."""

import keras
import numpy as np
import pytest

import keras_electra
from keras_electra.optimization import LinearWarmupLinearDecay
from keras_electra.optimization import electra_optimizer
from keras_electra.optimization import is_decayed

PEAK, WARMUP, TOTAL = 5e-4, 100, 1000


def _lr(schedule, step):
    return float(keras.ops.convert_to_numpy(schedule(step)))


@pytest.mark.parametrize(
    "step, expected",
    [
        (0, 0.0),  # start of warm-up
        (50, PEAK * 0.5 * (1 - 50 / TOTAL)),  # mid warm-up
        (100, PEAK * (1 - 100 / TOTAL)),  # end of warm-up: the decay line
        (550, PEAK * (1 - 550 / TOTAL)),  # mid decay
        (1000, 0.0),  # end
        (1500, 0.0),  # past the end: stays at 0
    ],
)
def test_schedule_values(step, expected):
    schedule = LinearWarmupLinearDecay(PEAK, WARMUP, TOTAL)
    assert _lr(schedule, step) == pytest.approx(expected, rel=1e-5, abs=1e-12)


def test_schedule_rises_peaks_at_the_end_of_warmup_then_decays_linearly():
    schedule = LinearWarmupLinearDecay(PEAK, WARMUP, TOTAL)
    rates = np.array([_lr(schedule, s) for s in range(0, TOTAL + 1, 10)])
    assert int(np.argmax(rates)) * 10 == WARMUP
    assert np.all(np.diff(rates[: WARMUP // 10 + 1]) > 0)
    np.testing.assert_allclose(np.diff(rates[WARMUP // 10 :], 2), 0, atol=1e-9)


def test_schedule_counts_updates_under_gradient_accumulation():
    plain = LinearWarmupLinearDecay(PEAK, WARMUP, TOTAL)
    accumulated = LinearWarmupLinearDecay(PEAK, WARMUP, TOTAL, gradient_accumulation_steps=4)
    # Keras passes micro-batch counts; micro-batches 200..203 are update 50.
    for micro_step in range(200, 204):
        assert _lr(accumulated, micro_step) == pytest.approx(_lr(plain, 50))


def test_schedule_serializes():
    schedule = LinearWarmupLinearDecay(PEAK, WARMUP, TOTAL, gradient_accumulation_steps=2)
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule)
    )
    assert isinstance(restored, LinearWarmupLinearDecay)
    assert restored.get_config() == schedule.get_config()


def test_schedule_without_warmup_starts_at_peak():
    assert _lr(LinearWarmupLinearDecay(PEAK, 0, TOTAL), 0) == pytest.approx(PEAK)


@pytest.mark.parametrize(
    "path, decayed",
    [
        ("embeddings/token_embedding/embeddings", True),
        ("embeddings/layer_norm/gamma", False),
        ("embeddings/layer_norm/beta", False),
        ("discriminator/transformer_layer_0/self_attention_layer_norm/gamma", False),
        ("discriminator/transformer_layer_0/feedforward_output_dense/kernel", True),
        ("discriminator/transformer_layer_0/feedforward_output_dense/bias", False),
        ("generator_head/output_bias", False),
        ("generator_head/intermediate_layer_norm/beta", False),
        ("discriminator_head/logit/kernel", True),
    ],
)
def test_is_decayed(path, decayed):
    assert is_decayed(path) is decayed


def test_optimizer_decays_exactly_the_non_layernorm_non_bias_variables():
    config = keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=100, max_sequence_length=32, dropout=0.0
    )
    model = keras_electra.ElectraPretrainer(config, seed=0)
    variables = model.trainable_variables
    optimizer = electra_optimizer(0.1, variables, weight_decay=0.5)
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.epsilon == 1e-6 and optimizer.global_clipnorm == 1.0
    # Zero gradients: Adam moves nothing, so only the decay changes weights.
    before = [keras.ops.convert_to_numpy(v).copy() for v in variables]
    optimizer.apply([keras.ops.zeros_like(v) for v in variables], variables)
    decayed = set()
    for variable, old in zip(variables, before):
        new = keras.ops.convert_to_numpy(variable)
        if not np.allclose(new, old):
            np.testing.assert_allclose(new, old * (1 - 0.1 * 0.5), rtol=1e-5)
            decayed.add(variable.path)
    expected = {
        v.path for v in variables
        if "layer_norm" not in v.path and not v.path.endswith("bias")
    }
    assert decayed == expected
    assert "embeddings/token_embedding/embeddings" in decayed
    assert not any("gamma" in p or "beta" in p for p in decayed)


def test_gradient_accumulation_is_keras_own():
    model = keras_electra.ElectraPretrainer(
        keras_electra.ElectraConfig.from_preset("tiny", vocabulary_size=100, max_sequence_length=32), seed=0
    )
    optimizer = electra_optimizer(1e-3, model.trainable_variables, gradient_accumulation_steps=4)
    assert optimizer.gradient_accumulation_steps == 4
    assert electra_optimizer(1e-3, model.trainable_variables, gradient_accumulation_steps=1).gradient_accumulation_steps is None
