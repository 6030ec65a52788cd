"""Headline KPIs: cost per successful response, latency by task, error and 429 rates, unpriced calls.

Cost per successful response divides the cost of ALL calls (failed ones included: a retried
failure is still paid when it had tokens) by the number of successful calls, because that is what
one useful answer really costs.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.pricing.assumptions import assumptions_note, count_assumptions
from mmaudit.render import Column, Table
from mmaudit.render_html import Chart
from mmaudit.report.scope import Scope, fetch
from mmaudit.report.section import Section, per

_SUMMARY_SQL = """
SELECT count(*) AS calls,
       count(*) FILTER (WHERE status = 'ok') AS successful_calls,
       count(*) FILTER (WHERE status <> 'ok') AS failed_calls,
       count(*) FILTER (WHERE error_type = 'rate_limit' OR http_status = 429) AS rate_limited_calls,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       sum(cost_usd) AS cost_usd,
       count(*) FILTER (WHERE cost_usd IS NULL AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0) AS unpriced_calls,
       coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))
                FILTER (WHERE cost_usd IS NULL), 0) AS unpriced_tokens,
       count(*) FILTER (WHERE ts IS NULL) AS undated_calls,
       min(ts) AS first_call, max(ts) AS last_call
FROM scoped"""

_TASK_SQL = """
SELECT coalesce(task, 'uncategorised') AS task,
       count(*) AS calls,
       count(*) FILTER (WHERE status = 'ok') AS successful_calls,
       sum(cost_usd) AS cost_usd,
       quantile_cont(latency_ms, 0.5) FILTER (WHERE status = 'ok') AS p50_latency_ms,
       quantile_cont(latency_ms, 0.95) FILTER (WHERE status = 'ok') AS p95_latency_ms
FROM scoped GROUP BY ALL ORDER BY calls DESC, task"""

_ERRORS_SQL = """
SELECT coalesce(provider, '(none)') AS provider, coalesce(model, '(none)') AS model,
       count(*) AS calls,
       count(*) FILTER (WHERE status <> 'ok') AS errors,
       count(*) FILTER (WHERE status <> 'ok') / count(*) AS error_rate,
       count(*) FILTER (WHERE error_type = 'rate_limit' OR http_status = 429) AS rate_limited_calls,
       count(*) FILTER (WHERE error_type = 'rate_limit' OR http_status = 429) / count(*) AS rate_limit_rate
FROM scoped GROUP BY ALL ORDER BY errors DESC, calls DESC, provider, model"""

_ERRORS_BY_PROVIDER_SQL = """
SELECT coalesce(provider, '(none)') AS provider, '' AS model, count(*) AS calls,
       count(*) FILTER (WHERE status <> 'ok') AS errors,
       count(*) FILTER (WHERE status <> 'ok') / count(*) AS error_rate,
       count(*) FILTER (WHERE error_type = 'rate_limit' OR http_status = 429) AS rate_limited_calls,
       count(*) FILTER (WHERE error_type = 'rate_limit' OR http_status = 429) / count(*) AS rate_limit_rate
FROM scoped GROUP BY ALL ORDER BY errors DESC, calls DESC, provider"""


def summary(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, Any]:
    """One dict of period-wide figures, with cost per successful response and the rates."""
    row = fetch(con, *scope.sql(_SUMMARY_SQL))[0]
    calls = row["calls"]
    row["cost_per_successful_response_usd"] = per(row["cost_usd"], row["successful_calls"])
    row["error_rate"] = row["failed_calls"] / calls if calls else None
    row["rate_limit_rate"] = row["rate_limited_calls"] / calls if calls else None
    return row


_SUMMARY_LINES: list[tuple[str, str, Any]] = [
    ("calls", "Calls", "int"), ("successful_calls", "Successful calls", "int"),
    ("failed_calls", "Failed calls", "int"), ("rate_limited_calls", "Rate-limited calls (429)", "int"),
    ("error_rate", "Error rate", "share"),
    ("rate_limit_rate", "429 rate", "share"), ("cost_usd", "Cost (USD)", "usd"),
    ("cost_per_successful_response_usd", "Cost per successful response", "usd"),
    ("input_tokens", "Input tokens", "int"), ("cached_input_tokens", "Cached input tokens", "int"),
    ("output_tokens", "Output tokens", "int"), ("unpriced_calls", "Unpriced calls (had tokens)", "int"),
    ("unpriced_tokens", "Unpriced tokens", "int"),
]


def summary_table(row: dict[str, Any], title: str) -> Table:
    """KPI / value pairs: one column mixes units, so each row names its kind (CSV keeps numbers)."""
    rows = [{"kpi": label, "value": row.get(key), "kind": kind, "key": key} for key, label, kind in _SUMMARY_LINES]
    return Table(title, [Column("kpi", "KPI"), Column("value", "Value", "by_row")], rows)


def summary_section(con: duckdb.DuckDBPyConnection, scope: Scope, title: str) -> Section:
    row = summary(con, scope)
    notes = []
    if row["unpriced_calls"]:
        notes.append(f"{row['unpriced_calls']:,} call(s) with {row['unpriced_tokens']:,} tokens have no price: "
                     "costs above exclude them (they are not $0)")
    else:
        notes.append("Unpriced calls: 0 (every call with tokens has a price)")
    row["pricing_assumptions"] = count_assumptions(con, scope)
    assumed = assumptions_note(row["pricing_assumptions"])
    if assumed:
        notes.append(assumed)
    table = summary_table(row, title)
    table.notes = notes
    return Section("summary", row, [table], notes=[])


TASK_COLUMNS = [
    Column("task", "Task"), Column("calls", "Calls", "int"), Column("successful_calls", "Successful calls", "int"),
    Column("cost_usd", "Cost (USD)", "usd"), Column("cost_per_successful_response_usd", "Cost per successful response (USD)", "usd"),
    Column("p50_latency_ms", "P50 latency (ms)", "ms"), Column("p95_latency_ms", "P95 latency (ms)", "ms"),
]


def by_task_section(con: duckdb.DuckDBPyConnection, scope: Scope) -> Section:
    """Cost per successful response and P50/P95 latency of successful calls, per task."""
    rows = fetch(con, *scope.sql(_TASK_SQL))
    for row in rows:
        row["cost_per_successful_response_usd"] = per(row["cost_usd"], row["successful_calls"])
    table = Table("Cost and latency by task", TASK_COLUMNS, rows,
                  notes=["Latency percentiles over successful calls (quantile_cont); cost per successful response = cost of all calls / successful calls"])
    timed = [r for r in rows if r["p95_latency_ms"] is not None]
    chart = Chart("P95 latency by task (successful calls)", "bars", [r["task"] for r in timed],
                  {"P95": [r["p95_latency_ms"] for r in timed]}, "ms")
    return Section("tasks", rows, [table], charts=[chart])


ERROR_COLUMNS = [
    Column("provider", "Provider"), Column("model", "Model"), Column("calls", "Calls", "int"),
    Column("errors", "Errors", "int"), Column("error_rate", "Error rate (% calls)", "share"),
    Column("rate_limited_calls", "Rate-limited calls (429)", "int"), Column("rate_limit_rate", "429 rate (% calls)", "share"),
]


def errors_section(con: duckdb.DuckDBPyConnection, scope: Scope) -> Section:
    """Error and 429 rates per provider, and per provider and model."""
    by_provider = fetch(con, *scope.sql(_ERRORS_BY_PROVIDER_SQL))
    by_model = fetch(con, *scope.sql(_ERRORS_SQL))
    tables = [Table("Errors by provider", [c for c in ERROR_COLUMNS if c.key != "model"], by_provider),
              Table("Errors by model", ERROR_COLUMNS, by_model)]
    data = {"by_provider": [{k: v for k, v in r.items() if k != "model"} for r in by_provider], "by_model": by_model}
    return Section("errors", data, tables)
