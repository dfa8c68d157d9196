"""Published checkpoints -> a keras_electra run directory, and back to HF.

`read_source` reads any supported source (Hugging Face, TF1, keras-hub)
into the canonical form; `write_run_directory` writes what
`finetune_glue.py --init`, `tools/export.py` and `pretrain.py --model-dir`
take; `run_directory_to_hf` writes a run directory in the Hugging Face
layout. `python -m keras_electra convert` is the command line of all
three.
"""

import os
import time

from keras_electra.normalization import TextNormalization
from keras_electra.run_directory import RunDirectory

FORMATS = ("hf", "tf1", "keras-hub")


def detect_format(path):
    """The format of a checkpoint `path`: `"hf"`, `"tf1"` or `"keras-hub"`.

    A `config.json` with `model_type` is Hugging Face's; a `config.json`
    whose `registered_name` is a keras-hub backbone
    (`keras_hub>ElectraBackbone`) is a keras-hub preset; a `checkpoint`
    file, a `*.index` file or a `model.ckpt-N` prefix is TF1.

    Raises:
        ValueError: none of these.
    """
    import glob
    import json

    path = os.fspath(path)
    config = os.path.join(path, "config.json")
    if os.path.isdir(path) and os.path.isfile(config):
        try:
            with open(config, encoding="utf-8") as f:
                values = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(f"unreadable '{config}': {e}") from None
        if isinstance(values, dict) and "registered_name" in values:
            if "keras_hub" in str(values["registered_name"]) or "keras_nlp" in str(
                values["registered_name"]
            ):
                return "keras-hub"
        if isinstance(values, dict) and "model_type" in values:
            return "hf"
        raise ValueError(
            f"'{config}' is neither a Hugging Face config (model_type) nor a "
            "keras-hub preset config (registered_name); pass --from"
        )
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "checkpoint")) or glob.glob(
            os.path.join(path, "*.index")
        ):
            return "tf1"
    elif os.path.isfile(path + ".index") or path.endswith(".index"):
        return "tf1"
    if not os.path.exists(path) and not os.path.exists(path + ".index"):
        raise ValueError(f"'{path}' does not exist")
    raise ValueError(
        f"cannot tell the format of '{path}' (no config.json, checkpoint or "
        "*.index); pass --from hf|tf1|keras-hub"
    )


def read_source(path, source_format=None, num_heads=None):
    """Reads a checkpoint into the canonical form.

    Args:
        path: str. A Hugging Face directory, a TF1 checkpoint (directory or
            `model.ckpt-N` prefix) or a keras-hub preset directory.
        source_format: `"hf"`, `"tf1"`, `"keras-hub"` or None (detected).
        num_heads: int or None. Attention heads of a TF1 checkpoint (its
            variables do not say); `None` means `hidden // 64`.

    Returns:
        A dict with `discriminator` and `generator` (`(hf_config, state)`
        or `None`), `activation`, `vocab`, `normalization` (or `None`),
        `notes` (list of str), `format` and `path`.
    """
    path = os.fspath(path)
    source_format = source_format or detect_format(path)
    if source_format == "hf":
        from keras_electra.checkpoints.hf import read_hf_checkpoint

        result = read_hf_checkpoint(path)
    elif source_format == "tf1":
        from keras_electra.checkpoints.tf1 import read_tf1_checkpoint

        result = read_tf1_checkpoint(path, num_heads=num_heads)
    elif source_format == "keras-hub":
        from keras_electra.checkpoints.keras_hub import read_keras_hub_preset

        result = read_keras_hub_preset(path)
    else:
        raise ValueError(f"unknown format {source_format!r}; one of {', '.join(FORMATS)}")
    result = dict(result)
    result.setdefault("generator", None)
    if result.get("normalization") is None and result.get("lowercase") is not None:
        result["normalization"] = TextNormalization(bool(result["lowercase"]))
    result.setdefault("normalization", None)
    result.setdefault("notes", [])
    result.setdefault("activation", None)
    result.setdefault("vocab", None)
    result["format"] = source_format
    result["path"] = os.path.abspath(path)
    return result


def resolve_vocab(vocab, vocabulary_size, where):
    """The vocab of a conversion: `vocab` (or the bundled uncased vocab
    when `None` and the sizes agree), checked against the embedding table.

    Raises:
        ValueError: no vocab fits (pass `--vocab`), or its size differs.
    """
    from keras_electra.data.vocab import DEFAULT_VOCAB
    from keras_electra.data.vocab import load_vocab

    if vocab is None:
        default = load_vocab(DEFAULT_VOCAB)
        if default.size != vocabulary_size:
            raise ValueError(
                f"{where} has no vocab.txt and its {vocabulary_size} token "
                f"embeddings do not fit the bundled {default.size}-token vocab; "
                "pass --vocab"
            )
        return default
    vocab = load_vocab(vocab)
    if vocab.size != vocabulary_size:
        raise ValueError(
            f"vocab file '{vocab.path}' has {vocab.size} tokens but the "
            f"embedding table has {vocabulary_size} rows"
        )
    return vocab


def check_sources(source, generator=None):
    """Raises `ValueError` unless `source` has a discriminator and
    `generator` (when given) a generator."""
    if source["discriminator"] is None:
        raise ValueError(
            f"'{source['path']}' holds a generator only "
            "(ElectraForMaskedLM); pass the discriminator as SOURCE and this "
            "one as --generator"
        )
    if generator is not None and generator["generator"] is None:
        raise ValueError(
            f"--generator '{generator['path']}' holds no generator "
            "(ElectraForMaskedLM)"
        )


def write_run_directory(
    source, output_dir, generator=None, vocab=None, normalization=None,
    command=None, warn=print,
):
    """Writes a converted keras_electra run directory.

    Args:
        source: what `read_source` returns (its discriminator is needed).
        output_dir: str. A new or empty directory.
        generator: what `read_source` returns for a separate generator, or
            None (then the source's own generator, if it has one).
        vocab: str or None. Overrides the source's vocab.
        normalization: `TextNormalization` or None. Overrides the source's
            (default: lower-case, strip accents).
        command: list of str or None. The command line, for `run.json`.
        warn: callable taking one line.

    Returns:
        `(run_directory, summary)`: the `RunDirectory` and a dict of what
        was written (`pair`, `config`, `notes`).

    Example:
    ```python
    source = read_source("electra-small-discriminator")
    run, summary = write_run_directory(
        source, "runs/electra_small",
        generator=read_source("electra-small-generator"),
    )
    ```
    """
    import keras

    from keras_electra.checkpoints import convert

    check_sources(source, generator)
    notes = list(source["notes"])
    gen = source["generator"]
    gen_path = source["path"]
    if generator is not None:
        gen, gen_path = generator["generator"], generator["path"]
        notes += generator["notes"]
    activation = source["activation"]
    d_config, d_state = source["discriminator"]
    config = convert.electra_config(d_config, gen[0] if gen else None, activation)
    vocab = resolve_vocab(
        vocab or source["vocab"], config.vocabulary_size, f"'{source['path']}'"
    )
    normalization = normalization or source["normalization"] or TextNormalization()

    pretrainer = head_arrays = None
    if gen is not None:
        pretrainer = convert.pretrainer_from_canonical(
            source["discriminator"], gen, activation, warn=warn
        )
        discriminator = _standalone(pretrainer.discriminator)
        if "discriminator_predictions.dense.weight" not in d_state:
            notes.append(
                "the discriminator has no replaced-token head: the "
                "pretrainer's head starts from random values"
            )
    else:
        discriminator = convert.encoder_from_canonical(d_config, d_state, activation)
        if "discriminator_predictions.dense.weight" in d_state:
            head_arrays = {
                k: d_state[k] for k in d_state if k.startswith("discriminator_predictions.")
            }
    record = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "keras_electra_version": _version(),
        "keras_backend": keras.backend.backend(),
        "converted": {
            "source": source["path"],
            "format": source["format"],
            "generator": gen_path if gen is not None else None,
            "discriminator_head": "discriminator_predictions.dense.weight" in d_state,
            "notes": notes,
        },
        "settings": {
            "config": config.to_dict(),
            "vocab": os.path.abspath(vocab.path),
            "vocab_sha256": vocab.sha256,
            **normalization.to_record(),
            "sequence_length": config.max_sequence_length,
            "source": source["path"],
        },
        "command": list(command) if command else None,
    }
    run = RunDirectory(output_dir)
    run.save_converted(
        record, discriminator, vocab.path, pretrainer=pretrainer, head_arrays=head_arrays
    )
    return run, {"pair": gen is not None, "config": config, "notes": notes}


def _standalone(encoder):
    from keras_electra.finetune.loading import standalone_copy

    return standalone_copy(encoder)


def load_run_models(directory):
    """The models of a run directory for `--to hf`.

    Returns:
        `(pretrainer, encoder, head)`: an `ElectraPretrainer` restored from
        the newest checkpoint (`encoder` and `head` then `None`), or
        `(None, encoder, head)` from `electra_discriminator.keras` and a
        converted head (`head` a dict of canonical arrays, or `None`).

    Raises:
        ValueError: the directory holds neither.
    """
    import numpy as np

    from keras_electra.config import ElectraConfig
    from keras_electra.finetune.loading import load_encoder
    from keras_electra.models.electra_pretrainer import ElectraPretrainer

    run = RunDirectory(directory)
    checkpoint = run.latest_checkpoint()
    settings = run.settings()
    if settings.get("objective", "electra") != "electra":
        raise ValueError(
            f"'{directory}' is a --objective {settings['objective']} run; --to hf "
            "writes ELECTRA discriminators (and generators)"
        )
    if checkpoint is not None and isinstance(settings.get("config"), dict):
        pretrainer = ElectraPretrainer(ElectraConfig.from_dict(settings["config"]))
        try:
            pretrainer.load_weights(checkpoint)
        except Exception as e:  # h5py and Keras raise several types.
            from keras_electra.cli import first_line

            raise ValueError(f"cannot load '{checkpoint}': {first_line(e)}") from None
        return pretrainer, None, None
    encoder = load_encoder(directory).encoder
    head = None
    if os.path.isfile(run.converted_head_file):
        with np.load(run.converted_head_file) as arrays:
            head = {k: arrays[k] for k in arrays.files}
    return None, encoder, head


def load_discriminator_head(directory, encoder):
    """The `ElectraDiscriminatorHead` a converted directory saved beside its
    discriminator (`electra_discriminator_head.npz`), or `None`."""
    import numpy as np

    from keras_electra.checkpoints import convert

    run = RunDirectory(directory)
    if not os.path.isfile(run.converted_head_file):
        return None
    with np.load(run.converted_head_file) as arrays:
        state = {k: arrays[k] for k in arrays.files}
    hf_config = convert.hf_config_of_encoder(encoder)
    return convert.discriminator_head_from_canonical(hf_config, state, encoder.activation)


def run_directory_to_hf(directory, output_dir):
    """Writes a run directory in the Hugging Face layout.

    `output_dir` gets `config.json`, `model.safetensors`
    (`ElectraForPreTraining`: the discriminator with its head; an
    `ElectraModel` when the run has no head), `vocab.txt` and
    `tokenizer_config.json`; when the run has a generator, `generator/`
    gets the same in `ElectraForMaskedLM` layout.

    Returns:
        A dict: `discriminator` (its architecture) and `generator` (the
        generator directory or `None`).

    Example:
    ```python
    run_directory_to_hf("runs/electra_small", "hf/electra_small")
    transformers.ElectraForPreTraining.from_pretrained("hf/electra_small")
    ```
    """
    from keras_electra.checkpoints import convert
    from keras_electra.checkpoints import hf

    run = RunDirectory(directory)
    vocab = run.vocab_path()
    normalization = run.normalization() or TextNormalization()
    length = run.sequence_length()
    pretrainer, encoder, head = load_run_models(directory)
    generator_dir = None
    if pretrainer is not None:
        towers = convert.pretrainer_to_canonical(pretrainer)
        d_config, d_state = towers["discriminator"]
        kind = "discriminator"
        generator_dir = os.path.join(output_dir, hf.GENERATOR_DIR)
        g_config, g_state = towers["generator"]
        hf.write_hf_directory(
            generator_dir, g_config, g_state, "generator", vocab, normalization, length
        )
    else:
        d_config, d_state = convert.discriminator_to_canonical(encoder)
        kind = "encoder"
        if head is not None:
            d_state.update(head)
            kind = "discriminator"
    hf.write_hf_directory(output_dir, d_config, d_state, kind, vocab, normalization, length)
    return {"discriminator": hf.ARCHITECTURES[kind], "generator": generator_dir}


def _version():
    import keras_electra

    return keras_electra.__version__
