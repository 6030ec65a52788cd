"""Quality drift: mean logged score per model per week, flagged when it drops week over week.

A call's score is `tags['score']`, else `tags['quality']`, when it parses as a number. A week
(ISO, Monday start, UTC) is flagged when its mean is lower than the model's previous scored week
by more than the threshold (absolute, in score units: 0.05 on a 0..1 scale). Weeks without scores
are skipped, so "previous" means the previous week that had scores.
"""

from __future__ import annotations

import duckdb

from mmaudit.render import Column, Table
from mmaudit.report.scope import Scope, fetch
from mmaudit.report.section import Section

DEFAULT_THRESHOLD = 0.05

_WEEKLY_SQL = """,
scored AS (
    SELECT coalesce(model, '(none)') AS model, CAST(date_trunc('week', ts_utc) AS DATE) AS week,
           TRY_CAST(coalesce(tags['score'], tags['quality']) AS DOUBLE) AS score
    FROM scoped WHERE ts IS NOT NULL
),
weekly AS (
    SELECT model, week, count(score) AS scored_calls, avg(score) AS mean_score
    FROM scored WHERE score IS NOT NULL AND isfinite(score) GROUP BY ALL
),
-- each model's last scored week before the period: the period's first week is compared with it
-- (a drop in the first week of a monthly report was never flagged)
before AS (
    SELECT model, arg_max(mean_score, week) AS mean_score FROM (
        SELECT coalesce(model, '(none)') AS model, CAST(date_trunc('week', ts AT TIME ZONE 'UTC') AS DATE) AS week,
               avg(TRY_CAST(coalesce(tags['score'], tags['quality']) AS DOUBLE)) AS mean_score
        FROM calls WHERE ts < ?::TIMESTAMPTZ AND isfinite(TRY_CAST(coalesce(tags['score'], tags['quality']) AS DOUBLE))
        GROUP BY ALL) GROUP BY model
),
compared AS (
    SELECT w.*, coalesce(lag(w.mean_score) OVER (PARTITION BY w.model ORDER BY w.week),
                         CASE WHEN row_number() OVER (PARTITION BY w.model ORDER BY w.week) = 1 THEN b.mean_score END)
                AS previous_mean_score
    FROM weekly w LEFT JOIN before b USING (model)
)
SELECT model, week, scored_calls, mean_score, previous_mean_score, previous_mean_score - mean_score AS drop,
       coalesce(round(previous_mean_score - mean_score, 9) > ?, false) AS flagged
FROM compared ORDER BY model, week"""
# (the drop is rounded to 1e-9 before the comparison: 0.90 - 0.85 is 0.05000000000000004 in floats,
# and a drop equal to the threshold is not "more than" it)

COLUMNS = [
    Column("model", "Model"), Column("week", "Week"), Column("scored_calls", "Scored calls", "int"),
    Column("previous_mean_score", "Previous mean score", "float"), Column("mean_score", "Mean score", "float"),
    Column("drop", "Drop (score)", "float"),
]


def quality_section(con: duckdb.DuckDBPyConnection, scope: Scope, threshold: float = DEFAULT_THRESHOLD) -> Section:
    cte, params = scope.cte()
    weeks = fetch(con, cte + _WEEKLY_SQL, [*params, scope.start, threshold])
    flagged = [w for w in weeks if w["flagged"]]
    data = {"threshold": threshold, "has_scores": bool(weeks), "flagged_weeks": flagged, "weekly": weeks}
    if not weeks:
        return Section("quality", data, notes=["Quality drift: no scores in the logs (tags score/quality)"])
    note = (f"{len(flagged)} week(s) where a model's mean score fell by more than {threshold:g}"
            f" from its previous scored week ({len(weeks)} model-weeks scored)")
    table = Table("Quality drift (flagged weeks)", COLUMNS, flagged, notes=[note])
    return Section("quality", data, [table])
