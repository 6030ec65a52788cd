"""`mmaudit report`: spend, KPIs, reliability and quality drift for a period (thin layer)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from mmaudit import store
from mmaudit.cli.common import (
    UNCHANGED,
    DbOption,
    OutOption,
    PeriodOption,
    SinceOption,
    UntilOption,
    append_step_summary,
    emit,
    stderr,
    user_errors,
)
from mmaudit.errors import InputError
from mmaudit.gates import Verdict, summary_markdown, verdict_table
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.provenance import file_sha256, price_sources, provenance
from mmaudit.render import OutputFormat, Report, markdown
from mmaudit.render_html import ReportFormat, html_document
from mmaudit.report import (
    ReportOptions,
    bucket_dimension,
    build_report,
    parse_dimensions,
    read_policy_tiers,
    resolve_period,
)
from mmaudit.report.quality import DEFAULT_THRESHOLD

ReportFormatOption = Annotated[
    ReportFormat, typer.Option("--format", "-f", help="Output format: table, markdown, json, csv or html.")
]
PolicyOption = Annotated[
    Optional[Path], typer.Option("--policy", help="Policy YAML whose tiers: mapping assigns models to tiers.")
]


def emit_any(report: Report, fmt: ReportFormat, out: Path | None) -> None:
    """Like `common.emit`, plus html; an unwritable --out is a one-line error (exit 2)."""
    with user_errors(UNCHANGED):
        try:
            _emit(report, fmt, out)
        except OSError as exc:
            raise InputError(f"cannot write {out or 'to stdout'}: {exc.strerror or exc}") from None


def emit_judged(report: Report, verdicts: list[Verdict], command: str, fmt: ReportFormat, out: Path | None) -> None:
    """Emit a gated command's report: the verdict table first (and `gates` in JSON), the step
    summary with its PASS/FAIL lines, each verdict on stderr; exit 1 when a gate failed."""
    if verdicts:
        report.tables.insert(0, verdict_table(verdicts))
        report.data["gates"] = [v.to_dict() for v in verdicts]
    emit_any(report, fmt, out)
    append_step_summary(summary_markdown(verdicts, command) + "\n" + markdown(report))
    for verdict in verdicts:
        stderr.print(verdict.stderr_line(), highlight=False, markup=False, soft_wrap=True)
    if any(not v.passed for v in verdicts):
        raise typer.Exit(1)


def _emit(report: Report, fmt: ReportFormat, out: Path | None) -> None:
    if fmt is not ReportFormat.html:
        emit(report, OutputFormat(fmt.value), out)
        return
    page = html_document(report)
    if out is None:
        sys.stdout.write(page)
        sys.stdout.flush()
        return
    out.write_text(page, encoding="utf-8")
    stderr.print(f"wrote {out}")


def parse_compare(compare: str | None) -> bool:
    if compare is None:
        return False
    if compare != "previous":
        raise InputError(f"--compare {compare!r}: only 'previous' is supported")
    return True


def report(
    db: DbOption = None,
    fmt: ReportFormatOption = ReportFormat.table,
    out: OutOption = None,
    period: PeriodOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[str, typer.Option("--by", help="Comma-separated: provider, model, model_key, operation, task, "
                                                 "complexity, tier, status, tag:NAME.")] = "provider,model",
    every: Annotated[Optional[str], typer.Option("--every", help="Also split spend by day, week or month.")] = None,
    compare: Annotated[Optional[str], typer.Option("--compare", help="'previous': change vs the previous period.")] = None,
    policy: PolicyOption = None,
    drift_threshold: Annotated[float, typer.Option("--drift-threshold", help="Flag a weekly mean score drop above this.")] = DEFAULT_THRESHOLD,
    prices: Annotated[Optional[list[Path]], typer.Option("--prices", help="Extra price table(s) (YAML) for cache savings.")] = None,
) -> None:
    """Report spend, KPIs, utilisation, reliability and quality drift for a period.

    Example:

      mmaudit report --period 2025-Q3 --by model,tag:team --compare previous --format html --out q3.html
    """
    with user_errors(UNCHANGED):
        if not 0 <= drift_threshold < float("inf"):  # (nan fails this too)
            raise InputError(f"--drift-threshold {drift_threshold}: give a drop in mean score of 0 or more, e.g. 0.05")
        options = ReportOptions(
            period=resolve_period(period, since, until), by=parse_dimensions(by),
            every=bucket_dimension(every) if every else None, compare_previous=parse_compare(compare),
            tiers=read_policy_tiers(policy) if policy else None, drift_threshold=drift_threshold,
        )
        con = store.connect(db, read_only=True)
        try:
            # price_rates lets the cache section value cached tokens at each model's prices
            catalog = load_catalog(list(prices or []))
            register_prices(con, catalog)
            result = build_report(con, options)
        finally:
            con.close()
    result.provenance = provenance(db, options.period.describe(), price_sources(catalog),
                                   [(str(policy), file_sha256(policy))] if policy else None)
    emit_any(result, fmt, out)
