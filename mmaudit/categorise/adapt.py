"""Adapting the complexity head to a team's own notion of simple, moderate and complex.

Why: people agree on a prompt's task (99.4-99.7% between independent labellers here) but not on
its complexity (84-86%: docs/categorisation.md, "A second reading"). Where a team draws the line
between *simple* and *moderate* is a convention, and the bundled model follows its writers'. The
labels of a few dozen of the team's own calls say where the team draws it.

How: the complexity head is kept and one bias per level is added to its decision values, fitted
as the maximum a posteriori estimate of a softmax over the adapted decisions (log loss on the
labelled lines plus a unit Gaussian prior on each bias, so a handful of lines moves the cut
points a little and hundreds move them as far as the labels say). Three numbers are fitted, not
the model: the words the model weighs stay its writers', only the cut points move. The figure
reported for the adapted model is cross-fitted (each line scored with biases fitted without it),
so it says what the adaptation does on calls it did not see.

Re-running on the same file gives the same model: adapting starts from the model without any
earlier adaptation (the file keeps the bias it added, `cx_adapted_bias`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import optimize

from mmaudit.categorise.arrays import ArrayModel, read_arrays, save_arrays
from mmaudit.categorise.rules import Rules
from mmaudit.errors import InputError
from mmaudit.vocabulary import COMPLEXITIES

MIN_LINES = 10  # labelled lines below which three cut points are not worth moving
FOLDS = 5
PRIOR_SD = 1.0  # each bias ~ N(0, 1): decision values of the bundled head span about +-5


@dataclass
class LevelScore:
    level: str
    lines: int
    recall_before: float | None
    recall_after: float | None
    bias: float


@dataclass
class AdaptReport:
    """What adapting did: lines used, accuracy before and after (cross-fitted), per level."""

    source: str
    path: Path
    lines: int
    skipped: int  # lines without a complexity label, or whose level the rules decide (operation, image, tag)
    accuracy_before: float
    accuracy_after: float
    levels: list[LevelScore] = field(default_factory=list)


def fit_bias(decision: np.ndarray, truth: np.ndarray, prior_sd: float = PRIOR_SD) -> np.ndarray:
    """Per-column biases b maximising sum(log softmax(decision + b)[truth]) - |b|^2 / (2 prior_sd^2)."""
    onehot = np.eye(decision.shape[1])[truth]

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        z = decision + b
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -float(log_p[np.arange(len(truth)), truth].sum()) + float(b @ b) / (2 * prior_sd**2)
        grad = (np.exp(log_p) - onehot).sum(axis=0) + b / prior_sd**2
        return value, grad

    return optimize.minimize(loss, np.zeros(decision.shape[1]), jac=True, method="L-BFGS-B").x


def cross_fitted(decision: np.ndarray, truth: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """Each line's adapted prediction (column index) with biases fitted on the other folds
    (fixed, seeded folds: the figure is reproducible)."""
    fold = np.random.default_rng(0).permutation(len(truth)) % folds
    predicted = np.empty(len(truth), dtype=np.int64)
    for k in range(folds):
        bias = fit_bias(decision[fold != k], truth[fold != k])
        predicted[fold == k] = (decision[fold == k] + bias).argmax(axis=1)
    return predicted


def adapt(labelled: Path, start: Path, out: Path, source: str, rules: Rules | None = None) -> AdaptReport:
    """Fit complexity biases of the model file `start` to the complexity labels of `labelled` and
    write the adapted model to `out` (which may be `start`)."""
    arrays = _as_trained(start)
    model = ArrayModel(arrays)
    levels = model.complexity_levels
    decision, truth, skipped = labelled_decisions(model, labelled, rules)
    if len(truth) < MIN_LINES:
        raise InputError(f"{labelled}: adapting needs at least {MIN_LINES} lines with a complexity label whose "
                         "level the model decides (not embedding, image or audio calls, a tags complexity or "
                         f"calls without text); found {len(truth)}")
    before, after = decision.argmax(axis=1), cross_fitted(decision, truth, min(FOLDS, len(truth)))
    bias = fit_bias(decision, truth)
    arrays["cx_intercept"] = arrays["cx_intercept"] + bias
    arrays["cx_adapted_bias"] = bias
    arrays["cx_adapted_set"], arrays["cx_adapted_n"] = np.array(Path(labelled).name), np.array(len(truth))
    save_arrays(Path(out), arrays)
    return AdaptReport(source, Path(out), len(truth), skipped,
                       float(np.mean(before == truth)), float(np.mean(after == truth)),
                       [_level(levels.index(level), level, truth, before, after, float(bias[levels.index(level)]))
                        for level in sorted(levels, key=_order)])


def labelled_decisions(model: ArrayModel, labelled: Path,
                       rules: Rules | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The complexity head's decision values and the label (column index) of each line of
    `labelled` whose level the model decides, and how many lines were left out."""
    from mmaudit.categorise.training import labelled_texts

    levels = model.complexity_levels
    data = labelled_texts(labelled, rules, version=model.text_version, concepts=model.concepts)
    decides = data.model_decides or [True] * len(data.labels)
    keep = [i for i, c in enumerate(data.complexities or []) if c in levels and decides[i]]
    _levels, decision = model.complexity_decision([data.texts[i] for i in keep])
    truth = np.asarray([levels.index(data.complexities[i]) for i in keep], dtype=np.int64)
    return decision, truth, len(data.labels) - len(keep)


def _as_trained(start: Path) -> dict[str, np.ndarray]:
    """The arrays of model file `start` without any earlier adaptation (so adapting twice with
    the same labels gives the same model); InputError unless it has a complexity head."""
    if Path(start).suffix != ".npz":
        raise InputError(f"{start}: only models in the arrays format (.npz) can be adapted; "
                         "retrain it with `mmaudit categorize train`")
    arrays = read_arrays(start)
    earlier = arrays.pop("cx_adapted_bias", None)
    if earlier is not None:
        arrays["cx_intercept"] = arrays["cx_intercept"] - earlier
    for key in ("cx_adapted_set", "cx_adapted_n"):
        arrays.pop(key, None)
    if "cx_coef" not in arrays:
        raise InputError(f"{start}: this model has no complexity head (a format 1 or 2 model): train a new one")
    return arrays


def _order(level: str) -> tuple[int, str]:
    """simple, moderate, complex first (in that order), then any other level by name."""
    known = list(COMPLEXITIES)
    return (known.index(level), "") if level in known else (len(known), level)


def _level(j: int, level: str, truth: np.ndarray, before: np.ndarray, after: np.ndarray, bias: float) -> LevelScore:
    mine = truth == j
    n = int(mine.sum())
    return LevelScore(level, n, float(np.mean(before[mine] == j)) if n else None,
                      float(np.mean(after[mine] == j)) if n else None, bias)
