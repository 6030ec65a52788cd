"""The DuckDB store: where the database lives, opening it, and forward migrations.

Migrations are the numbered `.sql` files in `mmaudit/migrations/`; each runs once, in order, and
`schema_version` records which ran. The pending ones run in one transaction: a new database gets the
whole schema or nothing (one commit, not one per migration), and a database made by an older release
is brought forward, all the way or not at all, when it is opened for writing.
"""

from __future__ import annotations

import functools
import os
import re
import time
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from mmaudit.errors import DatabaseBusyError, InputError

DEFAULT_DB = "mmaudit.duckdb"
ENV_DB = "MMAUDIT_DB"
ENV_BUSY_TIMEOUT = "MMAUDIT_BUSY_TIMEOUT"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def resolve_db_path(db: str | os.PathLike[str] | None) -> Path:
    """`--db` wins, then `$MMAUDIT_DB`, then `./mmaudit.duckdb`."""
    return Path(db or os.environ.get(ENV_DB) or DEFAULT_DB)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled migration, in order."""
    return list(_bundled_migrations())


@functools.cache
def _bundled_migrations() -> tuple[tuple[int, str, str], ...]:
    """The migration files, read once per process (every writable open consults them)."""
    found = []
    for entry in resources.files("mmaudit.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return tuple(sorted(found))


def _apply_migrations(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    pending = [(version, name, sql) for version, name, sql in _bundled_migrations() if version not in done]
    if not pending:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for _, _, sql in pending:
            con.execute(sql)
        rows = ", ".join("(?, ?)" for _ in pending)
        con.execute(f"INSERT INTO schema_version (version, name) VALUES {rows}",
                    [value for version, name, _ in pending for value in (version, name)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def _configure(con: duckdb.DuckDBPyConnection) -> None:
    threads = os.environ.get("MMAUDIT_THREADS")
    memory = os.environ.get("MMAUDIT_MEMORY_LIMIT")
    if threads:
        con.execute("SET threads = ?", [int(threads)])
    if memory:
        con.execute("SET memory_limit = ?", [memory])


def _is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and "lock" in str(exc).lower()


def busy_message(path: Path, detail: str) -> str:
    """Who holds the file, from DuckDB's lock error ("Conflicting lock is held in ... (PID n)")."""
    pid = re.search(r"\(PID (\d+)\)", detail)
    who = f"another process (PID {pid.group(1)})" if pid else "another process"
    # DuckDB adds the read-only hint only when the holder is a reader (readers share the file)
    doing = "is reading it" if "read-only mode" in detail else "is writing to it"
    return (f"database {path} is busy: {who} {doing}; retry when it finishes "
            f"(or set {ENV_BUSY_TIMEOUT}=SECONDS to wait)")


def _open_waiting(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retrying a lock conflict for up to $MMAUDIT_BUSY_TIMEOUT seconds (default 0)."""
    try:
        wait = max(0.0, float(os.environ.get(ENV_BUSY_TIMEOUT) or 0))
    except ValueError:
        raise InputError(f"{ENV_BUSY_TIMEOUT} must be a number of seconds") from None
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def connect(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store, creating it (owner-only permissions) and migrating it when writable.

    A read-only open of a database that does not exist is an input error, not an empty result.
    """
    path = resolve_db_path(db)
    if read_only and str(path) != ":memory:" and not path.exists():
        raise InputError(f"database {path} does not exist: run `mmaudit ingest` first")
    if str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the way, no permission
            raise InputError(f"cannot create the database's directory {path.parent}: {exc.strerror}") from None
    old_umask = os.umask(0o077)  # a new database is readable by its owner only
    try:
        con = _open_waiting(path, read_only)
    except BaseException as exc:
        os.umask(old_umask)
        if not isinstance(exc, duckdb.Error):
            raise
        if _is_lock_error(exc):
            raise DatabaseBusyError(busy_message(path, str(exc))) from exc
        raise InputError(f"cannot open database {path}: {exc}") from exc
    if read_only:
        os.umask(old_umask)
    else:
        # DuckDB creates the WAL (<db>.wal, which holds fresh rows with their prompt text) and its
        # spill directory at the first write, long after connect: a writing process keeps the
        # owner-only umask for its lifetime so those are owner-only too.
        os.umask(old_umask | 0o077)
    _configure(con)
    if not read_only:
        try:
            _apply_migrations(con)
        except BaseException:
            con.close()
            raise
    if str(path) != ":memory:" and not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'calls' AND NOT temporary").fetchall()[0][0]:
        con.close()  # every command reads `calls`: a CatalogException traceback otherwise
        raise InputError(f"database {path} has no calls table (not an mmaudit database, or the table was dropped): "
                         "ingest the logs into a new database")
    return con


def has_column(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    """Whether `calls` has `column`: databases written before a migration (opened read-only, so not
    migrated) lack its columns (call_hash 0002, sample_weight 0003, web_searches 0007...)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'calls' "
                            "AND column_name = ? AND NOT internal", [column]).fetchall()[0][0])


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run one query and return its rows as dicts keyed by column name (for result objects)."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
