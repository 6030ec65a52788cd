"""CI gate verdicts that cannot pass by accident, and how they are reported.

A gate judges a figure against a limit. It fails safe: when there is nothing to judge (no calls
in the period, no priced call, quality unknown for the calls it judges, a figure that is
undefined) it fails and says why, instead of passing on a null. Every verdict names its metric,
the actual value and the limit, on stderr, in the report (markdown, JSON...) and in GitHub's
step summary.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from mmaudit.render import Column, Table, format_value, kind_of


@dataclass(frozen=True)
class Verdict:
    """One gate's outcome. `condition` is when the gate fails ("savings_pct < 30")."""

    condition: str
    metric: str
    actual: Any
    limit: float
    passed: bool
    subject: str
    reason: str = ""

    @property
    def status(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def actual_text(self) -> str:
        return "undefined" if self.actual is None else format_value(self.actual, kind_of(self.metric, self.actual))

    def detail(self) -> str:
        """`savings_pct < 30: actual savings_pct = 12.0%, limit 30 — policy pr: why`."""
        why = f": {self.reason}" if self.reason else ""
        return (f"{self.condition}: actual {self.metric} = {self.actual_text()}, limit {self.limit_text()} "
                f"— {self.subject}{why}")

    def limit_text(self) -> str:
        """The limit as the actual figure is printed: a share (0.1) as a percent (10%)."""
        return f"{self.limit * 100:g}%" if kind_of(self.metric, self.limit) == "share" else f"{self.limit:g}"

    def line(self) -> str:
        return f"{self.status} {self.detail()}"

    def stderr_line(self) -> str:
        return f"gate {'passed' if self.passed else 'failed'}: {self.detail()}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def stored_span(con: duckdb.DuckDBPyConnection) -> str:
    """What the database holds, for a gate that found nothing: `the database holds A..B`."""
    first, last, calls = con.execute("SELECT min(ts)::DATE, max(ts)::DATE, count(*) FROM calls").fetchall()[0]
    if not calls:
        return "the database holds no calls"
    if first is None:
        return f"the database holds {calls:,} calls, none with a timestamp"
    return f"the database holds {first.isoformat()}..{last.isoformat()} ({calls:,} calls)"


def nothing_to_judge(calls: int, period: str, span: str) -> str:
    return f"0 calls in {period}; {span}" if not calls else ""


def verdict_table(verdicts: list[Verdict]) -> Table:
    """One row per gate. The actual figure and the limit are numbers in the figure's unit (a share
    as a percent beside a percent, money as money), so CSV holds raw values, not `$3.48` or
    `45.4%` beside a limit typed as `0.2`."""
    rows = [{"status": v.status, "subject": v.subject, "metric": v.metric, "actual": v.actual,
             "fails_if": re.match(r"[<>=!]*", v.condition.removeprefix(v.metric).strip()).group(0),  # type: ignore[union-attr]
             "limit": v.limit, "reason": v.reason, "kind": kind_of(v.metric, v.limit)}
            for v in verdicts]
    columns = [Column("status", "Verdict"), Column("subject", "Subject"), Column("metric", "Metric"),
               Column("actual", "Actual", "by_row"), Column("fails_if", "Fails if"), Column("limit", "Limit", "by_row"),
               Column("reason", "Why")]
    return Table("CI gates", columns, rows)


def summary_markdown(verdicts: list[Verdict], command: str) -> str:
    """The step summary's verdict block: one headline line, then one line per gate."""
    if not verdicts:
        return ""
    failed = [v for v in verdicts if not v.passed]
    head = (f"**mmaudit {command}: FAIL** ({len(failed)} of {len(verdicts)} gates failed)" if failed
            else f"**mmaudit {command}: PASS** ({len(verdicts)} gates passed)")
    return "\n".join([head, "", *(f"- **{v.status}** {v.detail()}" for v in verdicts)]) + "\n"
