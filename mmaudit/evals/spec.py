"""What an outcome file declares about its scores: the scale, the success threshold, names.

From (later wins) defaults, a sidecar `FILE.meta.yaml` (or `--spec PATH`), a JSONL header line
`{"mmaudit_evals": {...}}`, and command-line options. Validated: an error names the source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mmaudit.config import read_yaml, validate
from mmaudit.errors import InputError

HEADER_KEY = "mmaudit_evals"


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float = 0.0
    max: float = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not self.max > self.min:
            raise ValueError(f"scale max ({self.max}) must be above min ({self.min})")
        return self


class EvalSpec(BaseModel):
    """`scale` maps raw scores to 0-1 (min -> 0, max -> 1); a raw score outside it is a judge
    failure. `success_threshold` is on the raw scale (default: the scale's midpoint)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scale: Scale = Scale()
    success_threshold: float | None = None
    eval_set: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    grader: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _threshold_inside(self) -> EvalSpec:
        t = self.success_threshold
        if t is not None and not self.scale.min <= t <= self.scale.max:
            raise ValueError(f"success_threshold {t} is outside the scale {self.scale.min}-{self.scale.max}")
        return self

    @property
    def threshold(self) -> float:
        if self.success_threshold is not None:
            return self.success_threshold
        return (self.scale.min + self.scale.max) / 2


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.yaml")


def parse_scale(text: str) -> Scale:
    """`1-10`, `0-1`, `-5:5` -> Scale."""
    for sep in (":", "-"):
        head, _, tail = text.strip().rpartition(sep)
        if head and tail:
            try:
                return Scale(min=float(head), max=float(tail))
            except ValueError:
                continue
    raise InputError(f"--scale {text!r}: expected MIN-MAX, e.g. 1-10 or 0-1")


def merge(*layers: dict[str, Any] | None, source: str) -> EvalSpec:
    """Later layers win, key by key (a `scale` replaces the whole scale)."""
    data: dict[str, Any] = {}
    for layer in layers:
        data.update({k: v for k, v in (layer or {}).items() if v is not None})
    return validate(EvalSpec, data, source)


def read_sidecar(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping (scale, success_threshold, eval_set, grader)")
    return data
