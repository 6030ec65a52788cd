"""What every command shares: the --db and --format options, error handling, output."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import duckdb
import typer
from rich.console import Console
from rich.markup import escape

from mmaudit.errors import MmauditError, interrupted_in_udf
from mmaudit.render import OutputFormat, Report, render

INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT

DbOption = Annotated[
    Optional[Path],
    typer.Option("--db", envvar="MMAUDIT_DB", help="DuckDB file to use (default: ./mmaudit.duckdb).", show_default=False),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format: table, markdown, json or csv."),
]
PeriodOption = Annotated[Optional[str], typer.Option("--period", help="2025, 2025-Q3, 2025-07 or 2025-07-15 (UTC).")]
SinceOption = Annotated[Optional[str], typer.Option("--since", help="First day (YYYY-MM-DD, UTC), inclusive.")]
UntilOption = Annotated[Optional[str], typer.Option("--until", help="Last day (YYYY-MM-DD, UTC), inclusive.")]
OutOption = Annotated[
    Optional[Path], typer.Option("--out", "-o", help="Write the output to this file instead of stdout.")
]

# Piped output is read in files and CI logs: give tables room instead of Rich's 80-column default,
# unless COLUMNS says how wide the reader is. `--out FILE` gets what such a pipe gets.
PIPE_WIDTH = 160
stderr = Console(stderr=True)


def output_width() -> int:
    """COLUMNS when set to a usable width, else PIPE_WIDTH."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return PIPE_WIDTH
    return columns if columns >= 20 else PIPE_WIDTH


def stdout_console() -> Console:
    """A console for this command's stdout, made when it prints (COLUMNS is read then)."""
    if sys.stdout.isatty():
        return Console()
    return Console(width=output_width(), color_system=None, force_terminal=False)


# What the database holds after a Ctrl-C, by what the command was doing.
UNCHANGED = "the database was not changed"
WRITE_ROLLED_BACK = "what it was writing was rolled back, and the database is as it was before"
INGEST_ROLLED_BACK = "a file being loaded was rolled back (files finished before are kept)"
PURGE_INTERRUPTED = ("the deletions are all done or none (one transaction); if they were done, the file may not "
                     "have been rewritten yet, so deleted text can still be in its bytes")


@contextlib.contextmanager
def user_errors(on_interrupt: str = WRITE_ROLLED_BACK) -> Iterator[None]:
    """Turn MmauditError into a one-line message on stderr and its exit code (no traceback).
    `on_interrupt`: what a Ctrl-C leaves in the database, said under "interrupted"."""
    try:
        yield
    except MmauditError as exc:
        # the message quotes user text (paths, config values): escape it, `[/x]` must not be markup
        stderr.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except (KeyboardInterrupt, duckdb.InterruptException):
        _interrupted(on_interrupt)
    except duckdb.Error as exc:
        if not interrupted_in_udf(exc):  # Ctrl-C inside the model resolver, run by a query
            raise
        _interrupted(on_interrupt)
    except RuntimeError as exc:  # DuckDB reports a query stopped by Ctrl-C as a bare RuntimeError
        if "interrupted" not in str(exc).lower():
            raise
        _interrupted(on_interrupt)


def _interrupted(state: str) -> NoReturn:
    """Ctrl-C: say what state the database is in, exit 130."""
    stderr.print(
        f"[bold red]interrupted:[/bold red] stopped before finishing; {state}. Run the command again to complete it.",
        highlight=False, markup=True, soft_wrap=True,
    )
    raise typer.Exit(INTERRUPTED) from None


def emit(report: Report, fmt: OutputFormat, out: Path | None = None) -> None:
    """Render to stdout, or to `out` as plain text (a Rich table file gets no colour codes)."""
    if out is None:
        render(report, fmt, stdout_console())
        return
    with open(out, "w", encoding="utf-8") as fh:
        render(report, fmt, Console(file=fh, width=output_width(), color_system=None, force_terminal=False))
    stderr.print(f"wrote {out}")


def append_step_summary(text: str) -> None:
    """Append markdown to `$GITHUB_STEP_SUMMARY` when GitHub Actions set it (else nothing)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text.rstrip() + "\n\n")


def quiet(fmt: OutputFormat) -> bool:
    """Progress and chatter go to stderr, and not at all when stdout carries machine output."""
    return fmt is not OutputFormat.table or not sys.stderr.isatty()
