import json

import pytest

from keras_electra import ElectraConfig
from keras_electra.presets import get_preset


@pytest.mark.parametrize(
    "preset, sizes",
    [
        ("small", (12, 256, 4, 1024, 128, 64, 1, 256)),
        ("base", (12, 768, 12, 3072, 768, 256, 4, 1024)),
        ("large", (24, 1024, 16, 4096, 1024, 256, 4, 1024)),
        ("tiny", (2, 128, 2, 512, 128, 32, 1, 128)),
    ],
)
def test_presets_have_the_paper_sizes(preset, sizes):
    config = ElectraConfig.from_preset(preset)
    assert (
        config.num_layers,
        config.hidden_dim,
        config.num_heads,
        config.intermediate_dim,
        config.embedding_dim,
        config.generator_hidden_dim,
        config.generator_num_heads,
        config.generator_intermediate_dim,
    ) == sizes
    assert config.generator_depth == config.num_layers
    assert (config.vocabulary_size, config.max_sequence_length) == (30522, 512)
    assert (config.disc_weight, config.temperature) == (50.0, 1.0)


def test_mask_rate_is_a_data_setting_not_a_model_field():
    assert "mask_rate" not in ElectraConfig().to_dict()
    assert not hasattr(ElectraConfig(), "max_predictions")
    with pytest.raises(ValueError, match="Unknown ElectraConfig field.*mask_rate"):
        ElectraConfig.from_preset("small", mask_rate=0.15)
    # The paper's per-size mask rate lives with the pre-training settings.
    assert get_preset("large").pretraining["mask_rate"] == 0.25
    assert get_preset("small").pretraining["mask_rate"] == 0.15


def test_any_field_can_be_overridden_and_round_trips_through_json():
    config = ElectraConfig.from_preset("small", dropout=0.0, vocabulary_size=8000)
    assert (config.dropout, config.vocabulary_size) == (0.0, 8000)
    restored = ElectraConfig.from_json(config.to_json())
    assert restored == config
    assert json.loads(config.to_json())["vocabulary_size"] == 8000


def test_unknown_preset_or_field_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown ELECTRA preset 'huge'"):
        ElectraConfig.from_preset("huge")
    with pytest.raises(ValueError, match="hidden_size"):
        ElectraConfig.from_preset("small", hidden_size=3)


def test_invalid_sizes_are_rejected_with_the_field_name():
    with pytest.raises(ValueError, match="hidden_dim=102 is not divisible"):
        ElectraConfig.from_preset("small", hidden_dim=102)
    with pytest.raises(ValueError, match="dropout"):
        ElectraConfig.from_preset("small", dropout=1.5)
