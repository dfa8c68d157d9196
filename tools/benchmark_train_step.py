"""Train-step throughput of `ElectraPretrainer` next to the keras-hub peer.

Both sides run the same ELECTRA step (generator at the masked positions,
sampling, discriminator on every token, loss = MLM + 50 x disc) through
`model.fit` on synthetic token ids, each in its own process, ours first and
the peer (`../shared/bench/peer_kerashub.py`) right after, with the same
backend, precision and XLA setting. Prints one JSON line per side and their
ratio.

Both sides are timed by the same clock (`StepClock`): from the end of
the last warm-up step to the end of the last timed step, each read after
the step's loss is on the host. The time `fit` then takes to return is
not a step's and is reported apart (`return_s`): on TensorFlow our `fit`
sometimes returns tens of seconds after its last step (Python's garbage
collector freeing graph protos), which the first version of this tool,
timing to `fit`'s return, charged to the steps.

This machine's speed drifts between runs of one command by more than the
margins measured, so `--rounds N` runs the pair N times, alternating which
side goes first (ours-peer, peer-ours, ...), and prints each round's ratio
and their median: a drift then slows both sides of a round alike.

Usage:
    python tools/benchmark_train_step.py --size small --batch 32 --seq 128 --rounds 3
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

from compiled_step_cost import preset_config
from compiled_step_cost import synthetic_batch

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_PEER = ROOT.parent / "shared" / "bench" / "peer_kerashub.py"


def step_clock(warmup):
    """A `keras.callbacks.Callback` timing the steps after `warmup` ones.

    After `fit`, `seconds_per_step(steps)` is the time from the end of
    step `warmup` to the end of the last step over `steps`, and
    `return_s` the time `fit` took to return after the last step (set by
    `fit_returned()`). Each step's loss is read to the host first, so an
    asynchronous backend has finished the step.
    """
    import keras

    class StepClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.t0 = self.last = self.return_s = None

        def on_train_batch_end(self, step, logs=None):
            if logs and "loss" in logs:
                float(logs["loss"])
            self.last = time.perf_counter()
            if step == warmup - 1:
                self.t0 = self.last

        def seconds_per_step(self, steps):
            return (self.last - self.t0) / steps

        def fit_returned(self):
            self.return_s = round(time.perf_counter() - self.last, 2)

    return StepClock()


def measure_ours(size, batch, seq, steps, warmup, bf16, jit, dropout=None):
    """`(seconds per train step, seconds fit took to return after the last
    step)` of our pretrainer, timed after `warmup` steps."""
    import keras

    import keras_electra
    from keras_electra.mask_slots import max_predictions_for

    if bf16:
        keras.config.set_dtype_policy("mixed_bfloat16")
    config = preset_config(size, dropout=dropout)
    data = synthetic_batch(
        config.vocabulary_size, batch * (steps + warmup), seq,
        max_predictions_for(seq),
    )
    model = keras_electra.ElectraPretrainer(config, seed=0)
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4, epsilon=1e-6), jit_compile=jit
    )

    clock = step_clock(warmup)
    model.fit(data, batch_size=batch, epochs=1, verbose=0, shuffle=False,
              callbacks=[clock])
    clock.fit_returned()
    return clock.seconds_per_step(steps), clock.return_s


def measure_peer(peer_path, size, batch, seq, steps, warmup, bf16, jit):
    """The peer's own JSON line, with its steps timed by `step_clock` (its
    own figures, timed to `fit`'s return, kept as `*_to_return`)."""
    sys.path.insert(0, str(peer_path.parent))
    import importlib

    peer = importlib.import_module(peer_path.stem)
    clocks = []

    def timer(peer_warmup):
        clocks.append(step_clock(peer_warmup))
        return clocks[-1]

    peer.Timer = timer  # `peer.run` makes its callback with `Timer(warmup)`.
    line = peer.run(size, batch, seq, steps, warmup, bf16=bf16, jit=jit)
    [clock] = clocks
    clock.fit_returned()
    seconds = clock.seconds_per_step(steps)
    line["step_ms_to_return"] = line.pop("step_ms")
    line["seq_per_s_to_return"] = line.pop("seq_per_s")
    line.update(step_ms=round(seconds * 1e3, 2), seq_per_s=round(batch / seconds, 2),
                return_s=clock.return_s)
    return line


def peak_memory_gb():
    """Peak accelerator memory this process used, in GB; None on a CPU."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        stats = jax.local_devices()[0].memory_stats() or {}
        peak = stats.get("peak_bytes_in_use")
        return None if peak is None else round(peak / 1e9, 2)
    if backend == "torch":
        import torch

        return round(torch.cuda.max_memory_allocated() / 1e9, 2) if torch.cuda.is_available() else None
    return None


def side_order(round_index):
    """Which side runs first in round `round_index` (0-based): ours in even
    rounds, the peer in odd ones."""
    return ("ours", "peer") if round_index % 2 == 0 else ("peer", "ours")


def ratio_summary(ratios):
    """One line: the median of the rounds' ours / peer ratios and their range."""
    return (f"ours / peer throughput: median {statistics.median(ratios):.2f} "
            f"over {len(ratios)} rounds (min {min(ratios):.2f}, max {max(ratios):.2f})")


def _run_side(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if result.returncode or not lines:
        sys.exit(f"error: {' '.join(command[:3])} failed:\n{result.stderr[-2000:]}")
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small", choices=["tiny", "small", "base", "large"],
                        help="Model size (peer knows small, base, large).")
    parser.add_argument("--batch", type=int, default=32, help="Batch size.")
    parser.add_argument("--seq", type=int, default=128, help="Sequence length.")
    parser.add_argument("--steps", type=int, default=20, help="Timed steps.")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed steps first.")
    parser.add_argument("--backend", default="tensorflow",
                        choices=["tensorflow", "jax", "torch"], help="Keras backend.")
    parser.add_argument("--bf16", action="store_true", help="mixed_bfloat16.")
    parser.add_argument("--no-jit", dest="jit", action="store_false",
                        help="Turn XLA off (it is on by default).")
    parser.add_argument("--dropout", type=float, default=None,
                        help="Our dropout instead of the preset's 0.1 (the "
                             "peer trains with its backbones' dropout, 0.1).")
    parser.add_argument("--rounds", type=int, default=1,
                        help="Pairs of runs, alternating which side goes "
                             "first; prints the median ratio.")
    parser.add_argument("--peer", type=pathlib.Path, default=DEFAULT_PEER,
                        help="Path of peer_kerashub.py.")
    parser.add_argument("--only", choices=["ours", "peer"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dropout is not None and not 0.0 <= args.dropout < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    run = dict(size=args.size, batch=args.batch, seq=args.seq, steps=args.steps,
               warmup=args.warmup, bf16=args.bf16, jit=args.jit)

    if args.only != "ours" and not args.peer.is_file():
        sys.exit(f"error: peer benchmark {args.peer} not found (--peer)")
    if args.only == "ours":
        seconds, return_s = measure_ours(**run, dropout=args.dropout)
        print(json.dumps({"side": "keras_electra", **run, "dropout": args.dropout,
                          "step_ms": round(seconds * 1e3, 1),
                          "seq_per_s": round(args.batch / seconds, 2),
                          "return_s": return_s,
                          "peak_memory_gb": peak_memory_gb()}))
        return
    if args.only == "peer":
        print(json.dumps(measure_peer(args.peer, **run)))
        return
    env = dict(os.environ, KERAS_BACKEND=args.backend, TF_CPP_MIN_LOG_LEVEL="3")
    sides = {
        side: ([sys.executable, __file__, "--only", side, *sys.argv[1:]], env)
        for side in ("ours", "peer")
    }
    ratios = []
    for round_index in range(args.rounds):
        measured = {}
        for side in side_order(round_index):
            measured[side] = _run_side(*sides[side])
            print(json.dumps({"round": round_index + 1, **measured[side]}), flush=True)
        if "seq_per_s" in measured["peer"]:
            ratios.append(measured["ours"]["seq_per_s"] / measured["peer"]["seq_per_s"])
            print(f"round {round_index + 1}: ours / peer throughput {ratios[-1]:.2f}",
                  flush=True)
    if len(ratios) > 1:
        print(ratio_summary(ratios))


if __name__ == "__main__":
    main()
