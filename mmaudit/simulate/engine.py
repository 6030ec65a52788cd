"""The replay: a validated policy becomes a few set-based steps over `calls`.

    classify   one scan folds the calls into classes that every decision treats alike, summing
               their tokens and logged cost (decide.source_sql)
    decide     route, fail over and cascade each class (decide.decisions_sql)
    measure    move each class's tokens to its new model (scaled by the tokenizers' ratio),
               then GROUP BY what the figures break down by -> _sim_groups
    price      the groups: cost is linear in tokens for a given rate row, rate rows change at
               midnight UTC, and calls that may be charged long-context rates keep their exact
               input in their class, so pricing summed tokens equals summing per-call prices
    latency    percentiles need each call's own latency: the same steps over single calls, all
               of them up to LATENCY_SAMPLE calls, above that a seeded sample of about that many

Money is DECIMAL throughout. Per call there is only one scan with integer and string work;
everything after it reads classes, which is what keeps ten million calls to seconds.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.errors import ConfigError
from mmaudit.policy import Policy
from mmaudit.pricing.sql import MONEY, cost_from_sums_sql, rate_window_sql
from mmaudit.simulate.decide import (
    Cuts,
    SimulationOptions,
    decisions_sql,
    hits_sql,
    sample_table_sql,
    source_sql,
)
from mmaudit.simulate.result import SimulationResult
from mmaudit.simulate.summary import summarise
from mmaudit.simulate.tables import load_chains, load_tables, resolve_models

LATENCY_SAMPLE = 100_000
_TOKENS = ("tin", "tcr", "tcw", "tout", "tunc")
_PARTS = ("in", "cr", "cw", "out", "unc")  # input, cached, cache write, output, uncached input


def _models_table(con: duckdb.DuckDBPyConnection) -> None:
    """model_info plus each model's lowest long-context threshold, for one join per role."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sim_models AS
        SELECT mi.model_key, coalesce(mi.token_ratio, 1.0) AS token_ratio, mi.ttft_ms, mi.output_tokens_per_s, lc.lc_min
        FROM model_info mi
        LEFT JOIN (SELECT model_key, min(lc_threshold) AS lc_min FROM price_rates GROUP BY model_key) lc USING (model_key)"""
    )


def _cuts(con: duckdb.DuckDBPyConnection, policy: Policy, keys: dict[str, str]) -> Cuts:
    """Every value a call's fractions and input tokens are compared with under this policy."""
    ab = [r[0] for r in con.execute("SELECT lo FROM _sim_ab UNION SELECT hi FROM _sim_ab").fetchall()]
    if policy.cascade and policy.cascade.from_quality:
        marks = ", ".join("?" for _ in keys)
        escalation = [r[0] for r in con.execute(
            f"SELECT DISTINCT 1 - coalesce(score, 1) FROM _sim_quality WHERE model_key IN ({marks})",
            list(keys.values())).fetchall()]
    else:
        escalation = [r[0] for r in con.execute("SELECT DISTINCT rate FROM _sim_esc").fetchall()]
    lc_min, widest = con.execute(
        "SELECT (SELECT min(lc_threshold) FROM price_rates), max(token_ratio) / min(token_ratio) FROM _sim_models"
    ).fetchall()[0]
    long_input = int(lc_min / widest) if lc_min is not None else None
    return Cuts(ab=ab, escalation=escalation, long_input=long_input)


def _scaled(prefix: str, ratio: str, when: str = "true") -> str:
    """A class's summed tokens moved to another model (scaled by the tokenizers' ratio);
    zeros where `when` is false."""
    return ", ".join(f"CASE WHEN {when} THEN CAST(round(s.{t} * {ratio}) AS BIGINT) ELSE 0 END AS {prefix}{p}"
                     for t, p in zip(_TOKENS, _PARTS))


def _long(prefix: str, ratio: str, model: str) -> str:
    """The class's (identical) per-call input on the new model when it is above that model's
    lowest long-context threshold, else NULL: the price step picks long-context rates from it."""
    scaled = f"CAST(round(s.long_input * {ratio}) AS BIGINT)"
    return f"CASE WHEN {scaled} > {model}.lc_min THEN {scaled} END AS {prefix}lc"


def _measures_sql(policy: Policy, decisions: str, base_key: str | None) -> str:
    """Per decided class: escalation, tokens on the new models, and (for single calls) latency."""
    cascade = policy.cascade
    to_idx = policy.tier_order().index(cascade.to) if cascade else -1
    rate = "(1 - coalesce(qm.score, 1))" if cascade and cascade.from_quality else "coalesce(et.rate, ed.rate, 0)"
    m_ratio, e_ratio, b_ratio = (f"{m}.token_ratio / coalesce(ms.token_ratio, 1.0)" for m in ("mt", "me", "mb"))
    return f"""
    WITH d AS ({decisions}),
    s AS (
        SELECT d.*, d.cascaded AND d.esc_cut < {rate} AS escalated
        FROM d
        LEFT JOIN _sim_quality qm ON qm.model_key = d.final_key AND qm.task = d.task
        LEFT JOIN _sim_esc et ON et.task = d.task
        LEFT JOIN (SELECT rate FROM _sim_esc WHERE task = 'default') ed ON true)
    SELECT s.day, s.task, s.tier_idx, CASE WHEN s.escalated THEN {to_idx} ELSE s.tier_idx END AS answer_tier,
           s.keep, s.route_model IS NOT NULL AS model_route, s.compliance, s.failed, s.fell_back, s.escalated,
           s.cache_hit, s.moved_up, s.final_key, CASE WHEN s.escalated THEN s.esc_key END AS esc_key,
           s.ok, s.data_class, s.is_batch, s.baseline_known, s.n, s.actual, s.ref,
           {_scaled("m_", f"coalesce({m_ratio}, 1.0)")},
           {_scaled("e_", f"coalesce({e_ratio}, 1.0)", "s.escalated")},
           {_scaled("b_", f"coalesce({b_ratio}, 1.0)", "true" if base_key else "false")},
           {_long("m_", f"coalesce({m_ratio}, 1.0)", "mt")},
           CASE WHEN s.escalated THEN {_long("e_", f"coalesce({e_ratio}, 1.0)", "me").removesuffix(" AS e_lc")} END AS e_lc,
           {_long("b_", f"coalesce({b_ratio}, 1.0)", "mb")},
           CASE WHEN s.cache_hit THEN 0 ELSE
               (CASE WHEN s.failed THEN NULL
                     WHEN mt.ttft_ms IS NOT NULL AND mt.output_tokens_per_s > 0
                          THEN mt.ttft_ms + round(s.tout * coalesce({m_ratio}, 1.0)) * 1000.0 / mt.output_tokens_per_s
                     WHEN s.final_key = s.logged_key THEN s.latency_ms END)
               + CASE WHEN s.escalated
                      THEN coalesce(me.ttft_ms + round(s.tout * coalesce({e_ratio}, 1.0)) * 1000.0 / nullif(me.output_tokens_per_s, 0), 0)
                      ELSE 0 END
           END AS latency
    FROM s
    LEFT JOIN _sim_models mt ON mt.model_key = s.final_key
    LEFT JOIN _sim_models ms ON ms.model_key = s.logged_key
    LEFT JOIN _sim_models me ON me.model_key = s.esc_key
    LEFT JOIN _sim_models mb ON mb.model_key = ?"""


_DIMENSIONS = ("day", "task", "tier_idx", "answer_tier", "keep", "model_route", "compliance", "failed", "fell_back",
               "escalated", "cache_hit", "moved_up", "final_key", "esc_key", "ok", "data_class", "is_batch",
               "baseline_known", "m_lc", "e_lc", "b_lc")


def _replay_sql(policy: Policy, options: SimulationOptions, cuts: Cuts, has_call_hash: bool, base_key: str | None,
                per_call: bool = False, table: str = "calls") -> tuple[str, list[Any]]:
    source, source_params = source_sql(policy, options, cuts, has_call_hash, per_call, table)
    decisions, params = decisions_sql(policy, source, source_params)
    return _measures_sql(policy, decisions, base_key), [*params, base_key]


def _aggregate(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions, cuts: Cuts,
               has_call_hash: bool, base_key: str | None) -> None:
    """_sim_groups: the replayed classes summed by everything the figures break down by."""
    replay, params = _replay_sql(policy, options, cuts, has_call_hash, base_key)
    dims = ", ".join(_DIMENSIONS)
    sums = ", ".join(f"sum({x}{p}) AS {x}{p}" for x in ("m_", "e_", "b_") for p in _PARTS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_groups AS
        SELECT {dims}, sum(n) AS n, sum(actual) AS actual, {sums} FROM ({replay}) GROUP BY {dims}""",
        params,
    )


def _latency(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions, cuts: Cuts,
             has_call_hash: bool, calls: int) -> None:
    """_sim_latency (task, latency, calls) and _sim_over (task, over budget, calls looked at),
    from every call when there are at most LATENCY_SAMPLE, else from a seeded sample."""
    below = None if calls <= LATENCY_SAMPLE else int(LATENCY_SAMPLE / calls * 2**64)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sim_sample AS {sample_table_sql(policy, options, has_call_hash, below)}")
    replay, params = _replay_sql(policy, options, cuts, has_call_hash, None, True, "_sim_sample")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sim_sampled AS SELECT task, answer_tier, latency FROM ({replay})",
                params)
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_latency AS
        SELECT task, latency, count(*) AS n FROM _sim_sampled WHERE latency IS NOT NULL GROUP BY task, latency""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_over AS
        SELECT s.task, count(*) FILTER (WHERE s.latency > t.max_latency_ms) AS over, count(*) AS looked_at
        FROM _sim_sampled s LEFT JOIN _sim_tiers t ON t.tier_idx = s.answer_tier GROUP BY s.task""")
    con.execute("DROP TABLE _sim_sampled")
    con.execute("DROP TABLE _sim_sample")


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
    base_key = _baseline_key(options, con)
    load_tables(con, policy, keys)
    load_chains(con)
    _models_table(con)
    cuts = _cuts(con, policy, keys)
    has_call_hash = _has_call_hash(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sim_hits AS {hits_sql(policy, options, has_call_hash)}")
    _aggregate(con, policy, options, cuts, has_call_hash, base_key)
    calls = int(con.execute("SELECT coalesce(sum(n), 0) FROM _sim_groups").fetchall()[0][0])
    _latency(con, policy, options, cuts, has_call_hash, calls)
    _price(con, base_key)
    result = summarise(con, policy, options)
    from mmaudit.evals.baselines import attach  # measured quality, when evals has outcomes (docs/evals.md)
    attach(con, policy, options, result)
    return result


__all__ = ["SimulationOptions", "run_policy"]
