"""TFRecord shards of packed, unmasked examples.

Records use the feature names of the original ELECTRA data
(`input_ids`, `input_mask`, `segment_ids`: int64, padded to `sequence_length`), so
shards written by Google's `build_pretraining_dataset.py` read as well. A
directory written by the prepare tool also holds `prepared.json`: the
settings, the shard list and the summary.
"""

import json
import os

import numpy as np
import tensorflow as tf

from keras_electra.data.errors import DataError
from keras_electra.data.sources import MANIFEST_FILE as MANIFEST

FORMAT = "keras_electra.pretraining_data/1"


def serialize_example(token_ids, segment_ids, padding_mask):
    """Returns one packed example as a serialized `tf.train.Example`."""

    def int64_feature(values):
        return tf.train.Feature(
            int64_list=tf.train.Int64List(value=np.asarray(values, np.int64))
        )

    features = tf.train.Features(
        feature={
            "input_ids": int64_feature(token_ids),
            "input_mask": int64_feature(padding_mask),
            "segment_ids": int64_feature(segment_ids),
        }
    )
    return tf.train.Example(features=features).SerializeToString()


def write_shard(path, examples):
    """Writes packed examples to `path` atomically (via a temporary file).

    Args:
        path: str. Destination TFRecord file.
        examples: iterable of `(token_ids, segment_ids, padding_mask)`.

    Returns:
        The number of examples written.
    """
    tmp_path = path + ".tmp"
    count = 0
    with tf.io.TFRecordWriter(tmp_path) as writer:
        for example in examples:
            writer.write(serialize_example(*example))
            count += 1
    os.replace(tmp_path, path)
    return count


def read_shards(files, sequence_length, parse_batch_size=256):
    """Reads packed examples from TFRecord files, in file order.

    Args:
        files: list of str. TFRecord files.
        sequence_length: int. Length the examples were written with.
        parse_batch_size: int. Records parsed per op call.

    Returns:
        A `tf.data.Dataset` of dicts `token_ids`, `segment_ids`,
        `padding_mask` (int32 `[sequence_length]`).
    """
    spec = {
        name: tf.io.FixedLenFeature([sequence_length], tf.int64)
        for name in ("input_ids", "input_mask", "segment_ids")
    }

    def parse(records):
        parsed = tf.io.parse_example(records, spec)
        return {
            "token_ids": tf.cast(parsed["input_ids"], tf.int32),
            "segment_ids": tf.cast(parsed["segment_ids"], tf.int32),
            "padding_mask": tf.cast(parsed["input_mask"], tf.int32),
        }

    ds = tf.data.TFRecordDataset(list(files), buffer_size=1 << 20)
    ds = ds.batch(parse_batch_size).map(parse, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.unbatch()


def write_manifest(output_dir, manifest):
    """Writes `prepared.json` atomically; it marks the directory complete."""
    path = os.path.join(output_dir, MANIFEST)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"format": FORMAT, **manifest}, f, indent=2)
    os.replace(path + ".tmp", path)


def load_manifest(directory):
    """Reads and checks the `prepared.json` of a prepared directory.

    Raises:
        DataError: if the directory is not a complete prepared dataset.
    """
    path = os.path.join(directory, MANIFEST)
    if not os.path.isfile(path):
        raise DataError(
            f"'{directory}' is not a finished prepared dataset (no {MANIFEST}); "
            "run tools/prepare_pretraining_data.py again to resume it"
        )
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except ValueError as e:
        raise DataError(f"'{path}' is not valid JSON: {e}") from None
    if manifest.get("format") != FORMAT:
        raise DataError(f"'{path}' is not a {FORMAT} manifest")
    for shard in manifest["shards"]:
        if not os.path.isfile(os.path.join(directory, shard["file"])):
            raise DataError(
                f"prepared dataset '{directory}' lacks shard '{shard['file']}'"
            )
    return manifest
