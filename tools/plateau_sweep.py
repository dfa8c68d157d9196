#!/usr/bin/env python
"""Short pre-training runs, one per setting, and where each one stands.

Each SETTING is `NAME=FLAGS`: `recipes/pretrain.py` runs with `--common`
flags plus FLAGS into `RUNS_DIR/NAME` for at most `--minutes` of training,
then every kept checkpoint is measured (`tools/learning_stage.py`: the
discriminator's exact AUC on the generator's samples and the generator's
accuracy). Rows are written as each run ends: `RESULTS.csv` (one row per
checkpoint) and `RESULTS.md` (one row per run). A run already finished in
RUNS_DIR is measured, not trained again, so an interrupted sweep re-runs
with the same command.

Example:
    python tools/plateau_sweep.py --common "--vocab vocab8k.txt" \\
        "seq64=--seq-len 64 --batch-size 32 --steps 3000" \\
        "seq64_gen128=--seq-len 64 --batch-size 32 --steps 3000 \\
            --config generator_hidden_dim=128"
"""

import csv
import json
import os
import shlex
import subprocess
import sys

from keras_electra import cli
from keras_electra.run_directory import RunDirectory

HERE = os.path.dirname(os.path.abspath(__file__))
PRETRAIN = os.path.join(HERE, os.pardir, "recipes", "pretrain.py")
MEASURE = os.path.join(HERE, "learning_stage.py")
CSV_FIELDS = ("name", "flags", "step", "train_flops", "train_minutes",
              "disc_auc", "mlm_accuracy", "uses_context")


def parse_setting(text):
    name, sep, flags = text.partition("=")
    if not sep or not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"setting {text!r} is not NAME=FLAGS (NAME: letters, "
                         "digits, - and _)")
    return name, shlex.split(flags)


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Bad input prints a one-line error and exits with status 2.",
    )
    parser.add_argument("settings", nargs="+", metavar="NAME=FLAGS",
                        help="one run: its name and its recipes/pretrain.py flags")
    parser.add_argument("--common", default="",
                        help="flags every run gets (before its own)")
    parser.add_argument("--minutes", type=cli.positive(float), default=9.0,
                        help="training minutes per run, at most (default: "
                        "%(default)s)")
    parser.add_argument("--runs-dir", default="runs/plateau_sweep",
                        help="where the runs go (default: %(default)s)")
    parser.add_argument("--results", default="docs/results/plateau_sweep",
                        help="RESULTS.csv and RESULTS.md are written (default: "
                        "%(default)s)")
    return parser


def train(name, flags, args):
    """Runs (or resumes) one setting's pre-training; returns its exit code."""
    run_dir = os.path.join(args.runs_dir, name)
    if RunDirectory(run_dir).is_finished():
        return 0
    command = [
        sys.executable, PRETRAIN, *shlex.split(args.common), *flags,
        "--model-dir", run_dir, "--export-dir", "", "--no-demo",
        "--max-minutes", f"{args.minutes:g}", "--keep-checkpoints", "100000",
    ]
    os.makedirs(args.runs_dir, exist_ok=True)
    with open(os.path.join(args.runs_dir, f"{name}.log"), "ab") as log:
        return subprocess.call(command, stdout=log, stderr=subprocess.STDOUT)


def measured_rows(name, flags, args):
    """One CSV row per measured checkpoint of a setting's run."""
    run = RunDirectory(os.path.join(args.runs_dir, name))
    subprocess.call([sys.executable, MEASURE, run.path],
                    stdout=subprocess.DEVNULL)
    compute = run.compute()
    with open(run.learning_stage_file, encoding="utf-8") as f:
        stages = json.load(f)["steps"]
    flops_per_step = compute.get("train_flops_per_step", 0.0)
    final_step = compute.get("step") or max(int(s) for s in stages)
    seconds_per_step = compute.get("train_seconds", 0.0) / max(final_step, 1)
    return [
        {
            "name": name, "flags": shlex.join(flags), "step": int(step),
            "train_flops": f"{int(step) * flops_per_step:.3g}",
            "train_minutes": f"{int(step) * seconds_per_step / 60:.1f}",
            "disc_auc": "" if s["disc_auc"] is None else f"{s['disc_auc']:.3f}",
            "mlm_accuracy": f"{s['mlm_accuracy']:.3f}",
            "uses_context": s["uses_context"],
        }
        for step, s in sorted(stages.items(), key=lambda item: int(item[0]))
    ]


def read_results(path):
    """The rows an earlier sweep wrote to `path.csv` ([] if none)."""
    try:
        with open(f"{path}.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return []
    for row in rows:
        row["step"] = int(row["step"])
        row["uses_context"] = row["uses_context"] == "True"
    return rows


def write_results(rows, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(f"{path}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "| run | flags | steps | train FLOPs | minutes | disc AUC | MLM accuracy "
        "| first step using context | AUC / accuracy along the way |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(row["name"] for row in rows):
        runs = [row for row in rows if row["name"] == name]
        last = runs[-1]
        first = next((r["step"] for r in runs if r["uses_context"]), "none")
        along = ", ".join(
            f"{r['step']}: {r['disc_auc'] or '-'} / {float(r['mlm_accuracy']):.1%}"
            for r in runs[::max(1, len(runs) // 5)]
        )
        lines.append(
            f"| {name} | `{last['flags']}` | {last['step']} | {last['train_flops']} "
            f"| {last['train_minutes']} | {last['disc_auc'] or '-'} "
            f"| {float(last['mlm_accuracy']):.1%} | {first} | {along} |"
        )
    with open(f"{path}.md", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    args = build_parser().parse_args(argv)
    settings = [parse_setting(text) for text in args.settings]
    rows = read_results(args.results)
    for name, flags in settings:
        code = train(name, flags, args)
        if code:
            print(f"{name}: recipes/pretrain.py exited with {code}; see "
                  f"{os.path.join(args.runs_dir, name)}.log", flush=True)
            continue
        rows = [row for row in rows if row["name"] != name]
        rows += measured_rows(name, flags, args)
        write_results(rows, args.results)
        print(f"{name}: {rows[-1]}", flush=True)
    return 0


if __name__ == "__main__":
    cli.run(main)
