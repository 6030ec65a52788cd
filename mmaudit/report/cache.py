"""Cache savings: what cached input tokens saved against the full input price.

With the pricing module's tables registered (what `report` does), each call that read from a
cache is priced twice by the pricing engine: as it was billed, and as if its cached tokens had
been read uncached; the saving is the difference. So it is the call's own rates that count — a
long request's long-context rates, a batch call's batch rates, a flex call's flex rates, the
time-of-day segment of an off-peak priced model — where one standard input-minus-cached rate per
model got a Gemini long-context or an o3 flex call wrong by 2x.

With another `price_rates` table on the connection (rates USD per token, columns
`input_per_token`/`cached_input_per_token` or `input_rate`/`cached_input_rate`, and when it has
`valid_from`/`valid_to` the rate in force at the call's time), the saving per call is
cached_input_tokens x (input rate - cached input rate). Without one only the cached token count
is reported, and the section says so.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.pricing.apply import _columns, priced_calls_sql, resolve_models
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


def _billed_savings(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[dict[str, Any]]:
    """Per model key: cached tokens, and what each call would have cost more with them uncached,
    both costs from the pricing engine at the call's own rates (module docstring)."""
    sql, params = scope.sql("SELECT * EXCLUDE (ts_utc, tier) FROM scoped WHERE coalesce(cached_input_tokens, 0) > 0")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cache_billed AS {sql}", params)
    con.execute("CREATE OR REPLACE TEMP TABLE _cache_uncached AS SELECT * REPLACE (0 AS cached_input_tokens) FROM _cache_billed")
    cols = _columns(con, "_cache_billed")
    # the two tables hold the same models: resolved once (model_resolution is keyed by model, not table)
    resolve_models(con, "_cache_billed", other_models="other_models_cost_usd" in cols)
    costs = [f"(SELECT c.call_id, p.model_key, p.cost FROM ({priced_calls_sql(table, cols)}) p "
             f"JOIN {table} c ON c.rowid = p.rid)" for table in ("_cache_billed", "_cache_uncached")]
    try:
        return fetch(con, f"""
            SELECT coalesce(b.model_key, '(unpriced)') AS model_key, sum(c.cached_input_tokens) AS cached_input_tokens,
                   CAST(sum(u.cost - b.cost) AS DECIMAL(38, 12)) AS cache_savings_usd
            FROM _cache_billed c JOIN {costs[0]} b USING (call_id) JOIN {costs[1]} u USING (call_id)
            GROUP BY ALL ORDER BY cache_savings_usd DESC NULLS LAST, cached_input_tokens DESC""", [])
    finally:
        con.execute("DROP TABLE IF EXISTS _cache_billed")
        con.execute("DROP TABLE IF EXISTS _cache_uncached")


def cache_section(con: duckdb.DuckDBPyConnection, scope: Scope) -> Section:
    cols = _price_rates_columns(con)
    rates = rate_columns(con, cols)
    billed = rates is not None and _has_flags(cols) and _registered(con)
    if billed:
        rows = _billed_savings(con, scope)
    else:
        sql = _savings_sql(rates[0], rates[1], _window_sql(rates[2], _has_flags(cols))) if rates else _TOKENS_ONLY_SQL
        rows = fetch(con, *scope.sql(sql))
    total_tokens = sum(r["cached_input_tokens"] for r in rows)
    savings = [r["cache_savings_usd"] for r in rows if r["cache_savings_usd"] is not None]
    total: dict[str, Any] = {"model_key": "Total", "cached_input_tokens": total_tokens,
                             "cache_savings_usd": sum(savings) if savings else None}
    note = ("Savings = what each call's cached tokens would have cost uncached, at the rates the call was billed at "
            "(long context, batch, service tier, time of day)" if billed else
            "Savings = cached input tokens x (input rate - cached input rate) from price_rates" if rates else
            "No price_rates table on this connection: cached tokens only, savings not computed")
    table = Table("Prompt cache", [Column("model_key", "Model key"), Column("cached_input_tokens", "Cached input tokens", "int"),
                                   Column("cache_savings_usd", "Saved (USD)", "usd")], rows, total, notes=[note])
    data = {"savings_computed": rates is not None, "rule": note, "by_model_key": rows,
            "cached_input_tokens": total_tokens, "cache_savings_usd": total["cache_savings_usd"]}
    return Section("cache", data, [table])


def _registered(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the pricing module's tables (every service tier's rates, fine-tune rates) are on `con`."""
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name IN "
                       "('price_rates_all', 'price_rates_ft')").fetchall()[0][0] == 2


def _has_flags(cols: set[str]) -> bool:
    """True when `price_rates` is the pricing module's (edge flags and time-of-day segments)."""
    return {"is_earliest", "is_latest", "tod_from", "tod_to", "tod_days"} <= cols
