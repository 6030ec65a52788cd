"""Categorisation of calls into a task taxonomy and a complexity level.

Public API: `load_rules`, `apply_categories`, `default_model`, `train`, `load_model`, `evaluate` (see
docs/categorisation.md). scikit-learn is only needed for `train` (and for model files of earlier
versions): the bundled model is plain arrays applied with numpy (see `arrays.py`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from mmaudit.categorise.apply import apply_categories
from mmaudit.categorise.rules import Rules, load_rules

if TYPE_CHECKING:
    from mmaudit.categorise.evaluate import EvalReport, evaluate
    from mmaudit.categorise.model import ModelBase, TrainedModel, load_model
    from mmaudit.categorise.training import TrainReport, train

__all__ = [
    "EvalReport",
    "ModelBase",
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
    "ModelBase": "model",
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
def default_model() -> ModelBase | None:
    """The TF-IDF + NB-weighted logistic-regression model bundled with the package (trained on
    `data/train_set.jsonl`, stored as arrays), or None - with the reason in `default_model_note()` -
    when its file is missing or cannot be read. Loaded once, lazily (~0.05 s); the rules alone are
    used when it is None.
    """
    from mmaudit.categorise.model import bundled_model_path, load_model

    path = bundled_model_path()
    if not path.exists():
        _NOTE[:] = [f"categoriser model skipped: {path} is missing; rules only"]
        return None
    try:
        model = load_model(path)
        model.predict(["smoke test"])
    except Exception as exc:  # noqa: BLE001 - a damaged model file must not break ingest
        _NOTE[:] = [f"categoriser model skipped: cannot load {path.name} ({type(exc).__name__}: {exc}); rules only"]
        return None
    _NOTE[:] = []
    return model


def default_model_note() -> str | None:
    """Why `default_model()` returned None (after calling it), else None."""
    return _NOTE[0] if _NOTE else None
