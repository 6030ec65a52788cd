"""`--fail-if "savings_pct < 30"`: CI gates over a simulation result's JSON keys.

A gate fails safe (see `mmaudit.gates`): over no calls, over calls none of which has a price, on
a quality figure while some judged calls have no quality score, or on an undefined figure, it
fails with the reason instead of passing.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from mmaudit.errors import InputError
from mmaudit.gates import Verdict, nothing_to_judge
from mmaudit.render import kind_of
from mmaudit.simulate.result import SimulationResult

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
_GATE = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$")
# gate names for figures nested in the JSON (measured quality, docs/evals.md: None without outcomes)
_NESTED = {
    "quality": ("quality", "mean"), "quality_ci_low": ("quality", "ci_low"), "quality_ci_high": ("quality", "ci_high"),
    "measured_share": ("quality", "measured_share"), "assumed_share": ("quality", "levels", "assumed"),
    "beats_random_mix_margin": ("random_mix", "margin"), "beats_random_mix_ci_low": ("random_mix", "margin_ci_low"),
    "apgr": ("sweep", "apgr"), "cpt50": ("sweep", "cpt50"), "cpt80": ("sweep", "cpt80"),
}
_OBJECTS = ("baseline", "quality", "random_mix", "sweep", "baselines")
# every numeric figure of a result can be gated on (a figure added to SimulationResult too)
GATE_METRICS = tuple(dict.fromkeys([
    *(f.name for f in fields(SimulationResult)
      if not str(f.type).startswith(("list", "str")) and f.name not in _OBJECTS),
    *_NESTED,
]))


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
        """True when the comparison holds (a null figure does not: see `judge`, which fails it)."""
        actual = _lookup(data, self.metric)
        return actual is not None and _OPS[self.op](float(actual), self.value)

    def judge(self, data: dict[str, Any], subject: str, period: str, span: str) -> Verdict:
        """The verdict on one policy's result; `span` says what the database holds."""
        actual = _lookup(data, self.metric)
        reason = unjudgeable(data, self.metric, period, span)
        if not reason and actual is None:
            reason = f"{self.metric} is undefined for this result"
        if reason:
            return Verdict(self.text, self.metric, actual, self.value, False, subject, reason)
        return Verdict(self.text, self.metric, actual, self.value, not self.fails(data), subject)


def unjudgeable(data: dict[str, Any], metric: str, period: str, span: str) -> str:
    """Why a result cannot be judged (empty when it can)."""
    calls = int(data.get("calls") or 0)
    if not calls:
        return nothing_to_judge(calls, period, span)
    if not data.get("compared_calls"):
        return (f"none of the {calls:,} calls in {period} has a price (unpriced_calls = {data.get('unpriced_calls')}):"
                " costs and savings are undefined; see `mmaudit prices unknown`")
    unknown = int(data.get("quality_unknown_calls") or 0)
    if "quality" in metric and metric != "quality_unknown_calls" and unknown:  # that count is judged as it is
        return (f"quality unknown for {unknown:,} of the {calls:,} calls judged (no score for their model and task"
                " in the price tables)")
    return ""


def parse_gate(text: str) -> Gate:
    """Parse `METRIC OP NUMBER`; the gate fails (exit 1) when the comparison is true."""
    match = _GATE.match(text)
    if not match:
        raise InputError(f"--fail-if {text!r}: expected METRIC OP NUMBER, e.g. \"savings_pct < 30\"")
    metric, op, value, percent = match.groups()
    if metric not in GATE_METRICS:
        close = difflib.get_close_matches(metric, GATE_METRICS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InputError(f"--fail-if {text!r}: unknown metric {metric!r}; {hint}one of {', '.join(GATE_METRICS)}")
    return Gate(metric, op, _limit(text, metric, float(value), bool(percent)), text.strip())


def _limit(text: str, metric: str, value: float, percent: bool) -> float:
    """The limit in the figure's own unit. A rate or share (`escalation_rate`, a fraction in the
    JSON, printed as a percent) takes `0.1` or `10%`; a bare number above 1 is refused, since
    `escalation_rate > 10` compared 0.111 with 10 and could never fail. A `_pct` figure is in
    percent already (`savings_pct < 30` or `< 30%`)."""
    kind = kind_of(metric, value)
    if kind == "share":
        if percent:
            return value / 100
        if not 0 <= value <= 1:
            raise InputError(f"--fail-if {text!r}: {metric} is a share between 0 and 1 (printed as a percent): "
                             f"write {value / 100:g} or {value:g}%")
        return value
    if percent and kind != "pct":
        raise InputError(f"--fail-if {text!r}: {metric} is not a percentage; write the limit without %")
    return value
