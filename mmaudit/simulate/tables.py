"""A validated policy as small temp tables the replay joins to (never as SQL text).

    _sim_tiers    tier index, name, latency and quality bars
    _sim_routes   route index -> tier, model route, keep, compliance
    _sim_chain    (chain id, position, model key): each tier's fallback chain, model routes, A/B variants
    _sim_chains   each chain as lists of model keys and providers, plus its first model
    _sim_ab       A/B slices of a tier: [lo, hi) of the call's A/B fraction -> variant chain
    _sim_outages  provider outage windows
    _sim_esc      cascade escalation rate per task
    _sim_quality  quality score per (model, task), the model's default filled in

Everything the user wrote (match values, model names, tag names) reaches SQL as bound
parameters or rows of these tables; identifiers in SQL text are our own.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.modelref import family, family_sql, lookup
from mmaudit.policy import Policy, Route
from mmaudit.pricing.schema import TASKS

MODEL_CHAIN = 1000
AB_CHAIN = 2000


def when_condition(when: dict[str, list[str]], model_keys: dict[str, str | None] | None = None) -> tuple[str, list[Any]]:
    """SQL over `c` (a call) true when every key of `when` matches, and its parameters.

    Providers match case-insensitively; models through mmaudit.modelref (logged name in any case,
    the resolved price key, or a dated snapshot of an undated key: `model_keys` holds each
    value's key)."""
    conds: list[str] = []
    params: list[Any] = []
    model_keys = model_keys or {}
    for key, values in when.items():
        marks = ", ".join("?" for _ in values)
        if key.startswith("tags."):
            conds.append(f"c.tags[?] IN ({marks})")
            params.extend([key[len("tags."):], *values])
        elif key == "model":
            keys = sorted({k for k in (model_keys.get(v) for v in values) if k is not None})
            undated = [k for k in keys if family(k) == k]
            conds.append(f"(lower(c.model) IN ({marks})"
                         + (f" OR c.model_key IN ({', '.join('?' for _ in keys)})" if keys else "")
                         + (f" OR {family_sql('c.model_key')} IN ({', '.join('?' for _ in undated)})" if undated else "")
                         + ")")
            params.extend([*(v.lower() for v in values), *keys, *undated])
        elif key == "provider":
            conds.append(f"lower(c.provider) IN ({marks})")
            params.extend(v.lower() for v in values)
        elif key == "task":
            conds.append(f"coalesce(c.task, 'other') IN ({marks})")
            params.extend(values)
        else:  # complexity, operation, status: validated names from policy.ATTRIBUTES
            conds.append(f"c.{key} IN ({marks})")
            params.extend(values)
    return " AND ".join(conds) or "true", params


def route_case(routes: list[Route], model_keys: dict[str, str | None] | None = None) -> tuple[str, list[Any]]:
    """CASE giving the index of the first route whose `when` matches (the default otherwise)."""
    arms, params = [], []
    for idx, route in enumerate(routes[:-1]):
        cond, cond_params = when_condition(route.when or {}, model_keys)
        arms.append(f"WHEN {cond} THEN {idx}")
        params.extend(cond_params)
    if not arms:
        return "0", params
    return f"CASE {' '.join(arms)} ELSE {len(routes) - 1} END", params


def load_tables(con: duckdb.DuckDBPyConnection, policy: Policy, keys: dict[str, str]) -> None:
    order = policy.tier_order()
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_tiers (tier_idx INTEGER, name VARCHAR, max_latency_ms DOUBLE, min_quality DOUBLE)")
    if order:
        con.executemany("INSERT INTO _sim_tiers VALUES (?, ?, ?, ?)",
                        [[i, n, policy.tiers[n].max_latency_ms, policy.tiers[n].min_quality] for i, n in enumerate(order)])
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_routes (idx INTEGER, tier_idx INTEGER, model_key VARCHAR, keep BOOLEAN, compliance BOOLEAN)")
    rows = []
    for idx, r in enumerate(policy.routes):
        tier = r.tier if r.tier is not None else (r.default if r.default in policy.tiers else None)
        model = _route_model(policy, r)
        rows.append([idx, order.index(tier) if tier else None, keys[model] if model else None,
                     r.default == "keep", r.is_compliance])
    con.executemany("INSERT INTO _sim_routes VALUES (?, ?, ?, ?, ?)", rows)
    # Chains get integer ids: a tier's is its index, a model route's MODEL_CHAIN + its route index,
    # an A/B variant's AB_CHAIN + its split index.
    chains: list[list[Any]] = []
    for i, name in enumerate(order):
        chains += [[i, pos, keys[m]] for pos, m in enumerate(policy.tiers[name].models)]
    for idx, r in enumerate(policy.routes):
        model = _route_model(policy, r)
        if model:
            chains.append([MODEL_CHAIN + idx, 0, keys[model]])
    ab_rows, cumulative = [], {}
    for j, split in enumerate(policy.ab):
        i = order.index(split.tier)
        lo = cumulative.get(i, 0.0)
        cumulative[i] = lo + split.share
        ab_rows.append([i, AB_CHAIN + j, lo, lo + split.share])
        variant = [keys[split.model]] + [keys[m] for m in policy.tiers[split.tier].models if keys[m] != keys[split.model]]
        chains += [[AB_CHAIN + j, pos, k] for pos, k in enumerate(variant)]
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_chain (chain INTEGER, pos INTEGER, model_key VARCHAR)")
    if chains:
        con.executemany("INSERT INTO _sim_chain VALUES (?, ?, ?)", chains)
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_ab (tier_idx INTEGER, chain INTEGER, lo DOUBLE, hi DOUBLE)")
    if ab_rows:
        con.executemany("INSERT INTO _sim_ab VALUES (?, ?, ?, ?)", ab_rows)
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_outages (provider VARCHAR, start_ts TIMESTAMPTZ, end_ts TIMESTAMPTZ, breaker BOOLEAN)")
    if policy.failover.outages:
        con.executemany("INSERT INTO _sim_outages VALUES (lower(?), ?, ?, false)",
                        [[o.provider, o.start, o.end] for o in policy.failover.outages])
    con.execute("CREATE OR REPLACE TEMP TABLE _sim_esc (task VARCHAR, rate DOUBLE)")
    if policy.cascade and policy.cascade.escalate_rate:
        con.executemany("INSERT INTO _sim_esc VALUES (?, ?)", [list(kv) for kv in policy.cascade.escalate_rate.items()])


def _route_model(policy: Policy, route: Route) -> str | None:
    """The model a route sends calls to: `model: NAME`, or a `default` naming no tier."""
    if route.model:
        return route.model
    if route.default is not None and route.default != "keep" and route.default not in policy.tiers:
        return route.default
    return None


def when_model_keys(con: duckdb.DuckDBPyConnection, policy: Policy) -> dict[str, str | None]:
    """The price key of every `when: {model: [...]}` value (None when it names no priced model:
    it can still match a logged name)."""
    return lookup(con, {v for r in policy.routes for v in (r.when or {}).get("model", [])})


# Models that bill audio apart from text (an audio price on record, from genai-prices or a table)
# and models that bill generated images apart from text: the ones a replay may send a call that
# carries audio, or generated an image, to. A model whose audio costs what its text costs lists no
# audio price (Gemini 2.5 Pro), so it is not one of them: a miss that keeps such a call where it
# was, never a saving priced at text rates.
MEDIA_MODELS = """SELECT model_key, bool_or(input_audio_rate IS NOT NULL OR cached_audio_rate IS NOT NULL
                                         OR output_audio_rate IS NOT NULL) AS audio,
                         bool_or(output_image_rate IS NOT NULL) AS images
                  FROM price_rates GROUP BY model_key"""


def load_chains(con: duckdb.DuckDBPyConnection) -> None:
    """Each chain as two lists (model keys, their providers), so a call picks its model per row."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_chains AS
        SELECT c.chain, list(c.model_key ORDER BY c.pos) AS keys,
               list(lower(coalesce(mi.provider, '')) ORDER BY c.pos) AS providers,
               arg_min(c.model_key, c.pos) AS first_key,
               coalesce(arg_min(mi.mode, c.pos) = 'embedding', false) AS embedding,
               coalesce(arg_min(md.audio, c.pos), false) AS audio,
               coalesce(arg_min(md.images, c.pos), false) AS images
        FROM _sim_chain c LEFT JOIN model_info mi USING (model_key)
        LEFT JOIN ({MEDIA_MODELS}) md USING (model_key) GROUP BY c.chain"""
    )
    # What each chain model can answer, looked up per model as a call walks its chain: a fallback
    # or a reordered chain must not hand an embedding to a chat model (nor audio or an image
    # request to a model with no price for it).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _sim_fit AS
        SELECT map_from_entries(list({{'k': model_key, 'v': {{'embedding': coalesce(mi.mode = 'embedding', false),
                                                          'audio': coalesce(md.audio, false),
                                                          'images': coalesce(md.images, false)}}}})) AS fit
        FROM (SELECT DISTINCT model_key FROM _sim_chain WHERE model_key IS NOT NULL) c
        LEFT JOIN model_info mi USING (model_key) LEFT JOIN ({MEDIA_MODELS}) md USING (model_key)"""
    )
    quality_table(con)


def quality_table(con: duckdb.DuckDBPyConnection) -> None:
    """_sim_quality (model_key, task, score): the ONE place a replay reads quality from.

    Every task of the vocabulary and of the stored calls gets the model's score for it, or its
    `default` score when it lists none for the task; no row only where the model has no score
    at all (quality unknown). Today these are the price table's priors (model_quality)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sim_quality AS
        SELECT k.model_key, t.task, coalesce(q.score, d.score) AS score
        FROM (SELECT DISTINCT model_key FROM model_info) k
        CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS task UNION SELECT DISTINCT task FROM model_quality
                    UNION SELECT DISTINCT task FROM calls WHERE task IS NOT NULL) t
        LEFT JOIN model_quality q ON q.model_key = k.model_key AND q.task = t.task
        LEFT JOIN model_quality d ON d.model_key = k.model_key AND d.task = 'default'
        WHERE coalesce(q.score, d.score) IS NOT NULL""", [list(TASKS)]
    )
