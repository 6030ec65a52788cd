"""Spend and volume: calls, tokens and cost by any `--by` dimensions, and vs the previous period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from mmaudit.render import Column, Table
from mmaudit.report.scope import Dimension, Scope, fetch, name_dims, select_dims
from mmaudit.report.section import Section, dim_columns, total_label

MEASURES_SQL = """count(*) AS calls,
       count(*) FILTER (WHERE status = 'ok') AS successful_calls,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       sum(cost_usd) AS cost_usd"""

MEASURE_COLUMNS = [
    Column("calls", "Calls", "int"),
    Column("successful_calls", "Successful calls", "int"),
    Column("input_tokens", "Input tokens", "int"),
    Column("cached_input_tokens", "Cached input tokens", "int"),
    Column("output_tokens", "Output tokens", "int"),
    Column("cost_usd", "Cost (USD)", "usd"),
]

CHANGE_COLUMNS = [
    Column("calls", "Calls", "int"),
    Column("previous_calls", "Previous calls", "int"),
    Column("calls_change_pct", "Δ calls (%)", "pct"),
    Column("cost_usd", "Cost (USD)", "usd"),
    Column("previous_cost_usd", "Previous cost (USD)", "usd"),
    Column("cost_change_usd", "Δ cost (USD)", "usd"),
    Column("cost_change_pct", "Δ cost (%)", "pct"),
]


def aggregate(con: duckdb.DuckDBPyConnection, scope: Scope, dims: list[Dimension],
              time_first: bool = False) -> list[dict[str, Any]]:
    """Calls, tokens and cost per combination of `dims` (one row, the totals, when `dims` is empty)."""
    select, params = select_dims(dims)
    order = "dim0, " if time_first and dims else ""
    body = f"SELECT {select}{MEASURES_SQL} FROM scoped GROUP BY ALL ORDER BY {order}cost_usd DESC NULLS LAST, calls DESC"
    if dims:
        body += ", " + ", ".join(f"dim{i}" for i in range(len(dims)))
    return name_dims(fetch(con, *scope.sql(body, params)), dims)


def spend_section(con: duckdb.DuckDBPyConnection, scope: Scope, dims: list[Dimension],
                  bucket: Dimension | None = None) -> Section:
    """The spend table by `--by` (and `--every` bucket first), with its Total row."""
    all_dims = [bucket, *dims] if bucket else dims
    rows = aggregate(con, scope, all_dims, time_first=bucket is not None)
    total = aggregate(con, scope, [])[0]
    title = "Spend and volume" + (f" by {', '.join(d.header.lower() for d in all_dims)}" if all_dims else "")
    # undated calls have no bucket: a blank label read as another row of the week above (JSON: null)
    shown = [{**r, bucket.key: "(undated)"} if bucket and r.get(bucket.key) is None else r for r in rows]
    table = Table(title, [*dim_columns(all_dims), *MEASURE_COLUMNS], shown if all_dims else [],
                  {**total_label(all_dims), **total} if all_dims else {**total})
    data = {"by": [d.key for d in dims], "every": bucket.key if bucket else None, "rows": rows, "total": total}
    return Section("spend", data, [table])


# A change of cost is unknown when a period's cost is: it holds calls with tokens and none of them
# has a price (its cost is not $0, so neither is the change: it read -100% when this month's
# model was unpriced). Where some calls are priced, the change covers those (the note says so).
_CHANGE_SQL = """
SELECT * EXCLUDE (unknown_cost),
       CASE WHEN NOT unknown_cost THEN coalesce(cost_usd, 0) - coalesce(previous_cost_usd, 0) END AS cost_change_usd,
       CASE WHEN previous_cost_usd > 0 AND NOT unknown_cost
            THEN 100 * CAST(coalesce(cost_usd, 0) - previous_cost_usd AS DOUBLE) / CAST(previous_cost_usd AS DOUBLE)
       END AS cost_change_pct,
       calls - previous_calls AS calls_change,
       CASE WHEN previous_calls > 0 THEN 100.0 * (calls - previous_calls) / previous_calls END AS calls_change_pct
FROM (
    SELECT {select}
           count(*) FILTER (WHERE ts >= ?) AS calls,
           count(*) FILTER (WHERE ts < ?) AS previous_calls,
           sum(cost_usd) FILTER (WHERE ts >= ?) AS cost_usd,
           sum(cost_usd) FILTER (WHERE ts < ?) AS previous_cost_usd,
           count(*) FILTER (WHERE cost_usd IS NULL AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0)
               AS unpriced_calls,
           (sum(cost_usd) FILTER (WHERE ts >= ?) IS NULL
                AND count(*) FILTER (WHERE ts >= ? AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0) > 0)
           OR (sum(cost_usd) FILTER (WHERE ts < ?) IS NULL
                AND count(*) FILTER (WHERE ts < ? AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0) > 0)
               AS unknown_cost
    FROM scoped GROUP BY ALL
)
ORDER BY coalesce(cost_usd, previous_cost_usd) DESC NULLS LAST, calls DESC"""


def change(con: duckdb.DuckDBPyConnection, scope: Scope, current_start: datetime,
           dims: list[Dimension]) -> list[dict[str, Any]]:
    """Current vs previous period per `dims`: `scope` spans both, `current_start` splits them."""
    select, params = select_dims(dims)
    sql, all_params = scope.sql(_CHANGE_SQL.format(select=select), [*params, *[current_start] * 8])
    return name_dims(fetch(con, sql, all_params), dims)


def compare_section(con: duckdb.DuckDBPyConnection, scope: Scope, current_start: datetime,
                    dims: list[Dimension], previous_label: str) -> Section:
    """Absolute and % change of calls and cost against the previous period of the same length."""
    rows = change(con, scope, current_start, dims)
    total = change(con, scope, current_start, [])[0]
    notes = [f"{total['unpriced_calls']:,} call(s) in the two periods have tokens and no price: the changes of cost "
             "cover priced calls only, and where a period's calls are all unpriced the change is unknown (—), not a "
             "fall to $0."] if total["unpriced_calls"] else []
    table = Table(f"Change vs {previous_label}", [*dim_columns(dims), *CHANGE_COLUMNS],
                  rows if dims else [], {**total_label(dims), **total}, notes)
    data = {"previous_period": previous_label, "rows": rows, "total": total}
    return Section("compare_previous", data, [table])
