"""Which route, tier, chain and model a policy picks, decided per CLASS of calls, not per call.

A replay first folds the calls into classes (`source_sql`): calls that share everything a
decision depends on (day, route, categoriser doubt, logged model and provider, outage and
logged-error state, cache hit, data class, batch flag, and which side of every A/B and cascade
cut their fractions fall) and sums their tokens. Ten million calls become a few tens of
thousands of classes in one scan; `decisions_sql` then routes, fails over and cascades those.

The A/B and cascade fractions are 32-bit slices of a 64-bit hash of the call id (docs/simulate.md),
so anyone can reproduce a split outside mmaudit. A fraction only matters through the cuts it is
compared with (A/B slice bounds, escalation rates), so a class keeps the largest cut at or below
its calls' fraction instead of the fraction itself: every comparison comes out the same.
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


@dataclass(frozen=True)
class Cuts:
    """The values fractions and token counts are compared with, found from the policy tables."""

    ab: list[float]  # A/B slice bounds
    escalation: list[float]  # escalation rates a cascaded call's fraction is compared with
    long_input: int | None  # input tokens above which some model may charge long-context rates


def period_sql(options: SimulationOptions, alias: str = "c") -> str:
    """The period filter on `alias.ts`, with our own validated datetimes as literals (so DuckDB
    can skip row groups by their min/max ts)."""
    terms = ["true"]
    if options.since is not None:
        terms.append(f"{alias}.ts >= TIMESTAMPTZ '{options.since.isoformat()}'")
    if options.until is not None:
        terms.append(f"{alias}.ts < TIMESTAMPTZ '{options.until.isoformat()}'")
    return " AND ".join(terms)


def _hash_sql(options: SimulationOptions, has_call_hash: bool) -> str:
    """The call's 64-bit hash: the stored `call_hash` with the default seed (an md5 only for
    rows stored without one), else md5 of `call_id:salt` per call."""
    if options.seed != DEFAULT_SEED:
        salt = hashlib.sha256(options.seed.encode()).hexdigest()[:8]  # our own hex digits, safe as a literal
        return CALL_HASH_SQL.format(id=f"(c.call_id || ':{salt}')")
    if has_call_hash:
        return f"coalesce(c.call_hash, {CALL_HASH_SQL.format(id='c.call_id')})"
    return CALL_HASH_SQL.format(id="c.call_id")


def _floor_to_cut(value: str, cuts: list[float]) -> str:
    """SQL for the largest cut <= value (0.0 below all): compares like the value with every cut.

    Cuts are our own numbers (read back from the policy tables), written as exact literals."""
    arms = " ".join(f"WHEN {value} >= {c!r} THEN {c!r}" for c in sorted(set(cuts), reverse=True) if c > 0)
    return f"(CASE {arms} ELSE 0.0 END)" if arms else "0.0"


def hits_sql(policy: Policy, options: SimulationOptions, has_call_hash: bool) -> str:
    """The rowids of cache hits (for `_sim_hits`): calls whose previous identical prompt in the
    period is at most the cache window earlier.

    The window sorts narrow integer rows (prompt hash, microseconds, call hash for ties), which
    is what keeps it to seconds at ten million calls.
    """
    if not policy.cache:
        return "SELECT NULL::BIGINT AS rid WHERE false"
    micros = round(policy.cache.seconds * 1_000_000)  # a validated number, safe as a literal
    return f"""
        SELECT rid FROM (
            SELECT rid, (e - lag(e) OVER (PARTITION BY h ORDER BY e, k)) <= {micros} AS hit
            FROM (SELECT c.rowid AS rid, hash(c.prompt_hash) AS h, epoch_us(c.ts) AS e,
                         {_hash_sql(options, has_call_hash)} AS k
                  FROM calls c WHERE c.prompt_hash IS NOT NULL AND {period_sql(options)}))
        WHERE hit"""


def _down_sql(policy: Policy) -> str:
    """SQL for the providers in an outage at the call's time, as a sorted list (NULL: none)."""
    if not policy.failover.outages:
        return "NULL::VARCHAR[]"
    lo = min(o.start for o in policy.failover.outages).isoformat()
    hi = max(o.end for o in policy.failover.outages).isoformat()
    inside = "list_filter(o.outages, lambda x: c.ts >= x.start_ts AND c.ts < x.end_ts)"
    return (f"CASE WHEN c.ts >= TIMESTAMPTZ '{lo}' AND c.ts < TIMESTAMPTZ '{hi}' "  # our own validated datetimes
            f"THEN nullif(list_sort(list_distinct(list_transform({inside}, lambda x: x.provider))), []) END")


def source_sql(policy: Policy, options: SimulationOptions, cuts: Cuts, has_call_hash: bool,
               per_call: bool = False, table: str = "calls") -> tuple[str, list[Any]]:
    """The classes of calls of the period, or with `per_call` one row per call of `table` (the
    calls, or a sample of them made by `sample_table_sql`, which carries each call's hash `h`
    and `cache_hit`): single calls keep their own output tokens and logged latency, which
    latency percentiles need.
    """
    case, params = route_case(policy.routes)
    hashed = _hash_sql(options, has_call_hash)
    ab = _floor_to_cut("((c.h & 4294967295) / 4294967296.0)", cuts.ab) if policy.ab else "0.0"
    esc = _floor_to_cut("((c.h >> 32) / 4294967296.0)", cuts.escalation) if policy.cascade else "0.0"
    threshold = policy.uncertain.below_confidence if policy.uncertain else -1.0
    long_input = f"CASE WHEN c.input_tokens > {int(cuts.long_input)} THEN c.input_tokens END" if cuts.long_input is not None else "NULL::BIGINT"
    hit, join = (("c.cache_hit", "") if table != "calls"
                 else ("_sim_hits.rid IS NOT NULL", "LEFT JOIN _sim_hits ON _sim_hits.rid = c.call_rowid"))
    retry = "c.status = 'error' AND c.error_type IN ('rate_limit', 'server')" if policy.failover.use_logged_errors else "false"
    calls = f"""
        SELECT CAST(epoch_us(c.ts) // 86400000000 AS INTEGER) AS day,  -- days since 1970-01-01 UTC
               lower(c.provider) AS logged_provider, c.model_key AS logged_key,
               coalesce(c.task, 'other') AS task, coalesce(c.category_confidence, 0.0) < ? AS unsure,
               c.tags['data_class'] AS data_class, c.status = 'ok' AS ok, coalesce({retry}, false) AS retry,
               coalesce(c.is_batch, false) AS is_batch, {hit} AS cache_hit,
               {case} AS route_idx, {ab} AS ab_cut, {esc} AS esc_cut, {_down_sql(policy)} AS down,
               (c.cost_usd IS NOT NULL OR coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0) = 0) AS baseline_known,
               {long_input} AS long_input,
               coalesce(c.input_tokens, 0) AS tin, coalesce(c.cached_input_tokens, 0) AS tcr,
               coalesce(c.cache_write_tokens, 0) AS tcw, coalesce(c.output_tokens, 0) AS tout,
               greatest(coalesce(c.input_tokens, 0) - coalesce(c.cached_input_tokens, 0)
                        - coalesce(c.cache_write_tokens, 0), 0) AS tunc,
               CASE WHEN coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0) = 0 THEN coalesce(c.cost_usd, 0)
                    ELSE c.cost_usd END AS actual,
               c.latency_ms, {"c.call_rowid" if table == "calls" else "c.ref"} AS ref
        FROM (SELECT c.*{", c.rowid AS call_rowid, " + hashed + " AS h" if table == "calls" else ""}
              FROM {table} c WHERE {period_sql(options)}) c
        {join} CROSS JOIN o"""
    dims = ("day, logged_provider, logged_key, task, unsure, data_class, ok, retry, is_batch, cache_hit, "
            "route_idx, ab_cut, esc_cut, down, baseline_known, long_input")
    if not per_call:
        body = (f"SELECT {dims}, count(*) AS n, sum(tin) AS tin, sum(tcr) AS tcr, sum(tcw) AS tcw, sum(tout) AS tout, "
                f"sum(tunc) AS tunc, sum(actual) AS actual, NULL::DOUBLE AS latency_ms, NULL::BIGINT AS ref "
                f"FROM ({calls}) GROUP BY {dims}")
    else:
        body = f"SELECT {dims}, 1 AS n, tin, tcr, tcw, tout, tunc, actual, latency_ms, ref FROM ({calls})"
    sql = f"""
    WITH o AS (SELECT coalesce(list({{'provider': provider, 'start_ts': start_ts, 'end_ts': end_ts}}), []) AS outages
               FROM _sim_outages)
    {body}"""
    return sql, [threshold, *params]


SAMPLED_COLUMNS = ("ts", "provider", "model", "model_key", "task", "complexity", "operation", "status",
                   "error_type", "tags", "category_confidence", "is_batch", "cost_usd", "input_tokens",
                   "cached_input_tokens", "cache_write_tokens", "output_tokens", "latency_ms")


def sample_table_sql(policy: Policy, options: SimulationOptions, has_call_hash: bool, below: int | None) -> str:
    """The calls of the period whose hash(call hash) is below `below` (all when None), with the
    columns a replay reads and whether each is a cache hit (`_sim_hits`)."""
    uses_tags = any(key.startswith("tags.") for route in policy.routes for key in (route.when or {}))
    cols = ", ".join(f"c.{x}" if x != "tags" or uses_tags else "NULL::MAP(VARCHAR, VARCHAR) AS tags"
                     for x in SAMPLED_COLUMNS)  # tags only matter here for routes on them
    hashed = _hash_sql(options, has_call_hash)
    sample = "" if below is None else f"AND hash({hashed}) < {int(below)}"
    return (f"SELECT {cols}, {hashed} AS h, c.rowid AS ref, c.rowid IN (SELECT rid FROM _sim_hits) AS cache_hit FROM calls c "
            f"WHERE {period_sql(options)} {sample}")


def _availability(policy: Policy, providers_col: str) -> str:
    """SQL list of booleans: is each model of the chain available for this class?"""
    down = []
    if policy.failover.outages:
        down.append("coalesce(list_contains(b.down, p), false)")
    if policy.failover.use_logged_errors:
        down.append("(b.retry AND p = b.logged_provider)")
    if not down:
        return f"list_transform({providers_col}, lambda p: true)"
    return f"list_transform({providers_col}, lambda p: NOT ({' OR '.join(down)}))"


def decisions_sql(policy: Policy, source: str, source_params: list[Any]) -> tuple[str, list[Any]]:
    """Per row of `source` (a class of calls): routed tier, chain, chosen model (or failure),
    escalation model, and the cascade, fallback and uncertainty flags."""
    order = policy.tier_order()
    from_idx = order.index(policy.cascade.from_) if policy.cascade else -1
    to_idx = order.index(policy.cascade.to) if policy.cascade else -1
    sql = f"""
    WITH src AS ({source}),
    e AS (SELECT any_value(keys) AS esc_keys, any_value(providers) AS esc_providers
          FROM _sim_chains WHERE chain = ?),
    b AS (
        SELECT s.*, rt.keep, rt.compliance, rt.model_key AS route_model, rt.tier_idx AS routed_tier,
               CASE WHEN rt.tier_idx IS NOT NULL AND s.unsure THEN least(rt.tier_idx + 1, ?) ELSE rt.tier_idx END AS tier_idx
        FROM src s LEFT JOIN _sim_routes rt ON rt.idx = s.route_idx),  -- every route_idx has a row; LEFT dodges duckdb#24807
    r AS (
        SELECT b.*, CASE WHEN b.keep THEN NULL WHEN b.route_model IS NOT NULL THEN {MODEL_CHAIN} + b.route_idx
                         WHEN a.chain IS NOT NULL THEN a.chain ELSE b.tier_idx END AS chain
        FROM b LEFT JOIN _sim_ab a ON a.tier_idx = b.tier_idx AND b.ab_cut >= a.lo AND b.ab_cut < a.hi),
    l AS (
        SELECT r.*,
               CASE WHEN r.keep THEN [r.logged_key] WHEN r.compliance THEN ch.keys[1:1] ELSE ch.keys END AS keys,
               CASE WHEN r.keep THEN [lower(coalesce(lk.provider, r.logged_provider))]
                    WHEN r.compliance THEN ch.providers[1:1] ELSE ch.providers END AS providers
        FROM r LEFT JOIN _sim_chains ch ON ch.chain = r.chain LEFT JOIN model_info lk ON lk.model_key = r.logged_key),
    i AS (
        SELECT b.*, list_position({_availability(policy, "b.providers")}, true) AS main_idx,
               list_position({_availability(policy, "e.esc_providers")}, true) AS esc_idx, e.esc_keys
        FROM l b CROSS JOIN e),
    picked AS (SELECT * EXCLUDE (keys, providers, esc_keys), keys[main_idx] AS final_key, esc_keys[esc_idx] AS esc_pick FROM i)
    SELECT * EXCLUDE (esc_pick),
           main_idx IS NULL AS failed, coalesce(main_idx, 1) > 1 AS fell_back,
           (main_idx IS NOT NULL AND tier_idx = ? AND NOT keep AND route_model IS NULL AND esc_idx IS NOT NULL) AS cascaded,
           CASE WHEN tier_idx = ? THEN esc_pick END AS esc_key,
           tier_idx IS DISTINCT FROM routed_tier AS moved_up
    FROM picked"""
    return sql, [*source_params, to_idx, len(order) - 1, from_idx, from_idx]
