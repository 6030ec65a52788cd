"""`mmaudit ingest`: load log files into the store."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mmaudit import store
from mmaudit.cli.common import INGEST_ROLLED_BACK, DbOption, FormatOption, emit, quiet, stderr, user_errors
from mmaudit.enrich import enrichers
from mmaudit.errors import InputError
from mmaudit.formats.mapping import load_mapping
from mmaudit.ingest import FileResult, IngestOptions, IngestResult, discover, ingest_paths
from mmaudit.render import Column, OutputFormat, Report, Table

COLUMNS = [
    Column("path", "File"),
    Column("log_format", "Format"),
    Column("records", "Records", "int"),
    Column("loaded", "Loaded", "int"),
    Column("duplicates", "Duplicates", "int"),
    Column("upgraded", "Upgraded", "int"),
    Column("quarantined", "Quarantined", "int"),
    Column("skipped", "Skipped (not calls)", "int"),
    Column("estimated", "Tokens estimated", "int"),
    Column("status", "Status"),
]


def _display(path: str) -> str:
    """A path relative to the working directory when it is under it (shorter in tables)."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def ingest_report(result: IngestResult) -> Report:
    rows = [{**vars(f), "path": _display(f.path)} for f in result.files]
    total = {"path": "Total", **{k: result.total(k) for k in ("records", "loaded", "duplicates", "upgraded", "quarantined",
                                                           "skipped", "purged", "estimated")}}
    notes = [f.message if f.message.startswith(f.path) else f"{f.path}: {f.message}" for f in result.files if f.message]
    if result.total("purged"):
        notes.append(f"{result.total('purged')} call(s) are older than a `mmaudit purge` of this database and were not "
                     "loaded again: purged calls stay purged.")
    if result.total("skipped"):
        notes.append(f"{result.total('skipped')} record(s) skipped: they belong to the format but are not calls "
                     "(e.g. session user turns, agent or tool spans).")
    conflicting = result.total("conflicting_ids")
    if conflicting:
        notes.append(f"{conflicting} duplicate id(s) with different content: the first record of each id is kept, "
                     "the later ones are counted as duplicates (see docs/calls.md).")
    if result.total("upgraded"):
        notes.append(f"{result.total('upgraded')} stored call(s) upgraded to a more complete record of the same call "
                     "(a streamed message or a log that grew since the last run; see docs/calls.md).")
    if total["quarantined"]:
        notes.append("Quarantined records are in the `quarantine` table (file, line, reason, raw text).")
    data = {"files": rows, "total": {k: v for k, v in total.items() if k != "path"}}
    return Report([Table("Ingest", COLUMNS, rows, total, notes)], data)


def ingest(
    paths: Annotated[list[str], typer.Argument(help="Log files, directories or globs (.jsonl, .json, .gz, .zst).")],
    db: DbOption = None,
    log_format: Annotated[
        Optional[str], typer.Option("--log-format", help="Force a log format instead of detecting it (see `mmaudit formats`).")
    ] = None,
    mapping: Annotated[
        Optional[Path],
        typer.Option("--mapping", help="A YAML mapping of canonical columns to JSON paths for a custom log format "
                     "(see mmaudit/formats/mappings/ for examples); forces that format."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Load nothing of a file that has any bad record; exit 1.")] = False,
    redact_text: Annotated[
        bool, typer.Option("--redact-text", help="Store no prompt or response text, only hashes and derived features.")
    ] = False,
    prices: Annotated[Optional[list[Path]], typer.Option("--prices", help="Extra price table(s) (YAML).")] = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Categorisation rules (YAML) extending the defaults.")] = None,
    no_model: Annotated[
        bool, typer.Option("--no-model", help="Categorise with the rules alone (faster on traffic with few repeated prompts).")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load LLM API call logs into the DuckDB store, one transaction per file.

    Each file's format is detected (OpenAI, Anthropic, canonical JSONL, ...). Broken lines go to the
    `quarantine` table with file, line and reason; the good lines still load. Re-ingesting a file
    adds nothing twice: a file whose content is what an earlier run loaded is not read again
    (status `unchanged`), and a log that grew upgrades the calls it completed.

    Examples:

      mmaudit ingest sample_logs/

      mmaudit ingest 'logs/**/*.jsonl.gz' --db audit.duckdb --format json
    """
    with user_errors(INGEST_ROLLED_BACK):
        if mapping is not None and log_format is not None:
            raise InputError("use either --mapping or --log-format, not both")
        custom = load_mapping(mapping) if mapping is not None else None
        files = discover(paths)
        # configs (price tables, rules) are validated before the database is created or locked
        config = IngestOptions(log_format=log_format, custom_format=custom, strict=strict, redact_text=redact_text,
                               enrichers=enrichers(prices=prices, rules=rules, db=db, use_model=not no_model))
        con = store.connect(db)
        with contextlib.closing(con), Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                               TextColumn("files"), TimeElapsedColumn(),
                                               console=stderr, disable=quiet(fmt), transient=True) as progress:
            task = progress.add_task("ingesting", total=len(files))

            def reading(path: Path, records: int) -> None:  # per chunk of a file, so a big file shows progress
                progress.update(task, description=f"{escape(path.name)}: {records:,} records")

            def advance(done: FileResult) -> None:
                progress.update(task, advance=1, description=escape(Path(done.path).name))

            options = dataclasses.replace(config, on_records=reading)
            result = ingest_paths(con, [str(f) for f in files], options, on_file=advance)
    emit(ingest_report(result), fmt)
    if result.failed:
        raise typer.Exit(2)
    if result.rejected or result.partial or (strict and result.total("quarantined")):
        raise typer.Exit(1)  # a finding: records are known to be missing
