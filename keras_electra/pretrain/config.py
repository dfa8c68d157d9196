"""`PretrainConfig`: every setting of a pre-training run, resolved over its
preset, and the settings a resumed run must share.

Pure Python: a command line resolves and checks it before importing Keras.
"""

import dataclasses
import os

from keras_electra.config import ElectraConfig
from keras_electra.data.errors import DataError
from keras_electra.data.sources import DEFAULT_CORPUS
from keras_electra.data.sources import TextFiles
from keras_electra.data.sources import source_kind
from keras_electra.data.vocab import load_vocab
from keras_electra.normalization import TextNormalization
from keras_electra.presets import PAPER_WARMUP_STEPS
from keras_electra.presets import get_preset
from keras_electra.pretrain.jax_processes import FLAGS as PROCESS_FLAGS
from keras_electra.run_directory import RunDirectory

PRECISION_POLICIES = {"none": None, "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
XLA_CHOICES = {"auto": "auto", "on": True, "off": False}
# `--optimizer`: the paper's AdamW, or LAMB for large batches
# (`keras_electra.optimization.OPTIMIZERS`, named here without importing
# Keras).
OPTIMIZER_CHOICES = ("adamw", "lamb")
# `--remat`: what recomputes its activations in the backward pass
# (`keras_electra.models.remat.REMAT_MODES`, named here without importing
# Keras).
REMAT_CHOICES = ("none", "layers", "full")
DISTRIBUTE_CHOICES = (
    "auto", "none", "mirrored", "multi-worker", "tpu", "data-parallel", "fsdp",
)

# The pre-training objectives and the data pipeline's replacement rule for
# each: (mask_token_rate, random_token_rate) of the selected tokens.
# ELECTRA: 85% [MASK], 15% kept; the BERT-style masked-LM baseline: 80%
# [MASK], 10% a random token, 10% kept.
OBJECTIVES = {"electra": (0.85, 0.0), "mlm": (0.8, 0.1)}

# Settings a resumed run must share with the run in its directory: they fix
# the weights' shapes, the data stream or the meaning of a saved step.
# Steps, learning rate, warm-up and weight decay may change (as the
# original allows, e.g. to continue pre-training for longer).
RESUME_KEYS = (
    "config", "corpus", "vocab_sha256", "lower_case", "strip_accents",
    "sequence_length", "batch_size", "grad_accum_steps", "save_every", "seed",
    "mixed_precision", "mask_rate", "objective", "optimizer",
)

# The value a resume key has in runs recorded before it existed.
RESUME_DEFAULTS = {"objective": "electra", "optimizer": "adamw"}

# How each setting is spelled on the command line, for error messages.
FLAGS = {
    "sequence_length": "--seq-len", "batch_size": "--batch-size",
    "steps": "--steps", "learning_rate": "--learning-rate",
    "warmup_steps": "--warmup-steps", "weight_decay": "--weight-decay",
    "optimizer": "--optimizer", "remat": "--remat",
    "grad_accum_steps": "--grad-accum-steps", "save_every": "--save-every",
    "keep_checkpoints": "--keep-checkpoints", "mask_rate": "--mask-rate",
    "seed": "--seed", "mixed_precision": "--mixed-precision",
    "corpus": "--corpus", "vocab_sha256": "--vocab", "lower_case": "--lower-case",
    "strip_accents": "--strip-accents", "model_dir": "--model-dir",
    "objective": "--objective", "max_train_flops": "--max-train-flops",
    "max_minutes": "--max-minutes", "cluster_timeout": "--cluster-timeout",
    "init_from": "--init-from",
    **PROCESS_FLAGS,
}


@dataclasses.dataclass(frozen=True)
class PretrainConfig:
    """The settings of one pre-training run; `None` means the preset's.

    `resolved()` fills every `None` from `keras_electra.presets` (the
    paper's sequence length, batch size, steps and learning rate for
    small/base/large; a five-minute CPU run for tiny) and checks every
    value, naming the command-line flag of the first bad one.

    Args:
        preset: str. Model size: `tiny`, `small`, `base` or `large`.
        objective: str. `electra` (generator + discriminator, replaced-token
            detection) or `mlm` (the BERT-style baseline: one encoder of
            the discriminator's size trained as a masked LM, with BERT's
            80/10/10 masking). A resume key.
        model_overrides: dict of `ElectraConfig` fields to override.
        corpus: list of str or None. Text files or globs, a directory of
            prepared shards, or `tfds:NAME[:SPLIT[:FEATURE]]`; `None` is
            the bundled public-domain corpus.
        vocab: str or None. WordPiece vocab; `None` is the bundled uncased
            vocab.
        normalization: `TextNormalization` or None (lower-case, strip
            accents).
        sequence_length: int. Tokens per example.
        batch_size: int. Global batch of one optimizer update.
        steps: int. Optimizer updates in total.
        learning_rate: float. Peak learning rate.
        warmup_steps: int. Linear warm-up; defaults to
            `min(10000, steps // 10)`.
        optimizer: str. `adamw` (the paper's) or `lamb` (layer-wise trust
            ratio, for large batches). A resume key.
        weight_decay: float. Weight decay (LayerNorm and biases exempt).
        remat: str. `none`, `layers` (each transformer layer recomputes
            its activations in the backward pass) or `full` (also the
            embeddings and heads): less memory, the same updates, so a
            resumed run may change it.
        grad_accum_steps: int. Micro-batches per update.
        mask_rate: float. Fraction of tokens the generator predicts.
        seed: int. Seed of initialization, data order, masking, sampling.
        mixed_precision: str. `none`, `bf16` or `fp16`.
        xla: str. `auto`, `on` or `off`.
        distribute: str. One of `DISTRIBUTE_CHOICES`.
        tpu: str. The TPU name or address for `distribute="tpu"`.
        cluster_timeout: float. With `distribute="multi-worker"`: seconds
            to wait for every worker to join, and for any cross-worker
            exchange during training, before failing. With several JAX
            processes: seconds to wait for all of them to meet.
        coordinator_address: str or None. Multi-process JAX: `host:port` of
            process 0 (default: `KERAS_DISTRIBUTION_JOB_ADDRESSES`).
        num_processes: int or None. Multi-process JAX: processes in the run
            (default: `KERAS_DISTRIBUTION_NUM_PROCESSES`, else one).
        process_id: int or None. Multi-process JAX: this process, 0 the
            chief (default: `KERAS_DISTRIBUTION_PROCESS_ID`).
        model_dir: str. The run directory; defaults to
            `runs/electra_<preset>`.
        export_dir: str or None. Where the SavedModel goes; `None` skips it.
        save_every: int. Steps between checkpoints and TensorBoard points.
        keep_checkpoints: int. Periodic checkpoints kept.
        demo: bool. Print the replaced-token demo after training.
        max_train_flops: float or None. Stop at the first optimizer step
            whose training FLOPs (`keras_electra.flops`, cumulative over
            the run) reach this; `None`: no limit. Not a resume key: raise
            it to continue a run that stopped on it.
        max_minutes: float or None. Stop at the first optimizer step after
            this many minutes of training (summed over resumed runs);
            `None`: no limit. Not a resume key.
        init_from: str or None. Another run directory whose newest
            checkpoint gives the starting weights (same model config,
            objective and vocab; fresh optimizer, step 0): a second phase,
            e.g. at a longer `sequence_length`, as BERT trains 90% of its
            steps at 128 tokens and the rest at 512. Not a resume key.

    Example:
    ```python
    config = PretrainConfig(preset="small", corpus=["books/*.txt"],
                            mixed_precision="bf16").resolved()
    config.batch_size     # 128
    ```
    """

    preset: str = "tiny"
    objective: str = "electra"
    model_overrides: dict = dataclasses.field(default_factory=dict)
    corpus: tuple = None
    vocab: str = None
    normalization: TextNormalization = None
    sequence_length: int = None
    batch_size: int = None
    steps: int = None
    learning_rate: float = None
    warmup_steps: int = None
    optimizer: str = "adamw"
    weight_decay: float = 0.01
    remat: str = "none"
    grad_accum_steps: int = 1
    mask_rate: float = None
    seed: int = 0
    mixed_precision: str = "none"
    xla: str = "auto"
    distribute: str = "auto"
    tpu: str = "local"
    model_dir: str = None
    export_dir: str = "saved_models"
    save_every: int = None
    keep_checkpoints: int = 3
    demo: bool = False
    max_train_flops: float = None
    max_minutes: float = None
    init_from: str = None
    cluster_timeout: float = 600.0
    coordinator_address: str = None
    num_processes: int = None
    process_id: int = None

    def resolved(self):
        """A copy with every default filled in and every value checked.

        Raises:
            ValueError: naming the flag of the first unusable value.
        """
        preset = get_preset(self.preset)
        defaults = preset.pretraining
        values = {
            key: defaults[key] if getattr(self, key) is None else getattr(self, key)
            for key in ("sequence_length", "batch_size", "steps", "learning_rate",
                        "save_every", "mask_rate")
        }
        warmup = self.warmup_steps
        if warmup is None:
            warmup = min(PAPER_WARMUP_STEPS, values["steps"] // 10)
        corpus = self.corpus
        if isinstance(corpus, str):
            corpus = [corpus]
        resolved = dataclasses.replace(
            self,
            **values,
            warmup_steps=warmup,
            corpus=None if corpus is None else tuple(corpus),
            normalization=self.normalization or TextNormalization(),
            model_overrides=dict(self.model_overrides or {}),
            model_dir=self.model_dir or os.path.join("runs", f"electra_{self.preset}"),
        )
        resolved._check()
        return resolved

    def _check(self):
        for key in ("sequence_length", "batch_size", "steps", "save_every",
                    "grad_accum_steps", "keep_checkpoints"):
            value = getattr(self, key)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{FLAGS[key]} must be positive, got {value}")
        if self.sequence_length < 5:
            raise ValueError(f"--seq-len must be at least 5, got {self.sequence_length}")
        if self.learning_rate <= 0:
            raise ValueError(f"--learning-rate must be positive, got {self.learning_rate}")
        if self.warmup_steps < 0:
            raise ValueError(f"--warmup-steps must be >= 0, got {self.warmup_steps}")
        if not 0 <= self.weight_decay < 1:
            raise ValueError(f"--weight-decay must be in [0, 1), got {self.weight_decay}")
        if not 0 < self.mask_rate < 1:
            raise ValueError(f"--mask-rate must be in (0, 1), got {self.mask_rate}")
        if self.batch_size % self.grad_accum_steps:
            raise ValueError(
                f"--batch-size {self.batch_size} is not divisible by "
                f"--grad-accum-steps {self.grad_accum_steps}"
            )
        for key in ("max_train_flops", "max_minutes", "cluster_timeout"):
            value = getattr(self, key)
            if value is not None and not value > 0:
                raise ValueError(f"{FLAGS[key]} must be positive, got {value}")
        if self.distribute == "multi-worker" or (self.num_processes or 1) > 1:
            check_budget_across_processes(self)
        for key, choices in (("objective", OBJECTIVES),
                             ("mixed_precision", PRECISION_POLICIES),
                             ("xla", XLA_CHOICES),
                             ("optimizer", OPTIMIZER_CHOICES),
                             ("remat", REMAT_CHOICES),
                             ("distribute", DISTRIBUTE_CHOICES)):
            if getattr(self, key) not in choices:
                raise ValueError(
                    f"--{key.replace('_', '-')} {getattr(self, key)!r} is not one "
                    f"of {', '.join(choices)}"
                )

    @property
    def micro_batch_size(self):
        """Sequences per micro-batch (one `fit` step)."""
        return self.batch_size // self.grad_accum_steps

    @property
    def mask_token_rate(self):
        """Selected tokens the data pipeline sets to [MASK] (objective's)."""
        return OBJECTIVES[self.objective][0]

    @property
    def random_token_rate(self):
        """Selected tokens set to a random token (objective's)."""
        return OBJECTIVES[self.objective][1]

    @property
    def dtype_policy(self):
        """The Keras dtype policy of `mixed_precision` (`None`: float32)."""
        return PRECISION_POLICIES[self.mixed_precision]

    def settings(self):
        """The training settings `run.json` records (plain JSON values).

        Data settings that depend on the vocab and model (`config`,
        `vocab`, `vocab_sha256`, `corpus` paths) are added by `pretrain`.
        """
        return {
            "objective": self.objective,
            "sequence_length": self.sequence_length,
            "batch_size": self.batch_size,
            "steps": self.steps,
            "learning_rate": self.learning_rate,
            "warmup_steps": self.warmup_steps,
            "optimizer": self.optimizer,
            "weight_decay": self.weight_decay,
            "remat": self.remat,
            "grad_accum_steps": self.grad_accum_steps,
            "mask_rate": self.mask_rate,
            "mask_token_rate": self.mask_token_rate,
            "random_token_rate": self.random_token_rate,
            "save_every": self.save_every,
            "seed": self.seed,
            "mixed_precision": self.mixed_precision,
            **self.normalization.to_record(),
        }

    def to_record(self):
        """All fields as plain JSON values (for `run.json`)."""
        record = dataclasses.asdict(self)
        record["normalization"] = (self.normalization or TextNormalization()).to_record()
        record["corpus"] = None if self.corpus is None else list(self.corpus)
        return record


def check_budget_across_processes(config):
    """Refuses `--max-minutes` for a run on several processes.

    Args:
        config: `PretrainConfig` of a run on several processes.

    Raises:
        ValueError: when the run spans processes and has a wall-clock budget.
    """
    if config.max_minutes is not None:
        raise ValueError(
            "--max-minutes cannot stop several workers at the same step "
            "(each has its own clock); with --distribute multi-worker or "
            "--num-processes stop on --steps or --max-train-flops"
        )


@dataclasses.dataclass(frozen=True)
class RunInputs:
    """What a resolved `PretrainConfig` reads: its vocab, the model config
    it builds and its corpus (paths, globs or a `tfds:` name)."""

    vocab: object
    model_config: ElectraConfig
    corpus: list
    init_checkpoint: str = None


def resolve_inputs(config):
    """The vocab, model config and corpus of a resolved `config`, checked.

    Pure Python, so a command calls it before its slow imports: a missing or
    bad vocab or text file, an unknown `--config` field or a `--seq-len`
    beyond the position embeddings fails in a second. (TFDS names and
    TFRecord shards are opened later, by `keras_electra.data.as_source`.)

    Returns:
        `RunInputs`.

    Raises:
        DataError: naming the file, field or flag.
    """
    vocab = load_vocab(config.vocab)
    try:
        model_config = ElectraConfig.from_preset(
            config.preset, **{"vocabulary_size": vocab.size, **config.model_overrides}
        )
    except (TypeError, ValueError) as e:
        raise DataError(str(e)) from None
    load_vocab(vocab.path, model_config.vocabulary_size)
    if config.sequence_length > model_config.max_sequence_length:
        raise DataError(
            f"--seq-len {config.sequence_length} exceeds the model's "
            f"max_sequence_length={model_config.max_sequence_length}"
        )
    corpus = list(config.corpus or [DEFAULT_CORPUS])
    if source_kind(corpus) == "text":
        TextFiles(corpus)  # Raises for a missing, empty or unreadable file.
    init_checkpoint = None
    if config.init_from is not None:
        init_checkpoint = initial_checkpoint(config, model_config, vocab)
    return RunInputs(vocab, model_config, corpus, init_checkpoint)


# Model settings a run started `--init-from` another may change: they shape
# the training, not the weights.
PHASE_MAY_CHANGE = ("dropout", "temperature", "disc_weight", "mlm_weight")


def initial_checkpoint(config, model_config, vocab):
    """The checkpoint `--init-from` starts from, checked against this run.

    Raises:
        DataError: the directory holds no run with a checkpoint, is the run
            directory itself, or was trained with another objective, model
            config or vocab (the message names which).
    """
    source = RunDirectory(config.init_from)
    flag = f"--init-from '{config.init_from}'"
    if os.path.abspath(source.path) == os.path.abspath(config.model_dir):
        raise DataError(f"{flag} is --model-dir itself; re-run without it to resume")
    checkpoint = source.latest_checkpoint() if source.holds_run() else None
    if checkpoint is None:
        raise DataError(f"{flag} holds no pre-training run with a checkpoint "
                        "(run.json and checkpoints/step-*.weights.h5)")
    settings = source.settings()
    objective = settings.get("objective", RESUME_DEFAULTS["objective"])
    if objective != config.objective:
        raise DataError(f"{flag} trained --objective {objective}, this run "
                        f"{config.objective}")
    old, new = _with_defaults(settings.get("config")), _with_defaults(model_config.to_dict())
    for key in PHASE_MAY_CHANGE:
        old.pop(key, None), new.pop(key, None)
    if old != new:
        field = first_difference(old, new)
        raise DataError(f"{flag} has model {field}={old.get(field)!r}, this run "
                        f"{new.get(field)!r}")
    if settings.get("vocab_sha256") != vocab.sha256:
        raise DataError(f"{flag} was trained with another vocab "
                        f"('{settings.get('vocab')}', this run '{vocab.path}')")
    return checkpoint


def resume_conflict(old_settings, new_settings):
    """A description of the first resume key on which two runs differ, or
    `None` when a run with `new_settings` may resume one with `old_settings`.
    """
    for key in RESUME_KEYS:
        default = RESUME_DEFAULTS.get(key)
        old, new = old_settings.get(key, default), new_settings.get(key, default)
        if key == "config":
            old, new = _with_defaults(old), _with_defaults(new)
        if old == new:
            continue
        if key == "config" and isinstance(old, dict) and isinstance(new, dict):
            field = first_difference(old, new)
            return f"config {field}={old.get(field)!r}, not {new.get(field)!r}"
        return f"{FLAGS.get(key, key)} {old!r}, not {new!r}"
    return None


def first_difference(old, new):
    """The first key, alphabetically, whose value differs between two dicts."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))[0]


def _with_defaults(model_config):
    """A recorded model config with the fields it predates at their
    defaults (as `ElectraConfig.from_dict` loads it); as given when it is
    not a usable config."""
    if not isinstance(model_config, dict):
        return model_config
    from keras_electra.config import ElectraConfig

    try:
        return ElectraConfig.from_dict(model_config).to_dict()
    except (TypeError, ValueError):
        return model_config
