"""The root command group, loading each command's module only when that command runs.

`mmaudit --help` lists the commands from the table below without importing them: the command
modules pull in DuckDB, Arrow, pandas and the categoriser, which cost about a second of start-up
that a user asking for help should not wait for. Each entry is the command's module attribute
(a function for a command, a Typer app for a group) and the one-line help the list shows; a
test checks the line equals the command's own first help line, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# name -> ("module:attribute", one-line help), in the order `--help` lists them
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("mmaudit.cli.ingest_cmd:ingest",
               "Load LLM API call logs into the DuckDB store, one transaction per file."),
    "calls": ("mmaudit.cli.usage_cmd:calls",
              "Summarise the stored calls: calls, errors, tokens and cost per provider and model."),
    "formats": ("mmaudit.cli.usage_cmd:formats",
                "List the log formats `mmaudit ingest` detects, with the fields each reads."),
    "generate": ("mmaudit.cli.generate_cmd:generate",
                 "Generate three months of realistic LLM traffic (several models, tasks, errors, an outage)."),
    "models": ("mmaudit.cli.models_cmd:models",
               "List the model registry: tier, today's price, latency (measured from your logs when there are "
               "enough calls, else the prior), quality priors and approved data classes."),
    "simulate": ("mmaudit.cli.simulate_cmd:simulate",
                 "Replay the stored calls against routing policies and report projected cost and risk."),
    "report": ("mmaudit.cli.report_cmd:report",
               "Report spend, KPIs, utilisation, reliability and quality drift for a period."),
    "audit": ("mmaudit.cli.audit_cmd:audit",
              "Find simple and moderate calls that went to premium models: share of calls, spend and cost."),
    "export": ("mmaudit.cli.export_cmd:export",
               "Export the calls table as Parquet files partitioned by month (Hive layout month=YYYY-MM), or "
               "the actual cost as a FOCUS 1.2 dataset (day x provider x model x tags) for FinOps tools."),
    "purge": ("mmaudit.cli.purge_cmd:purge",
              "Delete calls with a timestamp before DATE, and their quarantined lines, for good."),
    "prices": ("mmaudit.cli.prices_cmd:app", "Price tables: list, show, validate, import, update, reconcile and reprice."),
    "categorize": ("mmaudit.cli.categorize_cmd:app",
                   "Categorise calls by task and complexity; train, adapt and evaluate the categoriser."),
    "policy": ("mmaudit.cli.simulate_cmd:policy_app", "Validate routing policies or write a starter one."),
    "evals": ("mmaudit.cli.evals_cmd:app",
              "Outcome matrices: import model scores per prompt, hash prompts, sample prompts to evaluate."),
}


def load(name: str) -> Any:
    """The click command of `name`, importing its module."""
    module, attribute = COMMANDS[name][0].split(":")
    target: Any = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(rich_markup_mode="rich", pretty_exceptions_enable=False, add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands are imported on first use (see the module docstring)."""

    _listing = False

    # (typer bundles its own click: the context and formatter are its types, annotated as Any)
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:  # the help list needs a name and a line, not the command
            return TyperCommand(cmd_name, short_help=COMMANDS[cmd_name][1], help=COMMANDS[cmd_name][1])
        return load(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
