"""`RunDirectory`: the one definition of a pre-training run's files.

Pre-training writes a run directory; fine-tuning, export and conversion read
it. Every file name lives here:

| path | what | written |
|---|---|---|
| `run.json` | the resolved settings (model config, data, normalization, optimizer) and the command line; `compute`: training FLOPs and seconds so far | at start, before training; `compute` every `save_every` steps |
| `backup/` | Keras `BackupAndRestore`: the full training state a re-run resumes from | every `save_every` steps |
| `backup_random_state.json` | the `SeedGenerator` states (and epoch) per saved step | before each backup |
| `checkpoints/step-NNNNNNNN.weights.h5` | periodic weights of the whole pretrainer | every `save_every` steps |
| `logs/` | TensorBoard | every `save_every` steps |
| `learning_stage.json` | where the run stands (discriminator AUC on the generator's samples, masked-LM accuracy) per saved step (`keras_electra.pretrain.learning_stage`) | every `save_every` steps, and at the end |
| `electra_discriminator.keras` | the trained discriminator encoder | at the end |
| `electra_vocab.txt` | its vocab | at the end |
| `electra_run.json` | a copy of `run.json` beside the encoder | at the end |
| `electra_discriminator_head.npz` | the replaced-token head of a converted discriminator without a generator (Hugging Face tensor names) | by `python -m keras_electra convert` |

`python -m keras_electra convert` writes a *converted* directory: `run.json`
(and its copy) with a `converted` record (source, format) and settings
`config`, `vocab`, `vocab_sha256`, `lower_case`, `strip_accents`,
`sequence_length`, `source`; the discriminator and vocab as above; and for a
generator + discriminator pair the whole pretrainer as
`checkpoints/step-00000000.weights.h5`, which a pre-training run started in
the directory initialises from.

Directories written by earlier versions (settings key `seq_len`, `mask_rate`
inside the model config, no `strip_accents`) read the same way.

Pure Python: opening a run directory imports neither Keras nor TensorFlow.
"""

import glob
import json
import os
import shutil

from keras_electra.normalization import TextNormalization

RUN_FILE = "run.json"
BACKUP_DIR = "backup"
RANDOM_STATE_FILE = "backup_random_state.json"
CHECKPOINTS_DIR = "checkpoints"
CHECKPOINT_PREFIX, CHECKPOINT_SUFFIX = "step-", ".weights.h5"
CHECKPOINT_PATTERN = f"{CHECKPOINT_PREFIX}*{CHECKPOINT_SUFFIX}"
LOGS_DIR = "logs"
LEARNING_STAGE_FILE = "learning_stage.json"
DISCRIMINATOR_FILE = "electra_discriminator.keras"
VOCAB_FILE = "electra_vocab.txt"
FINAL_RUN_FILE = "electra_run.json"
CONVERTED_HEAD_FILE = "electra_discriminator_head.npz"
# The step of a converted checkpoint: pre-training never saves step 0.
CONVERTED_STEP = 0


class RunDirectory:
    """A pre-training run directory (`recipes/pretrain.py --model-dir`).

    Args:
        path: str or path-like. The directory (need not exist yet).

    Example:
    ```python
    run = RunDirectory("runs/electra_tiny")
    run.is_finished()          # True once the discriminator is saved
    run.settings()["sequence_length"]
    run.latest_checkpoint()    # ".../checkpoints/step-00000400.weights.h5"
    ```
    """

    def __init__(self, path):
        self.path = os.fspath(path)

    def __repr__(self):
        return f"RunDirectory({self.path!r})"

    def _join(self, *names):
        return os.path.join(self.path, *names)

    # === Paths ===
    @property
    def run_file(self):
        return self._join(RUN_FILE)

    @property
    def backup_dir(self):
        return self._join(BACKUP_DIR)

    @property
    def random_state_file(self):
        return self._join(RANDOM_STATE_FILE)

    @property
    def checkpoints_dir(self):
        return self._join(CHECKPOINTS_DIR)

    @property
    def logs_dir(self):
        return self._join(LOGS_DIR)

    @property
    def learning_stage_file(self):
        return self._join(LEARNING_STAGE_FILE)

    @property
    def discriminator_file(self):
        return self._join(DISCRIMINATOR_FILE)

    @property
    def vocab_file(self):
        return self._join(VOCAB_FILE)

    @property
    def final_run_file(self):
        return self._join(FINAL_RUN_FILE)

    @property
    def converted_head_file(self):
        return self._join(CONVERTED_HEAD_FILE)

    def checkpoint_path(self, step):
        """Where the periodic checkpoint of optimizer step `step` goes."""
        name = f"{CHECKPOINT_PREFIX}{int(step):08d}{CHECKPOINT_SUFFIX}"
        return os.path.join(self.checkpoints_dir, name)

    @staticmethod
    def checkpoint_step(path):
        """The optimizer step of a periodic checkpoint's file name."""
        name = os.path.basename(path)
        return int(name[len(CHECKPOINT_PREFIX):-len(CHECKPOINT_SUFFIX)])

    # === What is there ===
    def holds_run(self):
        """Whether the directory holds a run (its `run.json`)."""
        return os.path.isfile(self.run_file)

    def is_finished(self):
        """Whether the trained discriminator has been saved."""
        return os.path.isfile(self.discriminator_file)

    def checkpoints(self):
        """The periodic checkpoints, oldest first."""
        return sorted(glob.glob(os.path.join(self.checkpoints_dir, CHECKPOINT_PATTERN)))

    def latest_checkpoint(self):
        """The newest periodic checkpoint, or `None`."""
        checkpoints = self.checkpoints()
        return checkpoints[-1] if checkpoints else None

    # === The run record ===
    def read_record(self, final=False):
        """The parsed `run.json` (or `electra_run.json` with `final=True`),
        settings upgraded to the current spelling; `None` if absent.

        Raises:
            ValueError: the file exists but is not a JSON run record.
        """
        path = self.final_run_file if final else self.run_file
        if not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8") as f:
                record = json.load(f)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as e:
            raise ValueError(f"unreadable '{path}': {e}") from None
        return record

    def settings(self):
        """The run's settings (`{}` when it records none)."""
        record = self.read_record() or self.read_record(final=True) or {}
        return record.get("settings", {})

    def write_record(self, record):
        """Writes `run.json` atomically (creating the directory)."""
        os.makedirs(self.path, exist_ok=True)
        _write_json(self.run_file, record)

    # === What fine-tuning and export read ===
    def model_config(self):
        """The recorded `ElectraConfig` fields, or `None`."""
        return self.settings().get("config")

    def normalization(self):
        """The recorded `TextNormalization`, or `None` if none is recorded."""
        settings = self.settings()
        if settings.get("lower_case") is None:
            return None
        return TextNormalization.from_record(settings)

    def vocab_path(self):
        """The run's vocab: the saved copy, else the recorded path if it
        still exists, else `None`."""
        if os.path.isfile(self.vocab_file):
            return self.vocab_file
        vocab = self.settings().get("vocab")
        if vocab and not os.path.isabs(vocab):
            vocab = self._join(vocab)
        return vocab if vocab and os.path.isfile(vocab) else None

    def sequence_length(self):
        """The recorded pre-training sequence length, or `None`."""
        return self.settings().get("sequence_length")

    # === Training compute ===
    def compute(self):
        """`run.json`'s `compute` record (`{}` when there is none): the
        optimizer `step`, `train_flops` (cumulative),
        `train_flops_per_step`, `train_seconds` and `stopped_by` (the
        budget a run stopped on: `max_train_flops`, `max_minutes`, `steps`
        once finished, or `None`)."""
        record = self.read_record() or self.read_record(final=True) or {}
        return dict(record.get("compute") or {})

    def record_compute(self, compute):
        """Writes `compute` into `run.json` (which must exist)."""
        record = self.read_record()
        if record is None:
            raise ValueError(f"'{self.run_file}' does not exist")
        record["compute"] = dict(compute)
        self.write_record(record)

    # === What pre-training writes at the end ===
    def save_discriminator(self, discriminator, vocab_path, record):
        """Saves the trained discriminator with its vocab and run record:
        what fine-tuning's `--init RUN_DIR` loads."""
        os.makedirs(self.path, exist_ok=True)
        discriminator.save(self.discriminator_file)
        shutil.copyfile(vocab_path, self.vocab_file)
        _write_json(self.final_run_file, record)


    # === Converted checkpoints (`python -m keras_electra convert`) ===
    def converted(self):
        """The `converted` record of a directory written by `convert`
        (`source`, `format`, `generator`, ...), or `None`."""
        for final in (False, True):
            record = self.read_record(final=final)
            if record is not None:
                if record.get("converted") is not None:
                    return dict(record["converted"])
        return None

    def converted_checkpoint(self):
        """The converted pair's weights a pre-training run starts from
        (`checkpoints/step-00000000.weights.h5`), or `None`."""
        path = self.checkpoint_path(CONVERTED_STEP)
        return path if os.path.isfile(path) else None

    def converted_conflict(self, settings):
        """Why a pre-training run with `settings` cannot start from this
        converted directory (one line naming the flags to pass), or `None`.
        """
        if self.converted_checkpoint() is None:
            return (
                f"--model-dir '{self.path}' holds a converted discriminator "
                "without a generator; pre-training needs the pair: convert "
                "again with --generator"
            )
        converted = (self.read_record(final=True) or {}).get("settings") or {}
        old = converted.get("config") or {}
        new = settings.get("config") or {}
        flags = [
            f"--config {k}={json.dumps(old[k])}"
            for k in sorted(old) if k in new and new[k] != old[k]
        ]
        if converted.get("vocab_sha256") != settings.get("vocab_sha256"):
            flags.append(f"--vocab {self.vocab_file}")
        for key in ("lower_case", "strip_accents"):
            if key in converted and converted[key] != settings.get(key):
                flag = key.replace("_", "-")
                flags.append(f"--{flag}" if converted[key] else f"--no-{flag}")
        if settings.get("objective", "electra") != "electra":
            flags.append("--objective electra")
        if not flags:
            return None
        return (
            f"--model-dir '{self.path}' holds a converted ELECTRA model; "
            f"continue it with {' '.join(flags)} (nothing was changed)"
        )

    def save_converted(self, record, discriminator, vocab_path, pretrainer=None,
                       head_arrays=None):
        """Writes a converted directory (see the module docstring).

        Args:
            record: dict. The run record (`converted` and `settings`).
            discriminator: `ElectraEncoder` to save as
                `electra_discriminator.keras`.
            vocab_path: str. The vocab to copy.
            pretrainer: `ElectraPretrainer` or None. Saved whole as the
                step-0 checkpoint.
            head_arrays: dict of numpy arrays or None. The discriminator
                head without a pretrainer (`electra_discriminator_head.npz`).
        """
        os.makedirs(self.path, exist_ok=True)
        if pretrainer is not None:
            os.makedirs(self.checkpoints_dir, exist_ok=True)
            pretrainer.save_weights(self.checkpoint_path(CONVERTED_STEP))
        if head_arrays is not None:
            import numpy as np

            np.savez(self.converted_head_file, **head_arrays)
        self.write_record(record)
        self.save_discriminator(discriminator, vocab_path, record)


def _write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
