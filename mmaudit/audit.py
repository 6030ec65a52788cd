"""`mmaudit audit`: where the spend goes by task x complexity x model, and the headline finding.

Headline: the share of calls, and of spend, where a simple or moderate call was served by a
premium-tier model — the traffic a cheaper model could most likely have handled. The headline says
where each of those calls got its level (the team's own `tags['complexity']`, the categoriser's
model, its rules, or its fallback: logged without text, or no cue and no model, so from token
counts only) and, when the model levelled some, how often the bundled model's level matched an
independent author's (`categorise/measured.py`): the figure is only as good as the levels. Calls without a
task or complexity are shown as 'uncategorised' and counted in the headline; a call whose
complexity is unknown never counts as simple/moderate. Tiers come from `mmaudit.report.tiers` (policy file or observed price level).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from mmaudit.categorise.measured import load_measured
from mmaudit.categorise.sql import TAGGED_COMPLEXITY_SQL
from mmaudit.errors import InputError
from mmaudit.render import Column, Table, format_value
from mmaudit.render_html import Chart, ChartedReport
from mmaudit.report.build import period_data
from mmaudit.period import Period
from mmaudit.report.scope import Scope, fetch
from mmaudit.report.tiers import policy_keys, tier_source
from mmaudit.pricing.assumptions import assumptions_note, count_assumptions
from mmaudit.sampling import sampling_note
from mmaudit.store import has_column

SIMPLE_LEVELS = ("simple", "moderate")
PRICE_LEVEL_TIERS = ("budget", "standard", "premium", "unpriced")

_FLAG = "complexity IN ('simple', 'moderate') AND list_contains(?::VARCHAR[], tier)"
# Where a call's level came from, one answer per call: the team's own tags['complexity'] win, then
# the categoriser's model, its fallback (token counts only), else its rules' cues.
LEVEL_SOURCES = ("tags", "model", "rules", "fallback")
_LEVEL_SOURCE = f"""CASE WHEN {TAGGED_COMPLEXITY_SQL} IS NOT NULL THEN 'tags'
            WHEN t.category_source = 'model' THEN 'model'
            WHEN t.category_source = 'default' THEN 'fallback' ELSE 'rules' END"""
_BY_SOURCE = "".join(
    f"       count(*) FILTER (WHERE {_FLAG} AND level_source = '{name}') AS premium_simple_or_moderate_{name}_calls,\n"
    for name in LEVEL_SOURCES)

_BREAKDOWN_SQL = f"""
SELECT coalesce(task, 'uncategorised') AS task, coalesce(complexity, 'uncategorised') AS complexity,
       coalesce(model, '(none)') AS model, tier,
       count(*) AS calls,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       sum(cost_usd) AS cost_usd,
       bool_or({_FLAG}) AS premium_simple_or_moderate
FROM scoped GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST, calls DESC, task, complexity, model"""

_HEADLINE_SQL = f"""
SELECT count(*) AS calls,
       coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0) AS tokens,
       sum(cost_usd) AS cost_usd,
       -- calls with tokens but no price (unknown model, no rate for their tier or date): not in cost_usd
       count(*) FILTER (WHERE cost_usd IS NULL AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0)
           AS unpriced_calls,
       count(*) FILTER (WHERE {_FLAG}) AS premium_simple_or_moderate_calls,
       sum(cost_usd) FILTER (WHERE {_FLAG}) AS premium_simple_or_moderate_cost_usd,
{_BY_SOURCE}       count(*) FILTER (WHERE task IS NULL) AS uncategorised_calls,
       count(*) FILTER (WHERE task IS NULL AND list_contains(?::VARCHAR[], tier)) AS uncategorised_premium_calls
FROM (SELECT t.*, {_LEVEL_SOURCE} AS level_source FROM scoped AS t)"""


@dataclass
class AuditOptions:
    period: Period = field(default_factory=lambda: Period(None, None, "all"))
    tiers: dict[str, str] | None = None
    premium_tiers: tuple[str, ...] = ("premium",)


def check_premium_tiers(options: AuditOptions) -> None:
    """A premium tier name that no model can have would make the share silently 0: refuse it."""
    known = set(options.tiers.values()) if options.tiers is not None else set(PRICE_LEVEL_TIERS)
    unknown = [t for t in options.premium_tiers if t not in known]
    if unknown:
        raise InputError(f"--premium-tier {', '.join(unknown)}: not a tier (known: {', '.join(sorted(known))})")


def headline(con: duckdb.DuckDBPyConnection, scope: Scope, premium: list[str]) -> dict[str, Any]:
    row = fetch(con, *scope.sql(_HEADLINE_SQL, [premium] * _HEADLINE_SQL.count("?::VARCHAR[]")))[0]
    row["premium_simple_or_moderate_call_share"] = (
        row["premium_simple_or_moderate_calls"] / row["calls"] if row["calls"] else None)
    flagged, total = row["premium_simple_or_moderate_cost_usd"], row["cost_usd"]
    row["premium_simple_or_moderate_spend_share"] = (
        float(Decimal(flagged or 0) / Decimal(total)) if total else None)
    return row


_HEADLINE_LINES: list[tuple[str, str, Any]] = [
    ("calls", "Calls", "int"), ("tokens", "Tokens (input + output)", "int"), ("cost_usd", "Cost (USD)", "usd"),
    ("unpriced_calls", "  unpriced calls, not in the cost", "int"),
    ("premium_simple_or_moderate_calls", "Simple/moderate calls on premium", "int"),
    ("premium_simple_or_moderate_call_share", "  share of calls", "share"),
    ("premium_simple_or_moderate_cost_usd", "  their cost (USD)", "usd"),
    ("premium_simple_or_moderate_spend_share", "  share of spend", "share"),
    ("premium_simple_or_moderate_tags_calls", "  of them levelled by your tags", "int"),
    ("premium_simple_or_moderate_model_calls", "  of them levelled by the categoriser's model", "int"),
    ("premium_simple_or_moderate_rules_calls", "  of them levelled by its rules", "int"),
    ("premium_simple_or_moderate_fallback_calls", "  of them by the fallback (no text or cue)", "int"),
    ("uncategorised_calls", "Uncategorised calls", "int"),
    ("uncategorised_premium_calls", "  of them on premium", "int"),
]

BREAKDOWN_COLUMNS = [
    Column("task", "Task"), Column("complexity", "Complexity"), Column("model", "Model"), Column("tier", "Tier"),
    Column("calls", "Calls", "int"), Column("input_tokens", "Input tokens", "int"),
    Column("output_tokens", "Output tokens", "int"), Column("cost_usd", "Cost (USD)", "usd"),
]


def audit(con: duckdb.DuckDBPyConnection, options: AuditOptions) -> ChartedReport:
    """The breakdown table and the premium-for-simple headline for one period."""
    check_premium_tiers(options)
    scope = Scope(options.period.start, options.period.end, options.tiers, policy_keys(con, options.tiers),
                  has_column(con, "web_searches"))
    premium = list(options.premium_tiers)
    head = headline(con, scope, premium)
    rows = fetch(con, *scope.sql(_BREAKDOWN_SQL, [premium]))
    total = {"task": "Total", **{k: head[k] for k in ("calls", "cost_usd")},
             "input_tokens": sum(r["input_tokens"] for r in rows), "output_tokens": sum(r["output_tokens"] for r in rows)}
    beside = _model_beside(con)
    finding = _finding(head, premium, beside)
    assumed = count_assumptions(con, scope)
    assumed_note = assumptions_note(assumed)
    tables = [
        Table(f"Audit — {options.period.describe()}", [Column("kpi", "Finding"), Column("value", "Value", "by_row")],
              [{"kpi": label, "value": head.get(k), "kind": kind, "key": k} for k, label, kind in _HEADLINE_LINES],
              notes=[finding, *([assumed_note] if assumed_note else [])]),
        Table("Calls, tokens and cost by task x complexity x model", BREAKDOWN_COLUMNS, rows, total),
    ]
    quoted = head["premium_simple_or_moderate_model_calls"] and beside is None  # the finding quotes it
    data = {"period": period_data(options.period), "tier_rule": tier_source(options.tiers),
            "complexity_agreement": ({"model": "bundled", "sets": [s.__dict__ for s in load_measured().sets]}
                                     if quoted else None),
            "premium_tiers": premium, "simple_levels": list(SIMPLE_LEVELS), "headline": head,
            "finding": finding, "pricing_assumptions": assumed, "breakdown": rows, "total": total}
    chart = Chart("Spend by task and complexity (USD)", "stacked_columns", *_task_series(rows), unit="usd")
    notes = [tier_source(options.tiers), *filter(None, [sampling_note(con)])]
    return ChartedReport(tables=tables, data=data, notes=notes,
                         title=f"mmaudit audit — {options.period.describe()}", charts=[chart])


def _model_beside(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The categoriser model trained or adapted beside this database, which ingest used instead of the bundled one."""
    from mmaudit.categorise.model import model_path_for

    rows = con.sql("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    path = model_path_for(Path(rows[0][0])) if rows and rows[0][0] else None
    return path if path is not None and path.exists() else None


def _levels_note(model_beside: Path | None) -> str:
    if model_beside is not None:
        return (f"Levels: a categoriser model beside the database ({model_beside.name}, trained or adapted there) "
                "decides the calls ingested or re-categorised since it was written; measure it on labelled calls "
                f"with `mmaudit categorize eval LABELLED.jsonl --model-file {model_beside}`")
    return f"Levels: {load_measured().sentence()}"


def _finding(head: dict[str, Any], premium: list[str], model_beside: Path | None = None) -> str:
    share = format_value(head["premium_simple_or_moderate_call_share"], "share")
    spend = format_value(head["premium_simple_or_moderate_spend_share"], "share")
    cost = format_value(head["premium_simple_or_moderate_cost_usd"], "usd")
    text = (f"{share} of calls and {spend} of spend ({cost}) were simple or moderate calls served by a "
            f"{'/'.join(premium)}-tier model")
    fallback = head["premium_simple_or_moderate_fallback_calls"]
    if fallback:
        text += (f"; {format_value(fallback, 'int')} of those rest on the categoriser's fallback alone"
                 " (no text to read, or no cue and no model): their level comes from token counts")
    if head["premium_simple_or_moderate_model_calls"]:
        text += f". {_levels_note(model_beside)}"
    return text


def _task_series(rows: list[dict[str, Any]]) -> tuple[list[str], dict[str, list[float]]]:
    """Cost per task, stacked by complexity (a regrouping of the breakdown rows for the chart)."""
    tasks = sorted({r["task"] for r in rows})
    levels = sorted({r["complexity"] for r in rows})
    cost: dict[tuple[str, str], float] = {}
    for r in rows:
        cost[(r["task"], r["complexity"])] = cost.get((r["task"], r["complexity"]), 0.0) + float(r["cost_usd"] or 0)
    return tasks, {lvl: [cost.get((t, lvl), 0.0) for t in tasks] for lvl in levels}
