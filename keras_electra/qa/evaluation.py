"""Exact match and F1 as the official SQuAD 1.1 and 2.0 evaluations define
them, and the 2.0 evaluation's best no-answer threshold.

Definitions (both versions):

* An answer is normalized by lower-casing, deleting every ASCII punctuation
  character (`string.punctuation`), replacing the whole words "a", "an" and
  "the" with a space, and joining the remaining whitespace-separated words
  with single spaces.
* Exact match of a prediction is 1 when its normalized form equals a gold
  answer's, F1 is the harmonic mean of precision and recall of the bag of
  normalized words shared with a gold answer; both take the maximum over
  the gold answers and are reported as percentages over the questions.

Version differences:

* 1.1: the gold answers are all listed answers; two empty bags score F1 0.
* 2.0: gold answers whose normalized form is empty are dropped and an
  unanswerable question's only gold answer is the empty string; when the
  prediction or the gold answer normalizes to nothing, F1 is 1 if both do,
  else 0. Scores are also reported for the answerable (`HasAns_*`) and the
  unanswerable (`NoAns_*`) questions apart; given no-answer scores,
  `best_exact`/`best_f1` are the scores at the best threshold (answer only
  when the no-answer score is at most the threshold) with the thresholds
  `best_exact_thresh`/`best_f1_thresh`.

Unlike the official scripts, a question without a prediction is an error
(`ValueError`), not a silent zero (1.1) or a skipped question (2.0).
"""

import collections
import re
import string

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text):
    """The official normalization: lower case, no punctuation, no articles,
    single spaces.

    Example:
    ```python
    normalize_answer("The  Normans' Duchy!")  # "normans duchy"
    ```
    """
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction, gold):
    """1 if the normalized strings are equal, else 0."""
    return int(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction, gold, version="2.0"):
    """Word-bag F1 of one prediction against one gold answer (0 to 1)."""
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(gold).split()
    if str(version) == "2.0" and (not predicted or not expected):
        return float(predicted == expected)
    shared = sum((collections.Counter(predicted) & collections.Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision = shared / len(predicted)
    recall = shared / len(expected)
    return 2 * precision * recall / (precision + recall)


def gold_answers(example, version="2.0"):
    """The answer texts a prediction is scored against."""
    texts = [a.text for a in example.answers]
    if str(version) == "2.0":
        texts = [t for t in texts if normalize_answer(t)]
        if not texts:
            texts = [""]
    return texts


def question_scores(examples, predictions, version="2.0"):
    """Per-question `(exact, f1)` dicts (0/1 and 0..1), max over gold answers.

    Raises:
        ValueError: a question has no prediction.
    """
    exact, f1s = {}, {}
    for example in examples:
        if example.qid not in predictions:
            raise ValueError(f"no prediction for question '{example.qid}'")
        prediction = predictions[example.qid]
        golds = gold_answers(example, version)
        exact[example.qid] = max(exact_match(prediction, g) for g in golds)
        f1s[example.qid] = max(f1(prediction, g, version) for g in golds)
    return exact, f1s


def evaluate(examples, predictions, version="2.0", no_answer_scores=None,
             no_answer_threshold=None):
    """EM and F1 (percentages) of `predictions` on `examples`.

    Args:
        examples: list of `SquadExample`.
        predictions: dict `{question id: answer text}` ("" = no answer).
        version: `"1.1"` or `"2.0"`.
        no_answer_scores: dict `{question id: float}` or None. Higher means
            more likely unanswerable (2.0 only). Gives `best_exact`,
            `best_f1` and their thresholds.
        no_answer_threshold: float or None. With `no_answer_scores`,
            predictions whose score exceeds it become "" before scoring
            (the official `--na-prob-thresh`).

    Returns:
        A dict: `exact`, `f1`, `total`; for 2.0 also `HasAns_exact`,
        `HasAns_f1`, `HasAns_total`, `NoAns_exact`, `NoAns_f1`,
        `NoAns_total` (the parts present), and with `no_answer_scores`
        `best_exact`, `best_exact_thresh`, `best_f1`, `best_f1_thresh`.
    """
    version = str(version)
    if version not in ("1.1", "2.0"):
        raise ValueError(f"version must be '1.1' or '2.0', got {version!r}")
    if not examples:
        raise ValueError("no questions to evaluate")
    predictions = dict(predictions)
    exact, f1s = question_scores(examples, predictions, version)
    if no_answer_scores is not None and no_answer_threshold is not None:
        for example in examples:
            if no_answer_scores[example.qid] > no_answer_threshold:
                # An empty prediction: right exactly for unanswerable gold.
                exact[example.qid] = int(example.is_impossible)
                f1s[example.qid] = float(example.is_impossible)
    result = _totals(examples, exact, f1s)
    if version == "2.0":
        for prefix, keep in (("HasAns", False), ("NoAns", True)):
            part = [e for e in examples if e.is_impossible == keep]
            if part:
                result.update({
                    f"{prefix}_{k}": v for k, v in _totals(part, exact, f1s).items()
                })
        if no_answer_scores is not None:
            raw_exact, raw_f1 = question_scores(examples, predictions, version)
            best, threshold = best_threshold(examples, predictions, raw_exact, no_answer_scores)
            result.update(best_exact=best, best_exact_thresh=threshold)
            best, threshold = best_threshold(examples, predictions, raw_f1, no_answer_scores)
            result.update(best_f1=best, best_f1_thresh=threshold)
    return result


def _totals(examples, exact, f1s):
    n = len(examples)
    return {
        "exact": 100.0 * sum(exact[e.qid] for e in examples) / n,
        "f1": 100.0 * sum(f1s[e.qid] for e in examples) / n,
        "total": n,
    }


def best_threshold(examples, predictions, scores, no_answer_scores):
    """The best score over no-answer thresholds, as the official 2.0 script.

    A threshold `t` answers the questions whose no-answer score is at most
    `t` with their prediction and leaves the others empty. Starting from
    "all empty" (threshold reported as 0.0), questions are answered in
    increasing order of no-answer score; the threshold is the no-answer
    score of the last question answered at the first strictly best total.

    Args:
        examples: list of `SquadExample`.
        predictions: dict `{question id: text}`.
        scores: dict `{question id: 0..1}` of each prediction (exact or F1).
        no_answer_scores: dict `{question id: float}`.

    Returns:
        `(best score in percent, threshold)`.
    """
    total = sum(1 for e in examples if e.is_impossible)  # All-empty score.
    best, threshold = total, 0.0
    ordered = sorted(examples, key=lambda e: no_answer_scores[e.qid])
    for example in ordered:
        if not example.is_impossible:
            change = scores[example.qid]
        else:
            change = -1 if predictions[example.qid] else 0
        total += change
        if total > best:
            best, threshold = total, no_answer_scores[example.qid]
    return 100.0 * best / len(examples), float(threshold)
