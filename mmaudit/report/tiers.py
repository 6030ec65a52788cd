"""Model tiers: from a policy file's `tiers:` mapping, else from each model's observed price level.

The price level is the blended USD per 1M tokens the data itself shows for a model,
sum(cost_usd) / sum(input_tokens + output_tokens) over all its priced calls (every stored call,
not only the reported period, so a model keeps its tier across periods): `budget` below $0.60,
`standard` below $2, `premium` from $2. On typical input-heavy traffic that puts GPT-4o, Claude
Sonnet and the o-series in `premium`, GPT-4o mini and Gemini Flash in `budget`, Claude Haiku
and DeepSeek in `standard`. A model with no priced call is `unpriced`.

Calls that ran server-side web searches are left out of a model's price level when it has other
calls: their search fees (Gemini grounding, $35 per 1,000 grounded prompts, is hundreds of times a
short call's tokens) are a price of the tool, paid on any model, not of the model's tokens; a
gemini-2.5-flash that sometimes grounds stays `budget`. A model whose every call searched
(Perplexity Sonar) is levelled on all of them, fees included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from mmaudit.policy import load_policy

BUDGET_BELOW_USD = 0.6
STANDARD_BELOW_USD = 2


def price_level_sql(searches: bool = True) -> str:
    """The `tier_map(tier_model, tier)` CTE of price levels; `searches`: `calls` has `web_searches`
    (a database written before migration 0007, opened read-only, has not)."""
    # a plain call used tokens and no search: a failed call of 0 tokens is no evidence of a price
    # level (as the model's one "plain" call it levelled Perplexity Sonar, whose every answered
    # call searched, over 0 tokens: `unpriced` instead of premium)
    tokens = "coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0"
    plain = f"coalesce(web_searches, 0) = 0 AND {tokens}" if searches else tokens
    level = ("CASE WHEN tokens IS NULL OR tokens = 0 THEN 'unpriced' "
             f"WHEN CAST(cost AS DOUBLE) * 1e6 / tokens < {BUDGET_BELOW_USD} THEN 'budget' "
             f"WHEN CAST(cost AS DOUBLE) * 1e6 / tokens < {STANDARD_BELOW_USD} THEN 'standard' ELSE 'premium' END")
    return f"""
tier_map AS (
    SELECT tier_model, {level} AS tier
    FROM (SELECT model AS tier_model, count(*) FILTER (WHERE {plain}) > 0 AS has_plain,
                 CASE WHEN has_plain THEN sum(cost_usd) FILTER (WHERE {plain}) ELSE sum(cost_usd) END AS cost,
                 CASE WHEN has_plain THEN sum(input_tokens + output_tokens) FILTER (WHERE {plain})
                      ELSE sum(input_tokens + output_tokens) END AS tokens
          FROM calls WHERE cost_usd IS NOT NULL AND model IS NOT NULL
          GROUP BY model)
)"""


POLICY_TIERS_SQL = """
tier_map AS (
    SELECT unnest(?::VARCHAR[]) AS tier_model, unnest(?::VARCHAR[]) AS tier, unnest(?::VARCHAR[]) AS tier_key,
           generate_subscripts(?::VARCHAR[], 1) AS pos
)"""


def read_policy_tiers(path: str | Path) -> dict[str, str]:
    """model -> tier from a validated policy file's `tiers`; the first listing of a model wins."""
    policy = load_policy(path)
    mapping: dict[str, str] = {}
    for tier, spec in policy.tiers.items():
        for model in spec.models:
            mapping.setdefault(model, tier)
    return mapping


def policy_keys(con: duckdb.DuckDBPyConnection, mapping: dict[str, str] | None) -> tuple[str | None, ...] | None:
    """Each policy name's price key, through the one resolver simulate uses (mmaudit.modelref):
    with the prices registered on `con` when there are (`report` registers the user's `--prices`
    there, so a name only a user's table knows resolves), else with the bundled tables."""
    if mapping is None:
        return None
    from mmaudit.modelref import lookup

    registered = con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'mm_model_key'").fetchall()[0][0]
    if not registered:
        return _bundled_keys(mapping)
    keys = lookup(con, mapping)
    return tuple(keys.get(name) for name in mapping)


def _bundled_keys(mapping: dict[str, str]) -> tuple[str | None, ...]:
    from mmaudit.modelref import resolve_offline

    keys = resolve_offline(mapping)
    return tuple(keys.get(name) for name in mapping)


def tier_cte(mapping: dict[str, str] | None, keys: tuple[str | None, ...] | None = None,
             searches: bool = True) -> tuple[str, list[Any]]:
    """The `tier_map(tier_model, tier)` CTE and its parameters (policy names are bound, never pasted);
    `keys`: each name's price key (`policy_keys`), resolved with the bundled prices when omitted;
    `searches`: `calls` has `web_searches` (price levels leave searching calls out)."""
    if mapping is None:
        return price_level_sql(searches), []
    keys = _bundled_keys(mapping) if keys is None else keys
    return POLICY_TIERS_SQL, [list(mapping), list(mapping.values()), list(keys), list(mapping)]


def tier_source(mapping: dict[str, str] | None) -> str:
    if mapping is None:
        return (f"tiers from each model's observed price (USD per 1M tokens): budget < ${BUDGET_BELOW_USD}, "
                f"standard < ${STANDARD_BELOW_USD}, premium >= ${STANDARD_BELOW_USD}")
    return ("tiers from the policy file's tiers mapping, models matched as simulate matches them (logged name, "
            "price key, or a dated snapshot of an undated key; models not listed: unassigned)")
