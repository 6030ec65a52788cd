"""`mmaudit calls`: a first look at what is stored — calls, tokens, errors and cost per model."""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.pricing.assumptions import assumptions_note, count_assumptions
from mmaudit.render import Column, Report, Table
from mmaudit.report.scope import Scope
from mmaudit.sampling import sampling_note
from mmaudit.store import fetch_dicts, has_column

# A failed call that used no tokens: nothing was billed, so no price is missing (not "unpriced").
TOKENLESS_ERROR = "(status = 'error' AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) = 0)"

_SUMMARY_SQL = f"""
SELECT provider, coalesce(model, '(none logged)') AS model,
       count(*) AS calls,
       count(*) FILTER (WHERE status = 'error') AS errors,
       count(*) FILTER (WHERE error_type = 'rate_limit') AS rate_limited,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       sum(cost_usd) AS cost_usd,
       count(*) FILTER (WHERE cost_usd IS NULL AND NOT {TOKENLESS_ERROR}) AS unpriced_calls
FROM calls
GROUP BY ALL
ORDER BY cost_usd DESC NULLS LAST, calls DESC, provider, model
"""

COLUMNS = [
    Column("provider", "Provider"),
    Column("model", "Model"),
    Column("calls", "Calls", "int"),
    Column("errors", "Errors", "int"),
    Column("rate_limited", "Rate-limited calls (429)", "int"),
    Column("input_tokens", "Input tokens", "int"),
    Column("cached_input_tokens", "Cached input tokens", "int"),
    Column("output_tokens", "Output tokens", "int"),
    Column("cost_usd", "Cost (USD)", "usd"),
    Column("unpriced_calls", "Unpriced calls", "int"),
]


def usage_summary(con: duckdb.DuckDBPyConnection) -> Report:
    """Calls, errors, tokens and cost per provider and model, with a total row."""
    rows = fetch_dicts(con, _SUMMARY_SQL)
    total: dict[str, Any] = {"provider": "Total", "model": ""}
    for col in COLUMNS[2:]:
        values = [r[col.key] for r in rows if r[col.key] is not None]
        total[col.key] = sum(values) if values else None
    period = con.execute("SELECT min(ts), max(ts), count(*) FILTER (WHERE ts IS NULL) FROM calls").fetchall()[0]
    notes = []
    if period[0] is not None:
        notes.append(f"Period: {period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d} (UTC)")
    if period[2]:
        notes.append(f"{period[2]:,} call(s) carry no timestamp")
    if total["unpriced_calls"]:
        notes.append(f"{total['unpriced_calls']:,} call(s) have no price: see `mmaudit prices unknown`")
    # the first table a reviewer reads says, as report and audit do, which costs rest on an assumption
    assumed = count_assumptions(con, Scope(searches=has_column(con, "web_searches")))
    if note := assumptions_note(assumed):
        notes.append(note)
    if sampled := sampling_note(con):
        notes.append(sampled)
    table = Table("Usage by model", COLUMNS, rows, total, notes)
    data = {"models": rows, "total": {k: v for k, v in total.items() if k not in ("provider", "model")},
            "period_start": period[0], "period_end": period[1], "undated_calls": period[2],
            "pricing_assumptions": assumed}
    return Report([table], data)
