"""`--format html`: one self-contained page (inline CSS, inline SVG charts, no script, no network).

The page a reviewer keeps: the headline table first, then the charts, then every other table,
the notes, and a provenance footer (version, time, database, period, prices, policy files).
Rendering never computes: charts arrive as `Chart` values already holding their figures; this
module scales them to pixels (round axis ticks, labels laid out so they do not overlap:
`tests/browser.py` checks that in Chromium) and escapes every piece of text it writes.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from mmaudit.render import Kind, Report, Table, column_cells, format_value, is_number

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")
CHAR_PX = 6.6  # average advance of an 11px system-ui glyph: enough to lay labels out apart
LABEL_CHARS = 28  # longer category labels are shortened with an ellipsis (whole text in <title>)


class ReportFormat(str, Enum):
    """The output formats of report-style commands: the shared four plus html."""

    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"
    html = "html"


@dataclass
class Chart:
    """Figures for one chart. `series[name][i]` is the value of `name` for `categories[i]`.

    kind `stacked_columns`: one column per category, series stacked; `bars`: one horizontal bar
    per category and series (grouped); `lines`: one line per series over evenly spaced categories
    (a sweep's knob values), the y axis from 0.
    """

    title: str
    kind: Literal["stacked_columns", "bars", "lines"]
    categories: list[str]
    series: dict[str, list[float]]
    unit: Kind = "float"


@dataclass
class ChartedReport(Report):
    """A Report with a title and charts (only the HTML renderer draws the charts)."""

    title: str = "mmaudit report"
    charts: list[Chart] = field(default_factory=list)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{padding:.25rem .5rem;border-bottom:1px solid #ddd}th{background:#f4f4f4;text-align:left;vertical-align:bottom;max-width:7.5em}
td:first-child{white-space:nowrap}.scroll{overflow-x:auto;max-width:100%}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
tr.total td{font-weight:bold;border-top:2px solid #888}
.note{color:#555;font-size:.85rem;margin:.2rem 0}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}
figure{margin:0}
svg text{font-size:11px;fill:#333;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
footer{margin-top:2.5rem;border-top:1px solid #ccc;padding-top:.5rem;color:#555;font-size:.8rem}
footer dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}
footer dt{font-weight:600}footer dd{margin:0;overflow-wrap:anywhere}
"""


def _indent(text: str) -> str:
    """A label indented with spaces (a sub-item) keeps its indent."""
    return "&emsp;" * ((len(text) - len(text.lstrip(" "))) // 2)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def html_table(table: Table) -> str:
    """One <table>: numbers right-aligned, in the terminal table's one format per column."""
    def cls(number: bool) -> str:
        return ' class="num"' if number else ""

    numbers = [is_number(c) for c in table.columns]
    head = "".join(f"<th{cls(n)}>{_e(c.header)}</th>" for c, n in zip(table.columns, numbers))
    cells = list(zip(*[column_cells(table, c) for c in table.columns]))
    rows = []
    for i, row in enumerate(cells):
        total = table.total is not None and i == len(cells) - 1
        rows.append(('<tr class="total">' if total else "<tr>")
                    + "".join(f"<td{cls(n)}>{_indent(v)}{_e(v.lstrip(' '))}</td>" for v, n in zip(row, numbers))
                    + "</tr>")
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in table.notes)
    return (f'<h2>{_e(table.title)}</h2>\n<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>\n'
            + "\n".join(rows) + f"\n</tbody></table></div>{notes}")


# --------------------------------------------------------------------------- axes


def nice_ticks(peak: float, count: int = 5) -> list[float]:
    """0 up to at least `peak` in round steps (1, 2, 2.5 or 5 times a power of ten)."""
    if peak <= 0:
        return [0.0, 1.0]
    raw = peak / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(math.ceil(peak / step - 1e-9)) + 1)]


def tick_label(value: float, step: float, unit: Kind) -> str:
    """A tick's label with no more decimals than its step needs (`$0.05`, `1,000 ms`, `20%`)."""
    if unit == "usd":
        decimals = max(0, -math.floor(math.log10(step))) if step and step < 1 else 0
        return format_value(value, "usd", decimals)
    if unit == "share":
        return f"{value * 100:,.0f}%" if step * 100 >= 1 else f"{value * 100:,.1f}%"
    if unit in ("int", "ms"):
        return format_value(value, unit)
    return f"{value:,.{max(0, -math.floor(math.log10(step))) if step and step < 1 else 0}f}"


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _text_px(text: str) -> float:
    return len(text) * CHAR_PX


# --------------------------------------------------------------------------- charts


def _stacked_columns(chart: Chart) -> str:
    n = max(len(chart.categories), 1)
    totals = [sum(s[i] or 0 for s in chart.series.values()) for i in range(len(chart.categories))]
    ticks = nice_ticks(max(totals, default=0))
    step, top_value = ticks[1] - ticks[0], ticks[-1]
    labels = [tick_label(t, step, chart.unit) for t in ticks]
    left = int(max(_text_px(t) for t in labels)) + 14
    width = max(640, left + n * 34 + 10)
    slot = (width - left - 10) / n
    names = [_short(c) for c in chart.categories]
    rotate = max(_text_px(c) for c in names) > slot * 0.9
    label_h = (max(_text_px(c) for c in names) * 0.71 + 16) if rotate else 24
    legend, legend_h = _legend(list(chart.series), 10, width)
    top, plot_h = 12, 220
    height = int(top + plot_h + label_h + legend_h + 12)
    base_y = top + plot_h
    parts = []
    for t, text in zip(ticks, labels):
        y = base_y - plot_h * t / top_value
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e4e4e4"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(text)}</text>')
    parts.append(f'<line x1="{left}" y1="{base_y}" x2="{width - 10}" y2="{base_y}" stroke="#888"/>')
    for i, category in enumerate(chart.categories):
        x, base = left + i * slot + slot * 0.15, float(base_y)
        for j, (name, values) in enumerate(chart.series.items()):
            h = plot_h * (values[i] or 0) / top_value
            base -= h
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{_e(category)} · {_e(name)}: '
                         f'{_e(format_value(values[i], chart.unit))}</title></rect>')
        cx = x + slot * 0.35
        if rotate:
            parts.append(f'<text x="{cx:.1f}" y="{base_y + 12}" text-anchor="end" '
                         f'transform="rotate(-45 {cx:.1f} {base_y + 12})"><title>{_e(category)}</title>{_e(names[i])}</text>')
        else:
            parts.append(f'<text x="{cx:.1f}" y="{base_y + 16}" text-anchor="middle">'
                         f'<title>{_e(category)}</title>{_e(names[i])}</text>')
    parts.append(legend.replace("{Y0}", f"{base_y + label_h + 12:.1f}"))
    return _svg(chart, width, height, parts)


def _bars(chart: Chart) -> str:
    names = list(chart.series)
    categories = [_short(c) for c in chart.categories]
    row_h, width = 16, 640
    left = int(min(max(_text_px(c) for c in categories) + 16, 240))
    ticks = nice_ticks(max((v or 0 for s in chart.series.values() for v in s), default=0))
    step, top_value = ticks[1] - ticks[0], ticks[-1]
    value_w = max(_text_px(format_value(v, chart.unit)) for s in chart.series.values() for v in s) + 8
    plot_w = width - left - value_w - 10
    parts, y = [], 10
    for i, category in enumerate(chart.categories):
        parts.append(f'<text x="{left - 6}" y="{y + row_h * len(names) / 2 + 4:.1f}" text-anchor="end">'
                     f'<title>{_e(category)}</title>{_e(categories[i])}</text>')
        for j, name in enumerate(names):
            value = chart.series[name][i]
            w = plot_w * (value or 0) / top_value
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row_h - 2}" fill="{PALETTE[j % len(PALETTE)]}">'
                         f'<title>{_e(category)} · {_e(name)}</title></rect>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + row_h - 5}">{_e(format_value(value, chart.unit))}</text>')
            y += row_h
        y += 8
    axis_y = y + 2
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w:.1f}" y2="{axis_y}" stroke="#888"/>')
    tick_texts = [tick_label(t, step, chart.unit) for t in ticks]
    # thin the tick labels until they stand apart (every 2nd, 3rd... kept)
    every = 1
    while every < len(ticks) and max(_text_px(t) for t in tick_texts) + 8 > plot_w / (len(ticks) - 1) * every:
        every += 1
    for k, (t, text) in enumerate(zip(ticks, tick_texts)):
        x = left + plot_w * t / top_value
        parts.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#888"/>')
        if k % every == 0:
            parts.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle">{_e(text)}</text>')
    height = axis_y + 24
    if len(names) > 1:
        legend, legend_h = _legend(names, left, width)
        parts.append(legend.replace("{Y0}", f"{height + 4}"))
        height += legend_h + 4
    return _svg(chart, width, int(height), parts)


def _lines(chart: Chart) -> str:
    width, height, left, bottom, top = 640, 300, 70, 60, 20
    n = len(chart.categories)
    peak = max((v for s in chart.series.values() for v in s if v is not None), default=0) or 1
    plot_h, plot_w = height - bottom - top, width - left - 20
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>']
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(format_value(peak * frac, chart.unit))}</text>')

    def x_of(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    for i, category in enumerate(chart.categories):
        parts.append(f'<text x="{x_of(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_e(category)}</text>')
    for j, (name, values) in enumerate(chart.series.items()):
        colour = PALETTE[j % len(PALETTE)]
        points = [(x_of(i), top + plot_h * (1 - v / peak), i) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, i in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{_e(chart.categories[i])} · '
                         f'{_e(name)}: {_e(format_value(values[i], chart.unit))}</title></circle>')
    legend, legend_h = _legend(list(chart.series), left, width)
    parts.append(legend.replace("{Y0}", f"{height - 22}"))
    return _svg(chart, width, int(height + legend_h - 16), parts)


def _legend(names: list[str], x0: float, width: float) -> tuple[str, float]:
    """Legend items left to right, wrapping to a new line at the chart's edge. `{Y0}` in the
    returned markup is the top line's baseline, filled in by the caller; also returns the height."""
    items, x, line = [], x0, 0
    for j, name in enumerate(names):
        label = _short(name)
        item_w = 14 + _text_px(label) + 14
        if x + item_w > width - 10 and x > x0:
            x, line = x0, line + 1
        dy = line * 16
        items.append(f'<g transform="translate(0 {dy})"><rect x="{x:.1f}" y="{{Y0}}" width="10" height="10" '
                     f'fill="{PALETTE[j % len(PALETTE)]}" transform="translate(0 -9)"/>'
                     f'<text x="{x + 14:.1f}" y="{{Y0}}"><title>{_e(name)}</title>{_e(label)}</text></g>')
        x += item_w
    return "".join(items), (line + 1) * 16


def _svg(chart: Chart, width: int, height: int, parts: list[str]) -> str:
    return (f'<figure><figcaption><strong>{_e(chart.title)}</strong></figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(chart.title)}">'
            + "".join(parts) + "</svg></figure>")


def svg_chart(chart: Chart) -> str:
    """One chart as inline SVG; an empty chart becomes a one-line note."""
    if not chart.categories or not chart.series:
        return f'<p class="note">{_e(chart.title)}: no data</p>'
    if chart.kind == "lines":
        return _lines(chart)
    return _stacked_columns(chart) if chart.kind == "stacked_columns" else _bars(chart)


def provenance_footer(report: Report) -> str:
    if not report.provenance:
        return ""
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in report.provenance.items())
    return f"<footer><dl>{rows}</dl></footer>"


def html_document(report: Report) -> str:
    """The whole page: title, the headline table, charts, the other tables, notes, provenance."""
    title = getattr(report, "title", "mmaudit report")
    charts = getattr(report, "charts", [])
    body = [f"<h1>{_e(title)}</h1>"]
    tables = list(report.tables)
    if tables:
        body.append(html_table(tables.pop(0)))
    if charts:
        body.append('<div class="charts">' + "\n".join(svg_chart(c) for c in charts) + "</div>")
    body += [html_table(t) for t in tables]
    body += [f'<p class="note">{_e(n.strip())}</p>' for n in report.notes]
    body.append(provenance_footer(report))
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<meta name="generator" content="mmaudit"><style>{_CSS}</style></head>\n<body>\n'
            + "\n".join(body) + "\n</body></html>\n")
