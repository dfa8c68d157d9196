"""`PretrainConfig`: flags resolved over the preset registry, checked before
any slow import, and the settings a resume must share."""

import subprocess
import sys

import pytest

from keras_electra import TextNormalization
from keras_electra.presets import PRESET_NAMES
from keras_electra.presets import get_preset
from keras_electra.pretrain.config import RESUME_KEYS
from keras_electra.pretrain.config import PretrainConfig
from keras_electra.pretrain.config import resume_conflict


def test_defaults_come_from_the_preset_registry():
    for name in PRESET_NAMES:
        config = PretrainConfig(preset=name).resolved()
        preset = get_preset(name).pretraining
        assert (config.sequence_length, config.batch_size, config.steps,
                config.learning_rate, config.mask_rate) == (
            preset["sequence_length"], preset["batch_size"], preset["steps"],
            preset["learning_rate"], preset["mask_rate"])
    assert PretrainConfig(preset="large").resolved().mask_rate == 0.25
    assert PretrainConfig(preset="small").resolved().warmup_steps == 10_000
    assert PretrainConfig().resolved().warmup_steps == 40  # tiny: 400 // 10
    assert PretrainConfig().resolved().model_dir.endswith("electra_tiny")


def test_given_values_win_over_the_preset():
    config = PretrainConfig(preset="small", batch_size=16, sequence_length=64,
                            normalization=TextNormalization(False)).resolved()
    assert (config.batch_size, config.sequence_length) == (16, 64)
    assert config.settings()["lower_case"] is False
    assert config.settings()["strip_accents"] is False


@pytest.mark.parametrize("changes, message", [
    (dict(steps=0), "--steps must be positive, got 0"),
    (dict(sequence_length=4), "--seq-len must be at least 5"),
    (dict(batch_size=8, grad_accum_steps=3), "--batch-size 8 is not divisible by --grad-accum-steps 3"),
    (dict(mask_rate=1.5), "--mask-rate must be in (0, 1)"),
    (dict(mixed_precision="fp8"), "--mixed-precision 'fp8' is not one of"),
    (dict(remat="all"), "--remat 'all' is not one of none, layers, full"),
    (dict(preset="huge"), "Unknown ELECTRA preset 'huge'"),
])
def test_bad_values_name_their_flag(changes, message):
    with pytest.raises(ValueError) as error:
        PretrainConfig(**changes).resolved()
    assert message in str(error.value)


def test_a_resume_must_share_the_data_and_shape_settings():
    old = PretrainConfig().resolved().settings()
    assert resume_conflict(old, {**old, "steps": 800, "learning_rate": 1e-3}) is None
    assert resume_conflict(old, {**old, "remat": "layers"}) is None
    assert resume_conflict(old, {**old, "sequence_length": 32}) == "--seq-len 128, not 32"
    assert "config num_layers=2, not 3" == resume_conflict(
        {**old, "config": {"num_layers": 2}}, {**old, "config": {"num_layers": 3}})
    assert {"mask_rate", "strip_accents", "sequence_length"} <= set(RESUME_KEYS)


def test_resolving_imports_neither_keras_nor_tensorflow():
    code = ("import sys\nfrom keras_electra.pretrain.config import PretrainConfig\n"
            "PretrainConfig(preset='base').resolved()\nimport keras_electra.cli\n"
            "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_objective_picks_the_masking_and_is_a_resume_key():
    electra = PretrainConfig().resolved()
    mlm = PretrainConfig(objective="mlm").resolved()
    assert (electra.mask_token_rate, electra.random_token_rate) == (0.85, 0.0)
    assert (mlm.mask_token_rate, mlm.random_token_rate) == (0.8, 0.1)
    assert mlm.settings()["objective"] == "mlm"
    assert mlm.settings()["random_token_rate"] == 0.1
    assert "objective" in RESUME_KEYS
    assert resume_conflict(electra.settings(), mlm.settings()) == (
        "--objective 'electra', not 'mlm'")
    # A run recorded before the objective existed was an ELECTRA run.
    old = {k: v for k, v in electra.settings().items() if k != "objective"}
    assert resume_conflict(old, electra.settings()) is None
    assert resume_conflict(old, mlm.settings()) == "--objective 'electra', not 'mlm'"


def test_compute_budgets_are_checked_and_may_change_on_resume():
    for key in ("max_train_flops", "max_minutes"):
        assert key not in RESUME_KEYS
        assert PretrainConfig(**{key: None}).resolved()
    old = PretrainConfig(max_train_flops=1e12, max_minutes=5).resolved()
    new = PretrainConfig(max_train_flops=1e15, max_minutes=60).resolved()
    assert resume_conflict(old.settings(), new.settings()) is None
    with pytest.raises(ValueError, match="--max-train-flops must be positive, got 0"):
        PretrainConfig(max_train_flops=0).resolved()
    with pytest.raises(ValueError, match="--max-minutes must be positive, got -1"):
        PretrainConfig(max_minutes=-1).resolved()
    with pytest.raises(ValueError, match="--objective 'bert' is not one of electra, mlm"):
        PretrainConfig(objective="bert").resolved()
