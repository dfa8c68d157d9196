"""`finetune_seeds`: the original's way of reporting a fine-tuning result —
one run per seed, each scored on dev, the median reported — with
`results.json`, TensorBoard logs and the classifiers written to one
directory. `recipes/finetune_glue.py` is its command line.
"""

import dataclasses
import os


from keras_electra.finetune import glue
from keras_electra.finetune.seeds import SeedRuns
from keras_electra.finetune.seeds import median_of
from keras_electra.finetune.seeds import percentages
from keras_electra.finetune.training import FinetuneConfig
from keras_electra.finetune.training import finetune
from keras_electra.reporting import report

CLASSIFIER_FILE = "classifier.keras"


def load_task(name, data_dir=None, tfds=False, tfds_data_dir=None, tsv=None):
    """The `Task` called `name` and its train and dev `Examples`.

    Args:
        name: str. A GLUE task (`keras_electra.finetune.TASKS`) or `"tsv"`.
        data_dir: str. The GLUE directory in the tsv layout.
        tfds: bool. Read the prepared TFDS `glue/<task>` instead.
        tfds_data_dir: str or None. The TFDS data directory.
        tsv: dict for `name="tsv"`: `train`, `dev`, `text_columns` (list),
            `label_column`, `regression`, `header`.

    Returns:
        `(task, train, dev)`.

    Raises:
        DataError: for missing files or columns, naming them.
    """
    if name == "tsv":
        task = glue.tsv_task(
            tsv["train"], tsv["dev"], tsv["text_columns"], tsv["label_column"],
            regression=tsv.get("regression", False), header=tsv.get("header", True),
        )
        return task, glue.load_examples(task, tsv["train"]), glue.load_examples(task, tsv["dev"])
    task = glue.TASKS[name]
    if tfds:
        splits = [glue.load_split(task, s, tfds_data_dir=tfds_data_dir) for s in ("train", "dev")]
    else:
        if not os.path.isdir(data_dir or ""):
            raise ValueError(f"--data-dir '{data_dir}' is not a directory")
        splits = [glue.load_split(task, s, data_dir) for s in ("train", "dev")]
    return (task, *splits)


def finetune_seeds(
    task,
    train,
    dev,
    init,
    *,
    seeds=(1,),
    config=None,
    output_dir,
    save_model=True,
    verbose=0,
    command=None,
    **encoder_options,
):
    """Fine-tunes a fresh copy of `init` once per seed; reports the median.

    Everything is checked before the first run: the encoder loads, the
    vocab fits its embedding table and the sequence length its position
    embeddings.

    Args:
        task, train, dev: from `load_task`.
        init: what `load_encoder` takes: a pre-training run directory, a
            `.keras` file, or `"random"` (with `preset`).
        seeds: list of int. One run each.
        config: `FinetuneConfig` or None. Its `normalization` is replaced by
            the one resolved here.
        output_dir: str. Gets `results.json`, `vocab.txt` and `seed_N/`
            (`logs/`, `classifier.keras`).
        save_model: bool. Save each seed's classifier.
        verbose: int. `fit` verbosity.
        command: list of str or None. The command line, for the results.
        **encoder_options: `SeedRuns`' `preset`, `config_overrides`,
            `vocab`, `lower_case`, `strip_accents` and
            `reinit_top_layers`.

    Returns:
        The results dict written to `results.json`.
    """
    config = config or FinetuneConfig()
    runs = SeedRuns(init, seeds, output_dir=output_dir,
                    sequence_length=config.sequence_length, **encoder_options)
    config = dataclasses.replace(config, normalization=runs.normalization)
    report(
        f"{task.name}: {len(train)} train / {len(dev)} dev examples "
        f"({train.source}, {dev.source}); encoder {runs.loaded.source}; "
        f"seeds {','.join(map(str, runs.seeds))}",
    )

    def train_one(seed, encoder, seed_dir):
        return finetune(
            task, train, dev, encoder, runs.vocab, config, seed=seed,
            log_dir=os.path.join(seed_dir, "logs"), verbose=verbose,
        )

    results = []
    for result, _ in runs.run(
        train_one, summary=lambda r: percentages(r["scores"]),
        model_file=CLASSIFIER_FILE if save_model else None,
    ):
        results.append(result)

    median = median_of(results, task.metrics, "scores")
    summary = {
        "task": task.name,
        "metrics": list(task.metrics),
        "median": median,
        "runs": results,
        **runs.settings(),
        "sequence_length": config.sequence_length,
        "text_columns": [str(c) for c in task.text_columns],
        "label_column": str(task.label_column),
        "regression": task.regression,
        "label_names": None if task.regression else list(task.labels),
        "train_source": train.source,
        "dev_source": dev.source,
        "command": command,
    }
    runs.write_results(summary, percentages(median))
    return summary

