"""`--fail-if "savings_pct < 30"`: CI gates over a simulation result's JSON keys."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mmaudit.errors import InputError

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
_GATE = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$")
GATE_METRICS = (
    "calls", "baseline_cost_usd", "projected_cost_usd", "savings_usd", "savings_pct",
    "cost_per_successful_response_usd", "escalation_rate", "fallback_rate", "failed_calls",
    "quality_risk_calls", "compliance_violations", "cache_hits", "unpriced_calls",
    # measured quality (docs/evals.md): None without outcomes in the evals table
    "quality", "quality_ci_low", "quality_ci_high", "measured_share", "assumed_share", "pgr",
    "cost_per_success_usd", "beats_random_mix_margin", "beats_random_mix_ci_low", "apgr", "cpt50", "cpt80",
    "quality_unknown_calls", "degraded_calls", "incompatible_calls", "fallbacks",
)
# gate names for figures nested in the JSON (the rest are top-level keys)
_NESTED = {
    "quality": ("quality", "mean"), "quality_ci_low": ("quality", "ci_low"), "quality_ci_high": ("quality", "ci_high"),
    "measured_share": ("quality", "measured_share"), "assumed_share": ("quality", "levels", "assumed"),
    "beats_random_mix_margin": ("random_mix", "margin"), "beats_random_mix_ci_low": ("random_mix", "margin_ci_low"),
    "apgr": ("sweep", "apgr"), "cpt50": ("sweep", "cpt50"), "cpt80": ("sweep", "cpt80"),
}


def _lookup(data: dict[str, Any], metric: str) -> Any:
    value: Any = data
    for key in _NESTED.get(metric, (metric,)):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@dataclass(frozen=True)
class Gate:
    metric: str
    op: str
    value: float
    text: str

    def fails(self, data: dict[str, Any]) -> bool:
        actual = _lookup(data, self.metric)
        return actual is not None and _OPS[self.op](float(actual), self.value)


def parse_gate(text: str) -> Gate:
    """Parse `METRIC OP NUMBER`; the gate fails (exit 1) when the comparison is true."""
    match = _GATE.match(text)
    if not match:
        raise InputError(f"--fail-if {text!r}: expected METRIC OP NUMBER, e.g. \"savings_pct < 30\"")
    metric, op, value = match.groups()
    if metric not in GATE_METRICS:
        raise InputError(f"--fail-if {text!r}: unknown metric {metric!r}; one of {', '.join(GATE_METRICS)}")
    return Gate(metric, op, float(value), text.strip())
