"""Pricing a table of calls: resolve its distinct (provider, model, gateway) keys, then one UPDATE.

Set-based: resolution runs once per DISTINCT key (inside DuckDB, through the mm_resolution
macro); the rate row is chosen by a join (`rate_window_sql`) and the cost by `cost_sql`.
"""

from __future__ import annotations

import uuid
from typing import Any

import duckdb

from mmaudit.pricing.catalog import PriceCatalog
from mmaudit.pricing.register import REGISTERED_BY, register_prices
from mmaudit.pricing.rules import PROVIDER_IDS
from mmaudit.pricing.sql import check_ident, cost_sql, price_note_sql, rate_window_sql
from mmaudit.schema import MODALITY_COLUMNS, OTHER_MODEL_STEPS, carried_sql
from mmaudit.store import fetch_dicts


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    cur = con.execute(f"SELECT * FROM {check_ident(table)} LIMIT 0")
    names = {d[0] for d in cur.description}
    cur.fetchall()
    return names


def _gateway_sql(alias: str, columns: set[str]) -> str:
    """The gateway a call went through (`tags['gateway']`: OpenRouter), part of the resolution key."""
    return f"{alias}tags['gateway']" if "tags" in columns else "NULL::VARCHAR"


def resolve_models(con: duckdb.DuckDBPyConnection, table: str, provider_column: str | None = "provider",
                   model_column: str = "model", other_models: bool = False) -> None:
    """Resolve every DISTINCT (provider, model, gateway) of `table` into TEMP table model_resolution.

    Columns: provider, model, gateway, model_key, stage (0 exact .. 5 dots), is_ft. The resolver
    (resolve.py: aliases, then genai-prices' match rules with our provider inference; a gateway's
    own listing last) runs once per distinct key, inside DuckDB, through the mm_resolution macro.
    Join on all three (`resolve` returns the condition). With `other_models`, the models
    of the calls' steps on other models (`tags['advisor_model']`, `tags['fallback_from_model']`)
    are resolved too.
    """
    t = check_ident(table)
    m = check_ident(model_column)
    cols = _columns(con, t)
    p = check_ident(provider_column) if provider_column and provider_column in cols else "NULL::VARCHAR"
    g = _gateway_sql("", cols)
    consulted = "".join(f" UNION SELECT DISTINCT {p}, tags['{x}_model'], {g} FROM {t} WHERE tags['{x}_model'] IS NOT NULL"
                        for x in OTHER_MODEL_STEPS) if other_models else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE model_resolution AS
        WITH d AS (SELECT DISTINCT {p} AS provider, {m} AS model, {g} AS gateway FROM {t} WHERE {m} IS NOT NULL{consulted}),
        r AS (SELECT provider, model, gateway, mm_resolution(provider, model, gateway) AS res FROM d)
        SELECT provider, model, gateway, nullif(split_part(res, chr(9), 1), '') AS model_key,
               TRY_CAST(nullif(split_part(res, chr(9), 2), '') AS INTEGER) AS stage,
               split_part(res, chr(9), 3) = '1' AS is_ft
        FROM r""")


def resolve(con: duckdb.DuckDBPyConnection, table: str, provider_column: str | None = "provider",
            model_column: str = "model") -> str:
    """The one resolver for every caller: fills model_resolution and returns its join condition.

    Usage: `resolve(con, 'calls')` then
    `LEFT JOIN model_resolution res ON <returned condition with alias c for the table>`.
    """
    resolve_models(con, table, provider_column, model_column)
    cols = _columns(con, table)
    p = provider_column if provider_column and provider_column in cols else None
    cond = f"res.model = c.{check_ident(model_column)} AND res.gateway IS NOT DISTINCT FROM {_gateway_sql('c.', cols)}"
    return cond + (f" AND res.provider IS NOT DISTINCT FROM c.{check_ident(p)}" if p else " AND res.provider IS NULL")


def priced_calls_sql(table: str, columns: set[str] | None = None) -> str:
    """SELECT of rowid, model_key, the rate row used, the cost and a note, for each call.

    Calls whose model does not resolve (or is a fine-tune without fine-tune rates) get NULLs;
    a resolved model without a rate for the call's service tier, batch or date gets its
    model_key and a NULL cost (unpriced, listed by `unpriced_calls`).
    When `columns` has `other_models_cost_usd`, the cost includes what the call's steps on other
    models were billed (`other_models_cost`, see `_other_models_sql`).
    Needs register_prices() and resolve_models(table, other_models=...) first.
    """
    t = check_ident(table)
    cols = columns if columns is not None else set(RESOLVE_COLUMNS)
    col = {c: (f"c.{c}" if c in cols else "NULL") for c in RESOLVE_COLUMNS}
    rates = ("(SELECT *, false AS is_ft FROM price_rates_all"
             " UNION ALL BY NAME SELECT *, true AS is_ft FROM price_rates_ft)")
    batch = f"(coalesce({col['is_batch']}, false) OR lower(coalesce({col['service_tier']}, '')) = 'batch')"
    cost = cost_sql("r", "c.input_tokens", "c.cached_input_tokens", "c.cache_write_tokens",
                    "c.output_tokens", batch, col["cache_write_1h_tokens"], col["reasoning_tokens"],
                    col["web_searches"], {m: tuple(col[c] for c in cs) for m, cs in MODALITY_COLUMNS.items() if cs[0] in cols},
                    # a per-request fee is billed for an answered request, not a failed one
                    f"CASE WHEN coalesce({col['status']}, 'ok') = 'ok' THEN 1 ELSE 0 END",
                    col["citation_tokens"] if "citation_tokens" in cols else "0",
                    "c.tags['search_context_size']" if "tags" in cols else "NULL",
                    col["file_searches"] if "file_searches" in cols else "0",
                    "c.tags['web_search_tool']" if "tags" in cols else "NULL")
    gateway = _gateway_sql("c.", cols)
    join = f"res.model = c.model AND res.provider IS NOT DISTINCT FROM {col['provider']} AND res.gateway IS NOT DISTINCT FROM {gateway}"
    # the rates' tier: the service tier, and the geography inference was pinned to (`standard@us`)
    tier = f"mm_price_tier({col['service_tier']}, {'c.tags' if 'tags' in cols else '(NULL::MAP(VARCHAR, VARCHAR))'}['inference_geo'])"
    others, other_joins = (_other_models_sql(col["provider"], gateway, tier, batch, rates) if "other_models_cost_usd" in cols and "tags" in cols
                            else ("0", ""))
    # an answered call whose log gave no token counts at all (a stream logged without its usage)
    # cost something unknown: NULL, never the $0 its missing counts would price to
    uncounted = f"(c.input_tokens IS NULL AND c.output_tokens IS NULL AND coalesce({col['status']}, 'ok') = 'ok')"
    tool = "c.tags['web_search_tool']" if "tags" in cols else "NULL"
    # The cost formula (tens of KB of SQL with every modality) is written once, in the inner SELECT,
    # with the facts the reason reads: pasted into each WHEN of the reason, it was bound five times
    # (planning took ~0.5 s with every part, ~0.3 s without the pastes).
    priced = f"""
        SELECT c.rowid AS rid, coalesce(r.model_key, CASE WHEN NOT res.is_ft THEN res.model_key END) AS model_key,
               r.table_name AS price_table, {price_note_sql('r', 'c.ts')} AS price_note,
               CASE WHEN {uncounted} THEN NULL ELSE {cost} END AS _cost, {others} AS other_models_cost,
               res.model_key IS NULL AS _unknown_model, r.model_key IS NULL AND res.is_ft AS _no_ft_rates,
               r.model_key IS NULL AS _no_rate, {tier} AS _tier, {uncounted} AS _uncounted,
               coalesce({col['web_searches']}, 0) > 0 AND r.web_search_rate IS NULL
                    AND ({tool} IS DISTINCT FROM 'web_search_preview' OR r.web_search_preview_rate IS NULL) AS _no_search_rate,
               coalesce({col['file_searches']}, 0) > 0 AND r.file_search_rate IS NULL AS _no_file_search_rate,
               {batch} AS _batch
        FROM {t} c
        LEFT JOIN model_resolution res ON {join}
        LEFT JOIN {rates} r ON r.model_key = res.model_key AND r.is_ft = res.is_ft
             AND (res.is_ft OR r.service_tier = {tier})
             AND {rate_window_sql('r', 'c.ts')}
        {other_joins}"""
    return f"""
        SELECT rid, model_key, price_table, price_note, _cost + coalesce(other_models_cost, 0) AS cost, other_models_cost,
               CASE WHEN _unknown_model THEN 'unknown model'
                    WHEN _no_ft_rates THEN 'no fine-tune rates'
                    WHEN _no_rate THEN 'no rate for service tier ' || _tier
                    WHEN _uncounted THEN 'no token counts logged (a stream logged without its usage)'
                    WHEN _cost IS NULL AND _no_search_rate THEN 'no web-search rate (the call ran server-side web searches)'
                    WHEN _cost IS NULL AND _no_file_search_rate THEN 'no file-search rate (the call ran file searches)'
                    WHEN _cost IS NULL AND _batch THEN 'no batch rate (provider has no batch discount on record)'
                    WHEN _cost IS NULL THEN 'rate missing' END AS unpriced_reason
        FROM ({priced})"""


def _other_models_sql(provider: str, gateway: str, tier: str, batch: str, rates: str) -> tuple[str, str]:
    """(The cost of the call's steps on other models, the joins it needs.) Anthropic's advisor tool
    (the executor consults another model), server-side fallback (a model refused before the API
    fell back to the one that answered) and OpenAI's image generation tool: each such step's tokens (`tags`, under its prefix,
    formats/anthropic_messages.OTHER_STEPS) are billed at that model's rates, on the call's tier and
    date. 0 for a call without one; NULL when a step's model or rate is unknown (the call's cost
    then leaves it out, and `advisor_not_priced` counts it)."""
    costs, joins = [], []
    for prefix in OTHER_MODEL_STEPS:
        def tag(name: str, prefix: str = prefix) -> str:
            return f"TRY_CAST(c.tags['{prefix}_{name}'] AS BIGINT)"
        res, rate = f"{prefix}_res", f"{prefix}_rate"
        # (an image tool's step has image tokens in and out, at the image model's image rates)
        cost = cost_sql(rate, tag("input_tokens"), tag("cached_input_tokens"), tag("cache_write_tokens"),
                        tag("output_tokens"), batch, tag("cache_write_1h_tokens"), requests="0",
                        modalities={"image": (tag("input_image_tokens"), "0", tag("output_image_tokens"))})
        # (a step the log names with no counts, OpenRouter's advisor or an image tool whose answer
        # does not count its tokens, has a cost no one knows: NULL, even when its model has a price)
        costs.append(f"CASE WHEN c.tags['{prefix}_model'] IS NULL THEN 0 WHEN c.tags['{prefix}_input_tokens'] IS NULL "
                     f"AND c.tags['{prefix}_output_tokens'] IS NULL THEN NULL ELSE {cost} END")
        joins.append(f"""
        LEFT JOIN model_resolution {res} ON {res}.model = c.tags['{prefix}_model']
             AND {res}.provider IS NOT DISTINCT FROM {provider} AND {res}.gateway IS NOT DISTINCT FROM {gateway}
        LEFT JOIN {rates} {rate} ON {rate}.model_key = {res}.model_key AND NOT {rate}.is_ft AND NOT {res}.is_ft
             AND {rate}.service_tier = {tier} AND {rate_window_sql(rate, 'c.ts')}""")
    return "(" + " + ".join(costs) + ")", "".join(joins)


RESOLVE_COLUMNS = ("provider", "status", "tags", "is_batch", "service_tier", "cache_write_1h_tokens", "reasoning_tokens", "web_searches", "file_searches", "citation_tokens",
                   *(c for cs in MODALITY_COLUMNS.values() for c in cs))


def apply_prices(con: duckdb.DuckDBPyConnection, table: str, catalog: PriceCatalog) -> dict[str, int]:
    """Set model_key and cost_usd on every row of `table` (set-based; unknown -> both NULL).

    Returns counts: rows, priced, unknown (no model), unpriced (model known, no rate). Does not
    open a transaction, so an ingest can wrap it.
    """
    t = check_ident(table)
    register_prices(con, catalog)
    _price_table(con, t, repricing=True)
    rows, keyed, priced = con.execute(
        f"SELECT count(*), count(model_key), count(cost_usd) FROM {t}").fetchall()[0]
    return {"rows": rows, "priced": priced, "unknown": rows - keyed, "unpriced": keyed - priced}


def price_notes(con: duckdb.DuckDBPyConnection, table: str = "calls") -> dict[str, int]:
    """Counts of priced calls that deserve a warning: undated, before_table_start."""
    cols = _columns(con, table)
    resolve_models(con, table, other_models="other_models_cost_usd" in cols)
    rows = con.execute(
        f"SELECT price_note, count(*) FROM ({priced_calls_sql(table, cols)}) WHERE price_note IS NOT NULL"
        " AND cost IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    return {note: n for note, n in rows}


def unpriced_calls(con: duckdb.DuckDBPyConnection, table: str = "calls") -> list[dict[str, Any]]:
    """Calls with a known model but no price (model_key set, cost_usd NULL), by model and reason."""
    t = check_ident(table)
    cols = _columns(con, t)
    resolve_models(con, t, other_models="other_models_cost_usd" in cols)
    return fetch_dicts(con, f"""
        SELECT c.model, p.model_key, p.unpriced_reason AS reason, count(*) AS calls,
               coalesce(sum(c.input_tokens), 0) AS input_tokens, coalesce(sum(c.output_tokens), 0) AS output_tokens
        FROM ({priced_calls_sql(t, cols)}) p JOIN {t} c ON c.rowid = p.rid
        WHERE p.cost IS NULL AND p.model_key IS NOT NULL AND c.cost_usd IS NULL  -- stored unpriced, and still
        GROUP BY ALL ORDER BY calls DESC, c.model""")


def _price_table(con: duckdb.DuckDBPyConnection, t: str, repricing: bool = False) -> None:
    """Set model_key and cost_usd (and other_models_cost_usd) on every row of `t` from the registered
    catalog. `repricing`: rows priced before (a `priced_as` tag of theirs may no longer hold)."""
    cols = _columns(con, t)
    priced = cols - _absent_parts(con, t)
    resolve_models(con, t, other_models="other_models_cost_usd" in priced)
    others = ", other_models_cost_usd = p.other_models_cost" if "other_models_cost_usd" in cols else ""
    con.execute(f"""
        UPDATE {t} SET model_key = p.model_key, cost_usd = p.cost{others}
        FROM ({priced_calls_sql(t, priced)}) p WHERE {t}.rowid = p.rid""")
    _mark_other_sellers(con, t, untag=repricing)


# Hosts that sell other makers' models at prices of their own, by their genai-prices provider id
# (whose rows are that host's prices). A call on one of them whose model the
# host's price list lacks resolves to another seller's model (the maker's own API, most often) and
# is charged that seller's rate: `tags['priced_as']` names that seller, and `audit` and `report`
# count the calls (assumptions.py: `seller_assumed`). Azure's and Vertex AI's resale of OpenAI's
# and Anthropic's models is priced at parity on their global endpoints, so they are not listed.
HOSTS_PRICED_APART = ("aws", "together", "fireworks", "groq", "cerebras", "openrouter", "deepinfra", "novita",
                      "cloudflare", "databricks", "baseten", "avian", "doubleword", "modal", "ovhcloud",
                      "quicksilverpro", "github-copilot")
PRICED_AS = "priced_as"


def _host_sql(provider: str) -> str:
    """The genai-prices id of a logged provider name when it is one of HOSTS_PRICED_APART, else NULL
    (logs spell them `bedrock`, `aws-bedrock`, `together_ai`...)."""
    names = {**{k: v for k, v in PROVIDER_IDS.items() if v in HOSTS_PRICED_APART},
             **{h.replace("-", "_"): h for h in HOSTS_PRICED_APART}}
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in sorted(names.items()))
    return f"CASE replace(lower(trim({provider})), '-', '_') {cases} END"


def _mark_other_sellers(con: duckdb.DuckDBPyConnection, t: str, untag: bool) -> None:
    """Tag the priced calls of HOSTS_PRICED_APART charged another seller's rate; with `untag`, untag
    the rest (a reprice with a table that gives the host's own rate takes the tag away; freshly
    ingested rows have none). Updates only the rows concerned."""
    if "tags" not in _columns(con, t):
        return
    host = _host_sql("c.provider")
    sellers = "(SELECT model_key, list(DISTINCT provider) AS sellers FROM price_rates_all GROUP BY model_key)"
    other = (f"SELECT c.rowid AS rid, k.sellers[1] AS seller FROM {t} c JOIN {sellers} k ON k.model_key = c.model_key "
             f"WHERE c.cost_usd IS NOT NULL AND {host} IS NOT NULL AND NOT list_contains(k.sellers, {host})")
    if untag:
        con.execute(f"""
        UPDATE {t} SET tags = map_from_entries(list_filter(map_entries(coalesce({t}.tags, MAP {{}})), lambda e: e.key <> '{PRICED_AS}'))
        WHERE {t}.tags['{PRICED_AS}'] IS NOT NULL AND {t}.rowid NOT IN (SELECT rid FROM ({other}))""")
    con.execute(f"""
        UPDATE {t} SET tags = map_concat(coalesce({t}.tags, MAP {{}}::MAP(VARCHAR, VARCHAR)), MAP {{'{PRICED_AS}': o.seller}})
        FROM ({other}) o WHERE {t}.rowid = o.rid AND {t}.tags['{PRICED_AS}'] IS DISTINCT FROM o.seller""")


def _absent_parts(con: duckdb.DuckDBPyConnection, t: str) -> set[str]:
    """The audio and image columns of `t` when no row carries such tokens, `file_searches` when no
    row ran one, and `other_models_cost_usd` when no row has a step on another model: most logs have none, and
    the cost formula then leaves those parts out instead of pricing zeros."""
    cols = _columns(con, t)
    # (the columns a part is priced from, whether some row has any) for the parts this table has
    parts = [(MODALITY_COLUMNS[m], carried_sql([m])) for m, cs in MODALITY_COLUMNS.items() if cs[0] in cols]
    if "file_searches" in cols:
        parts.append((("file_searches",), "bool_or(file_searches > 0)"))
    if "other_models_cost_usd" in cols and "tags" in cols:
        parts.append((("other_models_cost_usd",),
                      "bool_or(" + " OR ".join(f"tags['{x}_model'] IS NOT NULL" for x in OTHER_MODEL_STEPS) + ")"))
    if not parts:
        return set()
    found = con.execute(f"SELECT {', '.join(check for _, check in parts)} FROM {t} c").fetchall()[0]
    return {c for (columns, _), has in zip(parts, found, strict=True) if not has for c in columns}


def pricing_enricher(catalog: PriceCatalog):  # type: ignore[no-untyped-def]
    """An ingest enricher `fn(con, table)` pricing each staged chunk with one loaded catalog.

    Ingest calls it once per chunk: the catalog's tables are registered on the connection the
    first time only (a marker table names the enricher; any other registration drops it).
    """
    token = uuid.uuid4().hex

    def enrich(con: duckdb.DuckDBPyConnection, table: str) -> None:
        if not _registered_by(con, token):
            register_prices(con, catalog)
            con.execute(f"CREATE TEMP TABLE {REGISTERED_BY} AS SELECT ? AS token", [token])
        _price_table(con, check_ident(table))

    return enrich




def _registered_by(con: duckdb.DuckDBPyConnection, token: str) -> bool:
    """Whether the catalog tables on `con` are the ones the enricher with `token` registered."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [REGISTERED_BY]).fetchall()[0][0]
    return bool(found) and con.execute(f"SELECT any_value(token) = ? FROM {REGISTERED_BY}", [token]).fetchall()[0][0]
