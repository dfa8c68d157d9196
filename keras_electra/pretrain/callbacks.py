"""The callbacks of a pre-training run that Keras lacks, and its restore.

At each `fit` epoch (`save_every` optimizer steps) the run ends in this
order: TensorBoard writes and flushes its point (`TensorBoardScalars`), the
periodic weights are saved (`PeriodicCheckpoint`), the random states are
saved (`RandomStateBackup`), and last Keras' `BackupAndRestore` claims the
step. A kill at any moment leaves every backed-up step complete.

Only public Keras and TensorFlow API is used.
"""

import json
import math
import os
import time
import warnings

import keras
from keras import ops


def optimizer_step(model):
    """The optimizer updates made so far, as a Python int (any strategy)."""
    return int(ops.convert_to_numpy(model.optimizer.iterations))


def _seed_states(model):
    return [v for v in model.non_trainable_variables
            if v.path.endswith("seed_generator_state")]


def _read_random_states(path):
    """`{str(step): {"epoch": int, "states": {variable path: state}}}`.

    Files written by earlier versions hold the states directly under the
    step; they are read as such, without an epoch.
    """
    try:
        with open(path, encoding="utf-8") as f:
            steps = json.load(f).get("steps", {})
    except (OSError, ValueError):
        return {}
    return {
        step: entry if "states" in entry else {"epoch": None, "states": entry}
        for step, entry in steps.items()
    }


class TrainingBackup(keras.callbacks.BackupAndRestore):
    """Keras' `BackupAndRestore`, restored once, before `fit`.

    `restore_training_state` loads the backup (`restore()`), so that the
    data pipeline can be positioned at the restored step before `fit`
    builds its iterator; the callback's `on_train_begin` in `fit` loads
    nothing again. (On several JAX processes a load on the chief alone
    would wait forever for the others to join it.) Saving is Keras'.
    """

    def restore(self):
        """Loads the last backup (or the previous one, if the last is torn)."""
        super().on_train_begin()

    def on_train_begin(self, logs=None):
        pass


def restore_training_state(backup, model, random_state_path, save_every):
    """Restores a `TrainingBackup` before `fit` starts, on every process.

    The data pipeline must be positioned at the restored step before `fit`
    builds its iterator, so the backup is loaded here. Keras does not save the states of `SeedGenerator`s
    (generator sampling, dropout); `RandomStateBackup` does, and they are
    restored here too, so a resumed run continues exactly as an
    uninterrupted one.

    Args:
        backup: `TrainingBackup`.
        model: the compiled model. Call inside the strategy scope: the
            optimizer variables are created here.
        random_state_path: str. The file `RandomStateBackup` writes.
        save_every: int. Optimizer steps per `fit` epoch.

    Returns:
        `(step, epoch)`: the optimizer updates done and the `fit` epoch to
        continue from; `(0, 0)` when there is no backup.
    """
    backup.set_model(model)
    backup.restore()
    step = optimizer_step(model)
    if not step:
        return 0, 0
    saved = _read_random_states(random_state_path).get(str(step))
    if saved is None:
        warnings.warn(
            f"{random_state_path} has no random state for step {step}; masking "
            "and sampling continue from fresh random streams, so this run will "
            "not repeat an uninterrupted one exactly.",
            stacklevel=2,
        )
        return step, math.ceil(step / save_every)
    for variable in _seed_states(model):
        if variable.path in saved["states"]:
            variable.assign(saved["states"][variable.path])
    epoch = saved["epoch"]
    return step, math.ceil(step / save_every) if epoch is None else epoch


class RandomStateBackup(keras.callbacks.Callback):
    """Saves the model's `SeedGenerator` states and the epoch at the end of
    every epoch, keyed by the optimizer step, for `restore_training_state`.

    Place it *before* `BackupAndRestore` in the callback list: the states of
    a step are then on disk before the backup of that step is. The newest
    `keep` steps are kept, covering `BackupAndRestore`'s fallback to its
    previous checkpoint (`double_checkpoint=True`).

    Args:
        path: str. JSON file to write (replaced atomically).
        keep: int. How many of the newest steps to keep.
    """

    def __init__(self, path, keep=3):
        super().__init__()
        self.path = path
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        steps = _read_random_states(self.path)
        steps[str(optimizer_step(self.model))] = {
            "epoch": epoch + 1,
            "states": {
                v.path: ops.convert_to_numpy(v.value).tolist()
                for v in _seed_states(self.model)
            },
        }
        newest = sorted(steps, key=int)[-self.keep:]
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"steps": {k: steps[k] for k in newest}}, f)
        os.replace(tmp, self.path)


class StopAtStep(keras.callbacks.Callback):
    """Stops `fit` once the optimizer has made `steps` updates.

    Epochs are `save_every` steps long; this ends the last one early when
    `steps` is not a multiple of it.

    Args:
        steps: int. Total optimizer updates.
    """

    def __init__(self, steps):
        super().__init__()
        self.steps = steps

    def on_train_batch_end(self, batch, logs=None):
        if optimizer_step(self.model) >= self.steps:
            self.model.stop_training = True


class Throughput(keras.callbacks.Callback):
    """Adds `sequences_per_second` to each epoch's logs.

    Placed before `TensorBoardScalars`, it reaches TensorBoard as
    `epoch_sequences_per_second`.

    Args:
        batch_size: int. Sequences per optimizer update (global batch).
    """

    def __init__(self, batch_size):
        super().__init__()
        self.batch_size = batch_size

    def on_epoch_begin(self, epoch, logs=None):
        self._start = (time.time(), optimizer_step(self.model))

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.time() - self._start[0]
        updates = optimizer_step(self.model) - self._start[1]
        if logs is not None and seconds > 0:
            logs["sequences_per_second"] = updates * self.batch_size / seconds


class TensorBoardScalars(keras.callbacks.Callback):
    """Writes every epoch's logs, the learning rate and `steps_per_second`
    to TensorBoard (`log_dir/train`, tags `epoch_<name>`, step = epoch),
    and flushes them at once.

    Keras' own `TensorBoard` leaves epoch summaries in its writer's buffer
    (flushed every two minutes or at the end of `fit`), so a killed run
    would lose its last points while its backup resumes past them. Placed
    before `BackupAndRestore`, every backed-up step has its point on disk.

    Args:
        log_dir: str. The run's TensorBoard directory.
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = log_dir
        self._writer = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        self._tf = tf
        self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._batches = time.time(), 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1

    def on_epoch_end(self, epoch, logs=None):
        scalars = dict(logs or {})
        scalars["learning_rate"] = ops.convert_to_numpy(self.model.optimizer.learning_rate)
        seconds = time.time() - self._epoch_start
        if seconds > 0:
            scalars["steps_per_second"] = self._batches / seconds
        with self._writer.as_default():
            for name, value in scalars.items():
                self._tf.summary.scalar(f"epoch_{name}", float(value), step=epoch)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()


class PeriodicCheckpoint(keras.callbacks.Callback):
    """Saves the model's weights (optimizer state included) every epoch,
    named by the optimizer step like the original's `model.ckpt-N`, and
    keeps the newest `keep`.

    Args:
        run_directory: `keras_electra.RunDirectory`. Where they go.
        keep: int. How many to keep.
    """

    def __init__(self, run_directory, keep=3):
        super().__init__()
        self.run_directory = run_directory
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.run_directory.checkpoints_dir, exist_ok=True)
        path = self.run_directory.checkpoint_path(optimizer_step(self.model))
        self.model.save_weights(path, overwrite=True)
        for old in self.run_directory.checkpoints()[: -self.keep]:
            os.remove(old)


class ComputeBudget(keras.callbacks.Callback):
    """Counts a run's training compute and stops it on a budget.

    At each epoch end it adds `train_flops` (cumulative: optimizer step x
    `flops_per_step`), `train_flops_per_step` and `train_seconds` (wall
    time in `fit`, summed over resumed runs) to the logs, so that
    `TensorBoardScalars` placed after it writes them, and records them in
    the run directory (`RunDirectory.record_compute`, `run.json`'s
    `compute`). Place it before `PeriodicCheckpoint` and `BackupAndRestore`:
    a stop on budget is then saved as any epoch end.

    After each optimizer update (never inside an accumulation of
    micro-batches) it stops `fit` once `max_train_flops` or `max_seconds`
    is reached; `stopped_by` then names the budget.

    Args:
        flops_per_step: float. Training FLOPs of one optimizer update
            (`keras_electra.flops.train_flops_per_step`).
        run_directory: `keras_electra.RunDirectory` or None.
        max_train_flops: float or None. FLOPs budget; `None`: none.
        max_seconds: float or None. Training-time budget; `None`: none.
        start_seconds: float. Training time of the run before this `fit`.
        extra: dict. More entries for the recorded compute.
    """

    def __init__(self, flops_per_step, run_directory=None, max_train_flops=None,
                 max_seconds=None, start_seconds=0.0, extra=None):
        super().__init__()
        self.flops_per_step = float(flops_per_step)
        self.run_directory = run_directory
        self.max_train_flops = max_train_flops
        self.max_seconds = max_seconds
        self.start_seconds = float(start_seconds)
        self.extra = dict(extra or {})
        self.stopped_by = None
        self._started = None
        self._last_step = None

    def train_seconds(self):
        """Training time so far, this `fit` included."""
        if self._started is None:
            return self.start_seconds
        return self.start_seconds + time.time() - self._started

    def reached(self, step, seconds):
        """The budget `step` and `seconds` reach (`"max_train_flops"` or
        `"max_minutes"`), or `None`."""
        if self.max_train_flops is not None and (
                step * self.flops_per_step >= self.max_train_flops):
            return "max_train_flops"
        if self.max_seconds is not None and seconds >= self.max_seconds:
            return "max_minutes"
        return None

    def compute(self, step, stopped_by=None):
        """The compute record of optimizer step `step`."""
        return {
            "step": int(step),
            "train_flops": step * self.flops_per_step,
            "train_flops_per_step": self.flops_per_step,
            "train_seconds": round(self.train_seconds(), 3),
            "stopped_by": stopped_by,
            **self.extra,
        }

    def on_train_begin(self, logs=None):
        self._started = time.time()
        self._last_step = optimizer_step(self.model)
        self.stopped_by = None

    def on_train_batch_end(self, batch, logs=None):
        step = optimizer_step(self.model)
        if step == self._last_step:  # Inside a gradient accumulation.
            return
        self._last_step = step
        reached = self.reached(step, self.train_seconds())
        if reached:
            self.stopped_by = reached
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        step = optimizer_step(self.model)
        compute = self.compute(step, self.stopped_by)
        if logs is not None:
            for key in ("train_flops", "train_flops_per_step", "train_seconds"):
                logs[key] = compute[key]
        if self.run_directory is not None:
            self.run_directory.record_compute(compute)
