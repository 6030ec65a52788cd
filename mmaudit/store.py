"""The DuckDB store: where the database lives, opening it, and forward migrations.

Migrations are the numbered `.sql` files in `mmaudit/migrations/`; each runs once, in order, in
its own transaction, and `schema_version` records which ran. A database made by an older release
is brought forward when it is opened for writing.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import duckdb

from mmaudit.errors import DatabaseBusyError, InputError

DEFAULT_DB = "mmaudit.duckdb"
ENV_DB = "MMAUDIT_DB"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def resolve_db_path(db: str | os.PathLike[str] | None) -> Path:
    """`--db` wins, then `$MMAUDIT_DB`, then `./mmaudit.duckdb`."""
    return Path(db or os.environ.get(ENV_DB) or DEFAULT_DB)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled migration, in order."""
    found = []
    for entry in resources.files("mmaudit.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _apply_migrations(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name])
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


def connect(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store, creating it (owner-only permissions) and migrating it when writable.

    A read-only open of a database that does not exist is an input error, not an empty result.
    """
    path = resolve_db_path(db)
    if read_only and str(path) != ":memory:" and not path.exists():
        raise InputError(f"database {path} does not exist: run `mmaudit ingest` first")
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    old_umask = os.umask(0o077)  # a new database is readable by its owner only
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except BaseException as exc:
        os.umask(old_umask)
        if not isinstance(exc, duckdb.Error):
            raise
        if "lock" in str(exc).lower():
            raise DatabaseBusyError(
                f"database {path} is busy: another mmaudit process is writing to it; retry when it finishes"
            ) from exc
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
        _apply_migrations(con)
    return con
