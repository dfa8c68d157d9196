"""Layer-wise learning-rate decay for fine-tuning (AdamW, every backend).

ELECTRA fine-tunes with a learning rate that shrinks geometrically from the
top of the network to the bottom: with `L` transformer layers and decay
`d`, the task head gets the full rate, the top layer `d`, the layer below
`d**2`, ..., the bottom layer `d**L` and the embeddings (and their
projection) `d**(L + 1)`.

The original (`google-research/electra`, `model/optimization.py`
`_get_layer_lrs`) puts the head at depth `L + 2` instead of `L + 1`, so
every encoder rate is one factor `d` smaller than stated: its top layer
gets `d**2`, its embeddings `d**(L + 2)` (GR issue #51, acknowledged by
the authors). This module implements the stated rule.

How: `LayerwiseAdamW` is Keras' `Adam` with one learning-rate multiplier
per variable, looked up by variable path when the optimizer is built and
applied inside `update_step`, the public per-variable hook that Keras
calls with the scheduled learning rate on every backend (TensorFlow, also
under `tf.distribute`; JAX, inside `stateless_apply`; PyTorch). Scaling
the gradients instead would not work: Adam normalizes them away.
Decoupled weight decay is applied in the same hook with the same
per-variable rate, as the original does (Keras' own weight decay, which
would use the global rate, stays off).
"""

import keras
from keras import ops

from keras_electra.models.dense_gradients import DenseEmbeddingGradients
from keras_electra.models.replicas import ClipGlobalNormAfterReplicaSum
from keras_electra.optimization import LinearWarmupLinearDecay
from keras_electra.optimization import is_decayed


def layerwise_learning_rate_multipliers(model, decay):
    """Per-variable learning-rate multipliers of layer-wise decay.

    Args:
        model: an `ElectraClassifier` or a task (any model with an
            `encoder` or keras-hub `backbone` attribute holding an
            `ElectraEncoder`), or an `ElectraEncoder`.
            Trainable variables outside the encoder belong to the head.
        decay: float in (0, 1]. Factor per layer, from the top.

    Returns:
        A dict `{variable path: multiplier}` over `model.trainable_variables`:
        head 1.0, transformer layer `i` of `L` (0 at the bottom)
        `decay ** (L - i)`, embeddings and embedding projection
        `decay ** (L + 1)`.

    Example:
    ```python
    multipliers = layerwise_learning_rate_multipliers(classifier, 0.8)
    multipliers["discriminator/transformer_layer_11/feedforward_output_dense/kernel"]
    # 0.8 for a 12-layer encoder
    ```
    """
    if not 0.0 < decay <= 1.0:
        raise ValueError(f"layer-wise decay must be in (0, 1], got {decay!r}")
    encoder = getattr(model, "backbone", None) or getattr(model, "encoder", model)
    num_layers = len(encoder.transformer_layers)
    groups = [(encoder.embeddings, num_layers + 1)]
    if encoder.embeddings_projection is not None:
        groups.append((encoder.embeddings_projection, num_layers + 1))
    for index, layer in enumerate(encoder.transformer_layers):
        groups.append((layer, num_layers - index))
    depth_of = {}
    for layer, depth in groups:
        for variable in layer.trainable_variables:
            depth_of[id(variable)] = depth
    encoder_ids = {id(v) for v in encoder.trainable_variables}
    unassigned = [v.path for v in encoder.trainable_variables if id(v) not in depth_of]
    if unassigned:
        raise ValueError(
            "Cannot place encoder variable(s) in a layer: " + ", ".join(unassigned)
        )
    multipliers = {}
    for variable in model.trainable_variables:
        depth = depth_of.get(id(variable), 0)
        if id(variable) not in encoder_ids:
            depth = 0
        if variable.path in multipliers:
            raise ValueError(
                f"Two trainable variables share the path {variable.path!r}; "
                "layer-wise decay identifies variables by path."
            )
        multipliers[variable.path] = float(decay**depth)
    return multipliers


@keras.saving.register_keras_serializable(package="keras_electra")
class LayerwiseAdamW(
    DenseEmbeddingGradients, ClipGlobalNormAfterReplicaSum, keras.optimizers.Adam
):
    """AdamW whose learning rate is scaled per variable.

    Each variable is updated with `learning_rate * multiplier`, where the
    multiplier comes from `learning_rate_multipliers` by variable path (see
    `layerwise_learning_rate_multipliers`); its decoupled weight decay,
    `variable -= weight_decay * learning_rate * multiplier * variable`
    before the Adam step, uses the same scaled rate. LayerNorm and bias
    variables are never decayed (`keras_electra.optimization.is_decayed`),
    nor those passed to `exclude_from_weight_decay`. Every trainable
    variable the optimizer is built for must have a multiplier, so a head
    or layer cannot silently train at the wrong rate.

    `global_clipnorm` clips the gradient summed over replicas
    (`keras_electra.models.replicas.ClipGlobalNormAfterReplicaSum`).

    Built on Keras' public optimizer API: `keras.optimizers.Adam`
    with Keras' own (global-rate) weight decay off, and the per-variable
    rate and decay applied in `update_step`. The arguments and `get_config`
    are those of `keras.optimizers.AdamW` plus `learning_rate_multipliers`,
    so optimizers saved with earlier versions (a subclass of `AdamW`)
    load unchanged.

    Args:
        learning_rate: float or `LearningRateSchedule`: the head's rate.
        learning_rate_multipliers: dict `{variable path: float}`.
        weight_decay: float. Decoupled weight decay. Defaults to 0.004, as
            `keras.optimizers.AdamW`.
        **kwargs: `keras.optimizers.Adam` arguments (`epsilon`,
            `global_clipnorm`, ...).

    Example:
    ```python
    optimizer = LayerwiseAdamW(
        1e-4, layerwise_learning_rate_multipliers(classifier, 0.8),
        weight_decay=0.01, epsilon=1e-6,
    )
    ```
    """

    def __init__(
        self, learning_rate, learning_rate_multipliers, weight_decay=0.004, **kwargs
    ):
        if weight_decay is None:
            raise ValueError("LayerwiseAdamW needs a float weight_decay, got None")
        # Keras' own weight decay uses the global rate: keep it off.
        super().__init__(learning_rate=learning_rate, weight_decay=None, **kwargs)
        self.decoupled_weight_decay = float(weight_decay)
        self.learning_rate_multipliers = {
            str(path): float(m) for path, m in learning_rate_multipliers.items()
        }
        self._excluded_paths = frozenset()
        self._excluded_names = ()
        self._settings = {}

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes more variables from weight decay (before `build`).

        LayerNorm and bias variables are always excluded. As in Keras,
        `var_names` excludes every variable whose name contains one of the
        strings, and each call replaces the previous one's exclusions.
        """
        if self.built:
            raise ValueError(
                "exclude_from_weight_decay() must be called before the "
                "optimizer is built."
            )
        self._excluded_paths = frozenset(v.path for v in var_list or ())
        self._excluded_names = tuple(var_names or ())

    def build(self, var_list):
        if self.built:
            return
        missing = [
            v.path for v in var_list if v.path not in self.learning_rate_multipliers
        ]
        if missing:
            raise ValueError(
                "LayerwiseAdamW has no learning-rate multiplier for "
                f"{len(missing)} variable(s), e.g. {missing[0]!r}."
            )
        super().build(var_list)
        settings = {}
        for variable in var_list:
            decayed = (
                is_decayed(variable.path)
                and variable.path not in self._excluded_paths
                and not any(n in variable.name for n in self._excluded_names)
            )
            entry = (self.learning_rate_multipliers[variable.path], decayed)
            for key in _update_step_keys(variable):
                settings[key] = entry
        self._settings = settings

    def update_step(self, gradient, variable, learning_rate):
        try:
            multiplier, decayed = self._settings[id(variable)]
        except KeyError:
            raise ValueError(
                f"LayerwiseAdamW was not built for variable {variable.name!r} "
                "(under tf.distribute, build it in the model's strategy scope)."
            ) from None
        learning_rate = ops.multiply(
            ops.cast(learning_rate, variable.dtype), multiplier
        )
        if decayed and self.decoupled_weight_decay:
            decay = ops.cast(self.decoupled_weight_decay, variable.dtype)
            self.assign_sub(variable, variable * decay * learning_rate)
        super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        config = super().get_config()
        config["weight_decay"] = self.decoupled_weight_decay
        config["learning_rate_multipliers"] = dict(self.learning_rate_multipliers)
        return config


def _update_step_keys(variable):
    """The ids of what `update_step` may receive for a Keras `variable`.

    JAX and PyTorch pass the Keras variable itself; TensorFlow passes the
    `tf.Variable` it holds, and under a `tf.distribute` strategy each
    replica's copy of it in turn.
    """
    keys = {id(variable)}
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        value = variable.value
        keys.add(id(value))
        strategy = tf.distribute.get_strategy()
        keys.update(id(v) for v in strategy.experimental_local_results(value))
    return keys


def layerwise_adamw(
    model,
    learning_rate,
    layer_decay,
    *,
    total_steps,
    warmup_fraction=0.1,
    weight_decay=0.01,
    epsilon=1e-6,
    global_clipnorm=1.0,
):
    """The original's fine-tuning optimizer for `model`.

    AdamW (beta 0.9/0.999, epsilon 1e-6, gradients clipped to global norm
    1.0) with layer-wise learning-rate decay; the rate follows
    `keras_electra.optimization.LinearWarmupLinearDecay` (warm-up over
    `warmup_fraction` of the steps, linear decay to 0 at `total_steps`);
    weight decay skips LayerNorm and bias variables
    (`keras_electra.optimization.is_decayed`).

    Args:
        model: the `ElectraClassifier` to train.
        learning_rate: float. Peak rate of the head.
        layer_decay: float. Layer-wise decay factor (0.8; 0.9 for large).
        total_steps: int. Optimizer steps of the whole run.
        warmup_fraction: float. Share of `total_steps` spent warming up.
        weight_decay: float. Decoupled weight decay. Defaults to 0.01.
        epsilon: float. Adam epsilon. Defaults to 1e-6.
        global_clipnorm: float or None. Defaults to 1.0.

    Returns:
        A `LayerwiseAdamW`.
    """
    schedule = LinearWarmupLinearDecay(
        learning_rate,
        warmup_steps=int(round(warmup_fraction * total_steps)),
        total_steps=max(int(total_steps), 1),
    )
    return LayerwiseAdamW(
        schedule,
        layerwise_learning_rate_multipliers(model, layer_decay),
        weight_decay=weight_decay,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=epsilon,
        global_clipnorm=global_clipnorm,
    )
