"""Questions about the prices of stored calls: unpriced models, logged vs calculated cost, and
self-hosted models' fixed costs."""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.pricing.resolve import DISTILL, SELF_HOSTED_PROVIDERS
from mmaudit.pricing.sql import MONEY, check_ident
from mmaudit.store import fetch_dicts


def unknown_reason_sql(provider: str, model: str) -> str:
    """SQL: why a call's model has no price, and what would give it one. A call on the team's own
    hardware takes no cloud rate (a registry entry is the user's statement of its cost); a
    DeepSeek-R1 distill is not R1 (pricing/resolve.py)."""
    own = ", ".join("'" + p.replace("-", "_") + "'" for p in SELF_HOSTED_PROVIDERS)
    return (f"CASE WHEN {model} IS NULL THEN 'the log names no model' "
            f"WHEN replace(lower(trim({provider})), '-', '_') IN ({own}) "
            "THEN 'ran on your own server (provider self-hosted): no cloud rate applies; add it to your model registry "
            "as a self-hosted entry (tier: self-hosted, fixed_monthly_usd, aliases: [this id])' "
            f"WHEN lower(trim({provider})) = 'ollama-cloud' "
            "THEN 'ran on Ollama''s cloud (ollama.com), sold by plan, not per token: add a price table for it if you "
            "want a per-call cost' "
            f"WHEN regexp_matches(lower({model}), '{DISTILL}') "
            "THEN 'a DeepSeek-R1 distill (a far smaller Qwen or Llama model), not DeepSeek''s R1: the host that served it "
            "lists no price for it; add a price table for it, or a self-hosted registry entry if you serve it' "
            "ELSE 'no price table or alias names it' END")


def unknown_models(con: duckdb.DuckDBPyConnection, table: str = "calls") -> list[dict[str, Any]]:
    """Logged models with no price (model_key NULL): how many calls and tokens they carry, and why."""
    t = check_ident(table)
    return fetch_dicts(con, f"""
        SELECT coalesce(model, '(none)') AS model, {unknown_reason_sql('provider', 'model')} AS reason, count(*) AS calls,
               coalesce(sum(input_tokens), 0) AS input_tokens,
               coalesce(sum(output_tokens), 0) AS output_tokens,
               min(ts) AS first_seen, max(ts) AS last_seen
        FROM {t} WHERE model_key IS NULL GROUP BY 1, 2 ORDER BY calls DESC, model""")


def reconcile(con: duckdb.DuckDBPyConnection, tolerance: float = 0.05, table: str = "calls") -> list[dict[str, Any]]:
    """Compare logged and calculated cost per model where both exist.

    A call mismatches when |calculated - logged| > tolerance * |logged| (and > $0.000001, so
    rounding in the log does not count). The ratio is a DOUBLE: it is a rate, not money.
    """
    t = check_ident(table)
    return fetch_dicts(con, f"""
        SELECT model, model_key, count(*) AS calls,
               sum(logged_cost_usd) AS logged_usd, sum(cost_usd) AS calculated_usd,
               sum(cost_usd) - sum(logged_cost_usd) AS diff_usd,
               CASE WHEN sum(logged_cost_usd) <> 0
                    THEN CAST(sum(cost_usd) - sum(logged_cost_usd) AS DOUBLE)
                         / CAST(sum(logged_cost_usd) AS DOUBLE) END AS rel_diff,
               count(*) FILTER (WHERE abs(cost_usd - logged_cost_usd) > 0.000001
                   AND CAST(abs(cost_usd - logged_cost_usd) AS DOUBLE)
                       > ? * CAST(abs(logged_cost_usd) AS DOUBLE)) AS mismatched_calls
        FROM {t} WHERE logged_cost_usd IS NOT NULL AND cost_usd IS NOT NULL
        GROUP BY ALL ORDER BY mismatched_calls DESC, abs(diff_usd) DESC""", [tolerance])


def uncompared(con: duckdb.DuckDBPyConnection, table: str = "calls") -> list[dict[str, Any]]:
    """Per model, the calls whose log carries a cost but which have no calculated one (unpriced):
    `reconcile` cannot compare them, and says so rather than leave their spend out silently."""
    t = check_ident(table)
    return fetch_dicts(con, f"""
        SELECT coalesce(model, '(none)') AS model, count(*) AS calls, sum(logged_cost_usd) AS logged_usd
        FROM {t} WHERE logged_cost_usd IS NOT NULL AND cost_usd IS NULL
        GROUP BY ALL ORDER BY logged_usd DESC, model""")


def fixed_costs(con: duckdb.DuckDBPyConnection, table: str = "calls") -> list[dict[str, Any]]:
    """Self-hosted models: fixed_monthly_usd x the calendar months (UTC) in which they had calls.

    Their per-call cost_usd is 0 (the marginal cost); this is the separate fixed cost line.
    """
    t = check_ident(table)
    return fetch_dicts(con, f"""
        SELECT c.model_key, count(*) AS calls,
               count(DISTINCT date_trunc('month', timezone('UTC', c.ts))) AS months,
               i.fixed_monthly_usd,
               CAST(i.fixed_monthly_usd * count(DISTINCT date_trunc('month', timezone('UTC', c.ts)))
                    AS {MONEY}) AS fixed_usd
        FROM {t} c JOIN model_info i ON i.model_key = c.model_key
        WHERE i.fixed_monthly_usd IS NOT NULL
        GROUP BY c.model_key, i.fixed_monthly_usd ORDER BY c.model_key""")
