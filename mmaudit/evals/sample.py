"""`mmaudit evals sample`: a stratified sample of logged prompts for a team to run on candidates.

Strata are task x complexity. The unit drawn is a distinct prompt (its `prompt_hash`, else the
call), and a prompt belongs to the stratum that holds most of its spend (ties: most calls), so a
template sent 700 times as `simple` and once as `complex` is measured as `simple` and the cell it
mostly is not keeps room for its own prompts. Within a stratum, prompts are drawn without
replacement with probability growing with their spend there (Efraimidis-Spirakis keys
ln(u) / weight, u from a seeded hash of the prompt, so two runs agree); each drawn prompt is
exported as its first call in that stratum. The stratum size is
`--per-cell N`, or what a 95% interval of half-width `width / 2` on a success rate needs at
worst (p = 0.5): n = z^2 / 4 / (width / 2)^2.

Redacted calls are never exported: only calls whose `text_redacted` is false (ingested with
text kept) and that have prompt text. Calls stored before migration 0003 (text_redacted NULL)
count as redacted; re-ingest them to sample them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mmaudit.errors import InputError
from mmaudit.evals.stats import Z95
from mmaudit.simulate.decide import SimulationOptions, period_sql
from mmaudit.store import fetch_dicts


@dataclass
class SampleCell:
    task: str
    complexity: str
    calls: int
    eligible: int
    sampled: int
    spend_share: float


@dataclass
class SampleResult:
    out: str
    per_cell: int
    sampled: int
    redacted_excluded: int
    cells: list[SampleCell] = field(default_factory=list)


def per_cell_for_width(width: float) -> int:
    """Items a stratum needs for a 95% interval of total width `width` on a rate (worst case)."""
    if not 0 < width < 1:
        raise InputError(f"--width {width}: give the interval width as a fraction, e.g. 0.2")
    return math.ceil(Z95 * Z95 * 0.25 / (width / 2) ** 2)


def sample_prompts(con: duckdb.DuckDBPyConnection, out: Path, per_cell: int, seed: str = "mmaudit",
                   options: SimulationOptions = SimulationOptions()) -> SampleResult:
    if per_cell < 1:
        raise InputError("--per-cell must be at least 1")
    if out.exists():
        raise InputError(f"{out} exists: not overwriting it")
    has_flag = con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'calls' "
                           "AND column_name = 'text_redacted' AND NOT internal").fetchall()[0][0]
    if not has_flag:
        raise InputError("this database predates text_redacted (migration 0003): whether its calls were redacted is "
                         "unknown, so none can be exported; re-ingest the logs into a new database")
    period = period_sql(options)
    eligible = "c.text_redacted IS NOT DISTINCT FROM false AND coalesce(c.user_prompt, c.system_prompt) IS NOT NULL"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_pick AS
        WITH e AS (
            SELECT c.call_id, c.prompt_hash, coalesce(c.prompt_hash, c.call_id) AS prompt_key,
                   coalesce(c.task, 'other') AS task, coalesce(c.complexity, 'unknown') AS complexity,
                   c.system_prompt, c.user_prompt, coalesce(c.cost_usd, 0) AS spend
            FROM calls c WHERE {period} AND {eligible}),
        by_cell AS (  -- each prompt's spend and calls per cell, and the call that stands for it there
            SELECT prompt_key, task, complexity, sum(spend) AS spend, count(*) AS calls, min(call_id) AS call_id
            FROM e GROUP BY ALL),
        home AS (     -- the cell holding most of the prompt's spend
            SELECT * FROM by_cell
            QUALIFY row_number() OVER (PARTITION BY prompt_key ORDER BY spend DESC, calls DESC, task, complexity) = 1),
        keyed AS (
            SELECT h.*, (CAST(md5_number(h.prompt_key || ':' || ?) % 9007199254740881 AS DOUBLE) + 1)
                        / 9007199254740882 AS u
            FROM home h)
        SELECT e.call_id, e.prompt_hash, k.task, k.complexity, e.system_prompt, e.user_prompt
        FROM keyed k JOIN e USING (call_id)
        QUALIFY row_number() OVER (PARTITION BY k.task, k.complexity
                                   ORDER BY ln(k.u) / (CAST(k.spend AS DOUBLE) + 1e-9) DESC, k.prompt_key) <= ?""",
                [seed, per_cell])
    rows = fetch_dicts(con, "SELECT call_id, prompt_hash, task, complexity, system_prompt, user_prompt FROM _ev_pick "
                            "ORDER BY task, complexity, call_id")
    with open(out, "x", encoding="utf-8") as fh:
        for r in rows:
            record = {"call_id": r["call_id"], "prompt_hash": r["prompt_hash"], "task": r["task"],
                      "complexity": r["complexity"], "system": r["system_prompt"], "prompt": r["user_prompt"]}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    cells = fetch_dicts(con, f"""
        WITH a AS (SELECT coalesce(c.task, 'other') AS task, coalesce(c.complexity, 'unknown') AS complexity,
                          count(*) AS calls, count(*) FILTER (WHERE {eligible}) AS eligible,
                          coalesce(sum(c.cost_usd), 0) AS spend
                   FROM calls c WHERE {period} GROUP BY ALL),
             s AS (SELECT task, complexity, count(*) AS sampled FROM _ev_pick GROUP BY ALL)
        SELECT a.*, coalesce(s.sampled, 0) AS sampled, a.spend / nullif(sum(a.spend) OVER (), 0) AS share
        FROM a LEFT JOIN s USING (task, complexity) ORDER BY a.spend DESC, a.task, a.complexity""")
    con.execute("DROP TABLE _ev_pick")
    result = SampleResult(str(out), per_cell, len(rows), 0,
                          [SampleCell(c["task"], c["complexity"], int(c["calls"]), int(c["eligible"]), int(c["sampled"]),
                                      float(c["share"] or 0)) for c in cells])
    result.redacted_excluded = sum(c.calls - c.eligible for c in result.cells)
    return result
