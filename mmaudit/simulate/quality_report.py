"""Tables for measured quality (docs/evals.md): per policy quality, baselines, sweep."""

from __future__ import annotations

from typing import Any

from mmaudit.render import Column, Table
from mmaudit.render_html import Chart
from mmaudit.simulate.result import SimulationResult

QUALITY = [
    Column("policy", "Policy"), Column("quality", "Quality", "float"), Column("ci", "95% interval"),
    Column("measured_share", "Own item", "share"), Column("pooled", "Pooled", "share"),
    Column("assumed", "Assumed", "share"),
]
VERSUS = [
    Column("policy", "Policy"), Column("cost_per_success_usd", "Cost/success", "usd"), Column("pgr", "PGR", "float"),
    Column("margin", "vs random mix [95%]"), Column("beats", "Beats random mix?"),
]
BASELINES = [Column("name", "Baseline"), Column("cost_usd", "Cost", "usd"), Column("quality", "Quality", "float"),
             Column("ci", "95% interval"), Column("strong_share", "Strong share", "share"),
             Column("assumed_share", "Assumed", "share")]
NO_SAMPLE = "none (priors only)"  # a figure resting on priors alone has no sampling interval
SWEEP = [Column("value", "Value", "float"), Column("cost_usd", "Cost", "usd"), Column("quality", "Quality", "float"),
         Column("strong_share", "Strong-call share", "share")]


def _ci(low: float | None, high: float | None, assumed: float | None = None) -> str:
    if low is None or high is None:
        return NO_SAMPLE if assumed == 1 else ""
    return f"{_round3(low):.3f}–{_round3(high):.3f}"


def _round3(x: float) -> float:
    """`x` to three places, without a negative zero: a margin of -1e-12 (float noise on a policy
    that IS the random mix's end) prints as 0.000, not -0.000."""
    return round(x, 3) + 0.0


def _beats(r: SimulationResult) -> str:
    mix = r.random_mix
    if mix is None or mix.margin is None:
        return "—"
    if mix.margin_ci_low is not None and mix.margin_ci_low > 0:
        return "yes"
    if mix.margin_ci_high is not None and mix.margin_ci_high < 0:
        return "no (worse)"
    return "not shown"


def _quality_row(r: SimulationResult) -> dict[str, Any]:
    q, mix = r.quality, r.random_mix
    assert q is not None
    lv = q.levels
    margin = "" if mix is None or mix.margin is None else f"{_round3(mix.margin):+.3f} [{_ci(mix.margin_ci_low, mix.margin_ci_high, lv.assumed) or '—'}]"
    return {"policy": r.policy, "quality": q.mean, "ci": _ci(q.ci_low, q.ci_high, lv.assumed), "measured_share": q.measured_share,
            "pooled": lv.cell + lv.task_model + lv.model, "assumed": lv.assumed,
            "cost_per_success_usd": r.cost_per_success_usd, "pgr": r.pgr,
            "random_mix": mix.quality if mix else None, "margin": margin, "beats": _beats(r)}


def quality_tables(results: list[SimulationResult]) -> list[Table]:
    measured = [r for r in results if r.quality is not None]
    if not measured:  # a sweep's points (cost per knob value) stand without outcomes
        return sweep_tables(results)
    notes = []
    q0 = measured[0].quality
    on_scale = [f"{r.policy} {r.quality.mean_on_scale:.3f}" for r in measured
                if r.quality and r.quality.mean_on_scale is not None]
    if q0 is not None and q0.scale and (q0.scale["min"], q0.scale["max"]) != (0.0, 1.0):
        notes.append(f"Scores are on 0-1 (raw scale {q0.scale['min']:g}-{q0.scale['max']:g})"
                     + (f"; on the raw scale: {', '.join(on_scale)}" if on_scale else "")
                     + ("; a figure resting on priors alone is not put on the raw scale" if len(on_scale) < len(measured) else "")
                     + ".")
    notes.append("Own item: calls scored by their own item on the model that answers; pooled: task x complexity, task "
                 "or model means; assumed: the price table's prior, not a measurement.")
    rows = [_quality_row(r) for r in measured]
    tables = [Table("Measured quality", QUALITY, rows, None, notes),
              Table("Against the random mix at the same cost", VERSUS, rows, None,
                    ["Beats random mix: yes only when the margin's 95% interval is above 0. PGR: 0 = weakest single "
                     "model, 1 = strongest. Cost/success: per expected successful answer."])]
    base_rows = [{**vars(b), "ci": _ci(b.ci_low, b.ci_high, b.assumed_share)} for b in measured[0].baselines]
    tables.append(Table("Baselines on the same calls", BASELINES, base_rows, None,
                        ["oracle: per call the best-scoring model, cheapest among ties (with 0/1 outcomes: the "
                         "cheapest that succeeds) — a bound no router reaches; where its calls' scores are priors "
                         "(Assumed), it chooses between priors, not outcomes.",
                         "Assumed: share of the baseline's scored calls resting on the price table's priors, not a "
                         "measurement. A baseline with no score (—) has neither outcomes nor a prior for its model."]))
    return tables + sweep_tables(results)


def sweep_tables(results: list[SimulationResult]) -> list[Table]:
    """Each sweep's points: cost, and quality and strong-call share when outcomes exist."""
    tables = []
    for r in results:
        if r.sweep is None:
            continue
        s = r.sweep
        if r.quality is None:
            note = "No outcomes in `evals`: the points give cost only (docs/evals.md says how to measure quality)."
        else:
            figures = [f"APGR {s.apgr:.3f}" if s.apgr is not None else "APGR —",
                       f"CPT(50%) {s.cpt50:.1%}" if s.cpt50 is not None else "CPT(50%) not reached",
                       f"CPT(80%) {s.cpt80:.1%}" if s.cpt80 is not None else "CPT(80%) not reached"]
            note = ", ".join(figures) + f" (strong model {s.strong_model}; the random router's APGR is 0.5)."
        tables.append(Table(f"Sweep of {s.param} — {r.policy}", SWEEP, [vars(p) for p in s.points], None, [note]))
    return tables


def sweep_charts(results: list[SimulationResult]) -> list[Chart]:
    """The sweep's curve for the HTML report: quality and strong-call share at each knob value."""
    charts = []
    for r in results:
        if r.sweep is None:
            continue
        s = r.sweep
        series = {"quality": [p.quality for p in s.points], "strong-call share": [p.strong_share for p in s.points]}
        if all(v is None for v in series["quality"]):
            series = {"cost (share of the dearest point)": _cost_shares(s.points)}
        charts.append(Chart(f"Sweep of {s.param} — {r.policy}", "lines", [f"{p.value:g}" for p in s.points], series))
    return charts


def _cost_shares(points: list[Any]) -> list[float | None]:
    top = max((p.cost_usd for p in points), default=0) or 1
    return [float(p.cost_usd / top) for p in points]
