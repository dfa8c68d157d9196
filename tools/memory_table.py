"""Peak memory of one ELECTRA pre-training step, measured by XLA (JAX).

For each size, sequence length, per-device batch, remat mode and
precision, compiles the real training step (`ElectraPretrainer`, the
recipe's AdamW with its clipping, weight decay and schedule) and reads the
compiled program's memory analysis:

    peak = arguments (weights, optimizer state, batch) + outputs
           + temporaries - outputs that reuse argument buffers

and the temporaries alone (activations and gradients: what remat and the
batch change).

Nothing runs, so base and large at sequence 512 are measured on a laptop;
the numbers are those of the device XLA compiles for (this machine's CPU,
or the GPU/TPU JAX sees). On CPU the step is compiled with XLA's
memory-minimizing scheduler: the default CPU scheduler orders for
concurrency and keeps activations that remat meant to drop, which no
accelerator scheduler does.

`--max-batch-for GB` answers "what per-device batch fits in GB": peak is
affine in the batch, so it measures batches 1 and 2, predicts the largest
batch under the limit, and confirms it by compiling that batch.

Usage:
    KERAS_BACKEND=jax python tools/memory_table.py --sizes small base large \
        --seq 128 512 --batch 8 32 --remat none layers --precision fp32 bf16
    KERAS_BACKEND=jax python tools/memory_table.py --sizes base --seq 512 \
        --remat layers --precision bf16 --max-batch-for 80
"""

import argparse
import os
import sys

# Pure Python: a bad flag fails before Keras or JAX load.
from keras_electra.presets import PRESET_NAMES
from keras_electra.pretrain.config import REMAT_CHOICES

PRECISIONS = {"fp32": None, "bf16": "mixed_bfloat16"}
MEMORY_SCHEDULER = "--xla_cpu_enable_concurrency_optimized_scheduler=false"
COLUMNS = ("size", "seq", "batch", "remat", "precision", "compile_s",
           "temp_mib", "peak_mib")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["small"], choices=PRESET_NAMES)
    parser.add_argument("--seq", nargs="+", type=int, default=[128, 512],
                        help="sequence lengths (default: 128 512)")
    parser.add_argument("--batch", nargs="+", type=int, default=[8],
                        help="per-device batch sizes (default: 8)")
    parser.add_argument("--remat", nargs="+", default=["none", "layers"],
                        choices=REMAT_CHOICES)
    parser.add_argument("--precision", nargs="+", default=["fp32", "bf16"],
                        choices=tuple(PRECISIONS))
    parser.add_argument("--layers", type=int, default=None,
                        help="override the depth of both towers (quick checks)")
    parser.add_argument("--max-batch-for", type=float, default=None, metavar="GB",
                        help="instead of a table: the largest per-device batch "
                             "whose step fits in GB (GiB), per setting")
    parser.add_argument("--format", choices=("md", "csv"), default="md")
    parser.add_argument("--output", default=None,
                        help="also append each row to this file as it comes")
    args = parser.parse_args(argv)
    for name in ("seq", "batch"):
        bad = [v for v in getattr(args, name) if v < 1]
        if bad:
            parser.error(f"--{name} must be positive, got {bad[0]}")
    if min(args.seq) < 8 or max(args.seq) > 512:
        parser.error("--seq must be between 8 and 512 (the position embeddings)")
    if args.layers is not None and args.layers < 1:
        parser.error(f"--layers must be positive, got {args.layers}")
    if args.max_batch_for is not None and not args.max_batch_for > 0:
        parser.error(f"--max-batch-for must be positive, got {args.max_batch_for}")
    if os.environ.get("KERAS_BACKEND", "jax") != "jax":
        parser.error("this tool reads JAX's compiled step: run it with KERAS_BACKEND=jax")
    return args


def step_peak_bytes(size, seq, batch, remat, precision, layers=None):
    """`(peak bytes, temporary bytes, seconds to compile)` of one compiled
    training step."""
    import time

    import jax
    import keras
    import numpy as np

    import keras_electra
    from keras_electra.mask_slots import max_predictions_for
    from keras_electra.optimization import LinearWarmupLinearDecay
    from keras_electra.optimization import electra_optimizer

    overrides = {} if layers is None else {"num_layers": layers}
    config = keras_electra.ElectraConfig.from_preset(size, **overrides)
    keras.backend.clear_session()
    model = keras_electra.ElectraPretrainer(
        config, seed=0, dtype=PRECISIONS[precision], remat=remat
    )
    schedule = LinearWarmupLinearDecay(1e-4, warmup_steps=10, total_steps=100)
    model.compile(optimizer=electra_optimizer(schedule, model.trainable_variables))
    model.optimizer.build(model.trainable_variables)

    slots = max_predictions_for(seq, 0.15)
    batch_arrays = {
        "token_ids": np.ones((batch, seq), "int32"),
        "segment_ids": np.zeros((batch, seq), "int32"),
        "padding_mask": np.ones((batch, seq), "int32"),
        "mask_positions": np.tile(np.arange(1, slots + 1, dtype="int32"), (batch, 1)),
        "mask_ids": np.ones((batch, slots), "int32"),
        "mask_weights": np.ones((batch, slots), "float32"),
    }
    state = model._get_jax_state(
        trainable_variables=True, non_trainable_variables=True,
        optimizer_variables=True, metrics_variables=True,
    )
    abstract = jax.tree.map(
        lambda x: jax.ShapeDtypeStruct(np.shape(x), x.dtype), (state, (batch_arrays,))
    )
    start = time.perf_counter()
    # The state is donated, as Keras' JAX trainer donates it.
    compiled = jax.jit(model.train_step, donate_argnums=0).lower(*abstract).compile()
    seconds = time.perf_counter() - start
    memory = compiled.memory_analysis()
    peak = (memory.argument_size_in_bytes + memory.output_size_in_bytes
            + memory.temp_size_in_bytes - memory.alias_size_in_bytes)
    return peak, memory.temp_size_in_bytes, seconds


def max_batch_for(limit_bytes, measure):
    """The largest batch whose peak is at most `limit_bytes` (0 if none).

    `measure(batch)` returns the peak bytes. Peak is affine in the batch
    (weights and optimizer state, plus activations per sequence), so two
    measurements predict it; the prediction is then checked by measuring.
    """
    one, two = measure(1), measure(2)
    if one > limit_bytes:
        return 0
    per_sequence = max(two - one, 1)
    batch = max(1, int((limit_bytes - one) // per_sequence) + 1)
    while batch > 1 and measure(batch) > limit_bytes:
        batch -= 1
    return batch


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ["KERAS_BACKEND"] = "jax"
    if MEMORY_SCHEDULER not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "") + " " + MEMORY_SCHEDULER
        ).strip()

    import jax

    device = jax.devices()[0]
    print(f"# device: {device.platform} ({device.device_kind}); "
          f"peak of one compiled training step", file=sys.stderr, flush=True)
    columns = COLUMNS if args.max_batch_for is None else (
        *COLUMNS[:2], "remat", "precision", f"max_batch_in_{args.max_batch_for:g}_gib")
    emit = _printer(args.format, columns, args.output)
    for size in args.sizes:
        for seq in args.seq:
            for remat in args.remat:
                for precision in args.precision:
                    if args.max_batch_for is not None:
                        batch = max_batch_for(
                            args.max_batch_for * 2**30,
                            lambda b: step_peak_bytes(
                                size, seq, b, remat, precision, args.layers)[0],
                        )
                        emit((size, seq, remat, precision, batch))
                        continue
                    for batch in args.batch:
                        peak, temp, seconds = step_peak_bytes(
                            size, seq, batch, remat, precision, args.layers)
                        emit((size, seq, batch, remat, precision, f"{seconds:.0f}",
                              f"{temp / 2**20:.0f}", f"{peak / 2**20:.0f}"))


def _printer(form, columns, output):
    lines = []
    if form == "md":
        lines += ["| " + " | ".join(columns) + " |",
                  "|" + "---|" * len(columns)]
    else:
        lines.append(",".join(columns))
    for line in lines:
        _write(line, output)

    def emit(row):
        if form == "md":
            _write("| " + " | ".join(map(str, row)) + " |", output)
        else:
            _write(",".join(map(str, row)), output)

    return emit


def _write(line, output):
    print(line, flush=True)
    if output:
        with open(output, "a", encoding="utf-8") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
