"""Turning result objects into what a person or a tool reads: Rich tables, markdown, JSON, CSV.

Rendering never computes: a `Report` already holds its figures, and `data` is the exact JSON
payload (stable keys) that `--format json` prints.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

Kind = Literal["text", "int", "usd", "pct", "ms", "float", "share"]


class OutputFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = "text"


@dataclass
class Table:
    """One table of a report. `total` is an optional last row, shown bold and apart."""

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    tables: list[Table]
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- formatting


def format_value(value: Any, kind: Kind) -> str:
    if value is None:
        return "—" if kind != "text" else ""
    if kind == "int":
        return f"{int(value):,}"
    if kind == "usd":
        amount = Decimal(value)
        sign = "-" if amount < 0 else ""
        digits = ",.2f" if abs(amount) >= Decimal("0.01") or amount == 0 else ",.6f"
        return f"{sign}${abs(amount):{digits}}"
    if kind == "pct":
        return f"{float(value):,.1f}%"
    if kind == "share":
        return f"{float(value) * 100:,.1f}%"
    if kind == "ms":
        return f"{float(value):,.0f} ms"
    if kind == "float":
        return f"{float(value):,.3f}"
    return str(value)


def to_jsonable(value: Any) -> Any:
    """Decimals become numbers rounded to micro-dollars; datetimes ISO strings."""
    if isinstance(value, Decimal):
        return float(value.quantize(Decimal("0.000001")))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def _right(kind: Kind) -> bool:
    return kind != "text"


# --------------------------------------------------------------------------- renderers


def rich_table(table: Table) -> RichTable:
    """Cells, titles and notes are Text, not markup: they carry log values (a model logged as
    `[/x]` would otherwise crash rendering, or `[bold]` restyle the table)."""
    out = RichTable(title=Text(table.title), box=box.SIMPLE_HEAVY, title_justify="left", show_footer=False)
    for col in table.columns:
        widest = max([len(str(row.get(col.key) or "")) for row in table.rows] + [len(col.header)])
        out.add_column(col.header, justify="right" if _right(col.kind) else "left", no_wrap=_right(col.kind),
                       min_width=len(col.header) if _right(col.kind) else min(widest, 28))
    for row in table.rows:
        out.add_row(*(Text(format_value(row.get(c.key), c.kind)) for c in table.columns))
    if table.total is not None:
        out.add_section()
        out.add_row(*(Text(format_value(table.total.get(c.key), c.kind)) for c in table.columns), style="bold")
    if table.notes:
        out.caption = Text("\n".join(table.notes))
        out.caption_justify = "left"
    return out


def markdown(report: Report) -> str:
    parts: list[str] = []
    for table in report.tables:
        parts.append(f"### {table.title}\n")
        parts.append("| " + " | ".join(c.header for c in table.columns) + " |")
        parts.append("|" + "|".join("---:" if _right(c.kind) else "---" for c in table.columns) + "|")
        rows = list(table.rows)
        for row in rows:
            parts.append("| " + " | ".join(_md_cell(format_value(row.get(c.key), c.kind)) for c in table.columns) + " |")
        if table.total is not None:
            cells = [_md_cell(format_value(table.total.get(c.key), c.kind)) for c in table.columns]
            parts.append("| " + " | ".join(f"**{c}**" if c else "" for c in cells) + " |")
        parts.extend(["", *(f"_{n}_  " for n in table.notes)])
        parts.append("")
    parts.extend(f"- {n}" for n in report.notes)
    return "\n".join(parts).rstrip() + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def csv_text(report: Report) -> str:
    """Every table, one after another, each with a header row; totals as a row labelled TOTAL."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    for i, table in enumerate(report.tables):
        if i:
            writer.writerow([])
        if len(report.tables) > 1:
            writer.writerow([f"# {table.title}"])
        writer.writerow([c.key for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_value(row.get(c.key)) for c in table.columns])
        if table.total is not None:
            writer.writerow([_csv_value(table.total.get(c.key)) for c in table.columns])
    return buf.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.000001")), "f")
    return value


def json_text(report: Report) -> str:
    return json.dumps(to_jsonable(report.data), indent=2, ensure_ascii=False) + "\n"


def render(report: Report, fmt: OutputFormat, console: Console) -> None:
    """Print `report` in `fmt`. JSON, markdown and CSV go out as plain text, nothing else."""
    if fmt is OutputFormat.table:
        for table in report.tables:
            console.print(rich_table(table))
        for note in report.notes:
            console.print(Text(note, style="dim"))
        return
    text = {OutputFormat.markdown: markdown, OutputFormat.json: json_text, OutputFormat.csv: csv_text}[fmt](report)
    console.file.write(text)
    console.file.flush()


def render_to_string(report: Report, fmt: OutputFormat, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    render(report, fmt, console)
    return console.file.getvalue()  # type: ignore[attr-defined]
