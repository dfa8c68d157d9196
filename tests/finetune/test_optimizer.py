"""Layer-wise learning-rate decay: the rate every variable really receives."""

import copy

import keras
import numpy as np
import pytest

from keras_electra import ElectraEncoder
from keras_electra.finetune import LayerwiseAdamW
from keras_electra.finetune import layerwise_adamw
from keras_electra.finetune import layerwise_learning_rate_multipliers
from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.optimization import is_decayed

NUM_LAYERS = 3
DECAY = 0.5
LEARNING_RATE = 0.01


def _classifier():
    encoder = ElectraEncoder(
        vocabulary_size=30, num_layers=NUM_LAYERS, hidden_dim=16, num_heads=2,
        intermediate_dim=32, embedding_dim=8, max_sequence_length=16,
        name="discriminator",
    )
    return ElectraClassifier(encoder, num_classes=3)


def _group(path):
    if path.startswith("logits/"):
        return "head"
    if "/embeddings" in path:
        return "embeddings"
    return path.split("/")[1]  # transformer_layer_i


def _expected(group):
    """The stated rule: head 1, top layer d, ..., embeddings d**(L + 1)."""
    if group == "head":
        return 1.0
    if group == "embeddings":
        return DECAY ** (NUM_LAYERS + 1)
    return DECAY ** (NUM_LAYERS - int(group.rsplit("_", 1)[1]))


def _measured_rates(optimizer, model, gradient_value):
    """Applies one step with every gradient `gradient_value`; returns the
    mean absolute change of each variable."""
    variables = model.trainable_variables
    before = [keras.ops.convert_to_numpy(v) for v in variables]
    optimizer.apply(
        [keras.ops.full(v.shape, gradient_value) for v in variables], variables
    )
    return {
        v.path: float(np.mean(np.abs(b - keras.ops.convert_to_numpy(v))))
        for v, b in zip(variables, before)
    }


def test_each_variable_receives_its_layers_learning_rate():
    model = _classifier()
    optimizer = LayerwiseAdamW(
        LEARNING_RATE,
        layerwise_learning_rate_multipliers(model, DECAY),
        weight_decay=0.0, epsilon=1e-12,
    )
    # Adam's first step moves every weight by lr * g / |g| = lr exactly.
    moved = _measured_rates(optimizer, model, 1.0)
    groups = {_group(path) for path in moved}
    assert groups == {
        "head", "embeddings", *(f"transformer_layer_{i}" for i in range(NUM_LAYERS))
    }
    for path, change in moved.items():
        expected = LEARNING_RATE * _expected(_group(path))
        assert change == pytest.approx(expected, rel=1e-4), path
    # Not the original's off-by-one (GR #51): top layer d, not d**2.
    top = "discriminator/transformer_layer_2/feedforward_output_dense/kernel"
    assert moved[top] == pytest.approx(LEARNING_RATE * DECAY, rel=1e-4)
    embeddings = "discriminator/embeddings/token_embedding/embeddings"
    assert moved[embeddings] == pytest.approx(LEARNING_RATE * DECAY**4, rel=1e-4)


def test_weight_decay_uses_the_layer_rate_and_skips_layer_norm_and_bias():
    model = _classifier()
    optimizer = layerwise_adamw(
        model, LEARNING_RATE, DECAY, total_steps=1, warmup_fraction=0.0,
        weight_decay=0.1,
    )
    for v in model.trainable_variables:
        v.assign(keras.ops.ones(v.shape))
    # A zero gradient makes Adam's step 0: only the weight decay moves
    # weights, by lr(step 0) * multiplier * rate * weight.
    moved = _measured_rates(optimizer, model, 0.0)
    for path, change in moved.items():
        if "layer_norm" in path or path.endswith("bias"):
            assert change == 0.0, path
        else:
            expected = LEARNING_RATE * _expected(_group(path)) * 0.1
            # float32 resolution of 1 - 6e-5 is ~1e-3 relative to it.
            assert change == pytest.approx(expected, rel=2e-3), path


def test_multipliers_cover_every_variable_and_optimizer_refuses_unknown():
    model = _classifier()
    multipliers = layerwise_learning_rate_multipliers(model, 0.8)
    assert set(multipliers) == {v.path for v in model.trainable_variables}
    partial = {k: v for k, v in multipliers.items() if not k.startswith("logits/")}
    with pytest.raises(ValueError, match="no learning-rate multiplier"):
        LayerwiseAdamW(1e-3, partial).build(model.trainable_variables)


def test_fit_and_save_with_the_layerwise_optimizer(tmp_path):
    model = _classifier()
    model.compile(optimizer=layerwise_adamw(model, 1e-3, 0.8, total_steps=4))
    inputs = {
        "token_ids": np.full((8, 6), 5, "int32"),
        "segment_ids": np.zeros((8, 6), "int32"),
        "padding_mask": np.ones((8, 6), "int32"),
    }
    model.fit(inputs, np.arange(8) % 3, batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "classifier.keras")
    restored = keras.models.load_model(tmp_path / "classifier.keras")
    assert isinstance(restored.optimizer, LayerwiseAdamW)
    assert restored.optimizer.learning_rate_multipliers == (
        model.optimizer.learning_rate_multipliers
    )


def _old_config(model):
    """`get_config()` of the earlier `LayerwiseAdamW` (an `AdamW` subclass),
    as `layerwise_adamw(model, 0.01, 0.5, total_steps=10,
    warmup_fraction=0.2, weight_decay=0.1)` wrote it into classifier.keras."""
    return {
        "name": "layerwise_adam_w",
        "learning_rate": {
            "module": "keras_electra.optimization",
            "class_name": "LinearWarmupLinearDecay",
            "config": {
                "peak_learning_rate": 0.01, "warmup_steps": 2,
                "total_steps": 10, "gradient_accumulation_steps": 1,
            },
            "registered_name": "keras_electra>LinearWarmupLinearDecay",
        },
        "weight_decay": 0.1, "clipnorm": None, "global_clipnorm": 1.0,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-06, "amsgrad": False,
        "learning_rate_multipliers": layerwise_learning_rate_multipliers(model, 0.5),
    }


def _steps(optimizer, model, num_steps=3):
    rng = np.random.default_rng(0)
    for _ in range(num_steps):
        grads = [
            keras.ops.convert_to_tensor(rng.normal(size=v.shape).astype("float32"))
            for v in model.trainable_variables
        ]
        optimizer.apply(grads, model.trainable_variables)
    return {v.path: keras.ops.convert_to_numpy(v) for v in model.trainable_variables}


def _same_start(model):
    for i, v in enumerate(model.trainable_variables):
        v.assign(keras.ops.full(v.shape, 0.5 + 0.01 * i))
    return model


def test_optimizer_config_saved_by_the_old_adamw_subclass_still_loads():
    model = _same_start(_classifier())
    old = _old_config(model)
    restored = LayerwiseAdamW.from_config(copy.deepcopy(old))
    # Same config out as in, so old and new classifier.keras files agree.
    assert restored.get_config() == old
    fresh = layerwise_adamw(
        _same_start(_classifier()), 0.01, 0.5, total_steps=10,
        warmup_fraction=0.2, weight_decay=0.1,
    )
    assert dict(fresh.get_config(), name=old["name"]) == old
    # And it trains exactly as a freshly made one.
    reference = _steps(fresh, _same_start(_classifier()))
    for path, value in _steps(restored, model).items():
        np.testing.assert_array_equal(value, reference[path], err_msg=path)


def test_with_every_multiplier_1_it_is_keras_adamw():
    ones = {path: 1.0 for path in layerwise_learning_rate_multipliers(_classifier(), 0.5)}
    ours = LayerwiseAdamW(0.01, ones, weight_decay=0.1, epsilon=1e-6)
    ours_model = _same_start(_classifier())
    keras_model = _same_start(_classifier())
    adamw = keras.optimizers.AdamW(0.01, weight_decay=0.1, epsilon=1e-6)
    adamw.exclude_from_weight_decay(
        var_list=[v for v in keras_model.trainable_variables if not is_decayed(v.path)]
    )
    expected = _steps(adamw, keras_model)
    # On PyTorch Keras swaps `AdamW` for a fused (`torch._foreach`) version
    # that rounds differently, by an ulp or two; elsewhere: bit for bit.
    rtol = 1e-6 if keras.backend.backend() == "torch" else 0.0
    for path, value in _steps(ours, ours_model).items():
        np.testing.assert_allclose(value, expected[path], rtol=rtol, atol=0, err_msg=path)


def test_exclude_from_weight_decay_adds_to_layer_norm_and_bias():
    model = _classifier()
    optimizer = LayerwiseAdamW(
        LEARNING_RATE, layerwise_learning_rate_multipliers(model, DECAY),
        weight_decay=0.1,
    )
    optimizer.exclude_from_weight_decay(var_names=["embeddings"])
    for v in model.trainable_variables:
        v.assign(keras.ops.ones(v.shape))
    moved = _measured_rates(optimizer, model, 0.0)
    for path, change in moved.items():
        excluded = not is_decayed(path) or path.endswith("/embeddings")
        assert (change == 0.0) == excluded, path
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["kernel"])
