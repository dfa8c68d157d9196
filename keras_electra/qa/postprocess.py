"""From window logits to answers: n-best spans over all windows of a
question, the null (no-answer) score, and answer text cut from the
original context by character offsets.

The rule (exports apply the same one in the graph, `keras_electra.qa.export`):

* in each window, the `n_best` highest start logits among the context
  positions where the token has its maximal context (`max_context_mask`)
  and the `n_best` highest end logits among context positions form the
  candidate pairs; a pair is a span when the end is not before the start
  and it covers at most `max_answer_length` WordPieces; its score is
  `start_logit + end_logit`;
* the spans of all windows are ranked by score (one entry per distinct
  character span) and the best `n_best` kept;
* the null score is the smallest `[CLS]` score `start_logit[0] +
  end_logit[0]` over the windows; the no-answer score is
  `null score - best span score`, plus the mean `no_answer_logit` over the
  windows when the model has the answerability head; +inf when no span
  exists (e.g. an empty context);
* the answer is the best span's text, or "" (offsets -1) when there is no
  span or, for SQuAD 2.0, when the no-answer score exceeds the threshold.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass
class Prediction:
    """The answer to one question.

    Args:
        text: str. The answer ("" for none).
        start, end: int. Character offsets of `text` in the context
            (`context[start:end] == text`), -1 for no answer.
        score: float. The best span's score (-inf when none exists), also
            when the answer is withheld as unanswerable.
        no_answer_score: float. Higher means more likely unanswerable.
        n_best: list of `(text, start, end, score)`, best first.
    """

    text: str
    start: int
    end: int
    score: float
    no_answer_score: float
    n_best: list


def window_spans(start_logits, end_logits, token_to_context, max_context,
                 n_best=20, max_answer_length=30):
    """Candidate spans of one window: `[(score, first, last)]` with `first`
    and `last` the context WordPiece indices (unsorted)."""
    in_context = token_to_context >= 0
    starts = np.where(in_context & max_context, start_logits, -np.inf)
    ends = np.where(in_context, end_logits, -np.inf)
    top_starts = np.argsort(-starts, kind="stable")[:n_best]
    top_ends = np.argsort(-ends, kind="stable")[:n_best]
    spans = []
    for i in top_starts:
        if not np.isfinite(starts[i]):
            continue
        for j in top_ends:
            if not np.isfinite(ends[j]) or j < i or j - i + 1 > max_answer_length:
                continue
            spans.append((float(start_logits[i] + end_logits[j]),
                          int(token_to_context[i]), int(token_to_context[j])))
    return spans


def predict_answers(features, outputs, n_best=20, max_answer_length=30,
                    version="2.0", no_answer_threshold=0.0):
    """Answers of every question of `features` from the model's outputs.

    Args:
        features: `keras_electra.qa.features.QAFeatures`.
        outputs: dict of numpy arrays with one row per window:
            `start_logits`, `end_logits` and, optionally, `no_answer_logit`.
        n_best: int. Candidates per window side and answers kept.
        max_answer_length: int. Longest answer, in WordPieces.
        version: `"1.1"` (always answer when a span exists) or `"2.0"`.
        no_answer_threshold: float. 2.0: answer "" when the no-answer score
            exceeds it.

    Returns:
        dict `{question id: Prediction}`.
    """
    start_logits = np.asarray(outputs["start_logits"], np.float32)
    end_logits = np.asarray(outputs["end_logits"], np.float32)
    no_answer = outputs.get("no_answer_logit")
    rows_of = {}
    for row, index in enumerate(features.example_index):
        rows_of.setdefault(int(index), []).append(row)
    predictions = {}
    for index, example in enumerate(features.examples):
        rows = rows_of.get(index, [])
        context = features.contexts[index]
        char_starts, char_ends = features.char_starts[index], features.char_ends[index]
        best = {}
        for row in rows:
            for score, first, last in window_spans(
                start_logits[row], end_logits[row], features.token_to_context[row],
                features.max_context[row], n_best, max_answer_length,
            ):
                span = (int(char_starts[first]), int(char_ends[last]))
                if span not in best or best[span] < score:
                    best[span] = score
        ranked = sorted(best.items(), key=lambda item: -item[1])[:n_best]
        n_best_list = [(context[s:e], s, e, score) for (s, e), score in ranked]
        if rows:
            null = float(min(start_logits[r, 0] + end_logits[r, 0] for r in rows))
        else:
            null = 0.0
        if n_best_list:
            top_score = n_best_list[0][3]
            no_answer_score = null - top_score
            if no_answer is not None and rows:
                no_answer_score += float(np.mean(np.asarray(no_answer, np.float32)[rows]))
        else:
            top_score, no_answer_score = -np.inf, np.inf
        withheld = str(version) == "2.0" and no_answer_score > no_answer_threshold
        if n_best_list and not withheld:
            text, start, end, _ = n_best_list[0]
        else:
            text, start, end = "", -1, -1
        predictions[example.qid] = Prediction(
            text, start, end, float(top_score), float(no_answer_score), n_best_list
        )
    return predictions


def answer_texts(predictions):
    """`{question id: text}` of `predict_answers`' result."""
    return {qid: p.text for qid, p in predictions.items()}


def best_span_texts(predictions):
    """`{question id: best span text}`, never withheld (for threshold search)."""
    return {qid: (p.n_best[0][0] if p.n_best else "") for qid, p in predictions.items()}
