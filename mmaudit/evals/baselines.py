"""A policy's measured quality beside honest baselines on the same calls (docs/evals.md).

    all:<model>  every call on one model (the engine's own replay and prices)
    logged       the routing the logs show, at the logged cost
    oracle       per call the best-scoring model on its item, cheapest among ties (with 0/1
                 outcomes: the cheapest model that succeeds): a bound no real router reaches
    random mix   a coin flip between two single models weighted to cost what the policy costs:
                 the upper hull of the single-model (cost, quality) points at the policy's cost.
                 A policy below it does worse than not routing on content at all.

PGR places the policy between the weakest and the strongest single model (0 and 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb

from mmaudit.evals.importer import mixed_grader_cells
from mmaudit.evals.stats import pgr
from mmaudit.policy import Policy, Route, Tier
from mmaudit.simulate.decide import SimulationOptions, period_sql
from mmaudit.simulate.measured import Baseline, Quality, RandomMix
from mmaudit.simulate.quality import (
    MIN_ITEMS,
    build_items,
    expected_successes,
    has_evals,
    interval_of,
    quality_of,
    replay_per_call,
    score_sql,
    task_latencies,
    total_cost,
)
from mmaudit.simulate.result import SimulationResult


@dataclass
class SingleModel:
    key: str
    cost: Decimal
    quality: float | None


def single_model_policy(key: str) -> Policy:
    """`all:<key>`: every call on one model, no fallback, nothing else."""
    return Policy(version=1, name=f"all:{key}", tiers={"all": Tier(models=[key])}, routes=[Route(default="all")])


def prepare(con: duckdb.DuckDBPyConnection, options: SimulationOptions) -> None:
    """Outcome tables and the single-model and logged replays, once per period (memoised in
    the temp table _ev_memo, since several policies and sweep points share them)."""
    rows, latest = con.execute("SELECT count(*), max(created_at) FROM evals").fetchall()[0]
    calls = con.execute("SELECT count(*) FROM calls").fetchall()[0][0]
    key = f"{options.since}|{options.until}|{rows}|{latest}|{calls}"  # new outcomes or calls: prepare again
    done = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_ev_memo' AND temporary").fetchall()[0][0]
    if done and con.execute("SELECT count(*) FROM _ev_memo WHERE k = ?", [key]).fetchall()[0][0]:
        return
    build_items(con, options)
    models = [r[0] for r in con.execute("""SELECT DISTINCT model_key FROM _ev_item
        WHERE model_key IN (SELECT model_key FROM price_rates) ORDER BY 1""").fetchall()]
    con.execute("""CREATE OR REPLACE TEMP TABLE _ev_base (model_key VARCHAR, ref BIGINT, task VARCHAR, complexity VARCHAR,
                   failed BOOLEAN, cache_hit BOOLEAN, answer_key VARCHAR, cost DECIMAL(38, 12), latency DOUBLE,
                   answer_tier INTEGER, score DOUBLE, success DOUBLE, level VARCHAR, cluster VARCHAR)""")
    for model in models:  # a handful of distinct models, each one set-based replay
        replay_per_call(con, single_model_policy(model), options, "_ev_one", f"baseline all:{model}")
        con.execute(f"INSERT INTO _ev_base BY NAME SELECT ? AS model_key, * FROM ({score_sql('_ev_one')})", [model])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_logged_calls AS
        SELECT c.rowid AS ref, coalesce(c.task, 'other') AS task, c.complexity, c.status <> 'ok' AS failed,
               false AS cache_hit, c.model_key AS answer_key, c.cost_usd AS cost, c.latency_ms AS latency,
               NULL::INTEGER AS answer_tier
        FROM calls c WHERE {period_sql(options)}""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ev_logged AS {score_sql('_ev_logged_calls')}")
    con.execute("CREATE OR REPLACE TEMP TABLE _ev_memo (k VARCHAR)")
    con.execute("INSERT INTO _ev_memo VALUES (?)", [key])


def single_models(con: duckdb.DuckDBPyConnection) -> list[SingleModel]:
    rows = con.execute("""SELECT model_key, coalesce(sum(cost), 0), avg(score) FROM _ev_base
                          GROUP BY model_key ORDER BY model_key""").fetchall()
    return [SingleModel(r[0], Decimal(r[1]), r[2]) for r in rows]


def strongest(models: list[SingleModel]) -> SingleModel | None:
    scored = [m for m in models if m.quality is not None]
    return max(scored, key=lambda m: (m.quality, -m.cost)) if scored else None


def weakest(models: list[SingleModel]) -> SingleModel | None:
    scored = [m for m in models if m.quality is not None]
    return min(scored, key=lambda m: (m.quality, m.cost)) if scored else None


def strong_share(con: duckdb.DuckDBPyConnection, table: str, strong: SingleModel | None) -> float | None:
    if strong is None:
        return None
    value = con.execute(f"SELECT avg(CAST(answer_key = ? AND NOT failed AS DOUBLE)) FROM {table}", [strong.key]).fetchall()[0][0]
    return None if value is None else float(value)


def baselines(con: duckdb.DuckDBPyConnection, seed: str) -> list[Baseline]:
    """all:<model> for each priced model with outcomes, logged, oracle (prepare() first)."""
    models = single_models(con)
    strong = strongest(models)
    out = []
    for m in models:
        where = f"model_key = '{_lit(m.key)}'"
        iv = interval_of(con, "_ev_base", "score", seed, where, pooled=True)
        out.append(Baseline(f"all:{m.key}", m.cost, m.quality, _finite(iv.low), _finite(iv.high),
                            1.0 if strong and m.key == strong.key else 0.0, _assumed_share(con, "_ev_base", where)))
    logged = quality_of(con, "_ev_logged", seed)
    out.append(Baseline("logged", total_cost(con, "_ev_logged"), logged.mean, logged.ci_low, logged.ci_high,
                        strong_share(con, "_ev_logged", strong), _assumed_share(con, "_ev_logged")))
    _oracle(con)
    oracle = quality_of(con, "_ev_oracle", seed)
    out.append(Baseline("oracle", total_cost(con, "_ev_oracle"), oracle.mean, oracle.ci_low, oracle.ci_high,
                        strong_share(con, "_ev_oracle", strong), _assumed_share(con, "_ev_oracle")))
    return out


def _assumed_share(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> float | None:
    """Share of a baseline's scored calls whose score is a price-table prior (none scored: None)."""
    value = con.execute(f"SELECT avg(CAST(level = 'assumed' AS DOUBLE)) FROM {table} WHERE score IS NOT NULL AND {where}"
                        ).fetchall()[0][0]
    return None if value is None else float(value)


def _finite(x: float | None) -> float | None:
    """NaN (an interval over nothing) as None, so the JSON stays valid."""
    return None if x is None or x != x else x


def _lit(text: str) -> str:
    """A model key (from our price tables) as a SQL string literal body."""
    return text.replace("'", "''")


def _oracle(con: duckdb.DuckDBPyConnection) -> None:
    """_ev_oracle: per call the best-scoring single model, cheapest among ties. With 0/1 outcomes
    that is the cheapest model that succeeds (the cheapest of all when none does); with graded or
    repeated outcomes it stays a bound on quality (a cheap model right 3 times in 5 does not
    beat a dear one right 5 times in 5)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _ev_oracle AS
        SELECT * EXCLUDE (model_key) FROM _ev_base WHERE score IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY ref ORDER BY round(score, 12) DESC, cost ASC NULLS LAST,
                                   model_key) = 1""")


def random_mix(con: duckdb.DuckDBPyConnection, scored: str, policy_cost: Decimal, policy_quality: float | None,
               seed: str) -> RandomMix | None:
    """The two single models whose hull segment spans the policy's cost, mixed to that cost, and
    the policy's margin over it with a paired interval (per-call differences, bootstrapped)."""
    points = sorted((m for m in single_models(con) if m.quality is not None), key=lambda m: (m.cost, -m.quality))
    hull: list[SingleModel] = []
    for m in points:  # upper hull, quality not decreasing in cost (a dearer, worse model is never mixed in)
        if hull and m.quality <= hull[-1].quality:
            continue
        while len(hull) >= 2 and _below(hull[-2], hull[-1], m):
            hull.pop()
        hull.append(m)
    if not hull or policy_quality is None:
        return None
    a, b, p = _segment(hull, policy_cost)
    mix_quality = (1 - p) * a.quality + p * b.quality
    mix_cost = (Decimal(1) - Decimal(p)) * a.cost + Decimal(p) * b.cost
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_diff AS
        SELECT s.score - ((1 - ?) * ba.score + ? * bb.score) AS d, s.cluster || '/' || ba.cluster || '/' || bb.cluster AS cluster
        FROM {scored} s
        LEFT JOIN _ev_base ba ON ba.ref = s.ref AND ba.model_key = ?
        LEFT JOIN _ev_base bb ON bb.ref = s.ref AND bb.model_key = ?
        WHERE s.score IS NOT NULL AND ba.score IS NOT NULL AND bb.score IS NOT NULL""", [p, p, a.key, b.key])
    measured = con.execute(f"SELECT count(*) FROM {scored} WHERE level IS DISTINCT FROM 'assumed'").fetchall()[0][0]
    # priors against priors: no sample, so no interval (a zero-width one read as certain)
    iv = interval_of(con, "_ev_diff", "d", seed, proportion=False) if measured else None
    return RandomMix(quality=mix_quality, cost_usd=mix_cost, margin=policy_quality - mix_quality,
                     margin_ci_low=_finite(iv.low) if iv else None, margin_ci_high=_finite(iv.high) if iv else None, models=[a.key, b.key] if a.key != b.key else [a.key],
                     share_of_second=p)


def _below(a: SingleModel, b: SingleModel, c: SingleModel) -> bool:
    """Is b on or below the line from a to c (so the hull skips it)?"""
    return float(b.cost - a.cost) * (c.quality - a.quality) >= float(c.cost - a.cost) * (b.quality - a.quality)


def _segment(hull: list[SingleModel], cost: Decimal) -> tuple[SingleModel, SingleModel, float]:
    if cost <= hull[0].cost:
        return hull[0], hull[0], 0.0
    for a, b in zip(hull, hull[1:]):
        if cost <= b.cost:
            return a, b, float((cost - a.cost) / (b.cost - a.cost))
    return hull[-1], hull[-1], 0.0


def policy_pgr(quality: float | None, con: duckdb.DuckDBPyConnection) -> float | None:
    models = single_models(con)
    weak, strong = weakest(models), strongest(models)
    if quality is None or weak is None or strong is None:
        return None
    return pgr(quality, weak.quality, strong.quality)


def attach(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions, result: SimulationResult) -> None:
    """Add measured quality, baselines, random mix and PGR to a policy's result (no-op without
    outcomes). Runs after the engine's summary: it replays into the engine's temp tables."""
    if not has_evals(con):
        return
    prepare(con, options)
    measured_tokens, measured_latency = replay_per_call(con, policy, options, "_ev_pol", policy.name)
    if measured_latency:
        _replace_latency(con, result)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ev_pol_s AS {score_sql('_ev_pol')}")
    quality = quality_of(con, "_ev_pol_s", options.seed)
    result.quality = quality
    successes = Decimal(f"{expected_successes(con, '_ev_pol_s'):.9f}")  # success probabilities summed
    cost = total_cost(con, "_ev_pol_s")  # per call, with measured output tokens where the evals have them
    result.cost_per_success_usd = (cost + result.fixed_cost_usd) / successes if successes > 0 else None
    result.pgr = policy_pgr(quality.mean, con)
    result.baselines = baselines(con, options.seed)
    result.random_mix = random_mix(con, "_ev_pol_s", cost, quality.mean, options.seed)
    result.assumptions.extend(_notes(con, quality, measured_tokens, measured_latency))


def _replace_latency(con: duckdb.DuckDBPyConnection, result: SimulationResult) -> None:
    """Per-task latency from every call, measured latencies in (the engine's may be sampled)."""
    figures = task_latencies(con, "_ev_pol")
    for task in result.tasks:
        if task.task in figures:
            task.p50_latency_ms, task.p95_latency_ms, task.over_latency_budget_calls = figures[task.task]


def _notes(con: duckdb.DuckDBPyConnection, quality: Quality, measured_tokens: int, measured_latency: int) -> list[str]:
    notes = [
        ("Measured quality (from the evals table): each call scores the outcome of the model that answers it — its own "
         f"item when measured, else pooled outcomes of its task x complexity, task or model (each over at least "
         f"{MIN_ITEMS} items), else the price table's prior, which is ASSUMED, not measured (the table's Assumed column). "
         "A call left failed scores 0. 95% intervals: Wilson for single 0/1 outcomes, else a bootstrap that resamples "
         "items (calls sharing an item move together)."),
        ("Baselines on the same calls: all:<model> (every call on it), logged, oracle (per call the best-scoring model, "
         "cheapest among ties: a bound, not a router); random mix = two single models mixed to the policy's cost."),
    ]
    if measured_tokens:
        notes.append("Calls whose item measured output tokens on the answering model use them instead of the scaled "
                     "logged tokens in the measured-quality costs (cost per success, baselines, random mix); the "
                     "projected cost above keeps the replay's.")
    if measured_latency:
        notes.append(f"Latency: {measured_latency:,} calls use the latency measured in evals on their model; the per-task "
                     "percentiles and over-budget counts are recomputed over every call with them.")
    mixed = mixed_grader_cells(con)
    if mixed:
        notes.append(f"{mixed:,} item x model outcomes mix graders; their scores are averaged across graders.")
    return notes
