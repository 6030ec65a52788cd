"""From the priced groups of a replay (_sim_final, _sim_latency, _sim_over) to a `SimulationResult`.

Every figure is a sum over groups (calls are counted by each group's `n`), so these queries
read thousands of rows, not millions. Latency percentiles come from the histogram of per-call
latencies (`_sim_latency`: every call, or a seeded sample above engine.LATENCY_SAMPLE calls)
with the same interpolation as `quantile_cont`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb

from mmaudit.policy import Policy
from mmaudit.simulate.decide import SimulationOptions
from mmaudit.simulate.profiles import ASSUMPTION
from mmaudit.simulate.result import ModelUse, SimulationResult, TaskUse, TierUse
from mmaudit.store import fetch_dicts


def summarise(con: duckdb.DuckDBPyConnection, policy: Policy, options: SimulationOptions,
              records: int, breaker_openings: int = 0, weighted: bool = False) -> SimulationResult:
    """Counts are sums of each group's `n` (calls weighted by sample_weight / --sample-rate),
    rounded to whole calls. Cost per successful response compares like with like: both sides
    over the calls priced on both sides (unpriced calls are left out of numerator and
    denominator), the baseline's successes being the logged `ok` calls, the policy's the calls
    it answers."""
    s = _one(con, """
        SELECT coalesce(sum(n), 0) AS calls,
               coalesce(sum(n) FILTER (WHERE baseline_cost IS NOT NULL AND priced), 0) AS compared,
               sum(baseline_cost) FILTER (WHERE baseline_cost IS NOT NULL AND priced) AS baseline_cost,
               sum(projected_cost) FILTER (WHERE baseline_cost IS NOT NULL AND priced) AS projected_cost,
               coalesce(sum(n) FILTER (WHERE ok AND baseline_cost IS NOT NULL AND priced), 0) AS baseline_ok,
               coalesce(sum(n) FILTER (WHERE NOT failed AND baseline_cost IS NOT NULL AND priced), 0) AS projected_ok,
               coalesce(sum(n) FILTER (WHERE degraded), 0) AS degraded,
               coalesce(sum(n) FILTER (WHERE incompatible), 0) AS incompatible,
               coalesce(sum(n) FILTER (WHERE escalated), 0) AS escalations,
               coalesce(sum(n) FILTER (WHERE NOT failed AND fell_back), 0) AS fallbacks,
               coalesce(sum(n) FILTER (WHERE failed), 0) AS failed,
               coalesce(sum(n) FILTER (WHERE cache_hit), 0) AS cache_hits,
               coalesce(sum(model_cost) FILTER (WHERE cache_hit), 0) AS cache_savings,
               coalesce(sum(n) FILTER (WHERE q.score < t.min_quality), 0) AS quality_risk,
               coalesce(sum(n) FILTER (WHERE q.score IS NULL AND NOT failed AND NOT cache_hit
                                            AND (final_key IS NOT NULL OR NOT degraded)), 0) AS quality_unknown,
               coalesce(sum(n) FILTER (WHERE (compliance AND failed)
                   OR (data_class IS NOT NULL AND len(coalesce(mi.data_classes, [])) > 0
                       AND NOT list_contains(mi.data_classes, data_class))), 0) AS violations,
               coalesce(sum(n) FILTER (WHERE moved_up), 0) AS moved_up
        FROM _sim_final f
        LEFT JOIN _sim_tiers t ON t.tier_idx = f.answer_tier
        LEFT JOIN _sim_quality q ON q.model_key = CASE WHEN f.escalated THEN f.esc_key ELSE f.final_key END
                                AND q.task = f.task
        LEFT JOIN model_info mi ON mi.model_key = f.final_key""")
    fixed = _fixed_cost(con, options)
    calls = _count(s["calls"])
    baseline = s["baseline_cost"] or Decimal(0)
    projected = (s["projected_cost"] or Decimal(0)) + fixed
    savings = baseline - projected
    baseline_ok, projected_ok = _count(s["baseline_ok"]), _count(s["projected_ok"])
    return SimulationResult(
        policy=policy.name, calls=calls, compared_calls=_count(s["compared"]),
        unpriced_calls=calls - _count(s["compared"]),
        baseline=options.baseline, baseline_cost_usd=baseline, projected_cost_usd=projected, savings_usd=savings,
        savings_pct=float(savings / baseline * 100) if baseline else None,
        baseline_cost_per_successful_response_usd=baseline / baseline_ok if baseline_ok else None,
        cost_per_successful_response_usd=projected / projected_ok if projected_ok else None,
        fixed_cost_usd=fixed, escalations=_count(s["escalations"]), escalation_rate=_rate(s["escalations"], s["calls"]),
        fallbacks=_count(s["fallbacks"]), fallback_rate=_rate(s["fallbacks"], s["calls"]), failed_calls=_count(s["failed"]),
        cache_hits=_count(s["cache_hits"]), cache_savings_usd=Decimal(s["cache_savings"]),
        quality_risk_calls=_count(s["quality_risk"]), quality_unknown_calls=_count(s["quality_unknown"]),
        compliance_violations=_count(s["violations"]), uncertain_moved_up=_count(s["moved_up"]),
        degraded_calls=_count(s["degraded"]), incompatible_calls=_count(s["incompatible"]),
        breaker_openings=breaker_openings,
        tiers=_tiers(con, calls), models=_models(con, calls), tasks=_tasks(con),
        assumptions=_assumptions(policy, options, weighted) + _reasoning_notes(con) + _sample_note(con, records)
                    + _undated_fixed_note(con),
    )


def _count(value: Any) -> int:
    """A weighted call count as whole calls."""
    return int(round(float(value or 0)))


def _fixed_cost(con: duckdb.DuckDBPyConnection, options: SimulationOptions) -> Decimal:
    """Self-hosted models: `fixed_monthly_usd` prorated to the days of the period in each
    calendar month (UTC) they serve calls: x days of the period in the month / days of the month.
    The period is --since/--until, else the first to the last day with calls. An undated call
    is in no month: it adds no fixed cost (`_undated_fixed_note` says so)."""
    since = options.since.timestamp() // 86400 if options.since is not None else None
    until = -(-options.until.timestamp() // 86400) if options.until is not None else None
    rows = con.execute("""
        WITH bounds AS (SELECT coalesce(?::BIGINT, min(day)) AS lo, coalesce(?::BIGINT, max(day) + 1) AS hi FROM _sim_final),
        used AS (SELECT DISTINCT final_key, date_trunc('month', make_date(1970, 1, 1) + day) AS month
                 FROM _sim_final WHERE final_key IS NOT NULL AND NOT failed AND day IS NOT NULL)
        SELECT mi.fixed_monthly_usd, u.month,
               greatest(least(b.hi, epoch(u.month + INTERVAL 1 MONTH) // 86400)
                        - greatest(b.lo, epoch(u.month) // 86400), 0) AS days,
               datediff('day', u.month, u.month + INTERVAL 1 MONTH) AS month_days
        FROM used u CROSS JOIN bounds b LEFT JOIN model_info mi ON mi.model_key = u.final_key
        WHERE mi.fixed_monthly_usd IS NOT NULL""", [since, until]).fetchall()
    return sum((Decimal(fixed) * int(days) / int(month_days) for fixed, _month, days, month_days in rows),
               Decimal(0)).quantize(Decimal("0.000001"))


# An escalated call is two requests: its first attempt on its tier's model and its second on the
# cascade's `to` tier. Tiers and models are charged each attempt they served (calls, cost and
# tokens), so their rows add up to calls + escalations, and their costs to the projected cost.
_ATTEMPTS = """
    SELECT tier_idx, keep, final_key AS model_key, failed, degraded, n, projected_main AS cost, m_in + m_out AS tokens
    FROM _sim_final
    UNION ALL
    SELECT answer_tier, false, esc_key, false, false, n, projected_esc, e_in + e_out FROM _sim_final WHERE escalated"""


def _tiers(con: duckdb.DuckDBPyConnection, calls: int) -> list[TierUse]:
    rows = fetch_dicts(con, f"""
        SELECT coalesce(t.name, CASE WHEN f.keep THEN 'keep (logged model)' ELSE 'model route' END) AS name,
               round(sum(n)) AS calls, coalesce(sum(cost), 0) AS cost_usd,
               coalesce(sum(tokens), 0) AS tokens, min(coalesce(t.tier_idx, 999)) AS o
        FROM ({_ATTEMPTS}) f LEFT JOIN _sim_tiers t ON t.tier_idx = f.tier_idx GROUP BY 1 ORDER BY o, name""")
    return [TierUse(r["name"], int(r["calls"]), _rate(r["calls"], calls), r["cost_usd"], int(r["tokens"])) for r in rows]


def _models(con: duckdb.DuckDBPyConnection, calls: int) -> list[ModelUse]:
    rows = fetch_dicts(con, f"""
        SELECT CASE WHEN failed THEN '(failed)'  -- also a failed call that failed again on its own model
                    ELSE coalesce(model_key, CASE WHEN degraded THEN '(cached answer)' ELSE '(unpriced)' END) END AS model,
               round(sum(n)) AS calls, coalesce(sum(cost), 0) AS cost_usd
        FROM ({_ATTEMPTS}) GROUP BY 1 ORDER BY calls DESC, model""")
    return [ModelUse(r["model"], int(r["calls"]), _rate(r["calls"], calls), r["cost_usd"]) for r in rows]


# quantile_cont over a histogram: the values at ranks floor(p*(n-1)) and ceil(p*(n-1)) (0-based),
# interpolated by the fractional part.
_PERCENTILES = """
    WITH h AS (SELECT task, latency, sum(n) OVER (PARTITION BY task ORDER BY latency) AS upto FROM _sim_latency),
    q AS (SELECT task, p, p * (sum(n) - 1) AS pos FROM _sim_latency, (VALUES (0.5), (0.95)) v(p) GROUP BY task, p),
    ends AS (SELECT q.task, q.p, q.pos, min(h.latency) FILTER (WHERE h.upto > floor(q.pos)) AS lo,
                    min(h.latency) FILTER (WHERE h.upto > ceil(q.pos)) AS hi
             FROM q LEFT JOIN h USING (task) GROUP BY q.task, q.p, q.pos)
    SELECT task, p, lo + (pos - floor(pos)) * (hi - lo) AS value FROM ends"""


def _tasks(con: duckdb.DuckDBPyConnection) -> list[TaskUse]:
    pct: dict[tuple[str, float], float] = {(r["task"], float(r["p"])): r["value"] for r in fetch_dicts(con, _PERCENTILES)}
    # over-budget calls: counted on the calls the latency step looked at, scaled to all of them
    rows = fetch_dicts(con, """
        SELECT f.task, f.calls, f.cost_usd,
               coalesce(round(o.over * f.calls / nullif(o.looked_at, 0)), 0) AS over
        FROM (SELECT task, round(sum(n)) AS calls, coalesce(sum(projected_cost), 0) AS cost_usd FROM _sim_final GROUP BY task) f
        LEFT JOIN _sim_over o USING (task) ORDER BY f.calls DESC, f.task""")
    return [TaskUse(r["task"], int(r["calls"]), r["cost_usd"], pct.get((r["task"], 0.5)), pct.get((r["task"], 0.95)),
                    int(r["over"])) for r in rows]


def _assumptions(policy: Policy, options: SimulationOptions, weighted: bool) -> list[str]:
    baseline = "the logged calls at their own models’ prices" if options.baseline == "actual" else options.baseline
    notes = [
        "Prices: for every call, the price table in effect at its time (see `mmaudit prices show MODEL`).",
        (f"Baseline: {baseline}; calls without a baseline or projected price are left out of both sums and of "
         "cost per successful response on both sides (unpriced_calls)."),
        "Token counts move with the call, scaled by the models' token_ratio (tokens per cl100k token) from the price table.",
        ASSUMPTION,
        ("A call that failed in the logs fails again on its logged provider (429/5xx) or model (other errors); "
         "answered by another model it is priced as an answered call of its task (the task's mean logged tokens)."),
        ("A call only goes to a model of its operation: embeddings routed to a chat model (or the reverse) keep their logged "
         "model (incompatible_calls), as do calls carrying audio routed to a model with no audio price on record; audio "
         "tokens move unchanged and are priced at the answering model's audio rates."),
        "Latency: projected as ttft_ms + output_tokens / output_tokens_per_s from the price table.",
        ("Quality: the price table's per-task quality scores (a model's `default` score for tasks it does not list) "
         "against each tier's min_quality; quality_unknown_calls are answered by a model with no score at all."),
        "Calls without a categoriser confidence count as confidence 0 (unsure).",
        "Self-hosted fixed cost: fixed_monthly_usd prorated to the days of the period in each month the model serves calls.",
    ]
    if options.sample_rate is not None:
        notes.append(f"Sampled logs: every stored call stands for {1 / options.sample_rate:g} calls (--sample-rate {options.sample_rate:g}).")
    elif weighted:
        notes.append("Sampled logs: calls count by their sample_weight (the real calls each stored record stands for).")
    if policy.cascade:
        rate = "1 - quality of the cheap model" if policy.cascade.from_quality else ", ".join(
            f"{k} {v:.0%}" for k, v in (policy.cascade.escalate_rate or {}).items())
        notes.append(f"Cascade {policy.cascade.from_} -> {policy.cascade.to}: escalation rate {rate}; an escalated call pays both attempts and adds both latencies; "
                     "the tier and model rows count each attempt where it ran, so they add up to calls + escalations.")
    if policy.ab:
        notes.append("A/B shares and escalations are picked by a seeded hash of call_id: two runs agree.")
    if policy.cache:
        notes.append(f"Cache: an identical prompt within {policy.cache.exact_repeat_within} of the previous one is a hit (no cost, no model call).")
    cb = policy.failover.circuit_breaker
    if cb is not None:
        notes.append(f"Circuit breaker: a provider's logged 429/5xx rate over {cb.window} (at least {cb.min_calls} calls) "
                     f"reaching {cb.error_rate:g} opens it for {cb.cooldown}, then one probe call; replayed on the logged "
                     "error timeline (calls it would have diverted still show the provider's health).")
    if any(t.pick == "lowest_latency" for t in policy.tiers.values()):
        notes.append("Latency-based pick: a tier's models ordered by their mean logged latency over the window before "
                     "the call (models without calls then keep their written order).")
    if policy.failover.degrade_to:
        what = "a cached answer (no cost)" if policy.failover.degrade_to == "cached" else policy.failover.degrade_to
        notes.append(f"When a chain runs out, calls degrade to {what} (degraded_calls) instead of failing.")
    return notes


def _reasoning_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Which reasoning token counts this replay measured and which it assumed, per target model."""
    rows = fetch_dicts(con, """
        SELECT f.final_key AS model,
               CASE WHEN r.per_call IS NOT NULL THEN 'measured on its own calls'
                    WHEN a.per_call IS NOT NULL THEN 'the team''s mean over its reasoning models'
                    ELSE 'the prior' END AS source,
               string_agg(DISTINCT f.task, ', ' ORDER BY f.task) AS tasks
        FROM _sim_final f
        LEFT JOIN model_info mi ON mi.model_key = f.final_key
        LEFT JOIN _sim_reasoning r ON r.model_key = f.final_key AND r.task = f.task
        LEFT JOIN _sim_reasoning a ON a.model_key = '*' AND a.task = f.task
        WHERE mi.mode = 'reasoning' AND NOT f.failed
        GROUP BY ALL ORDER BY model, source""")
    by_model: dict[str, list[str]] = {}
    for r in rows:
        by_model.setdefault(r["model"], []).append(f"{r['source']} for {r['tasks']}")
    return [f"Reasoning tokens on {model} (calls moved to it): {'; '.join(parts)}." for model, parts in by_model.items()]


def _undated_fixed_note(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Undated calls answered by a self-hosted model: its monthly fixed cost covers dated months only."""
    n = _count(_one(con, """SELECT coalesce(sum(f.n), 0) AS n FROM _sim_final f JOIN model_info mi ON mi.model_key = f.final_key
                            WHERE f.day IS NULL AND NOT f.failed AND mi.fixed_monthly_usd IS NOT NULL""")["n"])
    if not n:
        return []
    return [f"{n:,} call(s) without a timestamp went to a self-hosted model with a monthly fixed cost: they fall in no "
            "month, so the fixed cost is prorated over the months of dated calls only (none if there are none)."]


def _sample_note(con: duckdb.DuckDBPyConnection, records: int) -> list[str]:
    looked_at = int(_one(con, "SELECT coalesce(sum(looked_at), 0) AS n FROM _sim_over")["n"])
    if looked_at >= records:
        return []
    return [f"Latency percentiles and over-budget counts: from a seeded sample of {looked_at:,} of the {records:,} calls "
            "(costs and every other count cover all calls)."]


def _rate(part: Any, whole: Any) -> float:
    return float(part) / float(whole) if whole else 0.0


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
    return fetch_dicts(con, sql, params)[0]
