"""`mmaudit prices update`: fetch genai-prices' newest data, check it, say what it changes, keep it.

Nothing is kept unless the whole file parses with the installed genai-prices and translates into
rate rows, so a bad download never leaves the prices half-updated. The comparison is between the
translations (what mmaudit would charge), not the raw files: a model whose current list price
moved is `repriced`; one whose history, batch, tier or long-context rows moved but not its current
list price is `history`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from mmaudit.errors import InputError
from mmaudit.pricing import genai, genai_data
from mmaudit.pricing.rates import RateRow
from mmaudit.pricing.rules import load_batch_rules

MILLION = Decimal(1_000_000)


@dataclass
class Update:
    record: genai_data.Fetched
    previous: str  # the label of the data in use before
    kept: bool
    changes: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "repriced": 0, "history": 0}
        for change in self.changes:
            counts[change["change"]] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {"fetched": asdict(self.record), "previous": self.previous, "kept": self.kept,
                "summary": self.summary(), "changes": self.changes}


def update(url: str | None = None, file: Path | None = None, dry_run: bool = False, timeout: float = 30.0) -> Update:
    """Fetch (from `url`, default genai-prices' own) or read `file`, check, compare, and keep it
    unless `dry_run`. Raises InputError, with nothing changed, when the data cannot be used."""
    source = str(file) if file is not None else (url or genai_data.default_url())
    body = _read(file) if file is not None else genai_data.download(source, timeout)
    parsed = genai_data.parse(body, source)
    record = genai_data.describe(body, source, parsed)
    rules = load_batch_rules().by_genai_provider()
    version = f"{genai_data.package_version()}+fetched.{record.sha256[:12]}"
    candidate = genai.translate(rules, (parsed, version, f"genai-prices data of {record.fetched_at[:10]}"))
    if not candidate["rows"]:
        raise InputError(f"{source}: the data parses but prices no model; the prices in use are unchanged")
    previous = genai_data.data_label()
    changes = compare(genai.load_translated(rules), candidate)
    if not dry_run:
        genai_data.keep(body, record)
    return Update(record, previous, not dry_run, changes)


def revert() -> bool:
    """Back to the installed package's data. True when fetched data was in use."""
    return genai_data.forget()


def _read(file: Path) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read ({exc.strerror})") from exc


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Each model whose rate rows differ, with its current list price (input and output, USD per
    million tokens) before and after, sorted by change then model key."""
    old, new = _by_model(before["rows"]), _by_model(after["rows"])
    out = []
    for key in sorted(old.keys() | new.keys()):
        rows_before, rows_after = old.get(key, []), new.get(key, [])
        if _content(rows_before) == _content(rows_after):
            continue
        now_before, now_after = _current(rows_before), _current(rows_after)
        if not rows_before:
            change = "added"
        elif not rows_after:
            change = "removed"
        elif _list_price(now_before) != _list_price(now_after):
            change = "repriced"
        else:
            change = "history"
        out.append({"model_key": key, "change": change,
                    "input_before": _per_million(now_before, "input_rate"),
                    "input_after": _per_million(now_after, "input_rate"),
                    "output_before": _per_million(now_before, "output_rate"),
                    "output_after": _per_million(now_after, "output_rate")})
    order = {"added": 0, "repriced": 1, "removed": 2, "history": 3}
    return sorted(out, key=lambda c: (order[c["change"]], c["model_key"]))


def _by_model(rows: list[RateRow]) -> dict[str, list[RateRow]]:
    grouped: dict[str, list[RateRow]] = {}
    for row in rows:
        grouped.setdefault(row.model_key, []).append(row)
    return grouped


def _rates(row: RateRow) -> tuple[tuple[str, str], ...]:
    """A row's rates by value: 2, 2.0 and 2.00 per 1M are one price."""
    return tuple(sorted((k, "" if v is None else str(v.normalize())) for k, v in row.rates.items()))


def _content(rows: list[RateRow]) -> list[tuple[Any, ...]]:
    """What a row charges and when, without the name of the data it came from."""
    return sorted((str(r.valid_from), str(r.valid_to), str(r.tod_from), str(r.tod_to), r.service_tier, r.lc_threshold,
                   r.lc2_threshold, r.batch_source or "", _rates(r)) for r in rows)


def _current(rows: list[RateRow]) -> RateRow | None:
    """The open-ended standard row (the first time-of-day segment when prices change by the hour)."""
    open_rows = [r for r in rows if r.valid_to is None and r.service_tier == "standard"]
    return min(open_rows, key=lambda r: str(r.tod_from or ""), default=None)


def _list_price(row: RateRow | None) -> tuple[Any, ...]:
    return () if row is None else _rates(row)


def _per_million(row: RateRow | None, rate: str) -> Decimal | None:
    value = None if row is None else row.rates.get(rate)
    return None if value is None else (value * MILLION).normalize()
