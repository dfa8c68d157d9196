"""SavedModel export of an `ElectraSpanPredictor`: question and context
strings in, answer text and character offsets out, everything (tokenizer,
windowing, span selection) inside the graph.

`serving_default` takes `question` and `context`, string `[batch]`, and
returns, per question:

* `answer` string: the answer text, cut from the context (after invalid
  UTF-8 is replaced by U+FFFD, which leaves valid text unchanged), or ""
  when there is none;
* `start`, `end` int32: character (code point) offsets of `answer` in the
  context, `context[start:end] == answer`; -1 and -1 for no answer;
* `score` float32: the best span's `start_logit + end_logit` (-inf when the
  context has no token);
* `no_answer_score` float32: the post-processing's no-answer score; for a
  SQuAD 2.0 model the answer is "" when it exceeds the export's
  `no_answer_threshold` (recorded in the metadata), for 1.1 it is only
  reported.

Long contexts are windowed in the graph with the fine-tuning's sequence
length and doc stride, up to `max_windows` windows (default 256, e.g.
about 32,000 context WordPieces at stride 128); text beyond them is not
searched. Empty or blank questions and contexts, emoji, any length and
invalid UTF-8 give a defined answer ("" and -1 when the context has no
token). The span rule is `keras_electra.qa.postprocess`'s.

`predict_token_ids` (packed windows `[batch, sequence_length]` int32 ->
`start_logits`, `end_logits`, and `no_answer_logit` for 2.0) is there for
clients that tokenize themselves.
"""


import keras
import tensorflow as tf

from keras_electra.export.saved_model import SavedModelBuilder
from keras_electra.export.saved_model import model_encoder
from keras_electra.qa.command import KIND
from keras_electra.qa.features import QAFeaturizer
from keras_electra.qa.features import clean_text


def export_question_answerer(model, base_path, *, vocab=None, sequence_length=384,
                             doc_stride=128, max_query_length=64,
                             max_answer_length=30, n_best=20,
                             no_answer_threshold=0.0, normalization=None,
                             max_windows=256, version=None):
    """Exports `model` as a TF Serving SavedModel (see the module docs).

    Args:
        model: `ElectraSpanPredictor` or the `ElectraQuestionAnswerer`
            task. Answerability (SQuAD 2.0) is taken from it.
        base_path: str. The model's directory in the TF Serving layout
            (e.g. `saved_models/squad`); the export goes to a new numeric
            version directory in it, never over an existing one.
        vocab: `Vocab`, path or None (the shipped uncased vocab).
        sequence_length, doc_stride, max_query_length: windowing, as in
            fine-tuning.
        max_answer_length, n_best: span selection, as in fine-tuning.
        no_answer_threshold: float. 2.0: answer "" above this no-answer
            score (use the dev `best_f1_thresh`).
        normalization: `TextNormalization` or None (uncased default).
        max_windows: int. Windows searched per context.
        version: int or None. Version number (default: next free).

    Returns:
        The version directory written.

    Example:
    ```python
    path = export_question_answerer(model, "saved_models/squad",
                                    sequence_length=384)
    loaded = tf.saved_model.load(path)
    loaded.signatures["serving_default"](
        question=tf.constant(["Who ran?"]), context=tf.constant(["Ann ran."]))
    # {"answer": [b"Ann"], "start": [0], "end": [3], ...}
    ```
    """
    from keras_electra.models.electra_span_predictor import ElectraSpanPredictor
    from keras_electra.tasks.question_answerer import ElectraQuestionAnswerer

    encoder = model_encoder(
        model, (ElectraSpanPredictor, ElectraQuestionAnswerer), "export_question_answerer"
    )
    builder = SavedModelBuilder(KIND, encoder, [model], base_path, vocab=vocab,
                                sequence_length=sequence_length, version=version)
    for name, value in (("max_answer_length", max_answer_length), ("n_best", n_best)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    featurizer = QAFeaturizer(builder.vocab, sequence_length, doc_stride,
                              max_query_length, normalization=normalization,
                              max_windows=max_windows)
    answerability = model.answerability

    def predict(inputs):
        outputs = model(inputs, training=False)
        return {k: keras.ops.cast(v, "float32") for k, v in outputs.items()}

    predict_ids = builder.add_token_endpoint("predict_token_ids", predict)
    builder.track_text_processor(featurizer)
    threshold = float(no_answer_threshold)

    def answer_one(pair):
        question, context = pair
        windows = featurizer.windows(question, context)
        outputs = predict_ids(
            token_ids=windows["token_ids"], segment_ids=windows["segment_ids"],
            padding_mask=windows["padding_mask"],
        )
        return select_answer(
            context, windows, outputs, n_best=n_best,
            max_answer_length=max_answer_length,
            no_answer_threshold=threshold if answerability else None,
        )

    def serve(question, context):
        question = clean_text(question)
        context = clean_text(context)
        return tf.map_fn(
            answer_one, (question, context),
            fn_output_signature={
                "answer": tf.TensorSpec([], tf.string),
                "start": tf.TensorSpec([], tf.int32),
                "end": tf.TensorSpec([], tf.int32),
                "score": tf.TensorSpec([], tf.float32),
                "no_answer_score": tf.TensorSpec([], tf.float32),
            },
        )

    builder.add_text_endpoint("serving_default", serve, ["question", "context"])
    return builder.write({
        "squad_version": "2.0" if answerability else "1.1",
        **featurizer.settings(),
        "max_answer_length": max_answer_length,
        "n_best": n_best,
        "no_answer_threshold": threshold,
    })


def select_answer(context, windows, outputs, n_best=20, max_answer_length=30,
                  no_answer_threshold=None):
    """The best answer of one question from its windows' logits, in TF ops.

    The graph form of `keras_electra.qa.postprocess.predict_answers` for
    one question (its top answer only).

    Args:
        context: scalar string, the clean context.
        windows: `QAFeaturizer.windows` of the question and context.
        outputs: dict of `start_logits`, `end_logits` `[windows, length]`
            (and `no_answer_logit` `[windows]`).
        n_best, max_answer_length: as in `predict_answers`.
        no_answer_threshold: float or None. None answers whenever a span
            exists (1.1); a float withholds answers above it (2.0).

    Returns:
        dict of scalars `answer`, `start`, `end`, `score`,
        `no_answer_score`.
    """
    start_logits = tf.cast(outputs["start_logits"], tf.float32)
    end_logits = tf.cast(outputs["end_logits"], tf.float32)
    to_context = windows["token_to_context"]
    num_context = tf.size(windows["context_starts"], tf.int32)
    in_context = to_context >= 0

    # The window where each context token has the most context.
    count = tf.reduce_sum(tf.cast(in_context, tf.int32), axis=1, keepdims=True)
    relative = tf.cumsum(tf.cast(in_context, tf.int32), axis=1) - 1
    depth = tf.where(in_context, 100 * tf.minimum(relative, count - 1 - relative) + count, -1)
    best_depth = tf.math.unsorted_segment_max(
        tf.boolean_mask(depth, in_context), tf.boolean_mask(to_context, in_context),
        tf.maximum(num_context, 1),
    )
    max_context = in_context & tf.equal(depth, tf.gather(best_depth, tf.maximum(to_context, 0)))

    minus_inf = tf.constant(-float("inf"), tf.float32)
    starts = tf.where(max_context, start_logits, minus_inf)
    ends = tf.where(in_context, end_logits, minus_inf)
    k = tf.minimum(n_best, tf.shape(starts)[1])
    start_values, start_index = tf.math.top_k(starts, k)
    end_values, end_index = tf.math.top_k(ends, k)
    first = start_index[:, :, tf.newaxis]
    last = end_index[:, tf.newaxis, :]
    valid = (
        tf.math.is_finite(start_values)[:, :, tf.newaxis]
        & tf.math.is_finite(end_values)[:, tf.newaxis, :]
        & (last >= first) & (last - first + 1 <= max_answer_length)
    )
    pair_scores = tf.where(
        valid, start_values[:, :, tf.newaxis] + end_values[:, tf.newaxis, :], minus_inf
    )
    flat = tf.reshape(pair_scores, [-1])
    best = tf.argmax(flat, output_type=tf.int32)
    score = flat[best]
    has_span = tf.math.is_finite(score)
    window = best // (k * k)
    first_token = tf.gather(start_index[window], (best // k) % k)
    last_token = tf.gather(end_index[window], best % k)
    first_context = tf.maximum(to_context[window, first_token], 0)
    last_context = tf.maximum(to_context[window, last_token], 0)
    byte_starts = tf.concat([windows["context_starts"], [0]], 0)
    byte_ends = tf.concat([windows["context_ends"], [0]], 0)
    byte_start = tf.cast(tf.gather(byte_starts, first_context), tf.int32)
    byte_end = tf.cast(tf.gather(byte_ends, last_context), tf.int32)

    null = tf.reduce_min(start_logits[:, 0] + end_logits[:, 0])
    no_answer = null - score
    if "no_answer_logit" in outputs:
        no_answer += tf.reduce_mean(tf.cast(outputs["no_answer_logit"], tf.float32))
    no_answer = tf.where(has_span, no_answer, tf.constant(float("inf"), tf.float32))
    answered = has_span
    if no_answer_threshold is not None:
        answered = answered & (no_answer <= no_answer_threshold)
    span = tf.strings.substr(context, byte_start, tf.maximum(byte_end - byte_start, 0))
    prefix = tf.strings.substr(context, tf.constant(0, tf.int32), byte_start)
    char_start = tf.strings.length(prefix, unit="UTF8_CHAR")
    char_end = char_start + tf.strings.length(span, unit="UTF8_CHAR")
    return {
        "answer": tf.where(answered, span, ""),
        "start": tf.where(answered, char_start, -1),
        "end": tf.where(answered, char_end, -1),
        "score": score,
        "no_answer_score": no_answer,
    }
