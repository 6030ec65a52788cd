"""Price layers over time: a higher layer (curated overrides over genai-prices, the user's tables
over both) replaces a model's rows over the spans it covers, and keeps the per-use fees it leaves
unsaid."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from mmaudit.pricing.rates import RateRow


def _covered(rows: list[RateRow]) -> dict[str, list[tuple[date, date | None]]]:
    """Per key, the [from, to) spans the rows cover (to None = open-ended)."""
    spans: dict[str, list[tuple[date, date | None]]] = {}
    for row in rows:
        spans.setdefault(row.model_key, []).append((row.valid_from, row.valid_to))
    return spans


def _minus(start: date, end: date | None, holes: list[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    """The parts of [start, end) outside every hole."""
    pieces = [(start, end)]
    for h_from, h_to in holes:
        nxt = []
        for p_from, p_to in pieces:
            if p_to is not None and p_to <= h_from or h_to is not None and p_from >= h_to:
                nxt.append((p_from, p_to))
                continue
            if p_from < h_from:
                nxt.append((p_from, h_from))
            if h_to is not None and (p_to is None or p_to > h_to):
                nxt.append((h_to, p_to))
        pieces = nxt
    return pieces


def layer(lower: list[RateRow], upper: list[RateRow]) -> list[RateRow]:
    """`upper` replaces `lower` for each key over the spans the upper rows cover.

    An upper table's first entry also reaches back before its date when the lower layer has
    nothing there (see `catalog.py`'s docstring), so the upper's coverage starts at its first date and
    runs to its last row's end.
    """
    spans = _covered(upper)
    kept = []
    for row in lower:
        holes = spans.get(row.model_key)
        if holes is None:
            kept.append(row)
            continue
        for p_from, p_to in _minus(row.valid_from, row.valid_to, holes):
            kept.append(RateRow(**{**row.__dict__, "valid_from": p_from, "valid_to": p_to, "extra": {}}))
    by_tier: dict[tuple[str, str], list[RateRow]] = {}  # a lookup, not a scan of `lower` per upper row
    for row in sorted(lower, key=lambda r: r.valid_from):
        by_tier.setdefault((row.model_key, row.service_tier), []).append(row)
    return kept + [_keep_fees(row, by_tier.get((row.model_key, row.service_tier), [])) for row in upper]


# Per-use fees a table may leave unsaid: an override that corrects a model's token rates (a
# long-context tier, a dated price) does not mean its searches became free or unpriced.
INHERITED_FEES = ("web_search_rate", "searched_request_rate", "file_search_rate", "web_search_preview_rate")


def _keep_fees(row: RateRow, under: list[RateRow]) -> RateRow:
    """`row` with each fee of INHERITED_FEES it does not state taken from the lower layer's row of
    the same model and tier in effect at its start (or the lower layer's first, when it starts
    later); `under` holds the lower layer's rows of that model and tier, oldest first."""
    missing = [f for f in INHERITED_FEES if row.rates.get(f) is None]
    if not missing or not under:
        return row
    start = row.valid_from
    then = next((r for r in reversed(under) if r.valid_from <= start), under[0])
    fees = {f: then.rates[f] for f in missing if then.rates.get(f) is not None}
    return replace(row, rates={**row.rates, **fees}) if fees else row
