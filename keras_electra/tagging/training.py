"""Fine-tuning a token tagger: sentences in, a trained tagger and span F1 out.

`finetune_tagger` runs one fine-tuning job; `finetune_tagger_seeds` runs one
per seed and reports the median (as `keras_electra.finetune.finetune_seeds`
does for GLUE), writing `results.json`, TensorBoard logs, each seed's
`tagger.keras` and its word-level predictions. `recipes/finetune_tagging.py`
is the command line.

Scores are span precision, recall and F1 over words
(`keras_electra.tagging.tags.span_scores`), each word predicted from its
first WordPiece in the window where it has the most context
(`keras_electra.tagging.windows`).
"""

import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf

from keras_electra.finetune.engine import DevScores
from keras_electra.finetune.engine import FineTuningConfig
from keras_electra.finetune.engine import start_run
from keras_electra.finetune.engine import train as train_model
from keras_electra.finetune.seeds import SeedRuns
from keras_electra.finetune.seeds import median_of
from keras_electra.finetune.seeds import percentages
from keras_electra.models.electra_token_tagger import ElectraTokenTagger
from keras_electra.reporting import report
from keras_electra.tagging import tags as tag_lib
from keras_electra.tagging.conll import write_conll
from keras_electra.tagging.windows import IGNORED_LABEL
from keras_electra.tagging.windows import MAX_PIECES_PER_WORD
from keras_electra.tagging.windows import WordWindower

TAGGER_FILE = "tagger.keras"
METRICS = ("f1", "precision", "recall")
SENTENCES_PER_CHUNK = 2048
"""Sentences windowed per call when building a dataset's windows."""


@dataclasses.dataclass
class TaggingConfig(FineTuningConfig):
    """Hyper-parameters of a tagging run (`FineTuningConfig`'s, and these);
    `None` means the default.

    Args:
        batch_size: int. Windows per batch. Defaults to 32.
        sequence_length: int. Window length in WordPieces, [CLS]/[SEP]
            included. Defaults to 128 (the original used 256 for chunking;
            CoNLL-2000's longest sentence has about 100 pieces).
        stride: int or None. Pieces between window starts of a long
            sentence; `None`: half a window.
        epochs: int. Defaults to 3 (the original's).
        dropout: float. Head dropout. Defaults to 0.1.
        max_train_sentences: int or None. Use only the first N sentences.
        tag_scheme: `"bio"` or `"bioes"`: the tags the model predicts
            (training tags are converted). Defaults to `"bio"`.
        max_pieces_per_word: int. WordPieces kept per word.
        pad_to_multiple_of: int. Training batches group windows of similar
            length, in buckets this many pieces wide, padded to the bucket.
    """

    stride: int = None
    dropout: float = 0.1
    max_train_sentences: int = None
    tag_scheme: str = "bio"
    max_pieces_per_word: int = MAX_PIECES_PER_WORD
    pad_to_multiple_of: int = 8

    def resolved(self, encoder):
        """A copy with every `None` replaced by its default."""
        budget = self.sequence_length - 2
        return super().resolved(encoder, stride=self.stride or max(budget // 2, 1))


@dataclasses.dataclass
class Windows:
    """A dataset's windows as numpy arrays (see `WordWindower.windows`).

    Args:
        inputs: dict of `[W, sequence_length]` int32 encoder inputs.
        labels: `[W, sequence_length]` int32 or None.
        word_window, word_position: flat int32 arrays, one entry per word.
        word_splits: int64 `[sentences + 1]`: sentence `i`'s words are
            `word_splits[i]:word_splits[i + 1]`.
    """

    inputs: dict
    labels: object
    word_window: np.ndarray
    word_position: np.ndarray
    word_splits: np.ndarray

    def __len__(self):
        return len(self.inputs["token_ids"])


def make_windows(windower, words, label_ids=None):
    """`Windows` of sentences, built `SENTENCES_PER_CHUNK` at a time.

    Args:
        windower: `WordWindower`.
        words: list of list of str.
        label_ids: list of list of int (one per word) or None.
    """
    parts = {"token_ids": [], "segment_ids": [], "padding_mask": [], "labels": []}
    word_window, word_position, lengths = [], [], []
    offset = 0
    for begin in range(0, len(words), SENTENCES_PER_CHUNK):
        chunk = words[begin : begin + SENTENCES_PER_CHUNK]
        ragged = tf.ragged.constant(chunk, dtype=tf.string, ragged_rank=1) if any(
            chunk
        ) else tf.RaggedTensor.from_row_lengths(
            tf.zeros([0], tf.string), tf.zeros([len(chunk)], tf.int64)
        )
        labels = None
        if label_ids is not None:
            labels = tf.RaggedTensor.from_row_lengths(
                tf.constant(
                    [i for row in label_ids[begin : begin + SENTENCES_PER_CHUNK] for i in row],
                    tf.int32,
                ),
                ragged.row_lengths(),
            )
        out = windower.windows(ragged, labels)
        for key in ("token_ids", "segment_ids", "padding_mask"):
            parts[key].append(out[key].numpy())
        if labels is not None:
            parts["labels"].append(out["labels"].numpy())
        word_window.append(out["word_window"].flat_values.numpy() + offset)
        word_position.append(out["word_position"].flat_values.numpy())
        lengths.append(out["word_window"].row_lengths().numpy())
        offset += len(parts["token_ids"][-1])
    seq_len = windower.sequence_length

    def joined(arrays, dtype, shape):
        return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(shape, dtype)

    inputs = {
        key: joined(parts[key], np.int32, (0, seq_len))
        for key in ("token_ids", "segment_ids", "padding_mask")
    }
    return Windows(
        inputs=inputs,
        labels=joined(parts["labels"], np.int32, (0, seq_len)) if label_ids is not None else None,
        word_window=joined(word_window, np.int32, (0,)),
        word_position=joined(word_position, np.int32, (0,)),
        word_splits=np.concatenate([[0], np.cumsum(joined(lengths, np.int64, (0,)))]),
    )


def training_dataset(windows, batch_size, shuffle_seed=None, pad_to_multiple_of=8):
    """`(inputs, labels)` batches of `windows`, bucketed by length.

    Windows are shuffled, then grouped with windows of similar length
    (buckets `pad_to_multiple_of` pieces wide) and padded only to their
    bucket's width, so little compute goes to padding (CoNLL sentences are
    much shorter than a window). Batches of a bucket are full except its
    last one of each pass.

    Args:
        windows: `Windows` with labels.
        batch_size: int.
        shuffle_seed: int or None. Shuffle (anew every epoch) with this
            seed; `None` keeps the order.
        pad_to_multiple_of: int. Bucket width in pieces.
    """
    seq_len = windows.inputs["token_ids"].shape[1]
    dataset = tf.data.Dataset.from_tensor_slices((windows.inputs, windows.labels))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(
            max(len(windows), 1), seed=shuffle_seed, reshuffle_each_iteration=True
        )

    def unpadded(inputs, labels):
        length = tf.reduce_sum(inputs["padding_mask"])
        return {k: v[:length] for k, v in inputs.items()}, labels[:length]

    step = max(int(pad_to_multiple_of), 1)
    boundaries = sorted(set(range(step + 1, seq_len + 1, step)) | {seq_len + 1})
    dataset = dataset.map(unpadded).bucket_by_sequence_length(
        lambda inputs, labels: tf.shape(labels)[0],
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padding_values=({k: 0 for k in windows.inputs}, IGNORED_LABEL),
        pad_to_bucket_boundary=True,
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


def count_batches(dataset):
    """The number of batches in one pass over `dataset`."""
    return int(dataset.reduce(0, lambda count, _: count + 1))


def predict_word_label_ids(tagger, windows, batch_size=128):
    """The predicted label id of every word: a list (per sentence) of int
    arrays. Windows are run at their full length, as exports run them."""
    if len(windows) == 0:
        ids = np.zeros((0,), np.int32)
    else:
        logits = tagger.predict(windows.inputs, batch_size=batch_size, verbose=0)
        best = np.argmax(keras.ops.convert_to_numpy(logits), axis=-1)
        ids = best[windows.word_window, windows.word_position].astype(np.int32)
    splits = windows.word_splits
    return [ids[splits[i] : splits[i + 1]] for i in range(len(splits) - 1)]


def predict_tags(tagger, windower, words, batch_size=128):
    """Tags (the tagger's `label_names`) of sentences of words.

    Args:
        tagger: `ElectraTokenTagger` with `label_names`.
        windower: `WordWindower` of its vocab and window settings.
        words: list of list of str.

    Returns:
        A list of list of str, one tag per word.
    """
    names = tagger.label_names or [str(i) for i in range(tagger.num_labels)]
    windows = make_windows(windower, words)
    return [
        [names[i] for i in row]
        for row in predict_word_label_ids(tagger, windows, batch_size)
    ]


def label_ids_of(tags, label_names):
    """Tag sequences -> label id sequences; tags outside `label_names`
    (a type the training data lacks) map to `O`."""
    index = {name: i for i, name in enumerate(label_names)}
    outside = index[tag_lib.OUTSIDE]
    return [[index.get(tag, outside) for tag in row] for row in tags]


def finetune_tagger(
    train,
    dev,
    encoder,
    vocab=None,
    config=None,
    seed=0,
    test=None,
    log_dir=None,
    evaluate_every_epoch=True,
    verbose=0,
):
    """Fine-tunes `encoder` as a tagger on `train`; scores dev (and test).

    The tagger is the encoder with the original tagging head
    (`ElectraTokenTagger`); it trains with `layerwise_adamw` (AdamW,
    layer-wise decay, warm-up then linear decay, no weight decay on
    LayerNorm and biases) on the first WordPiece of every word. Seed the
    encoder's initialization yourself (`keras.utils.set_random_seed`
    before loading it); `seed` is set again here for the head, dropout and
    shuffling.

    Args:
        train: `TaggedSentences` to train on (tags in BIO or BIOES; they
            are converted to `config.tag_scheme`).
        dev: `TaggedSentences` to score after training (and after each
            epoch for the logs).
        encoder: `ElectraEncoder`. Trained in place.
        vocab: `Vocab`, path or None (the shipped uncased vocab).
        config: `TaggingConfig` or None (all defaults).
        seed: int.
        test: `TaggedSentences` or None. Also scored, after training.
        log_dir: str or None. TensorBoard logs (loss, learning rate and
            dev scores per epoch).
        evaluate_every_epoch: bool. Score dev after every epoch.
        verbose: int. `fit` verbosity.

    Returns:
        `(tagger, windower, result)`: the trained `ElectraTokenTagger`, the
        `WordWindower` its inputs come from, and a dict with `dev` (span
        scores, per type included), `test` (or None), `per_epoch`,
        `train_sentences`, `train_windows`, `steps`, `label_names`, the
        resolved `config` and `predictions` (`{"dev": tags, "test": tags}`).
    """
    config = (config or TaggingConfig()).resolved(encoder)
    vocab = start_run(encoder, vocab, config, seed)

    train = train.take(config.max_train_sentences)
    train_tags = [tag_lib.convert(row, config.tag_scheme) for row in train.tags]
    label_names = tag_lib.label_names(train_tags, config.tag_scheme)
    windower = WordWindower(
        vocab, config.sequence_length, config.stride, config.normalization,
        config.max_pieces_per_word,
    )
    train_windows = make_windows(windower, train.words, label_ids_of(train_tags, label_names))
    dev_windows = make_windows(windower, dev.words)

    tagger = ElectraTokenTagger(
        encoder, num_labels=len(label_names), dropout=config.dropout,
        label_names=label_names,
    )
    dataset = training_dataset(
        train_windows, config.batch_size, shuffle_seed=seed,
        pad_to_multiple_of=config.pad_to_multiple_of,
    )
    # Buckets of a fixed set of windows give the same count every pass.
    steps_per_epoch = count_batches(dataset)
    predicted = {}

    def dev_span_scores(model):
        predicted["dev"] = [
            [label_names[i] for i in row]
            for row in predict_word_label_ids(model, dev_windows)
        ]
        return tag_lib.span_scores(dev.tags, predicted["dev"])

    dev_scores = DevScores(dev_span_scores, logged=METRICS)
    total_steps, final_dev = train_model(
        tagger, dataset, config, steps_per_epoch, dev_scores, log_dir=log_dir,
        evaluate_every_epoch=evaluate_every_epoch, verbose=verbose,
    )
    final_test, test_predicted = None, None
    if test is not None:
        test_predicted = predict_tags(tagger, windower, test.words)
        final_test = tag_lib.span_scores(test.tags, test_predicted)
    return tagger, windower, {
        "seed": seed,
        "dev": final_dev,
        "test": final_test,
        "per_epoch": [{name: s[name] for name in METRICS} for s in dev_scores.history],
        "train_sentences": len(train),
        "train_windows": len(train_windows),
        "steps": total_steps,
        "label_names": label_names,
        "config": dataclasses.asdict(config),
        "predictions": {"dev": predicted["dev"], "test": test_predicted},
    }


def finetune_tagger_seeds(
    train,
    dev,
    init,
    *,
    test=None,
    seeds=(1,),
    config=None,
    output_dir,
    save_model=True,
    export_dir=None,
    verbose=0,
    command=None,
    **encoder_options,
):
    """Fine-tunes a fresh copy of `init` once per seed; reports the median.

    Args:
        train, dev: `TaggedSentences` (`keras_electra.tagging.read_conll`).
        init: what `load_encoder` takes: a pre-training run directory, a
            `.keras` file, or `"random"` (with `preset`).
        test: `TaggedSentences` or None, scored after training.
        seeds: list of int. One run each.
        config: `TaggingConfig` or None. Its `normalization` is replaced by
            the one resolved here.
        output_dir: str. Gets `results.json`, `vocab.txt` and `seed_N/`
            (`logs/`, `tagger.keras`, `dev_predictions.txt` and
            `test_predictions.txt` as `word gold predicted` lines).
        save_model: bool. Save each seed's tagger.
        export_dir: str or None. Export the seed with the best dev F1 as a
            SavedModel there (`keras_electra.tagging.export_tagger`).
        verbose: int. `fit` verbosity.
        command: list of str or None. The command line, for the results.
        **encoder_options: `SeedRuns`' `preset`, `config_overrides`,
            `vocab`, `lower_case`, `strip_accents` and
            `reinit_top_layers`.

    Returns:
        The results dict written to `results.json`: `median` (`dev` and,
        with a test set, `test`: f1, precision, recall), `runs` (per seed),
        the settings, and `export` (the version directory, or None).
    """
    config = config or TaggingConfig()
    runs = SeedRuns(init, seeds, output_dir=output_dir,
                    sequence_length=config.sequence_length, **encoder_options)
    config = dataclasses.replace(config, normalization=runs.normalization)
    report(
        f"tagging: {len(train)} train / {len(dev)} dev"
        + (f" / {len(test)} test" if test is not None else "")
        + f" sentences ({train.source}, {dev.source}"
        + (f", {test.source}" if test is not None else "")
        + f"); encoder {runs.loaded.source}; seeds {','.join(map(str, runs.seeds))}",
    )

    windowers = {}  # Per seed, for the export.

    def train_one(seed, encoder, seed_dir):
        tagger, windowers[seed], result = finetune_tagger(
            train, dev, encoder, runs.vocab, config, seed=seed, test=test,
            log_dir=os.path.join(seed_dir, "logs"), verbose=verbose,
        )
        predictions = result.pop("predictions")
        os.makedirs(seed_dir, exist_ok=True)
        for split, sentences in (("dev", dev), ("test", test)):
            if sentences is not None:
                path = os.path.join(seed_dir, f"{split}_predictions.txt")
                write_conll(path, sentences.words, sentences.tags, predictions[split])
        return tagger, result

    def describe(result):
        return f"dev {percentages(result['dev'], METRICS)}" + (
            f"; test {percentages(result['test'], METRICS)}" if test is not None else ""
        )

    results, best = [], None
    for result, tagger in runs.run(
        train_one, describe, model_file=TAGGER_FILE if save_model else None
    ):
        results.append(result)
        if best is None or result["dev"]["f1"] > best[0]["dev"]["f1"]:
            best = (result, tagger)

    median = {
        split: median_of(results, METRICS, split)
        for split in ("dev", "test")
        if test is not None or split == "dev"
    }
    exported = None
    if export_dir:
        from keras_electra.tagging.export import export_tagger

        result, tagger = best
        windower = windowers[result["seed"]]
        exported = export_tagger(
            tagger, export_dir, vocab=runs.vocab,
            sequence_length=config.sequence_length, stride=windower.stride,
            normalization=runs.normalization,
            max_pieces_per_word=windower.max_pieces_per_word,
        )
        report(f"exported seed {result['seed']} (best dev F1) to {exported}")
    summary = {
        "task": "tagging",
        "metrics": list(METRICS),
        "median": median,
        "runs": results,
        **runs.settings(),
        "sequence_length": config.sequence_length,
        "tag_scheme": config.tag_scheme,
        "label_names": results[0]["label_names"],
        "train_source": train.source,
        "dev_source": dev.source,
        "test_source": test.source if test is not None else None,
        "export": exported,
        "exported_seed": best[0]["seed"] if exported else None,
        "command": command,
    }
    runs.write_results(summary, describe(median))
    return summary

