"""What `mmaudit prices ...` and `mmaudit models` show: rate rows as USD per 1M tokens.

Pure functions over a loaded catalog (and, for measured latency, a connection), so the CLI
only parses options and renders.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from mmaudit.errors import InputError
from mmaudit.pricing import genai_data
from mmaudit.pricing.catalog import PriceCatalog
from mmaudit.pricing.rates import SEARCH_CONTEXT_SIZES, RateRow
from mmaudit.vocabulary import did_you_mean

LATENCY_MIN_CALLS = 20  # fewer successful calls than this: show the registry prior instead


def per_million(rate: Decimal | None) -> Decimal | None:
    """A per-token rate as USD per 1M tokens, without trailing zeros nor an exponent (`normalize`
    alone wrote $10 as `1E+1`)."""
    if rate is None:
        return None
    value = rate.scaleb(6).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def rate_view(row: RateRow) -> dict[str, Any]:
    """One rate row as a user reads it (USD per 1M tokens; None = not priced)."""
    r = row.rates
    view: dict[str, Any] = {
        "model_key": row.model_key, "provider": row.provider, "service_tier": row.service_tier,
        "from": _day(row.valid_from), "to": _day(row.valid_to),
        "time_of_day_utc": _segment(row),
        "input": per_million(r.get("input_rate")), "cached_input": per_million(r.get("cached_input_rate")),
        "cache_write_5m": per_million(r.get("cache_write_rate")), "cache_write_1h": per_million(r.get("cache_write_1h_rate")),
        "output": per_million(r.get("output_rate")), "reasoning": per_million(r.get("reasoning_rate")),
        "input_audio": per_million(r.get("input_audio_rate")), "cached_audio": per_million(r.get("cached_audio_rate")),
        "output_audio": per_million(r.get("output_audio_rate")),
        "input_image": per_million(r.get("input_image_rate")), "cached_image": per_million(r.get("cached_image_rate")),
        "output_image": per_million(r.get("output_image_rate")),
        "batch_input": per_million(r.get("b_input_rate")), "batch_output": per_million(r.get("b_output_rate")),
        "batch_source": row.batch_source, "long_context": _tiers(row),
        "web_search_per_1k": None if r.get("web_search_rate") is None else r["web_search_rate"].scaleb(3).normalize(),
        "request_per_1k": None if r.get("request_rate") is None else r["request_rate"].scaleb(3).normalize(),
        "searched_request_per_1k": (None if r.get("searched_request_rate") is None
                                    else r["searched_request_rate"].scaleb(3).normalize()),
        "file_search_per_1k": None if r.get("file_search_rate") is None else r["file_search_rate"].scaleb(3).normalize(),
        "web_search_preview_per_1k": (None if r.get("web_search_preview_rate") is None
                                      else r["web_search_preview_rate"].scaleb(3).normalize()),
        "request_per_1k_by_search_context": _sized_fees(r),
        "fixed_monthly_usd": row.fixed_monthly_usd, "source": row.source, "table": row.table_name, "note": row.note,
    }
    return view


def _sized_fees(rates: dict[str, Any]) -> str | None:
    """'low 5, medium 8, high 12' (USD per 1,000 requests) where the fee depends on the search context size."""
    sizes = [(s, rates.get(f"request_{s}_rate")) for s in SEARCH_CONTEXT_SIZES]
    if all(v is None for _, v in sizes):
        return None
    return ", ".join(f"{s} {format(v.scaleb(3).normalize(), 'f')}" for s, v in sizes if v is not None)


_DAYS = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _segment(row: RateRow) -> str | None:
    days = None if row.tod_days is None else ",".join(_DAYS[d] for d in row.tod_days)
    if row.tod_from is None and row.tod_to is None:
        return days
    hours = f"{row.tod_from or time(0):%H:%M}-{row.tod_to:%H:%M}" if row.tod_to else f"{row.tod_from:%H:%M}-24:00"
    return f"{days} {hours}" if days else hours


def _day(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return None if value == date(1970, 1, 1) else value


def _tiers(row: RateRow) -> str | None:
    parts = []
    for prefix, threshold in (("lc_", row.lc_threshold), ("lc2_", row.lc2_threshold)):
        if threshold is None:
            continue
        inp, out = per_million(row.rates.get(f"{prefix}input_rate")), per_million(row.rates.get(f"{prefix}output_rate"))
        parts.append(f"> {threshold:,}: ${inp}/${out}")
    return "; ".join(parts) or None


def _latency(m: dict[str, Any] | None, ttft: float | None, tps: float | None) -> dict[str, Any]:
    """TTFT and speed measured from the logs where they were, field by field, else the prior; the
    basis says which (logs that time no first token left TTFT blank beside "measured")."""
    if not m:
        return {"ttft_ms": ttft, "output_tokens_per_s": tps, "latency_basis": "prior" if ttft is not None else None}
    basis = f"measured ({m['calls']} calls)"
    if m.get("ttft_ms") is None and ttft is not None:
        basis += "; TTFT prior (no first-token times logged)"
    return {"ttft_ms": m["ttft_ms"] if m.get("ttft_ms") is not None else ttft,
            "output_tokens_per_s": m["output_tokens_per_s"] if m.get("output_tokens_per_s") is not None else tps,
            "latency_basis": basis}


def history(catalog: PriceCatalog, key: str) -> list[dict[str, Any]]:
    """Every dated rate row of a model (all service tiers), oldest first."""
    return [rate_view(r) for r in sorted(catalog.rows_of(key, None),
                                         key=lambda r: (r.service_tier != "standard", r.service_tier, r.valid_from,
                                                        str(r.tod_from)))]


def prices_at(catalog: PriceCatalog, day: date | None) -> list[dict[str, Any]]:
    """The standard-tier row in force on `day` (today when None) for every model, midday segment."""
    return [rate_view(row) for key in catalog.model_keys() if (row := _today(catalog, key, day)) is not None]


def _today(catalog: PriceCatalog, key: str, day: date | None = None) -> RateRow | None:
    """The standard-tier row of `key` in force on `day` (today when None), midday segment."""
    rows = [r for r in catalog.rows_of(key) if _in_force(r, day)]
    rows = [r for r in rows if (r.tod_days is None or 3 in r.tod_days)
            and (r.tod_from is None or r.tod_from.hour <= 12 < (r.tod_to.hour if r.tod_to else 24))]
    return rows[0] if rows else None


def select(rows: list[dict[str, Any]], patterns: list[str] | None = None,
           provider: str | None = None) -> list[dict[str, Any]]:
    """The rows of `prices_at` a user asked for: models matching any of `patterns` (shell-style,
    case-insensitive; a pattern without `*`, `?` or `[` matches anywhere in the name, as a search
    box does) and, with `provider`, that provider's rows. A provider no row has is an InputError
    naming the closest one, since a typo there would otherwise read as "nothing priced"."""
    if provider is not None:
        known = sorted({str(r["provider"]) for r in rows})
        wanted = provider.strip().lower()
        if wanted not in known:
            raise InputError(f"--provider: no prices from {provider!r}{did_you_mean(provider, known)}")
        rows = [r for r in rows if r["provider"] == wanted]
    if patterns:
        globs = [p.lower() if any(c in p for c in "*?[") else f"*{p.lower()}*" for p in patterns]
        rows = [r for r in rows if any(fnmatch.fnmatchcase(str(r["model_key"]).lower(), g) for g in globs)]
    return rows


def near_names(names: list[str] | set[str], patterns: list[str], n: int = 3) -> list[str]:
    """Model names close to what `patterns` spell (glob characters dropped, case ignored), for a
    filter that matched nothing or a model that has no price."""
    known = sorted({str(m) for m in names})
    found: list[str] = []
    for pattern in patterns:
        text = pattern.strip().lower().translate(str.maketrans("", "", "*?[]"))
        found += [m for m in difflib.get_close_matches(text, known, n=n, cutoff=0.6) if m not in found]
    return found[:n]


def _in_force(row: RateRow, day: date | None) -> bool:
    """Whether `row` applies on `day` (today when None: a price published ahead, from 2027-01-01,
    is not today's, though it is the last row)."""
    day = day or datetime.now(UTC).date()
    start = row.valid_from.date() if isinstance(row.valid_from, datetime) else row.valid_from
    end = row.valid_to.date() if isinstance(row.valid_to, datetime) else row.valid_to
    return start <= day and (end is None or day < end)


def sources(catalog: PriceCatalog) -> dict[str, Any]:
    """Where prices come from, in precedence order, and how to update each."""
    overrides = [t for t in catalog.tables if t.origin == "override"]
    user = [t for t in catalog.tables if t.origin == "user"]
    copy = genai_data.fetched()
    genai_row = {"layer": 1, "source": "genai-prices", "version": genai_data.package_version(),
                 "models": len(catalog.genai.get("models", {})), "where": catalog.genai.get("cache") or "(not cached)",
                 "update": "pip install -U 'genai-prices>=0.2,<0.3' (the translation cache refreshes itself), "
                           "or `mmaudit prices update` for the data published since"}
    if copy is not None:
        genai_row.update(version=f"{genai_data.package_version()}, data fetched {copy.fetched_at} (sha256 {copy.sha256[:12]})",
                         where=f"{genai_data.data_path(copy.sha256)} (from {copy.url})",
                         update="`mmaudit prices update` again; `mmaudit prices update --revert` for the package's data")
    rows = [
        genai_row,
        {"layer": 2, "source": "mmaudit curated overrides", "version": f"{len(overrides)} tables",
         "models": len({k for t in overrides for k in t.table.models}), "where": "mmaudit/data/pricing/overrides/",
         "update": "ships with mmaudit; each table cites the provider page it follows"},
        {"layer": 2, "source": "batch discount rules", "version": f"{len(catalog.batch_rules.rules) if catalog.batch_rules else 0} providers",
         "models": None, "where": "mmaudit/data/pricing/batch_rules.yaml",
         "update": "used only where genai-prices has no batch price for the date"},
        {"layer": 3, "source": "your tables (--prices)", "version": f"{len(user)} tables",
         "models": len({k for t in user for k in t.table.models}), "where": ", ".join(t.path for t in user) or "(none)",
         "update": "edit your YAML, or `mmaudit prices import-litellm` for a LiteLLM snapshot"},
    ]
    return {"genai_prices_version": genai_data.package_version(), "genai_prices_data": genai_data.data_label(),
            "fetched": None if copy is None else asdict(copy), "layers": rows}


def measured_latency(con: duckdb.DuckDBPyConnection | None) -> dict[str, dict[str, Any]]:
    """Median TTFT and output speed per model_key from the team's own successful calls."""
    if con is None:
        return {}
    rows = con.execute(f"""
        SELECT model_key, count(*) AS calls, median(ttft_ms) AS ttft_ms,
               median(CASE WHEN latency_ms > coalesce(ttft_ms, 0) AND output_tokens > 0
                           THEN output_tokens / ((latency_ms - coalesce(ttft_ms, 0)) / 1000.0) END) AS tps
        FROM calls WHERE model_key IS NOT NULL AND status = 'ok' AND latency_ms IS NOT NULL
        GROUP BY model_key HAVING count(*) >= {LATENCY_MIN_CALLS}""").fetchall()
    return {k: {"calls": n, "ttft_ms": t, "output_tokens_per_s": s} for k, n, t, s in rows}


def models_view(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog, measured: dict[str, dict[str, Any]],
                include_all: bool = False) -> list[dict[str, Any]]:
    """The registry (or every priced model) with today's price, latency (measured or prior), quality."""
    info = {r[0]: r for r in con.execute(
        "SELECT model_key, provider, tier, mode, token_ratio, ttft_ms, output_tokens_per_s, data_classes, in_registry,"
        " fixed_monthly_usd FROM model_info ORDER BY model_key").fetchall()}
    quality = {}
    for key, task, score in con.execute("SELECT model_key, task, score FROM model_quality").fetchall():
        quality.setdefault(key, {})[task] = score
    names: dict[str, list[str]] = {}
    for name, key in catalog.registry_keys.items():
        if key:
            names.setdefault(key, []).append(name)
    out = []
    for key, (_, provider, tier, mode, ratio, ttft, tps, classes, in_registry, fixed) in info.items():
        if not in_registry and not include_all:
            continue
        now = _today(catalog, key)
        row = rate_view(now) if now else {}
        m = measured.get(key)
        out.append({
            "model_key": key, "registry_name": ", ".join(names.get(key, [])) or None, "provider": provider,
            "tier": tier, "mode": mode, "input": row.get("input"), "output": row.get("output"),
            "cached_input": row.get("cached_input"), "fixed_monthly_usd": fixed,
            **_latency(m, ttft, tps),
            "quality_default": quality.get(key, {}).get("default"), "quality": quality.get(key, {}),
            "quality_basis": "prior" if quality.get(key) else None, "token_ratio": ratio,
            "data_classes": list(classes or []),
        })
    return out
