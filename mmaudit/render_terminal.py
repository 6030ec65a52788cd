"""Terminal tables that fit the width without losing a figure.

A table that is too wide first wraps its headers and label cells at spaces (never a number),
shortens long one-word labels (model ids) with a `[n]` key listed under the table, then is split
into parts that each repeat the label column. Every number is printed whole at any width
(80 columns, a pipe, `--out`); a pipe and a file get no trailing padding.

Rich's own fitting crops cells once wrapping is not enough (issue #15: `$41` for $417.50), so
the column widths are worked out here and handed to Rich fixed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

from rich import box
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from mmaudit.render import Column, Report, Table, column_cells, is_number

TEXT_MIN = 20  # a label column may wrap down to this many columns (or its header's longest word)


@dataclass(frozen=True)
class Span:
    """What one column needs: its width with nothing wrapped, and the least it can take."""

    natural: int
    least: int


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


def column_span(col: Column, cells: list[str]) -> Span:
    widest_cell = max((cell_len(c) for c in cells), default=0)
    natural = max(widest_cell, cell_len(col.header))
    if is_number(col):  # a number never wraps; its header may, onto two or three lines
        return Span(natural, max(widest_cell, _longest_word(col.header), -(-cell_len(col.header) // 3), 1))
    # a label wraps at spaces, and a long identifier (a model id) folds onto the next line:
    # the whole text stays, only the line breaks move
    return Span(natural, max(min(natural, TEXT_MIN), _longest_word(col.header), 1))


def extra_width(n_columns: int) -> int:
    """Borders and padding of a SIMPLE_HEAVY table: an edge each side, a rule between columns,
    one space of padding either side of every cell."""
    return 2 + (n_columns - 1) + 2 * n_columns


def _widths(spans: list[Span], width: int, numbers: list[bool]) -> list[int] | None:
    """Fixed widths that fit `width`, or None when the natural ones already do. Spare room goes
    to label columns first (a folded label is harder to read than a wrapped header), shared
    fairly: a label that needs little gets all it needs, and two long ones (a description and a
    list of fields) split what is left evenly rather than the first taking it all."""
    room = width - extra_width(len(spans))
    if sum(s.natural for s in spans) <= room:
        return None
    widths = [s.least for s in spans]
    spare = room - sum(widths)
    order = sorted(range(len(spans)), key=lambda i: (numbers[i], spans[i].natural - spans[i].least))
    labels = [i for i in order if not numbers[i]]
    for n, i in enumerate(order):
        waiting = len(labels) - n if not numbers[i] else 1  # label columns still to serve, this one included
        give = max(0, min(spare // waiting if waiting > 1 else spare, spans[i].natural - widths[i]))
        widths[i] += give
        spare -= give
    return widths


LABEL_FLOOR = 6  # a repeated label column may fold down to this many columns before a figure would


def _label_count(table: Table) -> int:
    """The leading text columns repeated in every part: the fewest that tell the rows apart (a
    breakdown by task x complexity x model needs all three: a part showing only task and
    complexity left two `classification simple` costs that could not be told apart), at least
    the first; all the leading text columns when no prefix is unique."""
    lead = 0
    while lead < len(table.columns) - 1 and not is_number(table.columns[lead]):
        lead += 1
    lead = max(lead, 1)
    for count in range(1, lead):
        keys = [tuple(str(r.get(c.key)) for c in table.columns[:count]) for r in table.rows]
        if len(set(keys)) == len(keys):
            return count
    return lead


def _label_spans(spans: list[Span], labels: list[int], others: list[int], width: int) -> list[Span]:
    """The label columns' spans, their least widths shrunk (the widest first, down to LABEL_FLOOR)
    until the widest other column fits beside them: a part is never wider than the terminal, which
    made Rich squeeze every column and fold numbers (`2,289,54` / `8`)."""
    least = [spans[i].least for i in labels]
    widest = max((spans[i].least for i in others), default=0)
    room = width - extra_width(len(labels) + 1) - widest
    while sum(least) > room:
        j = max(range(len(least)), key=lambda k: least[k])
        if least[j] <= LABEL_FLOOR:
            break
        least[j] -= 1
    return [Span(spans[i].natural, w) for i, w in zip(labels, least)]


def split_columns(table: Table, width: int) -> list[list[int]]:
    """Column indexes of each part: one part when the table fits, else label columns + a run
    of the others that fits."""
    return _split(table, width)[0]


def _split(table: Table, width: int) -> tuple[list[list[int]], dict[int, Span]]:
    """The parts, and the spans their label columns are held to (empty: one part, as it is)."""
    spans = [column_span(c, column_cells(table, c)) for c in table.columns]
    if sum(s.least for s in spans) + extra_width(len(spans)) <= width or len(spans) <= 1:
        return [list(range(len(spans)))], {}
    labels = list(range(_label_count(table)))
    while True:  # labels at their floor that still leave no room for a figure: repeat fewer of them
        others = list(range(len(labels), len(spans)))
        held = dict(zip(labels, _label_spans(spans, labels, others, width)))
        widest = max((spans[i].least for i in others), default=0)
        if len(labels) == 1 or sum(h.least for h in held.values()) + widest + extra_width(len(labels) + 1) <= width:
            break
        labels.pop()
    spans = [held.get(i, s) for i, s in enumerate(spans)]
    parts: list[list[int]] = []
    current = list(labels)
    for i in others:
        trial = current + [i]
        fits = sum(spans[j].least for j in trial) + extra_width(len(trial)) <= width
        if not fits and len(current) > len(labels):
            parts.append(current)
            current = labels + [i]
        else:
            current = trial
    parts.append(current)
    return parts, held


def fit(table: Table, width: int) -> tuple[list[tuple[Table, list[int] | None]], list[str]]:
    """The table as parts that fit `width`, each with fixed column widths (None: natural), and
    the legend of labels shortened to fit (`claude-3-5-son…[2]` / `[2] claude-3-5-sonnet-2024…`)."""
    parts, held = _split(table, width)
    out = []
    for n, indexes in enumerate(parts, 1):
        cols = [table.columns[i] for i in indexes]
        title = table.title if len(parts) == 1 else f"{table.title} (part {n} of {len(parts)})"
        part = replace(table, title=title, columns=cols, notes=[])
        spans = [held[i] if i in held else column_span(c, column_cells(part, c)) for i, c in zip(indexes, cols)]
        out.append((part, _widths(spans, width, [is_number(c) for c in cols])))
    short, legend = _shortened(table, out)
    if not short:
        return out, []
    return [(_with_labels(part, short), widths) for part, widths in out], legend


def _shortened(table: Table, parts: list[tuple[Table, list[int] | None]]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Label cells that are one long word (a model id) and wider than their column in some part:
    shortened with an ellipsis and a [n] key, so they neither fold mid-word nor get cropped."""
    room: dict[str, int] = {}
    for part, widths in parts:
        for col, w in zip(part.columns, widths or []):
            if not is_number(col):
                room[col.key] = min(room.get(col.key, w), w)
    short: dict[str, dict[str, str]] = {}
    legend: list[str] = []
    for key, w in room.items():
        for row in table.rows:
            text = str(row.get(key) or "")
            if len(text) <= w or " " in text or text in short.get(key, {}):
                continue
            tag = f"[{len(legend) + 1}]"
            if w < len(tag) + 2:  # at least one character and the ellipsis before the key
                continue
            short.setdefault(key, {})[text] = text[: w - len(tag) - 1] + "…" + tag
            legend.append(f"{tag} {text}")
    return short, legend


def _with_labels(part: Table, short: dict[str, dict[str, str]]) -> Table:
    def relabel(row: dict | None) -> dict | None:
        if row is None:
            return None
        return {k: short.get(k, {}).get(str(v), v) if isinstance(v, str) else v for k, v in row.items()}
    return replace(part, rows=[relabel(r) for r in part.rows], total=relabel(part.total))


def rich_table(table: Table, widths: list[int] | None = None) -> RichTable:
    """Cells, titles and notes are Text, not markup: they carry log values (a model logged as
    `[/x]` would otherwise crash rendering, or `[bold]` restyle the table)."""
    out = RichTable(box=box.SIMPLE_HEAVY, show_footer=False)
    for i, col in enumerate(table.columns):
        out.add_column(Text(col.header), justify="right" if is_number(col) else "left", overflow="fold",
                       width=widths[i] if widths else None)
    columns = [column_cells(table, c) for c in table.columns]
    rows = list(zip(*columns))
    body = rows[:-1] if table.total is not None else rows
    for cells in body:
        out.add_row(*(Text(c) for c in cells))
    if table.total is not None and rows:
        out.add_section()
        out.add_row(*(Text(c) for c in rows[-1]), style="bold")
    return out


def renderables(report: Report, width: int) -> list[RenderableType]:
    items: list[RenderableType] = []
    for table in report.tables:
        parts, legend = fit(table, width)
        for part, widths in parts:
            # the title above the table, not Rich's title: that one wraps to the table's width
            items += [Text(part.title, style="italic"), rich_table(part, widths)]
        if legend:
            items += [Text("Shortened labels:", style="dim"), *(Text(line) for line in legend), Text("")]
        items += [Text(n) for n in table.notes]
        if table.notes:
            items.append(Text(""))
    items += [Text(n, style="dim") for n in report.notes]
    if report.provenance:
        items.append(Text(" · ".join(f"{k}: {v}" for k, v in report.provenance.items()), style="dim"))
    return items


def print_report(report: Report, console: Console) -> None:
    """A terminal gets Rich's output; a pipe or file gets the same text without trailing spaces."""
    items = renderables(report, console.width)
    if console.is_terminal:
        for item in items:
            console.print(item, crop=False)
        return
    buf = Console(file=io.StringIO(), width=console.width, color_system=None, force_terminal=False,
                  legacy_windows=False)
    for item in items:
        buf.print(item, crop=False)
    text = buf.file.getvalue()  # type: ignore[attr-defined]
    console.file.write("\n".join(line.rstrip() for line in text.split("\n")))
    console.file.flush()
