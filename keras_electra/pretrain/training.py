"""`pretrain`: one ELECTRA pre-training run, from text to a saved
discriminator, resumable after a crash or kill."""

import dataclasses
import json
import math
import os
import time

import keras

from keras_electra import data
from keras_electra import optimization
from keras_electra.config import ElectraConfig
from keras_electra.models.electra_pretrainer import ElectraPretrainer
from keras_electra.pretrain.callbacks import PeriodicCheckpoint
from keras_electra.pretrain.callbacks import RandomStateBackup
from keras_electra.pretrain.callbacks import StopAtStep
from keras_electra.pretrain.callbacks import TensorBoardScalars
from keras_electra.pretrain.callbacks import Throughput
from keras_electra.pretrain.callbacks import optimizer_step
from keras_electra.pretrain.callbacks import restore_training_state
from keras_electra.pretrain.config import PretrainConfig
from keras_electra.pretrain.config import XLA_CHOICES
from keras_electra.pretrain.config import resume_conflict
from keras_electra.pretrain.demo import print_replaced_token_demo
from keras_electra.pretrain.distribution import make_strategy
from keras_electra.run_directory import RunDirectory

# The SavedModel's name under `export_dir` and in `models.config`.
EXPORT_NAME = "electra"


@dataclasses.dataclass
class PretrainResult:
    """What `pretrain` returns.

    Args:
        pretrainer: the trained `ElectraPretrainer`.
        run_directory: `RunDirectory` holding the run.
        history: the `keras.callbacks.History` of this call's `fit`.
        start_step: int. The step this call started (resumed) from.
        final_step: int. The optimizer step reached.
        export_path: str or None. The SavedModel version written.
    """

    pretrainer: ElectraPretrainer
    run_directory: RunDirectory
    history: object
    start_step: int
    final_step: int
    export_path: str = None


def pretrain(config=None, *, strategy=None, command=None, verbose="auto"):
    """Pre-trains an ELECTRA generator/discriminator pair with `model.fit`.

    Everything is checked before the run directory is touched: the vocab,
    the model config, the corpus (it must pack into at least one sequence),
    the replica split and a previous run in the directory (it must share
    the settings in `keras_electra.pretrain.config.RESUME_KEYS`). A
    directory that holds a run of the same settings is resumed from its
    last saved step with the same data position and random streams, so
    the result equals an uninterrupted run.

    Args:
        config: `PretrainConfig` (resolved here) or None for the defaults
            (the `tiny` main job on the bundled corpus).
        strategy: a `tf.distribute.Strategy` (or a `JaxDataParallel`) to
            use instead of the one `config.distribute` names.
        command: list of str or None. The command line, for `run.json`.
        verbose: `fit`'s verbosity.

    Returns:
        `PretrainResult`.

    Raises:
        ValueError: (`DataError` included) for unusable settings or data;
            the message's first line names the problem.

    Example:
    ```python
    from keras_electra.pretrain import PretrainConfig, pretrain
    result = pretrain(PretrainConfig(preset="tiny", steps=100,
                                     model_dir="runs/demo", export_dir=None))
    result.run_directory.discriminator_file  # "runs/demo/electra_discriminator.keras"
    ```
    """
    config = (config or PretrainConfig()).resolved()
    run = RunDirectory(config.model_dir)

    # === Resolve and check everything before touching the run directory ===
    vocab = data.load_vocab(config.vocab)
    model_config = ElectraConfig.from_preset(
        config.preset, **{"vocabulary_size": vocab.size, **config.model_overrides}
    )
    data.load_vocab(vocab.path, model_config.vocabulary_size)
    if strategy is None:
        strategy = make_strategy(config.distribute, config.tpu)
    replicas = strategy.num_replicas_in_sync
    if config.micro_batch_size % replicas:
        raise ValueError(
            f"the batch of {config.micro_batch_size} sequences per micro-step "
            f"(--batch-size {config.batch_size} / --grad-accum-steps "
            f"{config.grad_accum_steps}) is not divisible by the {replicas} "
            f"replicas of --distribute {config.distribute}"
        )
    corpus = list(config.corpus or [data.DEFAULT_CORPUS])
    source = data.as_source(corpus[0] if len(corpus) == 1 else corpus)
    check_corpus_yields(source, vocab, config, model_config)
    settings = {
        **config.settings(),
        "config": model_config.to_dict(),
        "corpus": None if config.corpus is None else [_as_recorded(c) for c in corpus],
        "vocab": vocab.path,
        "vocab_sha256": vocab.sha256,
    }
    record = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "keras_electra_version": _version(),
        "keras_backend": keras.backend.backend(),
        "preset": config.preset,
        "settings": settings,
        "pretrain_config": config.to_record(),
        "command": list(command) if command else None,
    }
    previous = claim_run_directory(run, record)

    # === Model, optimizer, restored state ===
    with strategy.scope():
        keras.utils.set_random_seed(config.seed)
        pretrainer = ElectraPretrainer(
            model_config, seed=config.seed, dtype=config.dtype_policy
        )
        pretrainer.compile(
            optimizer=_optimizer(config, pretrainer),
            jit_compile=XLA_CHOICES[config.xla],
        )
        backup = keras.callbacks.BackupAndRestore(
            run.backup_dir,
            save_freq="epoch",
            # A kill during a save leaves the previous state to fall back on.
            double_checkpoint=True,
            delete_checkpoint=False,  # A finished run re-runs as a no-op.
        )
        start_step, start_epoch = restore_training_state(
            backup, pretrainer, run.random_state_file, config.save_every
        )

    print(
        f"ELECTRA-{config.preset}: {pretrainer.count_params() / 1e6:.1f}M parameters | "
        f"batch {config.batch_size} x seq {config.sequence_length} | "
        f"lr {config.learning_rate:g}, warm-up {config.warmup_steps} | "
        f"{replicas} replica(s), precision {config.mixed_precision} | "
        f"run dir {run.path}",
        flush=True,
    )
    if start_step:
        print(f"Resuming from step {start_step} of {config.steps} (found in "
              f"{run.backup_dir}).", flush=True)
    elif previous is not None:
        print(f"No saved step in {run.path} yet; starting at step 0.", flush=True)

    # === Data: its position is a function of the step ===
    dataset = data.pretraining_dataset(
        source, vocab, config.sequence_length, config.micro_batch_size,
        mask_rate=config.mask_rate, normalization=config.normalization,
        seed=config.seed, repeat=True, config=model_config,
        start_batch=start_step * config.grad_accum_steps,
    )

    # === Train ===
    remaining = max(0, config.steps - start_step)
    # At each epoch end, in this order: logs (flushed), weights, random
    # states, then the backup that makes the step the resume point.
    callbacks = [
        StopAtStep(config.steps),
        Throughput(config.batch_size),
        TensorBoardScalars(run.logs_dir),
        PeriodicCheckpoint(run, keep=config.keep_checkpoints),
        RandomStateBackup(run.random_state_file),
        backup,
    ]
    started = time.time()
    history = pretrainer.fit(
        dataset,
        epochs=start_epoch + math.ceil(remaining / config.save_every),
        initial_epoch=start_epoch,
        steps_per_epoch=config.save_every * config.grad_accum_steps,
        callbacks=callbacks,
        shuffle=False,
        verbose=verbose,
    )
    final_step = optimizer_step(pretrainer)
    if remaining:
        summary = {
            k: round(float(v[-1]), 4) for k, v in history.history.items()
            if k in ("loss", "mlm_accuracy", "disc_auc", "disc_accuracy")
        }
        print(f"Trained steps {start_step}..{final_step} in "
              f"{time.time() - started:.0f}s; last interval: "
              f"{json.dumps(summary)}", flush=True)
    else:
        print(f"{run.path} is already at step {final_step} (--steps "
              f"{config.steps}); nothing to train.", flush=True)

    # === Save, export, demo ===
    run.save_discriminator(pretrainer.discriminator, vocab.path, record)
    export_path = None
    if config.export_dir:
        export_path = export_for_serving(pretrainer, config, vocab)
        print(f"Saved the discriminator to {run.path} (for fine-tuning) and "
              f"{export_path} (SavedModel for TF Serving)", flush=True)
    else:
        print(f"Saved the discriminator to {run.path} (for fine-tuning)", flush=True)
    if config.demo:
        tokenizer = data.WordPieceTokenizer(vocab, config.normalization)
        print_replaced_token_demo(pretrainer, tokenizer)
    return PretrainResult(pretrainer, run, history, start_step, final_step, export_path)


def _optimizer(config, pretrainer):
    schedule = optimization.LinearWarmupLinearDecay(
        config.learning_rate,
        warmup_steps=config.warmup_steps,
        total_steps=config.steps,
        gradient_accumulation_steps=config.grad_accum_steps,
    )
    return optimization.electra_optimizer(
        schedule,
        pretrainer.trainable_variables,
        weight_decay=config.weight_decay,
        gradient_accumulation_steps=config.grad_accum_steps,
    )


def claim_run_directory(run, record):
    """Refuses a directory that holds another run; writes `run.json`.

    Args:
        run: `RunDirectory`.
        record: dict. What `run.json` should hold for this run.

    Returns:
        The previous record, or `None` for a new run.

    Raises:
        ValueError: when the directory holds files but no `run.json`, or a
            run whose resume settings differ from `record`'s. Nothing is
            written then.
    """
    previous = run.read_record()
    if previous is not None:
        conflict = resume_conflict(previous["settings"], record["settings"])
        if conflict:
            raise ValueError(
                f"--model-dir '{run.path}' holds a run with {conflict}; resume "
                "it with its own flags or pick another --model-dir (nothing "
                "was changed)"
            )
        record = {**record, "created": previous.get("created", record["created"])}
    elif os.path.isdir(run.path) and os.listdir(run.path):
        raise ValueError(
            f"--model-dir '{run.path}' is not empty and holds no run.json; "
            "pick an empty or new directory"
        )
    run.write_record(record)
    return previous


def check_corpus_yields(source, vocab, config, model_config):
    """Raises `DataError` unless `source` packs into at least one sequence
    the model can take."""
    if config.sequence_length > model_config.max_sequence_length:
        raise data.DataError(
            f"--seq-len {config.sequence_length} exceeds the model's "
            f"max_sequence_length={model_config.max_sequence_length}"
        )
    examples = data.packed_dataset(
        source, vocab, config.sequence_length,
        normalization=config.normalization, seed=0,
    )
    if not int(examples.take(1).reduce(0, lambda n, _: n + 1)):
        raise data.DataError(f"corpus {source!r} yields no sequences")


def export_for_serving(pretrainer, config, vocab):
    """Exports the discriminator as a new SavedModel version under
    `config.export_dir/electra/` and lists it in `models.config`."""
    from keras_electra import export

    path = export.export_discriminator(
        pretrainer,
        os.path.join(config.export_dir, EXPORT_NAME),
        vocab=vocab.path,
        sequence_length=config.sequence_length,
        normalization=config.normalization,
    )
    export.write_models_config(config.export_dir, names=[EXPORT_NAME])
    return path


def _as_recorded(source):
    if source.startswith("tfds:") or any(c in source for c in "*?["):
        return source
    return os.path.abspath(source)


def _version():
    import keras_electra

    return keras_electra.__version__
