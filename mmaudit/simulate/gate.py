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
    "quality_unknown_calls", "degraded_calls", "incompatible_calls", "fallbacks",
)


@dataclass(frozen=True)
class Gate:
    metric: str
    op: str
    value: float
    text: str

    def fails(self, data: dict[str, Any]) -> bool:
        actual = data.get(self.metric)
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
