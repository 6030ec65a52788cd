"""`mmaudit export`: the calls table for warehouses (Parquet partitioned by month)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmaudit import store
from mmaudit.cli.common import DbOption, FormatOption, emit, user_errors
from mmaudit.errors import InputError
from mmaudit.export import FORMATS, export_parquet
from mmaudit.render import Column, OutputFormat, Report, Table


def export(
    directory: Annotated[Path, typer.Argument(help="Directory to write (created if missing).")],
    to: Annotated[str, typer.Option("--to", help="Output format: parquet.")] = "parquet",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace files in a non-empty directory.")] = False,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Export the calls table as Parquet files partitioned by month (Hive layout month=YYYY-MM).

    Example:

      mmaudit export --to parquet warehouse/calls --db audit.duckdb
    """
    with user_errors():
        if to not in FORMATS:
            raise InputError(f"--to {to!r}: choose from {', '.join(FORMATS)}")
        con = store.connect(db, read_only=True)
        try:
            result = export_parquet(con, directory, overwrite)
        finally:
            con.close()
    rows = [{"directory": str(result.directory), "rows": result.rows, "months": len(result.months), "files": result.files}]
    table = Table("Export", [Column("directory", "Directory"), Column("rows", "Rows", "int"),
                             Column("months", "Months", "int"), Column("files", "Files", "int")], rows)
    emit(Report([table], {**rows[0], "format": to, "month_partitions": result.months}), fmt)
