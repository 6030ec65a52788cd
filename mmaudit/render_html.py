"""`--format html`: one self-contained page (inline CSS, inline SVG charts, no script, no network).

Rendering never computes: charts arrive as `Chart` values already holding their figures; this
module only scales them to pixels and escapes every piece of text it writes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from mmaudit.render import Kind, Report, Table, format_value

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")


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
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd}th{background:#f4f4f4;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;border-top:2px solid #888}
.note{color:#555;font-size:.85rem;margin:.2rem 0}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}
svg text{font-size:11px;fill:#333}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def html_table(table: Table) -> str:
    """One <table>: numbers right-aligned and formatted like the terminal table, Total row bold."""
    def cls(kind: Kind) -> str:
        return ' class="num"' if kind != "text" else ""

    head = "".join(f"<th{cls(c.kind)}>{_e(c.header)}</th>" for c in table.columns)
    rows = [
        "<tr>" + "".join(f"<td{cls(c.kind)}>{_e(format_value(r.get(c.key), c.kind))}</td>" for c in table.columns) + "</tr>"
        for r in table.rows
    ]
    if table.total is not None:
        rows.append('<tr class="total">' + "".join(
            f"<td{cls(c.kind)}>{_e(format_value(table.total.get(c.key), c.kind))}</td>" for c in table.columns) + "</tr>")
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in table.notes)
    return (f"<h2>{_e(table.title)}</h2>\n<table><thead><tr>{head}</tr></thead><tbody>\n"
            + "\n".join(rows) + f"\n</tbody></table>{notes}")


def _stacked_columns(chart: Chart) -> str:
    width, height, left, bottom, top = 640, 300, 70, 60, 20
    n = max(len(chart.categories), 1)
    totals = [sum(s[i] or 0 for s in chart.series.values()) for i in range(len(chart.categories))]
    peak = max(totals, default=0) or 1
    plot_h = height - bottom - top
    slot = (width - left - 10) / n
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#888"/>']
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(format_value(peak * frac, chart.unit))}</text>')
    for i, category in enumerate(chart.categories):
        x, base = left + i * slot + slot * 0.15, top + plot_h
        for j, (name, values) in enumerate(chart.series.items()):
            h = plot_h * (values[i] or 0) / peak
            base -= h
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{_e(category)} · {_e(name)}: '
                         f'{_e(format_value(values[i], chart.unit))}</title></rect>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_e(category)}</text>')
    parts.append(_legend(list(chart.series), left, height - 22))
    return _svg(chart, width, height, parts)


def _bars(chart: Chart) -> str:
    names = list(chart.series)
    row_h, left, width = 16, 160, 640
    height = 30 + len(chart.categories) * (row_h * len(names) + 8) + 10
    peak = max((v or 0 for s in chart.series.values() for v in s), default=0) or 1
    plot_w = width - left - 110
    parts, y = [], 10
    for i, category in enumerate(chart.categories):
        parts.append(f'<text x="{left - 6}" y="{y + row_h * len(names) / 2 + 4:.1f}" text-anchor="end">{_e(category)}</text>')
        for j, name in enumerate(names):
            value = chart.series[name][i]
            w = plot_w * (value or 0) / peak
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row_h - 2}" fill="{PALETTE[j % len(PALETTE)]}">'
                         f'<title>{_e(category)} · {_e(name)}</title></rect>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + row_h - 5}">{_e(format_value(value, chart.unit))}</text>')
            y += row_h
        y += 8
    if len(names) > 1:
        parts.append(_legend(names, left, height - 12))
    return _svg(chart, width, height + (12 if len(names) > 1 else 0), parts)


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
    parts.append(_legend(list(chart.series), left, height - 22))
    return _svg(chart, width, height, parts)


def _legend(names: list[str], x: float, y: float) -> str:
    items = []
    for j, name in enumerate(names):
        items.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{x + 14:.1f}" y="{y}">{_e(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(items)


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


def html_document(report: Report) -> str:
    """The whole page: title, notes, charts, then every table."""
    title = getattr(report, "title", "mmaudit report")
    charts = getattr(report, "charts", [])
    body = [f"<h1>{_e(title)}</h1>"]
    body += [f'<p class="note">{_e(n)}</p>' for n in report.notes]
    if charts:
        body.append('<div class="charts">' + "\n".join(svg_chart(c) for c in charts) + "</div>")
    body += [html_table(t) for t in report.tables]
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<meta name="generator" content="mmaudit"><style>{_CSS}</style></head>\n<body>\n'
            + "\n".join(body) + "\n</body></html>\n")
