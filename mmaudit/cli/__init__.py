"""The `mmaudit` command line: a thin Typer layer over the library.

Each command parses its options, calls one library function, renders the result and sets the
exit code: 0 ok, 1 a finding or a failed gate, 2 a usage or input error.
"""

from __future__ import annotations

import typer

from mmaudit import __version__
from mmaudit.cli import (
    audit_cmd,
    categorize_cmd,
    evals_cmd,
    export_cmd,
    generate_cmd,
    ingest_cmd,
    live_cmd,
    models_cmd,
    prices_cmd,
    purge_cmd,
    report_cmd,
    simulate_cmd,
    usage_cmd,
)

app = typer.Typer(
    name="mmaudit",
    help="Audit LLM API usage from your logs and simulate multi-model routing policies.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command("ingest")(ingest_cmd.ingest)
app.command("calls")(usage_cmd.calls)
app.command("formats")(usage_cmd.formats)
app.command("generate")(generate_cmd.generate)
app.add_typer(prices_cmd.app, name="prices")
app.command("models")(models_cmd.models)
app.add_typer(categorize_cmd.app, name="categorize")
categorize_cmd.app.command("label")(live_cmd.label)
app.command("simulate")(simulate_cmd.simulate)
app.add_typer(simulate_cmd.policy_app, name="policy")
app.command("report")(report_cmd.report)
app.command("audit")(audit_cmd.audit)
app.command("export")(export_cmd.export)
app.command("purge")(purge_cmd.purge)
app.add_typer(evals_cmd.app, name="evals")
evals_cmd.app.command("run")(live_cmd.run)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mmaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Audit LLM API usage from your logs and simulate multi-model routing policies."""


def main() -> None:
    app()
