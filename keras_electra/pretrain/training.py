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
from keras_electra.reporting import report

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
    plan = plan_run((config or PretrainConfig()).resolved(), strategy, command)
    run = plan.run
    # The first write: this run's run.json, once a run there is checked to
    # be one this run may resume. Only the chief writes; other workers
    # resume from it (on a file system they share) and write nothing.
    previous = claim_run_directory(run, plan.record) if plan.chief else run.read_record()
    pretrainer, backup, start_step, start_epoch = restore_pretrainer(plan)
    announce_run(plan, pretrainer, start_step, previous)
    dataset = training_dataset(plan, start_step)
    stage = stage_measurement(plan)
    budget = compute_budget(plan, previous, start_step)
    on_budget = budget.reached(start_step, budget.start_seconds) if start_step else None
    remaining = 0 if on_budget else max(0, plan.config.steps - start_step)

    started = time.time()
    history = train(plan, pretrainer, dataset, start_epoch, remaining,
                    training_callbacks(plan, budget, backup, stage.monitor), verbose)
    final_step = optimizer_step(pretrainer)
    stopped_by = budget.stopped_by or on_budget
    if stopped_by is None and final_step >= plan.config.steps:
        stopped_by = "steps"
    compute = budget.compute(final_step, stopped_by)
    report_training(plan, history, budget, on_budget, compute,
                    start_step, final_step, remaining, time.time() - started)
    export_path = None
    if plan.chief:
        export_path = save_run(plan, pretrainer, stage, final_step, compute)
    return PretrainResult(
        pretrainer, run, history, start_step, final_step, export_path, compute
    )


@dataclasses.dataclass
class RunPlan:
    """What `pretrain` resolves and checks before it writes anything.

    Args:
        config: the resolved `PretrainConfig`.
        run: `RunDirectory` of `config.model_dir`.
        inputs: `RunInputs` (vocab, model config, corpus, `--init-from`).
        strategy: the distribution strategy (or `JaxDataParallel`).
        source: the corpus as a `data` source.
        record: dict. What `run.json` will hold.
        flops_per_step: float. Training FLOPs of one optimizer step.
    """

    config: PretrainConfig
    run: RunDirectory
    inputs: object
    strategy: object
    source: object
    record: dict
    flops_per_step: float

    @property
    def chief(self):
        """Whether this worker writes the run directory."""
        return is_chief(self.strategy)

    @property
    def jax_processes(self):
        """Whether this is one of several JAX processes."""
        return isinstance(self.strategy, JaxDataParallel) and is_multi_worker(self.strategy)


def plan_run(config, strategy=None, command=None):
    """Resolves and checks everything a run needs; writes nothing.

    The vocab, the model config and `--init-from` (`resolve_inputs`), the
    strategy, the budget across processes, the split of a batch over the
    replicas and the corpus (it must pack into at least one sequence).

    Returns:
        `RunPlan`.

    Raises:
        ValueError: the first unusable setting, named in one line.
    """
    inputs = resolve_inputs(config)
    if strategy is None:
        strategy = make_strategy(
            config.distribute, config.tpu, cluster_timeout=config.cluster_timeout,
            processes=read_jax_processes(
                config.coordinator_address, config.num_processes, config.process_id
            ),
        )
    if is_multi_worker(strategy):
        check_budget_across_processes(config)
    replicas = strategy.num_replicas_in_sync
    if config.micro_batch_size % replicas:
        raise ValueError(
            f"the batch of {config.micro_batch_size} sequences per micro-step "
            f"(--batch-size {config.batch_size} / --grad-accum-steps "
            f"{config.grad_accum_steps}) is not divisible by the {replicas} "
            f"replicas of --distribute {config.distribute}"
        )
    corpus = inputs.corpus
    source = data.as_source(corpus[0] if len(corpus) == 1 else corpus)
    check_corpus_yields(source, inputs.vocab, config, inputs.model_config)
    settings = {
        **config.settings(),
        "config": inputs.model_config.to_dict(),
        "corpus": None if config.corpus is None else [_as_recorded(c) for c in corpus],
        "vocab": inputs.vocab.path,
        "vocab_sha256": inputs.vocab.sha256,
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
    flops_per_step = flops.train_flops_per_step(
        inputs.model_config, config.sequence_length, config.batch_size,
        mask_rate=config.mask_rate, objective=config.objective,
    )
    return RunPlan(config, RunDirectory(config.model_dir), inputs, strategy,
                   source, record, flops_per_step)


def build_pretrainer(config, model_config):
    """The untrained model of `config.objective`."""
    return PRETRAINERS[config.objective](
        model_config, seed=config.seed, dtype=config.dtype_policy, remat=config.remat,
    )


def restore_pretrainer(plan):
    """The compiled pretrainer at the run's last saved step, or at its
    starting weights (`--init-from`, a converted checkpoint) or random
    init for a new run.

    Returns:
        `(pretrainer, backup, start_step, start_epoch)`: `backup` is the
        `TrainingBackup` callback that saves the resume point.
    """
    config, run = plan.config, plan.run
    with plan.strategy.scope():
        keras.utils.set_random_seed(config.seed)
        pretrainer = build_pretrainer(config, plan.inputs.model_config)
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
        initialise_weights(run, pretrainer, start_step, plan.inputs.init_checkpoint)
        if is_multi_worker(plan.strategy) and not plan.jax_processes:
            prepare_for_multi_worker_fit(pretrainer)
    return pretrainer, backup, start_step, start_epoch


def announce_run(plan, pretrainer, start_step, previous):
    """Prints the run's size, settings and whether it resumes."""
    config, run = plan.config, plan.run
    name = "ELECTRA" if config.objective == "electra" else "MLM baseline"
    report(
        f"{name}-{config.preset}: {pretrainer.count_params() / 1e6:.1f}M parameters | "
        f"batch {config.batch_size} x seq {config.sequence_length} | "
        f"lr {config.learning_rate:g}, warm-up {config.warmup_steps} | "
        f"{plan.strategy.num_replicas_in_sync} replica(s), precision "
        f"{config.mixed_precision} | {plan.flops_per_step:.3g} train FLOPs/step | "
        f"run dir {run.path}"
        + ("" if plan.chief
           else f" (written by the chief; this is {task_name(plan.strategy)})"),
    )
    if start_step:
        report(f"Resuming from step {start_step} of {config.steps} (found in "
               f"{run.backup_dir}).")
    elif previous is not None:
        report(f"No saved step in {run.path} yet; starting at step 0.")


@dataclasses.dataclass
class StageMeasurement:
    """How the run measures where it stands (`learning_stage`).

    Args:
        batches: the fixed batches it is measured on, or None when this
            worker does not measure (not the chief, or on TPUs, where
            `tools/learning_stage.py` measures the checkpoints).
        monitor: `LearningStageMonitor` measuring at every save, or None
            when it is measured once, at the end (several workers or
            processes, a JAX distribution).
        jax_distributed: bool. The model lives in a JAX distribution: the
            eager measurement runs on a copy outside it.
    """

    batches: object
    monitor: object
    jax_distributed: bool


def stage_measurement(plan):
    """`StageMeasurement` of this worker."""
    config, inputs = plan.config, plan.inputs
    measures = plan.chief and not is_tpu(plan.strategy)
    batches = stage_batches(
        plan.source, inputs.vocab, config.sequence_length, config.seed,
        inputs.model_config, mask_rate=config.mask_rate,
        mask_token_rate=config.mask_token_rate,
        random_token_rate=config.random_token_rate,
        normalization=config.normalization,
    ) if measures else None
    jax_distributed = (
        isinstance(plan.strategy, JaxDataParallel)
        and keras.distribution.distribution() is not None
    )
    monitor = (
        LearningStageMonitor(batches, plan.run.learning_stage_file)
        if measures and not is_multi_worker(plan.strategy) and not jax_distributed
        else None
    )
    return StageMeasurement(batches, monitor, jax_distributed)


def compute_budget(plan, previous, start_step):
    """The `ComputeBudget` callback: counts FLOPs and seconds, and stops the
    run at `--max-train-flops` / `--max-minutes`."""
    config = plan.config
    return ComputeBudget(
        plan.flops_per_step, plan.run if plan.chief else None,
        max_train_flops=config.max_train_flops,
        max_seconds=None if config.max_minutes is None else 60.0 * config.max_minutes,
        start_seconds=(previous or {}).get("compute", {}).get("train_seconds", 0.0)
        if start_step else 0.0,
        extra={"flops_convention": flops.DEFAULT_CONVENTION, "objective": config.objective},
    )


def training_callbacks(plan, budget, backup, monitor):
    """The `fit` callbacks. At each epoch end, in this order: logs
    (flushed), weights, random states, then the backup that makes the step
    the resume point (the chief's savers; once over JAX processes)."""
    config = plan.config
    callbacks = [StopAtStep(config.steps), budget, Throughput(config.batch_size)]
    if plan.chief:
        savers = [
            *([monitor] if monitor else []),
            TensorBoardScalars(plan.run.logs_dir),
            PeriodicCheckpoint(plan.run, keep=config.keep_checkpoints),
            RandomStateBackup(plan.run.random_state_file),
            backup,
        ]
        callbacks += [OnOneProcess(plan.strategy, savers)] if plan.jax_processes else savers
    return callbacks


def training_dataset(plan, start_step):
    """The training batches from `start_step` on: their position in the
    corpus is a function of the step, so a resumed run sees what an
    uninterrupted one would."""
    config, inputs = plan.config, plan.inputs

    def dataset_fn(input_context=None):
        return data.pretraining_dataset(
            plan.source, inputs.vocab, config.sequence_length, config.micro_batch_size,
            mask_rate=config.mask_rate, mask_token_rate=config.mask_token_rate,
            random_token_rate=config.random_token_rate,
            normalization=config.normalization,
            seed=config.seed, repeat=True, config=inputs.model_config,
            start_batch=start_step * config.grad_accum_steps,
            input_context=input_context,
        )

    return worker_datasets(plan.strategy, dataset_fn)


def train(plan, pretrainer, dataset, start_epoch, remaining, callbacks, verbose):
    """`fit` for the `remaining` steps; returns its `History`.

    Raises:
        ValueError: a worker of the cluster was lost (one line naming it).
    """
    config = plan.config
    try:
        return pretrainer.fit(
            dataset,
            epochs=start_epoch + math.ceil(remaining / config.save_every),
            initial_epoch=start_epoch,
            steps_per_epoch=config.save_every * config.grad_accum_steps,
            callbacks=callbacks,
            shuffle=False,
            verbose=verbose,
        )
    except Exception as e:
        lost = cluster_lost_error(plan.strategy, e, plan.run)
        if lost is None:
            raise
        raise lost from None


def report_training(plan, history, budget, on_budget, compute,
                    start_step, final_step, remaining, seconds):
    """Prints what this call trained, or why it trained nothing."""
    config, run = plan.config, plan.run
    if remaining:
        summary = {
            k: round(float(v[-1]), 4) for k, v in history.history.items()
            if k in ("loss", "mlm_accuracy", "disc_auc", "disc_accuracy")
        }
        report(f"Trained steps {start_step}..{final_step} in "
               f"{seconds:.0f}s, {compute['train_flops']:.3g} "
               f"train FLOPs in all; last interval: {json.dumps(summary)}")
        if budget.stopped_by:
            report(f"Stopped at step {final_step} of {config.steps}: "
                   f"{_budget_text(config, budget.stopped_by, compute)}.")
    elif on_budget:
        report(f"{run.path} stopped at step {final_step} on its budget: "
               f"{_budget_text(config, on_budget, compute)}; nothing to train "
               f"(raise {FLAGS[on_budget]} to continue).")
    else:
        report(f"{run.path} is already at step {final_step} (--steps "
               f"{config.steps}); nothing to train.")


def save_run(plan, pretrainer, stage, final_step, compute):
    """The chief's last steps: where the run stands, `run.json`'s compute,
    the discriminator for fine-tuning, the SavedModel and the demo.

    Returns:
        The SavedModel version written, or None.
    """
    config, run, vocab = plan.config, plan.run, plan.inputs.vocab
    if plan.jax_processes:
        # The trained variables span every process; what follows runs on
        # the chief alone, so it works on a copy local to this process.
        weights = pretrainer.get_weights()
        with one_process_variables(plan.strategy):
            pretrainer = build_pretrainer(config, plan.inputs.model_config)
            pretrainer.set_weights(weights)
    if stage.batches is not None:
        with one_process_variables(plan.strategy):
            measured = pretrainer
            if stage.jax_distributed and not plan.jax_processes:  # Not a local copy yet.
                measured = build_pretrainer(config, plan.inputs.model_config)
                measured.set_weights(pretrainer.get_weights())
            report_learning_stage(run, measured, stage.batches, final_step)
    record = {**(run.read_record() or plan.record), "compute": compute}
    run.write_record(record)
    run.save_discriminator(pretrainer.discriminator, vocab.path, record)
    export_path = None
    if config.export_dir:
        export_path = export_for_serving(pretrainer, config, vocab)
        report(f"Saved the discriminator to {run.path} (for fine-tuning) and "
               f"{export_path} (SavedModel for TF Serving)")
    else:
        report(f"Saved the discriminator to {run.path} (for fine-tuning)")
    if config.demo and config.objective == "electra":
        tokenizer = data.WordPieceTokenizer(vocab, config.normalization)
        print_replaced_token_demo(pretrainer, tokenizer)
    elif config.demo:
        report("No replaced-token demo: --objective mlm trains no replaced-token "
               "detector.")
    return export_path


def report_learning_stage(run, pretrainer, batches, step):
    """Prints where the run stands at `step`, measuring it unless the last
    save did, and keeps it in `learning_stage.json`."""
    stages = read_stages(run.learning_stage_file)
    stage = stages.get(step)
    if stage is None:
        stage = stages[step] = measure_learning_stage(pretrainer, batches, step)
        write_stages(run.learning_stage_file, stages)
    report(f"Learning stage at {stage.describe()}")
    if not stage.uses_context():
        report("  Pre-train for longer before fine-tuning. Short sequences leave "
               "the plateau soonest: a first phase at --seq-len 16 (then "
               f"--init-from for longer ones); {PLATEAU_RESULTS} gives the "
               "settings and budgets measured.")
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
    report(f"Initialised from {checkpoint}.")
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
