"""The towers of an ELECTRA config, built in one place: the shared
embedding block, the generator and the discriminator.

`ElectraPretrainer`, `MaskedLMPretrainer`, the fine-tuning loader and the
checkpoint converter all build their encoders here, so a config field
(e.g. `activation`) reaches every tower the same way and variable paths
(`embeddings/...`, `generator/...`, `discriminator/...`) never differ.
"""

import keras

from keras_electra.config import ElectraConfig
from keras_electra.layers.embeddings import ElectraEmbeddings
from keras_electra.models.electra_encoder import ElectraEncoder


def as_electra_config(config):
    """An `ElectraConfig` from a config, its dict or a preset name."""
    if isinstance(config, str):
        return ElectraConfig.from_preset(config)
    if isinstance(config, dict):
        return ElectraConfig.from_dict(config)
    return config


def shared_embeddings(config, dtype=None):
    """The embedding block both towers share, built at once so that its
    variables live under `embeddings/`, not under whichever tower calls it
    first."""
    embeddings = ElectraEmbeddings(
        vocabulary_size=config.vocabulary_size,
        embedding_dim=config.embedding_dim,
        max_sequence_length=config.max_sequence_length,
        num_segments=config.num_segments,
        dropout=config.dropout,
        dtype=dtype,
        name="embeddings",
    )
    embeddings.build((None, None))
    return embeddings


def _tower(config, name, sizes, embeddings, dtype):
    return ElectraEncoder(
        vocabulary_size=config.vocabulary_size,
        embedding_dim=config.embedding_dim,
        max_sequence_length=config.max_sequence_length,
        num_segments=config.num_segments,
        dropout=config.dropout,
        activation=config.activation,
        embeddings=embeddings,
        dtype=dtype,
        name=name,
        **sizes,
    )


def discriminator_tower(config, embeddings=None, dtype=None):
    """The discriminator `ElectraEncoder` of `config` (its own embeddings
    unless `embeddings` is given)."""
    return _tower(config, "discriminator", dict(
        num_layers=config.num_layers,
        hidden_dim=config.hidden_dim,
        num_heads=config.num_heads,
        intermediate_dim=config.intermediate_dim,
    ), embeddings, dtype)


def generator_tower(config, embeddings=None, dtype=None):
    """The generator `ElectraEncoder` of `config`."""
    return _tower(config, "generator", dict(
        num_layers=config.generator_depth,
        hidden_dim=config.generator_hidden_dim,
        num_heads=config.generator_num_heads,
        intermediate_dim=config.generator_intermediate_dim,
    ), embeddings, dtype)


class ElectraConfigModel(keras.Model):
    """A model built from one `ElectraConfig`, a sampling `seed` and a
    remat mode (`self.config`, `self.seed`, `self.remat`), serialized as
    exactly those: the shared
    `get_config` / `from_config` of `ElectraPretrainer` and
    `MaskedLMPretrainer`."""

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "config": self.config.to_dict(),
            "seed": self.seed,
            "remat": self.remat,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
