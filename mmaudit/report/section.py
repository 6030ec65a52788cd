"""What each report section returns: its JSON payload, its tables and charts, and its notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mmaudit.render import Column, Table
from mmaudit.render_html import Chart
from mmaudit.report.scope import Dimension


@dataclass
class Section:
    """One part of a report. `data` goes under `key` in the JSON payload, verbatim."""

    key: str
    data: Any
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def dim_columns(dims: list[Dimension]) -> list[Column]:
    return [Column(d.key, d.header) for d in dims]


def per(amount: Decimal | None, count: int | None) -> Decimal | None:
    """Money divided by a count, kept Decimal (DuckDB would turn DECIMAL / BIGINT into DOUBLE)."""
    if amount is None or not count:
        return None
    return (Decimal(amount) / Decimal(count)).quantize(Decimal("0.000000000001"))


def total_label(dims: list[Dimension]) -> dict[str, Any]:
    """The label cells of a Total row: 'Total' in the first dimension column, blanks after."""
    return {d.key: ("Total" if i == 0 else "") for i, d in enumerate(dims)}
