"""Which classifier heads the bundled model uses: plain vs NB-weighted logistic regression.

    python -m mmaudit.categorise.data.compare_heads [--folds 5] [--text-version 3|4|5] [--no-swaps] [--nblr-only]

Both candidates read the same TF-IDF features (`training._pipeline`'s FeatureUnion) and are
scored by the training corpus's cross-validation with whole writers held out (`training.cv_splits`:
a line's `author` is its group). That is the only figure the choice was made on: the dev sets and
the eval set are other people's writing and are never read here. Printed per head: accuracy over
all lines and over the writers' lines alone (the least templated, closest to production prompts),
and the writers' task accuracy split into the non-English writers (`NON_ENGLISH_WRITERS`) and the rest (what the
concept tokens of text version 4 were adopted on; `--text-version 3` gives the figure before them).
Each fit also sees the material swaps of its own lines (`augment.py`, as `training.train` does;
`--no-swaps` leaves them out); `--text-version 4 --no-swaps` is the model before format 5.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from mmaudit.categorise.model import FORMAT_VERSION, _sklearn
from mmaudit.categorise.nblr import NBLogisticRegression
from mmaudit.categorise.training import (
    COMPLEXITY_C,
    TASK_C,
    Labelled,
    Swaps,
    _pipeline,
    cv_splits,
    fit_side,
    labelled_with_swaps,
)

HERE = Path(__file__).resolve().parent


def _heads() -> dict[str, tuple[Any, Any]]:
    """name -> (task head, complexity head), unfitted."""
    linear = _sklearn("sklearn.linear_model")

    def lr(c: float) -> Any:
        return linear.LogisticRegression(C=c, max_iter=3000, class_weight="balanced")

    return {"logistic regression": (lr(TASK_C), lr(COMPLEXITY_C)),
            "NB-LR (bundled)": (NBLogisticRegression(C=TASK_C), NBLogisticRegression(C=COMPLEXITY_C))}


# The writers who wrote in other languages than English (their own scripts, or code-mixed).
NON_ENGLISH_WRITERS = frozenset({"asia", "cjk", "codemix", "europe", "levant", "mena", "northern", "polyglot",
                                 "romance", "southasia", "mixlang", "iberia", "eastasia", "indic"})


def out_of_fold(data: Labelled, folds: int, nblr_only: bool = False,
                swaps: Swaps | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each head's out-of-fold task and complexity predictions (features fitted per fold, on the
    fold's lines and their `swaps`)."""
    base = _sklearn("sklearn.base")
    _k, splits = cv_splits(data, folds)
    labels = np.asarray(data.labels, dtype=object)
    heads = {k: v for k, v in _heads().items() if not nblr_only or k.startswith("NB-LR")}
    out = {name: (np.empty(len(labels), dtype=object), np.empty(len(labels), dtype=object)) for name in heads}
    for fit_idx, test_idx in splits:
        fit = fit_side(data, swaps, fit_idx)
        fit_labels = np.asarray(fit.labels, dtype=object)
        fit_levels = np.asarray([c or "" for c in (fit.complexities or [None] * len(fit_labels))], dtype=object)
        fit_weights = np.asarray(fit.weights)
        features = _pipeline()[:-1]
        x_fit = features.fit_transform(fit.texts)
        x_test = features.transform([data.texts[i] for i in test_idx])
        graded = fit_levels != ""
        for name, (task_head, cx_head) in heads.items():
            task = base.clone(task_head).fit(x_fit, fit_labels, sample_weight=fit_weights)
            cx = base.clone(cx_head).fit(x_fit[graded], fit_levels[graded], sample_weight=fit_weights[graded])
            out[name][0][test_idx] = task.predict(x_test)
            out[name][1][test_idx] = cx.predict(x_test)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=HERE / "train_set.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--text-version", type=int, choices=(3, 4, 5), default=5,
                        help="model text: 5 (as bundled), 4 (before instruction words and crossed shape tokens)"
                             " or 3 (before concept tokens)")
    parser.add_argument("--no-swaps", action="store_true", help="fit without the material swaps (as before format 5)")
    parser.add_argument("--nblr-only", action="store_true", help="skip logistic regression (about half the time)")
    args = parser.parse_args(argv)
    data, swaps = labelled_with_swaps(args.set, version=args.text_version, swaps=not args.no_swaps)
    labels = np.asarray(data.labels, dtype=object)
    levels = np.asarray([c or "" for c in (data.complexities or [None] * len(labels))], dtype=object)
    authors = data.authors or [None] * len(labels)
    writer = np.asarray([a is not None for a in authors])
    non_english = np.asarray([a in NON_ENGLISH_WRITERS for a in authors])
    graded = levels != ""
    print(f"{len(labels)} lines, {int(writer.sum())} by writers; {args.folds} folds, whole writers held out")
    print(f"{'head':<26}{'task':>8}{'writers':>9}{'non-En':>8}{'English':>9}{'complexity':>12}{'writers':>9}")
    as_bundled = args.text_version == FORMAT_VERSION and not args.no_swaps
    for name, (task, cx) in out_of_fold(data, args.folds, args.nblr_only, swaps).items():
        if not as_bundled:  # the bundled head, but not the bundled model's text or fit
            name = name.replace(" (bundled)", f", format {args.text_version}{'' if swaps else ', no swaps'}")
        ok, ok_cx = task == labels, cx == levels
        print(f"{name:<26}{ok.mean():>8.1%}{ok[writer].mean():>9.1%}{ok[non_english].mean():>8.1%}"
              f"{ok[writer & ~non_english].mean():>9.1%}{ok_cx[graded].mean():>12.1%}{ok_cx[graded & writer].mean():>9.1%}")


if __name__ == "__main__":
    main()
