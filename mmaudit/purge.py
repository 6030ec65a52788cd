"""`mmaudit purge --before DATE`: delete old calls and their quarantined lines, for good.

What goes (all in one transaction):
  - calls with `ts` before DATE; calls with no `ts` whose `ingested_at` is before DATE;
  - quarantine rows ingested before DATE, and quarantine rows of every file that had calls
    deleted here and has none left (its bad lines are as old as its calls);
  - `ingested_files` ledger rows, ingested before DATE, of files with nothing left in either table.

Why the database is then rewritten: DuckDB's DELETE, CHECKPOINT and even VACUUM only mark rows
deleted; the prompt text stays readable in the file's blocks. So after the delete the live data
is copied (`COPY FROM DATABASE`) into a fresh file that replaces the old one: deleted text is
no longer anywhere in the database file or its WAL. The new file is owner-only like the old.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path

import duckdb

from mmaudit import store
from mmaudit.errors import InputError


@dataclass(frozen=True)
class PurgeResult:
    before: datetime
    calls: int
    quarantine: int
    ingested_files: int
    calls_left: int
    bytes_before: int
    bytes_after: int


def parse_before(text: str) -> datetime:
    """`2025-01-01` (UTC midnight) or an ISO date-time with its zone; anything else is an input error."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), time(0), timezone.utc)
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--before {text!r}: expected a date like 2025-01-01 or 2025-01-01T00:00:00Z") from None
    if moment.tzinfo is None:
        raise InputError(f"--before {text!r}: give the time zone, e.g. 2025-01-01T00:00:00Z")
    return moment


_DELETE_CALLS = """
    CREATE OR REPLACE TEMP TABLE _purged_files AS
    SELECT DISTINCT source_file FROM calls WHERE ts < $1 OR (ts IS NULL AND ingested_at < $1);
    DELETE FROM calls WHERE ts < $1 OR (ts IS NULL AND ingested_at < $1);
"""
_DELETE_QUARANTINE = """
    DELETE FROM quarantine q WHERE q.ingested_at < $1
       OR (q.source_file IN (SELECT source_file FROM _purged_files)
           AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.source_file = q.source_file))
"""
_DELETE_LEDGER = """
    DELETE FROM ingested_files f WHERE f.ingested_at < $1
       AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.source_file = f.source_file)
       AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.source_file = f.source_file)
"""


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _delete(con: duckdb.DuckDBPyConnection, before: datetime) -> tuple[int, int, int]:
    """Run the deletes in one transaction; (calls, quarantine, ledger) rows removed."""
    counts_before = [_count(con, t) for t in ("calls", "quarantine", "ingested_files")]
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in _DELETE_CALLS.split(";"):
            if statement.strip():
                con.execute(statement, [before])
        con.execute(_DELETE_QUARANTINE, [before])
        con.execute(_DELETE_LEDGER, [before])
        con.execute("INSERT INTO purges (purged_before) VALUES (?)", [before])  # ingest keeps to it
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    after = [_count(con, t) for t in ("calls", "quarantine", "ingested_files")]
    return counts_before[0] - after[0], counts_before[1] - after[1], counts_before[2] - after[2]


def _sql_path(path: Path) -> str:
    """A path as a SQL literal (ATTACH takes no bound parameter): quotes doubled, NUL refused."""
    text = str(path)
    if "\x00" in text:
        raise InputError("database path contains a NUL character")
    return "'" + text.replace("'", "''") + "'"


def _rewrite(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Copy the live data into a fresh file and put it in place of `path` (closes `con`)."""
    fresh = path.with_name(path.name + ".purge-tmp")
    for leftover in (fresh, Path(str(fresh) + ".wal")):
        leftover.unlink(missing_ok=True)
    source = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"ATTACH {_sql_path(fresh)} AS _purge_fresh")
    con.execute(f'COPY FROM DATABASE "{source.replace(chr(34), chr(34) * 2)}" TO _purge_fresh')
    con.execute("DETACH _purge_fresh")
    con.close()
    os.replace(fresh, path)
    Path(str(path) + ".wal").unlink(missing_ok=True)  # the old WAL belongs to the old file


def purge(db: str | os.PathLike[str] | None, before: datetime) -> PurgeResult:
    """Delete what is older than `before`, then rewrite the database so no deleted text lingers."""
    # through a symlink, the file it points to is the one rewritten (replacing the link with a new
    # file left every purged row in the real database's bytes)
    path = store.resolve_db_path(db).resolve()
    if not path.exists():
        raise InputError(f"database {path} does not exist: nothing to purge")
    con = store.connect(path)
    try:
        calls, quarantine, ledger = _delete(con, before)
        left = _count(con, "calls")
        con.execute("CHECKPOINT")
        size = path.stat().st_size
        _rewrite(con, path)
    finally:
        con.close()
    return PurgeResult(before, calls, quarantine, ledger, left, size, path.stat().st_size)
