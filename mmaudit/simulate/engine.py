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

from dataclasses import dataclass
from typing import Any

import duckdb

from mmaudit.errors import ConfigError
from mmaudit.modelref import resolve_models
from mmaudit.policy import Policy
from mmaudit.policy_check import replay_warnings
from mmaudit.pricing.sql import MONEY, cost_from_sums_sql, rate_window_sql
from mmaudit.simulate.cuts import find_cuts
from mmaudit.simulate.decide import (
    CITATION_PART,
    CITATION_TOKEN,
    MODAL_PARTS,
    MODAL_TOKENS,
    Cuts,
    SimulationOptions,
    decisions_sql,
    hits_sql,
    period_sql,
    sample_table_sql,
    source_sql,
    token_lists,
)
from mmaudit.simulate.profiles import load_profiles, moved_output_sql, profile_joins
from mmaudit.simulate.result import SimulationResult
from mmaudit.simulate.summary import summarise
from mmaudit.simulate.tables import load_chains, load_tables, when_model_keys
from mmaudit.simulate.timeline import breaker_windows, latency_ranks
from mmaudit.store import has_column

LATENCY_SAMPLE = 100_000
_MODAL = tuple(t for ts in MODAL_TOKENS.values() for t in ts)


def _modal_sums(prefix: str, modalities: tuple[str, ...]) -> dict[str, tuple[str, str, str]]:
    """Per modality the calls carry, the group's columns of its uncached input, cached and output sums."""
    return {m: tuple(f"{prefix}{p}" for p in MODAL_PARTS[m]) for m in modalities}


def _models_table(con: duckdb.DuckDBPyConnection) -> None:
    """model_info plus each model's lowest long-context threshold, for one join per role."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sim_models AS
        SELECT mi.model_key, coalesce(mi.token_ratio, 1.0) AS token_ratio, mi.ttft_ms, mi.output_tokens_per_s, lc.lc_min,
               coalesce(mi.mode = 'reasoning', false) AS reasoning
        FROM model_info mi
        LEFT JOIN (SELECT model_key, min(lc_threshold) AS lc_min FROM price_rates GROUP BY model_key) lc USING (model_key)"""
    )


def _moved(prefix: str, role: str, key: str, ratio: str, when: str, imputed: bool, cuts: Cuts) -> str:
    """A class's summed tokens moved to the model `key` (joined as `role`): input parts scaled
    by the tokenizers' ratio, output as profiles.moved_output_sql says (unchanged on the
    logged model); zeros where `when` is false. `imputed`: failed logged calls count as answered
    calls of their task (columns i*), else the logged tokens."""
    col = (lambda t: f"s.i{t}") if imputed else (lambda t: f"s.{t}")
    parts = []
    for t, p in zip(*token_lists(cuts.modalities, cuts.has_citations), strict=True):
        if t == "tout":
            moved = moved_output_sql(role, ratio, col("tout"), col("trs"))
            value = f"CASE WHEN {key} IS NOT DISTINCT FROM s.logged_key THEN {col('tout')} ELSE {moved} END"
        elif t in ("trs", CITATION_TOKEN):  # billed at their own rates on the logged model; moved, as output
            value = f"CASE WHEN {key} IS NOT DISTINCT FROM s.logged_key THEN {col(t)} ELSE 0 END"
        elif t in ("tws", "tsq", "tfs") or t in _MODAL:  # searches, audio and images are the same on any model:
            value = col(t)                 # never scaled by the text tokenizers' ratio
        else:
            value = f"{col(t)} * {ratio}"
        parts.append(f"CASE WHEN {when} THEN CAST(round({value}) AS BIGINT) ELSE 0 END AS {prefix}{p}")
    return ", ".join(parts)


def _long(prefix: str, ratio: str, model: str) -> str:
    """The class's (identical) per-call input on the new model when it is above that model's
    lowest long-context threshold, else NULL: the price step picks long-context rates from it."""
    scaled = f"CAST(round(s.long_input * {ratio}) AS BIGINT)"
    return f"CASE WHEN {scaled} > {model}.lc_min THEN {scaled} END AS {prefix}lc"


def _measures_sql(policy: Policy, decisions: str, base_key: str | None, cuts: Cuts) -> str:
    """Per decided class: escalation, tokens on the new models, and (for single calls) latency."""
    cascade = policy.cascade
    to_idx = policy.tier_order().index(cascade.to) if cascade else -1
    rate = "(1 - coalesce(qm.score, 1))" if cascade and cascade.from_quality else "coalesce(et.rate, ed.rate, 0)"
    m_ratio, e_ratio, b_ratio = (f"coalesce({m}.token_ratio / coalesce(ms.token_ratio, 1.0), 1.0)" for m in ("mt", "me", "mb"))
    imputed = ", ".join(f"s0.{t} + s0.nz * coalesce(a.{t}, 0) AS i{t}" for t in ("tin", "tcr", "tcw", "tout", "trs"))
    # an imputed answer: 5-minute writes, no searches, no audio beyond what the failed call logged
    imputed += ", s0.tcw1h AS itcw1h, s0.tws AS itws, s0.tsq AS itsq, s0.tfs AS itfs" + "".join(f", s0.{t} AS i{t}" for m in cuts.modalities for t in MODAL_TOKENS[m])
    imputed += f", s0.{CITATION_TOKEN} AS i{CITATION_TOKEN}" if cuts.has_citations else ""
    m_out = f"CASE WHEN s.final_key IS NOT DISTINCT FROM s.logged_key THEN s.itout ELSE {moved_output_sql('mt', m_ratio, 's.itout', 's.itrs')} END"
    e_out = moved_output_sql("me", e_ratio, "s.itout", "s.itrs")
    return f"""
    WITH d AS ({decisions}),
    s0 AS (
        SELECT d.*, d.cascaded AND d.esc_cut < {rate} AS escalated
        FROM d
        LEFT JOIN _sim_quality qm ON qm.model_key = d.final_key AND qm.task = d.task
        LEFT JOIN _sim_esc et ON et.task = d.task
        LEFT JOIN (SELECT rate FROM _sim_esc WHERE task = 'default') ed ON true),
    s AS (  -- a failed logged call carries no tokens: answered elsewhere it is priced as an answered call of its task
        SELECT s0.*, {imputed},
               s0.tunc + s0.nz * greatest(coalesce(a.tin - a.tcr - a.tcw, 0), 0) AS itunc
        FROM s0 LEFT JOIN _sim_task_tokens a ON a.task = s0.task)
    SELECT s.day, s.tod, s.st, s.ctx, s.task, s.route_idx, s.tier_idx, CASE WHEN s.escalated THEN {to_idx} ELSE s.tier_idx END AS answer_tier,
           s.keep, s.route_model IS NOT NULL AS model_route, s.compliance, s.failed, s.fell_back, s.escalated,
           s.cache_hit, s.moved_up, s.degraded, s.incompatible, s.final_key,
           CASE WHEN s.escalated THEN s.esc_key END AS esc_key,
           s.ok, s.data_class, s.is_batch, s.baseline_known, s.n, s.actual, s.others, s.ref,
           {_moved("m_", "mt", "s.final_key", m_ratio, "true", True, cuts)},
           {_moved("e_", "me", "s.esc_key", e_ratio, "s.escalated", True, cuts)},
           {_moved("b_", "mb", "mb.model_key", b_ratio, "true" if base_key else "false", False, cuts)},
           {_long("m_", m_ratio, "mt")},
           CASE WHEN s.escalated THEN {_long("e_", e_ratio, "me").removesuffix(" AS e_lc")} END AS e_lc,
           {_long("b_", b_ratio, "mb")},
           CASE WHEN s.cache_hit OR (s.degraded AND s.final_key IS NULL) THEN 0 ELSE
               (CASE WHEN s.failed THEN NULL
                     WHEN mt.ttft_ms IS NOT NULL AND mt.output_tokens_per_s > 0
                          THEN mt.ttft_ms + round({m_out}) * 1000.0 / mt.output_tokens_per_s
                     WHEN s.final_key = s.logged_key THEN s.latency_ms END)
               + CASE WHEN s.escalated
                      THEN coalesce(me.ttft_ms + round({e_out}) * 1000.0 / nullif(me.output_tokens_per_s, 0), 0)
                      ELSE 0 END
           END AS latency
    FROM s
    LEFT JOIN _sim_models mt ON mt.model_key = s.final_key
    LEFT JOIN _sim_models ms ON ms.model_key = s.logged_key
    LEFT JOIN _sim_models me ON me.model_key = s.esc_key
    LEFT JOIN _sim_models mb ON mb.model_key = ?
    LEFT JOIN _sim_visible vs ON vs.model_key = s.logged_key AND vs.task = s.task
    LEFT JOIN _sim_reasoning ra ON ra.model_key = '*' AND ra.task = s.task
    {profile_joins("mt", "s.final_key")}
    {profile_joins("me", "s.esc_key")}
    {profile_joins("mb", "mb.model_key")}"""


_DIMENSIONS = ("day", "tod", "st", "ctx", "task", "route_idx", "tier_idx", "answer_tier", "keep", "model_route", "compliance", "failed", "fell_back",
               "escalated", "cache_hit", "moved_up", "degraded", "incompatible", "final_key", "esc_key", "ok", "data_class", "is_batch",
               "baseline_known", "m_lc", "e_lc", "b_lc")


@dataclass(frozen=True)
class _Plan:
    """What a replay of one policy has worked out before it scans the calls."""

    cuts: Cuts
    has_call_hash: bool
    base_key: str | None
    when_keys: dict[str, str | None]  # price key of each `when: {model: ...}` value
    degrade_key: str | None  # price key of `failover.degrade_to` (a model)


def _replay_sql(policy: Policy, options: SimulationOptions, plan: _Plan, per_call: bool = False,
                table: str = "calls") -> tuple[str, list[Any]]:
    source, source_params = source_sql(policy, options, plan.cuts, plan.has_call_hash, per_call, table, plan.when_keys)
    decisions, params = decisions_sql(policy, plan.cuts, source, source_params, plan.degrade_key)
    base_key = None if per_call else plan.base_key
    return _measures_sql(policy, decisions, base_key, plan.cuts), [*params, base_key]


def _aggregate(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions, plan: _Plan) -> None:
    """_sim_groups: the replayed classes summed by everything the figures break down by."""
    replay, params = _replay_sql(policy, options, plan)
    dims = ", ".join(_DIMENSIONS)
    sums = ", ".join(f"sum({x}{p}) AS {x}{p}" for x in ("m_", "e_", "b_") for p in token_lists(plan.cuts.modalities, plan.cuts.has_citations)[1])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_groups AS
        SELECT {dims}, sum(n) AS n, sum(actual) AS actual, sum(others) AS others, {sums} FROM ({replay}) GROUP BY {dims}""",
        params,
    )


def _latency(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions, plan: _Plan,
             records: int) -> None:
    """_sim_latency (task, latency, calls) and _sim_over (task, over budget, calls looked at),
    from every call when there are at most LATENCY_SAMPLE, else from a seeded sample."""
    below = None if records <= LATENCY_SAMPLE else int(LATENCY_SAMPLE / records * 2**64)
    sample = sample_table_sql(policy, options, plan.has_call_hash, below, plan.cuts)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _sim_sample AS {sample}")
    replay, params = _replay_sql(policy, options, plan, True, "_sim_sample")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sim_sampled AS SELECT task, tier_idx, answer_tier, latency FROM ({replay})",
                params)
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_latency AS
        SELECT task, latency, count(*) AS n FROM _sim_sampled WHERE latency IS NOT NULL GROUP BY task, latency""")
    # An escalated call was routed to one tier and answered by another: it is held to the tighter
    # of the two budgets (its two attempts together answer a request routed under the first).
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_over AS
        SELECT s.task, count(*) FILTER (WHERE s.latency > least(r.max_latency_ms, t.max_latency_ms)) AS over,
               count(*) AS looked_at
        FROM _sim_sampled s LEFT JOIN _sim_tiers t ON t.tier_idx = s.answer_tier
        LEFT JOIN _sim_tiers r ON r.tier_idx = s.tier_idx GROUP BY s.task""")
    con.execute("DROP TABLE _sim_sampled")
    con.execute("DROP VIEW _sim_sample")


def _price(con: duckdb.DuckDBPyConnection, base_key: str | None, cuts: Cuts) -> None:
    """_sim_final: each group with its model cost, baseline cost and projected cost.

    A group is priced at its day and stretch of the day (off-peak windows), at the service tier
    its calls were billed at (priority, flex...) where the answering model has rates for that tier,
    else at the model's standard rates."""
    at = "to_timestamp(g.day * 86400 + g.tod)"

    def joins(alias: str, key: str) -> str:
        return (f"LEFT JOIN price_rates {alias} ON {alias}.model_key = {key} AND {rate_window_sql(alias, at)} "
                f"LEFT JOIN price_rates_all {alias}t ON g.st <> 'standard' AND {alias}t.model_key = {key} "
                f"AND {alias}t.service_tier = g.st AND {rate_window_sql(alias + 't', at)}")

    def cost(alias: str, prefix: str) -> str:
        # every call of a group is an answered request on its model (a failed group costs nothing)
        def on(rate: str) -> str:
            return cost_from_sums_sql(rate, prefix, f"{prefix}lc", "g.is_batch", f"{prefix}cw1h", f"{prefix}rs",
                                      f"{prefix}ws", _modal_sums(prefix, cuts.modalities), "g.n",
                                      f"{prefix}{CITATION_PART}" if cuts.has_citations else None,
                                      "g.ctx" if cuts.sized_fees else None, f"{prefix}sq", f"{prefix}fs")
        return f"(CASE WHEN {alias}t.model_key IS NOT NULL THEN {on(alias + 't')} ELSE {on(alias)} END)"

    main, esc = cost("pm", "g.m_"), cost("pe", "g.e_")
    if base_key:  # every call on the baseline model, still paying its steps on other models
        baseline, base_join, params = f"{cost('pb', 'g.b_')} + g.others", joins("pb", "?"), [base_key, base_key]
    else:
        baseline, base_join, params = "CASE WHEN g.baseline_known THEN g.actual END", "", []
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_final AS
        WITH parts AS (
            SELECT g.*, (pm.model_key IS NOT NULL OR g.failed OR (g.degraded AND g.final_key IS NULL)) AS priced,
                   CASE WHEN g.failed OR g.final_key IS NULL THEN 0 ELSE {main} + g.others END AS main_cost,
                   CASE WHEN g.escalated THEN {esc} ELSE 0 END AS esc_cost,
                   CAST({baseline} AS {MONEY}) AS baseline_cost
            FROM _sim_groups g
            {joins("pm", "g.final_key")}
            {joins("pe", "g.esc_key")}
            {base_join}),
        p AS (SELECT *, main_cost + esc_cost AS model_cost FROM parts)
        -- a rate the call needs and the model lacks (a batch call where no batch price is known, web
        -- searches on a model without a search fee) leaves the cost NULL: unpriced, never $0.
        -- An escalated call's cost is its two attempts: projected_main on its first model (final_key),
        -- projected_esc on the model it escalated to (esc_key), so each model and tier is charged its own.
        SELECT p.* EXCLUDE (main_cost, esc_cost) REPLACE (p.priced AND (p.model_cost IS NOT NULL OR p.cache_hit) AS priced),
               CAST(CASE WHEN p.cache_hit THEN 0 ELSE p.model_cost END AS {MONEY}) AS projected_cost,
               CAST(CASE WHEN p.cache_hit THEN 0 WHEN p.model_cost IS NOT NULL THEN p.main_cost END AS {MONEY}) AS projected_main,
               CAST(CASE WHEN p.cache_hit THEN 0 WHEN p.model_cost IS NOT NULL THEN p.esc_cost END AS {MONEY}) AS projected_esc
        FROM p""",
        params,
    )


def _baseline_warnings(con: duckdb.DuckDBPyConnection, options: SimulationOptions, base_key: str | None,
                       period: str) -> list[str]:
    """A `model:NAME` baseline prices every call on that model: calls of another operation (chat
    calls on an embedding model, embeddings on a chat model) are priced at rates no such call has."""
    if base_key is None:
        return []
    embedding = con.execute("SELECT coalesce(any_value(mode) = 'embedding', false) FROM model_info WHERE model_key = ?",
                            [base_key]).fetchall()[0][0]
    other = int(con.execute(f"SELECT count(*) FROM calls c WHERE {period} AND coalesce(c.operation = 'embedding', false) <> ?",
                            [embedding]).fetchall()[0][0])
    if not other:
        return []
    kind, others = ("an embedding model", "calls that are not embeddings") if embedding else ("not an embedding model",
                                                                                               "embedding calls")
    return [f"--baseline {options.baseline}: {base_key} is {kind}, and the baseline prices {other:,} {others} "
            "at its rates: compare against a model of their operation"]


def _baseline_key(options: SimulationOptions, con: duckdb.DuckDBPyConnection) -> str | None:
    """The price key of a `model:NAME` baseline (None for the logged calls' own prices)."""
    if options.baseline == "actual":
        return None
    if not options.baseline.startswith("model:"):
        raise ConfigError(f"--baseline must be `actual` or `model:NAME`, not {options.baseline!r}")
    name = options.baseline[len("model:"):]
    return resolve_models(con, {name}, "--baseline")[name]


def prepare_replay(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions, source: str,
                   base_key: str | None) -> tuple[_Plan, int]:
    """Everything a replay of `policy` works out before it scans the calls: the policy's tables,
    the models, breaker windows, latency ranks, token profiles and the cuts. Returns the plan and
    the number of breaker openings. Used by run_policy and by the per-call quality replay."""
    keys = resolve_models(con, policy.models(), source)
    load_tables(con, policy, keys)
    load_chains(con)
    _models_table(con)
    period = period_sql(options)
    openings = breaker_windows(con, policy, period)
    latency_ranks(con, policy, period)
    load_profiles(con, period)
    cuts = find_cuts(con, policy, keys, options)
    degrade = policy.failover.degrade_to
    plan = _Plan(cuts, has_column(con, "call_hash"), base_key, when_model_keys(con, policy),
                 keys[degrade] if degrade and degrade != "cached" else None)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sim_hits AS {hits_sql(policy, options, plan.has_call_hash)}")
    return plan, openings


def run_policy(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions = SimulationOptions(),
               source: str = "policy") -> SimulationResult:
    """Replay the stored calls against `policy`. Needs pricing registered on `con`."""
    if options.sample_rate is not None and not 0 < options.sample_rate <= 1:
        raise ConfigError(f"--sample-rate must be in (0, 1], not {options.sample_rate}")
    plan, openings = prepare_replay(con, policy, options, source, _baseline_key(options, con))
    _aggregate(con, policy, options, plan)
    period = period_sql(options)
    records = int(con.execute("SELECT count(*) FROM calls c WHERE " + period).fetchall()[0][0])
    _latency(con, policy, options, plan, records)
    _price(con, plan.base_key, plan.cuts)
    result = summarise(con, policy, options, records, breaker_openings=openings, weighted=plan.cuts.has_weight)
    result.warnings = replay_warnings(con, policy, source) + _baseline_warnings(con, options, plan.base_key, period)
    from mmaudit.evals.baselines import (
        attach,  # measured quality, when evals has outcomes (docs/evals.md)
    )
    attach(con, policy, options, result)
    return result


__all__ = ["SimulationOptions", "run_policy"]
