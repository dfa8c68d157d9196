"""Reading SQuAD JSON (v1.1 and v2.0) into `SquadExample`s.

The format: `{"version": ..., "data": [{"title", "paragraphs": [{"context",
"qas": [{"id", "question", "answers": [{"text", "answer_start"}],
"is_impossible"}]}]}]}`. `answer_start` counts characters (code points) of
`context`. Version 2.0 adds `is_impossible` (then `answers` is empty and
`plausible_answers` may be present; those are ignored).
"""

import dataclasses
import json
import math
import os


VERSIONS = ("1.1", "2.0")


@dataclasses.dataclass(frozen=True)
class Answer:
    """One gold answer: its text and where it starts in the context.

    Args:
        text: str. The answer as written in the context.
        start: int. Character (code point) offset of `text` in the context.
    """

    text: str
    start: int

    @property
    def end(self):
        """Character offset one past the answer's last character."""
        return self.start + len(self.text)


@dataclasses.dataclass(frozen=True)
class SquadExample:
    """One question about one context.

    Args:
        qid: str. The question id.
        title: str. The article's title.
        question: str.
        context: str. The paragraph.
        answers: tuple of `Answer` (empty when `is_impossible`).
        is_impossible: bool. A SQuAD 2.0 question with no answer.
    """

    qid: str
    title: str
    question: str
    context: str
    answers: tuple
    is_impossible: bool = False


def load_squad(path, version=None):
    """Reads a SQuAD JSON file.

    Args:
        path: str. The file.
        version: `"1.1"`, `"2.0"` or None. `"1.1"` keeps only the answerable
            questions (SQuAD 1.1-style data from a 2.0 file); `"2.0"` keeps
            all; `None` keeps all as well.

    Returns:
        A list of `SquadExample`, in file order.

    Raises:
        DataError (a `ValueError`): the file is missing or not JSON, or a
            question is malformed (no id, duplicated id, an answer that does
            not occur at its `answer_start`, an answerable question with no
            answer); the message names the file and the question id.

    Example:
    ```python
    examples = load_squad("squad/dev-v2.0-sample.json")
    len(examples), sum(e.is_impossible for e in examples)  # (1407, 702)
    ```
    """
    path = os.fspath(path)
    if version is not None and str(version) not in VERSIONS:
        raise ValueError(f"version must be one of {', '.join(VERSIONS)}, got {version!r}")
    if not os.path.isfile(path):
        raise _error(f"SQuAD file '{path}' does not exist")
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except UnicodeDecodeError as e:
        raise _error(f"'{path}' is not UTF-8: {e}") from None
    except json.JSONDecodeError as e:
        raise _error(f"'{path}' is not JSON: {e}") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise _error(f"'{path}' has no 'data' list: not SQuAD JSON")
    examples, seen = [], set()
    for a, article in enumerate(document["data"]):
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise _error(f"'{path}': data[{a}] has no 'paragraphs' list")
        title = str(article.get("title", f"article_{a}"))
        for p, paragraph in enumerate(article["paragraphs"]):
            where = f"'{path}': data[{a}].paragraphs[{p}]"
            if not isinstance(paragraph, dict):
                raise _error(f"{where} is not an object")
            context = paragraph.get("context")
            if not isinstance(context, str):
                raise _error(f"{where} has no 'context' string")
            qas = paragraph.get("qas")
            if not isinstance(qas, list):
                raise _error(f"{where} has no 'qas' list")
            for q, qa in enumerate(qas):
                example = _read_question(path, where, q, qa, title, context)
                if example.qid in seen:
                    raise _error(f"'{path}': question id '{example.qid}' appears twice")
                seen.add(example.qid)
                if str(version) == "1.1" and example.is_impossible:
                    continue
                examples.append(example)
    return examples


def _error(message):
    """A `keras_electra.data.DataError` (imported only on error: the data
    package loads TensorFlow, which reading JSON does not need)."""
    from keras_electra.data.errors import DataError

    return DataError(message)


def _read_question(path, where, index, qa, title, context):
    if not isinstance(qa, dict):
        raise _error(f"{where}.qas[{index}] is not an object")
    qid = qa.get("id")
    if not isinstance(qid, str) or not qid:
        raise _error(f"{where}.qas[{index}] has no 'id'")
    name = f"'{path}': question '{qid}'"
    question = qa.get("question")
    if not isinstance(question, str):
        raise _error(f"{name} has no 'question' string")
    impossible = qa.get("is_impossible", False)
    if not isinstance(impossible, bool):
        raise _error(f"{name}: 'is_impossible' must be true or false, got {impossible!r}")
    raw_answers = qa.get("answers", [])
    if not isinstance(raw_answers, list):
        raise _error(f"{name}: 'answers' is not a list")
    answers = []
    for answer in raw_answers:
        if not isinstance(answer, dict):
            raise _error(f"{name}: an answer is not an object")
        text, start = answer.get("text"), answer.get("answer_start")
        if not isinstance(text, str) or not text:
            raise _error(f"{name}: an answer has no 'text'")
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise _error(f"{name}: answer {text!r} has no valid 'answer_start' ({start!r})")
        if context[start:start + len(text)] != text:
            raise _error(
                f"{name}: answer {text!r} is not at answer_start {start} of its "
                f"context (found {context[start:start + len(text)]!r})"
            )
        answers.append(Answer(text, start))
    if impossible and answers:
        raise _error(f"{name} is_impossible but has {len(answers)} answer(s)")
    if not impossible and not answers:
        raise _error(f"{name} has no answer and is not marked is_impossible")
    return SquadExample(qid, title, question, context, tuple(answers), impossible)


def split_by_article(examples, eval_fraction=0.2):
    """A deterministic train/eval split that keeps each article on one side.

    Articles keep their file order; the last `ceil(eval_fraction * N)` of
    the N articles go to eval, the others to train (at least one article on
    each side). For a 5-article SQuAD 2.0 dev sample that is Normans,
    Computational_complexity_theory, Southern_California and
    Sky_(United_Kingdom) for training (1,160 questions, 579 unanswerable)
    and Victoria_(Australia) for eval (247 questions, 123 unanswerable).

    Args:
        examples: list of `SquadExample`.
        eval_fraction: float in (0, 1).

    Returns:
        `(train, eval)` lists of `SquadExample`.
    """
    if not 0 < eval_fraction < 1:
        raise ValueError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    titles = list(dict.fromkeys(e.title for e in examples))
    if len(titles) < 2:
        raise ValueError(f"splitting by article needs two articles, got {len(titles)}")
    num_eval = min(max(1, math.ceil(eval_fraction * len(titles))), len(titles) - 1)
    held_out = set(titles[len(titles) - num_eval:])
    train = [e for e in examples if e.title not in held_out]
    evaluation = [e for e in examples if e.title in held_out]
    return train, evaluation


def as_squad_json(examples, version="2.0"):
    """The examples as a SQuAD JSON document (for writing splits to files)."""
    data = {}
    for e in examples:
        paragraphs = data.setdefault(e.title, {})
        qas = paragraphs.setdefault(e.context, [])
        entry = {
            "id": e.qid,
            "question": e.question,
            "answers": [{"text": a.text, "answer_start": a.start} for a in e.answers],
        }
        if str(version) == "2.0":
            entry["is_impossible"] = e.is_impossible
        qas.append(entry)
    return {
        "version": f"v{version}",
        "data": [
            {"title": title, "paragraphs": [
                {"context": context, "qas": qas} for context, qas in paragraphs.items()
            ]}
            for title, paragraphs in data.items()
        ],
    }
