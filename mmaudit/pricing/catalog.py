"""The price catalog: genai-prices list prices, our curated overrides, then the user's tables.

Precedence, lowest to highest (docs/pricing.md):
1. genai-prices (pydantic's data, translated by `genai.py`);
2. curated overrides bundled in `mmaudit/data/pricing/overrides/` (where genai-prices and the
   provider's published rule disagree; each says why and cites the provider's page);
3. the user's own tables (`--prices`), which beat everything, aliases included.

A higher layer replaces a model's prices from its first `effective_from` on; calls before that
keep the lower layer's prices. Within a layer, a model's history is the tables that list it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mmaudit.config import read_yaml, validate
from mmaudit.errors import ConfigError
from mmaudit.pricing import genai
from mmaudit.pricing.bundled import load_bundled
from mmaudit.pricing.entry_rows import LoadedTable, PriceEntry, ft_table_rows, table_rows
from mmaudit.pricing.layering import layer
from mmaudit.pricing.rates import (
    SEARCH_CONTEXT_SIZES,
    RateRow,
)
from mmaudit.pricing.rules import (
    BatchRules,
    CuratedAliases,
    ToolFee,
    load_batch_rules,
    load_curated_aliases,
    load_geo_rates,
    load_request_fees,
    load_search_billing,
    load_tool_fees,
)
from mmaudit.pricing.schema import PriceTable

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "pricing"
BUNDLED_DIR = DATA_DIR / "overrides"
LAYERS = ("genai-prices", "override", "registry", "user")


@dataclass
class PriceCatalog:
    """Every rate row (all layers merged), the exact ids that name a key, and model facts."""

    tables: list[LoadedTable]
    rows: list[RateRow]
    ft_rows: list[RateRow]
    aliases: dict[str, str]
    alias_origin: dict[str, str]
    models: dict[str, dict[str, Any]]
    history: dict[str, list[PriceEntry]] = field(default_factory=dict)
    batch_rules: BatchRules | None = None
    genai: dict[str, Any] = field(default_factory=dict)
    registry: Any = None
    resolver: Any = None
    registry_keys: dict[str, str | None] = field(default_factory=dict)
    # derived once and kept (a catalog is not changed once built): rows per key (`rows_of`), the
    # rate tables as Arrow (`register._register_rates`), the registry's tables (`register_registry`)
    _rows_by_key: dict[str, list[RateRow]] | None = field(default=None, init=False, repr=False, compare=False)
    _arrow: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _registry_arrow: tuple[Any, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def model_keys(self) -> list[str]:
        return sorted({r.model_key for r in self.rows})

    def rows_of(self, key: str, service_tier: str | None = "standard") -> list[RateRow]:
        return sorted((r for r in self._by_key().get(key, ()) if service_tier is None or r.service_tier == service_tier),
                      key=lambda r: (r.valid_from, r.service_tier, str(r.tod_from)))

    def _by_key(self) -> dict[str, list[RateRow]]:
        """The rows per model key, indexed at first use: `prices list` asks for every key's rows,
        and scanning every row per key took seconds with a LiteLLM import's 3,000 models."""
        if self._rows_by_key is None:
            self._rows_by_key = {}
            for row in self.rows:
                self._rows_by_key.setdefault(row.model_key, []).append(row)
        return self._rows_by_key

    def latest(self, key: str) -> RateRow:
        """The row in force now (standard tier; the midday row for off-peak priced models)."""
        rows = [r for r in self.rows_of(key) if r.valid_to is None]
        return next((r for r in rows if (r.tod_days is None or 3 in r.tod_days)
                     and (r.tod_from is None or r.tod_from.hour <= 12 < (r.tod_to.hour if r.tod_to else 24))), rows[0])


def _yaml_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def load_table(path: Path, origin: str = "user", data: Any = None) -> LoadedTable:
    """Read and validate one table file (ConfigError names file, key path, expected, found);
    `data`, when given, is the file as `read_yaml` already parsed it."""
    if origin == "override":
        table = load_bundled(PriceTable, path)
    else:
        table = validate(PriceTable, read_yaml(path) if data is None else data, str(path))
    return LoadedTable(name=Path(path).stem, path=str(path), origin=origin, table=table)


def is_registry_file(path: Path, data: Any = None) -> bool:
    """A YAML whose top level has `registry:` is a model-registry file, not a price table."""
    data = read_yaml(path) if data is None else data
    return isinstance(data, dict) and "registry" in data


def _merge_entries(tables: list[LoadedTable]) -> dict[str, list[PriceEntry]]:
    chosen: dict[tuple[str, date], PriceEntry] = {}
    for loaded in tables:
        for key, price in loaded.table.models.items():
            slot = (key, loaded.table.effective_from)
            entry = PriceEntry(key, loaded.table.effective_from, loaded, price)
            previous = chosen.get(slot)
            if previous is not None and previous.table.origin == loaded.origin:
                raise ConfigError(
                    f"{loaded.path}: models.{key}: already priced for {slot[1]} in "
                    f"{previous.table.path} (expected one table per model and date)")
            if previous is None or LAYERS.index(loaded.origin) >= LAYERS.index(previous.table.origin):
                chosen[slot] = entry
    history: dict[str, list[PriceEntry]] = {}
    for entry in sorted(chosen.values(), key=lambda e: (e.key, e.effective_from)):
        history.setdefault(entry.key, []).append(entry)
    return history


def normalise_alias(alias: str) -> str:
    """Aliases compare case-insensitively and without surrounding blanks."""
    return alias.strip().lower()


def _layer_rows(tables: list[LoadedTable], rules: BatchRules) -> tuple[list[RateRow], list[RateRow], dict[str, list[PriceEntry]]]:
    history = _merge_entries(tables)
    rows, ft = [], []
    for key, entries in history.items():
        rows.extend(table_rows(key, entries, rules))
        ft.extend(ft_table_rows(key, entries))
    return rows, ft, history


# ---------------------------------------------------------------- aliases

def _claim(owners: dict[str, tuple[str, str, str]], alias: str, key: str, origin: str, path: str) -> None:
    previous = owners.get(alias)
    if previous is None or previous[0] == key:
        owners[alias] = (key, origin, path)
        return
    if previous[1] == origin:
        raise ConfigError(
            f"{path}: models.{key}.aliases: alias {alias!r} is also claimed by model "
            f"{previous[0]!r} in {previous[2]} (expected each alias to name one model)")
    if LAYERS.index(origin) > LAYERS.index(previous[1]):
        owners[alias] = (key, origin, path)


def _build_aliases(models: dict[str, dict[str, Any]], curated: CuratedAliases,
                   tables: list[LoadedTable]) -> tuple[dict[str, str], dict[str, str]]:
    owners: dict[str, tuple[str, str, str]] = {}
    for key, info in models.items():
        if info.get("origin") == "genai-prices":
            owners.setdefault(normalise_alias(info["id"]) if "/" not in key else key, (key, "genai-prices", "genai-prices"))
            owners.setdefault(key, (key, "genai-prices", "genai-prices"))
    for alias in curated.aliases:
        _claim(owners, normalise_alias(alias.alias), alias.model_key, "override", curated.path)
    for loaded in sorted(tables, key=lambda t: LAYERS.index(t.origin)):
        for key, price in loaded.table.models.items():
            _claim(owners, key, key, loaded.origin, loaded.path)
            for raw in price.aliases:
                alias = normalise_alias(raw)
                if alias in models and alias != key:
                    raise ConfigError(
                        f"{loaded.path}: models.{key}.aliases: alias {alias!r} is the key of "
                        f"another model (expected an alias no model uses as its key)")
                _claim(owners, alias, key, loaded.origin, loaded.path)
    return {a: o[0] for a, o in owners.items()}, {a: o[1] for a, o in owners.items()}


# ---------------------------------------------------------------- load

def _with_request_fees(rows: list[RateRow]) -> list[RateRow]:
    """genai-prices' rows with the curated per-request fee of each search context size, on the
    models that bill one (genai-prices' own fee stays for calls that do not say their size)."""
    fees = load_request_fees()
    out = []
    for row in rows:
        fee = fees.get(row.model_key)
        if fee is not None and row.rates.get("request_rate") is not None:
            sized = {f"request_{s}_rate": Decimal(getattr(fee, s)).scaleb(-3) for s in SEARCH_CONTEXT_SIZES}
            row = replace(row, rates={**row.rates, **sized}, note=row.note or f"request fee by search context size: {fee.source_url}")
        out.append(row)
    return out


def _with_legacy_request_fees(rows: list[RateRow]) -> list[RateRow]:
    """The per-request models' rows before their legacy pricing ended (request_fees.yaml `legacy`)
    with the legacy fee as the fee of a request that names no search context size (a row that
    spans the day is cut there); a request that names one pays that size's fee as before."""
    fees = {k: f.legacy for k, f in load_request_fees().items() if f.legacy is not None}
    out = []
    for row in rows:
        legacy = fees.get(row.model_key)
        if legacy is None or row.rates.get("request_rate") is None or row.valid_from >= legacy.until:
            out.append(row)
            continue
        after = []
        if row.valid_to is None or row.valid_to > legacy.until:  # (each part its own `extra`: _mark_ends writes into it)
            after = [replace(row, valid_from=legacy.until, extra={})]
            row = replace(row, valid_to=legacy.until, extra={})
        out.append(replace(row, rates={**row.rates, "request_rate": Decimal(legacy.per_1k).scaleb(-3)},
                           note=f"legacy request fee ${legacy.per_1k} per 1,000 until {legacy.until}: {legacy.source_url}"))
        out.extend(after)
    return out


# Perplexity stopped billing citation tokens on 2025-04-18 except on sonar-deep-research, the one
# model its price list gives a citation price (genai-prices lists it; $2 per 1M). genai-prices'
# reading of a model without one charges them as output: a sonar-pro answer that cited 5,149
# tokens was billed $0.077 more than Perplexity charged (3.7x). Its Sonar models that bill per
# request (request_fees.yaml) bill citation tokens at 0 from that day; before it, as before.
CITATIONS_FREE_FROM = date(2025, 4, 18)


def _with_free_citations(rows: list[RateRow]) -> list[RateRow]:
    """The per-request Sonar models' rows from CITATIONS_FREE_FROM on with a citation rate of 0 (a
    row that spans the day is cut there)."""
    sonar = set(load_request_fees())
    out = []
    for row in rows:
        spans_after = row.valid_to is None or row.valid_to > CITATIONS_FREE_FROM
        if row.model_key not in sonar or row.rates.get("citation_rate") is not None or not spans_after:
            out.append(row)
            continue
        if row.valid_from < CITATIONS_FREE_FROM:  # (each part its own `extra`: _mark_ends writes into it)
            out.append(replace(row, valid_to=CITATIONS_FREE_FROM, extra={}))
            row = replace(row, valid_from=CITATIONS_FREE_FROM, extra={})
        out.append(replace(row, rates={**row.rates, "citation_rate": Decimal(0)},
                           note=row.note or "citation tokens not billed since 2025-04-18: "
                                            "https://docs.perplexity.ai/getting-started/pricing"))
    return out


def _with_tool_fees(rows: list[RateRow]) -> list[RateRow]:
    """Rows of the models each rule of tool_fees.yaml names, with its web-search fee (of every
    search, or of one tool's) from its day on where the row has none (a row that spans the day is
    cut there)."""
    for rule in load_tool_fees():
        rows = [part for row in rows for part in _with_tool_fee(row, rule)]
    return rows


def _with_tool_fee(row: RateRow, rule: ToolFee) -> list[RateRow]:
    """`row` with `rule`'s fee from the rule's day on: one row, or two when it spans that day."""
    name = rule.rate_name
    if not rule.applies(row.provider, row.model_key) or row.rates.get(name) is not None or (
            row.valid_to is not None and row.valid_to <= rule.valid_from):
        return [row]
    before = []
    if row.valid_from < rule.valid_from:  # (each part its own `extra`: _mark_ends writes into it)
        before = [replace(row, valid_to=rule.valid_from, extra={})]
        row = replace(row, valid_from=rule.valid_from, extra={})
    what = f"{rule.tool} searches" if rule.tool else "web searches"
    return [*before, replace(row, rates={**row.rates, name: Decimal(rule.web_search_per_1k).scaleb(-3)},
                             note=row.note or f"{what} ${rule.web_search_per_1k} per 1,000 calls: {rule.source_url}")]


# Service tiers a provider bills at its standard rates, which genai-prices lists no rows for: a
# call on such a tier was unpriced. Groq's Flex processing: "pricing matches the on-demand tier"
# (https://console.groq.com/docs/flex-processing).
STANDARD_PRICED_TIERS = {("groq", "flex"): "https://console.groq.com/docs/flex-processing"}


def _with_standard_priced_tiers(rows: list[RateRow]) -> list[RateRow]:
    """The standard rows again as each tier of STANDARD_PRICED_TIERS (their own `extra`)."""
    extra = [replace(row, service_tier=tier, extra={}, note=f"{tier}: billed at the standard rates ({source})")
             for row in rows if row.service_tier == "standard"
             for (provider, tier), source in STANDARD_PRICED_TIERS.items() if provider == row.provider]
    return rows + extra


def _with_search_billing(rows: list[RateRow]) -> list[RateRow]:
    """genai-prices' rows with the search fee moved to a fee per request that searched, on the
    models that bill searches so (Gemini 2.x grounding: per grounded prompt, not per query)."""
    billing = load_search_billing()
    out = []
    for row in rows:
        fee = row.rates.get("web_search_rate")
        rule = next((b for b in billing if b.applies(row.provider, row.model_key)), None) if fee is not None else None
        if rule is not None:
            row = replace(row, rates={**row.rates, "web_search_rate": None, "searched_request_rate": fee},
                          note=row.note or f"web search billed per request that searched: {rule.source_url}")
        out.append(row)
    return out


# fees per search or per request: not token prices, so a geography's factor leaves them alone
_FEE_RATES = frozenset({"web_search_rate", "searched_request_rate", "file_search_rate", "request_rate",
                        *(f"request_{s}_rate" for s in SEARCH_CONTEXT_SIZES)})


def _with_geo_rates(rows: list[RateRow]) -> list[RateRow]:
    """genai-prices' rows plus, for the models billed apart when inference is pinned to a
    geography (Anthropic `inference_geo: us`), each tier's rows again as tier `<tier>@<geo>` at the
    rule's factor times the token rates."""
    out = list(rows)
    for rule in load_geo_rates():
        for row in rows:
            if rule.applies(row.provider, row.model_key):
                rates = {k: (v if v is None or k in _FEE_RATES else v * rule.factor) for k, v in row.rates.items()}
                out.append(replace(row, rates=rates, service_tier=f"{row.service_tier}@{rule.inference_geo}",
                                   note=f"inference pinned to {rule.inference_geo}: {rule.factor}x; {rule.source_url}"))
    return out


# catalogs this process built, by a digest of every input (see _inputs_digest); newest last
_LOADED: dict[str, PriceCatalog] = {}
_KEEP_LOADED = 4


def load_catalog(paths: list[Path] | None = None, *, include_bundled: bool = True,
                 extra_tables: list[tuple[str, PriceTable]] | None = None) -> PriceCatalog:
    """genai-prices + curated overrides (unless excluded) + the user's tables, merged and checked.

    `paths` are price tables or directories; a YAML with a top-level `registry:` is a model
    registry file and overrides the bundled registry instead.

    A process that loads the same inputs again (the same files, byte for byte, on the same UTC
    day) gets the catalog it built before: building one takes a tenth to a fifth of a second of
    Python, and a catalog is not changed once built (its Arrow rows, cached on it by
    `register_prices`, are derived from it). Tables given as objects (`extra_tables`) are not
    memoised.
    """
    digest = None if extra_tables else _inputs_digest(list(paths or []), include_bundled)
    if digest is not None and digest in _LOADED:
        return _LOADED[digest]
    catalog = _build_catalog(list(paths or []), include_bundled, extra_tables)
    if digest is not None:
        _LOADED[digest] = catalog
        while len(_LOADED) > _KEEP_LOADED:
            del _LOADED[next(iter(_LOADED))]
    return catalog


def _inputs_digest(paths: list[Path], include_bundled: bool) -> str | None:
    """A digest of everything a catalog is built from: the user's files (names and bytes), the
    bundled price and registry data, the genai-prices version and today's UTC date (which prices
    are the latest). None when a file cannot be read: the build then reports it."""
    from mmaudit.registry.load import BUNDLED as BUNDLED_REGISTRY

    bundled = [*sorted(DATA_DIR.rglob("*.yaml")), BUNDLED_REGISTRY] if include_bundled else []
    hasher = hashlib.sha256(f"{include_bundled}\t{genai.genai_version()}\t{datetime.now(UTC).date()}".encode())
    try:
        for path in [*_yaml_files(paths), *bundled]:
            hasher.update(f"\n{path}\n".encode())
            hasher.update(Path(path).read_bytes())
    except OSError:
        return None
    return hasher.hexdigest()


def _build_catalog(paths: list[Path], include_bundled: bool,
                   extra_tables: list[tuple[str, PriceTable]] | None) -> PriceCatalog:
    from mmaudit.registry import load_registry

    user_files = _yaml_files(list(paths or []))
    # each file parsed once (a LiteLLM import is 3,000 models: parsing it is most of a run's start)
    parsed = {p: read_yaml(p) for p in user_files if p.suffix in (".yaml", ".yml")}
    registry_files = [p for p in user_files if p in parsed and is_registry_file(p, parsed[p])]
    price_files = [p for p in user_files if p not in registry_files]
    rules = load_batch_rules() if include_bundled else BatchRules([], "")
    curated = load_curated_aliases() if include_bundled else CuratedAliases([], "")
    tables: list[LoadedTable] = []
    rows: list[RateRow] = []
    ft_rows: list[RateRow] = []
    models: dict[str, dict[str, Any]] = {}
    translated: dict[str, Any] = {}
    if include_bundled:
        translated = genai.load_translated(rules.by_genai_provider())
        rows = _with_legacy_request_fees(_with_request_fees(list(translated["rows"])))
        rows = _with_tool_fees(_with_free_citations(rows))
        rows = _with_geo_rates(_with_search_billing(_with_standard_priced_tiers(rows)))
        models = {k: {**v, "origin": "genai-prices"} for k, v in translated["models"].items()}
        tables.extend(load_table(p, "override") for p in _yaml_files([BUNDLED_DIR]))
    user_tables = [load_table(p, "user", parsed.get(p)) for p in price_files]
    user_tables += [LoadedTable(name=n, path=n, origin="user", table=t) for n, t in extra_tables or []]  # validated
    if not include_bundled and not user_tables:
        raise ConfigError("no price tables: give a table file or keep the bundled ones")
    history: dict[str, list[PriceEntry]] = {}
    for origin, group in (("override", [t for t in tables if t.origin == "override"]), ("user", user_tables)):
        upper, ft, hist = _layer_rows(group, rules)
        if origin == "override":  # our tables of a model (a dated gpt-4o snapshot) bill its tools as OpenAI does
            upper = _with_tool_fees(upper)
        rows = layer(rows, upper)
        ft_rows = layer(ft_rows, ft)
        for key, entries in hist.items():
            history.setdefault(key, []).extend(entries)
            latest = entries[-1].price
            models[key] = {**models.get(key, {}), "provider": latest.provider, "origin": origin,
                           "context_window": latest.context_window or models.get(key, {}).get("context_window")}
    tables.extend(user_tables)
    registry = load_registry(registry_files, include_bundled=include_bundled, price_tables=tables)
    reg_rows = registry.rate_rows(exclude=set(models))
    rows = layer(rows, reg_rows)
    for row in reg_rows:
        models.setdefault(row.model_key, {"provider": row.provider, "origin": "registry"})
    _mark_ends(rows)
    _mark_ends(ft_rows)
    aliases, alias_origin = _build_aliases(models, curated, tables)
    for alias, key in registry.aliases().items():
        if alias not in aliases or alias_origin.get(alias) == "genai-prices":
            aliases[alias], alias_origin[alias] = key, "registry"
    for key in models:
        aliases.setdefault(key, key)
        alias_origin.setdefault(key, models[key].get("origin", "genai-prices"))
    catalog = PriceCatalog(tables=tables, rows=rows, ft_rows=ft_rows, aliases=aliases, alias_origin=alias_origin,
                           models=models, history=history, batch_rules=rules, genai=translated, registry=registry)
    _registry_aliases(catalog)
    return catalog


def _registry_aliases(catalog: PriceCatalog) -> None:
    """A registry name that stands for another id (`deepseek-r1: {model: deepseek-reasoner}`) names its key."""
    from mmaudit.pricing.resolve import Resolver
    from mmaudit.pricing.snapshot_lookups import snapshot_lookups

    resolver = Resolver(catalog)
    for entry in catalog.registry.entries:
        name = normalise_alias(entry.name)
        if entry.model.fixed_monthly_usd is not None:
            catalog.registry_keys[entry.name] = entry.name
            continue
        key, _, _ = resolver.resolve(None, entry.ref)
        catalog.registry_keys[entry.name] = key
        if entry.model.model and name not in catalog.aliases and key is not None:
            catalog.aliases[name], catalog.alias_origin[name] = key, entry.origin
    catalog.resolver = Resolver(catalog)  # sees the aliases just added
    snapshot_lookups().save()  # the next process skips genai-prices' matching for these


def _mark_ends(rows: list[RateRow], today: date | None = None) -> None:
    """is_earliest / is_latest per (model, service tier): the first window, and the window an
    undated call is priced at (`is_latest`): the one in effect today (UTC), else the last one that
    has started, else (every price starts later) the first. A price change announced ahead (genai-
    prices lists some from 2027-01-01) is not charged before its date."""
    today = today or datetime.now(UTC).date()
    slots: dict[tuple[str, str], list[RateRow]] = {}
    for row in rows:
        slots.setdefault((row.model_key, row.service_tier), []).append(row)
    for group in slots.values():
        starts = sorted({_day(r.valid_from) for r in group})
        started = [d for d in starts if d <= today]
        current = started[-1] if started else starts[0]
        for row in group:
            row.extra["is_earliest"] = _day(row.valid_from) == starts[0]
            row.extra["is_latest"] = _day(row.valid_from) == current


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value
