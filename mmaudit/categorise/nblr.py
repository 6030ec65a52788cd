"""Naive-Bayes-weighted logistic regression (NB-LR): the task head of the bundled categoriser.

Why: Wang & Manning's NBSVM ("Baselines and Bigrams", ACL 2012) scales each feature, per class,
by its naive-Bayes log-count ratio before a linear classifier is fitted, so words that tell one
class from the rest start out louder than words every class uses. On this project's corpus it
generalises better to writers the model never saw: with whole writers held out, the plain
multinomial logistic regression gets 83.8% of their prompts' tasks right and NB-LR 85.2%, and
79.2% against 81.1% of their complexity levels (37 writers; `data/compare_heads.py`, and
docs/categorisation.md, "The heads").

How: one binary logistic regression per class (one-vs-rest) on X · diag(r_c), where r_c is the
log ratio of the class's and the other classes' feature frequencies (features present or not,
with a pseudo-count). The fitted model is a plain linear model again: decision_c(x) = x · (r_c ⊙
w_c) + b_c, so `coef_` holds r_c ⊙ w_c and applying it costs exactly what multinomial logistic
regression costs (`arrays.py` stores and applies it unchanged). Probabilities are the softmax of
the decision values (the training's temperature then calibrates them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse, special

from mmaudit.categorise.model import _sklearn

_base = _sklearn("sklearn.base")  # training only: applying a stored model needs no scikit-learn


class NBLogisticRegression(_base.ClassifierMixin, _base.BaseEstimator):
    """A scikit-learn classifier (fit, decision_function, predict, predict_proba, classes_, coef_,
    intercept_) that fits in a `Pipeline`; deterministic (lbfgs, no random state)."""

    def __init__(self, C: float = 10.0, alpha: float = 1.0, max_iter: int = 3000):
        self.C = C
        self.alpha = alpha  # pseudo-count of each feature in each class's frequency
        self.max_iter = max_iter

    def log_count_ratio(self, x: sparse.csr_matrix, positive: np.ndarray) -> np.ndarray:
        """r = log((p / |p|₁) / (q / |q|₁)) over binarised features: p counts the documents of the
        class that hold each feature, q those of the other classes, each plus `alpha`."""
        return self._ratio(_presence(x), positive)

    def _ratio(self, present: sparse.csr_matrix, positive: np.ndarray) -> np.ndarray:
        p = np.asarray(present[positive].sum(axis=0)).ravel() + self.alpha
        q = np.asarray(present[~positive].sum(axis=0)).ravel() + self.alpha
        return np.log((p / p.sum()) / (q / q.sum()))

    def fit(self, x: Any, y: Any, sample_weight: Any = None) -> NBLogisticRegression:
        linear = _sklearn("sklearn.linear_model")
        x = sparse.csr_matrix(x)
        y = np.asarray(y, dtype=object)
        self.classes_ = np.asarray(sorted(set(y.tolist())), dtype=object)
        present = _presence(x)  # once, not per class
        coef, intercept = [], []
        for c in self.classes_:
            positive = y == c
            r = self._ratio(present, positive)
            lr = linear.LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight="balanced")
            lr.fit(x @ sparse.diags(r), positive, sample_weight=sample_weight)
            coef.append(r * lr.coef_.ravel())
            intercept.append(float(lr.intercept_[0]))
        self.coef_ = np.vstack(coef)
        self.intercept_ = np.asarray(intercept)
        self.n_features_in_ = x.shape[1]
        return self

    def decision_function(self, x: Any) -> np.ndarray:
        return np.asarray(x @ self.coef_.T) + self.intercept_

    def predict_proba(self, x: Any) -> np.ndarray:
        return special.softmax(self.decision_function(x), axis=1)

    def predict(self, x: Any) -> np.ndarray:
        return self.classes_[self.decision_function(x).argmax(axis=1)]


def _presence(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """A copy of `x` with every stored value set to 1 (the feature is present in the document)."""
    present = x.copy()
    present.data[:] = 1.0
    return present
