"""What the logged timeline says about providers and models over time, for the replay.

Circuit breaker (`failover.circuit_breaker`) -> rows of `_sim_outages` (provider, start, end):
    1. every logged call of a provider is a point on its timeline; a failure is a logged 429 or
       5xx (`error_type` rate_limit or server). At each failure, a window function counts the
       provider's calls and failures in the `window` up to and including it (RANGE over
       microseconds): where failures / calls >= error_rate and calls >= min_calls, the breaker
       WOULD trip there (a candidate).
    2. a recursive CTE walks each provider's openings (one step per opening, not per call): the
       first candidate opens the breaker for `cooldown`; then the first logged call of that
       provider at or after the end is the half-open probe: if it failed, the breaker opens again
       from it; if not, it closes and the next opening is the first candidate after the probe.
       The provider's health is read from the logs as they are (calls the breaker would have
       diverted still tell whether the provider was failing).
   The breaker opens just after the call that trips it (that call has failed already) and
   stays open `cooldown`; while open, the provider's models are unavailable: calls go down
   their chain as in an outage.

Latency-based pick (`tiers.NAME.pick: lowest_latency`) -> `_sim_llat(tier_idx, bucket, keys,
providers)`: the tier's chain reordered by each model's mean logged latency (answered calls)
over the `latency_window` before the bucket's start, in whole buckets of the smallest such
window (a 1h window with buckets of 1h: the previous clock hour, UTC);
models with no call in that window keep their written order after the measured ones.
"""

from __future__ import annotations

import duckdb

from mmaudit.policy import Policy

RETRYABLE = "c.status = 'error' AND c.error_type IN ('rate_limit', 'server')"


def breaker_windows(con: duckdb.DuckDBPyConnection, policy: Policy, period: str) -> int:
    """Append the breaker's open windows to _sim_outages; returns how many openings."""
    cb = policy.failover.circuit_breaker
    if cb is None:
        return 0
    window_us, cooldown_us = round(cb.window_s * 1e6), round(cb.cooldown_s * 1e6)  # validated numbers
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_cb_calls AS
        SELECT lower(c.provider) AS provider, epoch_us(c.ts) AS t, coalesce({RETRYABLE}, false) AS bad
        FROM calls c WHERE c.ts IS NOT NULL AND c.provider IS NOT NULL AND {period}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_cb_cand AS
        SELECT provider, t FROM (
            SELECT provider, t, bad,
                   count(*) OVER w AS calls, count(*) FILTER (WHERE bad) OVER w AS bad_calls
            FROM _sim_cb_calls
            WINDOW w AS (PARTITION BY provider ORDER BY t RANGE BETWEEN {window_us - 1} PRECEDING AND CURRENT ROW))
        WHERE bad AND calls >= ? AND bad_calls >= ? * calls""", [cb.min_calls, cb.error_rate])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_cb_open AS
        WITH RECURSIVE opens(provider, t_open) AS (
            SELECT provider, min(t) FROM _sim_cb_cand GROUP BY provider
            UNION ALL
            SELECT o.provider,
                   CASE WHEN p.bad THEN p.t
                        ELSE (SELECT min(c.t) FROM _sim_cb_cand c WHERE c.provider = o.provider AND c.t > p.t) END
            FROM opens o,
                 LATERAL (SELECT arg_min(x.t, x.t) AS t, arg_min(x.bad, x.t) AS bad FROM _sim_cb_calls x
                          WHERE x.provider = o.provider AND x.t > o.t_open + {cooldown_us}) p
            WHERE p.t IS NOT NULL)
        SELECT DISTINCT provider, t_open FROM opens WHERE t_open IS NOT NULL""")
    con.execute(f"""INSERT INTO _sim_outages
        SELECT provider, make_timestamptz(t_open + 1), make_timestamptz(t_open + 1 + {cooldown_us}), true
        FROM _sim_cb_open""")
    count = int(con.execute("SELECT count(*) FROM _sim_cb_open").fetchall()[0][0])
    for table in ("_sim_cb_calls", "_sim_cb_cand", "_sim_cb_open"):
        con.execute(f"DROP TABLE {table}")
    return count


def latency_bucket_us(policy: Policy) -> int | None:
    """The bucket width of latency-based picks: the smallest `latency_window` (None: no such tier)."""
    windows = [t.latency_window_s for t in policy.tiers.values() if t.pick == "lowest_latency"]
    return round(min(windows) * 1e6) if windows else None


def latency_ranks(con: duckdb.DuckDBPyConnection, policy: Policy, period: str) -> None:
    """_sim_llat: each latency-picked tier's chain per bucket, lowest measured latency first."""
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_llat (tier_idx INTEGER, bucket BIGINT, keys VARCHAR[], providers VARCHAR[])")
    width = latency_bucket_us(policy)
    if width is None:
        return
    spans = [[i, round(t.latency_window_s * 1e6)] for i, t in enumerate(policy.tiers.values()) if t.pick == "lowest_latency"]
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_llat_tiers (tier_idx INTEGER, span BIGINT)")
    con.executemany("INSERT INTO _sim_llat_tiers VALUES (?, ?)", spans)
    con.execute(f"""INSERT INTO _sim_llat
        WITH b AS (SELECT DISTINCT epoch_us(c.ts) // {width} AS bucket FROM calls c WHERE c.ts IS NOT NULL AND {period}),
        m AS (SELECT c.model_key, epoch_us(c.ts) // {width} AS bucket, sum(c.latency_ms) AS s, count(*) AS n
              FROM calls c
              WHERE c.status = 'ok' AND c.latency_ms IS NOT NULL AND c.ts IS NOT NULL AND c.model_key IN
                    (SELECT model_key FROM _sim_chain WHERE chain IN (SELECT tier_idx FROM _sim_llat_tiers))
              GROUP BY ALL),
        tm AS (SELECT t.tier_idx, t.span, ch.model_key, ch.pos, mi.provider
               FROM _sim_llat_tiers t LEFT JOIN _sim_chain ch ON ch.chain = t.tier_idx
               LEFT JOIN model_info mi ON mi.model_key = ch.model_key),
        measured AS (
            SELECT tm.tier_idx, b.bucket, tm.model_key, tm.pos, lower(coalesce(any_value(tm.provider), '')) AS provider,
                   sum(m.s) / sum(m.n) AS lat
            FROM tm CROSS JOIN b
            LEFT JOIN m ON m.model_key = tm.model_key AND m.bucket < b.bucket AND m.bucket >= b.bucket - tm.span // {width}
            GROUP BY tm.tier_idx, b.bucket, tm.model_key, tm.pos)
        SELECT tier_idx, bucket, list(model_key ORDER BY lat NULLS LAST, pos), list(provider ORDER BY lat NULLS LAST, pos)
        FROM measured GROUP BY tier_idx, bucket""")
    con.execute("DROP TABLE _sim_llat_tiers")
