"""The measured-quality figures a simulation reports when the `evals` table has outcomes.

Stable JSON keys (docs/evals.md): per policy `quality`, `cost_per_success_usd`, `pgr`,
`random_mix`, `baselines`; with --sweep, `sweep`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class QualityLevels:
    """Share of scored calls whose score comes from each level (they sum to 1)."""

    item: float = 0.0  # the call's own item measured on the model that answers it
    cell: float = 0.0  # task x complexity x model, >= MIN_ITEMS items
    task_model: float = 0.0  # task x model, >= MIN_ITEMS items
    model: float = 0.0  # the model over every item, >= MIN_ITEMS items
    assumed: float = 0.0  # the price table's prior for the model and task: NOT measured


@dataclass
class Quality:
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    interval: str  # wilson (0/1 scores), bootstrap, exact
    success_rate: float | None
    measured_share: float  # = levels.item: calls whose own item was measured on their model
    levels: QualityLevels
    scored_calls: int
    unknown_calls: int  # no evals and no prior for the answering model
    scale: dict[str, float] | None = None  # the raw scale, when every outcome shares one
    mean_on_scale: float | None = None  # `mean` mapped back to that scale (e.g. 1-10)


@dataclass
class Baseline:
    name: str  # all:<model key>, logged, oracle
    cost_usd: Decimal | None
    quality: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    strong_share: float | None = None  # share of calls answered by the strongest single model
    assumed_share: float | None = None  # share of its scored calls resting on price-table priors, not outcomes


@dataclass
class RandomMix:
    """A coin flip between two single models, weighted to cost what the policy costs."""

    quality: float | None
    cost_usd: Decimal | None
    margin: float | None  # policy quality - random mix quality, on the same calls
    margin_ci_low: float | None = None
    margin_ci_high: float | None = None
    models: list[str] = field(default_factory=list)
    share_of_second: float | None = None  # the weight of the second (dearer) model


@dataclass
class SweepPoint:
    value: float
    cost_usd: Decimal
    quality: float | None
    strong_share: float | None


@dataclass
class Sweep:
    param: str
    points: list[SweepPoint]
    apgr: float | None
    cpt50: float | None
    cpt80: float | None
    strong_model: str | None = None
