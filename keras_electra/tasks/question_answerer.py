"""`ElectraQuestionAnswerer`: extractive QA (SQuAD 1.1 / 2.0) in keras-hub's shape."""

import keras
from keras_hub.models import Task

from keras_electra.models.electra_encoder import ElectraEncoder
from keras_electra.models.span_head import SpanHead
from keras_electra.models.span_head import span_loss_weights
from keras_electra.models.span_head import span_losses
from keras_electra.tasks.fine_tuning import DEFAULT_BATCH_SIZE
from keras_electra.tasks.fine_tuning import FineTunedTask
from keras_electra.tasks.question_answerer_preprocessor import (
    ElectraQuestionAnswererPreprocessor,
)


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraQuestionAnswerer(FineTunedTask, Task):
    """An ELECTRA discriminator fine-tuned to answer questions from a text.

    keras-hub's task shape: a backbone (`ElectraEncoder`), a preprocessor
    that takes question and context strings
    (`ElectraQuestionAnswererPreprocessor`: windows over long contexts)
    and the original's span head (a start and an end logit per context
    position, [CLS] for "not in this window"; with `answerability=True`,
    SQuAD 2.0's no-answer logit on [CLS]). `fit` takes
    `x=(questions, contexts)` and `y=answers`, or the `SquadExample`s that
    `keras_electra.qa.load_squad` reads; `predict_answers` returns the
    answer text, its character span and score per question, "" when the
    model says there is none. keras-hub has no question-answering base
    task, so this one subclasses `Task` and keeps `TextClassifier`'s
    conventions (`from_preset`, `compile()` defaults, `save_to_preset`).

    Args:
        backbone: `ElectraEncoder`.
        preprocessor: `ElectraQuestionAnswererPreprocessor` or None.
        answerability: bool. Add the no-answer logit (SQuAD 2.0).

    Example:
    ```python
    answerer = ElectraQuestionAnswerer.from_preset(
        "runs/electra_small", answerability=True, sequence_length=384)
    answerer.fit(x=(["Who ran?"], ["Ann ran to the shop."]), y=["Ann"], epochs=2)
    answerer.predict_answers((["Who ran?"], ["Bo ran home."]))
    # [{"answer": "Bo", "start": 0, "end": 2, "score": 7.1, "no_answer_score": -3.2}]
    ```
    """

    backbone_cls = ElectraEncoder
    preprocessor_cls = ElectraQuestionAnswererPreprocessor
    preprocessor_settings = ("sequence_length", "doc_stride", "max_query_length")

    def __init__(self, backbone, preprocessor=None, answerability=False, **kwargs):
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        head = SpanHead(
            backbone.hidden_dim,
            backbone.activation,
            answerability,
            backbone.dtype_policy,
        )
        self.span_dense = head.span_dense
        self.answerability_hidden = head.answer_hidden
        self.answerability_dense = head.answer_dense

        # === Config ===
        self.answerability = bool(answerability)
        self.fine_tuning = None

        # === Functional Model ===
        inputs = backbone.input
        outputs = head(backbone(inputs), inputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

    @property
    def version(self):
        """The SQuAD version the head answers: "2.0" with answerability."""
        return "2.0" if self.answerability else "1.1"

    def compile(self, optimizer="auto", loss="auto", *, loss_weights="auto", **kwargs):
        """`FineTunedTask.compile`; `loss_weights="auto"` averages the start
        and end losses and adds the no-answer loss at weight 1."""
        if loss_weights == "auto":
            loss_weights = span_loss_weights(self.answerability)
        super().compile(optimizer, loss, loss_weights=loss_weights, **kwargs)

    def default_loss(self):
        return span_losses(self.answerability)

    def default_metrics(self):
        return None  # EM and F1 are over answers: `evaluate_answers`.

    def needs_batches(self):
        return True  # A question becomes as many windows as its context needs.

    def batches(self, x, y=None, sample_weight=None, batch_size=None, shuffle=True):
        """Questions, contexts and answers as batches of labelled windows."""
        import tensorflow as tf

        if sample_weight is not None:
            raise ValueError("ElectraQuestionAnswerer takes no sample_weight.")
        features = self.preprocessor.featurize(squad_examples(x, y))
        dataset = tf.data.Dataset.from_tensor_slices(
            (features.inputs, features.labels(self.answerability))
        )
        if shuffle:
            dataset = dataset.shuffle(len(features), reshuffle_each_iteration=True)
        return dataset.batch(batch_size or DEFAULT_BATCH_SIZE)

    def predict_answers(
        self, x, batch_size=32, n_best=20, max_answer_length=30, no_answer_threshold=0.0
    ):
        """The answer to each question, as a person reads it.

        Args:
            x: `(questions, contexts)` lists of strings, or `SquadExample`s.
            batch_size: int. Windows per predict batch.
            n_best: int. Span candidates per window side.
            max_answer_length: int. Longest answer, in WordPieces.
            no_answer_threshold: float. With `answerability`, answer ""
                when the no-answer score exceeds it.

        Returns:
            A list with one dict per question: `answer` (the context's
            text, "" for none), `start` and `end` (its character span,
            -1 for none), `score` (the best span's) and `no_answer_score`
            (higher: more likely unanswerable).
        """
        return [
            {
                "answer": p.text,
                "start": p.start,
                "end": p.end,
                "score": p.score,
                "no_answer_score": p.no_answer_score,
            }
            for p in self._predictions(
                squad_examples(x), batch_size, n_best, max_answer_length,
                no_answer_threshold,
            ).values()
        ]

    def evaluate_answers(self, examples, batch_size=32, no_answer_threshold=0.0):
        """SQuAD's exact match and F1 (percentages) on `SquadExample`s; for
        2.0 also the best no-answer threshold's (`best_f1`, ...)."""
        from keras_electra.qa.training import QAConfig
        from keras_electra.qa.training import evaluate_model

        config = QAConfig(version=self.version, no_answer_threshold=no_answer_threshold)
        features = self.preprocessor.featurize(examples)
        return evaluate_model(self, features, config, batch_size=batch_size)[1]

    def _predictions(self, examples, batch_size, n_best, max_answer_length, threshold):
        from keras_electra.qa.postprocess import predict_answers
        from keras_electra.qa.training import model_outputs

        features = self.preprocessor.featurize(examples)
        outputs = model_outputs(self, features, batch_size)
        return predict_answers(
            features, outputs, n_best, max_answer_length, self.version, threshold
        )

    def get_config(self):
        config = super().get_config()
        config.update({"answerability": self.answerability})
        return config


def squad_examples(x, y=None):
    """`SquadExample`s of `fit`'s or `predict_answers`' `x` and `y`.

    Args:
        x: a list of `SquadExample` (then `y` is None), or
            `(questions, contexts)`.
        y: None (questions to answer), or one answer per question: its
            text (located at its first occurrence in the context; "" or
            None: unanswerable), a SQuAD `{"text", "answer_start"}` dict,
            or a list of them (several gold answers; the first is the
            training label).

    Raises:
        ValueError: one line naming the row at fault.
    """
    from keras_electra.qa.squad import SquadExample

    if isinstance(x, (list, tuple)) and x and isinstance(x[0], SquadExample):
        if y is not None:
            raise ValueError("SquadExamples carry their answers: pass y=None.")
        return list(x)
    if not (isinstance(x, tuple) and len(x) == 2):
        raise ValueError(
            "x must be (questions, contexts) or a list of SquadExample, got "
            f"{type(x).__name__}."
        )
    questions, contexts = (_strings(part) for part in x)
    if len(questions) != len(contexts):
        raise ValueError(f"{len(questions)} questions but {len(contexts)} contexts.")
    if y is not None and len(y) != len(questions):
        raise ValueError(f"{len(questions)} questions but {len(y)} answers.")
    examples = []
    for row, (question, context) in enumerate(zip(questions, contexts)):
        answers = () if y is None else _answers(row, context, y[row])
        examples.append(
            SquadExample(
                qid=str(row),
                title="",
                question=question,
                context=context,
                answers=answers,
                is_impossible=y is not None and not answers,
            )
        )
    return examples


def _strings(rows):
    return [r.decode("utf-8") if isinstance(r, bytes) else str(r) for r in rows]


def _answers(row, context, answer):
    """The `Answer`s of one row's `y` (see `squad_examples`)."""
    from keras_electra.qa.squad import Answer

    if answer is None or answer == "":
        return ()
    if isinstance(answer, (list, tuple)):
        return sum((_answers(row, context, a) for a in answer), ())
    if isinstance(answer, dict):
        text, start = str(answer.get("text", "")), answer.get("answer_start")
    else:
        text, start = str(answer), None
    if start is None:
        start = context.find(text)
        if start < 0:
            raise ValueError(f"row {row}: the answer {text!r} is not in its context.")
    elif context[int(start) : int(start) + len(text)] != text:
        raise ValueError(
            f"row {row}: the answer {text!r} is not at answer_start {start} of its context."
        )
    return (Answer(text, int(start)),)
