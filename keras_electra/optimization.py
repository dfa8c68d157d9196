"""ELECTRA's pre-training optimizer: AdamW with linear warm-up and decay.

Model-side code: Keras only, no TensorFlow import, so it runs on every
backend.
"""

import re

import keras
from keras import ops

from keras_electra.models.dense_gradients import DenseEmbeddingGradients
from keras_electra.models.replicas import ClipGlobalNormAfterReplicaSum

# The original (`model/optimization.py`) skips weight decay for every
# variable whose name contains "LayerNorm", "layer_norm" or "bias".
NO_DECAY_PATTERN = re.compile(r"layer_norm|LayerNorm|(^|/|_)bias$")


@keras.saving.register_keras_serializable(package="keras_electra")
class LinearWarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """ELECTRA's learning rate: linear warm-up and linear decay to zero.

    As the original (`model/optimization.py`), the rate decays linearly from
    `peak` at step 0 to 0 at `total_steps` and is multiplied by the warm-up
    ramp `min(1, step / warmup_steps)`:

    `lr(s) = peak * max(0, 1 - s / total_steps) * min(1, s / warmup_steps)`

    So it rises linearly from 0, reaches `peak * (1 - warmup_steps /
    total_steps)` at the end of warm-up (99% of `peak` for the paper's
    10,000 of 1,000,000 steps), then falls linearly to 0 at `total_steps`
    and stays there.

    Under gradient accumulation Keras passes the schedule the count of
    micro-batches; `gradient_accumulation_steps` converts it back to
    optimizer updates, so `warmup_steps` and `total_steps` always count
    updates.

    Args:
        peak_learning_rate: float. Where the decay line starts (step 0);
            the `--learning-rate` of the original.
        warmup_steps: int. Updates of linear warm-up from 0; 0 for none.
        total_steps: int. Update at which the learning rate reaches 0.
        gradient_accumulation_steps: int. Micro-batches per update (1 for
            none). Defaults to 1.

    Example:
    ```python
    schedule = LinearWarmupLinearDecay(5e-4, warmup_steps=10_000,
                                       total_steps=1_000_000)
    float(schedule(5_000))      # 2.4875e-4 = 5e-4 * 0.995 * 0.5
    float(schedule(10_000))     # 4.95e-4   = 5e-4 * 0.99
    float(schedule(1_000_000))  # 0.0
    ```
    """

    def __init__(
        self,
        peak_learning_rate,
        warmup_steps,
        total_steps,
        gradient_accumulation_steps=1,
    ):
        if peak_learning_rate <= 0:
            raise ValueError(
                "peak_learning_rate must be positive, got "
                f"{peak_learning_rate!r}"
            )
        if warmup_steps < 0 or total_steps < 1:
            raise ValueError(
                "need warmup_steps >= 0 and total_steps >= 1, got "
                f"warmup_steps={warmup_steps!r}, total_steps={total_steps!r}"
            )
        if gradient_accumulation_steps < 1:
            raise ValueError(
                "gradient_accumulation_steps must be positive, got "
                f"{gradient_accumulation_steps!r}"
            )
        self.peak_learning_rate = float(peak_learning_rate)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = int(total_steps)
        self.gradient_accumulation_steps = int(gradient_accumulation_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        if self.gradient_accumulation_steps > 1:
            step = ops.floor(step / self.gradient_accumulation_steps)
        rate = self.peak_learning_rate * ops.maximum(
            0.0, 1.0 - step / float(self.total_steps)
        )
        if self.warmup_steps:
            rate = rate * ops.minimum(1.0, step / float(self.warmup_steps))
        return rate

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "total_steps": self.total_steps,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }


def is_decayed(variable_path):
    """Whether ELECTRA applies weight decay to the variable at this path.

    LayerNorm variables (`gamma`, `beta` under a `*layer_norm*` layer) and
    biases (`bias`, `output_bias`) are not decayed; everything else is.

    Args:
        variable_path: str. A Keras variable path, e.g.
            `"discriminator/transformer_layer_0/feedforward_output_dense/bias"`.

    Returns:
        bool.
    """
    return NO_DECAY_PATTERN.search(variable_path) is None


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraAdamW(
    DenseEmbeddingGradients, ClipGlobalNormAfterReplicaSum, keras.optimizers.AdamW
):
    """`keras.optimizers.AdamW` whose `global_clipnorm` clips the gradient
    summed over replicas (`ClipGlobalNormAfterReplicaSum`), so training on
    N replicas updates as on one device, and whose embedding gradients are
    dense on TensorFlow (`DenseEmbeddingGradients`), so Adam sees the sum
    of a token's lookups."""


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraLamb(
    DenseEmbeddingGradients, ClipGlobalNormAfterReplicaSum, keras.optimizers.Adam
):
    """LAMB (You et al., ICLR 2020, Algorithm 2) for large-batch pre-training.

    Per variable: Adam's bias-corrected direction `r = m_hat / (sqrt(v_hat) +
    epsilon)`, plus `weight_decay * w` inside the update, scaled by the
    trust ratio `||w|| / ||u||`: `w -= learning_rate * ||w|| / ||u|| * u`
    with `u = r + weight_decay * w`. Variables excluded from weight decay
    (LayerNorm and biases, as `electra_optimizer` sets) are also excluded
    from the trust ratio (ratio 1), as NVIDIA's LAMB for ELECTRA does; a
    zero norm also gives ratio 1.

    `keras.optimizers.Lamb` differs from the paper: its weight decay is
    decoupled (applied before the update, outside the trust ratio) and it
    has no exclusions, so this is written on `keras.optimizers.Adam`.

    Args:
        learning_rate: float or `LearningRateSchedule`.
        weight_decay: float. Decay inside the update (`lambda`).
        **kwargs: as `keras.optimizers.Adam` (`beta_1`, `beta_2`,
            `epsilon`, `global_clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.01, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)

    def _apply_weight_decay(self, variables):
        pass  # Inside the update and its trust ratio, in `update_step`.

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        step = ops.cast(self.iterations + 1, variable.dtype)
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(
            v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2)
        )
        m_hat = m / (1 - ops.power(ops.cast(self.beta_1, variable.dtype), step))
        v_hat = v / (1 - ops.power(ops.cast(self.beta_2, variable.dtype), step))
        update = m_hat / (ops.sqrt(v_hat) + self.epsilon)
        if self._use_weight_decay(variable):  # Not LayerNorm, not a bias.
            if self.weight_decay:
                update = update + ops.cast(self.weight_decay, variable.dtype) * variable
            weight_norm = ops.sqrt(ops.sum(ops.square(variable)))
            update_norm = ops.sqrt(ops.sum(ops.square(update)))
            usable = ops.logical_and(
                ops.greater(weight_norm, 0.0), ops.greater(update_norm, 0.0)
            )
            ratio = ops.where(usable, weight_norm / ops.where(usable, update_norm, 1.0), 1.0)
            update = update * ratio
        self.assign_sub(variable, lr * update)


# `--optimizer` of the pre-training recipe.
OPTIMIZERS = {"adamw": ElectraAdamW, "lamb": ElectraLamb}


def electra_optimizer(
    learning_rate,
    variables,
    *,
    algorithm="adamw",
    weight_decay=0.01,
    epsilon=1e-6,
    global_clipnorm=1.0,
    gradient_accumulation_steps=None,
):
    """ELECTRA's pre-training optimizer: AdamW (the paper's) or LAMB.

    Beta 0.9/0.999, epsilon 1e-6, weight decay 0.01 that skips LayerNorm
    and bias variables (decoupled for AdamW; inside the trust-ratio update,
    whose layer adaptation skips the same variables, for LAMB), gradients
    clipped to global norm 1.0.

    The exclusion is made by variable *path*: Keras' name-based
    `exclude_from_weight_decay(var_names=...)` matches only a variable's
    short name (`gamma`, not `embeddings/layer_norm/gamma`), so it cannot
    tell LayerNorm scales apart; this passes the variables themselves
    (`var_list`), which works on every backend.

    One difference from the original remains: Keras' Adam corrects the
    moment estimates for their zero initialization (bias correction), the
    original's `AdamWeightDecayOptimizer` does not. The correction matters
    only in the first few thousand steps, which the warm-up covers.

    Args:
        learning_rate: float or `LearningRateSchedule` (e.g.
            `LinearWarmupLinearDecay`).
        variables: the trainable variables of the model, to pick the ones
            that are not decayed (`model.trainable_variables`).
        algorithm: str. `"adamw"` (`ElectraAdamW`) or `"lamb"`
            (`ElectraLamb`). Defaults to `"adamw"`.
        weight_decay: float. Decoupled weight decay rate. Defaults to 0.01.
        epsilon: float. Adam epsilon. Defaults to 1e-6.
        global_clipnorm: float or None. Gradient global-norm clip. Defaults
            to 1.0.
        gradient_accumulation_steps: int or None. Average the gradients of
            this many batches per update (Keras' own accumulation).

    Returns:
        An `ElectraAdamW` (a `keras.optimizers.AdamW`) or `ElectraLamb`.

    Example:
    ```python
    pretrainer = keras_electra.ElectraPretrainer("small")
    schedule = LinearWarmupLinearDecay(5e-4, 10_000, 1_000_000)
    pretrainer.compile(
        optimizer=electra_optimizer(schedule, pretrainer.trainable_variables)
    )
    ```
    """
    if algorithm not in OPTIMIZERS:
        raise ValueError(
            f"optimizer {algorithm!r} is not one of {', '.join(OPTIMIZERS)}"
        )
    if gradient_accumulation_steps is not None and gradient_accumulation_steps < 2:
        gradient_accumulation_steps = None
    optimizer = OPTIMIZERS[algorithm](
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=epsilon,
        global_clipnorm=global_clipnorm,
        gradient_accumulation_steps=gradient_accumulation_steps,
    )
    excluded = [v for v in variables if not is_decayed(v.path)]
    optimizer.exclude_from_weight_decay(var_list=excluded)
    return optimizer
