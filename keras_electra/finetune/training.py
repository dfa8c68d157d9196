"""One fine-tuning run: examples in, a trained classifier and dev scores out."""

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf

from keras_electra.data.errors import DataError
from keras_electra.data.vocab import as_vocab
from keras_electra.finetune.metrics import METRICS
from keras_electra.layerwise_decay import layerwise_adamw
from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.normalization import TextNormalization
from keras_electra.preprocessing import ElectraPreprocessor
from keras_electra.presets import finetuning_defaults


@dataclasses.dataclass
class FinetuneConfig:
    """Hyper-parameters of a fine-tuning run; `None` means the default.

    Args:
        learning_rate: float. Peak rate of the head. Defaults to the
            encoder size's (3e-4 small, 1e-4 base, 5e-5 large).
        layer_decay: float. Layer-wise decay (0.8; 0.9 for large).
        batch_size: int. Defaults to 32.
        sequence_length: int. Defaults to 128.
        epochs: int. Defaults to the task's (3; 10 for RTE and STS-B).
        warmup_fraction: float. Defaults to 0.1.
        weight_decay: float. Defaults to 0.01.
        dropout: float. Head dropout. Defaults to 0.1.
        pooling: str. What the head reads: `"cls"` (the original's) or
            `"mean"` (see `ElectraClassifier`). Defaults to `"cls"`.
        max_train_examples: int. Use only the first N training examples.
        double_unordered: bool. Add the swapped pairs to training. Defaults
            to the task's (MRPC, STS-B).
        normalization: `keras_electra.TextNormalization` or None. How text
            is lower-cased and stripped of accents, as in pre-training;
            `None` means the uncased default.
        pad_to_multiple_of: int or None. Pad batches to their longest row
            rounded up to this (None: always `sequence_length`).
    """

    learning_rate: float = None
    layer_decay: float = None
    batch_size: int = 32
    sequence_length: int = 128
    epochs: int = None
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    dropout: float = 0.1
    pooling: str = "cls"
    max_train_examples: int = None
    double_unordered: bool = None
    normalization: TextNormalization = None
    pad_to_multiple_of: int = 32

    def resolved(self, task, encoder):
        """A copy with every `None` replaced by its default."""
        defaults = finetuning_defaults(encoder)
        return dataclasses.replace(
            self,
            learning_rate=self.learning_rate or defaults["learning_rate"],
            layer_decay=self.layer_decay or defaults["layer_decay"],
            epochs=self.epochs or task.epochs,
            normalization=self.normalization or TextNormalization(),
            double_unordered=(
                task.double_unordered
                if self.double_unordered is None
                else self.double_unordered
            ),
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


def examples_dataset(examples, packer, batch_size, shuffle_seed=None):
    """A `tf.data.Dataset` of `(inputs, labels)` batches.

    Args:
        examples: `keras_electra.finetune.glue.Examples`.
        packer: `ElectraPreprocessor`.
        batch_size: int.
        shuffle_seed: int or None. Shuffle (anew every epoch) with this seed;
            `None` keeps the order.
    """
    dataset = tf.data.Dataset.from_tensor_slices(
        (tuple(np.asarray(t, dtype=object) for t in examples.texts), examples.labels)
    )
    if shuffle_seed is not None:
        dataset = dataset.shuffle(
            len(examples), seed=shuffle_seed, reshuffle_each_iteration=True
        )
    dataset = dataset.batch(batch_size)

    def pack(texts, labels):
        return packer(*texts), labels

    return dataset.map(pack, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE
    )


def predict(classifier, examples, packer, batch_size=128):
    """Class ids (or scores, for regression) of `examples`."""
    outputs = classifier.predict(
        examples_dataset(examples, packer, batch_size).map(lambda x, y: x),
        verbose=0,
    )
    if classifier.regression:
        return outputs[:, 0]
    return np.argmax(outputs, axis=-1).astype(np.int32)


def score(task, labels, predictions):
    """`{metric name: value}` of the task's metrics."""
    return {name: METRICS[name](labels, predictions) for name in task.metrics}


class DevScores(keras.callbacks.Callback):
    """Adds the dev metrics (`dev_<metric>`) to the logs after each epoch.

    Placed before a `TensorBoard` callback, the scores reach TensorBoard.
    """

    def __init__(self, task, dev, packer):
        super().__init__()
        self.task, self.dev, self.packer = task, dev, packer
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        scores = score(
            self.task, self.dev.labels, predict(self.model, self.dev, self.packer)
        )
        self.history.append(scores)
        if logs is not None:
            logs.update({f"dev_{name}": value for name, value in scores.items()})


def finetune(
    task,
    train,
    dev,
    encoder,
    vocab=None,
    config=None,
    seed=0,
    log_dir=None,
    evaluate_every_epoch=True,
    verbose=0,
):
    """Fine-tunes `encoder` on `train` and scores it on `dev`.

    The classifier is the encoder with the original head; it trains with
    `layerwise_adamw` (AdamW, layer-wise decay, warm-up then linear decay)
    and the task's loss. Seed the encoder's initialization yourself (the
    recipe calls `keras.utils.set_random_seed(seed)` before loading);
    `seed` is set again here for the head, dropout and shuffling.

    Args:
        task: `keras_electra.finetune.glue.Task`.
        train: `Examples` to train on.
        dev: `Examples` to score.
        encoder: `ElectraEncoder`. Trained in place.
        vocab: `Vocab`, path or None (shipped uncased vocab).
        config: `FinetuneConfig` or None (all defaults).
        seed: int.
        log_dir: str or None. TensorBoard logs (loss, learning rate and
            dev scores per epoch).
        evaluate_every_epoch: bool. Score dev after every epoch (for the
            logs); the final scores are computed either way.
        verbose: int. `fit` verbosity.

    Returns:
        `(classifier, result)`: the trained `ElectraClassifier` and a dict
        with `scores` (final dev metrics), `per_epoch` (dev metrics after
        each epoch when evaluated), `train_examples`, `steps` and the
        resolved `config`.
    """
    vocab = as_vocab(vocab)
    config = (config or FinetuneConfig()).resolved(task, encoder)
    check_compatible(encoder, vocab, config.sequence_length)
    keras.utils.set_random_seed(seed)

    train = train.take(config.max_train_examples)
    if config.double_unordered:
        train = train.swapped_pairs_added()
    classifier = ElectraClassifier(
        encoder,
        num_classes=task.num_classes,
        regression=task.regression,
        dropout=config.dropout,
        label_names=task.labels,
        pooling=config.pooling,
    )
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    classifier.compile(
        optimizer=layerwise_adamw(
            classifier,
            config.learning_rate,
            config.layer_decay,
            total_steps=total_steps,
            warmup_fraction=config.warmup_fraction,
            weight_decay=config.weight_decay,
        )
    )
    packer = ElectraPreprocessor(
        vocab,
        config.sequence_length,
        normalization=config.normalization,
        pad_to_multiple_of=config.pad_to_multiple_of,
    )
    callbacks = []
    dev_scores = DevScores(task, dev, packer)
    if evaluate_every_epoch:
        callbacks.append(dev_scores)
    if log_dir:
        callbacks.append(keras.callbacks.TensorBoard(log_dir, update_freq="epoch"))
    classifier.fit(
        examples_dataset(train, packer, config.batch_size, shuffle_seed=seed),
        epochs=config.epochs,
        callbacks=callbacks,
        verbose=verbose,
    )
    if dev_scores.history:
        scores = dev_scores.history[-1]
    else:
        scores = score(task, dev.labels, predict(classifier, dev, packer))
    return classifier, {
        "seed": seed,
        "scores": scores,
        "per_epoch": dev_scores.history,
        "train_examples": len(train),
        "steps": total_steps,
        "config": dataclasses.asdict(config),
    }
