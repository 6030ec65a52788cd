"""A price table's model entries as rate rows: one row per table that lists a model (and per
time-of-day segment where it has off-peak prices), valid until the next such table; the batch
rates from the entry itself or from the provider's rule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from mmaudit.pricing.rates import (
    MODALITY_PARTS,
    OUTPUT_PARTS,
    Component,
    PriceSpec,
    RateRow,
    spec_rates,
)
from mmaudit.pricing.rules import BatchRules
from mmaudit.pricing.schema import ModelPrice, PriceTable


@dataclass(frozen=True)
class LoadedTable:
    """A validated table and where it came from (errors and reports cite `path`)."""

    name: str
    path: str
    origin: str  # "override" | "user"
    table: PriceTable


@dataclass(frozen=True)
class PriceEntry:
    """One model's prices from one table."""

    key: str
    effective_from: date
    table: LoadedTable
    price: ModelPrice


def _tiered(base: Decimal | None, tiers: list[Any], part: str) -> Component | None:
    """A part's base price with its long-context tiers (a tier without the part: its input
    price); audio and image parts have no long-context price, so they keep their base in every tier."""
    if base is None:
        return None
    if part in MODALITY_PARTS or part in OUTPUT_PARTS:
        return Component(base)
    return Component(base, tuple((t.start(), getattr(t, part) if getattr(t, part) is not None else t.input)
                                 for t in tiers))


def entry_spec(price: ModelPrice, batch_rule: tuple[Decimal, str] | None) -> PriceSpec:
    """A YAML model entry as a PriceSpec; batch from its own rates, else the provider's rule; with
    its per-1,000 fees (web searches, requests that searched, file searches, requests)."""
    return replace(_token_spec(price, batch_rule), web_search_per_1k=price.web_search_per_1k,
                   request_per_1k=price.request_per_1k, searched_request_per_1k=price.searched_request_per_1k,
                   file_search_per_1k=price.file_search_per_1k)


def _token_spec(price: ModelPrice, batch_rule: tuple[Decimal, str] | None) -> PriceSpec:
    if price.fixed_monthly_usd is not None:
        zero = Component(Decimal(0))
        return PriceSpec({"input": zero, "output": zero}, {"input": zero, "output": zero}, "self-hosted")
    tiers = price.tiers()
    parts = ("input", "output", "cached_input", "cache_write", "cache_write_1h", "reasoning", *MODALITY_PARTS, *OUTPUT_PARTS)
    comps = {p: c for p in parts if (c := _tiered(getattr(price, p), tiers, p)) is not None}
    if price.batch_discount is not None:
        return PriceSpec(comps, {k: c.scaled(Decimal(1) - price.batch_discount) for k, c in comps.items()},
                         f"table: batch_discount {price.batch_discount}")
    if price.batch is not None:
        batch = {}
        for part in parts:
            rate = getattr(price.batch, part, None)
            if rate is not None and part in comps:
                base = comps[part].base
                factor = rate / base if base else Decimal(0)
                batch[part] = Component(rate, tuple((s, p * factor) for s, p in comps[part].tiers))
        return PriceSpec(comps, batch, "table: per-component batch rates")
    if batch_rule is not None:
        factor, reason = batch_rule
        return PriceSpec(comps, {k: c.scaled(factor) for k, c in comps.items()}, f"provider rule: {reason}")
    return PriceSpec(comps, None, None)


def table_rows(key: str, entries: list[PriceEntry], rules: BatchRules) -> list[RateRow]:
    """One row per table listing the model (per time-of-day segment), valid until the next such table."""
    rows = []
    for i, entry in enumerate(entries):
        nxt = entries[i + 1].effective_from if i + 1 < len(entries) else None
        end = entry.table.table.effective_to
        if end is not None and (nxt is None or end < nxt):
            nxt = end
        batch_rule = rules.factor(entry.price.provider, entry.effective_from)
        spec = entry_spec(entry.price, batch_rule)
        rates = spec_rates(spec)
        if rates is None:
            continue
        off = _off_peak_rates(entry.price, batch_rule)
        for (tod_from, tod_to, days), is_off in _segments(entry.price):
            values, lc, lc2 = off if is_off and off is not None else rates
            rows.append(RateRow(
                model_key=key, provider=entry.price.provider, source=entry.table.origin, table_name=entry.table.name,
                table_path=entry.table.path, valid_from=entry.effective_from, valid_to=nxt, rates=values,
                lc_threshold=lc, lc2_threshold=lc2, tod_from=tod_from, tod_to=tod_to, tod_days=days,
                fixed_monthly_usd=entry.price.fixed_monthly_usd, batch_source=spec.batch_source, note=entry.price.notes))
    return rows


def _off_peak_rates(price: ModelPrice, batch_rule: tuple[Decimal, str] | None) -> Any:
    off = price.off_peak
    if off is None:
        return None
    comps = {p: Component(getattr(off, p)) for p in ("input", "output", "cached_input", "cache_write")
             if getattr(off, p) is not None}
    batch = {k: c.scaled(batch_rule[0]) for k, c in comps.items()} if batch_rule else None
    return spec_rates(PriceSpec(comps, batch, batch_rule[1] if batch_rule else None, price.web_search_per_1k,
                                price.request_per_1k, price.searched_request_per_1k, price.file_search_per_1k))


def _segments(price: ModelPrice) -> list[tuple[tuple[Any, Any, list[int] | None], bool]]:
    """(from, to, weekdays) UTC segments and whether each is off-peak; one all-day segment without off_peak."""
    if price.off_peak is None:
        return [((None, None, None), False)]
    by_day: dict[int, tuple] = {}
    for day in range(1, 8):
        windows = [w for w in price.off_peak.windows if day in w.days]
        marks = sorted({0, 24 * 60} | {_minutes(w.start) for w in windows} | {_minutes(w.end) for w in windows})
        pieces = []
        for a, b in pairwise(marks):
            off = any(_minutes(w.start) <= a and b <= _minutes(w.end) for w in windows)
            if pieces and pieces[-1][2] == off:
                pieces[-1] = (pieces[-1][0], b, off)
            else:
                pieces.append((a, b, off))
        by_day[day] = tuple(pieces)
    groups: dict[tuple, list[int]] = {}
    for day, pieces in by_day.items():
        groups.setdefault(pieces, []).append(day)
    out = []
    for pieces, days in groups.items():
        day_list = None if len(days) == 7 else days
        for a, b, off in pieces:
            whole = a == 0 and b == 24 * 60
            out.append(((None if whole else _time(a), None if whole or b == 24 * 60 else _time(b), day_list), off))
    return out


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _time(minutes: int) -> Any:
    from datetime import time

    return time(minutes // 60, minutes % 60)


def ft_table_rows(key: str, entries: list[PriceEntry]) -> list[RateRow]:
    rows = []
    priced = [e for e in entries if e.price.fine_tuned is not None]
    for i, entry in enumerate(priced):
        ft = entry.price.fine_tuned
        assert ft is not None
        comps = {"input": Component(ft.input), "output": Component(ft.output)}
        if ft.cached_input is not None:
            comps["cached_input"] = Component(ft.cached_input)
        rates = spec_rates(PriceSpec(comps))
        assert rates is not None
        nxt = priced[i + 1].effective_from if i + 1 < len(priced) else None
        rows.append(RateRow(model_key=key, provider=entry.price.provider, source=entry.table.origin,
                            table_name=entry.table.name, table_path=entry.table.path, valid_from=entry.effective_from,
                            valid_to=nxt, rates=rates[0]))
    return rows
