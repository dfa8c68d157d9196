"""The extractive-QA head: span logits, the positions they may take, the losses.

One definition for `ElectraSpanPredictor` (token-id windows, the recipe's)
and `keras_electra.tasks.ElectraQuestionAnswerer` (keras-hub's task shape),
so both hold the same layers under the same names.
"""

import keras
from keras import ops

from keras_electra.layers.activations import electra_activation
from keras_electra.layers.initializers import electra_kernel_initializer

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


class SpanHead:
    """The head's layers, and `__call__(sequence, inputs)` -> logits dict.

    One dense layer gives every position a start and an end logit;
    positions outside the context get `MASKED_LOGIT`, except [CLS], whose
    logits score "no answer in this window". With `answerability` (SQuAD
    2.0), dense (the encoder's activation) then dense on [CLS] gives the
    logit that the question has no answer, as the original's.

    Args:
        hidden_dim: int. The encoder's width.
        activation: str. The encoder's activation.
        answerability: bool. Add the no-answer logit.
        dtype: dtype policy of the head's layers.
    """

    def __init__(self, hidden_dim, activation, answerability, dtype):
        self.span_dense = keras.layers.Dense(
            2, kernel_initializer=electra_kernel_initializer(),
            dtype=dtype, name="span_logits",
        )
        self.answer_hidden = self.answer_dense = None
        if answerability:
            self.answer_hidden = keras.layers.Dense(
                hidden_dim, activation=electra_activation(activation),
                kernel_initializer=electra_kernel_initializer(),
                dtype=dtype, name="answerability_hidden",
            )
            self.answer_dense = keras.layers.Dense(
                1, kernel_initializer=electra_kernel_initializer(),
                dtype=dtype, name="no_answer_logit",
            )

    def __call__(self, sequence, inputs):
        logits = ops.cast(self.span_dense(sequence), "float32")
        keep = span_mask(inputs["segment_ids"], inputs["padding_mask"])
        outputs = {
            "start_logits": ops.where(keep, logits[:, :, 0], MASKED_LOGIT),
            "end_logits": ops.where(keep, logits[:, :, 1], MASKED_LOGIT),
        }
        if self.answer_dense is not None:
            no_answer = self.answer_dense(self.answer_hidden(sequence[:, 0, :]))
            outputs["no_answer_logit"] = ops.cast(no_answer[:, 0], "float32")
        return outputs


def span_losses(answerability):
    """Cross-entropy of the start and of the end position over the window,
    and binary cross-entropy of `no_answer_logit` against `is_impossible`."""
    losses = {
        "start_logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        "end_logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    }
    if answerability:
        losses["no_answer_logit"] = keras.losses.BinaryCrossentropy(from_logits=True)
    return losses


def span_loss_weights(answerability):
    """0.5 start, 0.5 end (the span loss is their mean), 1.0 no-answer."""
    weights = {"start_logits": 0.5, "end_logits": 0.5}
    if answerability:
        weights["no_answer_logit"] = 1.0
    return weights
