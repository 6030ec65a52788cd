"""Assembling `mmaudit report`: every section over one scope, into one ChartedReport."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from mmaudit.render_html import ChartedReport
from mmaudit.sampling import sampling_note
from mmaudit.store import has_column
from mmaudit.report.cache import cache_section
from mmaudit.report.fallbacks import fallbacks_section
from mmaudit.report.kpis import by_task_section, errors_section, summary_section
from mmaudit.period import Period
from mmaudit.report.quality import DEFAULT_THRESHOLD, quality_section
from mmaudit.report.reliability import reliability_section
from mmaudit.report.scope import Dimension, Scope
from mmaudit.report.section import Section
from mmaudit.report.spend import compare_section, spend_section
from mmaudit.report.tiers import policy_keys, tier_source
from mmaudit.report.utilisation import utilisation_section


@dataclass
class ReportOptions:
    """What `mmaudit report` was asked for, already parsed and validated."""

    period: Period = field(default_factory=lambda: Period(None, None, "all"))
    by: list[Dimension] = field(default_factory=list)
    every: Dimension | None = None
    compare_previous: bool = False
    tiers: dict[str, str] | None = None
    drift_threshold: float = DEFAULT_THRESHOLD


def bound_by_data(con: duckdb.DuckDBPyConnection, period: Period) -> Period:
    """Close an open period at the first/last stored call's UTC day, so a previous period exists."""
    first, last = con.execute("SELECT min(ts), max(ts) FROM calls").fetchall()[0]
    if first is None:
        return Period(period.start or datetime(1970, 1, 1, tzinfo=UTC), period.end or datetime(1970, 1, 2, tzinfo=UTC),
                      period.label, period.unit)
    start = period.start or _midnight(first)
    end = period.end or _midnight(last) + timedelta(days=1)
    return Period(start, end, period.label, period.unit)


def _undated(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM calls WHERE ts IS NULL").fetchall()[0][0])


def _midnight(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def period_data(period: Period) -> dict[str, Any]:
    return {"label": period.label, "start": period.start, "end_exclusive": period.end, "description": period.describe()}


def build_sections(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> tuple[Period, list[Section]]:
    period = options.period
    if options.compare_previous and not period.bounded:
        period = bound_by_data(con, period)
    keys = policy_keys(con, options.tiers)
    searches = has_column(con, "web_searches")
    scope = Scope(period.start, period.end, options.tiers, keys, searches)
    sections = [summary_section(con, scope, f"KPIs — {period.describe()}"),
                spend_section(con, scope, options.by, options.every)]
    if options.compare_previous:
        previous = period.previous()
        both = Scope(previous.start, period.end, options.tiers, keys, searches)
        assert period.start is not None
        sections.append(compare_section(con, both, period.start, options.by, previous.label))
    sections += [by_task_section(con, scope), utilisation_section(con, scope), errors_section(con, scope),
                 fallbacks_section(con, scope), cache_section(con, scope), reliability_section(con, scope),
                 quality_section(con, scope, options.drift_threshold)]
    return period, sections


def build_report(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> ChartedReport:
    """Every report section for `options`, as tables, charts and one stable JSON payload."""
    period, sections = build_sections(con, options)
    data: dict[str, Any] = {"period": period_data(period), "tier_rule": tier_source(options.tiers)}
    data.update({s.key: s.data for s in sections})
    notes = [f"Period: {period.describe()}", *(n for s in sections for n in s.notes)]
    undated = data["summary"]["undated_calls"]
    if undated and period.start is None and period.end is None:
        notes.append(f"{undated:,} call(s) carry no timestamp: counted in totals (and in an `(undated)` row under "
                     "--every), not in daily figures nor in provider availability")
    elif options.compare_previous and not options.period.bounded and (left := _undated(con)):
        notes.append(f"{left:,} call(s) carry no timestamp and are left out: to compare with the period before, "
                     "the report covers the stored days")
    if sampled := sampling_note(con):
        notes.append(sampled)
    return ChartedReport(tables=[t for s in sections for t in s.tables], data=data, notes=notes,
                         title=f"mmaudit report — {period.describe()}",
                         charts=[c for s in sections for c in s.charts])


