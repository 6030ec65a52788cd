"""Simulation results as a `Report`: a comparison table, then utilisation and per-task tables."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mmaudit.render import Column, Report, Table
from mmaudit.render_html import ChartedReport
from mmaudit.simulate.quality_report import quality_tables, sweep_charts
from mmaudit.simulate.result import SimulationResult

COMPARISON = [
    Column("policy", "Policy"),
    Column("calls", "Calls", "int"),
    Column("baseline_cost_usd", "Baseline", "usd"),
    Column("projected_cost_usd", "Projected", "usd"),
    Column("savings_usd", "Savings", "usd"),
    Column("savings_pct", "Savings %", "pct"),
    Column("escalation_rate", "Escalated", "share"),
    Column("fallback_rate", "Fallback", "share"),
    Column("failed_calls", "Failed", "int"),
    Column("quality_risk_calls", "Below quality", "int"),
    Column("quality_unknown_calls", "Quality unknown", "int"),
    Column("compliance_violations", "Compliance", "int"),
    Column("unpriced_calls", "Unpriced", "int"),
]
COSTS = [
    Column("policy", "Policy"),
    Column("baseline_cost_per_successful_response_usd", "Baseline cost/success", "usd"),
    Column("cost_per_successful_response_usd", "Projected cost/success", "usd"),
    Column("fixed_cost_usd", "Fixed (self-hosted)", "usd"),
    Column("cache_hits", "Cache hits", "int"),
    Column("cache_savings_usd", "Cache savings", "usd"),
    Column("uncertain_moved_up", "Moved up (unsure)", "int"),
    Column("degraded_calls", "Degraded", "int"),
    Column("incompatible_calls", "Kept (wrong operation)", "int"),
]
TIERS = [Column("name", "Tier"), Column("calls", "Calls", "int"), Column("calls_share", "Share", "share"),
         Column("tokens", "Tokens", "int"), Column("cost_usd", "Cost", "usd")]
MODELS = [Column("model", "Model"), Column("calls", "Calls", "int"), Column("calls_share", "Share", "share"),
          Column("cost_usd", "Cost", "usd")]
TASKS = [Column("task", "Task"), Column("calls", "Calls", "int"), Column("cost_usd", "Cost", "usd"),
         Column("p50_latency_ms", "P50 latency", "ms"), Column("p95_latency_ms", "P95 latency", "ms"),
         Column("over_latency_budget_calls", "Over budget", "int")]


def _json(result: SimulationResult) -> dict[str, Any]:
    data = asdict(result)
    data["savings_pct"] = round(result.savings_pct, 4) if result.savings_pct is not None else None
    return data


def simulation_report(results: list[SimulationResult], period_label: str) -> Report:
    rows = [asdict(r) for r in results]
    tables = [Table(f"Routing simulation — {period_label}", COMPARISON, rows),
              Table("Cost per successful response, fixed costs and cache", COSTS, rows)]
    for r in results:
        tables.append(Table(f"Tier utilisation — {r.policy}", TIERS, [asdict(t) for t in r.tiers]))
        tables.append(Table(f"Models — {r.policy}", MODELS, [asdict(m) for m in r.models]))
        tables.append(Table(f"By task — {r.policy}", TASKS, [asdict(t) for t in r.tasks]))
    tables.extend(quality_tables(results))
    notes = ["Projected cost includes the fixed monthly cost of self-hosted models, prorated to the period's days in each month they serve calls.",
             "Assumptions:"]
    for assumption in dict.fromkeys(a for r in results for a in r.assumptions):
        notes.append(f"  - {assumption}")
    warnings = list(dict.fromkeys(w for r in results for w in r.warnings))
    if warnings:
        notes.append("Warnings (policy values that match none of these calls):")
        notes += [f"  - {w}" for w in warnings]
    data: dict[str, Any] = _json(results[0]) if len(results) == 1 else {"policies": [_json(r) for r in results]}
    data["period"] = period_label
    return ChartedReport(tables, data, notes, title=f"mmaudit simulate — {period_label}", charts=sweep_charts(results))
