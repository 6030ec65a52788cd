"""Prices on a DuckDB connection: the rate tables, the model aliases and the id-resolution macros.

Everything is set-based: the catalog is loaded into TEMP tables once per connection (its Arrow
form kept on disk between processes), and logged model ids are resolved by macros over DISTINCT
models, so pricing a chunk is one join (`apply.py`) over the formula in `sql.py`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from duckdb.sqltypes import VARCHAR

from mmaudit.pricing.catalog import PriceCatalog
from mmaudit.pricing.rates import RATE_NAMES, RateRow

# The TEMP table whose token says which catalog this connection's price tables hold (`apply.py`).
REGISTERED_BY = "_mm_prices_registered_by"

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
    regexp_replace(m, '(:([0-9]+|thinking|beta|nitro|floor|extended)|@default)$', '');
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
CREATE OR REPLACE TEMP MACRO mm_resolution(p, m, g := NULL) AS mm_resolve_udf(coalesce(p, ''), m, coalesce(g, ''));
CREATE OR REPLACE TEMP MACRO mm_model_key(m) AS nullif(split_part(mm_resolve_udf('', m, ''), chr(9), 1), '');
CREATE OR REPLACE TEMP MACRO mm_tier_name(st) AS regexp_replace(lower(trim(st)), '^service_tier_', '');
CREATE OR REPLACE TEMP MACRO mm_service_tier(st) AS CASE
    WHEN st IS NULL OR mm_tier_name(st) IN ('', 'default', 'standard', 'auto', 'on_demand', 'standard_only', 'batch',
                                            'unspecified')
    THEN 'standard' ELSE mm_tier_name(st) END;
CREATE OR REPLACE TEMP MACRO mm_price_tier(st, geo) AS mm_service_tier(st) || CASE
    WHEN geo IS NULL OR lower(trim(geo)) IN ('', 'global', 'not_available') THEN '' ELSE '@' || lower(trim(geo)) END;
"""


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


_ROWS_TABLE_FORMAT = 9  # bump when rows_table's columns or types change


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
    cached = catalog._arrow
    if cached is None:  # built once per catalog: ingest registers it on every connection
        cached = {"price_rates_all": _stored_rows_table(catalog.rows), "price_rates_ft": _stored_rows_table(catalog.ft_rows)}
        catalog._arrow = cached
    for name in ("price_rates_all", "price_rates_ft"):
        arrow = cached[name]  # noqa: F841 - read by the query below
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM arrow")
    # a view, not a copy: copying the 79 columns of ~3,000 rows cost ~14 ms on every connection
    con.execute("CREATE OR REPLACE TEMP VIEW price_rates AS SELECT * FROM price_rates_all WHERE service_tier = 'standard'")


def _register_info(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    from mmaudit.registry import register_registry

    register_registry(con, catalog)


_UDF_SERIAL = itertools.count(1)


def _register_resolver(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> str:
    from mmaudit.pricing.resolve import Resolver

    resolver = catalog.resolver or Resolver(catalog)

    def resolve(provider: str, model: str, gateway: str) -> str:
        key, stage, is_ft = resolver.resolve(provider or None, model, gateway or None)
        return f"{key or ''}\t{'' if stage is None else stage}\t{int(is_ft)}"

    # DuckDB keeps Python UDFs in the database instance, which every connection to the same file
    # in this process shares: a fixed name would clash with (or call) another connection's
    # resolver. Each registration gets a name of its own; this connection's macros call it.
    name = f"mm_resolve_udf_{next(_UDF_SERIAL)}"
    con.create_function(name, resolve, [VARCHAR, VARCHAR, VARCHAR], VARCHAR, null_handling="special", side_effects=False)
    return name


def register_prices(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    """Create the TEMP pricing tables and macros on this connection (idempotent).

    Tables: price_rates (a view: the standard service tier, one row per model and time), price_rates_all
    (every service tier), price_rates_ft (fine-tune rates), model_aliases(alias, model_key),
    model_info, model_quality. Macros: mm_model_candidates(m), mm_is_fine_tune(m),
    mm_model_key(m) (the key a logged id resolves to, NULL if none), mm_resolution(provider, m, gateway := NULL),
    mm_service_tier(st).
    """
    con.execute(f"DROP TABLE IF EXISTS {REGISTERED_BY}")  # whichever catalog was there is gone
    _register_rates(con, catalog)
    aliases = pa.table({"alias": list(catalog.aliases), "model_key": list(catalog.aliases.values()),  # noqa: F841
                        "origin": [catalog.alias_origin.get(a) for a in catalog.aliases]})
    con.execute("CREATE OR REPLACE TEMP TABLE model_aliases AS SELECT * FROM aliases")
    udf = _register_resolver(con, catalog)
    for statement in _MACROS.replace("mm_resolve_udf", udf).split(";"):
        if statement.strip():
            con.execute(statement)
    _register_info(con, catalog)
