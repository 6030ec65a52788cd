"""A validated policy as small temp tables the replay joins to (never as SQL text).

    _sim_tiers    tier index, name, latency and quality bars
    _sim_routes   route index -> tier, model route, keep, compliance
    _sim_chain    (chain id, position, model key): each tier's fallback chain, model routes, A/B variants
    _sim_chains   each chain as lists of model keys and providers, plus its first model
    _sim_ab       A/B slices of a tier: [lo, hi) of the call's A/B fraction -> variant chain
    _sim_outages  provider outage windows
    _sim_esc      cascade escalation rate per task
    _sim_quality  quality score per (model, task), the model's default filled in

Everything the user wrote (match values, model names, tag names) reaches SQL as bound
parameters or rows of these tables; identifiers in SQL text are our own.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.errors import ConfigError
from mmaudit.policy import Policy, Route

MODEL_CHAIN = 1000
AB_CHAIN = 2000


def route_case(routes: list[Route]) -> tuple[str, list[Any]]:
    """CASE giving the index of the first route whose `when` matches (the default otherwise)."""
    arms, params = [], []
    for idx, route in enumerate(routes[:-1]):
        conds = []
        for key, values in (route.when or {}).items():
            marks = ", ".join("?" for _ in values)
            if key.startswith("tags."):
                conds.append(f"c.tags[?] IN ({marks})")
                params.append(key[len("tags."):])
            elif key == "model":
                conds.append(f"(c.model IN ({marks}) OR c.model_key IN ({marks}))")
                params.extend(values)
            elif key == "task":
                conds.append(f"coalesce(c.task, 'other') IN ({marks})")
            else:  # complexity, provider, operation, status: validated names from policy.ATTRIBUTES
                conds.append(f"c.{key} IN ({marks})")
            params.extend(values)
        arms.append(f"WHEN {' AND '.join(conds)} THEN {idx}")
    if not arms:
        return "0", params
    return f"CASE {' '.join(arms)} ELSE {len(routes) - 1} END", params


def resolve_models(con: duckdb.DuckDBPyConnection, names: set[str], source: str) -> dict[str, str]:
    """Policy model names -> price keys; a name with no price is a config error, never $0."""
    resolved: dict[str, str] = {}
    for name in sorted(names):
        key = con.execute("SELECT mm_model_key(?)", [name]).fetchall()[0][0]
        if key is None:
            raise ConfigError(f"{source}: model {name!r} has no price in the price tables (see `mmaudit prices list`)")
        resolved[name] = key
    return resolved


def load_tables(con: duckdb.DuckDBPyConnection, policy: Policy, keys: dict[str, str]) -> None:
    order = policy.tier_order()
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_tiers (tier_idx INTEGER, name VARCHAR, max_latency_ms DOUBLE, min_quality DOUBLE)")
    con.executemany("INSERT INTO _sim_tiers VALUES (?, ?, ?, ?)",
                    [[i, n, policy.tiers[n].max_latency_ms, policy.tiers[n].min_quality] for i, n in enumerate(order)])
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_routes (idx INTEGER, tier_idx INTEGER, model_key VARCHAR, keep BOOLEAN, compliance BOOLEAN)")
    rows = []
    for idx, r in enumerate(policy.routes):
        tier = r.tier if r.tier is not None else (r.default if r.default != "keep" else None)
        rows.append([idx, order.index(tier) if tier else None, keys[r.model] if r.model else None,
                     r.default == "keep", r.is_compliance])
    con.executemany("INSERT INTO _sim_routes VALUES (?, ?, ?, ?, ?)", rows)
    # Chains get integer ids: a tier's is its index, a model route's MODEL_CHAIN + its route index,
    # an A/B variant's AB_CHAIN + its split index.
    chains: list[list[Any]] = []
    for i, name in enumerate(order):
        chains += [[i, pos, keys[m]] for pos, m in enumerate(policy.tiers[name].models)]
    for idx, r in enumerate(policy.routes):
        if r.model:
            chains.append([MODEL_CHAIN + idx, 0, keys[r.model]])
    ab_rows, cumulative = [], {}
    for j, split in enumerate(policy.ab):
        i = order.index(split.tier)
        lo = cumulative.get(i, 0.0)
        cumulative[i] = lo + split.share
        ab_rows.append([i, AB_CHAIN + j, lo, lo + split.share])
        variant = [keys[split.model]] + [keys[m] for m in policy.tiers[split.tier].models if keys[m] != keys[split.model]]
        chains += [[AB_CHAIN + j, pos, k] for pos, k in enumerate(variant)]
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_chain (chain INTEGER, pos INTEGER, model_key VARCHAR)")
    con.executemany("INSERT INTO _sim_chain VALUES (?, ?, ?)", chains)
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_ab (tier_idx INTEGER, chain INTEGER, lo DOUBLE, hi DOUBLE)")
    if ab_rows:
        con.executemany("INSERT INTO _sim_ab VALUES (?, ?, ?, ?)", ab_rows)
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_outages (provider VARCHAR, start_ts TIMESTAMPTZ, end_ts TIMESTAMPTZ)")
    if policy.failover.outages:
        con.executemany("INSERT INTO _sim_outages VALUES (lower(?), ?, ?)",
                        [[o.provider, o.start, o.end] for o in policy.failover.outages])
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_esc (task VARCHAR, rate DOUBLE)")
    if policy.cascade and policy.cascade.escalate_rate:
        con.executemany("INSERT INTO _sim_esc VALUES (?, ?)", [list(kv) for kv in policy.cascade.escalate_rate.items()])


def load_chains(con: duckdb.DuckDBPyConnection) -> None:
    """Each chain as two lists (model keys, their providers), so a call picks its model per row."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sim_chains AS
        SELECT c.chain, list(c.model_key ORDER BY c.pos) AS keys,
               list(lower(coalesce(mi.provider, '')) ORDER BY c.pos) AS providers,
               arg_min(c.model_key, c.pos) AS first_key
        FROM _sim_chain c LEFT JOIN model_info mi USING (model_key) GROUP BY c.chain"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sim_quality AS
        SELECT k.model_key, t.task, coalesce(q.score, d.score) AS score
        FROM (SELECT DISTINCT model_key FROM model_info) k
        CROSS JOIN (SELECT DISTINCT task FROM model_quality UNION SELECT 'other') t
        LEFT JOIN model_quality q ON q.model_key = k.model_key AND q.task = t.task
        LEFT JOIN model_quality d ON d.model_key = k.model_key AND d.task = 'default'"""
    )
