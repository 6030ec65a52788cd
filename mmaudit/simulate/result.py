"""The figures a simulation reports, as plain dataclasses with stable JSON keys."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from mmaudit.simulate.measured import Baseline, Quality, RandomMix, Sweep


@dataclass
class TierUse:
    name: str
    calls: int
    calls_share: float
    cost_usd: Decimal
    tokens: int


@dataclass
class ModelUse:
    model: str
    calls: int
    calls_share: float
    cost_usd: Decimal


@dataclass
class TaskUse:
    task: str
    calls: int
    cost_usd: Decimal
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    over_latency_budget_calls: int


@dataclass
class SimulationResult:
    policy: str
    calls: int
    compared_calls: int
    unpriced_calls: int
    baseline: str
    baseline_cost_usd: Decimal
    projected_cost_usd: Decimal
    savings_usd: Decimal
    savings_pct: float | None
    baseline_cost_per_successful_response_usd: Decimal | None
    cost_per_successful_response_usd: Decimal | None
    fixed_cost_usd: Decimal
    escalations: int
    escalation_rate: float
    fallbacks: int
    fallback_rate: float
    failed_calls: int
    cache_hits: int
    cache_savings_usd: Decimal
    quality_risk_calls: int
    quality_unknown_calls: int
    compliance_violations: int
    uncertain_moved_up: int
    degraded_calls: int = 0
    incompatible_calls: int = 0
    breaker_openings: int = 0
    tiers: list[TierUse] = field(default_factory=list)
    models: list[ModelUse] = field(default_factory=list)
    tasks: list[TaskUse] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    # measured quality, when the evals table has outcomes (mmaudit/simulate/quality.py)
    quality: Quality | None = None
    cost_per_success_usd: Decimal | None = None
    pgr: float | None = None
    random_mix: RandomMix | None = None
    baselines: list[Baseline] = field(default_factory=list)
    sweep: Sweep | None = None
    warnings: list[str] = field(default_factory=list)  # policy values that match none of the replayed calls

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
