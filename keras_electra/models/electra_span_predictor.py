"""`ElectraSpanPredictor`: an encoder with extractive-QA span heads, on token ids."""

import keras

from keras_electra.models.span_head import SpanHead
from keras_electra.models.span_head import span_loss_weights
from keras_electra.models.span_head import span_losses
from keras_electra.models.task_model import ElectraTaskModel


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraSpanPredictor(ElectraTaskModel):
    """An ELECTRA encoder fine-tuned for extractive QA, on token-id windows.

    The recipes' model; `keras_electra.ElectraQuestionAnswerer` is the
    keras-hub-shaped task over the same head that takes question and
    context strings.

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
    model = keras_electra.ElectraSpanPredictor(encoder, answerability=True)
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
        head = SpanHead(
            encoder.hidden_dim, encoder.activation, answerability,
            dtype if dtype is not None else encoder.dtype_policy,
        )

        # === Functional Model ===
        inputs = encoder.input
        outputs = head(encoder(inputs), inputs)
        self.build_functional(encoder, outputs, "electra_span_predictor", dtype, **kwargs)

        # === Config ===
        self.span_dense = head.span_dense
        self.answerability_hidden = head.answer_hidden
        self.answerability_dense = head.answer_dense
        self.answerability = bool(answerability)

    def compile(self, optimizer="auto", loss="auto", loss_weights="auto",
                metrics="auto", **kwargs):
        """`ElectraTaskModel.compile`; `loss_weights="auto"` is 0.5 start,
        0.5 end, 1.0 no-answer (the span loss is the mean of the two
        position losses)."""
        if loss_weights == "auto":
            loss_weights = span_loss_weights(self.answerability)
        super().compile(optimizer, loss, metrics, loss_weights=loss_weights, **kwargs)

    def default_loss(self):
        """Sparse categorical cross-entropy of the start and of the end
        position over the window's positions, and binary cross-entropy of
        `no_answer_logit` against the question's `is_impossible`."""
        return span_losses(self.answerability)

    def head_config(self):
        return {"answerability": self.answerability}
