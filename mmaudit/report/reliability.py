"""Reliability per provider: availability per day and the longest run of consecutive errors.

Availability of a day = successful calls / calls that day (UTC). The longest error stretch is the
longest run of calls with status <> 'ok' with no successful call between them, in time order
(ties on ts broken by call_id) per provider — an outage shows as one long stretch. On equal
length, the earliest stretch is reported.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from mmaudit.render import Column, Table
from mmaudit.report.scope import Scope, fetch
from mmaudit.report.section import Section

_DAILY_SQL = """
SELECT coalesce(provider, '(none)') AS provider, CAST(ts_utc AS DATE) AS day, count(*) AS calls,
       count(*) FILTER (WHERE status = 'ok') AS successful_calls,
       count(*) FILTER (WHERE status = 'ok') / count(*) AS availability
FROM scoped WHERE ts IS NOT NULL GROUP BY ALL ORDER BY provider, day"""

_SUMMARY_SQL = """,
ordered AS (
    SELECT coalesce(provider, '(none)') AS provider, ts, status,
           row_number() OVER (PARTITION BY provider ORDER BY ts, call_id)
         - row_number() OVER (PARTITION BY provider, status = 'ok' ORDER BY ts, call_id) AS run
    FROM scoped WHERE ts IS NOT NULL
),
runs AS (
    SELECT provider, run, count(*) AS errors, min(ts) AS started, max(ts) AS ended
    FROM ordered WHERE status <> 'ok' GROUP BY provider, run
),
longest AS (
    SELECT * FROM runs QUALIFY row_number() OVER (PARTITION BY provider ORDER BY errors DESC, started) = 1
),
daily AS (
    SELECT coalesce(provider, '(none)') AS provider, CAST(ts_utc AS DATE) AS day,
           count(*) FILTER (WHERE status = 'ok') / count(*) AS availability
    FROM scoped WHERE ts IS NOT NULL GROUP BY ALL
),
overall AS (
    SELECT coalesce(provider, '(none)') AS provider, count(*) AS calls,
           count(*) FILTER (WHERE status = 'ok') / count(*) AS availability
    FROM scoped WHERE ts IS NOT NULL GROUP BY ALL
),
worst AS (
    SELECT provider, count(*) AS days, arg_min(day, (availability, day)) AS worst_day, min(availability) AS worst_day_availability
    FROM daily GROUP BY provider
)
SELECT o.provider, o.calls, o.availability, w.days, w.worst_day, w.worst_day_availability,
       coalesce(l.errors, 0) AS longest_error_stretch_calls,
       l.started AS longest_error_stretch_start, l.ended AS longest_error_stretch_end
FROM overall o JOIN worst w USING (provider) LEFT JOIN longest l USING (provider)
ORDER BY o.provider"""

COLUMNS = [
    Column("provider", "Provider"), Column("calls", "Calls", "int"), Column("availability", "Availability (%)", "share"),
    Column("worst_day", "Worst day"), Column("worst_day_availability", "Worst day availability (%)", "share"),
    Column("longest_error_stretch_calls", "Longest error run (calls)", "int"),
    Column("run_start", "Run start (UTC)"), Column("run_end", "Run end (UTC)"),
]


def _display(row: dict) -> dict:
    """Stretch bounds to the minute in UTC for the table; the JSON keeps the full instants."""
    def minute(moment: datetime | None) -> str:
        return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}" if moment else ""

    return {**row, "run_start": minute(row["longest_error_stretch_start"]),
            "run_end": minute(row["longest_error_stretch_end"])}


def reliability_section(con: duckdb.DuckDBPyConnection, scope: Scope) -> Section:
    cte, params = scope.cte()
    providers = fetch(con, cte + _SUMMARY_SQL, params)
    daily = fetch(con, *scope.sql(_DAILY_SQL))
    table = Table("Reliability by provider", COLUMNS, [_display(r) for r in providers],
                  notes=["Availability = successful / all calls; longest error run = most consecutive failed calls (UTC)"])
    return Section("reliability", {"providers": providers, "availability_by_day": daily}, [table])
