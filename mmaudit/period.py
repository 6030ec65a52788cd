"""Reporting periods: `--period 2025-Q3` or `--since/--until`, and the period before it.

Bounds are half-open UTC instants `[start, end)`, so a call at midnight belongs to exactly one
period. `--until` is an inclusive date (`--since 2025-07-01 --until 2025-09-30` is Q3), because
that is how people write date ranges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mmaudit.errors import InputError

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A half-open UTC window; either bound may be None (unbounded: all stored calls)."""

    start: datetime | None
    end: datetime | None
    label: str
    unit: str = "custom"  # year | quarter | month | day | custom

    @property
    def bounded(self) -> bool:
        return self.start is not None and self.end is not None

    def previous(self) -> Period:
        """The period just before: the previous calendar unit, else the same number of days."""
        if not self.bounded:
            raise InputError("--compare previous needs a bounded period: give --period or --since and --until")
        assert self.start is not None and self.end is not None
        if self.unit in ("year", "quarter", "month"):
            months = {"year": 12, "quarter": 3, "month": 1}[self.unit]
            start = _add_months(self.start, -months)
            return Period(start, self.start, f"previous {self.unit} ({start:%Y-%m-%d} to {_last_day(self.start)})", self.unit)
        start = self.start - (self.end - self.start)
        return Period(start, self.start, f"previous period ({start:%Y-%m-%d} to {_last_day(self.start)})", "custom")

    def describe(self) -> str:
        if self.start is None and self.end is None:
            return "all stored calls"
        first = f"{self.start:%Y-%m-%d}" if self.start else "the first call"
        last = _last_day(self.end) if self.end else "the last call"
        return f"{self.label}: {first} to {last} (UTC)"


def _last_day(end: datetime) -> str:
    return f"{end - timedelta(days=1):%Y-%m-%d}"


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def parse_period(text: str) -> Period:
    """`2025`, `2025-Q3`, `2025-07` or `2025-07-15` as a calendar period in UTC."""
    text = text.strip()
    try:
        if m := _YEAR.match(text):
            start = datetime(int(m[1]), 1, 1, tzinfo=UTC)
            return Period(start, _add_months(start, 12), text, "year")
        if m := _QUARTER.match(text):
            start = datetime(int(m[1]), 3 * int(m[2]) - 2, 1, tzinfo=UTC)
            return Period(start, _add_months(start, 3), f"{m[1]}-Q{m[2]}", "quarter")
        if m := _MONTH.match(text):
            start = datetime(int(m[1]), int(m[2]), 1, tzinfo=UTC)
            return Period(start, _add_months(start, 1), text, "month")
        if _DAY.match(text):
            start = _utc(date.fromisoformat(text))
            return Period(start, start + timedelta(days=1), text, "day")
    except ValueError as exc:
        raise InputError(f"--period {text!r}: {exc}") from None
    raise InputError(f"--period {text!r}: expected YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD")


def _parse_date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a date YYYY-MM-DD") from None


def resolve_period(period: str | None = None, since: str | None = None, until: str | None = None) -> Period:
    """One Period from the CLI's options; `--period` excludes `--since/--until`."""
    if period and (since or until):
        raise InputError("give either --period or --since/--until, not both")
    if period:
        return parse_period(period)
    start = _utc(_parse_date("--since", since)) if since else None
    end = _utc(_parse_date("--until", until)) + timedelta(days=1) if until else None
    if start and end and end <= start:
        raise InputError(f"--until {until} is before --since {since}")
    return Period(start, end, "period" if (start or end) else "all", "custom")
