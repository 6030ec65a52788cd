"""`mmaudit calls` and `mmaudit formats`: what is stored, and what can be read."""

from __future__ import annotations

from mmaudit import store
from mmaudit.cli.common import DbOption, FormatOption, OutOption, emit, UNCHANGED, user_errors
from mmaudit.formats import FORMATS
from mmaudit.render import Column, OutputFormat, Report, Table
from mmaudit.usage import usage_summary


def calls(db: DbOption = None, fmt: FormatOption = OutputFormat.table, out: OutOption = None) -> None:
    """Summarise the stored calls: calls, errors, tokens and cost per provider and model.

    Example:

      mmaudit calls --db audit.duckdb --format markdown
    """
    with user_errors(UNCHANGED):
        con = store.connect(db, read_only=True)
        report = usage_summary(con)
        con.close()
    emit(report, fmt, out)


def formats(fmt: FormatOption = OutputFormat.table) -> None:
    """List the log formats `mmaudit ingest` detects, with the fields each reads."""
    rows = [{"name": f.name, "description": f.description, "fields": ", ".join(f.fields_read())} for f in FORMATS]
    shown = [{**row, "fields": f.fields_tree()} for row, f in zip(rows, FORMATS, strict=True)]
    table = Table("Log formats", [Column("name", "Format"), Column("description", "Description"),
                                  Column("fields", "Fields read")], shown,
                  notes=["a.{b, c} reads a.b and a.c; --format json lists every path in full"])
    emit(Report([table], {"formats": rows}), fmt)
