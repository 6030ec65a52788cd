"""Model tiers: from a policy file's `tiers:` mapping, else from each model's observed price level.

The price level is the blended USD per 1M tokens the data itself shows for a model,
sum(cost_usd) / sum(input_tokens + output_tokens) over all its priced calls (every stored call,
not only the reported period, so a model keeps its tier across periods): `budget` below $0.60,
`standard` below $2, `premium` from $2. On typical input-heavy traffic that puts GPT-4o, Claude
Sonnet and the o-series in `premium`, GPT-4o mini and Gemini Flash in `budget`, Claude Haiku
and DeepSeek in `standard`. A model with no priced call is `unpriced`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from mmaudit.policy import load_policy

BUDGET_BELOW_USD = 0.6
STANDARD_BELOW_USD = 2

PRICE_LEVEL_TIERS_SQL = f"""
tier_map AS (
    SELECT model AS tier_model,
           CASE WHEN sum(input_tokens + output_tokens) IS NULL OR sum(input_tokens + output_tokens) = 0 THEN 'unpriced'
                WHEN CAST(sum(cost_usd) AS DOUBLE) * 1e6 / sum(input_tokens + output_tokens) < {BUDGET_BELOW_USD} THEN 'budget'
                WHEN CAST(sum(cost_usd) AS DOUBLE) * 1e6 / sum(input_tokens + output_tokens) < {STANDARD_BELOW_USD} THEN 'standard'
                ELSE 'premium' END AS tier
    FROM calls WHERE cost_usd IS NOT NULL AND model IS NOT NULL
    GROUP BY model
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


def tier_cte(mapping: dict[str, str] | None, keys: tuple[str | None, ...] | None = None) -> tuple[str, list[Any]]:
    """The `tier_map(tier_model, tier)` CTE and its parameters (policy names are bound, never pasted);
    `keys`: each name's price key (`policy_keys`), resolved with the bundled prices when omitted."""
    if mapping is None:
        return PRICE_LEVEL_TIERS_SQL, []
    keys = _bundled_keys(mapping) if keys is None else keys
    return POLICY_TIERS_SQL, [list(mapping), list(mapping.values()), list(keys), list(mapping)]


def tier_source(mapping: dict[str, str] | None) -> str:
    if mapping is None:
        return (f"tiers from each model's observed price (USD per 1M tokens): budget < ${BUDGET_BELOW_USD}, "
                f"standard < ${STANDARD_BELOW_USD}, premium >= ${STANDARD_BELOW_USD}")
    return ("tiers from the policy file's tiers mapping, models matched as simulate matches them (logged name, "
            "price key, or a dated snapshot of an undated key; models not listed: unassigned)")
