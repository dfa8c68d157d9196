"""One-shot GPU benchmark of the pre-training step: ours and the peers, one run.

For each configuration (default: ELECTRA-Small at batch 128 and 512 and
ELECTRA-Base at batch 128; seq 128, bf16), in this order and each in its own
process with a time limit: our `ElectraPretrainer` on JAX
(`tools/benchmark_train_step.py --only ours`), then the peers of
`../shared/bench`: keras-hub backbones on Keras/JAX (`peer_kerashub.py`)
and Hugging Face transformers on PyTorch, eager and `torch.compile`
(`peer_torch.py`). Writes one JSON line per side and configuration to
`--out` (and stdout): sequences/s, step time, model TFLOP/s by the peers'
`flops.py` count for every side, MFU against `--peak-tflops`, and peak
device memory where the side reports it; last, one `summary` line per
configuration with ours / the best peer. A side that fails or runs out of
time is a JSON line with its `error`; the rest still run. The whole plan
stops starting new sides after `--budget-minutes`.

It imports no TensorFlow (GPU machines here have JAX and PyTorch only) and
needs no network: bring keras, keras-hub and transformers as wheels and put
them on `PYTHONPATH`. On a GPU machine, from the repository root:

    pip download --no-deps -d .whl keras keras-hub transformers
    pip install --no-index --no-deps --target /tmp/site .whl/*.whl
    PYTHONPATH=/tmp/site:$PWD python tools/gpu_benchmark.py --out gpu.jsonl

`--smoke` runs the same plan on the CPU with ELECTRA-Small at batch 2 and
seq 32, fp32, 2 timed steps: a check of the script, not a measurement.
"""

import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keras_electra import cli  # noqa: E402  (no Keras import)

DEFAULT_PEERS = ROOT.parent / "shared" / "bench"
SIDES = ("ours-jax", "keras-hub-jax", "hf-torch-eager", "hf-torch-compile")
DEFAULT_CONFIGS = "small:128,small:512,base:128"
# The bf16 matrix-product rate measured on one H200 (../shared/bench).
H200_BF16_TFLOPS = 790.0


def parse_configs(text):
    """`"small:128,base:256"` -> `[("small", 128), ("base", 256)]`.

    Raises:
        ValueError: naming the entry that is not `SIZE:BATCH`.
    """
    configs = []
    for entry in (e.strip() for e in text.split(",") if e.strip()):
        size, _, batch = entry.partition(":")
        if size not in ("small", "base", "large") or not batch.isdigit() or int(batch) < 1:
            raise ValueError(
                f"--configs entry {entry!r} is not SIZE:BATCH with SIZE one of "
                "small, base, large"
            )
        configs.append((size, int(batch)))
    if not configs:
        raise ValueError("--configs is empty")
    return configs


def side_command(side, size, batch, seq, steps, warmup, bf16, peers):
    """`(argv, extra environment)` of one side's process."""
    if side == "ours-jax":
        argv = [sys.executable, str(ROOT / "tools" / "benchmark_train_step.py"),
                "--only", "ours", "--backend", "jax", "--size", size,
                "--batch", str(batch), "--seq", str(seq), "--steps", str(steps),
                "--warmup", str(warmup)] + (["--bf16"] if bf16 else [])
        return argv, {"KERAS_BACKEND": "jax"}
    plan = {"size": size, "batch": batch, "seq": seq, "steps": steps, "warmup": warmup}
    if side == "keras-hub-jax":
        plan.update(bf16=bf16, jit=True)
        return ([sys.executable, str(peers / "peer_kerashub.py"), json.dumps([plan])],
                {"KERAS_BACKEND": "jax"})
    plan.update(compile_mode=side == "hf-torch-compile")
    return [sys.executable, str(peers / "peer_torch.py"), json.dumps([plan])], {}


def with_rates(record, size, seq, peak_tflops):
    """`record` with `model_tflops` (flops.py's count) and `mfu` added."""
    from flops import train_flops_per_seq

    if "seq_per_s" in record:
        tflops = record["seq_per_s"] * train_flops_per_seq(size, seq) / 1e12
        record["model_tflops"] = float(f"{tflops:.3g}")
        record["mfu"] = float(f"{tflops / peak_tflops:.3g}")
    return record


def summary(records, size, batch):
    """The `summary` line of one configuration: ours / the best peer."""
    rates = {r["side"]: r["seq_per_s"] for r in records if "seq_per_s" in r}
    peers = {k: v for k, v in rates.items() if k != "ours-jax"}
    line = {"summary": f"{size} batch {batch}", "ours_seq_per_s": rates.get("ours-jax")}
    if peers:
        best = max(peers, key=peers.get)
        line.update(best_peer=best, best_peer_seq_per_s=peers[best])
        if "ours-jax" in rates:
            line["ours_over_best_peer"] = round(rates["ours-jax"] / peers[best], 3)
    return line


def run_side(side, size, batch, args, deadline):
    """One side's JSON record (with `error` when it failed)."""
    base = {"side": side, "size": size, "batch": batch, "seq": args.seq,
            "precision": "bf16" if args.bf16 else "fp32"}
    left = deadline - time.monotonic()
    if left < 20:
        return {**base, "error": "skipped: --budget-minutes spent"}
    argv, env = side_command(side, size, batch, args.seq, args.steps, args.warmup,
                             args.bf16, args.peers)
    env = dict(os.environ, **env, PYTHONPATH=os.pathsep.join(
        p for p in (str(args.peers), str(ROOT), os.environ.get("PYTHONPATH")) if p
    ))
    started = time.monotonic()
    try:
        result = subprocess.run(argv, env=env, capture_output=True, text=True,
                                timeout=min(args.side_timeout, left))
    except subprocess.TimeoutExpired:
        return {**base, "error": f"timed out after {time.monotonic() - started:.0f}s"}
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if result.returncode or not lines:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {**base, "error": f"exit {result.returncode}: {tail[:300]}"}
    record = json.loads(lines[-1])
    record.pop("model_tflops", None)  # Recomputed below, one count for all.
    return with_rates({**record, **base, "wall_s": round(time.monotonic() - started, 1)},
                      size, args.seq, args.peak_tflops)


def main(argv=None):
    parser = cli.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default=DEFAULT_CONFIGS,
                        help="SIZE:BATCH list (default: %(default)s)")
    parser.add_argument("--sides", default=",".join(SIDES),
                        help="which of %(default)s to run, in that order")
    parser.add_argument("--seq", type=int, default=128, help="sequence length")
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--warmup", type=int, default=8, help="untimed steps first")
    parser.add_argument("--fp32", dest="bf16", action="store_false",
                        help="float32 instead of bf16")
    parser.add_argument("--peak-tflops", type=float, default=H200_BF16_TFLOPS,
                        help="the card's matrix-product rate for MFU (default: "
                        "%(default)s, an H200 in bf16)")
    parser.add_argument("--side-timeout", type=float, default=150.0,
                        help="seconds one side may take (default: %(default)s)")
    parser.add_argument("--budget-minutes", type=float, default=7.5,
                        help="start no side after this (default: %(default)s)")
    parser.add_argument("--peers", type=pathlib.Path, default=DEFAULT_PEERS,
                        help="directory of peer_kerashub.py, peer_torch.py and "
                        "flops.py (default: ../shared/bench)")
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="JSON lines file to write (default: stdout only)")
    parser.add_argument("--smoke", action="store_true",
                        help="small:2 at seq 32, fp32, 2 steps: checks the script on a CPU")
    args = parser.parse_args(argv)
    try:
        configs = parse_configs("small:2" if args.smoke else args.configs)
        sides = [s.strip() for s in args.sides.split(",") if s.strip()]
        unknown = [s for s in sides if s not in SIDES]
        if unknown or not sides:
            raise ValueError(f"--sides {args.sides!r}: each must be one of {', '.join(SIDES)}")
        for name in ("peer_kerashub.py", "peer_torch.py", "flops.py"):
            if not (args.peers / name).is_file():
                raise ValueError(f"--peers {args.peers}: no {name} there")
    except ValueError as e:
        parser.error(str(e))
    if args.smoke:
        args.seq, args.steps, args.warmup, args.bf16 = 32, 2, 1, False
    sys.path.insert(0, str(args.peers))

    deadline = time.monotonic() + 60 * args.budget_minutes
    out = open(args.out, "w") if args.out else None

    def emit(record):
        line = json.dumps(record)
        print(line, flush=True)
        if out:
            out.write(line + "\n")
            out.flush()

    for size, batch in configs:
        records = []
        for side in sides:
            record = run_side(side, size, batch, args, deadline)
            records.append(record)
            emit(record)
        emit(summary(records, size, batch))
    if out:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
