"""`ElectraTaskModel`: what the fine-tuning models share."""

import keras

from keras_electra.models.electra_encoder import ElectraEncoder


class ElectraTaskModel(keras.Model):
    """A functional model of an `ElectraEncoder` and a task head.

    The base of `ElectraClassifier`, `ElectraTokenTagger` and
    `ElectraSpanPredictor`. It holds what they have in common:

    * `check_encoder`: the one error for an encoder of the wrong type;
    * `default_optimizer`: the optimizer `compile(optimizer="auto")` uses;
    * serialization: `get_config` is the encoder (serialized) plus the
      head's constructor arguments, which a subclass returns from
      `head_config()`; `from_config` rebuilds the encoder first;
    * `compile_from_config`, so a saved training configuration goes back
      through the subclass's `compile` defaults as Keras' own would.

    Subclasses build the functional graph in `__init__` (on
    `encoder.input`) and call `super().__init__(inputs=..., outputs=...)`.
    """

    @classmethod
    def check_encoder(cls, encoder):
        """Raises `ValueError` unless `encoder` is an `ElectraEncoder`."""
        if not isinstance(encoder, ElectraEncoder):
            raise ValueError(
                f"{cls.__name__} needs an ElectraEncoder, got "
                f"{type(encoder).__name__}."
            )

    @staticmethod
    def default_optimizer():
        """AdamW at 1e-4 with the original's epsilon 1e-6. The recipes pass
        `keras_electra.finetune.layerwise_adamw(...)` instead."""
        return keras.optimizers.AdamW(1e-4, epsilon=1e-6)

    def head_config(self):
        """The head's constructor arguments, as a dict."""
        raise NotImplementedError

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "encoder": keras.layers.serialize(self.encoder),
            **self.head_config(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("encoder"), dict):
            config["encoder"] = keras.layers.deserialize(config["encoder"])
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
