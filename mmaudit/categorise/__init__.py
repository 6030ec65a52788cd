"""Categorisation of calls into a task taxonomy and a complexity level.

Public API: `load_rules`, `apply_categories`, `default_model`, `train`, `load_model`, `evaluate` (see
docs/categorisation.md). scikit-learn is only needed for `train` and for applying a trained model:
`default_model()` returns the bundled model when scikit-learn is installed, else None.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from typing import TYPE_CHECKING, Any

from mmaudit.categorise.apply import apply_categories
from mmaudit.categorise.rules import Rules, load_rules

if TYPE_CHECKING:
    from mmaudit.categorise.evaluate import EvalReport, evaluate
    from mmaudit.categorise.model import TrainedModel, load_model
    from mmaudit.categorise.training import TrainReport, train

__all__ = [
    "EvalReport",
    "Rules",
    "TrainReport",
    "TrainedModel",
    "apply_categories",
    "default_model",
    "default_model_note",
    "evaluate",
    "load_model",
    "load_rules",
    "train",
]

_LAZY = {
    "train": "training",
    "load_model": "model",
    "TrainedModel": "model",
    "TrainReport": "training",
    "evaluate": "evaluate",
    "EvalReport": "evaluate",
}


def __getattr__(name: str) -> Any:
    """Import the model/evaluation modules only when used (they pull in pandas and, lazily, sklearn)."""
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"mmaudit.categorise.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(name)


_NOTE: list[str] = []


@functools.lru_cache(maxsize=1)
def default_model() -> "TrainedModel | None":
    """The TF-IDF + logistic-regression model bundled with the package (trained on
    `data/train_set.jsonl`), or None - with the reason in `default_model_note()` - when scikit-learn
    is not installed (`pip install 'scikit-learn>=1.9,<1.10'`) or the file cannot be loaded by this
    scikit-learn version. Loaded once, lazily; the rules alone are used when it is None.
    """
    if importlib.util.find_spec("sklearn") is None:
        _NOTE[:] = ["categoriser model skipped: scikit-learn is not installed (pip install 'scikit-learn>=1.9,<1.10'); rules only"]
        return None
    from mmaudit.categorise.model import bundled_model_path, load_model

    path = bundled_model_path()
    if not path.exists():
        _NOTE[:] = [f"categoriser model skipped: {path} is missing; rules only"]
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # InconsistentVersionWarning: checked by predicting below
            model = load_model(path)
            model.predict(["smoke test"])
    except Exception as exc:  # an incompatible scikit-learn version must not break ingest
        _NOTE[:] = [f"categoriser model skipped: cannot load {path.name} ({type(exc).__name__}: {exc}); rules only"]
        return None
    _NOTE[:] = []
    return model


def default_model_note() -> str | None:
    """Why `default_model()` returned None (after calling it), else None."""
    return _NOTE[0] if _NOTE else None
