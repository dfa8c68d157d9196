"""Where a fine-tuning run's encoder comes from: one loader for every caller."""

import dataclasses
import glob
import json
import os

import keras

from keras_electra.config import ElectraConfig
from keras_electra.data.errors import DataError
from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.models.electra_pretrainer import ElectraPretrainer

# The layout of a `recipes/pretrain.py` --model-dir: run.json (settings,
# resolved config) and checkpoints/step-N.weights.h5 while it trains; the
# trained discriminator with its vocab and run record once it has finished.
EXPORTED_DISCRIMINATOR = "electra_discriminator.keras"
EXPORTED_VOCAB = "electra_vocab.txt"
EXPORTED_RUN = "electra_run.json"
RUN_FILE = "run.json"
CHECKPOINTS = os.path.join("checkpoints", "step-*.weights.h5")


@dataclasses.dataclass
class LoadedEncoder:
    """An encoder ready to fine-tune, and where it came from.

    Args:
        encoder: `ElectraEncoder`.
        source: str. What was loaded (for logs and `results.json`).
        vocab_path: str or None. The vocab the checkpoint was pre-trained
            with, when its run directory records one.
        lower_case: bool or None. Its lower-casing, when recorded.
    """

    encoder: ElectraEncoder
    source: str
    vocab_path: str = None
    lower_case: bool = None


def load_encoder(init=None, preset="small", config_overrides=None):
    """Returns the discriminator encoder to fine-tune.

    `init` may be:

    * `None` or `"random"`: a randomly initialised encoder of `preset`
      (seed it with `keras.utils.set_random_seed` first), the baseline
      without pre-training;
    * a `.keras` file holding an `ElectraEncoder` (the discriminator that
      `recipes/pretrain.py` exports), an `ElectraPretrainer` (its
      discriminator is taken) or an `ElectraClassifier` (its encoder is
      taken and gets a new head);
    * a directory holding `electra_discriminator.keras`,
      `electra_vocab.txt` and `electra_run.json` (a finished
      `recipes/pretrain.py` `--model-dir`);
    * a `recipes/pretrain.py` `--model-dir`: the pretrainer is rebuilt from
      the config in its `run.json` and restored from the newest
      `checkpoints/step-*.weights.h5`, and its discriminator is taken.

    The vocab and lower-casing a run recorded are returned with the encoder
    (`vocab_path`, `lower_case`), so callers tokenize as pre-training did.

    The encoder is always a standalone copy: nothing is shared with a
    pretrainer's generator.

    Args:
        init: str, path or None. See above.
        preset: str. Preset of a random encoder. Defaults to `"small"`.
        config_overrides: dict or None. `ElectraConfig` overrides of a
            random encoder (e.g. `{"vocabulary_size": 8000}`).

    Returns:
        `LoadedEncoder`.

    Raises:
        DataError: the file or directory is missing or holds no ELECTRA
            discriminator; the message names it.
    """
    if init is None or str(init) == "random":
        config = ElectraConfig.from_preset(preset, **(config_overrides or {}))
        return LoadedEncoder(_encoder_from_config(config), f"random:{preset}")
    path = os.fspath(init)
    if os.path.isdir(path):
        return _load_run_directory(path)
    if not os.path.exists(path):
        raise DataError(f"--init '{path}' does not exist")
    if not path.endswith(".keras"):
        raise DataError(
            f"--init '{path}' is neither a .keras file nor a pre-training "
            "model directory"
        )
    if os.path.basename(path) == EXPORTED_DISCRIMINATOR:
        return _load_exported(path)
    return LoadedEncoder(_encoder_from_keras_file(path), path)


def _encoder_from_config(config):
    return ElectraEncoder(
        vocabulary_size=config.vocabulary_size,
        num_layers=config.num_layers,
        hidden_dim=config.hidden_dim,
        num_heads=config.num_heads,
        intermediate_dim=config.intermediate_dim,
        embedding_dim=config.embedding_dim,
        max_sequence_length=config.max_sequence_length,
        num_segments=config.num_segments,
        dropout=config.dropout,
        name="discriminator",
    )


def standalone_copy(encoder):
    """A copy of `encoder` that owns its variables (same values)."""
    copy = ElectraEncoder.from_config(encoder.get_config())
    copy.set_weights(encoder.get_weights())
    return copy


def _encoder_from_keras_file(path):
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as e:  # Keras raises many types for a bad archive.
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataError(f"cannot load '{path}': {message}") from None
    if isinstance(model, ElectraEncoder):
        return model
    if isinstance(model, ElectraPretrainer):
        return standalone_copy(model.discriminator)
    if isinstance(model, ElectraClassifier):
        return model.encoder
    raise DataError(
        f"'{path}' holds a {type(model).__name__}, not an ELECTRA "
        "discriminator (ElectraEncoder, ElectraPretrainer or ElectraClassifier)"
    )


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise DataError(f"cannot read '{path}': {e}") from None


def _recorded_text_settings(run_path):
    """`(vocab path, lower_case)` recorded in a run JSON, when present."""
    if not os.path.isfile(run_path):
        return None, None
    settings = _read_json(run_path).get("settings", {})
    vocab = settings.get("vocab")
    if vocab and not os.path.isabs(vocab):
        vocab = os.path.join(os.path.dirname(run_path), vocab)
    return (vocab if vocab and os.path.isfile(vocab) else None), settings.get(
        "lower_case"
    )


def _load_exported(path):
    """An exported discriminator, with the vocab and run saved beside it."""
    encoder = _encoder_from_keras_file(path)
    directory = os.path.dirname(path)
    vocab, lower_case = _recorded_text_settings(os.path.join(directory, EXPORTED_RUN))
    if os.path.isfile(os.path.join(directory, EXPORTED_VOCAB)):
        vocab = os.path.join(directory, EXPORTED_VOCAB)
    return LoadedEncoder(encoder, path, vocab, lower_case)


def _load_run_directory(directory):
    exported = os.path.join(directory, EXPORTED_DISCRIMINATOR)
    if os.path.isfile(exported):
        return _load_exported(exported)
    run_path = os.path.join(directory, RUN_FILE)
    checkpoints = sorted(glob.glob(os.path.join(directory, CHECKPOINTS)))
    if not os.path.isfile(run_path) or not checkpoints:
        raise DataError(
            f"'{directory}' holds neither {EXPORTED_DISCRIMINATOR} (a finished "
            f"pretrain.py --model-dir) nor {RUN_FILE} with {CHECKPOINTS} (a "
            "pretrain.py --model-dir in training)"
        )
    values = _read_json(run_path).get("settings", {}).get("config")
    try:
        config = ElectraConfig.from_dict(values)
    except (TypeError, ValueError) as e:
        raise DataError(f"'{run_path}' has no usable model config: {e}") from None
    pretrainer = ElectraPretrainer(config)
    try:
        pretrainer.load_weights(checkpoints[-1])
    except Exception as e:  # h5py and Keras raise several types.
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataError(
            f"checkpoint '{checkpoints[-1]}' does not fit the config in "
            f"'{run_path}': {message}"
        ) from None
    vocab, lower_case = _recorded_text_settings(run_path)
    encoder = standalone_copy(pretrainer.discriminator)
    return LoadedEncoder(encoder, checkpoints[-1], vocab, lower_case)
