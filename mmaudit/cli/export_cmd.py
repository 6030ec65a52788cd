"""`mmaudit export`: the calls table for warehouses (Parquet by month), or actual cost as FOCUS 1.2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmaudit import store
from mmaudit.cli.common import DbOption, FormatOption, emit, stderr, user_errors
from mmaudit.errors import InputError
from mmaudit.export import FORMATS, export_parquet
from mmaudit.export_focus import FocusExport, export_focus
from mmaudit.render import Column, OutputFormat, Report, Table
from mmaudit.sampling import sampling_note


def export(
    directory: Annotated[Path, typer.Argument(help="Directory to write (created if missing).")],
    to: Annotated[str, typer.Option("--to", help="parquet (the calls table) or focus (FOCUS 1.2 cost and usage).")] = "parquet",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace files in a non-empty directory.")] = False,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Export the calls table as Parquet files partitioned by month (Hive layout month=YYYY-MM), or
    the actual cost as a FOCUS 1.2 dataset (day x provider x model x tags) for FinOps tools.

    Examples:

      mmaudit export --to parquet warehouse/calls --db audit.duckdb

      mmaudit export --to focus finops/ --db audit.duckdb
    """
    with user_errors():
        if to not in (*FORMATS, "focus"):
            raise InputError(f"--to {to!r}: choose from {', '.join((*FORMATS, 'focus'))}")
        con = store.connect(db, read_only=True)
        try:
            sampled = sampling_note(con)
            if to == "focus":
                focus = export_focus(con, directory, overwrite)
            else:
                result = export_parquet(con, directory, overwrite)
        finally:
            con.close()
    if sampled:  # (BilledCost is what the logged records cost, not an estimate of the full traffic)
        stderr.print(f"note: {sampled}", highlight=False, soft_wrap=True)
    if to == "focus":
        emit(_focus_report(focus), fmt)
        return
    rows = [{"directory": str(result.directory), "rows": result.rows, "months": len(result.months), "files": result.files}]
    table = Table("Export", [Column("directory", "Directory"), Column("rows", "Rows", "int"),
                             Column("months", "Months", "int"), Column("files", "Files", "int")], rows)
    emit(Report([table], {**rows[0], "format": to, "month_partitions": result.months}), fmt)


def _focus_report(focus: FocusExport) -> Report:
    row = {"path": str(focus.path), "rows": focus.rows, "calls": focus.calls,
           "unpriced_calls": focus.unpriced_calls, "undated_calls": focus.undated_calls,
           "tokenless_errors": focus.tokenless_errors}
    notes = []
    if focus.unpriced_calls:
        notes.append(f"{focus.unpriced_calls:,} call(s) have no price and are not in the FOCUS file "
                     "(see `mmaudit prices unknown`)")
    if focus.undated_calls:
        notes.append(f"{focus.undated_calls:,} priced call(s) have no timestamp and are not in the FOCUS file")
    if focus.tokenless_errors:
        notes.append(f"{focus.tokenless_errors:,} failed call(s) used no tokens and cost nothing: not in the FOCUS file")
    table = Table("FOCUS 1.2 export", [Column("path", "File"), Column("rows", "Rows", "int"),
                                        Column("calls", "Calls", "int"),
                                        Column("unpriced_calls", "Unpriced calls (left out)", "int"),
                                        Column("undated_calls", "Undated calls (left out)", "int")], [row], notes=notes)
    return Report([table], {**row, "format": "focus", "focus_version": "1.2"})
