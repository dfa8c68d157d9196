"""SavedModel export of a token tagger: raw text in, words and tags out.

`export_tagger` writes `base_path/<version>/` (the TF Serving layout, as
`keras_electra.export.export_classifier` does) with the word splitting,
the WordPiece tokenizer and the windowing inside the graph. Signatures:

* `serving_default`: `text` `[batch]` string ->
  - `words` `[batch, max_words]` string: the words of each text, split on
    whitespace as Python's `str.split()` splits (no punctuation splitting:
    pass text tokenized as the training data was, e.g. `the pound ,`);
    padded with `""`;
  - `start`, `end` `[batch, max_words]` int32: each word's offsets in
    Unicode code points (end exclusive) into the text, -1 at padding;
  - `tags` `[batch, max_words]` string: the predicted tags (the training
    scheme's, `tag_scheme` in the metadata), `""` at padding;
  - `tag_ids` `[batch, max_words]` int32, -1 at padding;
  - `num_words` `[batch]` int32.
  `max_words` is the largest word count of the batch (0 when every text is
  empty or blank).
* `predict_token_ids`: `token_ids`, `segment_ids`, `padding_mask`
  `[windows, sequence_length]` int32 -> `logits`
  `[windows, sequence_length, num_labels]` float32 and `tag_ids`
  `[windows, sequence_length]` int32, for clients that window themselves.

Every input string gives a defined output: invalid UTF-8 is replaced by
U+FFFD (offsets then refer to the replaced text); empty and blank texts
have no words; characters outside the vocab become `[UNK]`; a text of any
length is cut into overlapping windows (nothing is truncated; a word keeps
at most `max_pieces_per_word` WordPieces, its first always), so cost grows
linearly with its length: a 100,000-character text is a few hundred
windows.
"""


import tensorflow as tf
from keras import ops

from keras_electra.export.saved_model import SavedModelBuilder
from keras_electra.export.saved_model import call_nonempty
from keras_electra.export.saved_model import label_ids
from keras_electra.export.saved_model import model_encoder
from keras_electra.preprocessing import MODEL_INPUTS
from keras_electra.tagging.command import KIND
from keras_electra.tagging.windows import MAX_PIECES_PER_WORD
from keras_electra.tagging.windows import WordWindower
from keras_electra.tagging.windows import split_words
from keras_electra.tagging.windows import word_predictions


def scheme_of(label_names):
    """`"bioes"` if any label has an `E-` or `S-` prefix, else `"bio"`."""
    return "bioes" if any(n[:2] in ("E-", "S-") for n in label_names) else "bio"


def export_tagger(
    tagger,
    base_path,
    *,
    vocab=None,
    sequence_length=128,
    stride=None,
    normalization=None,
    max_pieces_per_word=MAX_PIECES_PER_WORD,
    version=None,
):
    """Exports a fine-tuned `ElectraTokenTagger` as a TF Serving SavedModel.

    Works under the TensorFlow and the JAX backend (Keras converts the model
    with jax2tf; the text processing stays plain TensorFlow around it).

    Args:
        tagger: `ElectraTokenTagger` or the `ElectraTokenClassifier` task,
            with `label_names`.
        base_path: str. The model's directory, e.g. `saved_models/chunking`;
            the export goes to a new numeric version directory inside it.
        vocab: `Vocab`, vocab path or None (the shipped uncased vocab); the
            one the tagger was fine-tuned with.
        sequence_length: int. Window length, as in fine-tuning.
        stride: int or None. Window stride, as in fine-tuning (`None`:
            half a window).
        normalization: `TextNormalization` or None (the uncased default),
            as in fine-tuning.
        max_pieces_per_word: int. As in fine-tuning.
        version: int or None. The version number; `None` means one more
            than the highest existing version. Versions are never
            overwritten.

    Returns:
        The path of the version directory written.

    Example:
    ```python
    path = export_tagger(tagger, "saved_models/chunking", sequence_length=128)
    loaded = tf.saved_model.load(path)  # after `import tensorflow_text`
    out = loaded.signatures["serving_default"](text=tf.constant(["He reckons ."]))
    out["tags"]  # [[b"B-NP", b"B-VP", b"O"]]
    ```
    """
    from keras_electra.models.electra_token_tagger import ElectraTokenTagger
    from keras_electra.tasks.token_classifier import ElectraTokenClassifier

    encoder = model_encoder(
        tagger, (ElectraTokenTagger, ElectraTokenClassifier), "export_tagger"
    )
    builder = SavedModelBuilder(
        KIND, encoder, [tagger], base_path, vocab=vocab,
        sequence_length=sequence_length, version=version,
    )
    num_labels = getattr(tagger, "num_labels", None) or tagger.num_classes
    label_names = list(tagger.label_names or [str(i) for i in range(num_labels)])
    windower = WordWindower(
        builder.vocab, sequence_length, stride, normalization, max_pieces_per_word
    )

    def predict(inputs):
        logits = ops.cast(tagger(inputs, training=False), "float32")
        return {"logits": logits, "tag_ids": label_ids(logits)}

    predict_ids = builder.add_token_endpoint("predict_token_ids", predict)
    builder.track_text_processor(windower)
    names = tf.constant(label_names)

    def serve(text):
        words, starts, ends = split_words(text)
        windows = windower.windows(words)
        outputs = call_nonempty(predict_ids, {k: windows[k] for k in MODEL_INPUTS})
        tag_ids = word_predictions(
            outputs["tag_ids"], windows["word_window"], windows["word_position"]
        )
        tags = tag_ids.with_flat_values(tf.gather(names, tag_ids.flat_values))
        return {
            "words": words.to_tensor(default_value=""),
            "start": tf.cast(starts, tf.int32).to_tensor(default_value=-1),
            "end": tf.cast(ends, tf.int32).to_tensor(default_value=-1),
            "tags": tags.to_tensor(default_value=""),
            "tag_ids": tag_ids.to_tensor(default_value=-1),
            "num_words": tf.cast(words.row_lengths(), tf.int32),
        }

    builder.add_text_endpoint("serving_default", serve, ["text"])
    return builder.write({
        "stride": windower.stride,
        "max_pieces_per_word": windower.max_pieces_per_word,
        "word_split": "whitespace",
        "offsets": "code points",
        "label_names": label_names,
        "num_labels": len(label_names),
        "tag_scheme": scheme_of(label_names),
    })
