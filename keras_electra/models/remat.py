"""Rematerialization: blocks that recompute their activations in the
backward pass instead of keeping them, trading compute for memory.

`rematerialize(layer)` wraps one layer's `call` in `keras.remat`
(`jax.checkpoint`, `tf.recompute_grad`, `torch.utils.checkpoint`), with two
things Keras' `RematScope` does not do (Keras 3.15):

* Python arguments (`training`, `None` masks) stay Python values: only
  tensors enter the checkpointed function. (`RematScope` passes them
  through `jax.checkpoint`, which turns `training=True` into a tracer that
  dropout cannot branch on.)
* Dropout draws the same mask when the block is recomputed: the block's
  seed generators are reset to the states they had before the forward
  pass, so the backward pass differentiates the forward pass that ran and
  the gradients equal those without rematerialization.

`REMAT_MODES` name what a pre-trainer recomputes:

* `none`: nothing (the default).
* `layers`: each transformer layer keeps only its input (gradient
  checkpointing, as Hugging Face's `gradient_checkpointing_enable()`).
* `full`: the transformer layers, the embedding block and the heads.

Example:
```python
pretrainer = keras_electra.ElectraPretrainer("small", remat="layers")
```
"""

import functools

import keras

REMAT_MODES = ("none", "layers", "full")


def check_remat_mode(mode):
    """Raises `ValueError` unless `mode` is one of `REMAT_MODES`."""
    if mode not in REMAT_MODES:
        raise ValueError(
            f"Unknown remat mode {mode!r}; choose one of {', '.join(REMAT_MODES)}."
        )


def seed_generators(layer):
    """Every `keras.random.SeedGenerator` of `layer` and its sublayers."""
    return [
        generator
        for sublayer in layer._flatten_layers(include_self=True)
        for generator in sublayer._seed_generators
    ]


def rematerialize(layer):
    """Makes `layer` recompute its activations in the backward pass.

    Replaces the instance's `call`; variables, names and outputs are
    unchanged, so the same weights and checkpoints load with or without it.

    Args:
        layer: a built `keras.layers.Layer`.

    Returns:
        `layer`.
    """
    call = layer.call
    generators = seed_generators(layer)
    threads_states = keras.backend.backend() == "jax"

    @functools.wraps(call)
    def rematerialized_call(*args, **kwargs):
        leaves = keras.tree.flatten((args, kwargs))
        is_tensor = [keras.ops.is_tensor(leaf) for leaf in leaves]
        tensors = [leaf for leaf, t in zip(leaves, is_tensor) if t]
        # `* 1` copies: a backend may update a variable's buffer in place.
        start_states = [generator.state.value * 1 for generator in generators]

        def forward(*tensor_args):
            tensor_args = iter(tensor_args)
            filled = [next(tensor_args) if t else leaf
                      for leaf, t in zip(leaves, is_tensor)]
            inner_args, inner_kwargs = keras.tree.pack_sequence_as(
                (args, kwargs), filled
            )
            for generator, state in zip(generators, start_states):
                generator.state.assign(state)
            outputs = call(*inner_args, **inner_kwargs)
            if threads_states:
                # JAX: states assigned inside the checkpoint are its own
                # tracers; they leave it as outputs and are set again below.
                return outputs, [generator.state.value for generator in generators]
            return outputs

        outputs = keras.remat(forward)(*tensors)
        if threads_states:
            outputs, end_states = outputs
            for generator, state in zip(generators, end_states):
                generator.state.assign(state)
        return outputs

    layer.call = rematerialized_call
    return layer


def rematerialize_pretrainer(pretrainer, mode, heads=()):
    """Applies remat `mode` to a pre-trainer's towers (and `heads`).

    Args:
        pretrainer: a model with `embeddings` and towers holding
            `transformer_layers`.
        mode: one of `REMAT_MODES`.
        heads: the pre-trainer's head layers, recomputed in `full` mode.
    """
    check_remat_mode(mode)
    if mode == "none":
        return
    towers = [getattr(pretrainer, name) for name in ("generator", "discriminator")
              if hasattr(pretrainer, name)]
    for tower in towers:
        for layer in tower.transformer_layers:
            rematerialize(layer)
    if mode == "full":
        for layer in (pretrainer.embeddings, *heads):
            rematerialize(layer)
