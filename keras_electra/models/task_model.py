"""`ElectraTaskModel`: what the fine-tuning models share."""

import keras

from keras_electra.models.electra_encoder import ElectraEncoder


class ElectraTaskModel(keras.Model):
    """A functional model of an `ElectraEncoder` and a task head.

    The base of `ElectraClassifier`, `ElectraTokenTagger` and
    `ElectraSpanPredictor`. It holds what they have in common:

    * `check_encoder`: the one error for an encoder of the wrong type;
    * `build_functional`: the graph `encoder.input` -> the head's outputs;
    * `compile`, whose `"auto"` arguments take `default_optimizer()` and
      the subclass's `default_loss()` and `default_metrics()`;
    * serialization: `get_config` is the encoder (serialized) plus the
      head's constructor arguments, which a subclass returns from
      `head_config()`; `from_config` rebuilds the encoder first;
    * `compile_from_config`, so a saved training configuration goes back
      through the subclass's `compile` defaults as Keras' own would.

    Subclasses build their head in `__init__`, then call
    `build_functional` with its outputs.
    """

    @classmethod
    def check_encoder(cls, encoder):
        """Raises `ValueError` unless `encoder` is an `ElectraEncoder`."""
        if not isinstance(encoder, ElectraEncoder):
            raise ValueError(
                f"{cls.__name__} needs an ElectraEncoder, got "
                f"{type(encoder).__name__}."
            )

    def build_functional(self, encoder, outputs, default_name, dtype=None, **kwargs):
        """Makes this the functional model `encoder.input` -> `outputs`,
        called `default_name` unless `kwargs` names it."""
        kwargs.setdefault("name", default_name)
        # The next class in the MRO: `keras.Model` the first time (which
        # makes these classes functional), `Functional` afterwards.
        super(ElectraTaskModel, self).__init__(
            inputs=encoder.input, outputs=outputs, dtype=dtype, **kwargs
        )
        self.encoder = encoder

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Configures training; `"auto"` picks the task's defaults.

        Args:
            optimizer: `"auto"` (AdamW, lr 1e-4, epsilon 1e-6) or any
                optimizer. The recipes pass
                `keras_electra.finetune.layerwise_adamw(...)`.
            loss: `"auto"`: the task's loss (`default_loss()`).
            metrics: `"auto"`: the task's metrics (`default_metrics()`).
            **kwargs: passed to `keras.Model.compile`.
        """
        if optimizer == "auto":
            optimizer = self.default_optimizer()
        if loss == "auto":
            loss = self.default_loss()
        if metrics == "auto":
            metrics = self.default_metrics()
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def default_loss(self):
        """The loss `compile(loss="auto")` uses."""
        raise NotImplementedError

    def default_metrics(self):
        """The metrics `compile(metrics="auto")` uses; none by default."""
        return None

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
