"""SavedModel export for TF Serving: raw text in, dense predictions out."""

import json
import os
import shutil
import tempfile

import keras
import tensorflow as tf
from keras import ops

from keras_electra.export.versions import numbered_versions
from keras_electra.preprocessing import MODEL_INPUTS
from keras_electra.preprocessing import ElectraPreprocessor

METADATA_FILE = os.path.join("assets.extra", "electra_export.json")
"""Where an export records what it holds, relative to the version dir."""

VOCAB_FILE = os.path.join("assets.extra", "vocab.txt")
"""A copy of the vocab, for clients that call `predict_token_ids`."""


def export_discriminator(
    model,
    base_path,
    *,
    vocab=None,
    sequence_length=128,
    text_pair=False,
    normalization=None,
    head=None,
    version=None,
):
    """Exports ELECTRA's replaced-token detector as a TF Serving SavedModel.

    Writes `base_path/<version>/` with the tokenizer inside the graph. The
    signatures (all outputs dense, padding positions included):

    - `serving_default`: `text` `[batch]` string (and `text_pair` when
      `text_pair=True`) -> `replaced_probability` `[batch, seq]` float32
      (0 at padding), `token_ids` and `padding_mask` `[batch, seq]` int32,
      `tokens` `[batch, seq]` string (the WordPieces, `[PAD]` at padding).
    - `encode`: the same text input -> `sequence_output`
      `[batch, seq, hidden]`, `cls_output` `[batch, hidden]` float32 and
      `padding_mask`.
    - `predict_token_ids`: `token_ids`, `segment_ids`, `padding_mask`
      `[batch, sequence_length]` int32 (already packed and padded) ->
      `replaced_probability`.
    - `encode_token_ids`: the same token inputs -> `sequence_output`,
      `cls_output`.

    Works under the TensorFlow and the JAX backend (Keras converts the model
    with jax2tf; the tokenizer stays plain TensorFlow around it).

    Args:
        model: `ElectraPretrainer` (its discriminator and discriminator head
            are exported) or a discriminator `ElectraEncoder`. An encoder
            without `head` is exported for embeddings only: no
            `predict_token_ids`, and `serving_default` returns what `encode`
            does plus `token_ids` and `tokens`.
        base_path: str. The model's directory in the TF Serving layout,
            e.g. `saved_models/electra`; the export goes to a new numeric
            version directory inside it.
        vocab: `Vocab`, vocab path or `None` (the shipped uncased vocab).
            Must match the model's `vocabulary_size`.
        sequence_length: int. Texts are truncated to this many tokens,
            [CLS]/[SEP] included. At most the model's `max_sequence_length`.
        text_pair: bool. Whether the text signatures take `text` and
            `text_pair` (packed `[CLS] A [SEP] B [SEP]`).
        normalization: `keras_electra.TextNormalization` or None. The
            lower-casing and accent stripping of pre-training; `None` means
            the uncased default. Recorded in the export's metadata as
            `lower_case` and `strip_accents`.
        head: `ElectraDiscriminatorHead` or None. The head, when `model` is
            an encoder.
        version: int or None. The version number; `None` means one more
            than the highest existing version. An existing version is never
            overwritten.

    Returns:
        The path of the version directory written.

    Example:
    ```python
    pretrainer = keras_electra.ElectraPretrainer("small")
    path = export_discriminator(pretrainer, "saved_models/electra")
    # 'saved_models/electra/1'
    ```
    """
    from keras_electra.models.electra_encoder import ElectraEncoder
    from keras_electra.models.electra_pretrainer import ElectraPretrainer

    if isinstance(model, ElectraPretrainer):
        encoder, head = model.discriminator, model.discriminator_head
    elif isinstance(model, ElectraEncoder):
        encoder = model
    else:
        raise ValueError(
            "export_discriminator expects an ElectraPretrainer or an "
            f"ElectraEncoder, got {type(model).__name__}."
        )

    models = [encoder] if head is None else [encoder, head]
    builder = SavedModelBuilder(
        "encoder" if head is None else "discriminator", encoder, models, base_path,
        vocab=vocab, sequence_length=sequence_length, version=version,
    )
    if head is None:
        return _export_encoder_signatures(builder, None, None, normalization, text_pair)

    def predict(inputs):
        sequence = encoder(inputs, training=False)
        logits = ops.cast(head(sequence), "float32")
        mask = ops.cast(inputs["padding_mask"], "float32")
        return {"replaced_probability": ops.sigmoid(logits) * mask}

    def text_outputs(outputs, inputs, packer):
        return {
            "replaced_probability": outputs["replaced_probability"],
            "token_ids": inputs["token_ids"],
            "tokens": packer.id_to_token(inputs["token_ids"]),
            "padding_mask": inputs["padding_mask"],
        }

    return _export_encoder_signatures(
        builder, predict, text_outputs, normalization, text_pair
    )


def export_classifier(
    classifier,
    base_path,
    *,
    vocab=None,
    sequence_length=128,
    text_pair=False,
    label_names=None,
    normalization=None,
    version=None,
):
    """Exports a fine-tuned `ElectraClassifier` as a TF Serving SavedModel.

    Writes `base_path/<version>/` with the tokenizer inside the graph. The
    signatures (all outputs dense):

    - `serving_default`: `text` `[batch]` string (and `text_pair` for a
      sentence-pair task) -> for classification `probabilities`
      `[batch, classes]` float32, `label` `[batch]` string (the most
      probable label name) and `label_id` `[batch]` int32; for regression
      `score` `[batch]` float32.
    - `encode`: the same text input -> `sequence_output`, `cls_output` and
      `padding_mask` of the fine-tuned encoder.
    - `predict_token_ids`: `token_ids`, `segment_ids`, `padding_mask`
      `[batch, sequence_length]` int32 -> `probabilities` and `label_id`
      (or `score`).
    - `encode_token_ids`: the same token inputs -> `sequence_output`,
      `cls_output`.

    Args:
        classifier: `ElectraClassifier`, or the `ElectraTextClassifier`
            task (`keras_electra.export.export_task` reads its
            preprocessor's settings).
        base_path: str. The model's directory in the TF Serving layout,
            e.g. `saved_models/sst2`; the export goes to a new numeric
            version directory inside it.
        vocab: `Vocab`, vocab path or `None` (the shipped uncased vocab).
        sequence_length: int. Texts are truncated to this many tokens.
        text_pair: bool. Whether the text signatures take `text` and
            `text_pair` (a sentence-pair task such as MNLI).
        label_names: list of str or None. Names of the classes in id order;
            `None` takes the classifier's `label_names`, or `"0"`, `"1"`,
            ... when it has none. Ignored for regression.
        normalization: `keras_electra.TextNormalization` or None. The
            lower-casing and accent stripping of fine-tuning; `None` means
            the uncased default. Recorded in the export's metadata as
            `lower_case` and `strip_accents`.
        version: int or None. The version number; `None` means one more
            than the highest existing version.

    Returns:
        The path of the version directory written.

    Example:
    ```python
    path = export_classifier(classifier, "saved_models/sst2")
    # 'saved_models/sst2/1'
    ```
    """
    parts = _classifier_parts(classifier, label_names, text_pair)
    encoder, num_classes, label_names, text_pair = parts
    regression = label_names is None

    def predict(inputs):
        logits = ops.cast(classifier(inputs, training=False), "float32")
        if regression:
            return {"score": ops.reshape(logits, (-1,))}
        return {
            "probabilities": ops.softmax(logits, axis=-1),
            "label_id": label_ids(logits),
        }

    def text_outputs(outputs, inputs, packer):
        if regression:
            return dict(outputs)
        names = tf.constant(label_names)
        return {**outputs, "label": tf.gather(names, outputs["label_id"])}

    builder = SavedModelBuilder(
        "classifier", encoder, [classifier], base_path, vocab=vocab,
        sequence_length=sequence_length, version=version,
    )
    metadata = {
        "label_names": None if regression else list(label_names),
        "num_classes": num_classes,
    }
    return _export_encoder_signatures(
        builder, predict, text_outputs, normalization, text_pair, metadata
    )


def next_version(base_path):
    """One more than the highest numeric version under `base_path` (or 1)."""
    versions = [int(v) for v in numbered_versions(base_path)]
    return max(versions, default=0) + 1


def read_metadata(version_dir):
    """The `electra_export.json` record of an export, or `{}` if absent."""
    path = os.path.join(version_dir, METADATA_FILE)
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _classifier_parts(classifier, label_names, text_pair):
    """(encoder, num_classes, label names or None, text_pair)."""
    from keras_electra.models.electra_classifier import ElectraClassifier
    from keras_electra.tasks.text_classifier import ElectraTextClassifier

    encoder = model_encoder(
        classifier, (ElectraClassifier, ElectraTextClassifier), "export_classifier"
    )
    num_classes = int(classifier.num_classes)
    if classifier.regression:
        label_names = None
    else:
        if label_names is None:
            label_names = classifier.label_names
        if label_names is None:
            label_names = [str(i) for i in range(num_classes)]
        label_names = [str(name) for name in label_names]
        if len(label_names) != num_classes:
            raise ValueError(
                f"{len(label_names)} label names for a classifier with "
                f"{num_classes} classes."
            )
    return encoder, num_classes, label_names, bool(text_pair)


def model_encoder(model, classes, exporter):
    """The `ElectraEncoder` of a fine-tuned model (`encoder`) or task
    (`backbone`) of one of `classes`.

    Raises:
        ValueError: `model` is of another type.
    """
    if not isinstance(model, classes):
        names = " or ".join(cls.__name__ for cls in classes)
        raise ValueError(f"{exporter} expects an {names}, got {type(model).__name__}.")
    return getattr(model, "encoder", None) or model.backbone


class SavedModelBuilder:
    """The checks, signatures, metadata and write of one SavedModel export.

    An exporter adds its token-level model functions first
    (`add_token_endpoint`), then tracks its text processor and adds the
    string-input signatures that call them (`add_text_endpoint`), and
    `write`s the version directory.

    Args:
        kind: str. The export's `kind` in its metadata.
        encoder: `ElectraEncoder`. The exported model's encoder.
        models: list of Keras models whose weights the model functions use.
        base_path: str. The model's directory in the TF Serving layout.
        vocab: `Vocab`, vocab path or `None` (the shipped uncased vocab).
        sequence_length: int. The length of the token-level inputs.
        version: int or None. The version number; `None` means the next.
    """

    def __init__(
        self, kind, encoder, models, base_path, *, vocab, sequence_length, version
    ):
        from keras_electra.data.vocab import as_vocab

        export_backend()
        check_sequence_length(encoder, sequence_length)
        self.base_path, self.version = checked_version(base_path, version)
        self.vocab = as_vocab(vocab, vocabulary_size=encoder.vocabulary_size)
        self.kind = kind
        self.encoder = encoder
        self.sequence_length = sequence_length
        self.archive = keras.export.ExportArchive()
        for model in models:
            track_model(self.archive, model)
        self.text_processor = None
        self.text_signatures = []
        self.token_signatures = []

    def add_token_endpoint(self, name, function):
        """Adds a signature of `token_ids`, `segment_ids`, `padding_mask`.

        Args:
            name: str. The signature's name.
            function: callable. Maps the dict of the three int32
                `[batch, sequence_length]` inputs to a dict of outputs.

        Returns:
            The endpoint: a `tf.function` of the three inputs as keywords.
        """
        # Model functions first: under JAX, `add_endpoint` converts them with
        # jax2tf, and the text signatures call the converted functions.
        if self.text_processor is not None:
            raise RuntimeError(f"Add '{name}' before tracking the text processor.")
        # The token-level signatures take exactly `sequence_length` columns:
        # jax2tf cannot convert the position embedding for a symbolic length,
        # and one fixed shape keeps both backends' exports alike.
        endpoint = self.archive.add_endpoint(
            name,
            lambda token_ids, segment_ids, padding_mask: function(
                _as_inputs(token_ids, segment_ids, padding_mask)
            ),
            input_signature=token_input_spec(self.sequence_length),
        )
        self.token_signatures.append(name)
        return endpoint

    def track_text_processor(self, processor):
        """Tracks the TensorFlow module that turns strings into token inputs.

        Its `normalization` is recorded in the metadata.
        """
        self.archive.track(processor)
        self.text_processor = processor

    def add_text_endpoint(self, name, function, input_names):
        """Adds a signature of string `[batch]` tensors.

        Args:
            name: str. The signature's name.
            function: callable. Takes the string tensors positionally, in
                the order of `input_names`, and returns a dict of outputs.
            input_names: list of str. The signature's input names.
        """
        spec = [tf.TensorSpec([None], tf.string, name=key) for key in input_names]
        function = tf.function(function, input_signature=spec, autograph=False)
        self.archive.add_endpoint(name, function)
        self.text_signatures.append(name)

    def write(self, metadata):
        """Writes the export to a new version directory.

        Args:
            metadata: dict. The task's own fields of `electra_export.json`.

        Returns:
            The path of the version directory written.
        """
        record = {
            **export_record(
                self.kind, self.encoder, self.vocab, self.text_processor.normalization,
                self.text_signatures + self.token_signatures,
            ),
            "sequence_length": self.sequence_length,
            **metadata,
        }
        return write_version(
            self.archive, self.base_path, self.version, record, self.vocab
        )


def _export_encoder_signatures(
    builder, predict, text_outputs, normalization, text_pair, metadata=None
):
    """Adds the encoder's signatures and `predict`'s (unless `None`) around
    an `ElectraPreprocessor`, and writes the export."""
    encoder = builder.encoder
    packer = ElectraPreprocessor(builder.vocab, builder.sequence_length, normalization)

    def encode(inputs):
        sequence = ops.cast(encoder(inputs, training=False), "float32")
        return {"sequence_output": sequence, "cls_output": sequence[:, 0, :]}

    if predict is not None:
        predict_ids = builder.add_token_endpoint("predict_token_ids", predict)
    encode_ids = builder.add_token_endpoint("encode_token_ids", encode)
    builder.track_text_processor(packer)

    def embed(inputs):
        outputs = dict(call_nonempty(encode_ids, inputs))
        outputs["padding_mask"] = inputs["padding_mask"]
        return outputs

    def serve(inputs):
        if predict is None:
            outputs = embed(inputs)
            outputs["token_ids"] = inputs["token_ids"]
            outputs["tokens"] = packer.id_to_token(inputs["token_ids"])
            return outputs
        outputs = call_nonempty(predict_ids, inputs)
        return text_outputs(outputs, inputs, packer)

    def on_text(body):
        def function(text, text_pair=None):
            return body(packer(text, text_pair))

        return function

    input_names = ["text", "text_pair"] if text_pair else ["text"]
    builder.add_text_endpoint("serving_default", on_text(serve), input_names)
    builder.add_text_endpoint("encode", on_text(embed), input_names)
    return builder.write({"text_pair": text_pair, **(metadata or {})})


def export_backend():
    """The Keras backend, if a SavedModel can be exported from it.

    Raises:
        ValueError: under PyTorch.
    """
    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        raise ValueError(
            f"SavedModel export runs under the TensorFlow or JAX backend, not "
            f"{backend!r}: load the model with KERAS_BACKEND=tensorflow."
        )
    return backend


def checked_version(base_path, version):
    """`(base_path, version)` of a new export, checked before any work.

    Raises:
        ValueError: `version` is not a positive integer.
        FileExistsError: `base_path/version` exists (versions are never
            overwritten).
    """
    base_path = os.fspath(base_path)
    if version is not None:
        version = int(version)
        if version < 1:
            raise ValueError(f"version must be a positive integer, got {version}.")
        if os.path.exists(os.path.join(base_path, str(version))):
            raise FileExistsError(
                f"version {version} already exists in '{base_path}'; exports "
                "never overwrite a version"
            )
    return base_path, version


def check_sequence_length(encoder, sequence_length):
    """Raises `ValueError` if `sequence_length` exceeds the encoder's
    position embeddings."""
    if sequence_length > encoder.max_sequence_length:
        raise ValueError(
            f"sequence_length={sequence_length} exceeds the model's "
            f"max_sequence_length={encoder.max_sequence_length}."
        )


def track_model(archive, model):
    """Tracks a Keras model in an `ExportArchive` so each weight is saved once.

    On TensorFlow the endpoints' traced functions capture the variables
    themselves, and `archive.track(model)` would store every weight a second
    time (keras-team/keras#23553: twice the SavedModel's size on disk and
    its variables' memory in the model server). Under JAX the model must be
    tracked: jax2tf binds the tracked variables.
    """
    if keras.backend.backend() != "tensorflow":
        archive.track(model)


def label_ids(logits):
    """int32 argmax over the last axis, in ops LiteRT has built in.

    Keras' TensorFlow `argmax` maps -0.0 below +0.0 with bitwise ops that
    LiteRT lacks; plain `tf.argmax` differs only on exact ties.
    """
    if keras.backend.backend() == "tensorflow":
        return tf.argmax(logits, axis=-1, output_type=tf.int32)
    return ops.cast(ops.argmax(logits, axis=-1), "int32")


def token_input_spec(sequence_length):
    """The `tf.TensorSpec`s of the token-level signatures' three inputs."""
    return [
        tf.TensorSpec([None, sequence_length], tf.int32, name=key)
        for key in MODEL_INPUTS
    ]


def export_record(kind, encoder, vocab, normalization, signatures):
    """The metadata every export records: what it is, how it tokenizes,
    and the versions that wrote it. Callers add their own fields."""
    return {
        "format": 1,
        "kind": kind,
        **normalization.to_record(),
        "vocab_sha256": vocab.sha256,
        "vocabulary_size": vocab.size,
        "hidden_dim": int(encoder.hidden_dim),
        "keras_backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "signatures": list(signatures),
    }


def call_nonempty(function, inputs):
    """`function(**inputs)`, also for an empty batch.

    A jax2tf-converted function requires a batch of at least one row, so an
    empty batch runs on one padding row whose outputs are dropped.
    """
    size = tf.shape(inputs["token_ids"])[0]
    extra = tf.maximum(1 - size, 0)
    padded = {
        key: tf.concat([value, tf.zeros([extra, tf.shape(value)[1]], value.dtype)], 0)
        for key, value in inputs.items()
    }
    return {key: value[:size] for key, value in function(**padded).items()}


def _as_inputs(token_ids, segment_ids, padding_mask):
    return {
        "token_ids": token_ids,
        "segment_ids": segment_ids,
        "padding_mask": padding_mask,
    }


def write_version(archive, base_path, version, record, vocab):
    """Writes to a staging dir, then renames it to the version directory.

    TF Serving polls `base_path` and loads any numeric directory it finds,
    so the version appears only once complete; the staging name is not
    numeric and the model server ignores it.
    """
    os.makedirs(base_path, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".export-", dir=base_path)
    try:
        archive.write_out(staging, verbose=False)
        os.makedirs(os.path.join(staging, "assets.extra"), exist_ok=True)
        shutil.copyfile(vocab.path, os.path.join(staging, VOCAB_FILE))
        while True:
            number = version or next_version(base_path)
            target = os.path.join(base_path, str(number))
            record["version"] = number
            with open(os.path.join(staging, METADATA_FILE), "w") as f:
                json.dump(record, f, indent=2, sort_keys=True)
            if os.path.exists(target):
                if version is not None:
                    raise FileExistsError(
                        f"version {version} already exists in '{base_path}'; "
                        "exports never overwrite a version"
                    )
                continue  # Another export took this number meanwhile.
            try:
                os.rename(staging, target)
            except OSError:
                if version is not None or not os.path.exists(target):
                    raise
                continue
            return target
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging, ignore_errors=True)
