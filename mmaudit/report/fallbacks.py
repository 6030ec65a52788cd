"""Observed fallbacks: calls the logs show were retried on another model.

Rule: a failed call (status <> 'ok') with a prompt_hash, followed within 60 seconds (strictly
later, at most 60 s after) by a successful call with the same prompt_hash on a different model,
is one fallback from the failed call's model to the first such successful call's model.
Separately, calls tagged `fallback` (any value but false/0/no) or `retry_of` are counted as
fallbacks the application itself marked.
"""

from __future__ import annotations

import duckdb

from mmaudit.render import Column, Table
from mmaudit.report.scope import Scope, fetch
from mmaudit.report.section import Section

WINDOW_SECONDS = 60

_PAIRS_SQL = """,
failed AS (SELECT call_id, ts, model, prompt_hash FROM scoped
           WHERE status <> 'ok' AND prompt_hash IS NOT NULL AND ts IS NOT NULL),
rescued AS (
    SELECT f.call_id, arg_min(s.model, s.ts) AS to_model, any_value(f.model) AS from_model
    FROM failed f
    JOIN scoped s ON s.prompt_hash = f.prompt_hash AND s.status = 'ok'
                 AND s.model IS DISTINCT FROM f.model
                 AND s.ts > f.ts AND s.ts <= f.ts + to_seconds(?)
    GROUP BY f.call_id
)
SELECT coalesce(from_model, '(none)') AS from_model, coalesce(to_model, '(none)') AS to_model, count(*) AS fallbacks
FROM rescued GROUP BY ALL ORDER BY fallbacks DESC, from_model, to_model"""

_TAGGED_SQL = """
SELECT count(*) FILTER (WHERE lower(coalesce(tags['fallback'], 'false')) NOT IN ('false', '0', 'no', '')
                          OR tags['retry_of'] IS NOT NULL) AS tagged_fallbacks
FROM scoped"""


def fallbacks_section(con: duckdb.DuckDBPyConnection, scope: Scope) -> Section:
    cte, params = scope.cte()
    pairs = fetch(con, cte + _PAIRS_SQL, [*params, WINDOW_SECONDS])
    tagged = fetch(con, *scope.sql(_TAGGED_SQL))[0]["tagged_fallbacks"]
    inferred = sum(r["fallbacks"] for r in pairs)
    rule = (f"failed call followed within {WINDOW_SECONDS} s by a successful call with the same prompt_hash "
            "on a different model")
    table = Table("Observed fallbacks", [Column("from_model", "From model"), Column("to_model", "To model"),
                                         Column("fallbacks", "Fallbacks", "int")], pairs,
                  {"from_model": "Total", "to_model": "", "fallbacks": inferred},
                  notes=[f"Rule: {rule}", f"Calls tagged fallback/retry_of: {tagged:,}"])
    data = {"rule": rule, "window_seconds": WINDOW_SECONDS, "inferred_fallbacks": inferred,
            "tagged_fallbacks": tagged, "pairs": pairs}
    return Section("fallbacks", data, [table])
