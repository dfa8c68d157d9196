"""Preparing a corpus as sharded TFRecords of packed, unmasked examples."""

import json
import logging
import multiprocessing
import os

from keras_electra.data import tfrecords
from keras_electra.data.dataset import packed_examples
from keras_electra.data.dataset import prepared_settings
from keras_electra.data.errors import DataError
from keras_electra.data.sources import SETTINGS_FILE as SETTINGS
from keras_electra.data.sources import TFDSText
from keras_electra.data.sources import TFRecordShards
from keras_electra.data.sources import as_source
from keras_electra.data.stats import CorpusStats
from keras_electra.data.tokenizer import as_normalization
from keras_electra.data.tokenizer import cached_tokenizer
from keras_electra.data.vocab import as_vocab

logger = logging.getLogger("keras_electra.data")

TFDS_UNITS = 16  # Interleaved shards a TFDS split is prepared in.
PACKING = "split-long-lines"
"""Recorded in the settings: runs whose long lines were truncated (before
long lines were split) have no `packing` entry and are not resumed."""


def prepare_pretraining_data(
    inputs,
    output_dir,
    vocab=None,
    sequence_length=128,
    normalization=None,
    seed=0,
    num_processes=1,
    split_bytes=32 << 20,
    overwrite=False,
):
    """Tokenizes and packs a corpus into TFRecord shards (no masking).

    Work is cut into units (files, or ~`split_bytes` pieces of big files
    cut at blank lines; 16 interleaved shards of a TFDS split), one shard per
    unit, run over `num_processes` processes. Reading the result with
    `packed_dataset(output_dir, ...)` gives exactly the examples that
    `packed_dataset(inputs, ...)` packs in memory.

    An existing output directory is resumed when it was started with the
    same settings (finished shards are kept), and refused otherwise, unless
    `overwrite=True`; two runs are never mixed.

    Args:
        inputs: text files/globs (`.gz` too), a `TextFiles`, a `TFDSText`
            or `"tfds:NAME[:SPLIT[:FEATURE]]"`.
        output_dir: str. Directory for the shards and `prepared.json`.
        vocab: `Vocab`, vocab path, or `None` for the shipped uncased vocab.
        sequence_length: int. Tokens per example. Defaults to 128.
        normalization: `keras_electra.TextNormalization` or `None` (the
            uncased default). Recorded in `prepared.json` as `lower_case`
            and `strip_accents`.
        seed: int. Seed of the packing choices. Defaults to 0.
        num_processes: int. Worker processes. Defaults to 1.
        split_bytes: int. Target size of a unit of a big text file.
        overwrite: bool. Replace a directory holding another run.

    Returns:
        The manifest dict (settings, shards, summary) also written to
        `output_dir/prepared.json`.

    Example:
    ```python
    manifest = prepare_pretraining_data(["wiki.txt"], "data/wiki_128")
    manifest["summary"]["examples"]
    ```
    """
    vocab = as_vocab(vocab)
    source = as_source(inputs)
    if isinstance(source, TFRecordShards):
        raise DataError("inputs are TFRecord shards, which are already prepared")
    normalization = as_normalization(normalization)
    if isinstance(source, TFDSText):
        units = source.units(TFDS_UNITS)
        described = [repr(source)]
    else:
        units = source.units(split_bytes)
        described = [[u.path, u.start, u.end] for u in units]
    settings = {
        "sequence_length": sequence_length,
        "vocab": vocab.path,
        "vocab_sha256": vocab.sha256,
        "vocab_size": vocab.size,
        **normalization.to_record(),
        "seed": seed,
        "packing": PACKING,
        "units": described,
    }
    _claim_output_dir(output_dir, settings, overwrite)
    names = [
        f"shard-{i:05d}-of-{len(units):05d}.tfrecord" for i in range(len(units))
    ]
    pending = [
        (source, unit, os.path.join(output_dir, name), vocab, sequence_length,
         normalization, seed)
        for unit, name in zip(units, names)
        if not os.path.exists(_stats_path(os.path.join(output_dir, name)))
    ]
    if len(pending) < len(units):
        logger.warning(
            "resuming '%s': %d of %d shards already done",
            output_dir, len(units) - len(pending), len(units),
        )
    _run(pending, num_processes)

    summary = CorpusStats()
    shards = []
    for name in names:
        with open(_stats_path(os.path.join(output_dir, name)), encoding="utf-8") as f:
            stats = json.load(f)
        summary.merge(CorpusStats.from_dict(stats))
        shards.append({"file": name, "examples": stats["examples"]})
    manifest = {"settings": settings, "shards": shards, "summary": summary.as_dict()}
    tfrecords.write_manifest(output_dir, manifest)
    return {"format": tfrecords.FORMAT, **manifest}


def _claim_output_dir(output_dir, settings, overwrite):
    """Creates, resumes or refuses `output_dir` (see the module doc)."""
    os.makedirs(output_dir, exist_ok=True)
    settings_path = os.path.join(output_dir, SETTINGS)
    entries = os.listdir(output_dir)
    if entries and overwrite:
        ours = [e for e in entries if _is_ours(e)]
        if len(ours) < len(entries):
            raise DataError(
                f"output directory '{output_dir}' holds files this tool did "
                "not write; refusing to overwrite it"
            )
        for entry in ours:
            os.remove(os.path.join(output_dir, entry))
        entries = []
    if entries:
        if not os.path.exists(settings_path):
            raise DataError(
                f"output directory '{output_dir}' is not empty and was not "
                "written by this tool; choose an empty directory"
            )
        with open(settings_path, encoding="utf-8") as f:
            # Runs started before the rename record `seq_len`: same run.
            previous = prepared_settings(json.load(f))
        if previous != settings:
            changed = sorted(k for k in settings if previous.get(k) != settings[k])
            raise DataError(
                f"output directory '{output_dir}' holds a run with other "
                f"settings ({', '.join(changed)}); use another directory or "
                "--overwrite"
            )
        return
    with open(settings_path, "w", encoding="utf-8") as f:
        json.dump(settings, f, indent=2)


def _is_ours(name):
    return name in (SETTINGS, tfrecords.MANIFEST) or name.startswith("shard-")


def _stats_path(shard_path):
    return shard_path[: -len(".tfrecord")] + ".json"


def _run(pending, num_processes):
    if num_processes <= 1 or len(pending) <= 1:
        for job in pending:
            _prepare_unit(job)
        return
    context = multiprocessing.get_context("spawn")  # TF does not survive fork.
    with context.Pool(min(num_processes, len(pending))) as pool:
        for _ in pool.imap_unordered(_prepare_unit, pending):
            pass


def _prepare_unit(job):
    """Packs one unit into its shard, then writes the shard's stats file."""
    source, unit, path, vocab, sequence_length, normalization, seed = job
    tokenizer = cached_tokenizer(vocab, normalization)
    stats = CorpusStats()
    examples = packed_examples(
        source, tokenizer, sequence_length, seed, stats, units=[unit]
    )
    tfrecords.write_shard(path, examples)
    with open(_stats_path(path) + ".tmp", "w", encoding="utf-8") as f:
        json.dump(stats.as_dict(), f)
    os.replace(_stats_path(path) + ".tmp", _stats_path(path))
    logger.info("wrote %s: %s", path, stats.summary())
    return stats.as_dict()
