"""Span tags (BIO / IOB2 and BIOES), span extraction and span-level scores.

A tag is `O` (outside every span) or `P-TYPE` with prefix `P` one of
`B` (begins a span), `I` (inside), `E` (ends it) or `S` (a one-word span).
BIO uses `B`, `I` and `O`; BIOES adds `E` and `S`.

`spans` reads a tag sequence the way the CoNLL shared tasks' scorer does,
so that malformed predictions score as that scorer scores them:

* a span starts at `B-X` or `S-X`, and at `I-X`/`E-X` unless the previous
  tag continues a span of type `X` (i.e. after `O`, after a tag of another
  type, or after `E-`/`S-`, which close their span);
* a span ends before `O`, `B-`, `S-` or a tag of another type, and right
  after `E-X` or `S-X`.

So `O I-NP` holds one NP span, `B-NP I-VP` two spans, and `B-NP B-NP` two.
The conversions (`to_bio`, `to_bioes`) rewrite a sequence from its spans,
which also repairs malformed sequences.

Scores (`span_scores`) are micro-averaged over all spans of all sentences:
a predicted span is correct when a gold span has the same type, start and
end. Per-type scores are reported too.

Pure Python; no TensorFlow.
"""

import collections

OUTSIDE = "O"
PREFIXES = ("B", "I", "E", "S")
SCHEMES = ("bio", "bioes")


def split_tag(tag):
    """`(prefix, type)` of a tag: `("O", "")` for `O`, `("B", "NP")` for `B-NP`.

    Raises:
        ValueError: for anything but `O` or `B-`/`I-`/`E-`/`S-` with a type.
    """
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, dash, kind = str(tag).partition("-")
    if not dash or prefix not in PREFIXES or not kind:
        raise ValueError(
            f"label {tag!r} is not a span tag (O, or B-/I-/E-/S- and a type, "
            "e.g. B-NP)"
        )
    return prefix, kind


def spans(tags):
    """The spans of a tag sequence, read as the CoNLL scorer reads them.

    Args:
        tags: sequence of str (BIO or BIOES tags; mixing them is allowed).

    Returns:
        A list of `(type, start, end)` tuples, `end` exclusive, in order.

    Example:
    ```python
    spans(["B-NP", "I-NP", "O", "I-VP", "B-PP"])
    # [("NP", 0, 2), ("VP", 3, 4), ("PP", 4, 5)]
    ```
    """
    found = []
    start, current = None, None  # The open span.
    previous_prefix = OUTSIDE
    for index, tag in enumerate(tags):
        prefix, kind = split_tag(tag)
        continues = (
            current is not None
            and prefix in ("I", "E")
            and kind == current
            and previous_prefix in ("B", "I")
        )
        if current is not None and not continues:
            found.append((current, start, index))
            current = None
        if prefix != OUTSIDE and not continues:
            start, current = index, kind
        if prefix in ("E", "S") and current is not None:
            found.append((current, start, index + 1))
            current = None
        previous_prefix = prefix
    if current is not None:
        found.append((current, start, len(tags)))
    return found


def tags_from_spans(span_list, length, scheme="bio"):
    """Writes spans back as a tag sequence of `length` tags.

    Args:
        span_list: `(type, start, end)` tuples, not overlapping.
        length: int. Number of tags.
        scheme: `"bio"` or `"bioes"`.

    Returns:
        A list of str.
    """
    _check_scheme(scheme)
    tags = [OUTSIDE] * length
    for kind, start, end in span_list:
        if not 0 <= start < end <= length:
            raise ValueError(f"span ({kind!r}, {start}, {end}) is outside 0..{length}")
        if scheme == "bioes" and end - start == 1:
            tags[start] = f"S-{kind}"
            continue
        tags[start] = f"B-{kind}"
        for index in range(start + 1, end):
            tags[index] = f"I-{kind}"
        if scheme == "bioes":
            tags[end - 1] = f"E-{kind}"
    return tags


def to_bio(tags):
    """The BIO (IOB2) tags of the same spans: `B-X` starts every span."""
    return tags_from_spans(spans(tags), len(tags), "bio")


def to_bioes(tags):
    """The BIOES tags of the same spans (`S-X` one word, `B-X ... E-X`)."""
    return tags_from_spans(spans(tags), len(tags), "bioes")


def convert(tags, scheme):
    """`to_bio(tags)` or `to_bioes(tags)` by `scheme` name."""
    _check_scheme(scheme)
    return to_bio(tags) if scheme == "bio" else to_bioes(tags)


def label_names(tag_sequences, scheme="bio"):
    """The label set of `scheme` covering every span type in the sequences.

    `O` comes first, then for each type (sorted) its prefixes in the
    order B, I (, E, S), so the set does not depend on which prefixes
    happen to occur in the data.

    Example:
    ```python
    label_names([["B-NP", "O", "B-VP"]])
    # ["O", "B-NP", "I-NP", "B-VP", "I-VP"]
    ```
    """
    _check_scheme(scheme)
    kinds = sorted({kind for tags in tag_sequences for kind, _, _ in spans(tags)})
    prefixes = ("B", "I") if scheme == "bio" else PREFIXES
    return [OUTSIDE] + [f"{p}-{kind}" for kind in kinds for p in prefixes]


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else 0.0


def _f1(precision, recall):
    return _ratio(2 * precision * recall, precision + recall)


def span_scores(gold, predicted):
    """Span-level precision, recall and F1 of predicted tag sequences.

    Args:
        gold: list of tag sequences.
        predicted: list of tag sequences, one per gold sequence, each of
            the same length.

    Returns:
        A dict: `precision`, `recall`, `f1` (floats in [0, 1], micro over
        all spans; 0 where undefined, e.g. precision with no predicted
        span), `gold_spans`, `predicted_spans`, `correct_spans` (ints) and
        `per_type`: `{type: {precision, recall, f1, gold_spans,
        predicted_spans, correct_spans}}` for every type in either side.

    Raises:
        ValueError: for sequences of different counts or lengths.

    Example:
    ```python
    span_scores([["B-NP", "I-NP", "O"]], [["B-NP", "O", "O"]])["f1"]  # 0.0
    ```
    """
    if len(gold) != len(predicted):
        raise ValueError(
            f"{len(gold)} gold sequences but {len(predicted)} predicted ones"
        )
    counts = collections.defaultdict(lambda: [0, 0, 0])  # gold, predicted, correct
    for index, (gold_tags, predicted_tags) in enumerate(zip(gold, predicted)):
        if len(gold_tags) != len(predicted_tags):
            raise ValueError(
                f"sequence {index}: {len(gold_tags)} gold tags but "
                f"{len(predicted_tags)} predicted"
            )
        gold_spans = set(spans(gold_tags))
        predicted_spans = set(spans(predicted_tags))
        for kind, _, _ in gold_spans:
            counts[kind][0] += 1
        for kind, _, _ in predicted_spans:
            counts[kind][1] += 1
        for kind, _, _ in gold_spans & predicted_spans:
            counts[kind][2] += 1

    def scores(gold_count, predicted_count, correct):
        precision = _ratio(correct, predicted_count)
        recall = _ratio(correct, gold_count)
        return {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "gold_spans": gold_count,
            "predicted_spans": predicted_count,
            "correct_spans": correct,
        }

    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    result = scores(*totals)
    result["per_type"] = {kind: scores(*counts[kind]) for kind in sorted(counts)}
    return result


def _check_scheme(scheme):
    if scheme not in SCHEMES:
        raise ValueError(f"tag scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
