"""`pretraining_dataset`: text or prepared shards -> masked ELECTRA batches."""

import hashlib
import itertools
import logging
import os

import numpy as np
import tensorflow as tf

from keras_electra.data import tfrecords
from keras_electra.data.errors import DataError
from keras_electra.data.masking import check_mask_rates
from keras_electra.data.masking import mask_tokens
from keras_electra.data.masking import max_predictions_for
from keras_electra.data.packing import DocumentPacker
from keras_electra.data.packing import pack_sentences
from keras_electra.data.packing import tokenize_lines
from keras_electra.data.sources import DOC_END
from keras_electra.data.sources import LogOnce
from keras_electra.data.sources import TFDSText
from keras_electra.data.sources import TFRecordShards
from keras_electra.data.sources import as_source
from keras_electra.data.stats import CorpusStats
from keras_electra.data.tokenizer import as_normalization
from keras_electra.data.tokenizer import cached_tokenizer
from keras_electra.data.vocab import as_vocab
from keras_electra.normalization import TextNormalization

logger = logging.getLogger("keras_electra.data")

_CHUNK = 256  # Examples per hand-over from the Python packer to tf.data.


def pretraining_dataset(
    source,
    vocab=None,
    sequence_length=128,
    batch_size=128,
    *,
    mask_rate=0.15,
    mask_token_rate=0.85,
    random_token_rate=0.0,
    max_predictions=None,
    normalization=None,
    seed=None,
    shuffle_buffer_size=10_000,
    repeat=False,
    start_batch=0,
    config=None,
    input_context=None,
):
    """Builds the ELECTRA pre-training input pipeline.

    Text is tokenized (tensorflow-text WordPiece), packed per document into
    `[CLS] A [SEP] B [SEP]` examples as the original
    `build_pretraining_dataset.py`, shuffled, batched with
    `drop_remainder=True`, and masked dynamically: every batch draws its mask
    from a seed stream that is reproducible for a given `seed` and renewed on
    each pass over the dataset (each epoch, each `repeat`). Prepared TFRecord
    shards skip tokenization and packing.

    Args:
        source: what to read: a `TextFiles`, `TFDSText` or `TFRecordShards`,
            or anything `as_source` accepts (text paths/globs, `.gz`, a
            prepared directory, `"tfds:NAME[:SPLIT[:FEATURE]]"`).
        vocab: `Vocab`, vocab path, or `None` for the shipped uncased vocab.
        sequence_length: int. Tokens per example. Defaults to 128.
        batch_size: int. Global batch size; with `input_context` each
            pipeline batches `input_context.get_per_replica_batch_size(...)`.
        mask_rate: float. Fraction of tokens selected. Defaults to 0.15.
        mask_token_rate: float. Selected tokens set to [MASK]. Defaults to
            0.85 (BERT: 0.8).
        random_token_rate: float. Selected tokens set to a random token.
            Defaults to 0.0 (BERT: 0.1).
        max_predictions: int. Mask slots per row. Defaults to
            `int((mask_rate + 0.005) * sequence_length)`.
        normalization: `keras_electra.TextNormalization` or `None` (the
            uncased default: lower-case, strip accents). Prepared shards
            must have been made with the same one.
        seed: int. Seed of packing, shuffling and masking; `None` draws one.
        shuffle_buffer_size: int. Examples in the shuffle buffer; 0 turns
            shuffling off. Defaults to 10000.
        repeat: bool. Repeat forever (masks still change every pass).
        start_batch: int. Start at this batch of the `repeat=True` stream,
            exactly where an iterator that yielded `start_batch` batches
            stands (what a resumed run needs). The skipped batches are read
            and shuffled but not masked. Defaults to 0.
        config: an `ElectraConfig` (or any object with `vocabulary_size` and
            `max_sequence_length`) to check the vocab and `sequence_length`
            against.
        input_context: `tf.distribute.InputContext`. Shards the input per
            worker pipeline and folds the pipeline id into the seed.

    Returns:
        A `tf.data.Dataset` of dicts: `token_ids`, `segment_ids`,
        `padding_mask` (int32 `[batch, sequence_length]`), `mask_positions`,
        `mask_ids` (int32 `[batch, max_predictions]`) and `mask_weights`
        (float32 `[batch, max_predictions]`).

    Raises:
        DataError: for a missing/invalid vocab or corpus, or a
            `sequence_length` the model or the prepared data cannot take.

    Example:
    ```python
    ds = keras_electra.data.pretraining_dataset(
        "corpus/*.txt", sequence_length=128, batch_size=128, seed=0,
        repeat=True,
    )
    batch = next(iter(ds))
    batch["mask_positions"].shape  # (128, 19)
    ```
    """
    vocab = as_vocab(vocab, getattr(config, "vocabulary_size", None))
    max_length = getattr(config, "max_sequence_length", None)
    if max_length is not None and sequence_length > max_length:
        raise DataError(
            f"sequence_length={sequence_length} exceeds the model's "
            f"max_sequence_length={max_length} (its number of position "
            "embeddings)"
        )
    check_mask_rates(mask_rate, mask_token_rate, random_token_rate)
    if max_predictions is None:
        max_predictions = max_predictions_for(sequence_length, mask_rate)
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if start_batch < 0:
        raise ValueError(f"start_batch must be >= 0, got {start_batch}")
    if start_batch and not repeat:
        # Keras re-iterates a finite dataset every epoch: each pass would
        # skip again.
        raise ValueError("start_batch needs repeat=True")
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
    shard_index, num_shards = 0, 1
    if input_context is not None:
        shard_index = input_context.input_pipeline_id
        num_shards = input_context.num_input_pipelines
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    pipeline_seed = derive_seed(seed, "pipeline", shard_index)

    ds = packed_dataset(
        source, vocab, sequence_length,
        normalization=normalization, seed=seed, shard_index=shard_index, num_shards=num_shards,
    )
    if repeat:
        ds = ds.repeat()
    if shuffle_buffer_size:
        ds = ds.shuffle(shuffle_buffer_size, seed=pipeline_seed)
    ds = ds.batch(batch_size, drop_remainder=True)
    mask_seeds = tf.data.Dataset.random(
        seed=derive_seed(pipeline_seed, "mask"), rerandomize_each_iteration=True
    ).batch(2)

    def mask(features, mask_seed):
        return mask_tokens(
            features, mask_seed, vocab,
            mask_rate=mask_rate, mask_token_rate=mask_token_rate,
            random_token_rate=random_token_rate, max_predictions=max_predictions,
        )

    # Skipping both streams before `mask` gives the same batches as
    # skipping after it, without masking the skipped ones.
    ds = tf.data.Dataset.zip(ds, mask_seeds).skip(start_batch)
    ds = ds.map(mask, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def packed_dataset(
    source,
    vocab=None,
    sequence_length=128,
    *,
    normalization=None,
    seed=0,
    shard_index=0,
    num_shards=1,
):
    """Packed, unmasked examples of `source`, in corpus order.

    The same packing code serves this in-memory path and the prepare tool,
    so reading prepared shards gives exactly these examples. Text is streamed:
    memory does not grow with the corpus.

    Args:
        source: see `pretraining_dataset`.
        vocab: `Vocab`, vocab path, or `None` for the shipped uncased vocab.
        sequence_length: int. Tokens per example. Defaults to 128.
        normalization: `keras_electra.TextNormalization` or `None` (the
            uncased default).
        seed: int. Seed of the packing choices.
        shard_index: int. Which shard of the input to read.
        num_shards: int. Number of shards (input pipelines).

    Returns:
        A `tf.data.Dataset` of dicts `token_ids`, `segment_ids`,
        `padding_mask`, int32 `[sequence_length]`.

    Example:
    ```python
    ds = keras_electra.data.packed_dataset("corpus.txt", sequence_length=128)
    ```
    """
    vocab = as_vocab(vocab)
    normalization = as_normalization(normalization)
    source = as_source(source)
    if not 0 <= shard_index < num_shards:
        raise ValueError(f"shard_index {shard_index} not in [0, {num_shards})")
    if isinstance(source, TFRecordShards):
        return _read_prepared(source, vocab, sequence_length, normalization,
                              shard_index, num_shards)
    tokenizer = cached_tokenizer(vocab, normalization)
    log_once = LogOnce()  # Corpus messages once per run, not once per pass.

    def chunks():
        stats = CorpusStats()
        examples = packed_examples(
            source, tokenizer, sequence_length, seed, stats, shard_index,
            num_shards, log_once=log_once,
        )
        while True:
            chunk = list(itertools.islice(examples, _CHUNK))
            if not chunk:
                break
            token_ids, segment_ids, padding_mask = map(np.stack, zip(*chunk))
            yield {
                "token_ids": token_ids,
                "segment_ids": segment_ids,
                "padding_mask": padding_mask,
            }
        _log_summary(source, stats, log_once)

    spec = tf.TensorSpec([None, sequence_length], tf.int32)
    ds = tf.data.Dataset.from_generator(
        chunks,
        output_signature={
            "token_ids": spec, "segment_ids": spec, "padding_mask": spec,
        },
    )
    return ds.unbatch()


def packed_examples(source, tokenizer, sequence_length, seed, stats,
                    shard_index=0, num_shards=1, units=None, log_once=None):
    """Streams packed examples of a text source (Python generator).

    Args:
        source: `TextFiles` or `TFDSText`.
        tokenizer: `WordPieceTokenizer`.
        sequence_length: int. Tokens per example.
        seed: int. Seed of the packing choices.
        stats: `CorpusStats` to count into.
        shard_index: int. Which shard of the documents to read.
        num_shards: int. Number of shards.
        units: list of units of `source` to read; default: all of them.
        log_once: `LogOnce` shared by the passes of one run, so that each
            corpus warning is logged once; default: a new one.

    Yields:
        `(token_ids, segment_ids, padding_mask)` int32 arrays
        `[sequence_length]`.
    """
    shard_documents = False
    if units is None:
        if isinstance(source, TFDSText):
            units = source.units(num_shards)[shard_index : shard_index + 1]
        else:
            units = source.units()
            if num_shards > 1 and len(units) >= num_shards:
                units = units[shard_index::num_shards]
            else:
                shard_documents = num_shards > 1
    log_once = LogOnce() if log_once is None else log_once
    lines = itertools.chain.from_iterable(
        source.read(u, stats, log_once) for u in units
    )
    if shard_documents:
        lines = _shard_documents(lines, shard_index, num_shards)
    packer = DocumentPacker(sequence_length, tokenizer.vocab, seed=seed, stats=stats)
    yield from pack_sentences(tokenize_lines(lines, tokenizer), packer)


def derive_seed(seed, *keys):
    """A stable 31-bit seed from `seed` and `keys` (e.g. a pipeline id)."""
    text = ":".join(map(str, (seed,) + keys)).encode("utf-8")
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "little") >> 1


def _shard_documents(lines, shard_index, num_shards):
    document = 0
    for item in lines:
        if document % num_shards == shard_index:
            yield item
        if item is DOC_END:
            document += 1


def _read_prepared(source, vocab, sequence_length, normalization,
                   shard_index, num_shards):
    if source.manifest is not None:
        settings = prepared_settings(source.manifest["settings"])
        where = os.path.dirname(source.files[0]) if source.files else "?"
        if settings["sequence_length"] != sequence_length:
            raise DataError(
                f"prepared dataset '{where}' has sequence_length="
                f"{settings['sequence_length']}, not {sequence_length}"
            )
        if settings["vocab_sha256"] != vocab.sha256:
            raise DataError(
                f"prepared dataset '{where}' was made with vocab "
                f"'{settings['vocab']}', not '{vocab.path}'"
            )
        made_with = TextNormalization.from_record(settings)
        if made_with != normalization:
            raise DataError(
                f"prepared dataset '{where}' was made with lower_case="
                f"{made_with.lower_case}, strip_accents="
                f"{made_with.strip_accents}"
            )
    files = source.files
    if num_shards > 1 and len(files) >= num_shards:
        return tfrecords.read_shards(files[shard_index::num_shards], sequence_length)
    ds = tfrecords.read_shards(files, sequence_length)
    return ds.shard(num_shards, shard_index) if num_shards > 1 else ds


def prepared_settings(settings):
    """The settings of a prepared directory, its normalization spelled out
    by `TextNormalization.to_record()`."""
    settings = dict(settings)
    if "lower_case" in settings or "strip_accents" in settings:
        settings.update(TextNormalization.from_record(settings).to_record())
    return settings


def _log_summary(source, stats, log_once):
    """Logs the first pass's counts; later passes read the same."""
    log_once.info(
        (repr(source), "summary"), "read %r (one pass): %s", source,
        stats.summary(),
    )
    if stats.invalid_utf8_bytes:
        log_once.warning(
            (repr(source), "invalid_utf8"),
            "%r: %d invalid UTF-8 bytes on %d lines were replaced by U+FFFD "
            "(reported once per run)",
            source, stats.invalid_utf8_bytes, stats.invalid_utf8_lines,
        )
