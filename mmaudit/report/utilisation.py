"""Model utilisation: each model's and each tier's share of calls, tokens and spend."""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.render import Column, Table
from mmaudit.render_html import Chart
from mmaudit.report.scope import Scope, fetch
from mmaudit.report.section import Section
from mmaudit.report.tiers import tier_source

_SHARES_SQL = """
SELECT {keys},
       count(*) AS calls,
       coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0) AS tokens,
       sum(cost_usd) AS cost_usd,
       count(*) / sum(count(*)) OVER () AS call_share,
       CAST(coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0) AS DOUBLE)
           / nullif(sum(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))) OVER (), 0) AS token_share,
       CAST(sum(cost_usd) AS DOUBLE) / nullif(CAST(sum(sum(cost_usd)) OVER () AS DOUBLE), 0) AS spend_share
FROM scoped GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST, calls DESC, {order}"""

_SHARE_COLUMNS = [
    Column("calls", "Calls", "int"), Column("call_share", "% calls", "share"),
    Column("tokens", "Tokens", "int"), Column("token_share", "% tokens", "share"),
    Column("cost_usd", "Cost (USD)", "usd"), Column("spend_share", "% spend", "share"),
]

TIER_ORDER = ("budget", "standard", "premium", "unassigned", "unpriced")  # cheapest at the bottom of a stack

_MONTHLY_TIER_SQL = """
SELECT strftime(ts_utc, '%Y-%m') AS month, tier, sum(cost_usd) AS cost_usd
FROM scoped WHERE ts IS NOT NULL GROUP BY ALL ORDER BY month, tier"""


_GROUPS = {"model": ("coalesce(model, '(none)') AS model, tier", "model, tier"), "tier": ("tier", "tier")}


def shares(con: duckdb.DuckDBPyConnection, scope: Scope, group: str) -> list[dict[str, Any]]:
    """Shares per model or per tier (fixed SQL from _GROUPS, never user text)."""
    keys, order = _GROUPS[group]
    return fetch(con, *scope.sql(_SHARES_SQL.format(keys=keys, order=order)))


def utilisation_section(con: duckdb.DuckDBPyConnection, scope: Scope) -> Section:
    by_model = shares(con, scope, "model")
    by_tier = shares(con, scope, "tier")
    monthly = fetch(con, *scope.sql(_MONTHLY_TIER_SQL))
    tables = [
        Table("Utilisation by tier", [Column("tier", "Tier"), *_SHARE_COLUMNS], by_tier, notes=[tier_source(scope.tiers)]),
        Table("Utilisation by model", [Column("model", "Model"), Column("tier", "Tier"), *_SHARE_COLUMNS], by_model),
    ]
    data = {"tier_rule": tier_source(scope.tiers), "by_tier": by_tier, "by_model": by_model,
            "spend_by_month_and_tier": monthly}
    return Section("utilisation", data, tables, charts=[_monthly_chart(monthly), _share_chart(by_tier)])


def _monthly_chart(monthly: list[dict[str, Any]]) -> Chart:
    months = sorted({r["month"] for r in monthly})
    tiers = sorted({r["tier"] for r in monthly}, key=lambda t: (TIER_ORDER.index(t) if t in TIER_ORDER else 0, t))
    cost = {(r["month"], r["tier"]): float(r["cost_usd"] or 0) for r in monthly}
    series = {t: [cost.get((m, t), 0.0) for m in months] for t in tiers}
    return Chart("Spend per month by tier (USD)", "stacked_columns", months, series, "usd")


def _share_chart(by_tier: list[dict[str, Any]]) -> Chart:
    series = {label: [r[key] or 0.0 for r in by_tier]
              for key, label in (("call_share", "calls"), ("token_share", "tokens"), ("spend_share", "spend"))}
    return Chart("Utilisation share by tier", "bars", [r["tier"] for r in by_tier], series, "share")
