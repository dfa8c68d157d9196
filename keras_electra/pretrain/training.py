"""`pretrain`: one ELECTRA (or masked-LM baseline) pre-training run, from
text to a saved discriminator, resumable after a crash or kill."""

import dataclasses
import json
import math
import os
import time

import keras

from keras_electra import data
from keras_electra import flops
from keras_electra import optimization
from keras_electra.models.electra_pretrainer import ElectraPretrainer
from keras_electra.models.mlm_pretrainer import MaskedLMPretrainer
from keras_electra.pretrain.callbacks import ComputeBudget
from keras_electra.pretrain.callbacks import PeriodicCheckpoint
from keras_electra.pretrain.callbacks import RandomStateBackup
from keras_electra.pretrain.callbacks import StopAtStep
from keras_electra.pretrain.callbacks import TensorBoardScalars
from keras_electra.pretrain.callbacks import Throughput
from keras_electra.pretrain.callbacks import TrainingBackup
from keras_electra.pretrain.callbacks import optimizer_step
from keras_electra.pretrain.callbacks import restore_training_state
from keras_electra.pretrain.config import PretrainConfig
from keras_electra.pretrain.config import FLAGS
from keras_electra.pretrain.config import check_budget_across_processes
from keras_electra.pretrain.config import XLA_CHOICES
from keras_electra.pretrain.config import resolve_inputs
from keras_electra.pretrain.config import resume_conflict
from keras_electra.pretrain.demo import print_replaced_token_demo
from keras_electra.pretrain.distribution import JaxDataParallel
from keras_electra.pretrain.distribution import OnOneProcess
from keras_electra.pretrain.distribution import is_chief
from keras_electra.pretrain.distribution import is_multi_worker
from keras_electra.pretrain.distribution import is_tpu
from keras_electra.pretrain.distribution import cluster_lost_error
from keras_electra.pretrain.distribution import make_strategy
from keras_electra.pretrain.distribution import one_process_variables
from keras_electra.pretrain.distribution import prepare_for_multi_worker_fit
from keras_electra.pretrain.distribution import task_name
from keras_electra.pretrain.distribution import worker_datasets
from keras_electra.pretrain.jax_processes import read_jax_processes
from keras_electra.pretrain.learning_stage import LearningStageMonitor
from keras_electra.pretrain.learning_stage import measure_learning_stage
from keras_electra.pretrain.learning_stage import read_stages
from keras_electra.pretrain.learning_stage import stage_batches
from keras_electra.pretrain.learning_stage import write_stages
from keras_electra.run_directory import RunDirectory

# The SavedModel's name under `export_dir` and in `models.config`.
EXPORT_NAME = "electra"

# Where the plateau runs and what leaves it are reported.
PLATEAU_RESULTS = "docs/results/plateau.md"

# The model each `PretrainConfig.objective` trains.
PRETRAINERS = {"electra": ElectraPretrainer, "mlm": MaskedLMPretrainer}


@dataclasses.dataclass
class PretrainResult:
    """What `pretrain` returns.

    Args:
        pretrainer: the trained `ElectraPretrainer` (`MaskedLMPretrainer`
            for `objective="mlm"`).
        run_directory: `RunDirectory` holding the run.
        history: the `keras.callbacks.History` of this call's `fit`.
        start_step: int. The step this call started (resumed) from.
        final_step: int. The optimizer step reached.
        export_path: str or None. The SavedModel version written.
        compute: dict. The run's training compute (`run.json`'s
            `compute`): `train_flops`, `train_seconds`, `stopped_by`, ...
    """

    pretrainer: ElectraPretrainer
    run_directory: RunDirectory
    history: object
    start_step: int
    final_step: int
    export_path: str = None
    compute: dict = None


def pretrain(config=None, *, strategy=None, command=None, verbose="auto"):
    """Pre-trains an ELECTRA generator/discriminator pair with `model.fit`
    (or, with `config.objective="mlm"`, the masked-LM baseline).

    Training compute is counted by `keras_electra.flops` as the paper
    counts it, logged to TensorBoard (`epoch_train_flops`, cumulative,
    and `epoch_train_flops_per_step`) and recorded in `run.json`'s
    `compute`. `config.max_train_flops` and `config.max_minutes` stop the
    run at the first optimizer step that reaches them; the stop is saved
    as a normal end, and a re-run with the same budget trains nothing.

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
    inputs = resolve_inputs(config)
    vocab, model_config, corpus = inputs.vocab, inputs.model_config, inputs.corpus
    if strategy is None:
        strategy = make_strategy(
            config.distribute, config.tpu, cluster_timeout=config.cluster_timeout,
            processes=read_jax_processes(
                config.coordinator_address, config.num_processes, config.process_id
            ),
        )
    if is_multi_worker(strategy):
        check_budget_across_processes(config)
    jax_processes = isinstance(strategy, JaxDataParallel) and is_multi_worker(strategy)
    replicas = strategy.num_replicas_in_sync
    if config.micro_batch_size % replicas:
        raise ValueError(
            f"the batch of {config.micro_batch_size} sequences per micro-step "
            f"(--batch-size {config.batch_size} / --grad-accum-steps "
            f"{config.grad_accum_steps}) is not divisible by the {replicas} "
            f"replicas of --distribute {config.distribute}"
        )
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
    # Several workers: only the chief writes the run directory; the others
    # resume from it (it must be on a file system they share) and write
    # nothing.
    chief = is_chief(strategy)
    previous = claim_run_directory(run, record) if chief else run.read_record()
    flops_per_step = flops.train_flops_per_step(
        model_config, config.sequence_length, config.batch_size,
        mask_rate=config.mask_rate, objective=config.objective,
    )

    # === Model, optimizer, restored state ===
    def build_pretrainer():
        return PRETRAINERS[config.objective](
            model_config, seed=config.seed, dtype=config.dtype_policy,
            remat=config.remat,
        )

    with strategy.scope():
        keras.utils.set_random_seed(config.seed)
        pretrainer = build_pretrainer()
        pretrainer.compile(
            optimizer=_optimizer(config, pretrainer),
            jit_compile=XLA_CHOICES[config.xla],
        )
        backup = TrainingBackup(
            run.backup_dir,
            save_freq="epoch",
            # A kill during a save leaves the previous state to fall back on.
            double_checkpoint=True,
            delete_checkpoint=False,  # A finished run re-runs as a no-op.
        )
        start_step, start_epoch = restore_training_state(
            backup, pretrainer, run.random_state_file, config.save_every
        )
        initialise_weights(run, pretrainer, start_step, inputs.init_checkpoint)
        if is_multi_worker(strategy) and not jax_processes:
            prepare_for_multi_worker_fit(pretrainer)

    name = "ELECTRA" if config.objective == "electra" else "MLM baseline"
    print(
        f"{name}-{config.preset}: {pretrainer.count_params() / 1e6:.1f}M parameters | "
        f"batch {config.batch_size} x seq {config.sequence_length} | "
        f"lr {config.learning_rate:g}, warm-up {config.warmup_steps} | "
        f"{replicas} replica(s), precision {config.mixed_precision} | "
        f"{flops_per_step:.3g} train FLOPs/step | run dir {run.path}"
        + ("" if chief else f" (written by the chief; this is {task_name(strategy)})"),
        flush=True,
    )
    if start_step:
        print(f"Resuming from step {start_step} of {config.steps} (found in "
              f"{run.backup_dir}).", flush=True)
    elif previous is not None:
        print(f"No saved step in {run.path} yet; starting at step 0.", flush=True)

    # === Data: its position is a function of the step ===
    def dataset_fn(input_context=None):
        return data.pretraining_dataset(
            source, vocab, config.sequence_length, config.micro_batch_size,
            mask_rate=config.mask_rate, mask_token_rate=config.mask_token_rate,
            random_token_rate=config.random_token_rate,
            normalization=config.normalization,
            seed=config.seed, repeat=True, config=model_config,
            start_batch=start_step * config.grad_accum_steps,
            input_context=input_context,
        )

    dataset = worker_datasets(strategy, dataset_fn)
    # The chief measures where the run stands (`learning_stage`, eagerly)
    # at every save; over several workers or processes only at the end; on
    # TPUs not at all (`tools/learning_stage.py` measures the checkpoints).
    measures_stage = chief and not is_tpu(strategy)
    stage_inputs = stage_batches(
        source, vocab, config.sequence_length, config.seed, model_config,
        mask_rate=config.mask_rate, mask_token_rate=config.mask_token_rate,
        random_token_rate=config.random_token_rate,
        normalization=config.normalization,
    ) if measures_stage else None
    # Under a JAX distribution the eager measurement runs once, at the end,
    # on a copy of the model outside the distribution.
    jax_distributed = (
        isinstance(strategy, JaxDataParallel)
        and keras.distribution.distribution() is not None
    )
    monitor = (
        LearningStageMonitor(stage_inputs, run.learning_stage_file)
        if measures_stage and not is_multi_worker(strategy) and not jax_distributed
        else None
    )

    # === Train ===
    budget = ComputeBudget(
        flops_per_step, run if chief else None,
        max_train_flops=config.max_train_flops,
        max_seconds=None if config.max_minutes is None else 60.0 * config.max_minutes,
        start_seconds=(previous or {}).get("compute", {}).get("train_seconds", 0.0)
        if start_step else 0.0,
        extra={"flops_convention": flops.DEFAULT_CONVENTION, "objective": config.objective},
    )
    on_budget = budget.reached(start_step, budget.start_seconds) if start_step else None
    remaining = 0 if on_budget else max(0, config.steps - start_step)
    # At each epoch end, in this order: logs (flushed), weights, random
    # states, then the backup that makes the step the resume point.
    callbacks = [StopAtStep(config.steps), budget, Throughput(config.batch_size)]
    if chief:
        savers = [
            *([monitor] if monitor else []),
            TensorBoardScalars(run.logs_dir),
            PeriodicCheckpoint(run, keep=config.keep_checkpoints),
            RandomStateBackup(run.random_state_file),
            backup,
        ]
        callbacks += [OnOneProcess(strategy, savers)] if jax_processes else savers
    started = time.time()
    try:
        history = pretrainer.fit(
            dataset,
            epochs=start_epoch + math.ceil(remaining / config.save_every),
            initial_epoch=start_epoch,
            steps_per_epoch=config.save_every * config.grad_accum_steps,
            callbacks=callbacks,
            shuffle=False,
            verbose=verbose,
        )
    except Exception as e:
        lost = cluster_lost_error(strategy, e, run)
        if lost is None:
            raise
        raise lost from None
    final_step = optimizer_step(pretrainer)
    stopped_by = budget.stopped_by or on_budget
    if stopped_by is None and final_step >= config.steps:
        stopped_by = "steps"
    compute = budget.compute(final_step, stopped_by)
    if remaining:
        summary = {
            k: round(float(v[-1]), 4) for k, v in history.history.items()
            if k in ("loss", "mlm_accuracy", "disc_auc", "disc_accuracy")
        }
        print(f"Trained steps {start_step}..{final_step} in "
              f"{time.time() - started:.0f}s, {compute['train_flops']:.3g} "
              f"train FLOPs in all; last interval: {json.dumps(summary)}",
              flush=True)
        if budget.stopped_by:
            print(f"Stopped at step {final_step} of {config.steps}: "
                  f"{_budget_text(config, budget.stopped_by, compute)}.",
                  flush=True)
    elif on_budget:
        print(f"{run.path} stopped at step {final_step} on its budget: "
              f"{_budget_text(config, on_budget, compute)}; nothing to train "
              f"(raise {FLAGS[on_budget]} to continue).", flush=True)
    else:
        print(f"{run.path} is already at step {final_step} (--steps "
              f"{config.steps}); nothing to train.", flush=True)

    if not chief:
        return PretrainResult(
            pretrainer, run, history, start_step, final_step, None, compute
        )

    # === Save, export, demo (the chief) ===
    if jax_processes:
        # The trained variables span every process; what follows runs on
        # the chief alone, so it works on a copy local to this process.
        weights = pretrainer.get_weights()
        with one_process_variables(strategy):
            pretrainer = build_pretrainer()
            pretrainer.set_weights(weights)
    if measures_stage:
        with one_process_variables(strategy):
            measured = pretrainer
            if jax_distributed and not jax_processes:  # Not a local copy yet.
                measured = build_pretrainer()
                measured.set_weights(pretrainer.get_weights())
            report_learning_stage(run, measured, stage_inputs, final_step)
    record = {**(run.read_record() or record), "compute": compute}
    run.write_record(record)
    run.save_discriminator(pretrainer.discriminator, vocab.path, record)
    export_path = None
    if config.export_dir:
        export_path = export_for_serving(pretrainer, config, vocab)
        print(f"Saved the discriminator to {run.path} (for fine-tuning) and "
              f"{export_path} (SavedModel for TF Serving)", flush=True)
    else:
        print(f"Saved the discriminator to {run.path} (for fine-tuning)", flush=True)
    if config.demo and config.objective == "electra":
        tokenizer = data.WordPieceTokenizer(vocab, config.normalization)
        print_replaced_token_demo(pretrainer, tokenizer)
    elif config.demo:
        print("No replaced-token demo: --objective mlm trains no replaced-token "
              "detector.", flush=True)
    return PretrainResult(
        pretrainer, run, history, start_step, final_step, export_path, compute
    )


def report_learning_stage(run, pretrainer, batches, step):
    """Prints where the run stands at `step`, measuring it unless the last
    save did, and keeps it in `learning_stage.json`."""
    stages = read_stages(run.learning_stage_file)
    stage = stages.get(step)
    if stage is None:
        stage = stages[step] = measure_learning_stage(pretrainer, batches, step)
        write_stages(run.learning_stage_file, stages)
    print(f"Learning stage at {stage.describe()}", flush=True)
    if not stage.uses_context():
        print("  Pre-train for longer before fine-tuning. Short sequences leave "
              "the plateau soonest: a first phase at --seq-len 16 (then "
              f"--init-from for longer ones); {PLATEAU_RESULTS} gives the "
              "settings and budgets measured.", flush=True)
    return stage


def _budget_text(config, budget, compute):
    if budget == "max_train_flops":
        return (f"{compute['train_flops']:.3g} train FLOPs reach --max-train-flops "
                f"{config.max_train_flops:g}")
    return (f"{compute['train_seconds'] / 60:.1f} minutes of training reach "
            f"--max-minutes {config.max_minutes:g}")


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
        algorithm=config.optimizer,
        weight_decay=config.weight_decay,
        gradient_accumulation_steps=config.grad_accum_steps,
    )


def initialise_weights(run, pretrainer, start_step, init_checkpoint=None):
    """Start a new run from given weights when there is no backup yet.

    The weights are `init_checkpoint` (`--init-from`: another run's newest
    checkpoint, e.g. a first phase at a shorter sequence length) or else
    the run directory's converted checkpoint: `python -m keras_electra
    convert DISC --generator GEN` writes a released generator +
    discriminator pair as `checkpoints/step-00000000.weights.h5`
    (`RunDirectory.converted_checkpoint`). A run that has a backup to
    resume (`start_step` > 0) resumes instead; the optimizer starts fresh.

    Returns:
        The checkpoint loaded, or `None`.

    Raises:
        ValueError: both are present, or the weights do not fit.
    """
    converted = run.converted_checkpoint()
    if start_step or (init_checkpoint is None and converted is None):
        return None
    if init_checkpoint is not None and converted is not None:
        raise ValueError(
            f"--init-from and the converted checkpoint '{converted}' in "
            f"--model-dir both give starting weights; use one"
        )
    checkpoint = init_checkpoint or converted
    try:
        pretrainer.load_weights(checkpoint)
    except Exception as e:  # h5py and Keras raise several types.
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(
            f"checkpoint '{checkpoint}' does not fit this run's model: {message}"
        ) from None
    print(f"Initialised from {checkpoint}.", flush=True)
    return checkpoint


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
    if previous is not None and previous.get("converted") is not None:
        # A converted model (`python -m keras_electra convert`), not a run:
        # this run starts in it (`initialise_weights`).
        conflict = run.converted_conflict(record["settings"])
        if conflict:
            raise ValueError(conflict)
        previous = None
    elif previous is not None:
        conflict = resume_conflict(previous["settings"], record["settings"])
        if conflict:
            raise ValueError(
                f"--model-dir '{run.path}' holds a run with {conflict}; resume "
                "it with its own flags or pick another --model-dir (nothing "
                "was changed)"
            )
        record = {**record, "created": previous.get("created", record["created"])}
        if previous.get("compute"):
            record["compute"] = previous["compute"]
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
    examples = data.packed_dataset(
        source, vocab, config.sequence_length,
        normalization=config.normalization, seed=0,
    )
    if not int(examples.take(1).reduce(0, lambda n, _: n + 1)):
        raise data.DataError(f"corpus {source!r} yields no sequences")


def export_for_serving(pretrainer, config, vocab):
    """Exports the discriminator as a new SavedModel version under
    `config.export_dir/electra/` and lists it in `models.config`.

    A masked-LM baseline has no replaced-token head: its encoder is
    exported alone (the `encode` signatures; `serving_default` returns the
    encoder outputs)."""
    from keras_electra import export

    model = pretrainer
    if isinstance(pretrainer, MaskedLMPretrainer):
        model = pretrainer.discriminator
    path = export.export_discriminator(
        model,
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
