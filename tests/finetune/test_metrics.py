"""The GLUE dev metrics against hand-computed values and scikit-learn."""

import math

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as sk

from keras_electra.finetune import metrics


def test_accuracy_by_hand():
    assert metrics.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75


def test_f1_by_hand():
    # tp=2, fp=1, fn=1 -> 2*2 / (4 + 1 + 1)
    assert metrics.f1([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]) == pytest.approx(4 / 6)
    assert metrics.f1([0, 0], [0, 0]) == 0.0  # no positives at all


def test_matthews_by_hand():
    # tp=1 tn=2 fp=0 fn=1: (1*2 - 0*1) / sqrt(1 * 2 * 2 * 3)
    value = metrics.matthews_corrcoef([1, 1, 0, 0], [1, 0, 0, 0])
    assert value == pytest.approx(2 / math.sqrt(12))
    assert metrics.matthews_corrcoef([1, 0, 1], [1, 1, 1]) == 0.0  # constant


def test_pearson_and_spearman_by_hand():
    x, y = [1.0, 2.0, 3.0], [2.0, 4.0, 7.0]
    # deviations (-1, 0, 1) and (-7/3, -1/3, 8/3): 5 / sqrt(2 * 114 / 9)
    assert metrics.pearson(x, y) == pytest.approx(5 / math.sqrt(2 * 114 / 9))
    assert metrics.spearman(x, y) == 1.0
    # Ties share the mean rank: ranks (1.5, 1.5, 3) vs (1, 2, 3).
    assert metrics.spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(
        np.corrcoef([1.5, 1.5, 3], [1, 2, 3])[0, 1]
    )


@pytest.mark.parametrize("num_classes", [2, 3])
def test_classification_metrics_match_scikit_learn(num_classes):
    rng = np.random.default_rng(num_classes)
    labels = rng.integers(0, num_classes, 500)
    predictions = np.where(rng.random(500) < 0.6, labels, rng.integers(0, num_classes, 500))
    assert metrics.accuracy(labels, predictions) == pytest.approx(
        sk.accuracy_score(labels, predictions)
    )
    assert metrics.matthews_corrcoef(labels, predictions) == pytest.approx(
        sk.matthews_corrcoef(labels, predictions)
    )
    if num_classes == 2:
        assert metrics.f1(labels, predictions) == pytest.approx(
            sk.f1_score(labels, predictions)
        )


def test_correlations_match_scipy():
    rng = np.random.default_rng(0)
    labels = np.round(rng.uniform(0, 5, 300), 1)  # STS-B-like, many ties
    predictions = labels + rng.normal(0, 1.0, 300)
    assert metrics.pearson(labels, predictions) == pytest.approx(
        stats.pearsonr(labels, predictions)[0]
    )
    assert metrics.spearman(labels, predictions) == pytest.approx(
        stats.spearmanr(labels, predictions)[0]
    )


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in length"):
        metrics.accuracy([0, 1], [0])
