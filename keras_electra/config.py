"""`ElectraConfig`: the sizes and pre-training constants of an ELECTRA model."""

import dataclasses
import json

from keras_electra.presets import get_preset

# The values of `ElectraConfig.activation`: exact (erf) gelu, and the tanh
# approximation that keras-hub's `ElectraBackbone` uses.
ACTIVATIONS = ("gelu", "gelu_approximate")


@dataclasses.dataclass(frozen=True)
class ElectraConfig:
    """Sizes of the generator/discriminator pair and the pre-training loss.

    The masking settings (`mask_rate`, ...) are not part of the model: they
    belong to the data (`keras_electra.data.mask_tokens`, and each
    preset's `pretraining["mask_rate"]`).

    Build one from a named preset (`tiny`, `small`, `base`, `large`) with
    `ElectraConfig.from_preset(name, **overrides)`; every field can be
    overridden. The config round-trips through JSON (`to_json`/`from_json`).

    Args:
        vocabulary_size: int. Size of the WordPiece vocabulary.
        num_layers: int. Transformer layers of the discriminator.
        hidden_dim: int. Hidden size of the discriminator.
        num_heads: int. Attention heads of the discriminator.
        intermediate_dim: int. Feed-forward size of the discriminator.
        embedding_dim: int. Size of the shared token/position/segment
            embeddings; each tower projects it to its own hidden size.
        generator_hidden_dim: int. Hidden size of the generator.
        generator_num_heads: int. Attention heads of the generator.
        generator_intermediate_dim: int. Feed-forward size of the generator.
        generator_num_layers: int or None. Generator depth; `None` means the
            discriminator's depth, as in the paper.
        max_sequence_length: int. Number of position embeddings.
        num_segments: int. Number of segment (token type) embeddings.
        dropout: float. Dropout of embeddings, attention and feed-forward.
        mlm_weight: float. Weight of the generator's masked-LM loss.
        disc_weight: float. Weight of the discriminator loss (lambda = 50).
        temperature: float. Sampling temperature of the generator.
        activation: str. Every gelu of the model (feed-forward layers and
            both heads): `"gelu"`, exact (erf) gelu as Google's and Hugging
            Face's ELECTRA use (the default), or `"gelu_approximate"`, the
            tanh approximation of keras-hub's `ElectraBackbone` weights.
            Configs written before this field load with `"gelu"`.

    Example:
    ```python
    config = keras_electra.ElectraConfig.from_preset("small", dropout=0.0)
    config.generator_hidden_dim  # 64
    ```
    """

    vocabulary_size: int = 30522
    num_layers: int = 12
    hidden_dim: int = 256
    num_heads: int = 4
    intermediate_dim: int = 1024
    embedding_dim: int = 128
    generator_hidden_dim: int = 64
    generator_num_heads: int = 1
    generator_intermediate_dim: int = 256
    generator_num_layers: int = None
    max_sequence_length: int = 512
    num_segments: int = 2
    dropout: float = 0.1
    mlm_weight: float = 1.0
    disc_weight: float = 50.0
    temperature: float = 1.0
    activation: str = "gelu"

    def __post_init__(self):
        for name in (
            "vocabulary_size",
            "num_layers",
            "hidden_dim",
            "num_heads",
            "intermediate_dim",
            "embedding_dim",
            "generator_hidden_dim",
            "generator_num_heads",
            "generator_intermediate_dim",
            "max_sequence_length",
            "num_segments",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"ElectraConfig.{name} must be a positive integer, "
                    f"got {value!r}."
                )
        for hidden, heads, tower in (
            (self.hidden_dim, self.num_heads, ""),
            (self.generator_hidden_dim, self.generator_num_heads, "generator_"),
        ):
            if hidden % heads:
                raise ValueError(
                    f"ElectraConfig.{tower}hidden_dim={hidden} is not "
                    f"divisible by {tower}num_heads={heads}."
                )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(
                f"ElectraConfig.dropout must be in [0, 1), got {self.dropout!r}."
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"ElectraConfig.activation must be one of "
                f"{', '.join(ACTIVATIONS)}, got {self.activation!r}."
            )
        if self.temperature <= 0:
            raise ValueError(
                "ElectraConfig.temperature must be positive, got "
                f"{self.temperature!r}."
            )

    @classmethod
    def from_preset(cls, name, **overrides):
        """Returns the config of preset `name` with `overrides` applied.

        The sizes come from `keras_electra.presets`.
        """
        sizes = get_preset(name).model
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(
                f"Unknown ElectraConfig field(s): {', '.join(sorted(unknown))}."
            )
        return cls(**{**sizes, **overrides})

    def replace(self, **changes):
        """Returns a copy with `changes` applied."""
        return dataclasses.replace(self, **changes)

    @property
    def generator_depth(self):
        return self.generator_num_layers or self.num_layers

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        """The config of `values` (a `to_dict()`); unknown fields are an error."""
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(
                f"Unknown ElectraConfig field(s): {', '.join(sorted(unknown))}."
            )
        return cls(**values)

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))
