"""`simulate --sweep PARAM=LO:HI:STEPS`: one policy replayed at evenly spaced values of one knob,
giving the cost/quality curve and RouteLLM's APGR and CPT(50%) / CPT(80%) (docs/evals.md).

    uncertain  uncertain.below_confidence (calls less sure than this go one tier up)
    cascade    cascade.escalate_rate.default
    ab         the share of the policy's first A/B split

The x axis is the strong-call share, as RouteLLM's: the share of calls answered by the single
model of highest measured quality. The curve is closed with the all-weakest (share 0) and
all-strongest (share 1) single-model points, so APGR covers 0-1 and the random router scores 0.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import numpy as np

from mmaudit.errors import InputError
from mmaudit.evals.baselines import single_models, strong_share, strongest, weakest
from mmaudit.evals.stats import curve_figures
from mmaudit.policy import ABSplit, Cascade, Policy, Uncertain
from mmaudit.simulate.decide import SimulationOptions
from mmaudit.simulate.measured import Sweep, SweepPoint

PARAMS = ("uncertain", "cascade", "ab")
_SPEC = re.compile(r"^\s*([a-z_]+)\s*=\s*(-?\d+(?:\.\d+)?)\s*:\s*(-?\d+(?:\.\d+)?)\s*:\s*(\d+)\s*$")
MAX_STEPS = 101


@dataclass(frozen=True)
class SweepSpec:
    param: str
    lo: float
    hi: float
    steps: int

    def values(self) -> list[float]:
        return [float(v) for v in np.linspace(self.lo, self.hi, self.steps)]


def parse_sweep(text: str) -> SweepSpec:
    match = _SPEC.match(text)
    if not match:
        raise InputError(f"--sweep {text!r}: expected PARAM=LO:HI:STEPS, e.g. uncertain=0:1:11")
    param, lo, hi, steps = match.group(1), float(match.group(2)), float(match.group(3)), int(match.group(4))
    if param not in PARAMS:
        raise InputError(f"--sweep {text!r}: unknown parameter {param!r}; one of {', '.join(PARAMS)}")
    if not 0 <= lo <= 1 or not 0 <= hi <= 1:
        raise InputError(f"--sweep {text!r}: {param} takes values from 0 to 1")
    if not 2 <= steps <= MAX_STEPS:
        raise InputError(f"--sweep {text!r}: STEPS must be 2 to {MAX_STEPS}")
    return SweepSpec(param, lo, hi, steps)


def with_value(policy: Policy, param: str, value: float) -> Policy:
    """The policy with one knob set (the rest unchanged)."""
    if param == "uncertain":
        return policy.model_copy(update={"uncertain": Uncertain(below_confidence=value)})
    if param == "cascade":
        if policy.cascade is None or policy.cascade.escalate_rate is None:
            raise InputError(f"--sweep cascade: policy {policy.name!r} has no cascade with an escalate_rate")
        rates = {**policy.cascade.escalate_rate, "default": value}
        cascade = Cascade.model_validate({"from": policy.cascade.from_, "to": policy.cascade.to, "escalate_rate": rates})
        return policy.model_copy(update={"cascade": cascade})
    if not policy.ab:
        raise InputError(f"--sweep ab: policy {policy.name!r} has no `ab` split")
    first = policy.ab[0]
    if value == 0:
        return policy.model_copy(update={"ab": list(policy.ab[1:])})
    return policy.model_copy(update={"ab": [ABSplit(tier=first.tier, model=first.model, share=value), *policy.ab[1:]]})


def run_sweep(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions, spec: SweepSpec,
              source: str = "policy") -> Sweep:
    from mmaudit.simulate.engine import run_policy  # the engine attaches measured quality to each point

    points = []
    for value in spec.values():
        result = run_policy(con, with_value(policy, spec.param, value), options, source)
        share = None
        if result.quality is not None:
            share = strong_share(con, "_ev_pol_s", strongest(single_models(con)))
        points.append(SweepPoint(value, result.projected_cost_usd, result.quality.mean if result.quality else None, share))
    return _figures(con, spec.param, points, measured=any(p.quality is not None for p in points))


def _figures(con: duckdb.DuckDBPyConnection, param: str, points: list[SweepPoint], measured: bool) -> Sweep:
    if not measured:
        return Sweep(param, points, None, None, None)
    models = single_models(con)
    weak, strong = weakest(models), strongest(models)
    scored = [p for p in points if p.quality is not None and p.strong_share is not None]
    if weak is None or strong is None or not scored:
        return Sweep(param, points, None, None, None, strong.key if strong else None)
    shares = [0.0, *(p.strong_share for p in scored), 1.0]
    qualities = [weak.quality, *(p.quality for p in scored), strong.quality]
    figures = curve_figures(shares, qualities, weak.quality, strong.quality)
    return Sweep(param, points, figures.apgr, figures.cpt50, figures.cpt80, strong.key)
