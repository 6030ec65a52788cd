"""The replay engine: a validated policy becomes a handful of set-based SQL steps over `calls`.

    _sim_base    the calls of the period, with the index of the first matching route
    _sim_routed  tier after the uncertainty rule, A/B variant, the fallback chain to try
    _sim_cand    every (call, attempt, chain position, model) with its availability
    _sim_pick    the first available model per call and attempt ('main', 'escalation')
    _sim_out     per call: final model, scaled tokens, cost, latency, quality, flags

Everything the user wrote (match values, model names, tag names) reaches SQL as bound
parameters or rows of small tables; identifiers in the SQL text are our own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from mmaudit.errors import ConfigError
from mmaudit.policy import Policy, Route
from mmaudit.pricing.sql import cost_sql, rate_window_sql
from mmaudit.simulate.result import ModelUse, SimulationResult, TaskUse, TierUse
from mmaudit.store import fetch_dicts

MONEY = "DECIMAL(38, 12)"
MODEL_CHAIN = 1000
AB_CHAIN = 2000


@dataclass(frozen=True)
class SimulationOptions:
    since: datetime | None = None
    until: datetime | None = None
    baseline: str = "actual"  # or "model:NAME"
    seed: str = "mmaudit"


# --------------------------------------------------------------------------- policy -> tables


def _route_case(routes: list[Route]) -> tuple[str, list[Any]]:
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


def _resolve(con: duckdb.DuckDBPyConnection, names: set[str], source: str) -> dict[str, str]:
    """Policy model names -> price keys; a name with no price is a config error, never $0."""
    resolved: dict[str, str] = {}
    for name in sorted(names):
        key = con.execute("SELECT mm_model_key(?)", [name]).fetchall()[0][0]
        if key is None:
            raise ConfigError(f"{source}: model {name!r} has no price in the price tables (see `mmaudit prices list`)")
        resolved[name] = key
    return resolved


def _load_tables(con: duckdb.DuckDBPyConnection, policy: Policy, keys: dict[str, str]) -> None:
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


# --------------------------------------------------------------------------- the replay, one pass

_TOKENS = ("input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens")


def _chains(con: duckdb.DuckDBPyConnection) -> None:
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


def _fractions(policy: Policy, salt: str) -> tuple[str, str]:
    """SQL for the A/B and cascade fractions: two 32-bit slices of one md5 of the call id."""
    if not (policy.ab or policy.cascade):
        return "NULL::DOUBLE", "NULL::DOUBLE"
    digest = f"md5(c.call_id || ':{salt}')"  # salt: our own hex digits, safe as a literal
    ab = f"(CAST(('0x' || substr({digest}, 1, 8)) AS BIGINT) / 4294967296.0)" if policy.ab else "NULL::DOUBLE"
    cascade = f"(CAST(('0x' || substr({digest}, 9, 8)) AS BIGINT) / 4294967296.0)" if policy.cascade else "NULL::DOUBLE"
    return ab, cascade


def _decisions_sql(policy: Policy, options: SimulationOptions) -> tuple[str, list[Any]]:
    """Per call: routed tier, chain, chosen model (or failure), escalation model, cascade flags.

    Most calls meet no outage and no logged error: they take the first model of their chain
    (`safe`). Only the others (`risky`) carry their chain's lists and test each model.
    """
    case, params = _route_case(policy.routes)
    salt = hashlib.sha256(options.seed.encode()).hexdigest()[:8]
    ab_u, cascade_u = _fractions(policy, salt)
    threshold = policy.uncertain.below_confidence if policy.uncertain else -1.0
    order = policy.tier_order()
    from_idx = order.index(policy.cascade.from_) if policy.cascade else -1
    to_idx = order.index(policy.cascade.to) if policy.cascade else -1
    main_keys = "CASE WHEN k.keep THEN [k.logged_key] WHEN k.compliance THEN ch.keys[1:1] ELSE ch.keys END"
    main_providers = ("CASE WHEN k.keep THEN [lower(coalesce(lk.provider, k.logged_provider))] "
                      "WHEN k.compliance THEN ch.providers[1:1] ELSE ch.providers END")
    sql = f"""
    WITH o AS (SELECT coalesce(list({{'provider': provider, 'start_ts': start_ts, 'end_ts': end_ts}}), []) AS outages
               FROM _sim_outages),
    e AS (SELECT any_value(keys) AS esc_keys, any_value(providers) AS esc_providers, any_value(first_key) AS esc_first
          FROM _sim_chains WHERE chain = ?),
    b0 AS (
        SELECT c.call_id, c.ts, lower(c.provider) AS logged_provider, c.model_key AS logged_key,
               coalesce(c.task, 'other') AS task, coalesce(c.category_confidence, 0.0) AS confidence,
               c.tags['data_class'] AS data_class, c.status, c.error_type, c.is_batch, c.latency_ms, c.prompt_hash,
               coalesce(c.input_tokens, 0) AS input_tokens, coalesce(c.cached_input_tokens, 0) AS cached_tokens,
               coalesce(c.cache_write_tokens, 0) AS cache_write_tokens, coalesce(c.output_tokens, 0) AS output_tokens,
               c.cost_usd AS actual_cost, {case} AS route_idx,
               {ab_u} AS ab_u, {cascade_u} AS cascade_u
        FROM calls c
        WHERE (CAST(? AS TIMESTAMPTZ) IS NULL OR c.ts >= ?) AND (CAST(? AS TIMESTAMPTZ) IS NULL OR c.ts < ?)),
    b AS (
        SELECT b0.*, rt.keep, rt.compliance, rt.model_key AS route_model, rt.tier_idx AS routed_tier,
               CASE WHEN rt.tier_idx IS NOT NULL AND b0.confidence < ? THEN least(rt.tier_idx + 1, ?)
                    ELSE rt.tier_idx END AS tier_idx
        FROM b0 JOIN _sim_routes rt ON rt.idx = b0.route_idx),
    r AS (
        SELECT b.*, CASE WHEN b.keep THEN NULL WHEN b.route_model IS NOT NULL THEN {MODEL_CHAIN} + b.route_idx
                         WHEN a.chain IS NOT NULL THEN a.chain ELSE b.tier_idx END AS chain
        FROM b LEFT JOIN _sim_ab a ON a.tier_idx = b.tier_idx AND b.ab_u >= a.lo AND b.ab_u < a.hi),
    k AS (
        SELECT r.*, CASE WHEN r.keep THEN r.logged_key ELSE ch.first_key END AS first_key,
               coalesce({_risk(policy).replace("b.", "r.")}, false) AS risky
        FROM r LEFT JOIN _sim_chains ch ON ch.chain = r.chain),
    safe AS (
        SELECT k.* EXCLUDE (first_key), 1 AS main_idx, k.first_key AS final_key,
               CASE WHEN e.esc_first IS NOT NULL THEN 1 END AS esc_idx, e.esc_first AS esc_pick
        FROM k CROSS JOIN e WHERE NOT k.risky),
    risky_lists AS (
        SELECT k.* EXCLUDE (first_key), {main_keys} AS keys, {main_providers} AS providers
        FROM k LEFT JOIN _sim_chains ch ON ch.chain = k.chain LEFT JOIN model_info lk ON lk.model_key = k.logged_key
        WHERE k.risky),
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
    return sql, [to_idx, *params, options.since, options.since, options.until, options.until,
                 threshold, len(order) - 1, from_idx, from_idx]


def _scaled(prefix: str, ratio: str) -> str:
    return ", ".join(f"CAST(round(d.{c} * {ratio}) AS BIGINT) AS {prefix}{c}" for c in _TOKENS)


def _replay(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions) -> None:
    """Materialise _sim_final: one narrow row per call with every figure the summaries need."""
    decisions, params = _decisions_sql(policy, options)
    cascade = policy.cascade
    to_idx = policy.tier_order().index(cascade.to) if cascade else -1
    if cascade and cascade.from_quality:
        rate = "(1 - coalesce(qm.score, 1))"
    else:
        rate = "coalesce(et.rate, ed.rate, 0)"
    window = policy.cache.seconds if policy.cache else None
    cache_hit = ("(d.prompt_hash IS NOT NULL AND epoch(d.ts) - epoch(lag(d.ts) OVER "
                 "(PARTITION BY d.prompt_hash ORDER BY d.ts, d.call_id)) <= ?)") if window else "false"
    main_cost = cost_sql("pm", *(f"s.m_{c}" for c in _TOKENS), "s.is_batch")
    esc_cost = cost_sql("pe", *(f"s.e_{c}" for c in _TOKENS), "s.is_batch")
    baseline_join, baseline_cost, baseline_params = _baseline_sql(options, con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_final AS
        WITH d AS ({decisions}),
        s AS (
            SELECT d.*, {_scaled("m_", "coalesce(mt.token_ratio, 1.0) / coalesce(ms.token_ratio, 1.0)")},
                   {_scaled("e_", "coalesce(me.token_ratio, 1.0) / coalesce(ms.token_ratio, 1.0)")},
                   {cache_hit} AS cache_hit,
                   d.cascaded AND d.cascade_u < {rate} AS escalated,
                   qm.score AS main_quality, qe.score AS esc_quality, mt.data_classes AS final_classes,
                   mt.ttft_ms AS m_ttft, mt.output_tokens_per_s AS m_tps, me.ttft_ms AS e_ttft, me.output_tokens_per_s AS e_tps
            FROM d
            LEFT JOIN model_info mt ON mt.model_key = d.final_key
            LEFT JOIN model_info ms ON ms.model_key = d.logged_key
            LEFT JOIN model_info me ON me.model_key = d.esc_key
            LEFT JOIN _sim_quality qm ON qm.model_key = d.final_key AND qm.task = d.task
            LEFT JOIN _sim_quality qe ON qe.model_key = d.esc_key AND qe.task = d.task
            LEFT JOIN _sim_esc et ON et.task = d.task
            LEFT JOIN (SELECT rate FROM _sim_esc WHERE task = 'default') ed ON true),
        p AS (
            SELECT s.call_id, s.ts, s.task, s.tier_idx, s.keep, s.route_model, s.compliance, s.failed, s.fell_back,
                   s.escalated, s.cache_hit, s.moved_up, s.final_key, s.logged_key, s.status, s.data_class,
                   s.final_classes, s.input_tokens, s.cached_tokens, s.cache_write_tokens, s.output_tokens,
                   s.is_batch, s.actual_cost, s.m_input_tokens + s.m_output_tokens AS m_tokens,
                   (s.input_tokens + s.output_tokens = 0) AS no_tokens,
                   CASE WHEN s.escalated THEN s.esc_quality ELSE s.main_quality END AS answer_quality,
                   CASE WHEN s.escalated THEN {to_idx} ELSE s.tier_idx END AS answer_tier,
                   CASE WHEN s.failed THEN 0 ELSE {main_cost} END
                     + CASE WHEN s.escalated THEN {esc_cost} ELSE 0 END AS model_cost,
                   (pm.model_key IS NOT NULL OR s.failed) AS priced,
                   CASE WHEN s.failed THEN NULL
                        WHEN s.m_ttft IS NOT NULL AND s.m_tps > 0 THEN s.m_ttft + s.m_output_tokens * 1000.0 / s.m_tps
                        WHEN s.final_key = s.logged_key THEN s.latency_ms END
                     + CASE WHEN s.escalated THEN coalesce(s.e_ttft + s.e_output_tokens * 1000.0 / nullif(s.e_tps, 0), 0)
                            ELSE 0 END AS model_latency
            FROM s
            LEFT JOIN price_rates pm ON pm.model_key = s.final_key AND {rate_window_sql("pm", "s.ts")}
            LEFT JOIN price_rates pe ON pe.model_key = s.esc_key AND {rate_window_sql("pe", "s.ts")})
        SELECT o.* EXCLUDE (input_tokens, cached_tokens, cache_write_tokens, output_tokens, actual_cost, is_batch),
               CAST({baseline_cost} AS {MONEY}) AS baseline_cost,
               CAST(CASE WHEN o.cache_hit THEN 0 ELSE o.model_cost END AS {MONEY}) AS projected_cost,
               CASE WHEN o.cache_hit THEN 0 ELSE o.model_latency END AS projected_latency
        FROM p o {baseline_join}""",
        [*params, *([window] if window else []), *baseline_params],
    )


def _baseline_sql(options: SimulationOptions, con: duckdb.DuckDBPyConnection) -> tuple[str, str, list[Any]]:
    """(JOIN clause, cost expression, parameters) for the baseline cost of each call `o`."""
    if options.baseline == "actual":
        return "", "CASE WHEN o.no_tokens THEN coalesce(o.actual_cost, 0) ELSE o.actual_cost END", []
    if not options.baseline.startswith("model:"):
        raise ConfigError(f"--baseline must be `actual` or `model:NAME`, not {options.baseline!r}")
    key = _resolve(con, {options.baseline[len("model:"):]}, "--baseline")[options.baseline[len("model:"):]]
    join = (f"LEFT JOIN model_info bmi ON bmi.model_key = ? LEFT JOIN model_info smi ON smi.model_key = o.logged_key "
            f"LEFT JOIN price_rates pb ON pb.model_key = ? AND {rate_window_sql('pb', 'o.ts')}")
    ratio = "coalesce(bmi.token_ratio, 1.0) / coalesce(smi.token_ratio, 1.0)"
    toks = [f"CAST(round(o.{c} * {ratio}) AS BIGINT)" for c in ("input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens")]
    return join, cost_sql("pb", *toks, "o.is_batch"), [key, key]


# --------------------------------------------------------------------------- aggregation


def _summarise(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions) -> SimulationResult:
    s = _one(con, """
        SELECT count(*) AS calls,
               count(*) FILTER (WHERE baseline_cost IS NOT NULL AND priced) AS compared,
               sum(baseline_cost) FILTER (WHERE baseline_cost IS NOT NULL AND priced) AS baseline_cost,
               sum(projected_cost) FILTER (WHERE baseline_cost IS NOT NULL AND priced) AS projected_cost,
               count(*) FILTER (WHERE status = 'ok') AS baseline_ok,
               count(*) FILTER (WHERE escalated) AS escalations,
               count(*) FILTER (WHERE NOT failed AND fell_back) AS fallbacks,
               count(*) FILTER (WHERE failed) AS failed,
               count(*) FILTER (WHERE cache_hit) AS cache_hits,
               coalesce(sum(model_cost) FILTER (WHERE cache_hit), 0) AS cache_savings,
               count(*) FILTER (WHERE answer_quality < t.min_quality) AS quality_risk,
               count(*) FILTER (WHERE t.min_quality IS NOT NULL AND answer_quality IS NULL AND NOT failed) AS quality_unknown,
               count(*) FILTER (WHERE (compliance AND failed)
                   OR (data_class IS NOT NULL AND len(coalesce(final_classes, [])) > 0
                       AND NOT list_contains(final_classes, data_class))) AS violations,
               count(*) FILTER (WHERE moved_up) AS moved_up
        FROM _sim_final f LEFT JOIN _sim_tiers t ON t.tier_idx = f.answer_tier""")
    fixed = _fixed_cost(con)
    calls = s["calls"] or 0
    baseline = s["baseline_cost"] or Decimal(0)
    projected = (s["projected_cost"] or Decimal(0)) + fixed
    savings = baseline - projected
    ok = calls - s["failed"]
    return SimulationResult(
        policy=policy.name, calls=calls, compared_calls=s["compared"], unpriced_calls=calls - s["compared"],
        baseline=options.baseline, baseline_cost_usd=baseline, projected_cost_usd=projected, savings_usd=savings,
        savings_pct=float(savings / baseline * 100) if baseline else None,
        baseline_cost_per_successful_response_usd=baseline / s["baseline_ok"] if s["baseline_ok"] else None,
        cost_per_successful_response_usd=projected / ok if ok else None,
        fixed_cost_usd=fixed, escalations=s["escalations"], escalation_rate=_rate(s["escalations"], calls),
        fallbacks=s["fallbacks"], fallback_rate=_rate(s["fallbacks"], calls), failed_calls=s["failed"],
        cache_hits=s["cache_hits"], cache_savings_usd=Decimal(s["cache_savings"]),
        quality_risk_calls=s["quality_risk"], quality_unknown_calls=s["quality_unknown"],
        compliance_violations=s["violations"], uncertain_moved_up=s["moved_up"],
        tiers=_tiers(con, calls), models=_models(con, calls), tasks=_tasks(con),
        assumptions=_assumptions(con, policy, options),
    )


def _fixed_cost(con: duckdb.DuckDBPyConnection) -> Decimal:
    """Self-hosted models: their monthly fixed cost for each calendar month the policy uses them."""
    value = _one(con, """
        SELECT coalesce(sum(mi.fixed_monthly_usd), 0) AS fixed FROM (
            SELECT DISTINCT final_key, date_trunc('month', ts AT TIME ZONE 'UTC') AS month
            FROM _sim_final WHERE final_key IS NOT NULL AND NOT failed) u
        JOIN model_info mi ON mi.model_key = u.final_key WHERE mi.fixed_monthly_usd IS NOT NULL""")["fixed"]
    return Decimal(value)


def _tiers(con: duckdb.DuckDBPyConnection, calls: int) -> list[TierUse]:
    rows = fetch_dicts(con, """
        SELECT coalesce(t.name, CASE WHEN f.keep THEN 'keep (logged model)' ELSE 'model route' END) AS name,
               count(*) AS calls, coalesce(sum(projected_cost), 0) AS cost_usd,
               coalesce(sum(m_tokens), 0) AS tokens, min(coalesce(t.tier_idx, 999)) AS o
        FROM _sim_final f LEFT JOIN _sim_tiers t ON t.tier_idx = f.tier_idx GROUP BY 1 ORDER BY o, name""")
    return [TierUse(r["name"], r["calls"], _rate(r["calls"], calls), r["cost_usd"], int(r["tokens"])) for r in rows]


def _models(con: duckdb.DuckDBPyConnection, calls: int) -> list[ModelUse]:
    rows = fetch_dicts(con, """
        SELECT coalesce(final_key, CASE WHEN failed THEN '(failed)' ELSE '(unpriced)' END) AS model,
               count(*) AS calls, coalesce(sum(projected_cost), 0) AS cost_usd
        FROM _sim_final GROUP BY 1 ORDER BY calls DESC, model""")
    return [ModelUse(r["model"], r["calls"], _rate(r["calls"], calls), r["cost_usd"]) for r in rows]


def _tasks(con: duckdb.DuckDBPyConnection) -> list[TaskUse]:
    rows = fetch_dicts(con, """
        SELECT f.task, count(*) AS calls, coalesce(sum(projected_cost), 0) AS cost_usd,
               quantile_cont(projected_latency, 0.5) AS p50, quantile_cont(projected_latency, 0.95) AS p95,
               count(*) FILTER (WHERE projected_latency > t.max_latency_ms) AS over
        FROM _sim_final f LEFT JOIN _sim_tiers t ON t.tier_idx = f.answer_tier
        GROUP BY f.task ORDER BY calls DESC, f.task""")
    return [TaskUse(r["task"], r["calls"], r["cost_usd"], r["p50"], r["p95"], r["over"]) for r in rows]


def _assumptions(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions) -> list[str]:
    baseline = "the logged calls at their own models’ prices" if options.baseline == "actual" else options.baseline
    notes = [
        "Prices: for every call, the price table in effect at its time (see `mmaudit prices show MODEL`).",
        (f"Baseline: {baseline}; calls without a baseline or projected price are left out of both sums "
         "(unpriced_calls)."),
        "Token counts move with the call, scaled by the models' token_ratio (tokens per cl100k token) from the price table.",
        "Failed logged calls carry no tokens, so rerouting them adds no cost; cached-input share moves with the call.",
        "Latency: projected as ttft_ms + output_tokens / output_tokens_per_s from the price table.",
        "Quality: the price table's per-task quality scores against each tier's min_quality.",
        "Calls without a categoriser confidence count as confidence 0 (unsure).",
    ]
    if policy.cascade:
        rate = "1 - quality of the cheap model" if policy.cascade.from_quality else ", ".join(
            f"{k} {v:.0%}" for k, v in (policy.cascade.escalate_rate or {}).items())
        notes.append(f"Cascade {policy.cascade.from_} -> {policy.cascade.to}: escalation rate {rate}; an escalated call pays both attempts and adds both latencies.")
    if policy.ab:
        notes.append("A/B shares and escalations are picked by a seeded hash of call_id: two runs agree.")
    if policy.cache:
        notes.append(f"Cache: an identical prompt within {policy.cache.exact_repeat_within} of the previous one is a hit (no cost, no model call).")
    return notes


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
    return fetch_dicts(con, sql, params)[0]


def run_policy(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions = SimulationOptions(),
               source: str = "policy") -> SimulationResult:
    """Replay the stored calls against `policy`. Needs pricing registered on `con`."""
    keys = _resolve(con, policy.models(), source)
    _load_tables(con, policy, keys)
    _chains(con)
    _replay(con, policy, options)
    return _summarise(con, policy, options)
