"""NB-LR, the task head: its ratios by hand, and that the stored linear model is the fitted one."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

pytest.importorskip("sklearn")

from sklearn.linear_model import LogisticRegression

from mmaudit.categorise.nblr import NBLogisticRegression

# four documents, three features; the third feature appears twice in document 0 (counts are binarised)
X = sparse.csr_matrix(np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
Y = np.array(["a", "a", "b", "c"], dtype=object)


def test_log_count_ratio_by_hand():
    model = NBLogisticRegression(alpha=1.0)
    r = model.log_count_ratio(X, Y == "a")
    # class a holds feature 0 twice, 1 once, 2 once: p = (3, 2, 2) / 7; the others: (0, 2, 1) + 1 = (1, 3, 2) / 6
    expected = np.log((np.array([3, 2, 2]) / 7) / (np.array([1, 3, 2]) / 6))
    assert r == pytest.approx(expected)


def test_coefficients_are_the_ratio_times_the_binary_fit():
    model = NBLogisticRegression(C=5.0).fit(X, Y)
    assert list(model.classes_) == ["a", "b", "c"]
    for k, c in enumerate(model.classes_):
        r = model.log_count_ratio(X, Y == c)
        binary = LogisticRegression(C=5.0, max_iter=3000, class_weight="balanced").fit(X @ sparse.diags(r), Y == c)
        assert model.coef_[k] == pytest.approx(r * binary.coef_.ravel())
        assert model.intercept_[k] == pytest.approx(binary.intercept_[0])
        # so the stored linear model scores a document as the scaled binary fit does
        assert model.decision_function(X)[:, k] == pytest.approx(binary.decision_function(X @ sparse.diags(r)))


def test_probabilities_and_predictions():
    model = NBLogisticRegression(C=100.0).fit(X, Y)
    proba = model.predict_proba(X)
    assert proba.sum(axis=1) == pytest.approx(np.ones(4))
    assert list(model.predict(X)) == list(model.classes_[proba.argmax(axis=1)])
    assert list(model.predict(X)) == ["a", "a", "b", "c"]  # separable: it learns the training set


def test_sample_weights_reach_the_binary_fits():
    heavy = NBLogisticRegression(C=1.0).fit(X, Y, sample_weight=np.array([1.0, 1.0, 1.0, 10.0]))
    plain = NBLogisticRegression(C=1.0).fit(X, Y)
    assert not np.allclose(heavy.coef_, plain.coef_)
