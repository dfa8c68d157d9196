"""Training-loop pieces of `recipes/pretrain.py` that Keras lacks.

Imported after Keras and TensorFlow are loaded (quietly) by the recipe.
"""

import glob
import json
import os
import time

import keras
import numpy as np
from keras import ops


def restore_training_state(backup, model, random_state_path):
    """Restores a `BackupAndRestore` backup before `fit` starts.

    The data pipeline must be positioned at the restored step before `fit`
    builds its iterator, so the backup is loaded here (the callback's own
    `on_train_begin` loads the same files again inside `fit`, a no-op for
    the result). Keras does not save the states of `SeedGenerator`s
    (generator sampling, dropout); `RandomStateBackup` does, and they are
    restored here too, so a resumed run continues exactly as an
    uninterrupted one.

    Args:
        backup: `keras.callbacks.BackupAndRestore`.
        model: the compiled model. Call inside the strategy scope: the
            optimizer variables are created here.
        random_state_path: str. The file `RandomStateBackup` writes.

    Returns:
        `(step, epoch)`: the optimizer updates done and the `fit` epoch to
        continue from; `(0, 0)` when there is no backup.
    """
    backup.set_model(model)
    backup.on_train_begin()
    epoch = getattr(model, "_initial_epoch", None) or 0
    step = optimizer_step(model)
    if step:
        states = _read_random_states(random_state_path).get(str(step))
        if states is None:
            print(f"Warning: {random_state_path} has no random state for step "
                  f"{step}; masking and sampling continue from fresh random "
                  "streams, so this run will not repeat an uninterrupted one "
                  "exactly.", flush=True)
        else:
            for variable in _seed_states(model):
                if variable.path in states:
                    variable.assign(states[variable.path])
    return step, int(epoch)


def _read_random_states(path):
    """{str(step): {variable path: state}} saved by `RandomStateBackup`."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f).get("steps", {})
    except (OSError, ValueError):
        return {}


def _seed_states(model):
    return [v for v in model.non_trainable_variables
            if v.path.endswith("seed_generator_state")]


class RandomStateBackup(keras.callbacks.Callback):
    """Saves the model's `SeedGenerator` states at the end of every epoch,
    keyed by the optimizer step, for `restore_training_state`.

    Place it *before* `BackupAndRestore` in the callback list: the states of
    a step are then on disk before the backup of that step is, so a kill at
    any moment leaves states for whichever step the backup restores. The
    newest `keep` steps are kept, covering `BackupAndRestore`'s fallback to
    its previous checkpoint (`double_checkpoint=True`).

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
            v.path: ops.convert_to_numpy(v.value).tolist()
            for v in _seed_states(self.model)
        }
        newest = sorted(steps, key=int)[-self.keep:]
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"steps": {k: steps[k] for k in newest}}, f)
        os.replace(tmp, self.path)


def optimizer_step(model):
    """The optimizer updates made so far, as a Python int (any strategy)."""
    return int(ops.convert_to_numpy(model.optimizer.iterations))


class StopAtStep(keras.callbacks.Callback):
    """Stops `fit` once the optimizer has made `steps` updates.

    The recipe's epochs are `--save-every` steps long; this ends the last one
    early when `--steps` is not a multiple of it.

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

    Placed before `keras.callbacks.TensorBoard` in the callback list, so
    TensorBoard writes it as `epoch_sequences_per_second` next to Keras' own
    `epoch_steps_per_second`.

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


class FlushedTensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard` that flushes each epoch's scalars.

    Keras leaves epoch summaries in the writer's buffer (flushed every two
    minutes or at the end of `fit`), so a killed run would lose its last
    TensorBoard points while its backup resumes past them. Placed before
    `BackupAndRestore`, every backed-up step has its point on disk.
    """

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self._train_writer.flush()


class PeriodicCheckpoint(keras.callbacks.Callback):
    """Saves the model's weights (optimizer state included) every epoch as
    `step-NNNNNNNN.weights.h5`, keeping the newest `keep` files.

    Keras' `ModelCheckpoint` names files by epoch; these are named by the
    optimizer step, like the original's `model.ckpt-N`.

    Args:
        directory: str. Where the checkpoints go.
        keep: int. How many to keep.
    """

    def __init__(self, directory, keep=3):
        super().__init__()
        self.directory = directory
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.directory, exist_ok=True)
        step = optimizer_step(self.model)
        path = os.path.join(self.directory, f"step-{step:08d}.weights.h5")
        self.model.save_weights(path, overwrite=True)
        existing = sorted(
            glob.glob(os.path.join(self.directory, "step-*.weights.h5"))
        )
        for old in existing[: -self.keep]:
            os.remove(old)


def replaced_token_probabilities(pretrainer, tokenizer, text):
    """Runs the discriminator on `text`.

    Args:
        pretrainer: `ElectraPretrainer`.
        tokenizer: `keras_electra.data.WordPieceTokenizer`.
        text: str. One sentence.

    Returns:
        `(tokens, probabilities)`: the word pieces between [CLS] and [SEP]
        and, for each, the probability that it was replaced.
    """
    vocab = tokenizer.vocab
    ids = [int(i) for i in np.asarray(tokenizer.tokenize(text))]
    token_ids = np.array([[vocab.cls_id] + ids + [vocab.sep_id]], "int32")
    inputs = {
        "token_ids": token_ids,
        "segment_ids": np.zeros_like(token_ids),
        "padding_mask": np.ones_like(token_ids),
    }
    sequence = pretrainer.discriminator(inputs, training=False)
    logits = pretrainer.discriminator_head(sequence, training=False)
    probabilities = ops.convert_to_numpy(
        ops.sigmoid(ops.cast(logits, "float32"))
    )[0]
    return [vocab.tokens[i] for i in ids], probabilities[1:-1]


def print_replaced_token_demo(pretrainer, tokenizer, sentence, swap):
    """Prints each token's replaced probability for `sentence` with the word
    `swap[0]` replaced by `swap[1]`, and whether that word scores highest.

    Returns:
        bool: whether the swapped word got the highest probability.
    """
    original, replacement = swap
    words = sentence.split()
    corrupted = " ".join(replacement if w == original else w for w in words)
    tokens, probabilities = replaced_token_probabilities(
        pretrainer, tokenizer, corrupted
    )
    print(f"\nReplaced-token detection demo: '{original}' -> '{replacement}'")
    print(f"  {corrupted}")
    for token, probability in zip(tokens, probabilities):
        bar = "#" * int(round(probability * 20))
        mark = "  <- swapped" if token == replacement else ""
        print(f"  {token:>12s} {probability:6.3f} {bar}{mark}")
    best = tokens[int(np.argmax(probabilities))]
    found = best == replacement
    if found:
        print(f"The swapped word '{replacement}' scores highest.")
    else:
        print(f"The swapped word '{replacement}' does NOT score highest "
              f"('{best}' does); the model needs more training.")
    return found
