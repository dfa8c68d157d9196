"""`ElectraQuestionAnswerer`: an encoder with extractive-QA span heads."""

import keras
from keras import ops

from keras_electra.layers.activations import electra_activation
from keras_electra.layers.initializers import electra_kernel_initializer
from keras_electra.models.task_model import ElectraTaskModel

MASKED_LOGIT = -1e9
"""The logit of positions an answer can never start or end at."""


def span_mask(segment_ids, padding_mask):
    """Positions a span logit is kept for: [CLS] and the context tokens.

    The context is segment 1 without its closing [SEP] (the last real
    token); [CLS] (position 0) stays as the "no span in this window" label.
    """
    real = ops.cast(padding_mask, "int32")
    following = ops.concatenate([real[:, 1:], ops.zeros_like(real[:, :1])], axis=1)
    context = ops.logical_and(ops.equal(ops.cast(segment_ids, "int32"), 1),
                              ops.equal(following, 1))
    context = ops.logical_and(context, ops.equal(real, 1))
    first = ops.equal(ops.cumsum(ops.ones_like(real), axis=1), 1)
    return ops.logical_or(context, first)


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraQuestionAnswerer(ElectraTaskModel):
    """An ELECTRA encoder fine-tuned for extractive question answering.

    One dense layer on the encoder's sequence output gives every position a
    start and an end logit; positions outside the context (the question,
    the [SEP]s and padding) get -1e9, except [CLS], whose logits score "no
    answer in this window". With `answerability=True` (SQuAD 2.0) a second
    head, dense (gelu) then dense on the [CLS] vector, gives the logit that
    the question has no answer, as the original's answerability classifier.

    Start and end are predicted independently (a span scores
    `start_logit + end_logit`); the original's joint prediction, which
    conditions the end on the start with a beam, is not implemented.

    Inputs are the encoder's: a dict of int32 `token_ids`, `segment_ids`
    and `padding_mask` `[batch, sequence_length]` holding
    `[CLS] question [SEP] context [SEP]` (segment 1 for the context and its
    [SEP]), as `keras_electra.qa.QAFeaturizer` builds them.

    Args:
        encoder: `ElectraEncoder`. The pre-trained (or random) discriminator.
        answerability: bool. Add the no-answer logit (SQuAD 2.0).
        dtype: dtype policy of the heads (the encoder keeps its own).

    Returns:
        A dict of float32 logits: `start_logits` and `end_logits`
        `[batch, sequence_length]`, and with `answerability`
        `no_answer_logit` `[batch]`.

    Example:
    ```python
    encoder = keras_electra.ElectraEncoder(
        vocabulary_size=100, num_layers=2, hidden_dim=32, num_heads=2,
        intermediate_dim=64)
    model = keras_electra.ElectraQuestionAnswerer(encoder, answerability=True)
    outputs = model({"token_ids": np.ones((2, 8), "int32"),
                     "segment_ids": np.array([[0] * 3 + [1] * 5] * 2, "int32"),
                     "padding_mask": np.ones((2, 8), "int32")})
    outputs["start_logits"].shape  # (2, 8)
    model.compile(optimizer=keras.optimizers.AdamW(1e-4))
    model.fit(inputs, {"start_logits": starts, "end_logits": ends,
                       "no_answer_logit": impossible})
    ```
    """

    def __init__(self, encoder, answerability=False, dtype=None, **kwargs):
        self.check_encoder(encoder)
        # === Layers ===
        head_dtype = dtype if dtype is not None else encoder.dtype_policy
        span_dense = keras.layers.Dense(
            2, kernel_initializer=electra_kernel_initializer(),
            dtype=head_dtype, name="span_logits",
        )
        answer_hidden = answer_dense = None
        if answerability:
            answer_hidden = keras.layers.Dense(
                encoder.hidden_dim,
                activation=electra_activation(encoder.activation),
                kernel_initializer=electra_kernel_initializer(),
                dtype=head_dtype, name="answerability_hidden",
            )
            answer_dense = keras.layers.Dense(
                1, kernel_initializer=electra_kernel_initializer(),
                dtype=head_dtype, name="no_answer_logit",
            )

        # === Functional Model ===
        inputs = encoder.input
        sequence = encoder(inputs)
        logits = ops.cast(span_dense(sequence), "float32")
        keep = span_mask(inputs["segment_ids"], inputs["padding_mask"])
        outputs = {
            "start_logits": ops.where(keep, logits[:, :, 0], MASKED_LOGIT),
            "end_logits": ops.where(keep, logits[:, :, 1], MASKED_LOGIT),
        }
        if answerability:
            no_answer = answer_dense(answer_hidden(sequence[:, 0, :]))
            outputs["no_answer_logit"] = ops.cast(no_answer[:, 0], "float32")
        kwargs.setdefault("name", "electra_question_answerer")
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.encoder = encoder
        self.span_dense = span_dense
        self.answerability_hidden = answer_hidden
        self.answerability_dense = answer_dense
        self.answerability = bool(answerability)

    def compile(self, optimizer="auto", loss="auto", loss_weights="auto",
                metrics=None, **kwargs):
        """Configures training; `"auto"` picks the task's defaults.

        Args:
            optimizer: `"auto"` (AdamW, lr 1e-4, epsilon 1e-6) or any
                optimizer (the recipe passes `layerwise_adamw(...)`).
            loss: `"auto"`: sparse categorical cross-entropy of the start
                and of the end position over the window's positions, and
                binary cross-entropy of `no_answer_logit` against the
                question's `is_impossible`.
            loss_weights: `"auto"`: 0.5 start, 0.5 end, 1.0 no-answer (the
                span loss is the mean of the two position losses).
            metrics: passed to `keras.Model.compile`.
            **kwargs: passed to `keras.Model.compile`.
        """
        if optimizer == "auto":
            optimizer = self.default_optimizer()
        if loss == "auto":
            loss = {
                "start_logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                "end_logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            }
            if self.answerability:
                loss["no_answer_logit"] = keras.losses.BinaryCrossentropy(from_logits=True)
        if loss_weights == "auto":
            loss_weights = {"start_logits": 0.5, "end_logits": 0.5}
            if self.answerability:
                loss_weights["no_answer_logit"] = 1.0
        super().compile(optimizer=optimizer, loss=loss, loss_weights=loss_weights,
                        metrics=metrics, **kwargs)

    def head_config(self):
        return {"answerability": self.answerability}
