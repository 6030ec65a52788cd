"""Simulation results as a `Report`: the comparison, its differences against the first policy,
every figure of every policy, then utilisation and per-task tables.

The "All figures" table is built from the result's fields, not from a fixed list: a figure
added to `SimulationResult` (or a nested object of scalars, e.g. `quality`) shows up in every
format with a unit read off its name (`_usd`, `_pct`, `_rate`/`_share`, `_ms`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from mmaudit.render import Column, Kind, Table, kind_of
from mmaudit.render_html import Chart, ChartedReport
from mmaudit.simulate.quality_report import quality_tables, sweep_charts
from mmaudit.simulate.result import SimulationResult

COMPARISON = [
    Column("label", "Policy"),
    Column("calls", "Calls", "int"),
    Column("baseline_cost_usd", "Baseline cost (USD)", "usd"),
    Column("projected_cost_usd", "Projected cost (USD)", "usd"),
    Column("savings_usd", "Savings (USD)", "usd"),
    Column("savings_pct", "Savings (%)", "pct"),
    Column("escalation_rate", "Escalated (% calls)", "share"),
    Column("fallback_rate", "Fell back (% calls)", "share"),
    Column("failed_calls", "Failed calls", "int"),
    Column("quality_risk_calls", "Quality risk calls", "int"),
    Column("quality_unknown_calls", "Quality unknown (calls)", "int"),
    Column("compliance_violations", "Compliance violations", "int"),
    Column("unpriced_calls", "Unpriced calls", "int"),
]
TIERS = [Column("name", "Tier"), Column("calls", "Calls", "int"), Column("calls_share", "Share (% calls)", "share"),
         Column("tokens", "Tokens", "int"), Column("cost_usd", "Cost (USD)", "usd")]
MODELS = [Column("model", "Model"), Column("calls", "Calls", "int"), Column("calls_share", "Share (% calls)", "share"),
          Column("cost_usd", "Cost (USD)", "usd")]
TASKS = [Column("task", "Task"), Column("calls", "Calls", "int"), Column("cost_usd", "Cost (USD)", "usd"),
         Column("p50_latency_ms", "P50 latency (ms)", "ms"), Column("p95_latency_ms", "P95 latency (ms)", "ms"),
         Column("over_latency_budget_calls", "Over latency budget (calls)", "int")]

# Names that say what a figure is; any other field gets one made from its key.
NAMES = {
    "calls": "Calls", "compared_calls": "Calls with a baseline and projected price",
    "unpriced_calls": "Unpriced calls (left out of costs)", "baseline": "Baseline",
    "baseline_cost_usd": "Baseline cost (USD)", "projected_cost_usd": "Projected cost (USD)",
    "savings_usd": "Savings (USD)", "savings_pct": "Savings (%)",
    "baseline_cost_per_successful_response_usd": "Baseline cost per successful response (USD)",
    "cost_per_successful_response_usd": "Projected cost per successful response (USD)",
    "fixed_cost_usd": "Fixed self-hosted cost (USD)", "escalations": "Escalated calls",
    "escalation_rate": "Escalated (% calls)", "fallbacks": "Calls that fell back",
    "fallback_rate": "Fell back (% calls)", "failed_calls": "Failed calls", "cache_hits": "Cache hits (calls)",
    "cache_savings_usd": "Cache savings (USD)", "quality_risk_calls": "Quality risk calls (below the tier's bar)",
    "quality_unknown_calls": "Calls with quality unknown", "compliance_violations": "Compliance violations",
    "uncertain_moved_up": "Calls moved up a tier (unsure category)",
    "degraded_calls": "Calls degraded (chain ran out)", "incompatible_calls": "Calls kept (wrong operation, or audio)",
    "breaker_openings": "Circuit-breaker openings",
    "pgr": "PGR (share of the quality gap recovered)",
}
_SKIP = {"policy", "label", "policy_file", "policy_sha256"}


@dataclass(frozen=True)
class PolicySource:
    """Where a policy came from: the file as given and its content hash."""

    path: str
    sha256: str


def name_of(key: str) -> str:
    if key in NAMES:
        return NAMES[key]
    last = key.rsplit(".", 1)[-1]
    units = {"_usd": " (USD)", "_pct": " (%)", "_rate": " (% calls)", "_share": " (share)", "_ms": " (ms)"}
    stem, unit = last, ""
    for suffix, label in units.items():
        if last.endswith(suffix):
            stem, unit = last[: -len(suffix)], label
    prefix = key.rsplit(".", 1)[0].replace("_", " ").capitalize() + ": " if "." in key else ""
    text = stem.replace("_", " ")
    return prefix + (text[:1].upper() + text[1:] if not prefix else text) + unit


def figures(data: dict[str, Any]) -> dict[str, Any]:
    """Every scalar of one result (nested objects of scalars flattened as `object.key`)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SKIP or isinstance(value, list):
            continue
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items() if not isinstance(v, dict | list)})
        else:
            out[key] = value
    return out


def difference(a: Any, b: Any, kind: Kind) -> tuple[Any, Kind]:
    """b - a in the unit a reviewer reads: percentages and shares as percentage points."""
    if a is None or b is None or kind == "text":
        return None, "text" if kind == "text" else kind
    if kind == "share":
        return (float(b) - float(a)) * 100, "pts"
    if kind == "pct":
        return float(b) - float(a), "pts"
    if kind == "usd":
        return Decimal(b) - Decimal(a), "usd"
    return b - a, kind


def policy_labels(results: list[SimulationResult], sources: list[PolicySource]) -> list[str]:
    """Policy names; where names collide, the shortest trailing part of the file path that tells
    them apart is added (`tiers (main/tiers.yaml)`)."""
    names = [r.policy for r in results]
    labels = list(names)
    for name in {n for n in names if names.count(n) > 1}:
        idx = [i for i, n in enumerate(names) if n == name]
        parts = [Path(sources[i].path).parts for i in idx]
        depth = 1
        while depth < max(len(p) for p in parts) and len({p[-depth:] for p in parts}) < len(idx):
            depth += 1
        for i, p in zip(idx, parts):
            labels[i] = f"{name} ({'/'.join(p[-depth:])})"
    named = list(labels)  # the same file twice: number them (#1, #2), counting in the labels before numbering
    return [f"{label} #{named[:i + 1].count(label)}" if named.count(label) > 1 else label
            for i, label in enumerate(named)]


def _json(result: SimulationResult, label: str, source: PolicySource | None) -> dict[str, Any]:
    data = asdict(result)
    data["savings_pct"] = round(result.savings_pct, 4) if result.savings_pct is not None else None
    data["label"] = label
    if source is not None:
        data["policy_file"] = source.path
        data["policy_sha256"] = source.sha256
    return data


def differences_table(rows: list[dict[str, Any]], columns: list[Column], title: str) -> tuple[Table, list[dict[str, Any]]]:
    """Each policy after the first against the first, column by column (signed)."""
    first = rows[0]
    label = columns[0]
    diff_cols = [Column(label.key, f"{label.header} vs {first[label.key]}")]
    out_rows: list[dict[str, Any]] = [{label.key: r[label.key]} for r in rows[1:]]
    for col in columns[1:]:
        kinds = set()
        for row, out in zip(rows[1:], out_rows):
            out[col.key], kind = difference(first.get(col.key), row.get(col.key), col.kind)
            kinds.add(kind)
        kind = next(iter(kinds)) if len(kinds) == 1 else col.kind
        header = "Δ " + (col.header.replace("(%)", "(pts)").replace("(% calls)", "(pts)") if kind == "pts" else col.header)
        diff_cols.append(Column(col.key, header, kind, signed=True))
    return Table(title, diff_cols, out_rows), out_rows


def all_figures_table(rows: list[dict[str, Any]]) -> Table:
    """Metric rows x policy columns (+ a Δ column per later policy): every figure, whatever its name."""
    per_policy = [figures(r) for r in rows]
    keys = list(dict.fromkeys(k for f in per_policy for k in f))
    columns = [Column("metric", "Figure")]
    columns += [Column(f"p{i}", r["label"], "by_row") for i, r in enumerate(rows)]
    columns += [Column(f"d{i}", f"Δ {r['label']} vs {rows[0]['label']}", "by_row", signed=True)
                for i, r in enumerate(rows) if i]
    table_rows = []
    for key in keys:
        sample = next((f[key] for f in per_policy if f.get(key) is not None), None)
        kind = kind_of(key, sample)
        row: dict[str, Any] = {"metric": name_of(key), "key": key, "kind": kind, "kinds": {}}
        for i, f in enumerate(per_policy):
            row[f"p{i}"] = f.get(key)
            if i:
                row[f"d{i}"], row["kinds"][f"d{i}"] = difference(per_policy[0].get(key), f.get(key), kind)
        table_rows.append(row)
    return Table("All figures" + (f" (Δ against {rows[0]['label']})" if len(rows) > 1 else ""), columns, table_rows)


def across_policies(results: list[SimulationResult], labels: list[str], part: str, key: str, figure: str,
                    kind: Kind, title: str, header: str) -> Table:
    """One figure of a per-policy breakdown (tasks, models) side by side, with Δ against the first."""
    values = [{getattr(item, key): getattr(item, figure) for item in getattr(r, part)} for r in results]
    names = list(dict.fromkeys(n for v in values for n in v))
    columns = [Column("name", header)] + [Column(f"p{i}", label, kind) for i, label in enumerate(labels)]
    columns += [Column(f"d{i}", f"Δ {label}", "pts" if kind == "share" else kind, signed=True)
                for i, label in enumerate(labels) if i]
    rows = []
    for name in names:
        row: dict[str, Any] = {"name": name}
        for i, v in enumerate(values):
            row[f"p{i}"] = v.get(name)
            if i:
                row[f"d{i}"] = difference(values[0].get(name, 0), v.get(name, 0), kind)[0]
        rows.append(row)
    return Table(title, columns, rows)


def simulation_report(results: list[SimulationResult], period_label: str,
                      sources: list[PolicySource] | None = None) -> ChartedReport:
    labels = policy_labels(results, sources or [PolicySource(r.policy, "") for r in results])
    payload = [_json(r, label, sources[i] if sources else None) for i, (r, label) in enumerate(zip(results, labels))]
    rows = [{**asdict(r), "label": label} for r, label in zip(results, labels)]
    tables = [Table(f"Routing simulation — {period_label}", COMPARISON, rows)]
    diffs: list[dict[str, Any]] = []
    if len(results) > 1:
        table, diffs = differences_table(rows, COMPARISON, f"Difference against {labels[0]}")
        tables.append(table)
    tables.append(all_figures_table(payload))
    if len(results) > 1:
        tables.append(across_policies(results, labels, "tasks", "task", "cost_usd", "usd",
                                      f"Projected cost by task (USD), Δ against {labels[0]}", "Task"))
        tables.append(across_policies(results, labels, "models", "model", "calls", "int",
                                      f"Calls by model, Δ against {labels[0]}", "Model"))
    for r, label in zip(results, labels):
        tables.append(Table(f"Tier utilisation — {label}", TIERS, [asdict(t) for t in r.tiers]))
        tables.append(Table(f"Models — {label}", MODELS, [asdict(m) for m in r.models]))
        tables.append(Table(f"By task — {label}", TASKS, [asdict(t) for t in r.tasks]))
    tables.extend(quality_tables(results))
    notes = ["Projected cost includes the fixed monthly cost of self-hosted models, prorated to the period's days "
             "in each month they serve calls.",
             "Assumptions:"]
    notes += [f"  - {a}" for a in dict.fromkeys(a for r in results for a in r.assumptions)]
    warnings = list(dict.fromkeys(w for r in results for w in r.warnings))
    if warnings:
        notes.append("Warnings (policy values that match none of these calls, or a baseline that does not fit them):")
        notes += [f"  - {w}" for w in warnings]
    data: dict[str, Any] = payload[0] if len(results) == 1 else {"policies": payload, "differences": diffs}
    data["period"] = period_label
    charts = [
        Chart("Baseline and projected cost by policy (USD)", "bars", labels,
              {"Baseline": [float(r.baseline_cost_usd) for r in results],
               "Projected": [float(r.projected_cost_usd) for r in results]}, "usd"),
        Chart("Calls at risk by policy", "bars", labels,
              {"Quality risk": [r.quality_risk_calls for r in results],
               "Compliance violations": [r.compliance_violations for r in results],
               "Failed": [r.failed_calls for r in results]}, "int"),
        *sweep_charts(results),
    ]
    return ChartedReport(tables=tables, data=data, notes=notes, title=f"mmaudit simulate — {period_label}",
                         charts=charts)
