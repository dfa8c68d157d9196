"""One fine-tuning run: examples in, a trained classifier and dev scores out."""

import dataclasses
import math

import numpy as np
import tensorflow as tf

from keras_electra.finetune.engine import DevScores
from keras_electra.finetune.engine import FineTuningConfig
from keras_electra.finetune.engine import start_run
from keras_electra.finetune.engine import train as train_model
from keras_electra.finetune.metrics import METRICS
from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.preprocessing import ElectraPreprocessor


@dataclasses.dataclass
class FinetuneConfig(FineTuningConfig):
    """Hyper-parameters of a GLUE-style run (`FineTuningConfig`'s, and
    these); `None` means the default.

    Args:
        epochs: int. Defaults to the task's (3; 10 for RTE and STS-B).
        dropout: float. Head dropout. Defaults to 0.1.
        pooling: str. What the head reads: `"cls"` (the original's) or
            `"mean"` (see `ElectraClassifier`). Defaults to `"cls"`.
        max_train_examples: int. Use only the first N training examples.
        double_unordered: bool. Add the swapped pairs to training. Defaults
            to the task's (MRPC, STS-B).
        pad_to_multiple_of: int or None. Pad batches to their longest row
            rounded up to this (None: always `sequence_length`).
    """

    epochs: int = None
    dropout: float = 0.1
    pooling: str = "cls"
    max_train_examples: int = None
    double_unordered: bool = None
    pad_to_multiple_of: int = 32

    def resolved(self, task, encoder):
        """A copy with every `None` replaced by its default."""
        return super().resolved(
            encoder,
            epochs=self.epochs or task.epochs,
            double_unordered=(
                task.double_unordered
                if self.double_unordered is None
                else self.double_unordered
            ),
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
    config = (config or FinetuneConfig()).resolved(task, encoder)
    vocab = start_run(encoder, vocab, config, seed)

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
    packer = ElectraPreprocessor(
        vocab,
        config.sequence_length,
        normalization=config.normalization,
        pad_to_multiple_of=config.pad_to_multiple_of,
    )
    dev_scores = DevScores(lambda model: score(task, dev.labels, predict(model, dev, packer)))
    total_steps, scores = train_model(
        classifier,
        examples_dataset(train, packer, config.batch_size, shuffle_seed=seed),
        config,
        math.ceil(len(train) / config.batch_size),
        dev_scores,
        log_dir=log_dir,
        evaluate_every_epoch=evaluate_every_epoch,
        verbose=verbose,
    )
    return classifier, {
        "seed": seed,
        "scores": scores,
        "per_epoch": dev_scores.history,
        "train_examples": len(train),
        "steps": total_steps,
        "config": dataclasses.asdict(config),
    }
