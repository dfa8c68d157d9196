"""`compare_objectives`: ELECTRA against masked-LM at equal pre-training
compute, scored by fine-tuning, with a random-init control.

Each objective pre-trains the same encoder size on the same corpus until it
has spent a FLOPs budget (`keras_electra.flops`, the paper's count), in
`points` stages (`budget * k / points`, k = 1..points), and every stage's
discriminator (the MLM run's encoder) is fine-tuned on every task with
every seed. A randomly initialised encoder of the same shape is the
control. Everything resumes after a kill: pre-training through its run
directory, fine-tuning by skipping each (init, stage, task) whose
`results.json` is already written.

Output directory:

| path | what |
|---|---|
| `pretrain/<objective>/` | the pre-training run directories |
| `finetune/<objective>/flops_<k>/<task>/` and `finetune/random/<task>/` | `finetune_seeds` results |
| `comparison.json` | every row below, and the settings |
| `comparison.md`, `comparison.csv` | per task and init: median and range over seeds at the full budget; the average of the medians |
| `comparison.png` | the average dev score against pre-training FLOPs |
"""

import csv
import dataclasses
import json
import math
import os
import statistics

RESULTS_FILE = "results.json"


@dataclasses.dataclass(frozen=True)
class ComparisonConfig:
    """What to compare and how.

    Args:
        output_dir: str. Where everything goes (see the module docstring).
        train_flops: float. The pre-training budget of each objective.
        tasks: tuple of str. GLUE task names (read from `data_dir`), or
            `tsv:TRAIN:DEV:TEXT_COLUMNS:LABEL_COLUMN` for a TSV/CSV file
            pair with a header (`TEXT_COLUMNS` comma-separated).
        data_dir: str or None. The GLUE directory.
        objectives: tuple of str. Pre-training objectives to compare.
        points: int. Stages along the budget at which to fine-tune.
        seeds: tuple of int. Fine-tuning seeds; the median is reported.
        preset: str. The model size.
        pretrain_overrides: dict. More `PretrainConfig` fields (e.g.
            `corpus`, `sequence_length`, `batch_size`, `learning_rate`,
            `model_overrides`).
        finetune: `keras_electra.finetune.FinetuneConfig` or None (its
            defaults). The fine-tuning budget of every run.
        random_control: bool. Also fine-tune a random encoder.
    """

    output_dir: str
    train_flops: float
    tasks: tuple = ("sst2",)
    data_dir: str = None
    objectives: tuple = ("electra", "mlm")
    points: int = 3
    seeds: tuple = (1, 2, 3)
    preset: str = "tiny"
    pretrain_overrides: dict = dataclasses.field(default_factory=dict)
    finetune: object = None
    random_control: bool = True

    def check(self):
        """Raises `ValueError` naming the first unusable setting (imports
        nothing: a command line calls it before Keras and TensorFlow)."""
        if not self.train_flops > 0:
            raise ValueError(f"--train-flops must be positive, got {self.train_flops}")
        if self.points < 1:
            raise ValueError(f"--points must be positive, got {self.points}")
        if not self.tasks:
            raise ValueError("--tasks is empty")
        if not self.seeds:
            raise ValueError("--seeds is empty")
        for task in self.tasks:
            if task.startswith("tsv:"):
                if len(task.split(":")) != 5:
                    raise ValueError(
                        f"task '{task}' is not tsv:TRAIN:DEV:TEXT_COLUMNS:LABEL_COLUMN"
                    )
            elif not self.data_dir:
                raise ValueError(f"task '{task}' needs --data-dir (the GLUE directory)")
        return self


def compare_objectives(config):
    """Runs the comparison; returns the rows written to `comparison.json`.

    Each row: `init` (`random`, `electra`, `mlm`), `point` (stage, 0 for
    random), `train_flops`, `pretrain_seconds`, `task`, `metric`,
    `median`, `min`, `max` and `scores` (one per seed).
    """
    from keras_electra.pretrain import PretrainConfig
    from keras_electra.pretrain import pretrain
    from keras_electra.pretrain.config import resolve_inputs

    config.check()
    tasks = [_load_task(name, config.data_dir) for name in config.tasks]
    base = PretrainConfig(
        preset=config.preset, export_dir=None, demo=False,
        **config.pretrain_overrides,
    ).resolved()
    inputs = resolve_inputs(base)
    model_config = inputs.model_config
    rows = []
    if config.random_control:
        for name, task in tasks:
            rows.append(_finetuned_row(
                config, task, name, "random", 0, 0.0, None,
                os.path.join(config.output_dir, "finetune", "random", name),
                model_config, vocab=inputs.vocab.path,
            ))
    for objective in config.objectives:
        steps = _steps_for_budget(config, base, model_config, objective)
        run_dir = os.path.join(config.output_dir, "pretrain", objective)
        for point in range(1, config.points + 1):
            # The warm-up default follows the budget's steps, as in pretrain.py.
            result = pretrain(dataclasses.replace(
                base, objective=objective, steps=steps, model_dir=run_dir,
                warmup_steps=config.pretrain_overrides.get("warmup_steps"),
                max_train_flops=config.train_flops * point / config.points,
            ).resolved())
            compute = result.run_directory.compute()
            for name, task in tasks:
                rows.append(_finetuned_row(
                    config, task, name, objective, point,
                    compute.get("train_flops", 0.0), compute.get("train_seconds"),
                    os.path.join(config.output_dir, "finetune", objective,
                                 f"flops_{point}", name),
                    model_config, init=run_dir,
                ))
    write_reports(config, rows)
    return rows


def _load_task(name, data_dir):
    from keras_electra.finetune import load_task

    if not name.startswith("tsv:"):
        task, train, dev = load_task(name, data_dir)
        return name, (task, train, dev)
    _, train_path, dev_path, columns, label = name.split(":")
    tsv = dict(train=train_path, dev=dev_path, label_column=label,
               text_columns=[c for c in columns.split(",") if c])
    task, train, dev = load_task("tsv", tsv=tsv)
    return os.path.splitext(os.path.basename(train_path))[0], (task, train, dev)


def _steps_for_budget(config, base, model_config, objective):
    """Optimizer steps whose FLOPs fill the budget, so that each
    objective's learning-rate schedule ends where its budget does."""
    from keras_electra import flops

    per_step = flops.train_flops_per_step(
        model_config, base.sequence_length, base.batch_size,
        mask_rate=base.mask_rate, objective=objective,
    )
    return max(1, math.ceil(config.train_flops / per_step))


def _finetuned_row(config, task_data, name, init_name, point, train_flops,
                   pretrain_seconds, output_dir, model_config, init="random",
                   vocab=None):
    from keras_electra.finetune import finetune_seeds

    task, train, dev = task_data
    path = os.path.join(output_dir, RESULTS_FILE)
    # What the results depend on: a re-run reuses them only if all agree.
    key = {"init": init_name, "train_flops": train_flops, "seeds": list(config.seeds),
           "finetune": _finetune_settings(config.finetune)}
    results = _read_results(path, key)
    if results is None:  # Not run yet, cut short by a kill, or other settings.
        results = finetune_seeds(
            task, train, dev, init, seeds=config.seeds, config=config.finetune,
            output_dir=output_dir, preset=config.preset, save_model=False,
            vocab=vocab,
            config_overrides={
                "vocabulary_size": model_config.vocabulary_size,
                **config.pretrain_overrides.get("model_overrides", {}),
            },
        )
        results["comparison_key"] = key
        with open(path, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
    metric = task.metrics[0]
    scores = [run["scores"][metric] for run in results["runs"]]
    return {
        "init": init_name, "point": point, "train_flops": train_flops,
        "pretrain_seconds": pretrain_seconds, "task": name, "metric": metric,
        "median": statistics.median(scores), "min": min(scores),
        "max": max(scores), "scores": scores,
    }


def _read_results(path, key):
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError):
        return None
    return results if results.get("comparison_key") == key else None


def _finetune_settings(finetune):
    if not dataclasses.is_dataclass(finetune):
        return None
    return {k: v for k, v in dataclasses.asdict(finetune).items() if k != "normalization"}


def final_rows(rows):
    """The rows at each init's full budget (the random control's only)."""
    last = {}
    for row in rows:
        last[row["init"]] = max(last.get(row["init"], 0), row["point"])
    return [r for r in rows if r["point"] == last[r["init"]]]


def average_by_point(rows):
    """`{(init, point): (train_flops, mean of the task medians)}`."""
    groups = {}
    for row in rows:
        groups.setdefault((row["init"], row["point"]), []).append(row)
    return {
        key: (group[0]["train_flops"], statistics.mean(r["median"] for r in group))
        for key, group in groups.items()
    }


def write_reports(config, rows):
    """Writes `comparison.json`, `.csv`, `.md` and `.png`."""
    out = config.output_dir
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "comparison.json"), "w", encoding="utf-8") as f:
        json.dump({"rows": rows, "settings": _settings(config)}, f, indent=2)
        f.write("\n")
    columns = ("init", "point", "train_flops", "pretrain_seconds", "task",
               "metric", "median", "min", "max")
    with open(os.path.join(out, "comparison.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns + ("scores",))
        for row in rows:
            writer.writerow([row[c] for c in columns] + [
                " ".join(f"{s:.4f}" for s in row["scores"])])
    with open(os.path.join(out, "comparison.md"), "w", encoding="utf-8") as f:
        f.write(markdown_table(rows))
    plot(rows, os.path.join(out, "comparison.png"))


def markdown_table(rows):
    """The full-budget table: one column per init, one row per task."""
    rows = final_rows(rows)
    inits = list(dict.fromkeys(r["init"] for r in rows))
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    cell = {(r["init"], r["task"]): r for r in rows}
    lines = ["| task (metric) | " + " | ".join(inits) + " |",
             "|---|" + "---|" * len(inits)]
    for task in tasks:
        metric = next(r["metric"] for r in rows if r["task"] == task)
        lines.append(f"| {task} ({metric}) | " + " | ".join(
            f"{100 * cell[i, task]['median']:.1f} ({100 * cell[i, task]['min']:.1f}–"
            f"{100 * cell[i, task]['max']:.1f})" for i in inits) + " |")
    lines.append("| average | " + " | ".join(
        f"**{100 * statistics.mean(cell[i, t]['median'] for t in tasks):.1f}**"
        for i in inits) + " |")
    lines.append("| pre-training FLOPs | " + " | ".join(
        f"{cell[i, tasks[0]]['train_flops']:.3g}" for i in inits) + " |")
    lines.append("| pre-training seconds | " + " | ".join(
        "–" if cell[i, tasks[0]]["pretrain_seconds"] is None
        else f"{cell[i, tasks[0]]['pretrain_seconds']:.0f}" for i in inits) + " |")
    return "\n".join(lines) + "\n\nMedian over seeds (range in brackets), × 100.\n"


def plot(rows, path):
    """The average dev score against pre-training FLOPs, one line per
    objective, the random control as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    averages = average_by_point(rows)
    figure, axes = plt.subplots(figsize=(6, 4))
    for init in dict.fromkeys(i for i, _ in averages):
        points = sorted(v for (i, _), v in averages.items() if i == init)
        if init == "random":
            axes.axhline(100 * points[0][1], linestyle="--", color="gray",
                         label="random init")
        else:
            axes.plot([p[0] for p in points], [100 * p[1] for p in points],
                      marker="o", label=init)
    axes.set_xlabel("pre-training FLOPs")
    axes.set_ylabel("average dev score (median over seeds)")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _settings(config):
    settings = dataclasses.asdict(config)
    settings["finetune"] = _finetune_settings(config.finetune)
    return settings
