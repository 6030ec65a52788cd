"""`mmaudit simulate` and `mmaudit policy`: replay stored calls against routing policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from mmaudit import store
from mmaudit.cli.common import (
    UNCHANGED,
    DbOption,
    OutOption,
    PeriodOption,
    SinceOption,
    UntilOption,
    stderr,
    user_errors,
)
from mmaudit.cli.report_cmd import ReportFormatOption, emit_judged
from mmaudit.errors import ConfigError, InputError
from mmaudit.evals.sweep import parse_sweep, run_sweep
from mmaudit.formats import macros
from mmaudit.gates import stored_span
from mmaudit.period import resolve_period
from mmaudit.policy import load_policy
from mmaudit.policy_check import validate_policies
from mmaudit.policy_starter import starter_policy
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.provenance import file_sha256, price_sources, provenance
from mmaudit.render_html import ReportFormat
from mmaudit.simulate import SimulationOptions, parse_gate, run_policy
from mmaudit.simulate.decide import DEFAULT_SEED
from mmaudit.simulate.report import PolicySource, simulation_report

policy_app = typer.Typer(help="Validate routing policies or write a starter one.", no_args_is_help=True)


def simulate(
    policy: Annotated[list[Path], typer.Option("--policy", "-p", help="Policy YAML; repeat to compare side by side "
                                                                     "(differences are against the first).")],
    db: DbOption = None,
    prices: Annotated[Optional[list[Path]], typer.Option("--prices", help="Extra price table(s) (YAML).")] = None,
    period: PeriodOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    baseline: Annotated[str, typer.Option(help="`actual` (logged calls at their prices) or `model:NAME`.")] = "actual",
    seed: Annotated[str, typer.Option(help="Seed of the A/B and escalation draws; another seed, another draw "
                                           "(docs/simulate.md). The default uses the stored call hashes.")] = DEFAULT_SEED,
    fail_if: Annotated[
        Optional[list[str]], typer.Option("--fail-if", help='Gate on the last policy, e.g. "savings_pct < 30"; exit 1 '
                                                           "when true, or when there is nothing to judge (no calls, "
                                                           "no prices, quality unknown).")
    ] = None,
    sweep: Annotated[Optional[str], typer.Option(help="Cost/quality curve of the last policy: PARAM=LO:HI:STEPS "
                                                     "(uncertain, cascade or ab), e.g. uncertain=0:1:11 (docs/evals.md).")] = None,
    sample_rate: Annotated[Optional[float], typer.Option(
        "--sample-rate", help="The logs hold this share of the traffic (0.1 = 1 call in 10): figures scale to the "
                              "full traffic (it overrides the stored sample_weight of each call).")] = None,
    fmt: ReportFormatOption = ReportFormat.table,
    out: OutOption = None,
) -> None:
    """Replay the stored calls against routing policies and report projected cost and risk.

    Examples:

      mmaudit simulate --policy policies/tiers.yaml

      mmaudit simulate -p policies/single.yaml -p policies/tiers.yaml --period 2025-Q2 --format markdown

      mmaudit simulate -p main.yaml -p pr.yaml --fail-if "savings_pct < 30" --fail-if "quality_unknown_calls > 0"

      mmaudit simulate -p main.yaml -p pr.yaml --format html --out comparison.html

      mmaudit simulate -p tiers.yaml --sweep uncertain=0:1:11 --fail-if "beats_random_mix_margin < 0"

      mmaudit simulate -p policies/circuit-breaker.yaml --sample-rate 0.01   # logs keep 1 call in 100
    """
    with user_errors(UNCHANGED):
        gates = [parse_gate(g) for g in fail_if or []]
        window = resolve_period(period, since, until)
        policies = [(load_policy(p), PolicySource(str(p), file_sha256(p))) for p in policy]
        con = store.connect(db, read_only=True)
        macros.install(con)
        catalog = load_catalog(list(prices or []))
        register_prices(con, catalog)
        options = SimulationOptions(since=window.start, until=window.end, baseline=baseline, seed=seed,
                                    sample_rate=sample_rate)
        sweep_spec = parse_sweep(sweep) if sweep else None
        results = [run_policy(con, pol, options, source.path) for pol, source in policies]
        if sweep_spec:
            results[-1].sweep = run_sweep(con, policies[-1][0], options, sweep_spec, policies[-1][1].path)
        span = stored_span(con)
        con.close()
    sources = [source for _, source in policies]
    report = simulation_report(results, window.describe(), sources)
    report.provenance = provenance(db, window.describe(), price_sources(catalog),
                                   [(s.path, s.sha256) for s in sources])
    judged = report.data if len(results) == 1 else report.data["policies"][-1]
    verdicts = [g.judge(judged, f"policy {judged['label']}", window.describe(), span) for g in gates]
    emit_judged(report, verdicts, "simulate", fmt, out)


@policy_app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Policy YAML files.")],
    db: Annotated[Optional[Path], typer.Option("--db", help="Also check the routes, values, tags and outages "
                                                            "against the stored calls of this database.")] = None,
    prices: Annotated[Optional[list[Path]], typer.Option("--prices", help="Extra price table(s) (YAML).")] = None,
) -> None:
    """Check policy files against the schema and the price tables (with --db, also the data).

    Errors name the file, key path, expected and found, with the closest valid value (exit 2);
    models with no price are errors (with suggestions); with --db, routes that match no stored
    call, values and tags never seen and outages outside the stored period are warnings.

    Examples:

      mmaudit policy validate policies/tiers.yaml

      mmaudit policy validate policies/*.yaml --db mmaudit.duckdb
    """
    with user_errors(UNCHANGED):
        checked = validate_policies(files, db, list(prices or []))
        errors = [e for _path, _pol, check in checked for e in check.errors]
        for path, pol, check in checked:
            for warning in check.warnings:
                stderr.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
            if pol is not None and not check.errors:
                typer.echo(f"{path}: ok ({pol.name}: {len(pol.tiers)} tiers, {len(pol.routes)} routes)")
        if errors:
            raise ConfigError("\n".join(errors))


@policy_app.command("init")
def init(
    db: DbOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Write a commented starter policy built from the models found in the database.

    Example:

      mmaudit policy init --out policies/mine.yaml
    """
    with user_errors():
        con = store.connect(db, read_only=True)
        macros.install(con)
        register_prices(con, load_catalog())
        text = starter_policy(con)
        con.close()
        if out is not None:
            if out.exists():
                raise InputError(f"{out} exists: not overwriting it")
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
            stderr.print(f"wrote {out}")
        else:
            typer.echo(text, nl=False)
