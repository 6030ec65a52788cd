"""`mmaudit export --to parquet DIR`: the `calls` table as Parquet files partitioned by month.

Warehouses (BigQuery, Snowflake, Athena, DuckDB itself) read the Hive layout `month=2025-07/`
directly. The month is the call's UTC month (`undated` when the log had no time); every `calls`
column is written as stored, money as DECIMAL(38,12). The export is one DuckDB COPY: set-based,
no rows through Python.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mmaudit.errors import InputError

FORMATS = ("parquet",)


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    rows: int
    months: list[str]
    files: int


def sql_string(text: str) -> str:
    """A SQL string literal. COPY's target cannot be a bound parameter, so quotes are doubled."""
    if "\x00" in text:
        raise InputError("export path contains a NUL character")
    return "'" + text.replace("'", "''") + "'"


def check_target(directory: Path, overwrite: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not overwrite:
        raise InputError(f"{directory} is not empty: pass --overwrite to replace its contents")


@contextlib.contextmanager
def owner_only_target(directory: Path) -> Iterator[None]:
    """Make the export directory (an InputError, not a traceback, when it cannot be) and write in
    it owner-only, as the database is: the calls export holds prompt and answer text."""
    old = os.umask(0o077)
    try:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the way, no permission
            raise InputError(f"cannot create the export directory {directory}: {exc.strerror}") from None
        yield
    finally:
        os.umask(old)


def clear_previous_export(directory: Path) -> None:
    """--overwrite removes only what an export writes (month=*/*.parquet), never other files."""
    for part in directory.glob("month=*/*.parquet"):
        part.unlink()
    for month in directory.glob("month=*"):
        if month.is_dir() and not any(month.iterdir()):
            month.rmdir()


_MONTH = "coalesce(strftime(ts AT TIME ZONE 'UTC', '%Y-%m'), 'undated')"


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path, overwrite: bool = False) -> ExportResult:
    """COPY calls into `directory/month=YYYY-MM/*.parquet` and report what was written."""
    check_target(directory, overwrite)
    if overwrite and directory.is_dir():
        clear_previous_export(directory)
    with owner_only_target(directory):
        con.execute(
            f"COPY (SELECT *, {_MONTH} AS month FROM calls) "
            f"TO {sql_string(str(directory))} (FORMAT parquet, PARTITION_BY (month), OVERWRITE_OR_IGNORE true)"
        )
    rows, months = con.execute(f"SELECT count(*), list(DISTINCT {_MONTH} ORDER BY {_MONTH}) FROM calls").fetchall()[0]
    months = list(months or [])
    files = sum(1 for m in months for _ in (directory / f"month={m}").glob("*.parquet"))
    return ExportResult(directory, rows, months, files)
