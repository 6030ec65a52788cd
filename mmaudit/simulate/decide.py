"""Per call: which route, tier, chain and model a policy picks, and whether it cascades.

The decisions are one SQL query over `calls` (see `decisions_sql`). Most calls meet no outage
and no logged error: they take the first model of their chain (`safe`). Only the others
(`risky`) carry their chain's lists and test each model's availability.

The A/B and cascade fractions are 32-bit slices of md5(call_id:salt) read as a little-endian
number, so anyone can reproduce a split outside mmaudit (docs/simulate.md); the md5 is
computed only for calls that need a fraction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mmaudit.policy import Policy
from mmaudit.schema import CALL_HASH_SQL
from mmaudit.simulate.tables import MODEL_CHAIN, route_case


DEFAULT_SEED = "mmaudit"


@dataclass(frozen=True)
class SimulationOptions:
    since: datetime | None = None
    until: datetime | None = None
    baseline: str = "actual"  # or "model:NAME"
    seed: str = DEFAULT_SEED


def _risk(policy: Policy) -> str:
    """SQL true for calls that may find a model unavailable (inside an outage window, or failed
    in the logs); every other call simply gets the first model of its chain."""
    terms = []
    if policy.failover.outages:
        lo = min(o.start for o in policy.failover.outages).isoformat()
        hi = max(o.end for o in policy.failover.outages).isoformat()
        terms.append(f"(b.ts >= TIMESTAMPTZ '{lo}' AND b.ts < TIMESTAMPTZ '{hi}')")  # our own validated datetimes
    if policy.failover.use_logged_errors:
        terms.append("(b.status = 'error' AND b.error_type IN ('rate_limit', 'server'))")
    return " OR ".join(terms) or "false"


def _availability(policy: Policy, providers_col: str) -> str:
    """SQL list of booleans: is each model of the chain available for this call?"""
    down = []
    if policy.failover.outages:
        down.append("len(list_filter(o.outages, lambda x: x.provider = p AND b.ts >= x.start_ts AND b.ts < x.end_ts)) > 0")
    if policy.failover.use_logged_errors:
        down.append("(b.status = 'error' AND b.error_type IN ('rate_limit', 'server') AND p = b.logged_provider)")
    if not down:
        return f"list_transform({providers_col}, lambda p: true)"
    return f"list_transform({providers_col}, lambda p: NOT ({' OR '.join(down)}))"


def _fractions(policy: Policy, options: SimulationOptions) -> tuple[str, str, str]:
    """SQL for (hash, A/B fraction, cascade fraction): bits 0-31 and 32-63 of a 64-bit call hash.

    With the default seed the hash is the `call_hash` ingest stored (md5 of the call id);
    another seed hashes `call_id:salt` per call, which costs an md5 per call. The hash is taken
    only for calls whose tier has A/B splits or is the cascade's `from` tier.
    """
    order = policy.tier_order()
    tiers = {order.index(split.tier) for split in policy.ab}
    if policy.cascade:
        tiers.add(order.index(policy.cascade.from_))
    if not tiers:
        return "NULL::UBIGINT", "NULL::DOUBLE", "NULL::DOUBLE"
    if options.seed == DEFAULT_SEED:
        value = f"coalesce(b.call_hash, {CALL_HASH_SQL.format(id='b.call_id')})"
    else:
        salt = hashlib.sha256(options.seed.encode()).hexdigest()[:8]  # our own hex digits, safe as a literal
        value = CALL_HASH_SQL.format(id=f"(b.call_id || ':{salt}')")
    listed = ", ".join(str(i) for i in sorted(tiers))  # our own tier indexes
    digest = f"CASE WHEN b.tier_idx IN ({listed}) THEN {value} END"
    ab = "((b.digest & 4294967295) / 4294967296.0)" if policy.ab else "NULL::DOUBLE"
    cascade = "((b.digest >> 32) / 4294967296.0)" if policy.cascade else "NULL::DOUBLE"
    return digest, ab, cascade


def period_sql(options: SimulationOptions, alias: str = "c") -> str:
    """The period filter on `alias.ts`, with our own validated datetimes as literals (so DuckDB
    can skip row groups by their min/max ts)."""
    terms = ["true"]
    if options.since is not None:
        terms.append(f"{alias}.ts >= TIMESTAMPTZ '{options.since.isoformat()}'")
    if options.until is not None:
        terms.append(f"{alias}.ts < TIMESTAMPTZ '{options.until.isoformat()}'")
    return " AND ".join(terms)


def _cache_sql(policy: Policy, options: SimulationOptions, has_call_hash: bool) -> str:
    """The rowids of cache hits: calls whose previous identical prompt in the period is at most
    the cache window earlier.

    The window sorts narrow integer rows (prompt hash, microseconds, call hash for ties), which
    is what keeps it to a couple of seconds at ten million calls.
    """
    if not policy.cache:
        return "SELECT NULL::BIGINT AS rid WHERE false"
    micros = int(round(policy.cache.seconds * 1_000_000))  # a validated number, safe as a literal
    tie = f"coalesce(c.call_hash, {CALL_HASH_SQL.format(id='c.call_id')})" if has_call_hash else CALL_HASH_SQL.format(id="c.call_id")
    return f"""
        SELECT rid FROM (
            SELECT rid, (e - lag(e) OVER (PARTITION BY h ORDER BY e, k)) <= {micros} AS hit
            FROM (SELECT c.rowid AS rid, hash(c.prompt_hash) AS h, epoch_us(c.ts) AS e, {tie} AS k
                  FROM calls c WHERE c.prompt_hash IS NOT NULL AND {period_sql(options)}))
        WHERE hit"""


def _routed_sql(name: str, policy: Policy, options: SimulationOptions, where: str,
                has_call_hash: bool) -> tuple[str, list[Any]]:
    """CTEs `{name}_b0` .. `{name}`: the calls of the period matching `where`, with their route,
    tier (after the uncertainty rule), A/B and cascade fractions and chain id.

    Safe and risky calls each get their own chain of CTEs over their own scan of `calls`, so
    no CTE is referenced twice (DuckDB would materialise ten million wide rows for that).
    """
    case, params = route_case(policy.routes)
    digest, ab_u, cascade_u = _fractions(policy, options)
    threshold = policy.uncertain.below_confidence if policy.uncertain else -1.0
    call_hash = "c.call_hash" if has_call_hash else "NULL::UBIGINT"
    sql = f"""
    {name}_b0 AS (
        SELECT c.call_id, c.ts, CAST(epoch_us(c.ts) // 86400000000 AS INTEGER) AS day,  -- days since 1970-01-01 UTC
               lower(c.provider) AS logged_provider, c.model_key AS logged_key,
               coalesce(c.task, 'other') AS task, coalesce(c.category_confidence, 0.0) AS confidence,
               c.tags['data_class'] AS data_class, c.status, c.error_type, coalesce(c.is_batch, false) AS is_batch,
               c.latency_ms, cache.rid IS NOT NULL AS cache_hit,
               coalesce(c.input_tokens, 0) AS input_tokens, coalesce(c.cached_input_tokens, 0) AS cached_tokens,
               coalesce(c.cache_write_tokens, 0) AS cache_write_tokens, coalesce(c.output_tokens, 0) AS output_tokens,
               c.cost_usd AS actual_cost, {call_hash} AS call_hash, {case} AS route_idx
        FROM calls c LEFT JOIN cache ON cache.rid = c.rowid
        WHERE {period_sql(options)} AND {where}),
    {name}_b1 AS (
        SELECT b0.*, rt.keep, rt.compliance, rt.model_key AS route_model, rt.tier_idx AS routed_tier,
               CASE WHEN rt.tier_idx IS NOT NULL AND b0.confidence < ? THEN least(rt.tier_idx + 1, ?)
                    ELSE rt.tier_idx END AS tier_idx
        FROM {name}_b0 b0 JOIN _sim_routes rt ON rt.idx = b0.route_idx),
    {name}_b2 AS (SELECT b.*, {digest} AS digest FROM {name}_b1 b),
    {name}_b AS (SELECT b.* EXCLUDE (digest, call_id, call_hash), {ab_u} AS ab_u, {cascade_u} AS cascade_u FROM {name}_b2 b),
    {name} AS (
        SELECT b.*, CASE WHEN b.keep THEN NULL WHEN b.route_model IS NOT NULL THEN {MODEL_CHAIN} + b.route_idx
                         WHEN a.chain IS NOT NULL THEN a.chain ELSE b.tier_idx END AS chain
        FROM {name}_b b LEFT JOIN _sim_ab a ON a.tier_idx = b.tier_idx AND b.ab_u >= a.lo AND b.ab_u < a.hi)"""
    return sql, [*params, threshold, len(policy.tier_order()) - 1]


def decisions_sql(policy: Policy, options: SimulationOptions, has_call_hash: bool) -> tuple[str, list[Any]]:
    """Per call of the period: routed tier, chain, chosen model (or failure), escalation model,
    cascade and cache flags, and the logged columns the replay prices and times."""
    order = policy.tier_order()
    from_idx = order.index(policy.cascade.from_) if policy.cascade else -1
    to_idx = order.index(policy.cascade.to) if policy.cascade else -1
    risk = _risk(policy).replace("b.", "c.")
    safe_sql, safe_params = _routed_sql("safe_r", policy, options, f"NOT coalesce({risk}, false)", has_call_hash)
    risky_sql, risky_params = _routed_sql("risky_r", policy, options, f"coalesce({risk}, false)", has_call_hash)
    main_keys = "CASE WHEN k.keep THEN [k.logged_key] WHEN k.compliance THEN ch.keys[1:1] ELSE ch.keys END"
    main_providers = ("CASE WHEN k.keep THEN [lower(coalesce(lk.provider, k.logged_provider))] "
                      "WHEN k.compliance THEN ch.providers[1:1] ELSE ch.providers END")
    sql = f"""
    WITH o AS (SELECT coalesce(list({{'provider': provider, 'start_ts': start_ts, 'end_ts': end_ts}}), []) AS outages
               FROM _sim_outages),
    e AS (SELECT any_value(keys) AS esc_keys, any_value(providers) AS esc_providers, any_value(first_key) AS esc_first
          FROM _sim_chains WHERE chain = ?),
    cache AS ({_cache_sql(policy, options, has_call_hash)}),
    {safe_sql},
    {risky_sql},
    safe AS (
        SELECT k.*, 1 AS main_idx, CASE WHEN k.keep THEN k.logged_key ELSE ch.first_key END AS final_key,
               CASE WHEN e.esc_first IS NOT NULL THEN 1 END AS esc_idx, e.esc_first AS esc_pick
        FROM safe_r k LEFT JOIN _sim_chains ch ON ch.chain = k.chain CROSS JOIN e),
    risky_lists AS (
        SELECT k.*, {main_keys} AS keys, {main_providers} AS providers
        FROM risky_r k LEFT JOIN _sim_chains ch ON ch.chain = k.chain LEFT JOIN model_info lk ON lk.model_key = k.logged_key),
    risky_idx AS (
        SELECT b.*, list_position({_availability(policy, "b.providers")}, true) AS main_idx,
               list_position({_availability(policy, "e.esc_providers")}, true) AS esc_idx, e.esc_keys
        FROM risky_lists b CROSS JOIN e CROSS JOIN o),
    risky AS (
        SELECT * EXCLUDE (keys, providers, esc_keys), keys[main_idx] AS final_key, esc_keys[esc_idx] AS esc_pick
        FROM risky_idx),
    picked AS (SELECT * FROM safe UNION ALL BY NAME SELECT * FROM risky)
    SELECT * EXCLUDE (esc_pick),
           main_idx IS NULL AS failed, coalesce(main_idx, 1) > 1 AS fell_back,
           (main_idx IS NOT NULL AND tier_idx = ? AND NOT keep AND route_model IS NULL AND esc_idx IS NOT NULL) AS cascaded,
           CASE WHEN tier_idx = ? THEN esc_pick END AS esc_key,
           tier_idx IS DISTINCT FROM routed_tier AS moved_up
    FROM picked"""
    return sql, [to_idx, *safe_params, *risky_params, from_idx, from_idx]
