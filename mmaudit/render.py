"""Turning result objects into what a person or a tool reads: Rich tables, markdown, JSON, CSV.

Rendering never computes: a `Report` already holds its figures, and `data` is the exact JSON
payload (stable keys) that `--format json` prints. Terminal tables are fitted to the width by
`render_terminal` (never cropped); this module formats cells, markdown, CSV and JSON.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Context, Decimal
from enum import Enum
from typing import Any, Literal

from rich.console import Console

# `by_row`: a column whose rows mix units (a KPI / value table); each row names its kind in
# row["kind"]. `pts`: percentage points (a difference of two percentages). `exact`: a figure
# printed with every digit it has and no more (a price per 1M tokens: $0.01875 is not 0.019).
Kind = Literal["text", "int", "usd", "pct", "ms", "float", "share", "pts", "by_row", "exact"]


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
    signed: bool = False  # a difference: always show + or -


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
    """Tables, the JSON payload, notes under everything, and where the figures came from."""

    tables: list[Table]
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- formatting

MAX_MONEY_DECIMALS = 6  # JSON carries micro-dollars: a table never shows more than that


def money_decimals(values: list[Any]) -> int:
    """Decimals that show the smallest non-zero amount with two significant digits (at least 2)."""
    amounts = [abs(Decimal(v)) for v in values if v is not None and Decimal(v) != 0]
    if not amounts:
        return 2
    smallest = min(amounts)
    if smallest >= Decimal("0.1"):  # (from $0.01 to $0.10, two decimals are one significant digit)
        return 2
    return min(MAX_MONEY_DECIMALS, -math.floor(math.log10(smallest)) + 1)


def format_value(value: Any, kind: Kind, decimals: int | None = None, signed: bool = False) -> str:
    """One figure as text. Money takes `decimals` (a column's), else enough for itself."""
    if value is None:
        return "—" if kind != "text" else ""
    if kind in ("text", "by_row"):
        return str(value)
    sign = "+" if signed and float(value) > 0 else ""
    if kind == "int":
        return f"{sign}{int(value):,}"
    if kind == "usd":
        amount = Decimal(value)
        places = decimals if decimals is not None else money_decimals([amount])
        minus = "-" if amount < 0 else sign
        return f"{minus}${abs(amount):,.{places}f}"
    if kind == "pct":
        return f"{sign}{float(value):,.1f}%"
    if kind == "share":
        return f"{sign}{float(value) * 100:,.1f}%"
    if kind == "pts":
        return f"{sign}{float(value):,.1f} pts"
    if kind == "ms":
        return f"{sign}{float(value):,.0f} ms"
    if kind == "float":
        return f"{sign}{float(value):,.3f}"
    if kind == "exact" and not isinstance(value, str):
        return sign + format(Decimal(str(value)).normalize(), "f")
    return str(value)


def _body(table: Table) -> list[dict[str, Any]]:
    return table.rows + ([table.total] if table.total is not None else [])


def column_cells(table: Table, col: Column) -> list[str]:
    """Every cell of `col` (rows, then the total), in the column's one format."""
    rows = _body(table)
    if col.kind == "by_row":  # each row's own unit; `kinds` may override it per column
        return [format_value(r.get(col.key), (r.get("kinds") or {}).get(col.key) or r.get("kind", "text"),
                             signed=col.signed) for r in rows]
    decimals = money_decimals([r.get(col.key) for r in rows]) if col.kind == "usd" else None
    return [format_value(r.get(col.key), col.kind, decimals, col.signed) for r in rows]


def formatted_rows(table: Table) -> list[list[str]]:
    """The table's cells as text, row by row (the total last)."""
    columns = [column_cells(table, c) for c in table.columns]
    return [list(cells) for cells in zip(*columns)] if columns else []


def is_number(col: Column) -> bool:
    return col.kind != "text"


def kind_of(key: str, value: Any) -> Kind:
    """A figure's unit, read off its name (and Python type)."""
    if isinstance(value, str) or isinstance(value, bool):
        return "text"
    if key.endswith("_usd") or isinstance(value, Decimal):
        return "usd"
    if key.endswith("_pct"):
        return "pct"
    if key.endswith(("_rate", "_share")):
        return "share"
    if key.endswith("_ms"):
        return "ms"
    if isinstance(value, int):
        return "int"
    return "float"


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


# --------------------------------------------------------------------------- markdown


def markdown_table(table: Table) -> list[str]:
    """A GitHub-flavoured markdown table; an empty table says so instead of a bare header."""
    lines = [f"### {_md_text(table.title)}", ""]
    if not table.rows and table.total is None:
        return [*lines, "_No rows._", ""]
    lines.append("| " + " | ".join(_md_cell(c.header) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if is_number(c) else "---" for c in table.columns) + "|")
    cells = formatted_rows(table)
    body, total = (cells[:-1], cells[-1]) if table.total is not None else (cells, None)
    for row in body:
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    if total is not None:
        lines.append("| " + " | ".join(f"**{_md_cell(v)}**" if v.strip() else "" for v in total) + " |")
    lines.append("")
    for note in table.notes:
        lines += [_md_text(note), ""]
    return lines


def markdown_notes(notes: list[str]) -> list[str]:
    """Notes as one list; a note written `  - text` is a sub-item of the note before it."""
    lines: list[str] = []
    for note in notes:
        stripped = note.lstrip()
        if note[:1].isspace() and stripped.startswith("- ") and lines:
            lines.append("  - " + _md_text(stripped[2:].strip()))
        elif stripped.startswith("- "):
            lines.append("- " + _md_text(stripped[2:].strip()))
        elif stripped:
            lines.append("- " + _md_text(stripped))
    return lines


def markdown(report: Report) -> str:
    parts: list[str] = []
    for table in report.tables:
        parts += markdown_table(table)
    parts += markdown_notes(report.notes)
    if report.provenance:
        parts += ["", "<sub>" + _md_text(" · ".join(f"{k}: {v}" for k, v in report.provenance.items())) + "</sub>"]
    return "\n".join(parts).rstrip() + "\n"


def _md_cell(text: str) -> str:
    """A table cell; a label indented with spaces (a sub-item) keeps its indent as em spaces."""
    indent = (len(text) - len(text.lstrip(" "))) // 2
    return "&emsp;" * indent + (_md_text(text).replace("|", "\\|").strip() or " ")


def _md_text(text: str) -> str:
    """User text inside markdown: no raw HTML, no line breaks that end a table or list item."""
    return str(text).replace("<", "&lt;").replace("\r", " ").replace("\n", " ")


# --------------------------------------------------------------------------- csv and json


def csv_text(report: Report) -> str:
    """Every table, one after another, each with a header row of keys; raw numbers only (no
    `$` or `,`); totals as a last row. With several tables, each is preceded by `# title`, and a
    table whose columns are numbered policies (`p0`, `d1`...) by a `# p0 = ...` line naming them.

    A raw number must say its unit: a difference of two shares or percentages is in percentage
    points, so its key ends in `_pts` (a fraction of 0.11 beside a Δ of 11.1 under one key read
    as the same unit); a table whose rows each have their own unit ("All figures") carries a
    `unit` column, and `delta_unit` for its Δ columns, after the figure's stable `key`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for i, table in enumerate(report.tables):
        if i:
            buf.write("\n")
        keys = [_csv_key(c) for c in table.columns]
        if len(report.tables) > 1:
            buf.write(f"# {_one_line(table.title)}\n")
            numbered = [f"{k} = {_one_line(c.header)}" for k, c in zip(keys, table.columns) if _NUMBERED.fullmatch(c.key)]
            if numbered:
                buf.write(f"# {'; '.join(numbered)}\n")
        units = _row_units(table)
        writer.writerow(keys[:1] + list(units) + keys[1:])
        for row in _body(table):
            values = [_csv_value(row.get(c.key)) for c in table.columns]
            writer.writerow(values[:1] + [unit(row) for unit in units.values()] + values[1:])
    return buf.getvalue()


_NUMBERED = re.compile(r"[pd]\d+")
# The unit a raw CSV number is in, by the kind of figure it is.
CSV_UNITS: dict[str, str] = {"usd": "usd", "share": "fraction", "pct": "percent", "pts": "pts", "int": "count",
                             "ms": "ms", "float": "number", "exact": "number", "text": "", "by_row": ""}


def _csv_key(column: Column) -> str:
    return f"{column.key}_pts" if column.kind == "pts" and not column.key.endswith("_pts") else column.key


def _row_units(table: Table) -> dict[str, Any]:
    """The key and unit columns of a table whose figures take their kind from the row, else none."""
    if not any(c.kind == "by_row" for c in table.columns):
        return {}
    units: dict[str, Any] = {"key": lambda row: row.get("key", "")} if any("key" in r for r in table.rows) else {}
    units["unit"] = lambda row: CSV_UNITS.get(row.get("kind", "text"), "")
    deltas = [c.key for c in table.columns if c.kind == "by_row" and c.signed]
    if deltas:
        units["delta_unit"] = lambda row: CSV_UNITS.get((row.get("kinds") or {}).get(deltas[0], row.get("kind", "text")), "")
    return units


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        # exact (money is DECIMAL(38, 12)), at least to the micro-dollar: rows rounded to 6 places
        # did not add up to their Total row (4 x 0.0000045 shown as 0.000004, total 0.000018)
        text = format(value.quantize(Decimal("1e-12"), context=Context(prec=60)), "f")
        whole, _, decimals = text.partition(".")
        return f"{whole}.{decimals.rstrip('0').ljust(6, '0')}" if decimals else text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def json_text(report: Report) -> str:
    return json.dumps(to_jsonable(report.data), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- dispatch


def render(report: Report, fmt: OutputFormat, console: Console) -> None:
    """Print `report` in `fmt`. JSON, markdown and CSV go out as plain text, nothing else."""
    if fmt is OutputFormat.table:
        from mmaudit.render_terminal import print_report

        print_report(report, console)
        return
    text = {OutputFormat.markdown: markdown, OutputFormat.json: json_text, OutputFormat.csv: csv_text}[fmt](report)
    console.file.write(text)
    console.file.flush()


def render_to_string(report: Report, fmt: OutputFormat, width: int = 120) -> str:
    """What `fmt` prints at `width` columns, as a pipe or `--out` gets it."""
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    render(report, fmt, console)
    return console.file.getvalue()  # type: ignore[attr-defined]
