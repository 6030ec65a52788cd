"""`mmaudit purge --before DATE`: delete old calls and their quarantined lines from the store."""

from __future__ import annotations

from typing import Annotated

import typer

from mmaudit.cli.common import PURGE_INTERRUPTED, DbOption, FormatOption, emit, user_errors
from mmaudit.purge import parse_before, purge as purge_db
from mmaudit.render import Column, OutputFormat, Report, Table

COLUMNS = [
    Column("table", "Table"),
    Column("deleted", "Rows deleted", "int"),
]


def purge(
    before: Annotated[str, typer.Option("--before", help="Delete calls before this date (UTC) or ISO date-time.")],
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Delete calls with a timestamp before DATE, and their quarantined lines, for good.

    Calls without a timestamp go when they were ingested before DATE. The database file is then
    rewritten so the deleted prompt and response text is not left in it (see mmaudit/purge.py).
    Later ingests keep to it: a call older than DATE in a log read again (a log that grew) is not
    loaded, and the ingest says how many it left out.

    Example:

      mmaudit purge --before 2025-01-01 --db audit.duckdb
    """
    with user_errors(PURGE_INTERRUPTED):
        result = purge_db(db, parse_before(before))
    rows = [{"table": "calls", "deleted": result.calls}, {"table": "quarantine", "deleted": result.quarantine},
            {"table": "ingested_files", "deleted": result.ingested_files}]
    notes = [f"{result.calls_left:,} call(s) left; the database file was rewritten so deleted text does not linger."]
    data = {"before": result.before.isoformat(), "deleted": {r["table"]: r["deleted"] for r in rows},
            "calls_left": result.calls_left, "bytes_before": result.bytes_before, "bytes_after": result.bytes_after}
    emit(Report([Table(f"Purge before {result.before.isoformat()}", COLUMNS, rows, None, notes)], data), fmt)
