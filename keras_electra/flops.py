"""Training FLOPs of a pre-training step, counted as the ELECTRA paper does.

Clark et al. (2020) compare models by pre-training compute (Table 1's
"Train FLOPs"), computed by google-research/electra's
`flops_computation.py`. Two conventions are offered here:

* `"matmul"`: matrix
  products only, 2 FLOPs per multiply-add, training = 3 x forward (the
  backward pass of a matrix product costs two products). Per token and
  layer of a tower of width `h`, feed-forward width `i`, at sequence
  length `s`: `8h^2` (query, key, value, output projections) + `4hi`
  (feed-forward) + `4sh` (attention scores and the weighted sum of
  values); plus `2eh` for the embedding projection when the embedding
  width `e` differs from `h`. Embedding lookups are gathers (0 FLOPs).
  Heads: ELECTRA's discriminator head (`2h^2 + 2h` per token); the masked
  LM head (`2 h e + 2 e V` per slot) at the `max_predictions_for(s,
  mask_rate)` mask slots only, which is what the model computes.
* `"paper"` (the default; what `pretrain` logs and budgets, so runs
  compare with the paper's tables): `flops_computation.py`'s own
  accounting: training = 2 x forward (it takes the backward pass to
  cost what the forward does), embedding lookups counted as dense one-hot
  products (`2eV` per token and tower), the elementwise work of biases,
  LayerNorm, GELU, softmax and dropout at its fixed per-element costs, and
  the output softmax at a fixed 15.625% of positions whatever the mask
  rate.

The two differ most for small models with a large vocabulary, where the
paper's dense embedding lookups weigh: ELECTRA-Small's 1M steps are
1.15e18 FLOPs by `"matmul"` and 1.29e18 by `"paper"` (the paper's Table 1
prints 1.4e18, which its script gives for a generator 128 wide, not the
64 of the released config); ELECTRA-Base's 766k steps are 6.71e19 and
6.43e19 (Table 1: 6.4e19).

Pure Python: imports neither Keras nor TensorFlow.

Example:
```python
from keras_electra.config import ElectraConfig
from keras_electra.flops import train_flops_per_step
config = ElectraConfig.from_preset("small")
train_flops_per_step(config, sequence_length=128, batch_size=128)  # 1.29e12
```
"""

from keras_electra.mask_slots import max_predictions_for

OBJECTIVES = ("electra", "mlm")
CONVENTIONS = ("matmul", "paper")
# What pre-training logs, records and budgets by.
DEFAULT_CONVENTION = "paper"

# `flops_computation.py`'s per-element costs of the work besides matrix
# products, and the fraction of positions its output softmax runs at.
PAPER_DROPOUT_FLOPS = 4
PAPER_LAYER_NORM_FLOPS = 5
PAPER_ACTIVATION_FLOPS = 8
PAPER_SOFTMAX_FLOPS = 5
PAPER_OUTPUT_FRACTION = 0.15625


def _sizes(config):
    """`config` as a dict of `ElectraConfig` fields (config, dict or name)."""
    if isinstance(config, str):
        from keras_electra.config import ElectraConfig

        config = ElectraConfig.from_preset(config)
    if not isinstance(config, dict):
        config = config.to_dict()
    config = dict(config)
    config["generator_num_layers"] = (
        config.get("generator_num_layers") or config["num_layers"]
    )
    return config


def _towers(config, objective):
    """`[(name, layers, hidden, heads, intermediate, head)]` per tower;
    `head` is `"disc"` or `"mlm"`."""
    if objective not in OBJECTIVES:
        raise ValueError(
            f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}"
        )
    main = ("discriminator", config["num_layers"], config["hidden_dim"],
            config["num_heads"], config["intermediate_dim"])
    if objective == "mlm":
        return [(*main, "mlm")]
    generator = ("generator", config["generator_num_layers"],
                 config["generator_hidden_dim"], config["generator_num_heads"],
                 config["generator_intermediate_dim"])
    return [(*main, "disc"), (*generator, "mlm")]


def forward_flops_per_sequence(
    config, sequence_length, mask_rate=0.15, objective="electra"
):
    """The forward matrix-product FLOPs of one sequence, part by part.

    Args:
        config: `ElectraConfig`, its dict, or a preset name.
        sequence_length: int. Tokens per sequence.
        mask_rate: float. Sets the mask slots the masked-LM head runs at,
            `max_predictions_for(sequence_length, mask_rate)`.
        objective: `"electra"` (generator + discriminator) or `"mlm"` (one
            encoder of the discriminator's size with a masked-LM head).

    Returns:
        dict `{part: FLOPs}`: `<tower>` (embedding projection and
        transformer layers) and `<tower>_head` for each tower.
    """
    config = _sizes(config)
    s, e, v = sequence_length, config["embedding_dim"], config["vocabulary_size"]
    slots = max_predictions_for(s, mask_rate)
    parts = {}
    for name, layers, h, _, i, head in _towers(config, objective):
        projection = 2 * e * h if e != h else 0
        per_layer = 8 * h * h + 4 * h * i + 4 * s * h
        parts[name] = s * (projection + layers * per_layer)
        if head == "disc":
            parts[f"{name}_head"] = s * (2 * h * h + 2 * h)
        else:
            parts[f"{name}_head"] = slots * (2 * h * e + 2 * e * v)
    return parts


def _paper_forward_per_sequence(config, sequence_length, objective):
    """`flops_computation.py`'s forward FLOPs of one sequence."""
    s, e, v = sequence_length, config["embedding_dim"], config["vocabulary_size"]
    dropout, norm = PAPER_DROPOUT_FLOPS, PAPER_LAYER_NORM_FLOPS
    act, softmax = PAPER_ACTIVATION_FLOPS, PAPER_SOFTMAX_FLOPS
    total = 0.0
    for _, layers, h, heads, i, head in _towers(config, objective):
        attention = (
            6 * h * h + 3 * h  # query, key, value and their biases
            + 4 * s * h  # scores and weighted values
            + (softmax + dropout + 1) * s * heads  # softmax, dropout, scale
            + 2 * h * h + h + dropout * h + h  # output, bias, dropout, residual
            + norm  # (the script counts this LayerNorm once, not per element)
        )
        feed_forward = (
            2 * h * i + act * i + i  # intermediate, gelu, bias
            + 2 * h * i + h + dropout * h + h + norm * h
        )
        per_token = layers * (attention + feed_forward)
        # Input embeddings: dense one-hot lookups, type and position, sum,
        # LayerNorm, dropout; the projection to the tower's width.
        per_token += 2 * e * v + 2 * e * (s + 2) + 2 * e + norm * e + dropout * e
        if e != h:
            per_token += 2 * h * e + h
        if head == "disc":
            per_token += 2 * h * h + h + act * h + 2 * h
        else:
            per_token += PAPER_OUTPUT_FRACTION * (
                2 * e * v + 2 * h * e + e + act * e + norm * e
                + softmax * v + 2 * v
            )
        total += s * per_token
    return total


def train_flops_per_sequence(
    config, sequence_length, mask_rate=0.15, objective="electra",
    convention=DEFAULT_CONVENTION,
):
    """Training FLOPs (forward and backward) of one sequence.

    Args:
        config: `ElectraConfig`, its dict, or a preset name.
        sequence_length: int. Tokens per sequence.
        mask_rate: float. Fraction of tokens masked (`"matmul"` only: the
            paper's count fixes the output positions at 15.625%).
        objective: `"electra"` or `"mlm"`.
        convention: `"matmul"` (3 x forward matrix products) or `"paper"`
            (`flops_computation.py`); see the module docstring.

    Returns:
        float. FLOPs.
    """
    if convention == "matmul":
        parts = forward_flops_per_sequence(
            config, sequence_length, mask_rate, objective
        )
        return 3.0 * sum(parts.values())
    if convention == "paper":
        return 2.0 * _paper_forward_per_sequence(
            _sizes(config), sequence_length, objective
        )
    raise ValueError(
        f"convention must be one of {', '.join(CONVENTIONS)}, got {convention!r}"
    )


def train_flops_per_step(
    config, sequence_length, batch_size, mask_rate=0.15, objective="electra",
    convention=DEFAULT_CONVENTION,
):
    """Training FLOPs of one optimizer update of `batch_size` sequences."""
    return batch_size * train_flops_per_sequence(
        config, sequence_length, mask_rate, objective, convention
    )
