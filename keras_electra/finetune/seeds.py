"""`SeedRuns`: the original's way of reporting a fine-tuning result — one
run per seed, each from a fresh copy of the same initial encoder, the median
reported — shared by GLUE (`finetune_seeds`), tagging and question answering.
"""

import json
import os
import shutil
import statistics
import time
import warnings

import keras
import numpy as np

from keras_electra.data.vocab import load_vocab
from keras_electra.finetune.loading import load_encoder
from keras_electra.finetune.loading import reinitialize_top_layers
from keras_electra.finetune.engine import check_compatible
from keras_electra.normalization import TextNormalization
from keras_electra.reporting import report

RESULTS_FILE = "results.json"
VOCAB_FILE = "vocab.txt"


class SeedRuns:
    """Fine-tuning runs of one initial encoder, one per seed.

    Everything is checked when it is built, before the first run: the
    encoder loads, the vocab fits its embedding table and the sequence
    length its position embeddings. The vocab used is copied into
    `output_dir`.

    Args:
        init: what `load_encoder` takes: a pre-training run directory, a
            `.keras` file, or `"random"` (with `preset`).
        seeds: list of int. One run each; the first also seeds the loading
            of a random `init`.
        output_dir: str. Gets `vocab.txt`, `seed_N/` and `results.json`.
        sequence_length: int. The fine-tuning sequence length.
        preset: str. Size of a random `init`.
        config_overrides: dict or None. `ElectraConfig` fields of a random
            `init`.
        vocab: str or None. Defaults to the vocab `init` recorded. A
            random `init` gets an embedding table of the vocab's size
            (unless `config_overrides` sets `vocabulary_size`).
        lower_case, strip_accents: bool or None. Override the normalization
            `init` recorded (lower-casing if none is).
        reinit_top_layers: int. Top transformer layers of `init` that get
            fresh weights for each seed (`reinitialize_top_layers`).

    Attributes:
        loaded: the first seed's `LoadedEncoder`.
        vocab: the `Vocab`.
        normalization: the resolved `TextNormalization`.

    Example:
    ```python
    runs = SeedRuns("runs/electra_tiny", [1, 2, 3], output_dir="out",
                    sequence_length=128)
    results = [r for r, model in runs.run(train_one, summary=str)]
    median = median_of(results, ["f1"], "scores")
    runs.write_results({"median": median, "runs": results}, percentages(median))
    ```
    """

    def __init__(self, init, seeds, *, output_dir, sequence_length,
                 preset="small", config_overrides=None, vocab=None,
                 lower_case=None, strip_accents=None, reinit_top_layers=0):
        self.init = init
        self.reinit_top_layers = reinit_top_layers
        self.seeds = list(seeds)
        self.output_dir = output_dir
        self.preset = preset
        self.config_overrides = dict(config_overrides or {})
        given_vocab = load_vocab(vocab) if vocab else None
        if given_vocab is not None and str(init) in ("random", "None"):
            # A random encoder's embedding table is as large as its vocab.
            self.config_overrides.setdefault("vocabulary_size", given_vocab.size)
        keras.utils.set_random_seed(self.seeds[0])
        self.loaded = self._load()
        stage = self.loaded.learning_stage
        if stage is not None and not stage.uses_context():
            warnings.warn(
                f"{self.loaded.source} was pre-trained to {stage.describe()}.",
                stacklevel=2,
            )
        self.vocab = given_vocab or load_vocab(self.loaded.vocab_path)
        check_compatible(self.loaded.encoder, self.vocab, sequence_length,
                         source=self.loaded.source)
        self.normalization = (
            self.loaded.normalization or TextNormalization()
        ).overridden(lower_case, strip_accents)
        os.makedirs(output_dir, exist_ok=True)
        shutil.copyfile(self.vocab.path, self.vocab_copy)

    @property
    def vocab_copy(self):
        """The copy of the vocab in `output_dir`."""
        return os.path.join(self.output_dir, VOCAB_FILE)

    def _load(self):
        loaded = load_encoder(self.init, preset=self.preset,
                              config_overrides=self.config_overrides)
        reinitialize_top_layers(loaded.encoder, self.reinit_top_layers)
        return loaded

    def run(self, train_one, summary, model_file=None):
        """Runs `train_one` once per seed; yields `(result, model)`.

        Args:
            train_one: callable `(seed, encoder, seed_dir) -> (model,
                result)`, `result` a JSON-able dict. `encoder` is a fresh
                copy of `init` (Keras seeded with `seed` before loading).
            summary: callable `result -> str`, printed after each seed.
            model_file: str or None. Save each model as
                `seed_N/<model_file>` (recorded as `result["model"]`).

        Yields:
            `(result, model)` per seed, `result["seconds"]` its wall time;
            the Keras session is cleared before the next seed, for every
            task.
        """
        for index, seed in enumerate(self.seeds):
            if index:
                keras.utils.set_random_seed(seed)
                encoder = self._load().encoder
            else:
                encoder = self.loaded.encoder
            seed_dir = os.path.join(self.output_dir, f"seed_{seed}")
            start = time.time()
            model, result = train_one(seed, encoder, seed_dir)
            result["seconds"] = round(time.time() - start, 1)
            if model_file:
                path = os.path.join(seed_dir, model_file)
                model.save(path)
                result["model"] = path
            report(f"seed {seed}: {summary(result)} ({result['seconds']:.0f}s)")
            yield result, model
            # One seed's layer names and graph state do not reach the next.
            keras.backend.clear_session()

    def settings(self):
        """The results' record of the initial encoder and the text handling."""
        return {
            "seeds": self.seeds,
            "init": self.loaded.source,
            "reinit_top_layers": self.reinit_top_layers,
            "vocab": self.vocab_copy,
            **self.normalization.to_record(),
        }

    def write_results(self, results, median):
        """Writes `results` (with its per-seed `runs`) to
        `output_dir/results.json`, reports `median` (a line of the median
        scores) beside its path, and returns the path."""
        path = os.path.join(self.output_dir, RESULTS_FILE)
        with open(path, "w") as f:
            json.dump(results, f, indent=2, default=_json_default)
            f.write("\n")
        report(f"median over {len(results['runs'])} seed(s): {median}; results in {path}")
        return path


def median_of(results, metrics, key):
    """`{metric: median over results of result[key][metric]}`."""
    return {
        name: statistics.median(result[key][name] for result in results)
        for name in metrics
    }


def percentages(scores, names=None):
    """`"name 12.34, ..."`: the fractions `scores[name]` as percentages."""
    names = scores if names is None else names
    return ", ".join(f"{name} {100 * scores[name]:.2f}" for name in names)


def _json_default(value):
    if isinstance(value, TextNormalization):
        return value.to_record()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
