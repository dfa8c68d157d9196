"""Where a task's backbone and tokenizer come from.

A keras-hub preset directory loads through keras-hub; everything else a
fine-tuning run can start from (a pre-training run directory, a converted
checkpoint's run directory, a `.keras` file) goes through the one encoder
loader of fine-tuning, `keras_electra.finetune.load_encoder`, with the vocab
and normalization the run recorded.
"""

import dataclasses
import os
import warnings

KERAS_HUB_CONFIG = "config.json"
"""The file that marks a keras-hub preset directory."""

REMOTE_SCHEMES = ("kaggle://", "hf://", "gs://", "modelscope://")


def is_keras_hub_preset(preset):
    """Whether keras-hub's loader should read `preset`."""
    preset = os.fspath(preset)
    if preset.startswith(REMOTE_SCHEMES):
        return True
    return os.path.isfile(os.path.join(preset, KERAS_HUB_CONFIG))


@dataclasses.dataclass
class Source:
    """A backbone and the tokenizer it was pre-trained with.

    Args:
        encoder: `ElectraEncoder`.
        tokenizer: `ElectraTokenizer`.
        description: str. What was loaded.
    """

    encoder: object
    tokenizer: object
    description: str


def load_source(path, load_weights=True, vocabulary=None):
    """The encoder and tokenizer of a run directory or `.keras` file.

    Args:
        path: a `recipes/pretrain.py` `--model-dir`, a `convert` output
            directory, or a `.keras` file (encoder, pretrainer, classifier).
        load_weights: bool. `False`: same architecture, random weights.
        vocabulary: vocab path or None. Overrides the recorded vocab (a
            `.keras` file records none: the shipped uncased vocab).

    Returns:
        `Source`. Warns when the run's last measured learning stage says
        the encoder does not use context yet.

    Raises:
        DataError: naming the path or the vocab at fault.
    """
    from keras_electra.data.errors import DataError
    from keras_electra.data.vocab import DEFAULT_VOCAB
    from keras_electra.finetune.loading import load_encoder
    from keras_electra.models.electra_encoder import ElectraEncoder
    from keras_electra.tasks.tokenizer import ElectraTokenizer

    loaded = load_encoder(path)
    encoder = loaded.encoder
    if not load_weights:
        encoder = ElectraEncoder.from_config(encoder.get_config())
    stage = loaded.learning_stage
    if stage is not None and not stage.uses_context():
        warnings.warn(f"{loaded.source}: {stage.describe()}", stacklevel=3)
    vocab_path = vocabulary or loaded.vocab_path or DEFAULT_VOCAB
    normalization = loaded.normalization
    tokenizer = ElectraTokenizer(
        vocab_path,
        lower_case=True if normalization is None else normalization.lower_case,
        strip_accents=None if normalization is None else normalization.strip_accents,
    )
    if tokenizer.vocabulary_size() != encoder.vocabulary_size:
        raise DataError(
            f"vocab '{vocab_path}' has {tokenizer.vocabulary_size()} tokens but "
            f"the encoder of '{path}' has vocabulary_size={encoder.vocabulary_size}"
        )
    return Source(encoder, tokenizer, loaded.source)
