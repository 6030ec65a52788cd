"""Categorisation of calls into a task taxonomy and a complexity level.

Public API: `load_rules`, `apply_categories`, `train`, `load_model`, `evaluate` (see
docs/categorisation.md). scikit-learn is only needed for `train` and for applying a trained model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mmaudit.categorise.apply import apply_categories
from mmaudit.categorise.rules import Rules, load_rules

if TYPE_CHECKING:
    from mmaudit.categorise.evaluate import EvalReport, evaluate
    from mmaudit.categorise.model import TrainedModel, TrainReport, load_model, train

__all__ = [
    "EvalReport",
    "Rules",
    "TrainReport",
    "TrainedModel",
    "apply_categories",
    "evaluate",
    "load_model",
    "load_rules",
    "train",
]

_LAZY = {
    "train": "model",
    "load_model": "model",
    "TrainedModel": "model",
    "TrainReport": "model",
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
