"""Reporting periods: `--period 2025-Q3 | 2025-06 | 2025` or `--since/--until` dates, as UTC bounds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from mmaudit.errors import InputError

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """[since, until) in UTC; either end may be open (None)."""

    since: datetime | None
    until: datetime | None
    label: str

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if self.since is None or self.until is None:
            raise InputError("--compare previous needs a closed period (--period, or both --since and --until)")
        return Period(self.since - (self.until - self.since), self.since, f"before {self.label}")


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def _add_months(year: int, month: int, months: int) -> date:
    index = year * 12 + (month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(period: str | None = None, since: str | None = None, until: str | None = None) -> Period:
    """One of `period` or `since`/`until`; dates are ISO (`until` is exclusive)."""
    if period and (since or until):
        raise InputError("give --period or --since/--until, not both")
    if period:
        text = period.strip()
        if m := _QUARTER.match(text):
            year, q = int(m.group(1)), int(m.group(2))
            start = date(year, 3 * q - 2, 1)
            return Period(_utc(start), _utc(_add_months(year, 3 * q - 2, 3)), f"{year}-Q{q}")
        if m := _MONTH.match(text):
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise InputError(f"--period {period!r}: month must be 01 to 12")
            return Period(_utc(date(year, month, 1)), _utc(_add_months(year, month, 1)), text)
        if m := _YEAR.match(text):
            year = int(m.group(1))
            return Period(_utc(date(year, 1, 1)), _utc(date(year + 1, 1, 1)), text)
        raise InputError(f"--period {period!r}: expected YYYY-Qn, YYYY-MM or YYYY")
    lo, hi = _parse_date(since, "--since"), _parse_date(until, "--until")
    if lo and hi and hi <= lo:
        raise InputError("--until must be after --since")
    label = f"{since or '…'} to {until or '…'}" if (since or until) else "all time"
    return Period(lo, hi, label)


def _parse_date(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a date like 2025-07-01 or 2025-07-01T12:00:00Z") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
