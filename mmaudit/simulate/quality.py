"""Measured quality of a replayed policy, from the outcomes in `evals` (docs/evals.md).

The class-level replay (engine.py) cannot say which call went where, and quality needs exactly
that: the score of the model that answers each call (after routing, cascade, failover and A/B).
So when outcomes exist, the same SQL replay runs once more with one row per call (`ref` = the
call's rowid), priced per call by the engine's own price step, and each call is scored at the
first level that has a figure:

    item        the call's own item (its call_id, else its prompt_hash) measured on that model
    cell        task x complexity x model, over at least MIN_ITEMS items
    task_model  task x model, over at least MIN_ITEMS items
    model       the model over all its items, at least MIN_ITEMS
    assumed     the price table's quality prior for the model and task (not a measurement)

A call the policy leaves failed (its chain ran out) scores 0: no answer is a wrong answer.
Measured output tokens and latency of an item on a model replace the replay's assumptions (scaled
tokens; ttft + tokens / speed) for that call.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import duckdb

from mmaudit.evals.stats import Interval, mean_interval
from mmaudit.policy import Policy
from mmaudit.simulate.decide import SimulationOptions, period_sql, sample_table_sql, token_lists
from mmaudit.simulate.measured import Quality, QualityLevels
from mmaudit.store import fetch_dicts

MIN_ITEMS = 30
# a writer may leave model_key empty (live runs write the model as called): resolve it here
MODEL_KEY = "coalesce(model_key, mm_model_key(model))"
LEVELS = ("item", "cell", "task_model", "model", "assumed")


def _sums(modalities: tuple[str, ...], citations: bool) -> tuple[str, ...]:
    """The replayed token sums per role (m_, e_, b_) for calls carrying these modalities (and citations)."""
    return tuple(f"{x}{p}" for x in ("m_", "e_", "b_") for p in token_lists(modalities, citations)[1])


def has_evals(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store has an `evals` table (migration 0004) with a usable outcome."""
    present = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'evals' AND NOT temporary"
                          ).fetchall()[0][0]
    if not present:
        return False
    return bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM evals WHERE score IS NOT NULL "
                            f"AND {MODEL_KEY} IS NOT NULL LIMIT 1)").fetchall()[0][0])


def build_items(con: duckdb.DuckDBPyConnection, options: SimulationOptions) -> None:
    """The outcome tables every scoring step joins to.

    _ev_item       (item, model) -> mean score and success over samples and graders
    _ev_call_item  (call ref, model) -> its item's figures (by call_id first, else prompt_hash)
    _ev_cell, _ev_tm, _ev_model   the pooled levels, only where >= MIN_ITEMS items
    """
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_item AS
        SELECT call_id, CASE WHEN call_id IS NULL THEN prompt_hash END AS prompt_hash, {MODEL_KEY} AS model_key,
               avg(score) AS score, avg(CAST(coalesce(success, score >= 0.5) AS DOUBLE)) AS success,
               avg(output_tokens) AS out_tokens, avg(latency_ms) AS latency_ms,
               any_value(task) AS task, any_value(complexity) AS complexity
        FROM evals WHERE NOT coalesce(judge_failed, false) AND score IS NOT NULL AND {MODEL_KEY} IS NOT NULL
        GROUP BY 1, 2, 3""")
    period = period_sql(options)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_call_item AS
        WITH c AS (SELECT c.rowid AS ref, c.call_id, c.prompt_hash, coalesce(c.task, 'other') AS task, c.complexity
                   FROM calls c WHERE {period}),
        m AS (SELECT c.*, i.model_key, i.score, i.success, i.out_tokens, i.latency_ms, i.call_id AS i_call,
                     i.prompt_hash AS i_prompt, 0 AS prio
              FROM c LEFT JOIN _ev_item i ON i.call_id = c.call_id WHERE i.model_key IS NOT NULL
              UNION ALL
              SELECT c.*, i.model_key, i.score, i.success, i.out_tokens, i.latency_ms, i.call_id, i.prompt_hash, 1
              FROM c LEFT JOIN _ev_item i ON i.call_id IS NULL AND i.prompt_hash = c.prompt_hash
              WHERE i.model_key IS NOT NULL AND c.prompt_hash IS NOT NULL)
        SELECT * EXCLUDE (prio) FROM m QUALIFY row_number() OVER (PARTITION BY ref, model_key ORDER BY prio) = 1""")
    # an item's task and complexity: the categoriser's, from a logged call it matches, else the file's
    con.execute("""CREATE OR REPLACE TEMP TABLE _ev_item_tc AS
        WITH t AS (SELECT i_call, i_prompt, any_value(task) AS task, any_value(complexity) AS complexity
                   FROM _ev_call_item GROUP BY ALL)
        SELECT i.model_key, i.score, i.success, coalesce(t.task, i.task) AS task, coalesce(t.complexity, i.complexity) AS complexity
        FROM _ev_item i LEFT JOIN t ON t.i_call IS NOT DISTINCT FROM i.call_id AND t.i_prompt IS NOT DISTINCT FROM i.prompt_hash""")
    for name, keys in (("_ev_cell", "task, complexity, model_key"), ("_ev_tm", "task, model_key"), ("_ev_model", "model_key")):
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {name} AS
            SELECT {keys}, avg(score) AS score, avg(success) AS success, count(*) AS items FROM _ev_item_tc
            WHERE {' AND '.join(f'{k.strip()} IS NOT NULL' for k in keys.split(','))}
            GROUP BY {keys} HAVING count(*) >= {MIN_ITEMS}""")


def replay_per_call(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions,
                    out: str, source: str = "policy") -> tuple[int, int]:
    """`out` (ref, task, complexity, failed, answer_key, cost, latency, answer_tier): the policy
    replayed call by call and priced by the engine's own steps. Returns how many calls took
    measured output tokens, and how many a measured latency."""
    from mmaudit.simulate import engine  # engine imports this module; the replay steps live there

    plan, _ = engine.prepare_replay(con, policy, options, source, None)
    con.execute("CREATE OR REPLACE TEMP TABLE _ev_sample AS "
                + sample_table_sql(policy, options, plan.has_call_hash, None, plan.cuts))
    replay, params = engine._replay_sql(policy, options, plan, True, "_ev_sample")
    cols = ", ".join((*engine._DIMENSIONS, "ref", "n", "actual", "others", "latency", *_sums(plan.cuts.modalities, plan.cuts.has_citations)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sim_groups AS SELECT {cols} FROM ({replay})", params)
    measured = _measured_tokens(con), _measured_latency(con)
    engine._price(con, None, plan.cuts)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT f.ref, f.task, s.complexity, f.failed, f.cache_hit,
               CASE WHEN f.escalated THEN f.esc_key ELSE f.final_key END AS answer_key, f.projected_cost AS cost,
               f.latency, f.answer_tier
        FROM _sim_final f LEFT JOIN _ev_sample s ON s.ref = f.ref""")
    con.execute("DROP TABLE _ev_sample")
    return measured


def _measured_tokens(con: duckdb.DuckDBPyConnection) -> int:
    """Output tokens an item measured on the answering model replace the replay's scaled ones."""
    n = 0
    for model_col, tokens_col, when in (("final_key", "m_out", "NOT g.escalated"), ("esc_key", "e_out", "g.escalated")):
        n += int(con.execute(f"""UPDATE _sim_groups g SET {tokens_col} = CAST(round(ci.out_tokens) AS BIGINT)
            FROM _ev_call_item ci
            WHERE ci.ref = g.ref AND ci.model_key = g.{model_col} AND ci.out_tokens IS NOT NULL
              AND NOT g.failed AND NOT g.cache_hit AND {when}""").fetchall()[0][0])
    return n


def _measured_latency(con: duckdb.DuckDBPyConnection) -> int:
    """Latency an item measured on the answering model replaces the replay's ttft + tokens/speed
    (an escalated call: when both of its models were measured, their sum)."""
    single = int(con.execute("""UPDATE _sim_groups g SET latency = ci.latency_ms FROM _ev_call_item ci
        WHERE ci.ref = g.ref AND ci.model_key = g.final_key AND ci.latency_ms IS NOT NULL
          AND NOT g.failed AND NOT g.cache_hit AND NOT g.escalated""").fetchall()[0][0])
    both = int(con.execute("""UPDATE _sim_groups g SET latency = a.latency_ms + b.latency_ms
        FROM _ev_call_item a, _ev_call_item b
        WHERE a.ref = g.ref AND a.model_key = g.final_key AND b.ref = g.ref AND b.model_key = g.esc_key
          AND a.latency_ms IS NOT NULL AND b.latency_ms IS NOT NULL AND g.escalated AND NOT g.failed
          AND NOT g.cache_hit""").fetchall()[0][0])
    return single + both


def task_latencies(con: duckdb.DuckDBPyConnection, outcomes: str) -> dict[str, tuple[float | None, float | None, int]]:
    """Per task: P50 and P95 latency and calls over their tier's budget, from every replayed call."""
    rows = con.execute(f"""SELECT o.task, quantile_cont(o.latency, 0.5), quantile_cont(o.latency, 0.95),
                                  count(*) FILTER (WHERE o.latency > t.max_latency_ms)
                           FROM {outcomes} o LEFT JOIN _sim_tiers t ON t.tier_idx = o.answer_tier
                           GROUP BY o.task""").fetchall()
    return {r[0]: (r[1], r[2], int(r[3])) for r in rows}


def score_sql(outcomes: str) -> str:
    """Each call of `outcomes` (ref, task, complexity, failed, answer_key) with its score,
    success (a probability at pooled levels) and the level the figure came from."""
    return f"""
        SELECT p.*,
               CASE WHEN p.failed THEN 0.0 ELSE coalesce(ci.score, ce.score, tm.score, mo.score, q.score, qd.score) END AS score,
               CASE WHEN p.failed THEN 0.0 ELSE coalesce(ci.success, ce.success, tm.success, mo.success, q.score, qd.score) END AS success,
               CASE WHEN p.failed OR ci.score IS NOT NULL THEN 'item' WHEN ce.score IS NOT NULL THEN 'cell'
                    WHEN tm.score IS NOT NULL THEN 'task_model' WHEN mo.score IS NOT NULL THEN 'model'
                    WHEN coalesce(q.score, qd.score) IS NOT NULL THEN 'assumed' END AS level,
               -- calls sharing a figure share its error: the interval resamples these clusters
               CASE WHEN p.failed THEN 'f' || p.ref
                    WHEN ci.score IS NOT NULL THEN coalesce('c' || ci.i_call, 'p' || ci.i_prompt) || '|' || p.answer_key
                    WHEN ce.score IS NOT NULL THEN concat_ws('|', 'x', p.task, p.complexity, p.answer_key)
                    WHEN tm.score IS NOT NULL THEN concat_ws('|', 't', p.task, p.answer_key)
                    ELSE concat_ws('|', 'm', p.task, p.answer_key) END AS cluster
        FROM {outcomes} p
        LEFT JOIN _ev_call_item ci ON ci.ref = p.ref AND ci.model_key = p.answer_key
        LEFT JOIN _ev_cell ce ON ce.task = p.task AND ce.complexity = p.complexity AND ce.model_key = p.answer_key
        LEFT JOIN _ev_tm tm ON tm.task = p.task AND tm.model_key = p.answer_key
        LEFT JOIN _ev_model mo ON mo.model_key = p.answer_key
        LEFT JOIN _sim_quality q ON q.model_key = p.answer_key AND q.task = p.task
        LEFT JOIN _sim_quality qd ON qd.model_key = p.answer_key AND qd.task = 'default'"""


POOLED = ("cell", "task_model", "model")


def interval_of(con: duckdb.DuckDBPyConnection, table: str, column: str, seed: str, where: str = "true",
                pooled: bool = False, proportion: bool = True) -> Interval:
    """Mean of `column` over the rows of `table` with its 95% interval, the rows resampled by
    their `cluster` (stats.mean_interval): a histogram of (cluster sum, cluster size).

    A figure pooled over items (a cell's mean over its >= MIN_ITEMS items) is no more certain
    than those items: as one cluster, a cell of 35 items with 21 successes read 0.600-0.600
    "exact". `pooled` (a table of `score_sql`, with `level`): each pooled cluster of n calls is
    resampled as its K items, each carrying n / K of its calls and its own score, so the sum and
    the point estimate are unchanged and the items' spread reaches the interval."""
    base = f"SELECT * FROM {table} WHERE {column} IS NOT NULL AND {where}"
    if pooled:
        levels = ", ".join(f"'{lv}'" for lv in POOLED)
        clusters = f"""
            WITH b AS ({base}),
            plain AS (SELECT sum({column}) AS v, CAST(count(*) AS DOUBLE) AS n FROM b
                      WHERE level IS NULL OR level NOT IN ({levels}) GROUP BY cluster),
            pool AS (SELECT cluster, any_value(level) AS level, any_value(task) AS task,
                            any_value(complexity) AS complexity, any_value(answer_key) AS answer_key, count(*) AS n
                     FROM b WHERE level IN ({levels}) GROUP BY cluster),
            items AS (SELECT p.cluster, p.n, i.score, count(*) OVER (PARTITION BY p.cluster) AS k
                      FROM pool p JOIN _ev_item_tc i ON i.model_key = p.answer_key
                       AND (p.level = 'model' OR i.task = p.task) AND (p.level <> 'cell' OR i.complexity = p.complexity)
                      WHERE i.score IS NOT NULL)
            SELECT v, n FROM plain UNION ALL SELECT score * n / k, CAST(n AS DOUBLE) / k FROM items"""
    else:
        clusters = f"SELECT sum({column}) AS v, CAST(count(*) AS DOUBLE) AS n FROM ({base}) GROUP BY cluster"
    if pooled and not con.execute(f"SELECT count(*) FROM ({base}) WHERE level IS DISTINCT FROM 'assumed'").fetchall()[0][0]:
        # priors only: a prior is not a sample, so there is no interval to give (not a zero-width one)
        return Interval(math.nan, math.nan, math.nan, "none (assumed)")
    rows = con.execute(f"""SELECT round(v, 9) AS v, round(n, 9) AS n, count(*) FROM ({clusters})
                           GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    # ORDER BY: the seeded multinomial draws by position, so the histogram's order must not depend
    # on how DuckDB's threads happened to emit the groups (it did: intervals moved between runs).
    return mean_interval([r[0] for r in rows], [r[2] for r in rows], seed, [r[1] for r in rows], proportion)


def quality_of(con: duckdb.DuckDBPyConnection, scored: str, seed: str) -> Quality:
    """The quality figures of a scored per-call table."""
    s = fetch_dicts(con, f"""SELECT count(*) FILTER (WHERE score IS NOT NULL) AS scored,
                                    count(*) FILTER (WHERE score IS NULL) AS unknown,
                                    avg(score) AS mean, avg(success) AS success_rate,
                                    {", ".join(f"count(*) FILTER (WHERE level = '{lv}') AS {lv}" for lv in LEVELS)}
                             FROM {scored}""")[0]
    scored_calls = int(s["scored"])
    levels = QualityLevels(**{lv: (int(s[lv]) / scored_calls if scored_calls else 0.0) for lv in LEVELS})
    iv = interval_of(con, scored, "score", seed, pooled=True)
    scale = _scale(con)
    mean = None if scored_calls == 0 else float(s["mean"])  # exact; the interval's histogram rounds
    # (rounded to 1e-9, an interval could sit a hair off the exact mean: it always holds it)
    low = None if mean is None or math.isnan(iv.low) else min(iv.low, mean)
    high = None if mean is None or math.isnan(iv.high) else max(iv.high, mean)
    return Quality(
        mean=mean, ci_low=low, ci_high=high,
        interval=iv.method, success_rate=s["success_rate"], measured_share=levels.item, levels=levels,
        scored_calls=scored_calls, unknown_calls=int(s["unknown"]), scale=scale,
        # a prior is no judge's score: a figure resting on priors alone is not mapped onto the judge's scale
        mean_on_scale=(scale["min"] + mean * (scale["max"] - scale["min"]))
        if scale and mean is not None and levels.assumed < 1 else None,
    )


def _scale(con: duckdb.DuckDBPyConnection) -> dict[str, float] | None:
    rows = con.execute("SELECT DISTINCT scale_min, scale_max FROM evals WHERE score IS NOT NULL").fetchall()
    if len(rows) != 1 or rows[0][0] is None:
        return None
    return {"min": float(rows[0][0]), "max": float(rows[0][1])}


def expected_successes(con: duckdb.DuckDBPyConnection, scored: str) -> float:
    return float(con.execute(f"SELECT coalesce(sum(success), 0) FROM {scored}").fetchall()[0][0])


def total_cost(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> Decimal:
    value: Any = con.execute(f"SELECT coalesce(sum(cost), 0) FROM {table} WHERE {where}").fetchall()[0][0]
    return Decimal(value)
