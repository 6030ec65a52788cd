"""The replay: a validated policy becomes three set-based steps over `calls`.

    decide     per call: the model the policy picks, fallbacks, cascade, cache (decide.py)
    aggregate  per call only integer work (tokens scaled to the new model, latency), then
               GROUP BY everything a figure depends on: day, task, tier, model, flags.
               _sim_groups holds one row per group with summed tokens; _sim_latency holds
               (task, latency, calls) so percentiles stay exact
    price      the groups, not the calls: cost is linear in tokens for a given rate row, and
               rate rows change at midnight UTC, so pricing a day's summed tokens equals the
               sum of per-call prices (long-context calls keep their own group)

Money is DECIMAL throughout; the only per-call arithmetic is on integers and doubles, which is
what keeps ten million calls to seconds.
"""

from __future__ import annotations

import duckdb

from mmaudit.errors import ConfigError
from mmaudit.policy import Policy
from mmaudit.pricing.sql import MONEY, cost_from_sums_sql, rate_window_sql
from mmaudit.simulate.decide import SimulationOptions, decisions_sql
from mmaudit.simulate.result import SimulationResult
from mmaudit.simulate.summary import summarise
from mmaudit.simulate.tables import load_chains, load_tables, resolve_models

_TOKENS = ("input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens")
_PARTS = ("in", "cr", "cw", "out", "unc")  # input, cached, cache write, output, uncached input


def _scaled(prefix: str, ratio: str, when: str = "true") -> str:
    """Token counts moved to another model (scaled by the tokenizers' ratio, rounded per call),
    plus the uncached input the cost formula uses; zeros where `when` is false."""
    cols = [f"CASE WHEN {when} THEN CAST(round(s.{c} * {ratio}) AS BIGINT) ELSE 0 END AS {prefix}{p}"
            for c, p in zip(_TOKENS, _PARTS)]
    unc = f"greatest({prefix}in - {prefix}cr - {prefix}cw, 0) AS {prefix}unc"
    return ", ".join(cols), unc


def _long_context(prefix: str) -> str:
    """The input tokens of a call above its model's lowest long-context threshold (else NULL):
    such calls are grouped by their exact input so the price step can pick long-context rates."""
    return f"CASE WHEN u.{prefix}in > u.{prefix}lc_min THEN u.{prefix}in END AS {prefix}lc"


def _models_table(con: duckdb.DuckDBPyConnection) -> None:
    """model_info plus each model's lowest long-context threshold, for one join per role."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sim_models AS
        SELECT mi.model_key, mi.token_ratio, mi.ttft_ms, mi.output_tokens_per_s, lc.lc_min
        FROM model_info mi
        LEFT JOIN (SELECT model_key, min(lc_threshold) AS lc_min FROM price_rates GROUP BY model_key) lc USING (model_key)"""
    )


def _per_call_sql(policy: Policy, options: SimulationOptions, base_key: str | None,
                  has_call_hash: bool = True) -> tuple[str, list]:
    """SQL of one narrow row per call: the group dimensions and the summable measures."""
    decisions, params = decisions_sql(policy, options, has_call_hash)
    cascade = policy.cascade
    to_idx = policy.tier_order().index(cascade.to) if cascade else -1
    rate = "(1 - coalesce(qm.score, 1))" if cascade and cascade.from_quality else "coalesce(et.rate, ed.rate, 0)"
    main_cols, main_unc = _scaled("m_", "coalesce(mt.token_ratio, 1.0) / coalesce(ms.token_ratio, 1.0)")
    esc_cols, esc_unc = _scaled("e_", "coalesce(me.token_ratio, 1.0) / coalesce(ms.token_ratio, 1.0)", "s.escalated")
    base_cols, base_unc = _scaled("b_", "coalesce(mb.token_ratio, 1.0) / coalesce(ms.token_ratio, 1.0)",
                                  "true" if base_key else "false")
    sql = f"""
    WITH d AS ({decisions}),
    s AS (
        SELECT d.*, d.cascaded AND d.cascade_u < {rate} AS escalated
        FROM d
        LEFT JOIN _sim_quality qm ON qm.model_key = d.final_key AND qm.task = d.task
        LEFT JOIN _sim_esc et ON et.task = d.task
        LEFT JOIN (SELECT rate FROM _sim_esc WHERE task = 'default') ed ON true),
    t AS (
        SELECT s.*, {main_cols}, {esc_cols}, {base_cols},
               mt.ttft_ms AS m_ttft, mt.output_tokens_per_s AS m_tps, me.ttft_ms AS e_ttft, me.output_tokens_per_s AS e_tps,
               mt.lc_min AS m_lc_min, me.lc_min AS e_lc_min, mb.lc_min AS b_lc_min
        FROM s
        LEFT JOIN _sim_models mt ON mt.model_key = s.final_key
        LEFT JOIN _sim_models ms ON ms.model_key = s.logged_key
        LEFT JOIN _sim_models me ON me.model_key = s.esc_key
        LEFT JOIN _sim_models mb ON mb.model_key = ?),
    u AS (
        SELECT t.*, {main_unc}, {esc_unc}, {base_unc},
               CASE WHEN t.cache_hit THEN 0 ELSE
                   (CASE WHEN t.failed THEN NULL
                         WHEN t.m_ttft IS NOT NULL AND t.m_tps > 0 THEN t.m_ttft + t.m_out * 1000.0 / t.m_tps
                         WHEN t.final_key = t.logged_key THEN t.latency_ms END)
                   + CASE WHEN t.escalated THEN coalesce(t.e_ttft + t.e_out * 1000.0 / nullif(t.e_tps, 0), 0) ELSE 0 END
               END AS latency
        FROM t)
    SELECT u.day, u.task, u.tier_idx, CASE WHEN u.escalated THEN {to_idx} ELSE u.tier_idx END AS answer_tier,
           u.keep, u.route_model IS NOT NULL AS model_route, u.compliance, u.failed, u.fell_back, u.escalated,
           u.cache_hit, u.moved_up, u.final_key, CASE WHEN u.escalated THEN u.esc_key END AS esc_key,
           u.status = 'ok' AS ok, u.data_class, u.is_batch,
           (u.actual_cost IS NOT NULL OR u.input_tokens + u.output_tokens = 0) AS baseline_known,
           {", ".join(_long_context(x) for x in ("m_", "e_", "b_"))},
           u.latency, u.latency > tt.max_latency_ms AS over_budget,
           CASE WHEN u.input_tokens + u.output_tokens = 0 THEN coalesce(u.actual_cost, 0) ELSE u.actual_cost END AS actual,
           {", ".join(f"u.{x}{p}" for x in ("m_", "e_", "b_") for p in _PARTS)}
    FROM u LEFT JOIN _sim_tiers tt ON tt.tier_idx = CASE WHEN u.escalated THEN {to_idx} ELSE u.tier_idx END"""
    return sql, [*params, base_key]


_DIMENSIONS = ("day", "task", "tier_idx", "answer_tier", "keep", "model_route", "compliance", "failed", "fell_back",
               "escalated", "cache_hit", "moved_up", "final_key", "esc_key", "ok", "data_class", "is_batch",
               "baseline_known", "m_lc", "e_lc", "b_lc", "over_budget")


def _aggregate(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions) -> str | None:
    """_sim_groups (one row per combination of the dimensions) and _sim_latency, in one scan.

    Each group keeps a histogram of its calls' latencies, so percentiles stay exact without a
    second pass over the calls (GROUPING SETS would materialise every per-call row)."""
    base_key = _baseline_key(options, con)
    per_call, params = _per_call_sql(policy, options, base_key, _has_call_hash(con))
    dims = ", ".join(_DIMENSIONS)
    sums = ", ".join(f"sum({x}{p}) AS {x}{p}" for x in ("m_", "e_", "b_") for p in _PARTS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_groups AS
        SELECT {dims}, count(*) AS n, sum(actual) AS actual, {sums}, list(latency) FILTER (WHERE latency IS NOT NULL) AS latencies
        FROM ({per_call}) GROUP BY {dims}""",
        params,
    )
    # the per-task latency histogram, from each group's list of latencies
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sim_latency AS
        SELECT task, latency, count(*) AS n
        FROM (SELECT task, unnest(latencies) AS latency FROM _sim_groups) GROUP BY task, latency"""
    )
    con.execute("ALTER TABLE _sim_groups DROP COLUMN latencies")
    return base_key


def _price(con: duckdb.DuckDBPyConnection, base_key: str | None) -> None:
    """_sim_final: each group with its model cost, baseline cost and projected cost."""
    day = "to_timestamp(g.day * 86400)"  # the day's midnight UTC
    main = cost_from_sums_sql("pm", "g.m_", "g.m_lc", "g.is_batch")
    esc = cost_from_sums_sql("pe", "g.e_", "g.e_lc", "g.is_batch")
    if base_key:
        baseline = cost_from_sums_sql("pb", "g.b_", "g.b_lc", "g.is_batch")
        base_join = f"LEFT JOIN price_rates pb ON pb.model_key = ? AND {rate_window_sql('pb', day)}"
        params = [base_key]
    else:
        baseline, base_join, params = "CASE WHEN g.baseline_known THEN g.actual END", "", []
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_final AS
        WITH p AS (
            SELECT g.*, (pm.model_key IS NOT NULL OR g.failed) AS priced,
                   CASE WHEN g.failed THEN 0 ELSE {main} END + CASE WHEN g.escalated THEN {esc} ELSE 0 END AS model_cost,
                   CAST({baseline} AS {MONEY}) AS baseline_cost
            FROM _sim_groups g
            LEFT JOIN price_rates pm ON pm.model_key = g.final_key AND {rate_window_sql("pm", day)}
            LEFT JOIN price_rates pe ON pe.model_key = g.esc_key AND {rate_window_sql("pe", day)}
            {base_join})
        SELECT p.*, CAST(CASE WHEN p.cache_hit THEN 0 ELSE p.model_cost END AS {MONEY}) AS projected_cost FROM p""",
        params,
    )


def _has_call_hash(con: duckdb.DuckDBPyConnection) -> bool:
    """Databases written before migration 0002 (opened read-only, so not migrated) have no call_hash."""
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'calls' "
                            "AND column_name = 'call_hash' AND NOT internal").fetchall()[0][0])


def _baseline_key(options: SimulationOptions, con: duckdb.DuckDBPyConnection) -> str | None:
    """The price key of a `model:NAME` baseline (None for the logged calls' own prices)."""
    if options.baseline == "actual":
        return None
    if not options.baseline.startswith("model:"):
        raise ConfigError(f"--baseline must be `actual` or `model:NAME`, not {options.baseline!r}")
    name = options.baseline[len("model:"):]
    return resolve_models(con, {name}, "--baseline")[name]


def run_policy(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions = SimulationOptions(),
               source: str = "policy") -> SimulationResult:
    """Replay the stored calls against `policy`. Needs pricing registered on `con`."""
    keys = resolve_models(con, policy.models(), source)
    load_tables(con, policy, keys)
    load_chains(con)
    _models_table(con)
    base_key = _aggregate(con, policy, options)
    _price(con, base_key)
    return summarise(con, policy, options)
