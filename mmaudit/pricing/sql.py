"""Pricing in DuckDB: rate tables, model-id resolution and the one cost formula.

Everything here is set-based: the catalog is loaded into TEMP tables once, logged model ids are
resolved with regexp rules and a join over DISTINCT models, and costs are one UPDATE ... FROM.
Money stays DECIMAL(38,12): per-token rates are computed exactly in Python (`scaleb(-6)`), and
SQL only multiplies (a DuckDB DECIMAL division can silently become DOUBLE).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from mmaudit.pricing.catalog import PriceCatalog, PriceEntry
from mmaudit.store import fetch_dicts

MONEY = "DECIMAL(38, 12)"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

RATE_COLUMNS = (
    "input_rate", "output_rate", "cached_input_rate", "cache_write_rate", "batch_discount",
    "batch_factor", "lc_input_rate", "lc_output_rate", "lc_cached_input_rate",
    "lc_cache_write_rate", "fixed_monthly_usd",
)
_RATES_DDL = f"""
    model_key VARCHAR NOT NULL, provider VARCHAR, table_name VARCHAR, table_path VARCHAR,
    effective_from DATE NOT NULL, effective_to DATE,
    valid_from TIMESTAMPTZ NOT NULL, valid_to TIMESTAMPTZ,
    is_earliest BOOLEAN NOT NULL, is_latest BOOLEAN NOT NULL,
    lc_threshold BIGINT,
    {", ".join(f"{c} {MONEY}" for c in RATE_COLUMNS)}
"""

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
    mm_model_dots(mm_model_date(mm_model_version(mm_model_variant(mm_model_route(mm_model_base(m)))))));
CREATE OR REPLACE TEMP MACRO mm_model_key(m) AS (
    SELECT arg_min(a.model_key, s.stage)
    FROM (SELECT unnest(mm_model_candidates(m)) AS cand, unnest(range(6)) AS stage) s
    JOIN model_aliases a ON a.alias = s.cand);
"""


def check_ident(name: str) -> str:
    """Table and column names are internal identifiers; refuse anything else loudly."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def per_token(per_million: Decimal | None) -> Decimal | None:
    """USD per 1M tokens -> USD per token, exactly (a decimal shift, no rounding)."""
    return None if per_million is None else Decimal(per_million).scaleb(-6)


def _utc_midnight(day: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _base_rates(entry: PriceEntry) -> dict[str, Any]:
    p = entry.price
    lc = p.long_context
    zero = Decimal(0)
    fixed = p.fixed_monthly_usd is not None
    inp = zero if fixed else p.input
    rates = {
        "input_rate": inp, "output_rate": zero if fixed else p.output,
        "cached_input_rate": p.cached_input if p.cached_input is not None else inp,
        "cache_write_rate": p.cache_write if p.cache_write is not None else inp,
        "lc_threshold": lc.threshold if lc else None,
        "lc_input_rate": lc.input if lc else None, "lc_output_rate": lc.output if lc else None,
        "lc_cached_input_rate": (lc.cached_input if lc.cached_input is not None else lc.input) if lc else None,
        "lc_cache_write_rate": (lc.cache_write if lc.cache_write is not None else lc.input) if lc else None,
    }
    return {k: (v if k == "lc_threshold" else per_token(v)) for k, v in rates.items()}


def _ft_rates(entry: PriceEntry) -> dict[str, Any] | None:
    ft = entry.price.fine_tuned
    if ft is None:
        return None
    cached = ft.cached_input if ft.cached_input is not None else ft.input
    rates = {"input_rate": ft.input, "output_rate": ft.output, "cached_input_rate": cached,
             "cache_write_rate": ft.input}
    out: dict[str, Any] = {k: per_token(v) for k, v in rates.items()}
    out.update({"lc_threshold": None, "lc_input_rate": None, "lc_output_rate": None,
                "lc_cached_input_rate": None, "lc_cache_write_rate": None})
    return out


def _window_rows(entries: list[PriceEntry], rates_of) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """One row per table listing the model, valid until the next such table."""
    priced = [(e, rates_of(e)) for e in entries]
    priced = [(e, r) for e, r in priced if r is not None]
    rows = []
    for i, (entry, rates) in enumerate(priced):
        nxt = priced[i + 1][0].effective_from if i + 1 < len(priced) else None
        discount = entry.price.batch_discount
        rows.append({
            "model_key": entry.key, "provider": entry.price.provider,
            "table_name": entry.table.name, "table_path": entry.table.path,
            "effective_from": entry.effective_from, "effective_to": nxt,
            "valid_from": _utc_midnight(entry.effective_from),
            "valid_to": _utc_midnight(nxt) if nxt else None,
            "is_earliest": i == 0, "is_latest": i == len(priced) - 1,
            "batch_discount": discount,
            "batch_factor": Decimal(1) - discount if discount is not None else Decimal(1),
            "fixed_monthly_usd": entry.price.fixed_monthly_usd,
            **rates,
        })
    return rows


def rate_rows(catalog: PriceCatalog, fine_tuned: bool = False) -> list[dict[str, Any]]:
    """Rows of `price_rates` (or `price_rates_ft`) for the whole catalog."""
    rates_of = _ft_rates if fine_tuned else _base_rates
    rows: list[dict[str, Any]] = []
    for key in catalog.model_keys():
        rows.extend(_window_rows(catalog.history[key], rates_of))
    return rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if not rows:
        return
    marks = ", ".join("?" for _ in columns)
    con.executemany(
        f"INSERT INTO {check_ident(table)} ({', '.join(columns)}) VALUES ({marks})",
        [[row[c] for c in columns] for row in rows],
    )


def _register_rates(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    columns = ["model_key", "provider", "table_name", "table_path", "effective_from",
               "effective_to", "valid_from", "valid_to", "is_earliest", "is_latest",
               "lc_threshold", *RATE_COLUMNS]
    for name, ft in (("price_rates", False), ("price_rates_ft", True)):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({_RATES_DDL})")
        _insert(con, name, rate_rows(catalog, fine_tuned=ft), columns)


def _register_info(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE model_info (model_key VARCHAR PRIMARY KEY, provider VARCHAR,"
        " mode VARCHAR, tokenizer VARCHAR, token_ratio DOUBLE, ttft_ms DOUBLE,"
        " output_tokens_per_s DOUBLE, context_window BIGINT, data_classes VARCHAR[],"
        f" fixed_monthly_usd {MONEY}, has_fine_tune BOOLEAN)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE model_quality (model_key VARCHAR, task VARCHAR, score DOUBLE)")
    info_rows, quality_rows = [], []
    for key in catalog.model_keys():
        latency = catalog.info(key, "latency")
        info_rows.append([
            key, catalog.latest(key).price.provider, catalog.info(key, "mode"),
            catalog.info(key, "tokenizer"), catalog.info(key, "token_ratio"),
            latency.ttft_ms if latency else None, latency.output_tokens_per_s if latency else None,
            catalog.info(key, "context_window"), list(catalog.info(key, "data_classes") or []),
            catalog.latest(key).price.fixed_monthly_usd,
            any(e.price.fine_tuned for e in catalog.history[key]),
        ])
        quality = catalog.info(key, "quality") or {}
        quality_rows.extend([key, task, score] for task, score in quality.items())
    con.executemany("INSERT INTO model_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", info_rows)
    if quality_rows:
        con.executemany("INSERT INTO model_quality VALUES (?, ?, ?)", quality_rows)


def register_prices(con: duckdb.DuckDBPyConnection, catalog: PriceCatalog) -> None:
    """Create the TEMP pricing tables and macros on this connection (idempotent).

    Tables: price_rates, price_rates_ft (fine-tune rates), model_aliases(alias, model_key),
    model_info, model_quality. Macros: mm_model_candidates(m), mm_is_fine_tune(m),
    mm_model_key(m) (the base model key a logged id resolves to, NULL if none).
    """
    con.execute(f"DROP TABLE IF EXISTS {_REGISTERED}")  # whichever catalog was there is gone
    _register_rates(con, catalog)
    _register_info(con, catalog)
    con.execute("CREATE OR REPLACE TEMP TABLE model_aliases (alias VARCHAR PRIMARY KEY, model_key VARCHAR NOT NULL)")
    con.executemany("INSERT INTO model_aliases VALUES (?, ?)", sorted(catalog.aliases.items()))
    for statement in _MACROS.split(";"):
        if statement.strip():
            con.execute(statement)


def cost_sql(rate: str, input_tokens: str, cached: str, cache_write: str, output: str, is_batch: str) -> str:
    """The ONE cost formula, as SQL over a `price_rates` row alias and token expressions.

    cost = (input - cached - cache_write) * input_rate + cached * cached_input_rate
         + cache_write * cache_write_rate + output * output_rate,
    all at the long-context rates when input > lc_threshold (the whole request, not the excess),
    times batch_factor (1 - batch_discount) for batch calls. NULL token counts count as 0.
    """
    r = check_ident(rate)
    inp, cr, cw, out = (f"coalesce({x}, 0)" for x in (input_tokens, cached, cache_write, output))
    long = f"({r}.lc_threshold IS NOT NULL AND {inp} > {r}.lc_threshold)"
    return _priced(r, f"greatest({inp} - {cr} - {cw}, 0)", cr, cw, out, long, is_batch)


def cost_from_sums_sql(rate: str, prefix: str, long_input: str, is_batch: str) -> str:
    """`cost_sql` over a group of calls that share a rate row, from the group's summed tokens.

    The formula is linear in the token counts once the rate row, the batch flag and the
    long-context choice are fixed, so the sum of per-call costs equals the cost of the sums.
    Columns `{prefix}unc` (uncached input, floored at 0 per call), `{prefix}cr`, `{prefix}cw`
    and `{prefix}out` hold the sums; `long_input` is the group's input when every call of it is
    above the model's lowest long-context threshold (else NULL).
    """
    r = check_ident(rate)
    unc, cr, cw, out = (f"coalesce({prefix}{p}, 0)" for p in ("unc", "cr", "cw", "out"))
    long = f"({r}.lc_threshold IS NOT NULL AND coalesce({long_input} > {r}.lc_threshold, false))"
    return _priced(r, unc, cr, cw, out, long, is_batch)


def _priced(r: str, uncached: str, cr: str, cw: str, out: str, long: str, is_batch: str) -> str:
    def pick(part: str) -> str:
        return f"(CASE WHEN {long} THEN {r}.lc_{part}_rate ELSE {r}.{part}_rate END)"

    total = (f"{uncached} * {pick('input')} + {cr} * {pick('cached_input')}"
             f" + {cw} * {pick('cache_write')} + {out} * {pick('output')}")
    factor = f"(CASE WHEN coalesce({is_batch}, false) THEN {r}.batch_factor ELSE 1 END)"
    return f"CAST(CAST({total} AS {MONEY}) * {factor} AS {MONEY})"


def rate_window_sql(rate: str, ts: str) -> str:
    """Join condition picking the one rate row that applies to a call at `ts`.

    The newest table whose effective_from <= ts; before every table: the earliest one; NULL ts:
    the newest one. Exactly one row matches per model, so joins never duplicate calls.
    """
    r = check_ident(rate)
    return (f"(({ts} IS NULL AND {r}.is_latest)"
            f" OR ({ts} < {r}.valid_from AND {r}.is_earliest)"
            f" OR ({ts} >= {r}.valid_from AND ({r}.valid_to IS NULL OR {ts} < {r}.valid_to)))")


def price_note_sql(rate: str, ts: str) -> str:
    """Why a priced call may be less certain: 'undated' or 'before_table_start', else NULL."""
    r = check_ident(rate)
    return (f"(CASE WHEN {ts} IS NULL THEN 'undated' WHEN {ts} < {r}.valid_from"
            f" THEN 'before_table_start' END)")


def resolve_models(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Resolve every DISTINCT `model` of `table` into TEMP table model_resolution."""
    t = check_ident(table)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE model_resolution AS
        WITH m AS (SELECT DISTINCT model FROM {t} WHERE model IS NOT NULL),
        c AS (SELECT model, unnest(mm_model_candidates(model)) AS cand,
                     unnest(range({len(STAGES)})) AS stage FROM m)
        SELECT c.model, arg_min(a.model_key, c.stage) AS model_key, min(c.stage) AS stage,
               mm_is_fine_tune(c.model) AS is_ft
        FROM c JOIN model_aliases a ON a.alias = c.cand
        GROUP BY c.model""")


def priced_calls_sql(table: str) -> str:
    """SELECT of rowid, model_key, the rate row used, the cost and a note, for each call.

    Calls whose model does not resolve (or is a fine-tune without fine-tune rates) get NULLs.
    Needs register_prices() and resolve_models(table) first.
    """
    t = check_ident(table)
    rates = ("(SELECT *, false AS is_ft FROM price_rates"
             " UNION ALL BY NAME SELECT *, true AS is_ft FROM price_rates_ft)")
    cost = cost_sql("r", "c.input_tokens", "c.cached_input_tokens", "c.cache_write_tokens",
                    "c.output_tokens", "c.is_batch")
    return f"""
        SELECT c.rowid AS rid, r.model_key AS model_key, r.table_name AS price_table,
               {price_note_sql('r', 'c.ts')} AS price_note, {cost} AS cost
        FROM {t} c
        LEFT JOIN model_resolution res ON res.model = c.model
        LEFT JOIN {rates} r ON r.model_key = res.model_key AND r.is_ft = res.is_ft
             AND {rate_window_sql('r', 'c.ts')}"""


def apply_prices(con: duckdb.DuckDBPyConnection, table: str, catalog: PriceCatalog) -> dict[str, int]:
    """Set model_key and cost_usd on every row of `table` (set-based; unknown -> both NULL).

    Returns counts: rows, priced, unknown. Does not open a transaction, so an ingest can wrap it.
    """
    t = check_ident(table)
    register_prices(con, catalog)
    _price_table(con, t)
    rows, priced = con.execute(f"SELECT count(*), count(model_key) FROM {t}").fetchall()[0]
    return {"rows": rows, "priced": priced, "unknown": rows - priced}


def price_notes(con: duckdb.DuckDBPyConnection, table: str = "calls") -> dict[str, int]:
    """Counts of priced calls that deserve a warning: undated, before_table_start."""
    resolve_models(con, table)
    rows = con.execute(
        f"SELECT price_note, count(*) FROM ({priced_calls_sql(table)}) WHERE price_note IS NOT NULL"
        " AND model_key IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    return {note: n for note, n in rows}


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


def _price_table(con: duckdb.DuckDBPyConnection, t: str) -> None:
    """Set model_key and cost_usd on every row of `t` from the registered catalog."""
    resolve_models(con, t)
    con.execute(f"""
        UPDATE {t} SET model_key = p.model_key, cost_usd = p.cost
        FROM ({priced_calls_sql(t)}) p WHERE {t}.rowid = p.rid""")


def pricing_enricher(catalog: PriceCatalog):  # type: ignore[no-untyped-def]
    """An ingest enricher `fn(con, table)` pricing each staged chunk with one loaded catalog.

    Ingest calls it once per chunk: the catalog's tables are registered on the connection the
    first time only (a marker table names the enricher; any other registration drops it).
    """
    token = uuid.uuid4().hex

    def enrich(con: duckdb.DuckDBPyConnection, table: str) -> None:
        if not _registered_by(con, token):
            register_prices(con, catalog)
            con.execute(f"CREATE TEMP TABLE {_REGISTERED} AS SELECT ? AS token", [token])
        _price_table(con, check_ident(table))

    return enrich


_REGISTERED = "_mm_prices_registered_by"


def _registered_by(con: duckdb.DuckDBPyConnection, token: str) -> bool:
    """Whether the catalog tables on `con` are the ones the enricher with `token` registered."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [_REGISTERED]).fetchall()[0][0]
    return bool(found) and con.execute(f"SELECT any_value(token) = ? FROM {_REGISTERED}", [token]).fetchall()[0][0]
