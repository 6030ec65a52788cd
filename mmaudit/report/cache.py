"""Cache savings: what cached input tokens saved against the full input price.

The saving per call is cached_input_tokens x (input rate - cached input rate) of the call's
model_key. Rates cannot be inferred from logged totals, so they come from a `price_rates` table
on the connection (the pricing module registers one; rates are USD per token, columns
`input_per_token`/`cached_input_per_token` or `input_rate`/`cached_input_rate`, and when the
table has `valid_from`/`valid_to` the rate in force at the call's time is used). Without such a
table only the cached token count is reported, and the section says so.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.pricing.sql import rate_window_sql
from mmaudit.render import Column, Table
from mmaudit.report.scope import Scope, fetch
from mmaudit.report.section import Section

_RATE_NAMES = (("input_per_token", "cached_input_per_token"), ("input_rate", "cached_input_rate"))


def _price_rates_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'price_rates'").fetchall()}


def rate_columns(con: duckdb.DuckDBPyConnection, cols: set[str] | None = None) -> tuple[str, str, bool] | None:
    """(input column, cached column, has validity window) of a usable `price_rates`, else None."""
    cols = _price_rates_columns(con) if cols is None else cols
    if "model_key" not in cols:
        return None
    for full, cached in _RATE_NAMES:
        if full in cols and cached in cols:
            return full, cached, {"valid_from", "valid_to"} <= cols
    return None


def _window_sql(windowed: bool, flags: bool) -> str:
    """The rate in force at the call's time. With the pricing module's table, its own rule
    (`rate_window_sql`): the earliest/latest at the edges, and of an off-peak priced model
    (DeepSeek) the one time-of-day segment the call fell in, so a call joins one row, not each
    segment's (which counted its cached tokens once per segment)."""
    if not windowed:
        return ""
    if not flags:
        return "AND s.ts >= r.valid_from AND (r.valid_to IS NULL OR s.ts < r.valid_to)"
    return "AND " + rate_window_sql("r", "s.ts")


def _savings_sql(full: str, cached: str, window: str) -> str:
    # full/cached are picked from _RATE_NAMES above: fixed identifiers, not user text.
    return f"""
SELECT coalesce(s.model_key, '(unpriced)') AS model_key,
       coalesce(sum(s.cached_input_tokens), 0) AS cached_input_tokens,
       CAST(sum(s.cached_input_tokens * (r.{full} - coalesce(r.{cached}, r.{full}))) AS DECIMAL(38, 12)) AS cache_savings_usd
FROM scoped s LEFT JOIN price_rates r ON r.model_key = s.model_key {window}
WHERE coalesce(s.cached_input_tokens, 0) > 0
GROUP BY ALL ORDER BY cache_savings_usd DESC NULLS LAST, cached_input_tokens DESC"""


_TOKENS_ONLY_SQL = """
SELECT coalesce(model_key, coalesce(model, '(none)')) AS model_key,
       coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens, NULL AS cache_savings_usd
FROM scoped WHERE coalesce(cached_input_tokens, 0) > 0
GROUP BY ALL ORDER BY cached_input_tokens DESC"""


def cache_section(con: duckdb.DuckDBPyConnection, scope: Scope) -> Section:
    cols = _price_rates_columns(con)
    rates = rate_columns(con, cols)
    sql = _savings_sql(rates[0], rates[1], _window_sql(rates[2], _has_flags(cols))) if rates else _TOKENS_ONLY_SQL
    rows = fetch(con, *scope.sql(sql))
    total_tokens = sum(r["cached_input_tokens"] for r in rows)
    savings = [r["cache_savings_usd"] for r in rows if r["cache_savings_usd"] is not None]
    total: dict[str, Any] = {"model_key": "Total", "cached_input_tokens": total_tokens,
                             "cache_savings_usd": sum(savings) if savings else None}
    note = ("Savings = cached input tokens x (input rate - cached input rate) from price_rates" if rates else
            "No price_rates table on this connection: cached tokens only, savings not computed")
    table = Table("Prompt cache", [Column("model_key", "Model key"), Column("cached_input_tokens", "Cached input tokens", "int"),
                                   Column("cache_savings_usd", "Saved (USD)", "usd")], rows, total, notes=[note])
    data = {"savings_computed": rates is not None, "rule": note, "by_model_key": rows,
            "cached_input_tokens": total_tokens, "cache_savings_usd": total["cache_savings_usd"]}
    return Section("cache", data, [table])


def _has_flags(cols: set[str]) -> bool:
    """True when `price_rates` is the pricing module's (edge flags and time-of-day segments)."""
    return {"is_earliest", "is_latest", "tod_from", "tod_to", "tod_days"} <= cols
