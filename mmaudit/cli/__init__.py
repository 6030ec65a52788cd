"""The `mmaudit` command line: a thin Typer layer over the library.

Each command parses its options, calls one library function, renders the result and sets the
exit code: 0 ok, 1 a finding or a failed gate, 2 a usage or input error.
"""

from __future__ import annotations

import typer

from mmaudit import __version__
from mmaudit.cli.lazy import LazyGroup

app = typer.Typer(
    name="mmaudit",
    help="Audit LLM API usage from your logs and simulate multi-model routing policies.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=LazyGroup,  # each command's module (and DuckDB, Arrow, the categoriser...) loads only when it runs
)


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
    import sys

    from mmaudit.cli.lazy import COMMANDS

    if sys.argv[1:2] and sys.argv[1] in COMMANDS and "--help" not in sys.argv:  # a command that will run
        from mmaudit.startup import skip_pyarrow_pandas_probe

        skip_pyarrow_pandas_probe()
    app()
