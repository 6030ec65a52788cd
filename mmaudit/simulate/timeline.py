"""What the logged timeline says about providers and models over time, for the replay.

Circuit breaker (`failover.circuit_breaker`) -> rows of `_sim_outages` (provider, start, end):
    1. every logged call of a provider is a point on its timeline; a failure is a logged 429 or
       5xx (`error_type` rate_limit or server). At each failure, the provider's calls and
       failures in the `window` up to and including it are counted (running counts and an ASOF
       join): where failures / calls >= error_rate and calls >= min_calls, the breaker WOULD
       trip there.
    2. every failure gets its successor: opened there, the breaker stays open `cooldown`; the
       first logged call of that provider after it is the half-open probe (of calls logged at
       the very same microsecond, any one): if it failed, the
       breaker opens again from it; if not, it closes and the next opening is the first trip
       after the probe. The openings are the chain of successors from each provider's first
       trip, found by pointer doubling (about log2(openings) rounds of joins).
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
    _trips(con, period, window_us, cb.min_calls, cb.error_rate)
    _successors(con, cooldown_us)
    _walk(con)
    con.execute(f"""INSERT INTO _sim_outages
        SELECT p.name, make_timestamptz(o.t + 1), make_timestamptz(o.t + 1 + {cooldown_us}), true
        FROM _sim_cb_open o LEFT JOIN (SELECT DISTINCT provider, name FROM _sim_cb_prov) p USING (provider)""")
    count = int(con.execute("SELECT count(*) FROM _sim_cb_open").fetchall()[0][0])
    for table in ("_sim_cb_prov", "_sim_cb_calls", "_sim_cb_node", "_sim_cb_open"):
        con.execute(f"DROP TABLE {table}")
    return count


def _trips(con: duckdb.DuckDBPyConnection, period: str, window_us: int, min_calls: int, error_rate: float) -> None:
    """_sim_cb_calls: each provider's timeline with running counts; _sim_cb_node: its failures
    (one per provider and microsecond), each with whether the breaker would trip there.

    The counts over (t - window, t] are differences of running counts: the failure's own, minus
    those of the provider's last call at or before t - window (an ASOF join), so a window
    function never re-counts a frame per row."""
    # providers as small integers (one lower() per distinct logged spelling, not per call)
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_cb_prov AS
        SELECT raw, dense_rank() OVER (ORDER BY lower(raw)) AS provider, lower(raw) AS name
        FROM (SELECT DISTINCT provider AS raw FROM calls WHERE provider IS NOT NULL)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_cb_calls AS
        SELECT provider, t, bad,
               row_number() OVER w AS k, sum(CAST(bad AS INTEGER)) OVER w AS kb
        FROM (SELECT p.provider, epoch_us(c.ts) AS t, coalesce({RETRYABLE}, false) AS bad
              FROM calls c LEFT JOIN _sim_cb_prov p ON p.raw = c.provider
              WHERE c.ts IS NOT NULL AND c.provider IS NOT NULL AND {period})
        WINDOW w AS (PARTITION BY provider ORDER BY t, bad ROWS UNBOUNDED PRECEDING)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_cb_node AS
        SELECT row_number() OVER (ORDER BY f.provider, f.t) AS id, f.provider, f.t,
               f.k - coalesce(b.k, 0) >= ? AND (f.kb - coalesce(b.kb, 0)) >= ? * (f.k - coalesce(b.k, 0)) AS trip
        FROM (SELECT provider, t, max(k) AS k, max(kb) AS kb FROM _sim_cb_calls WHERE bad GROUP BY provider, t) f
        ASOF LEFT JOIN _sim_cb_calls b ON b.provider = f.provider AND b.t <= f.t - {window_us}""",
                [min_calls, error_rate])


def _successors(con: duckdb.DuckDBPyConnection, cooldown_us: int) -> None:
    """Each failure node's next opening if the breaker opened at it: the half-open probe is the
    provider's first call after the cooldown; a failed probe opens it again (the probe is a
    failure node), else the next opening is the first trip after the probe. Set-based: two ASOF
    joins over all nodes at once."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _sim_cb_next AS
        WITH p AS (
            SELECT n.id, n.provider, n.t, x.t AS probe_t, x.bad AS probe_bad
            FROM _sim_cb_node n
            ASOF LEFT JOIN _sim_cb_calls x ON x.provider = n.provider AND x.t > n.t + {cooldown_us}),
        q AS (
            SELECT p.id, p.provider, CASE WHEN p.probe_bad THEN p.probe_t ELSE tr.t END AS next_t
            FROM p ASOF LEFT JOIN (SELECT provider, t FROM _sim_cb_node WHERE trip) tr
                 ON tr.provider = p.provider AND tr.t > p.probe_t)
        SELECT q.id, nn.id AS next_id FROM q
        LEFT JOIN _sim_cb_node nn ON nn.provider = q.provider AND nn.t = q.next_t""")


def _walk(con: duckdb.DuckDBPyConnection) -> None:
    """_sim_cb_open (provider, t): the openings, walked from each provider's first trip along the
    successor links by pointer doubling: round k adds the nodes 2^k links further, and the jump
    table doubles its reach, so a path of L openings takes about log2(L) rounds of set-based
    joins (a Python loop over rounds, never over calls)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_cb_reached AS
        SELECT min(id) AS id FROM _sim_cb_node WHERE trip GROUP BY provider""")
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_cb_jump AS SELECT id, next_id FROM _sim_cb_next WHERE next_id IS NOT NULL")
    while True:
        added = con.execute("""INSERT INTO _sim_cb_reached
            SELECT DISTINCT j.next_id FROM _sim_cb_reached r LEFT JOIN _sim_cb_jump j ON j.id = r.id
            WHERE j.next_id IS NOT NULL AND j.next_id NOT IN (SELECT id FROM _sim_cb_reached)""").fetchall()[0][0]
        if not added:
            break
        con.execute("""CREATE OR REPLACE TEMP TABLE _sim_cb_jump AS
            SELECT a.id, b.next_id FROM _sim_cb_jump a LEFT JOIN _sim_cb_jump b ON b.id = a.next_id
            WHERE b.next_id IS NOT NULL""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _sim_cb_open AS
        SELECT n.provider, n.t FROM _sim_cb_reached r LEFT JOIN _sim_cb_node n ON n.id = r.id""")
    for table in ("_sim_cb_reached", "_sim_cb_jump", "_sim_cb_next"):
        con.execute(f"DROP TABLE {table}")


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
