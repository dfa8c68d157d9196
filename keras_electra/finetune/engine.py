"""One fine-tuning run's mechanics, the same for every task.

A task's run (`finetune` for GLUE, `finetune_tagger`, `finetune_qa`) builds
its examples, its model and a function that scores dev; the rest is here:
the settings every task shares (`FineTuningConfig`), the checks before a
run (`start_run`), and `train` — the paper's optimizer over the run's
steps, dev scores after each epoch (`DevScores`) and TensorBoard.
"""

import dataclasses

import keras

from keras_electra.data.vocab import as_vocab
from keras_electra.data.errors import DataError
from keras_electra.normalization import TextNormalization
from keras_electra.presets import finetuning_defaults
from keras_electra.tasks.fine_tuning import FineTuningSchedule

# tf.data's cardinality for a dataset that never ends, and for one whose
# length it cannot tell without reading it.
INFINITE_CARDINALITY, UNKNOWN_CARDINALITY = -1, -2


@dataclasses.dataclass
class FineTuningConfig:
    """The hyper-parameters every fine-tuning task has; `None` means the
    default. Each task's config adds its own fields.

    Args:
        learning_rate: float. Peak rate of the head. Defaults to the
            encoder size's (3e-4 small, 1e-4 base, 5e-5 large).
        layer_decay: float. Layer-wise decay (0.8; 0.9 for large).
        batch_size: int. Rows (or windows) per step.
        sequence_length: int. In WordPieces, [CLS] and [SEP] included.
        epochs: int.
        warmup_fraction: float. Share of the steps spent warming up.
        weight_decay: float. Decoupled weight decay (not on LayerNorm or
            biases).
        normalization: `TextNormalization` or None (the uncased default).
    """

    learning_rate: float = None
    layer_decay: float = None
    batch_size: int = 32
    sequence_length: int = 128
    epochs: int = 3
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    normalization: TextNormalization = None

    def resolved(self, encoder, **fields):
        """A copy with the encoder size's rates and the default
        normalization filled in, and `fields` replaced."""
        defaults = finetuning_defaults(encoder)
        return dataclasses.replace(
            self,
            learning_rate=self.learning_rate or defaults["learning_rate"],
            layer_decay=self.layer_decay or defaults["layer_decay"],
            normalization=self.normalization or TextNormalization(),
            **fields,
        )

    def schedule(self):
        """The `FineTuningSchedule` (optimizer settings) of this config."""
        return FineTuningSchedule(
            self.learning_rate, self.layer_decay, self.warmup_fraction,
            self.weight_decay,
        )


def check_compatible(encoder, vocab, sequence_length, source=""):
    """Raises `DataError` if the vocab or length does not fit the encoder."""
    where = f" of '{source}'" if source else ""
    if vocab.size != encoder.vocabulary_size:
        raise DataError(
            f"vocab file '{vocab.path}' has {vocab.size} tokens but the "
            f"encoder{where} has vocabulary_size={encoder.vocabulary_size}"
        )
    if sequence_length > encoder.max_sequence_length:
        raise DataError(
            f"sequence length {sequence_length} exceeds the encoder{where}'s "
            f"max_sequence_length={encoder.max_sequence_length}"
        )


def start_run(encoder, vocab, config, seed):
    """Checks that `vocab` and `config.sequence_length` fit `encoder` and
    seeds Keras (head, dropout, shuffling); returns the `Vocab`."""
    vocab = as_vocab(vocab)
    check_compatible(encoder, vocab, config.sequence_length)
    keras.utils.set_random_seed(seed)
    return vocab


class DevScores(keras.callbacks.Callback):
    """Scores dev after each epoch and adds `dev_<metric>` to the logs
    (placed before `TensorBoard`, the scores reach it).

    Args:
        score: callable `model -> dict` of dev scores.
        logged: names of the scores to log; `None` logs every number.

    Attributes:
        history: the scores after each epoch.
    """

    def __init__(self, score, logged=None):
        super().__init__()
        self.score, self.logged = score, logged
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        scores = self.score(self.model)
        self.history.append(scores)
        if logs is not None:
            names = self.logged or [k for k, v in scores.items() if _is_number(v)]
            logs.update({f"dev_{name}": scores[name] for name in names if name in scores})


def train(model, dataset, config, steps_per_epoch, dev_scores, *, log_dir=None,
          evaluate_every_epoch=True, verbose=0):
    """Trains `model` as ELECTRA fine-tunes; returns `(total_steps, scores)`.

    Args:
        model: the task's model (its `compile` gives its loss).
        dataset: batches of `(inputs, labels)`: one epoch of
            `steps_per_epoch` batches (its length known to tf.data or not),
            or endless.
        config: a resolved `FineTuningConfig`.
        steps_per_epoch: int. Batches in one epoch (the schedule's unit).
        dev_scores: `DevScores`.
        log_dir: str or None. TensorBoard logs (loss, learning rate, dev
            scores) per epoch.
        evaluate_every_epoch: bool. Score dev after every epoch, not only
            after the last.
        verbose: int. `fit` verbosity.

    Returns:
        The run's optimizer steps and the dev scores after training.
    """
    total_steps = steps_per_epoch * config.epochs
    model.compile(optimizer=config.schedule().optimizer(model, total_steps))
    callbacks = [dev_scores] if evaluate_every_epoch else []
    if log_dir:
        callbacks.append(keras.callbacks.TensorBoard(log_dir, update_freq="epoch"))
    cardinality = int(dataset.cardinality())
    if cardinality == UNKNOWN_CARDINALITY:
        # A finite dataset of unknown length (e.g. filtered): state it, or
        # Keras finds each epoch's end by a failed step that still counts
        # an optimizer iteration (one schedule step lost per epoch).
        import tensorflow as tf

        dataset = dataset.apply(tf.data.experimental.assert_cardinality(steps_per_epoch))
    endless = cardinality == INFINITE_CARDINALITY
    model.fit(
        dataset,
        epochs=config.epochs,
        steps_per_epoch=steps_per_epoch if endless else None,
        callbacks=callbacks,
        shuffle=False,  # The dataset shuffles itself.
        verbose=verbose,
    )
    scores = dev_scores.history[-1] if evaluate_every_epoch else dev_scores.score(model)
    return total_steps, scores


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
