"""The preset registry: every named ELECTRA size and its training settings.

One `Preset` per name holds three things:

* `model`: the `ElectraConfig` sizes (Clark et al., 2020, Table 6;
  google-research/electra `configure_pretraining.py`). The generator keeps
  the discriminator's depth and shrinks its width: 1/4 for small and large,
  1/3 for base.
* `pretraining`: the paper's sequence length, batch size, steps, peak
  learning rate and mask rate, and how often a run saves. `tiny` is sized to
  pre-train in about five minutes on two CPU cores.
* `finetuning`: the original's fine-tuning learning rate and layer-wise
  decay (`configure_finetuning.py`, with the README's 3e-4 for
  ELECTRA-Small); `tiny` uses small's.

Pure Python (no Keras, no TensorFlow), so command lines can check a preset
name before any slow import.

Example:
```python
from keras_electra.presets import get_preset
preset = get_preset("small")
preset.model["hidden_dim"]             # 256
preset.pretraining["batch_size"]       # 128
preset.finetuning["learning_rate"]     # 3e-4
```
"""

import dataclasses
import types

# The paper warms up for 10,000 updates at every size.
PAPER_WARMUP_STEPS = 10_000


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named ELECTRA size with its pre-training and fine-tuning defaults.

    Args:
        name: str. The preset's name.
        model: mapping of `ElectraConfig` fields.
        pretraining: mapping with `sequence_length`, `batch_size`, `steps`,
            `learning_rate`, `mask_rate` and `save_every`.
        finetuning: mapping with `learning_rate` and `layer_decay`.
    """

    name: str
    model: types.MappingProxyType
    pretraining: types.MappingProxyType
    finetuning: types.MappingProxyType

    def __post_init__(self):
        for field in ("model", "pretraining", "finetuning"):
            value = types.MappingProxyType(dict(getattr(self, field)))
            object.__setattr__(self, field, value)


PRESETS = {
    preset.name: preset
    for preset in (
        Preset(
            "tiny",
            model=dict(
                num_layers=2, hidden_dim=128, num_heads=2,
                intermediate_dim=512, embedding_dim=128,
                generator_hidden_dim=32, generator_num_heads=1,
                generator_intermediate_dim=128,
            ),
            pretraining=dict(
                sequence_length=128, batch_size=32, steps=400,
                learning_rate=5e-4, mask_rate=0.15, save_every=50,
            ),
            finetuning=dict(learning_rate=3e-4, layer_decay=0.8),
        ),
        Preset(
            "small",
            model=dict(
                num_layers=12, hidden_dim=256, num_heads=4,
                intermediate_dim=1024, embedding_dim=128,
                generator_hidden_dim=64, generator_num_heads=1,
                generator_intermediate_dim=256,
            ),
            pretraining=dict(
                sequence_length=128, batch_size=128, steps=1_000_000,
                learning_rate=5e-4, mask_rate=0.15, save_every=1000,
            ),
            finetuning=dict(learning_rate=3e-4, layer_decay=0.8),
        ),
        Preset(
            "base",
            model=dict(
                num_layers=12, hidden_dim=768, num_heads=12,
                intermediate_dim=3072, embedding_dim=768,
                generator_hidden_dim=256, generator_num_heads=4,
                generator_intermediate_dim=1024,
            ),
            pretraining=dict(
                sequence_length=512, batch_size=256, steps=766_000,
                learning_rate=2e-4, mask_rate=0.15, save_every=1000,
            ),
            finetuning=dict(learning_rate=1e-4, layer_decay=0.8),
        ),
        Preset(
            "large",
            model=dict(
                num_layers=24, hidden_dim=1024, num_heads=16,
                intermediate_dim=4096, embedding_dim=1024,
                generator_hidden_dim=256, generator_num_heads=4,
                generator_intermediate_dim=1024,
            ),
            pretraining=dict(
                sequence_length=512, batch_size=2048, steps=400_000,
                learning_rate=2e-4, mask_rate=0.25, save_every=1000,
            ),
            finetuning=dict(learning_rate=5e-5, layer_decay=0.9),
        ),
    )
}

PRESET_NAMES = tuple(PRESETS)


def get_preset(name):
    """The `Preset` called `name`.

    Raises:
        ValueError: for an unknown name; the message lists the choices.
    """
    if name not in PRESETS:
        raise ValueError(
            f"Unknown ELECTRA preset {name!r}; choose one of "
            f"{', '.join(PRESET_NAMES)}."
        )
    return PRESETS[name]


def preset_of_shape(num_layers, hidden_dim):
    """The name of the preset with this depth and width, or `None`."""
    for preset in PRESETS.values():
        if (preset.model["num_layers"], preset.model["hidden_dim"]) == (
            num_layers,
            hidden_dim,
        ):
            return preset.name
    return None


def finetuning_defaults(encoder):
    """The fine-tuning `learning_rate` and `layer_decay` that suit `encoder`.

    A preset's own shape gives that preset's (`tiny` included); other
    encoders go by width, as the original sizes: up to 256 small, up to 768
    base, larger large.

    Example:
    ```python
    finetuning_defaults(encoder)  # {"learning_rate": 3e-4, "layer_decay": 0.8}
    ```
    """
    name = preset_of_shape(encoder.num_layers, encoder.hidden_dim)
    if name is None:
        name = "small" if encoder.hidden_dim <= 256 else (
            "base" if encoder.hidden_dim <= 768 else "large")
    return dict(get_preset(name).finetuning)
