"""genai-prices (pydantic's price data) translated into effective-dated rate rows.

We do not call genai-prices per call. At load, each model's price list is evaluated with the
library's own `ModelInfo.get_prices` at one instant inside every window where its inputs are
constant (between start dates, and between the daily boundaries of off-peak prices), for
standard, batch (`processing=batch`) and each service tier. Identical neighbours are merged.
The result is a few thousand rows, cached as JSON keyed by the genai-prices version and the
curated batch rules, so a warm load does not import the 1.6 MB data module at all.

Model keys: a model of its maker's own API keeps its genai-prices id (`gpt-4o`,
`claude-sonnet-4-5`, `gemini-2.5-pro`); a model sold by another provider is `provider/id`
(`aws/amazon.nova-pro-v1:0`, `google/claude-sonnet-4-5` for Vertex, `azure/o1`).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from mmaudit.pricing import genai_data
from mmaudit.pricing.rates import RATE_NAMES, Component, PriceSpec, RateRow, spec_rates

HOME_PROVIDERS = (
    "openai", "anthropic", "google", "deepseek", "mistral", "x-ai", "meta", "cohere", "moonshotai",
    "zai", "zhipuai", "minimax", "perplexity", "voyageai", "elevenlabs", "arcee",
)
PRICE_KEYS = {
    "input_mtok": "input", "cache_read_mtok": "cached_input", "cache_write_mtok": "cache_write",
    "cache_write_1h_mtok": "cache_write_1h", "output_mtok": "output", "output_reasoning_mtok": "reasoning",
    "output_citation_mtok": "citation",
    "input_audio_mtok": "input_audio", "cache_audio_read_mtok": "cached_audio", "output_audio_mtok": "output_audio",
    "input_image_mtok": "input_image", "cache_image_read_mtok": "cached_image", "output_image_mtok": "output_image",
}
EPOCH = date(1970, 1, 1)
CACHE_FORMAT = 13  # bump when the translation changes


def genai_version() -> str:
    """The identity of the genai-prices data in use (`0.2.3`, or `0.2.3+fetched.<sha12>` after
    `mmaudit prices update`): every cache built from that data is keyed by it."""
    return genai_data.data_version()


# model families and their makers: another provider's `claude-...` (Vertex) is a resale
FAMILIES = {"claude": "anthropic", "gpt-": "openai", "chatgpt": "openai", "gemini": "google", "gemma": "google",
            "deepseek": "deepseek", "grok": "x-ai", "mistral": "mistral", "llama": "meta", "kimi": "moonshotai",
            "glm": "zai", "zai-": "zai"}


def model_key(provider_id: str, model_id: str, taken: set[str]) -> str:
    """Our key for a genai-prices model (see module docstring)."""
    mid = model_id.lower()
    maker = next((owner for prefix, owner in FAMILIES.items() if mid.startswith(prefix)), provider_id)
    if provider_id in HOME_PROVIDERS and maker == provider_id and mid not in taken:
        return mid
    return f"{provider_id}/{mid}"


def _component(value: Any) -> Component:
    from genai_prices.types import TieredPrices

    if isinstance(value, TieredPrices):
        return Component(Decimal(value.base), tuple((int(t.start), Decimal(t.price)) for t in value.tiers))
    return Component(Decimal(value))


def _components(model_price: Any) -> dict[str, Component]:
    out = {}
    for theirs, ours in PRICE_KEYS.items():
        value = getattr(model_price, theirs, None)
        if value is not None:
            out[ours] = _component(value)
    return out


def _per_1k(model_price: Any, key: str) -> Decimal | None:
    """A per-1,000 fee (web searches, requests), when genai-prices has one for the model."""
    value = getattr(model_price, key, None)
    return None if value is None else Decimal(value)


def _constraints(model: Any) -> list[Any]:
    found = [c.constraint for c in model.prices] if isinstance(model.prices, list) else []
    found += [v.constraint for v in model.price_variants or ()]
    return [c for c in found if c is not None]


def _utc(t: time) -> time:
    if t.tzinfo is None:
        return t
    return datetime.combine(EPOCH, t).astimezone(UTC).time()


def _day_segments(model: Any) -> list[tuple[time | None, time | None]]:
    """[from, to) UTC times of day within which the model's prices cannot change."""
    points = sorted({_utc(getattr(c, a)) for c in _constraints(model) if hasattr(c, "start_time")
                     for a in ("start_time", "end_time")})
    if not points:
        return [(None, None)]
    points = [p for p in points if p != time(0)]
    bounds = [time(0), *points]
    return [(bounds[i], bounds[i + 1] if i + 1 < len(bounds) else None) for i in range(len(bounds))]


def _dates(model: Any, rules: list[dict[str, Any]]) -> list[date]:
    found = {c.start_date for c in _constraints(model) if hasattr(c, "start_date")}
    found |= {r["from"] for r in rules}
    return sorted(d for d in found if d > EPOCH)


def _variant_active(model: Any, when: dict[str, str], ts: datetime) -> bool:
    return any(v.when == when and (v.constraint is None or v.constraint.active(ts)) for v in model.price_variants or ())


def _batch(model: Any, components: dict[str, Component], ts: datetime, rules: list[dict[str, Any]]) -> tuple[dict[str, Component] | None, str | None]:
    """Batch prices at ts: genai-prices' batch variant, else our provider rule, else unknown."""
    context = {"processing": "batch"}
    if _variant_active(model, context, ts):
        return _components(model.get_prices(ts, context)), "genai-prices batch variant"
    active = [r for r in rules if r["from"] <= ts.date()]
    if not active:
        return None, None
    rule = max(active, key=lambda r: r["from"])
    factor = Decimal(1) - Decimal(str(rule["discount"]))
    return {k: c.scaled(factor) for k, c in components.items()}, f"provider rule: {rule['reason']}"


# genai-prices' variant keys that name a priced tier of service, each our `service_tier` value:
# OpenAI's and Google's `service_tier` (flex, priority, fast...) and Anthropic's fast mode
# (`speed: fast`, which a response's `usage.speed` reports and ingest stores as tier `fast`).
TIER_KEYS = ("service_tier", "speed")


def _service_tiers(model: Any) -> list[tuple[str, dict[str, str]]]:
    """Each priced tier of the model: (our tier name, genai-prices' price context for it)."""
    tiers: dict[str, dict[str, str]] = {}
    for key in TIER_KEYS:  # one row set per tier name: a name under two keys keeps the first key's prices
        for v in model.price_variants or ():
            value = v.when.get(key) if len(v.when) == 1 else None
            if value is not None and value not in ("default", "standard"):
                tiers.setdefault(value, {key: value})
    return sorted(tiers.items())


def _snapshot(model: Any, ts: datetime, rules: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Every rate row's content (standard and each service tier) at one instant."""
    prices = model.get_prices(ts)
    components = _components(prices)
    batch, batch_source = _batch(model, components, ts, rules)
    standard = spec_rates(PriceSpec(components, batch, batch_source, _per_1k(prices, "web_searches_kcount"),
                                    _per_1k(prices, "requests_kcount"),
                                    file_search_per_1k=_per_1k(prices, "storage_searches_kcount")))
    if standard is None:
        return None
    out = {"standard": (standard, batch_source)}
    for tier, context in _service_tiers(model):
        if _variant_active(model, context, ts):
            tier_prices = model.get_prices(ts, context)
            rates = spec_rates(PriceSpec(_components(tier_prices), web_search_per_1k=_per_1k(tier_prices, "web_searches_kcount"),
                                         request_per_1k=_per_1k(tier_prices, "requests_kcount"),
                                         file_search_per_1k=_per_1k(tier_prices, "storage_searches_kcount")))
            if rates is not None:
                out[tier] = (rates, None)
    return out


def _model_rows(provider: Any, model: Any, key: str, rules: list[dict[str, Any]], table_name: str) -> list[RateRow]:
    segments = _day_segments(model)
    dates = _dates(model, rules)
    starts = [EPOCH, *dates]
    windows: list[tuple[date, list[Any]]] = []
    for start in starts:
        day = [_snapshot(model, datetime.combine(start, seg[0] or time(0), UTC), rules) for seg in segments]
        if windows and windows[-1][1] == day:
            continue
        windows.append((start, day))
    rows: list[RateRow] = []
    for i, (start, day) in enumerate(windows):
        end = windows[i + 1][0] if i + 1 < len(windows) else None
        for seg, snap in _merged(segments, day):
            if snap is None:
                continue
            for tier, ((rates, lc, lc2), batch_source) in snap.items():
                rows.append(RateRow(
                    model_key=key, provider=provider.id, source="genai-prices", table_name=table_name,
                    table_path=None, valid_from=start, valid_to=end, rates=rates, lc_threshold=lc, lc2_threshold=lc2,
                    tod_from=seg[0], tod_to=seg[1], service_tier=tier, batch_source=batch_source))
    return rows


def _merged(segments: list[tuple[time | None, time | None]], day: list[Any]) -> list[tuple[tuple[Any, Any], Any]]:
    """Adjacent time-of-day segments with the same prices become one; all equal: all day."""
    if all(s == day[0] for s in day):
        return [((None, None), day[0])]
    merged: list[tuple[tuple[Any, Any], Any]] = []
    for seg, snap in zip(segments, day, strict=True):
        if merged and merged[-1][1] == snap:
            merged[-1] = ((merged[-1][0][0], seg[1]), snap)
        else:
            merged.append((seg, snap))
    return merged


def translate(rules: dict[str, list[dict[str, Any]]], candidate: tuple[list[Any], str, str] | None = None) -> dict[str, Any]:
    """All genai-prices models as rate rows, plus each key's provider, id and facts: of the data in
    use, or of `candidate` = (genai-prices' providers, their data version, their label)."""
    if candidate is None:
        providers, data_version, label = genai_data.providers(), genai_version(), genai_data.data_label()
    else:
        providers, data_version, label = candidate
    table_name = f"genai-prices {data_version}"
    taken: set[str] = set()
    ordered = sorted(providers, key=lambda p: (HOME_PROVIDERS.index(p.id) if p.id in HOME_PROVIDERS else 99, p.id))
    rows: list[RateRow] = []
    models: dict[str, dict[str, Any]] = {}
    for provider in ordered:
        for model in provider.models:
            key = model_key(provider.id, model.id, taken)
            if key in models:
                continue
            taken.add(key)
            model_rows = _model_rows(provider, model, key, rules.get(provider.id, []), table_name)
            if not model_rows:
                continue
            rows.extend(model_rows)
            models[key] = {"provider": provider.id, "id": model.id, "name": model.name,
                           "context_window": model.context_window, "deprecated": bool(model.deprecated),
                           "price_comments": model.price_comments}
    return {"version": data_version, "label": label, "rows": rows, "models": models}


# ---------------------------------------------------------------- cache

def cache_dir() -> Path:
    base = os.environ.get("MMAUDIT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mmaudit")
    return Path(base)


_ROW_FIELDS = ("model_key", "provider", "source", "table_name", "table_path", "valid_from", "valid_to", "lc_threshold",
               "lc2_threshold", "tod_from", "tod_to", "service_tier", "batch_source")


def _encode_row(row: RateRow) -> list[Any]:
    """A compact JSON row: fields in _ROW_FIELDS order, then the rates in RATE_NAMES order."""
    values = [getattr(row, f) for f in _ROW_FIELDS]
    values = [v.isoformat() if isinstance(v, date | time) else v for v in values]
    return [*values, [None if row.rates.get(n) is None else str(row.rates[n]) for n in RATE_NAMES]]


def _decode_row(raw: list[Any]) -> RateRow:
    fields = dict(zip(_ROW_FIELDS, raw[:-1], strict=True))
    for name in ("valid_from", "valid_to"):
        fields[name] = date.fromisoformat(fields[name]) if fields[name] else None
    for name in ("tod_from", "tod_to"):
        fields[name] = time.fromisoformat(fields[name]) if fields[name] else None
    rates = {n: (None if v is None else Decimal(v)) for n, v in zip(RATE_NAMES, raw[-1], strict=True)}
    return RateRow(rates=rates, **fields)


def load_translated(rules: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The translation, from the cache when it was made by this genai-prices version and rules."""
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()[:12]
    path = cache_dir() / f"genai-prices-{genai_version()}-{CACHE_FORMAT}-{digest}.json"
    # the installed package's own translation is kept beside a fetched copy's (`prices update --revert`)
    package_path = cache_dir() / f"genai-prices-{genai_data.package_version()}-{CACHE_FORMAT}-{digest}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["rows"] = [_decode_row(r) for r in raw["rows"]]
        raw["cache"] = str(path)
        return raw
    except (OSError, ValueError, TypeError, KeyError):
        pass
    data = translate(rules)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({**data, "rows": [_encode_row(r) for r in data["rows"]]}), encoding="utf-8")
        tmp.replace(path)
        data["cache"] = str(path)
        for stale in path.parent.glob("genai-prices-*.json"):  # older versions, data and rules
            if stale not in (path, package_path):
                stale.unlink(missing_ok=True)
    except OSError:
        data["cache"] = None  # a read-only home still works, just slower
    return data
