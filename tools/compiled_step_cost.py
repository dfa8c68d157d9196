"""What XLA compiles for one `ElectraPretrainer` train step (JAX backend).

CPU-side evidence for the speed of the step, measurable without a GPU:

* `compiled_flops`: the FLOPs XLA's cost analysis counts for the compiled
  step, against `keras_electra.flops`' analytic matrix-product count
  (`analytic_flops`, 3 x forward, masked-LM head at the mask slots only);
  `flops_ratio` above about 1.1 means the step computes something the
  algorithm does not need.
* `bytes_accessed`: the memory traffic XLA's cost analysis counts, which
  is what bounds the step on a CPU.
* `host_callbacks`: Python callbacks in the compiled step (each one is a
  host round trip); should be 0.
* `random_bit_draws`: the random-bit draws in the traced step: one per
  dropout layer per tower (the embeddings' and three per transformer
  layer) and one for the sampling; with `--dropout 0`, 1.
* `compiled_programs`: programs the jitted train function holds after a
  short `fit` of several steps; 1 means no step recompiled.

With `--peer`, the same numbers for `../shared/bench/peer_kerashub.py`'s
step (its `flops.py` gives the analytic count), so a change in ours can be
read against it. Note: that peer calls its backbones without passing
`training`, so inside `fit` they run without dropout (its traced step has
one random-bit draw, the sampling's).

Usage:
    KERAS_BACKEND=jax python tools/compiled_step_cost.py --size small \
        --batch 32 --seq 128 --peer
"""

import argparse
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_PEER = ROOT.parent / "shared" / "bench" / "peer_kerashub.py"
SIZES = ("tiny", "small", "base", "large")


def synthetic_batch(vocabulary_size, batch, seq, num_predictions, seed=0):
    """One pre-training batch of random ids with sorted, unique mask slots."""
    import numpy as np

    rng = np.random.default_rng(seed)
    token_ids = rng.integers(1000, vocabulary_size, (batch, seq))
    positions = np.sort(
        np.stack([rng.choice(np.arange(1, seq), num_predictions, False)
                  for _ in range(batch)]),
        axis=1,
    )
    return {
        "token_ids": token_ids.astype("int32"),
        "segment_ids": np.zeros((batch, seq), "int32"),
        "padding_mask": np.ones((batch, seq), "int32"),
        "mask_positions": positions.astype("int32"),
        "mask_ids": np.take_along_axis(token_ids, positions, 1).astype("int32"),
        "mask_weights": np.ones((batch, num_predictions), "float32"),
    }


def preset_config(size, dropout=None, activation=None):
    """The `ElectraConfig` of preset `size`, with the benchmark overrides."""
    import keras_electra

    overrides = {}
    if dropout is not None:
        overrides["dropout"] = dropout
    if activation is not None:
        overrides["activation"] = activation
    return keras_electra.ElectraConfig.from_preset(size, **overrides)


def ours(size, batch, seq, dropout, activation):
    """`(model, batch dict, analytic FLOPs)` of our pretrainer."""
    import keras_electra
    from keras_electra.flops import train_flops_per_step
    from keras_electra.mask_slots import max_predictions_for

    config = preset_config(size, dropout, activation)
    data = synthetic_batch(
        config.vocabulary_size, batch, seq, max_predictions_for(seq)
    )
    analytic = train_flops_per_step(config, seq, batch, convention="matmul")
    return keras_electra.ElectraPretrainer(config, seed=0), data, analytic


def peer(size, batch, seq, peer_path):
    """`(model, batch dict, analytic FLOPs)` of the keras-hub peer."""
    sys.path.insert(0, str(peer_path.parent))
    import peer_kerashub
    from flops import CONFIGS, train_flops_per_seq

    num_predictions = int(round(0.15 * seq))
    data = synthetic_batch(CONFIGS[size]["vocab"], batch, seq, num_predictions)
    data = {k: data[k] for k in ("token_ids", "mask_positions")}
    model = peer_kerashub.Pretrainer(size, num_predictions)
    return model, data, batch * train_flops_per_seq(size, seq)


def _count_primitive(jaxpr, name):
    """Calls of primitive `name` in `jaxpr`, inside nested jaxprs too."""
    from jax.extend.core import ClosedJaxpr
    from jax.extend.core import Jaxpr

    count = 0
    for equation in jaxpr.eqns:
        if equation.primitive.name == name:
            count += 1
        for param in equation.params.values():
            for sub in param if isinstance(param, (list, tuple)) else [param]:
                if isinstance(sub, ClosedJaxpr):
                    count += _count_primitive(sub.jaxpr, name)
                elif isinstance(sub, Jaxpr):
                    count += _count_primitive(sub, name)
    return count


def _jitted_functions(function, seen=None):
    """The `jax.jit` objects a Keras train function closes over."""
    seen = set() if seen is None else seen
    if id(function) in seen:
        return []
    seen.add(id(function))
    if hasattr(function, "_cache_size"):
        return [function]
    found = []
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if callable(value):
            found += _jitted_functions(value, seen)
    return found


def step_cost(model, data, analytic, steps=3):
    """Compiles `model`'s train step on `data` and reads what XLA made."""
    import jax
    import keras

    batch = len(next(iter(data.values())))
    repeated = {k: jax.numpy.concatenate([v] * steps) for k, v in data.items()}
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4, epsilon=1e-6), jit_compile=True
    )
    model.fit(repeated, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    jitted = _jitted_functions(model.train_function)
    programs = sum(f._cache_size() for f in jitted) if jitted else None

    state = model._get_jax_state(
        trainable_variables=True, non_trainable_variables=True,
        optimizer_variables=True, metrics_variables=True,
    )
    inputs = (jax.tree.map(jax.numpy.asarray, data),)
    traced = jax.jit(model.train_step).trace(state, inputs)  # Traced once.
    compiled = traced.lower().compile()
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    hlo = compiled.as_text()
    return {
        "compiled_flops": cost["flops"],
        "analytic_flops": analytic,
        "flops_ratio": round(cost["flops"] / analytic, 4),
        "bytes_accessed": cost.get("bytes accessed"),
        "host_callbacks": hlo.count("callback"),
        "random_bit_draws": _count_primitive(traced.jaxpr.jaxpr, "random_bits"),
        "compiled_programs": programs,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small", choices=SIZES)
    parser.add_argument("--batch", type=int, default=32, help="Batch size.")
    parser.add_argument("--seq", type=int, default=128, help="Sequence length.")
    parser.add_argument("--dropout", type=float, default=None,
                        help="Override the preset's dropout (ours only).")
    parser.add_argument("--activation", default=None,
                        choices=["gelu", "gelu_approximate"],
                        help="Override the preset's gelu (ours only).")
    parser.add_argument("--peer", action="store_true",
                        help="Also measure peer_kerashub.py's step.")
    parser.add_argument("--peer-path", type=pathlib.Path, default=DEFAULT_PEER,
                        help="Path of peer_kerashub.py.")
    args = parser.parse_args()
    if args.batch < 1 or args.seq < 8:
        parser.error("--batch must be >= 1 and --seq >= 8")
    if args.dropout is not None and not 0.0 <= args.dropout < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.peer and args.size == "tiny":
        parser.error("--peer knows small, base and large, not tiny")
    if args.peer and not args.peer_path.is_file():
        parser.error(f"peer benchmark {args.peer_path} not found (--peer-path)")
    if os.environ.get("KERAS_BACKEND", "jax") != "jax":
        parser.error("this tool reads JAX's compiled step: run it with "
                     "KERAS_BACKEND=jax")
    os.environ["KERAS_BACKEND"] = "jax"

    run = dict(size=args.size, batch=args.batch, seq=args.seq)
    sides = [("keras_electra",
              lambda: ours(**run, dropout=args.dropout,
                           activation=args.activation))]
    if args.peer:
        sides.append(("keras-hub-peer", lambda: peer(**run, peer_path=args.peer_path)))
    for side, build in sides:
        model, data, analytic = build()
        print(json.dumps({"side": side, **run, "dropout": args.dropout,
                          **step_cost(model, data, analytic)}), flush=True)


if __name__ == "__main__":
    main()
