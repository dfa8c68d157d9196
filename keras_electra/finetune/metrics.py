"""The official GLUE dev metrics, as plain numpy functions.

Every function takes `labels` and `predictions` (array-likes of the same
length: class ids for the classification metrics, floats for the
correlations) and returns a Python float. Degenerate inputs follow the
conventions of scikit-learn and SciPy: a Matthews correlation or an F1 with
a zero denominator is 0.0, a correlation of a constant vector is `nan`.
"""

import numpy as np


def _pair(labels, predictions):
    labels = np.asarray(labels).reshape(-1)
    predictions = np.asarray(predictions).reshape(-1)
    if labels.shape != predictions.shape:
        raise ValueError(
            f"labels and predictions differ in length: {labels.shape[0]} vs "
            f"{predictions.shape[0]}"
        )
    if labels.size == 0:
        raise ValueError("labels and predictions are empty")
    return labels, predictions


def accuracy(labels, predictions):
    """Fraction of predictions equal to the labels.

    Example:
    ```python
    accuracy([0, 1, 1, 0], [0, 1, 0, 0])  # 0.75
    ```
    """
    labels, predictions = _pair(labels, predictions)
    return float(np.mean(labels == predictions))


def f1(labels, predictions, positive=1):
    """F1 of the `positive` class: `2 * tp / (2 * tp + fp + fn)`.

    Example:
    ```python
    f1([1, 1, 0, 0], [1, 0, 1, 0])  # 0.5
    ```
    """
    labels, predictions = _pair(labels, predictions)
    true = labels == positive
    predicted = predictions == positive
    tp = np.sum(true & predicted)
    denominator = 2 * tp + np.sum(~true & predicted) + np.sum(true & ~predicted)
    return float(2 * tp / denominator) if denominator else 0.0


def matthews_corrcoef(labels, predictions):
    """Matthews correlation coefficient (multi-class form, Gorodkin 2004).

    For two classes it is `(tp*tn - fp*fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn))`;
    0.0 when any factor of the denominator is zero.

    Example:
    ```python
    matthews_corrcoef([1, 1, 0, 0], [1, 0, 0, 0])  # 0.5773...
    ```
    """
    labels, predictions = _pair(labels, predictions)
    classes = np.union1d(labels, predictions)
    label_ids = np.searchsorted(classes, labels)
    prediction_ids = np.searchsorted(classes, predictions)
    confusion = np.zeros((classes.size, classes.size), dtype=np.float64)
    np.add.at(confusion, (label_ids, prediction_ids), 1.0)
    true_counts = confusion.sum(axis=1)
    predicted_counts = confusion.sum(axis=0)
    correct = np.trace(confusion)
    total = confusion.sum()
    covariance = correct * total - np.dot(true_counts, predicted_counts)
    spread_predicted = total**2 - np.dot(predicted_counts, predicted_counts)
    spread_true = total**2 - np.dot(true_counts, true_counts)
    if spread_predicted * spread_true == 0:
        return 0.0
    return float(covariance / np.sqrt(spread_predicted * spread_true))


def pearson(labels, predictions):
    """Pearson correlation coefficient.

    Example:
    ```python
    pearson([1.0, 2.0, 3.0], [2.0, 4.0, 7.0])  # 0.9933...
    ```
    """
    labels, predictions = _pair(labels, predictions)
    x = labels.astype(np.float64) - np.mean(labels, dtype=np.float64)
    y = predictions.astype(np.float64) - np.mean(predictions, dtype=np.float64)
    denominator = np.sqrt(np.dot(x, x) * np.dot(y, y))
    if denominator == 0:
        return float("nan")
    return float(np.clip(np.dot(x, y) / denominator, -1.0, 1.0))


def _ranks(values):
    """Ranks from 1, ties getting the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # Start index of each run of equal values, in sorted order.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], values.size]
    mean_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def spearman(labels, predictions):
    """Spearman rank correlation (Pearson of the ranks; ties share ranks).

    Example:
    ```python
    spearman([1.0, 2.0, 3.0], [2.0, 4.0, 7.0])  # 1.0
    ```
    """
    labels, predictions = _pair(labels, predictions)
    return pearson(_ranks(labels), _ranks(predictions))


METRICS = {
    "accuracy": accuracy,
    "f1": f1,
    "matthews_corrcoef": matthews_corrcoef,
    "pearson": pearson,
    "spearman": spearman,
}
"""Metric functions by the names the task registry uses."""
