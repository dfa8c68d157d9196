"""Where a fine-tuning run's encoder comes from: one loader for every caller."""

import dataclasses
import os

import keras

from keras_electra.config import ElectraConfig
from keras_electra.data.errors import DataError
from keras_electra.models.electra_classifier import ElectraClassifier
from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.models.electra_pretrainer import ElectraPretrainer
from keras_electra.models.mlm_pretrainer import MaskedLMPretrainer
from keras_electra.models.towers import discriminator_tower
from keras_electra.pretrain.learning_stage import read_stages
from keras_electra.run_directory import DISCRIMINATOR_FILE
from keras_electra.run_directory import RunDirectory

@dataclasses.dataclass
class LoadedEncoder:
    """An encoder ready to fine-tune, and where it came from.

    Args:
        encoder: `ElectraEncoder`.
        source: str. What was loaded (for logs and `results.json`).
        vocab_path: str or None. The vocab the checkpoint was pre-trained
            with, when its run directory records one.
        normalization: `TextNormalization` or None. Its lower-casing and
            accent stripping, when recorded.
        learning_stage: `LearningStage` or None. Where the pre-training
            run stood at the loaded step, when it was measured.
    """

    encoder: ElectraEncoder
    source: str
    vocab_path: str = None
    normalization: object = None
    learning_stage: object = None


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

    The vocab and normalization a run recorded are returned with the
    encoder (`vocab_path`, `normalization`), so callers tokenize as
    pre-training did. Run directories are read through `RunDirectory`.

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
    if os.path.basename(path) == DISCRIMINATOR_FILE:
        return _load_finished_run(RunDirectory(os.path.dirname(path)))
    return LoadedEncoder(_encoder_from_keras_file(path), path)


def reinitialize_top_layers(encoder, num_layers):
    """Gives the top `num_layers` transformer layers of `encoder` fresh
    weights, in place, drawn as a random encoder of its config draws them
    (seed with `keras.utils.set_random_seed` first); the embeddings and the
    layers below keep theirs. Returns `encoder`.

    Zhang et al. (2021, "Revisiting Few-sample BERT Fine-tuning") found
    re-initialising the top layers helps fine-tuning on small tasks; an
    ELECTRA discriminator pre-trained briefly has its sentence vectors
    collapsed onto a few directions in the top layer
    (`docs/results/transfer_why.md`).

    Raises:
        DataError: `num_layers` is more than the encoder has.
    """
    if num_layers > encoder.num_layers:
        raise DataError(
            f"--reinit-top-layers {num_layers} is more than the encoder's "
            f"{encoder.num_layers} layers"
        )
    if num_layers <= 0:
        return encoder
    fresh = ElectraEncoder.from_config(encoder.get_config())
    for old, new in zip(encoder.transformer_layers[-num_layers:],
                        fresh.transformer_layers[-num_layers:]):
        old.set_weights(new.get_weights())
    return encoder


def _encoder_from_config(config):
    return discriminator_tower(config)


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
    if isinstance(model, (ElectraPretrainer, MaskedLMPretrainer)):
        return standalone_copy(model.discriminator)
    if isinstance(model, ElectraClassifier):
        return model.encoder
    raise DataError(
        f"'{path}' holds a {type(model).__name__}, not an ELECTRA "
        "discriminator (ElectraEncoder, ElectraPretrainer or ElectraClassifier)"
    )


def _load_finished_run(run):
    """A finished run's discriminator, with the vocab and normalization
    saved beside it."""
    encoder = _encoder_from_keras_file(run.discriminator_file)
    stages = read_stages(run.learning_stage_file)
    return LoadedEncoder(
        encoder, run.discriminator_file, run.vocab_path(), run.normalization(),
        stages[max(stages)] if stages else None,
    )


def _load_run_directory(directory):
    run = RunDirectory(directory)
    if run.is_finished():
        return _load_finished_run(run)
    checkpoint = run.latest_checkpoint()
    if not run.holds_run() or checkpoint is None:
        raise DataError(
            f"'{directory}' holds neither {DISCRIMINATOR_FILE} (a finished "
            "pretrain.py --model-dir) nor run.json with checkpoints/ (a "
            "pretrain.py --model-dir in training)"
        )
    try:
        config = ElectraConfig.from_dict(run.model_config())
    except (TypeError, ValueError) as e:
        raise DataError(f"'{run.run_file}' has no usable model config: {e}") from None
    # A run of the MLM baseline checkpoints its own model; both keep the
    # encoder fine-tuning takes as `.discriminator`.
    objective = run.settings().get("objective", "electra")
    pretrainer = (MaskedLMPretrainer if objective == "mlm" else ElectraPretrainer)(config)
    try:
        pretrainer.load_weights(checkpoint)
    except Exception as e:  # h5py and Keras raise several types.
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataError(
            f"checkpoint '{checkpoint}' does not fit the config in "
            f"'{run.run_file}': {message}"
        ) from None
    encoder = standalone_copy(pretrainer.discriminator)
    stage = read_stages(run.learning_stage_file).get(run.checkpoint_step(checkpoint))
    return LoadedEncoder(
        encoder, checkpoint, run.vocab_path(), run.normalization(), stage
    )
