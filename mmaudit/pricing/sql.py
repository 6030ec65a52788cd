"""Pricing in DuckDB: rate tables, model-id resolution and the one cost formula.

Everything here is set-based: the catalog is loaded into TEMP tables once, logged model ids are
resolved with regexp rules and a join over DISTINCT models, and costs are one UPDATE ... FROM.
Money stays DECIMAL(38,12): per-token rates are computed exactly in Python (`scaleb(-6)`), and
SQL only multiplies (a DuckDB DECIMAL division can silently become DOUBLE).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from duckdb.sqltypes import VARCHAR

from mmaudit.pricing.catalog import PriceCatalog
from mmaudit.pricing.rates import COMPONENTS, MODALITY_PARTS, RATE_NAMES, SEARCH_CONTEXT_SIZES, RateRow
from mmaudit.store import fetch_dicts

MONEY = "DECIMAL(38, 12)"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

RATE_COLUMNS = (*RATE_NAMES, "batch_discount", "batch_factor", "fixed_monthly_usd")
_ROW_COLUMNS = (
    ("model_key", pa.string()), ("provider", pa.string()), ("source", pa.string()), ("table_name", pa.string()),
    ("table_path", pa.string()), ("service_tier", pa.string()), ("effective_from", pa.date32()),
    ("effective_to", pa.date32()), ("valid_from", pa.timestamp("us", tz="UTC")),
    ("valid_to", pa.timestamp("us", tz="UTC")), ("tod_from", pa.time64("us")), ("tod_to", pa.time64("us")),
    ("tod_days", pa.list_(pa.int64())),
    ("is_earliest", pa.bool_()), ("is_latest", pa.bool_()), ("lc_threshold", pa.int64()),
    ("lc2_threshold", pa.int64()), ("batch_source", pa.string()), ("note", pa.string()),
)
_MONEY_TYPE = pa.decimal128(38, 12)
_PLACES = Decimal(1).scaleb(-12)

# Normalisation stages, tried in order; the first candidate that is a key or alias wins.
STAGES = ("exact", "route", "variant", "version", "date", "dots")
_MACROS = r"""
CREATE OR REPLACE TEMP MACRO mm_is_fine_tune(m) AS
    regexp_matches(lower(trim(m)), '^ft:|[.:]ft-[0-9a-z_-]+$');
CREATE OR REPLACE TEMP MACRO mm_model_base(m) AS
    regexp_replace(regexp_replace(lower(trim(m)), '^ft:([^:]+):.*$', '\1'), '[.:]ft-[0-9a-z_-]+$', '');
CREATE OR REPLACE TEMP MACRO mm_model_route(m) AS
    regexp_replace(regexp_replace(regexp_replace(m, '^.*/', ''),
        '^(us|eu|apac|ap|global|us-gov|jp|au|ca)\.', ''),
        '^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|google|writer|qwen)\.', '');
CREATE OR REPLACE TEMP MACRO mm_model_variant(m) AS
    regexp_replace(m, ':([0-9]+|thinking|beta|nitro|floor|extended)$', '');
CREATE OR REPLACE TEMP MACRO mm_model_version(m) AS regexp_replace(m, '-v[0-9]+$', '');
CREATE OR REPLACE TEMP MACRO mm_model_date(m) AS
    regexp_replace(regexp_replace(m,
        '(-[0-9]{4}-[0-9]{2}-[0-9]{2}|-[0-9]{8}|@[0-9]{8}|-latest|-[0-9]{4}|-[0-9]{3})$', ''),
        '-v[0-9]+$', '');
CREATE OR REPLACE TEMP MACRO mm_model_dots(m) AS regexp_replace(m, '([0-9])\.([0-9])', '\1-\2', 'g');
CREATE OR REPLACE TEMP MACRO mm_model_candidates(m) AS list_value(
    mm_model_base(m),
    mm_model_route(mm_model_base(m)),
    mm_model_variant(mm_model_route(mm_model_base(m))),
    mm_model_version(mm_model_variant(mm_model_route(mm_model_base(m)))),
    mm_model_date(mm_model_version(mm_model_variant(mm_model_route(mm_model_base(m))))),
    mm_model_dots(mm_model_date(mm_model_version(mm_model_variant(mm_model_route(mm_model_base(m)))))),
    regexp_replace(mm_model_dots(mm_model_date(mm_model_version(mm_model_variant(mm_model_route(mm_model_base(m)))))),
        '^claude-([0-9]+(-[0-9]+)?)-(opus|sonnet|haiku)$', 'claude-\3-\1'));
CREATE OR REPLACE TEMP MACRO mm_resolution(p, m) AS mm_resolve_udf(coalesce(p, ''), m);
CREATE OR REPLACE TEMP MACRO mm_model_key(m) AS nullif(split_part(mm_resolve_udf('', m), chr(9), 1), '');
CREATE OR REPLACE TEMP MACRO mm_tier_name(st) AS regexp_replace(lower(trim(st)), '^service_tier_', '');
CREATE OR REPLACE TEMP MACRO mm_service_tier(st) AS CASE
    WHEN st IS NULL OR mm_tier_name(st) IN ('', 'default', 'standard', 'auto', 'on_demand', 'standard_only', 'batch',
                                            'unspecified')
    THEN 'standard' ELSE mm_tier_name(st) END;
CREATE OR REPLACE TEMP MACRO mm_price_tier(st, geo) AS mm_service_tier(st) || CASE
    WHEN geo IS NULL OR lower(trim(geo)) IN ('', 'global', 'not_available') THEN '' ELSE '@' || lower(trim(geo)) END;
"""


def check_ident(name: str) -> str:
    """Table and column names are internal identifiers; refuse anything else loudly."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _money(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    value = Decimal(value)
    exponent = value.as_tuple().exponent
    return value.quantize(_PLACES) if isinstance(exponent, int) and exponent < -12 else value


def _utc_midnight(day: Any) -> datetime:
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=UTC)
    return datetime.combine(day, time(0), tzinfo=UTC)


def _midday(row: RateRow) -> bool:
    """The one time-of-day segment that stands for the whole day (undated calls, edges)."""
    in_day = row.tod_days is None or 3 in row.tod_days  # a Wednesday
    return in_day and (row.tod_from is None or row.tod_from <= time(12) and (row.tod_to is None or time(12) < row.tod_to))


def _batch_discount(rates: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """Informational: the uniform batch factor when batch input/output are one multiple of standard."""
    inp, b_inp = rates.get("input_rate"), rates.get("b_input_rate")
    if b_inp is None or not inp:
        return None, None
    factor = b_inp / inp
    out, b_out = rates.get("output_rate"), rates.get("b_output_rate")
    if out and b_out is not None and b_out / out != factor:
        return None, None
    return _money(Decimal(1) - factor), _money(factor)


def rows_table(rows: list[RateRow]) -> pa.Table:
    """The rate rows as an Arrow table with exact DECIMAL(38,12) rates (one bulk insert)."""
    data: dict[str, list[Any]] = {name: [] for name, _ in _ROW_COLUMNS}
    data.update({c: [] for c in RATE_COLUMNS})
    for row in rows:
        discount, factor = _batch_discount(row.rates)
        midday = _midday(row)
        values = {
            "model_key": row.model_key, "provider": row.provider, "source": row.source,
            "table_name": row.table_name, "table_path": row.table_path, "service_tier": row.service_tier,
            "effective_from": row.valid_from if not isinstance(row.valid_from, datetime) else row.valid_from.date(),
            "effective_to": row.valid_to if not isinstance(row.valid_to, datetime) else row.valid_to.date(),
            "valid_from": _utc_midnight(row.valid_from), "valid_to": _utc_midnight(row.valid_to) if row.valid_to else None,
            "tod_from": row.tod_from, "tod_to": row.tod_to, "tod_days": row.tod_days,
            "is_earliest": bool(row.extra.get("is_earliest")) and midday,
            "is_latest": bool(row.extra.get("is_latest")) and midday,
            "lc_threshold": row.lc_threshold, "lc2_threshold": row.lc2_threshold,
            "batch_source": row.batch_source, "note": row.note,
            "batch_discount": discount, "batch_factor": factor, "fixed_monthly_usd": row.fixed_monthly_usd,
        }
        rates = row.rates
        for name in RATE_NAMES:
            values[name] = rates.get(name)
        for name, column in data.items():
            column.append(values[name])
    arrays = [pa.array(data[name], type=kind) for name, kind in _ROW_COLUMNS]
    arrays += [_money_array(data[name]) for name in RATE_COLUMNS]
    return pa.Table.from_arrays(arrays, schema=pa.schema([*_ROW_COLUMNS, *((c, _MONEY_TYPE) for c in RATE_COLUMNS)]))


def _money_array(values: list[Decimal | None]) -> pa.Array:
    """DECIMAL(38,12); a rate finer than 1e-12 USD per token (a derived one) is rounded to it."""
    try:
        return pa.array(values, type=_MONEY_TYPE)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_money(v) for v in values], type=_MONEY_TYPE)


_ROWS_TABLE_FORMAT = 8  # bump when rows_table's columns or types change


def _stored_rows_table(rows: list[RateRow]) -> pa.Table:
    """rows_table, kept on disk (Arrow IPC in the cache folder) keyed by a hash of the rows
    themselves: building the DECIMAL columns of ~3,000 rows costs a few tenths of a second in
    every process, reading them back a few milliseconds. Any change to any row is another key,
    so a stale table is never read; a cache that cannot be written is simply not used."""
    from mmaudit import __version__
    from mmaudit.pricing.genai import cache_dir

    key = hashlib.sha256(pickle.dumps((_ROWS_TABLE_FORMAT, __version__, rows))).hexdigest()[:32]
    path = cache_dir() / f"rates-{key}.arrow"
    try:
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        pass
    table = rows_table(rows)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(partial, path)
        _prune_rows_tables(path.parent)
    except OSError:
        pass
    return table


_KEEP_ROWS_TABLES = 32


def _prune_rows_tables(folder: Path) -> None:
    """Keep the newest few stored rows tables: every distinct set of price files is a table of
    its own, so without this the cache folder would grow with every table a user ever tried."""
    stored = sorted(folder.glob("rates-*.arrow"), key=lambda f: f.stat().st_mtime, reverse=True)
    for stale in stored[_KEEP_ROWS_TABLES:]:
        stale.unlink(missing_ok=True)


def _register_rates(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    cached = getattr(catalog, "_arrow", None)
    if cached is None:  # built once per catalog: ingest registers it on every connection
        cached = {"price_rates_all": _stored_rows_table(catalog.rows), "price_rates_ft": _stored_rows_table(catalog.ft_rows)}
        catalog._arrow = cached
    for name in ("price_rates_all", "price_rates_ft"):
        arrow = cached[name]  # noqa: F841 - read by the query below
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM arrow")
    con.execute("CREATE OR REPLACE TEMP TABLE price_rates AS SELECT * FROM price_rates_all WHERE service_tier = 'standard'")


def _register_info(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    from mmaudit.registry import register_registry

    register_registry(con, catalog)


_UDF_SERIAL = itertools.count(1)


def _register_resolver(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> str:
    from mmaudit.pricing.resolve import Resolver

    resolver = catalog.resolver or Resolver(catalog)

    def resolve(provider: str, model: str) -> str:
        key, stage, is_ft = resolver.resolve(provider or None, model)
        return f"{key or ''}\t{'' if stage is None else stage}\t{int(is_ft)}"

    # DuckDB keeps Python UDFs in the database instance, which every connection to the same file
    # in this process shares: a fixed name would clash with (or call) another connection's
    # resolver. Each registration gets a name of its own; this connection's macros call it.
    name = f"mm_resolve_udf_{next(_UDF_SERIAL)}"
    con.create_function(name, resolve, [VARCHAR, VARCHAR], VARCHAR, null_handling="special", side_effects=False)
    return name


def register_prices(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    """Create the TEMP pricing tables and macros on this connection (idempotent).

    Tables: price_rates (standard service tier: one row per model and time), price_rates_all
    (every service tier), price_rates_ft (fine-tune rates), model_aliases(alias, model_key),
    model_info, model_quality. Macros: mm_model_candidates(m), mm_is_fine_tune(m),
    mm_model_key(m) (the key a logged id resolves to, NULL if none), mm_resolution(provider, m),
    mm_service_tier(st).
    """
    con.execute(f"DROP TABLE IF EXISTS {_REGISTERED}")  # whichever catalog was there is gone
    _register_rates(con, catalog)
    aliases = pa.table({"alias": list(catalog.aliases), "model_key": list(catalog.aliases.values()),  # noqa: F841
                        "origin": [catalog.alias_origin.get(a) for a in catalog.aliases]})
    con.execute("CREATE OR REPLACE TEMP TABLE model_aliases AS SELECT * FROM aliases")
    udf = _register_resolver(con, catalog)
    for statement in _MACROS.replace("mm_resolve_udf", udf).split(";"):
        if statement.strip():
            con.execute(statement)
    _register_info(con, catalog)


Modalities = Mapping[str, tuple[str, str, str]]  # modality -> SQL for its (input, cached, output) tokens


def cost_sql(rate: str, input_tokens: str, cached: str, cache_write: str, output: str, is_batch: str,
             cache_write_1h: str = "0", reasoning: str = "0", web_searches: str = "0",
             modalities: Modalities | None = None, requests: str = "1", citation: str = "0",
             search_context: str = "NULL", file_searches: str = "0") -> str:
    """The ONE cost formula, as SQL over a `price_rates` row alias and token expressions.

    cost = (input - cached - cache_write - uncached audio/image) * input
         + uncached audio * input_audio + uncached image * input_image
         + (cached - cached audio/image) * cached_input + cached audio * cached_audio + ...
         + (cache_write - cache_write_1h) * cache_write + cache_write_1h * cache_write_1h
         + (output - reasoning - citation - output audio/image) * output + output audio * output_audio + ...
         + reasoning * reasoning + citation * citation (a model without a citation rate: output)
         + web_searches * web_search (per search; only when the call ran any, so a model without a
           web-search rate leaves calls that searched unpriced, not the others), or once per call
           that searched at searched_request where the model bills searches so (Gemini 2.x)
         + file_searches * file_search (per file-search tool call; likewise unpriced without a rate)
         + requests * request (the provider's per-request fee where it has one, else 0; `requests`
           is 1 for an answered call, 0 for a failed one; at the call's `search_context` size,
           low / medium / high, where the fee depends on it and the log says it),
    each rate at the long-context tier when input > lc_threshold (lc2 above lc2_threshold: the
    whole request, not the excess), and the batch (b_) rate for batch calls. A rate that does
    not exist is NULL, so the cost is NULL (unpriced). NULL token counts count as 0.
    `modalities` maps "audio" / "image" to its (input, cached, output) token expressions: parts
    of input, cached and output, each clamped to what is left of its whole; uncached = input -
    cached.
    """
    r = check_ident(rate)
    inp, cr, cw, out, cw1h, reas = (f"coalesce({x}, 0)" for x in
                                    (input_tokens, cached, cache_write, output, cache_write_1h, reasoning))
    cw1h = f"least({cw1h}, {cw})"
    reas = f"least({reas}, {out})"
    uncached = f"greatest({inp} - {cr} - {cw}, 0)"
    searches = f"coalesce({web_searches}, 0)"
    parts = _Parts(uncached, cr, f"({cw} - {cw1h})", cw1h, f"({out} - {reas})", reas, searches,
                   requests, search_context=search_context, searched=f"CASE WHEN {searches} > 0 THEN 1 ELSE 0 END",
                   file_searches=f"coalesce({file_searches}, 0)" if file_searches != "0" else "0")
    if citation != "0":
        parts = parts.with_citation(f"coalesce({citation}, 0)")
    for modality, counts in (modalities or {}).items():
        mi, mc, mo = (f"coalesce({x}, 0)" for x in counts)
        parts = parts.with_modality(modality, f"greatest({mi} - {mc}, 0)", mc, mo)
    return _priced(r, parts, inp, is_batch)


def cost_from_sums_sql(rate: str, prefix: str, long_input: str, is_batch: str,
                       cache_write_1h: str | None = None, reasoning: str | None = None,
                       web_searches: str | None = None, modalities: Modalities | None = None,
                       requests: str | None = None, citation: str | None = None,
                       search_context: str | None = None, searched: str | None = None,
                       file_searches: str | None = None) -> str:
    """`cost_sql` over a group of calls that share a rate row, from the group's summed tokens.

    The formula is linear in the token counts once the rate row, the batch flag and the
    long-context choice are fixed, so the sum of per-call costs equals the cost of the sums.
    Columns `{prefix}unc` (uncached input, floored at 0 per call), `{prefix}cr`, `{prefix}cw`
    and `{prefix}out` hold the sums; `long_input` is the group's input when every call of it is
    above the model's lowest long-context threshold (else NULL). `cache_write_1h`,
    `reasoning`, `web_searches`, `modalities` ("audio" / "image" -> the sums of its uncached
    input, cached and output tokens), `requests` (the group's answered calls, for a per-request
    fee), `citation`, `search_context` (the group's search context size), `searched` (the
    group's calls that ran any web search) and `file_searches` are optional expressions (of cw,
    out, -, unc, cr, out, -, out, -, -, -); omitted = 0 (NULL for the size).
    """
    r = check_ident(rate)
    unc, cr, cw, out = (f"coalesce({prefix}{p}, 0)" for p in ("unc", "cr", "cw", "out"))
    cw1h = f"least(coalesce({cache_write_1h}, 0), {cw})" if cache_write_1h else "0"
    reas = f"least(coalesce({reasoning}, 0), {out})" if reasoning else "0"
    searches = f"coalesce({web_searches}, 0)" if web_searches else "0"
    parts = _Parts(unc, cr, f"({cw} - {cw1h})", cw1h, f"({out} - {reas})", reas, searches, requests or "0",
                   search_context=search_context or "NULL", searched=f"coalesce({searched}, 0)" if searched else "0",
                   file_searches=f"coalesce({file_searches}, 0)" if file_searches else "0")
    if citation:
        parts = parts.with_citation(f"coalesce({citation}, 0)")
    for modality, sums in (modalities or {}).items():
        parts = parts.with_modality(modality, *(f"coalesce({x}, 0)" for x in sums))
    return _priced(r, parts, f"coalesce({long_input}, 0)", is_batch)


@dataclass(frozen=True)
class _Parts:
    """SQL for the token counts each rate is charged on (absent or "0": the call has none)."""

    input: str
    cached_input: str
    cache_write: str
    cache_write_1h: str
    output: str
    reasoning: str
    web_searches: str
    requests: str
    modal: tuple[tuple[str, str], ...] = ()  # (component, SQL) of the audio and image parts
    citation: str = "0"
    search_context: str = "NULL"  # the call's search context size (low, medium, high), for a fee that depends on it
    searched: str = "0"  # calls that ran any web search, for a fee per such call (searched_request_rate)
    file_searches: str = "0"  # file-search tool calls (file_search_rate each)

    def with_citation(self, citation: str) -> _Parts:
        """Move the citation tokens out of output (clamped to it) to their own part."""
        ct = f"least({citation}, {self.output})"
        return replace(self, output=f"({self.output} - {ct})", citation=ct)

    def with_modality(self, modality: str, uncached: str, cached: str, output: str) -> _Parts:
        """Move a modality's share of input, cache reads and output to its own parts; each count
        is clamped to what is left of the text part it comes out of, so no token is charged twice."""
        ui = f"least({uncached}, {self.input})"
        ci = f"least({cached}, {self.cached_input})"
        oi = f"least({output}, {self.output})"
        return replace(self, input=f"({self.input} - {ui})", cached_input=f"({self.cached_input} - {ci})",
                       output=f"({self.output} - {oi})",
                       modal=(*self.modal, (f"input_{modality}", ui), (f"cached_{modality}", ci),
                              (f"output_{modality}", oi)))

    def count(self, component: str) -> str:
        return dict(self.modal).get(component, "0") if component in MODALITY_PARTS else getattr(self, component)


def _priced(r: str, parts: _Parts, inp: str, is_batch: str) -> str:
    batch = f"coalesce({is_batch}, false)"

    def pick(part: str) -> str:
        tiers = (f"CASE WHEN {r}.lc2_threshold IS NOT NULL AND {inp} > {r}.lc2_threshold THEN {{p}}lc2_{part}_rate"
                 f" WHEN {r}.lc_threshold IS NOT NULL AND {inp} > {r}.lc_threshold THEN {{p}}lc_{part}_rate"
                 f" ELSE {{p}}{part}_rate END")
        return (f"(CASE WHEN {batch} THEN ({tiers.format(p=r + '.b_')})"
                f" ELSE ({tiers.format(p=r + '.')}) END)")

    def pick_modal(part: str) -> str:  # its own price, else the text part's (at its tier)
        text = "output" if part.startswith("output_") else "cached_input" if part.startswith("cached_") else "input"
        return f"coalesce(CASE WHEN {batch} THEN {r}.b_{part}_rate ELSE {r}.{part}_rate END, {pick(text)})"

    terms = [f"{parts.count(name)} * {pick(name)}" for name in COMPONENTS]
    terms += [f"{parts.count(name)} * {pick_modal(name)}" for name in MODALITY_PARTS if parts.count(name) != "0"]
    searches = parts.web_searches
    # a search on a model with no search fee is unpriced, unless the model bills per request
    # instead (Perplexity Sonar: "pricing includes search")
    search_rate = f"coalesce({r}.web_search_rate, CASE WHEN {r}.request_rate IS NOT NULL THEN 0 END)"
    # Gemini 2.x grounding is billed once per request that searched, however many queries it ran
    per_search = f"{searches} * {search_rate}"
    charged = (f"CASE WHEN {r}.searched_request_rate IS NOT NULL THEN {parts.searched} * {r}.searched_request_rate"
               f" ELSE {per_search} END")
    terms.append(f"CASE WHEN {searches} > 0 THEN {charged} ELSE 0 END")
    if parts.file_searches != "0":  # a model without a file-search rate leaves such calls unpriced
        terms.append(f"CASE WHEN {parts.file_searches} > 0 THEN {parts.file_searches} * {r}.file_search_rate ELSE 0 END")
    if parts.citation != "0":
        own = f"CASE WHEN {batch} THEN NULL ELSE {r}.citation_rate END"  # no batch citation price on record
        terms.append(f"{parts.citation} * coalesce({own}, {pick('output')})")
    if parts.requests != "0":
        size = f"lower({parts.search_context})"
        sized = ("CASE " + size + " " + " ".join(f"WHEN '{s}' THEN {r}.request_{s}_rate" for s in SEARCH_CONTEXT_SIZES)
                 + " END")
        fee = f"coalesce({sized}, {r}.request_rate, 0)" if parts.search_context != "NULL" else f"coalesce({r}.request_rate, 0)"
        terms.append(f"{parts.requests} * {fee}")
    return f"CAST({' + '.join(terms)} AS {MONEY})"


def rate_window_sql(rate: str, ts: str) -> str:
    """Join condition picking the one rate row that applies to a call at `ts`.

    The newest window whose valid_from <= ts (and, for off-peak priced models, whose UTC
    time-of-day segment holds ts); before every window: the earliest one; NULL ts: the newest
    one. Exactly one row matches per model and service tier, so joins never duplicate calls.
    """
    r = check_ident(rate)
    tod = f"CAST(timezone('UTC', {ts}) AS TIME)"
    in_segment = (f"({r}.tod_from IS NULL OR ({tod} >= {r}.tod_from"
                  f" AND ({r}.tod_to IS NULL OR {tod} < {r}.tod_to)))"
                  f" AND ({r}.tod_days IS NULL OR list_contains({r}.tod_days, isodow(timezone('UTC', {ts}))))")
    return (f"(({ts} IS NULL AND {r}.is_latest)"
            f" OR ({ts} < {r}.valid_from AND {r}.is_earliest)"
            f" OR ({ts} >= {r}.valid_from AND ({r}.valid_to IS NULL OR {ts} < {r}.valid_to) AND {in_segment}))")


def price_note_sql(rate: str, ts: str) -> str:
    """Why a priced call may be less certain: 'undated' or 'before_table_start', else NULL."""
    r = check_ident(rate)
    return (f"(CASE WHEN {ts} IS NULL THEN 'undated' WHEN {ts} < {r}.valid_from"
            f" THEN 'before_table_start' END)")


def effective_cost_sql(mode: str, logged: str = "logged_cost_usd", calculated: str = "cost_usd") -> str:
    """--cost-mode: auto (logged cost when present, else calculated), calculate, logged."""
    logged, calculated = check_ident(logged), check_ident(calculated)
    expressions = {"auto": f"coalesce({logged}, {calculated})", "calculate": calculated, "logged": logged}
    if mode not in expressions:
        raise ValueError(f"cost mode must be one of auto, calculate, logged (found {mode!r})")
    return expressions[mode]


def unknown_models(con: duckdb.DuckDBPyConnection, table: str = "calls") -> list[dict[str, Any]]:
    """Logged models with no price (model_key NULL): how many calls and tokens they carry."""
    t = check_ident(table)
    return fetch_dicts(con, f"""
        SELECT coalesce(model, '(none)') AS model, count(*) AS calls,
               coalesce(sum(input_tokens), 0) AS input_tokens,
               coalesce(sum(output_tokens), 0) AS output_tokens,
               min(ts) AS first_seen, max(ts) AS last_seen
        FROM {t} WHERE model_key IS NULL GROUP BY 1 ORDER BY calls DESC, model""")


def reconcile(con: duckdb.DuckDBPyConnection, tolerance: float = 0.05, table: str = "calls") -> list[dict[str, Any]]:
    """Compare logged and calculated cost per model where both exist.

    A call mismatches when |calculated - logged| > tolerance * |logged| (and > $0.000001, so
    rounding in the log does not count). The ratio is a DOUBLE: it is a rate, not money.
    """
    t = check_ident(table)
    return fetch_dicts(con, f"""
        SELECT model, model_key, count(*) AS calls,
               sum(logged_cost_usd) AS logged_usd, sum(cost_usd) AS calculated_usd,
               sum(cost_usd) - sum(logged_cost_usd) AS diff_usd,
               CASE WHEN sum(logged_cost_usd) <> 0
                    THEN CAST(sum(cost_usd) - sum(logged_cost_usd) AS DOUBLE)
                         / CAST(sum(logged_cost_usd) AS DOUBLE) END AS rel_diff,
               count(*) FILTER (WHERE abs(cost_usd - logged_cost_usd) > 0.000001
                   AND CAST(abs(cost_usd - logged_cost_usd) AS DOUBLE)
                       > ? * CAST(abs(logged_cost_usd) AS DOUBLE)) AS mismatched_calls
        FROM {t} WHERE logged_cost_usd IS NOT NULL AND cost_usd IS NOT NULL
        GROUP BY ALL ORDER BY mismatched_calls DESC, abs(diff_usd) DESC""", [tolerance])


def fixed_costs(con: duckdb.DuckDBPyConnection, table: str = "calls") -> list[dict[str, Any]]:
    """Self-hosted models: fixed_monthly_usd x the calendar months (UTC) in which they had calls.

    Their per-call cost_usd is 0 (the marginal cost); this is the separate fixed cost line.
    """
    t = check_ident(table)
    return fetch_dicts(con, f"""
        SELECT c.model_key, count(*) AS calls,
               count(DISTINCT date_trunc('month', timezone('UTC', c.ts))) AS months,
               i.fixed_monthly_usd,
               CAST(i.fixed_monthly_usd * count(DISTINCT date_trunc('month', timezone('UTC', c.ts)))
                    AS {MONEY}) AS fixed_usd
        FROM {t} c JOIN model_info i ON i.model_key = c.model_key
        WHERE i.fixed_monthly_usd IS NOT NULL
        GROUP BY c.model_key, i.fixed_monthly_usd ORDER BY c.model_key""")


_REGISTERED = "_mm_prices_registered_by"
