"""`mmaudit audit`: task x complexity x model breakdown and the premium-for-simple headline."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mmaudit import store
from mmaudit.audit import AuditOptions
from mmaudit.audit import audit as run_audit
from mmaudit.cli.common import (
    DbOption,
    OutOption,
    PeriodOption,
    SinceOption,
    UntilOption,
    stderr,
    user_errors,
)
from mmaudit.cli.report_cmd import PolicyOption, ReportFormatOption, emit_any
from mmaudit.errors import InputError
from mmaudit.render_html import ReportFormat
from mmaudit.report import read_policy_tiers, resolve_period


def parse_share(text: str) -> float:
    """`0.2` or `20%` -> 0.2; a gate outside 0..1 is a usage error."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise InputError(f"--fail-if-premium-share {text!r}: expected a share like 0.2 or 20%") from None
    if not 0 <= value <= 1:
        raise InputError(f"--fail-if-premium-share {text!r}: must be between 0 and 1 (or 0% and 100%)")
    return value


def audit(
    db: DbOption = None,
    fmt: ReportFormatOption = ReportFormat.table,
    out: OutOption = None,
    period: PeriodOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    policy: PolicyOption = None,
    premium_tier: Annotated[list[str], typer.Option("--premium-tier", help="Tier(s) counted as premium (repeatable).")] = ["premium"],  # noqa: B006
    fail_if_premium_share: Annotated[Optional[str], typer.Option(
        "--fail-if-premium-share", help="Exit 1 when the share of calls that were simple/moderate on premium exceeds this (0.2 or 20%).")] = None,
) -> None:
    """Find simple and moderate calls that went to premium models: share of calls, spend and cost.

    Example:

      mmaudit audit --period 2025-Q3 --fail-if-premium-share 20%
    """
    with user_errors():
        gate = parse_share(fail_if_premium_share) if fail_if_premium_share is not None else None
        options = AuditOptions(resolve_period(period, since, until),
                               read_policy_tiers(policy) if policy else None, tuple(premium_tier))
        con = store.connect(db, read_only=True)
        try:
            result = run_audit(con, options)
        finally:
            con.close()
    emit_any(result, fmt, out)
    share = result.data["headline"]["premium_simple_or_moderate_call_share"]
    if gate is not None and share is not None and share > gate:
        stderr.print(f"gate failed: {share:.1%} of calls were simple/moderate on premium (limit {gate:.1%})")
        raise typer.Exit(1)
