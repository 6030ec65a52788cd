"""`mmaudit audit`: task x complexity x model breakdown and the premium-for-simple headline."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mmaudit import store
from mmaudit.audit import AuditOptions
from mmaudit.audit import audit as run_audit
from mmaudit.cli.common import (
    UNCHANGED,
    DbOption,
    OutOption,
    PeriodOption,
    SinceOption,
    UntilOption,
    user_errors,
)
from mmaudit.cli.report_cmd import PolicyOption, ReportFormatOption, emit_judged
from mmaudit.errors import InputError
from mmaudit.gates import Verdict, nothing_to_judge, stored_span
from mmaudit.provenance import file_sha256, provenance
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
    with user_errors(UNCHANGED):
        gate = parse_share(fail_if_premium_share) if fail_if_premium_share is not None else None
        window = resolve_period(period, since, until)
        options = AuditOptions(window, read_policy_tiers(policy) if policy else None, tuple(premium_tier))
        con = store.connect(db, read_only=True)
        try:
            result = run_audit(con, options)
            span = stored_span(con)
        finally:
            con.close()
    result.provenance = provenance(db, window.describe(), "costs as stored at ingest (cost_usd)",
                                   [(str(policy), file_sha256(policy))] if policy else None)
    verdicts = [premium_share_verdict(result.data["headline"], gate, window.describe(), span)] if gate is not None else []
    emit_judged(result, verdicts, "audit", fmt, out)


def premium_share_verdict(head: dict, limit: float, period: str, span: str) -> Verdict:
    """Fails over the limit, and fails safe over a period with no calls."""
    metric, share = "premium_simple_or_moderate_call_share", head["premium_simple_or_moderate_call_share"]
    condition = f"{metric} > {limit:g}"
    reason = nothing_to_judge(int(head["calls"] or 0), period, span)
    if reason or share is None:
        return Verdict(condition, metric, share, limit, False, "audit", reason or f"{metric} is undefined")
    return Verdict(condition, metric, share, limit, not share > limit, "audit")
