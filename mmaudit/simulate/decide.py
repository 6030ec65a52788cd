"""Which route, tier, chain and model a policy picks, decided per CLASS of calls, not per call.

A replay first folds the calls into classes (`source_sql`): calls that share everything a
decision depends on (day, route, categoriser doubt, logged model and provider, outage and
logged-error state, cache hit, data class, batch flag, and which side of every A/B and cascade
cut their fractions fall) and sums their tokens. Ten million calls become a few tens of
thousands of classes in one scan; `decisions_sql` then routes, fails over and cascades those.

The A/B and cascade fractions are 32-bit slices of a 64-bit hash of the call id (docs/simulate.md),
so anyone can reproduce a split outside mmaudit. A fraction only matters through the cuts it is
compared with (A/B slice bounds, escalation rates), so a class keeps the largest cut at or below
its calls' fraction instead of the fraction itself: every comparison comes out the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mmaudit.policy import Policy
from mmaudit.schema import CALL_HASH_SQL, MODALITY_COLUMNS
from mmaudit.simulate.tables import MEDIA_MODELS, MODEL_CHAIN, route_case

DEFAULT_SEED = "mmaudit"


@dataclass(frozen=True)
class SimulationOptions:
    since: datetime | None = None
    until: datetime | None = None
    baseline: str = "actual"  # or "model:NAME"
    seed: str = DEFAULT_SEED
    sample_rate: float | None = None  # the log holds this share of the traffic: every call weighs 1/rate


# The token sums a class of calls carries (source_sql's columns), and the parts a replay prices
# them as on each model (m_, e_, b_ prefixes): input, cached, cache write (of which 1-hour),
# output, uncached input, reasoning (of output), server-side web searches (a count, not tokens),
# and per modality (audio, image) its parts: uncached input (of unc), cached (of cr), output (of out).
MODAL_TOKENS = {"audio": ("tai", "tca", "tao"), "image": ("tii", "tci", "tio")}
MODAL_PARTS = {"audio": ("ai", "ca", "ao"), "image": ("ii", "ci", "io")}
SOURCE_TOKENS = ("tin", "tcr", "tcw", "tcw1h", "tout", "tunc", "trs", "tws", "tsq", "tfs")
TOKEN_PARTS = ("in", "cr", "cw", "cw1h", "out", "unc", "rs", "ws", "sq", "fs")  # sq: calls that searched; fs: file searches
CITATION_TOKEN, CITATION_PART = "tct", "ct"  # citation tokens (of visible output), when some call has them


def token_lists(modalities: tuple[str, ...], citations: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(source tokens, parts) a replay carries: the text ones and those of the modalities (and
    citation tokens) the period's calls carry (a log without them pays nothing for them)."""
    tokens, parts = ((CITATION_TOKEN,), (CITATION_PART,)) if citations else ((), ())
    return ((*SOURCE_TOKENS, *(t for m in modalities for t in MODAL_TOKENS[m]), *tokens),
            (*TOKEN_PARTS, *(p for m in modalities for p in MODAL_PARTS[m]), *parts))


@dataclass(frozen=True)
class Cuts:
    """The values fractions and token counts are compared with, found from the policy tables."""

    ab: list[float]  # A/B slice bounds
    escalation: list[float]  # escalation rates a cascaded call's fraction is compared with
    long_input: int | None  # input tokens above which some model may charge long-context rates
    outages: tuple[datetime, datetime] | None = None  # earliest start and latest end of any outage/breaker window
    latency_bucket_us: int | None = None  # bucket width of latency-based picks
    has_weight: bool = False  # some call of the period has a sample_weight other than 1 (migration 0003)
    has_cw1h: bool = True  # calls has cache_write_1h_tokens (migration 0003; a read-only older file may not)
    has_web_searches: bool = True  # calls has web_searches (migration 0007)
    has_file_searches: bool = True  # calls has file_searches (migration 0011)
    modalities: tuple[str, ...] = tuple(MODALITY_COLUMNS)  # those whose columns calls has (migrations 0008, 0009)
    has_citations: bool = False  # some call of the period has citation tokens (migration 0010)
    has_other_models: bool = False  # some call of the period paid for steps on other models (migration 0012)
    # (start, representative) UTC seconds of the stretches of the day at which some model of the
    # replay changes its price (off-peak windows): a call is priced at its stretch's representative,
    # the first start of the stretches with the same prices, not at the day's midnight
    tod_cuts: tuple[tuple[float, float], ...] = ()
    # some model the replay can use bills per request by search context size (Perplexity Sonar):
    # the calls keep the size they logged (tags['search_context_size'])
    sized_fees: bool = False


def period_sql(options: SimulationOptions, alias: str = "c") -> str:
    """The period filter on `alias.ts`, with our own validated datetimes as literals (so DuckDB
    can skip row groups by their min/max ts)."""
    terms = ["true"]
    if options.since is not None:
        terms.append(f"{alias}.ts >= TIMESTAMPTZ '{options.since.isoformat()}'")
    if options.until is not None:
        terms.append(f"{alias}.ts < TIMESTAMPTZ '{options.until.isoformat()}'")
    return " AND ".join(terms)


def _hash_sql(options: SimulationOptions, has_call_hash: bool) -> str:
    """The call's 64-bit hash: the stored `call_hash` with the default seed (an md5 only for
    rows stored without one), else md5 of `call_id:salt` per call."""
    if options.seed != DEFAULT_SEED:
        salt = hashlib.sha256(options.seed.encode()).hexdigest()[:8]  # our own hex digits, safe as a literal
        return CALL_HASH_SQL.format(id=f"(c.call_id || ':{salt}')")
    if has_call_hash:
        return f"coalesce(c.call_hash, {CALL_HASH_SQL.format(id='c.call_id')})"
    return CALL_HASH_SQL.format(id="c.call_id")


def _floor_to_cut(value: str, cuts: list[float]) -> str:
    """SQL for the largest cut <= value (0.0 below all): compares like the value with every cut.

    Cuts are our own numbers (read back from the policy tables), written as exact literals."""
    arms = " ".join(f"WHEN {value} >= {c!r} THEN {c!r}" for c in sorted(set(cuts), reverse=True) if c > 0)
    return f"(CASE {arms} ELSE 0.0 END)" if arms else "0.0"


def hits_sql(policy: Policy, options: SimulationOptions, has_call_hash: bool) -> str:
    """The rowids of cache hits (for `_sim_hits`): calls whose previous identical prompt in the
    period is at most the cache window earlier.

    The window sorts narrow integer rows (prompt hash, microseconds, call hash for ties), which
    is what keeps it to seconds at ten million calls.
    """
    if not policy.cache:
        return "SELECT NULL::BIGINT AS rid WHERE false"
    micros = round(policy.cache.seconds * 1_000_000)  # a validated number, safe as a literal
    return f"""
        SELECT rid FROM (
            SELECT rid, (e - lag(e) OVER (PARTITION BY h ORDER BY e, k)) <= {micros} AS hit
            FROM (SELECT c.rowid AS rid, hash(c.prompt_hash) AS h, epoch_us(c.ts) AS e,
                         {_hash_sql(options, has_call_hash)} AS k
                  FROM calls c WHERE c.prompt_hash IS NOT NULL AND {period_sql(options)}))
        WHERE hit"""


def _down_sql(cuts: Cuts) -> str:
    """SQL for the providers in an outage (or an open breaker) at the call's time, as a sorted
    list (NULL: none), from the `seg` row the call joined (down_segments_sql)."""
    return "seg.down" if cuts.outages is not None else "NULL::VARCHAR[]"


HOUR_US = 3_600_000_000


def down_segments_sql() -> str:
    """_sim_down_seg (hour, start_ts, end_ts, down): the timeline cut at every outage/breaker
    window edge, each stretch with some provider down listed (sorted) once per UTC hour it
    touches. A call finds its stretch by an equi-join on its hour plus its exact time (stretches
    do not overlap), so thousands of breaker windows cost a hash lookup, not a scan per call."""
    return f"""
        WITH e AS (SELECT start_ts AS ts FROM _sim_outages UNION SELECT end_ts FROM _sim_outages),
        seg AS (SELECT ts AS start_ts, lead(ts) OVER (ORDER BY ts) AS end_ts FROM e),
        d AS (SELECT s.start_ts, s.end_ts, list_sort(list_distinct(list(o.provider))) AS down
              FROM seg s LEFT JOIN _sim_outages o ON o.start_ts <= s.start_ts AND s.start_ts < o.end_ts
              WHERE s.end_ts IS NOT NULL AND o.provider IS NOT NULL
              GROUP BY s.start_ts, s.end_ts)
        SELECT unnest(range(epoch_us(start_ts) // {HOUR_US}, (epoch_us(end_ts) - 1) // {HOUR_US} + 1)) AS hour,
               start_ts, end_ts, down
        FROM d"""


def weight_sql(options: SimulationOptions, cuts: Cuts) -> str:
    """How many real calls one stored record stands for: 1 / --sample-rate when given (it
    overrides the stored weights), else its sample_weight (1 unless the log was sampled)."""
    if options.sample_rate is not None:
        return repr(1.0 / float(options.sample_rate))  # a validated float, safe as a literal
    return "coalesce(c.sample_weight, 1.0)" if cuts.has_weight else "1.0"


def source_sql(policy: Policy, options: SimulationOptions, cuts: Cuts, has_call_hash: bool,
               per_call: bool = False, table: str = "calls",
               model_keys: dict[str, str | None] | None = None) -> tuple[str, list[Any]]:
    """The classes of calls of the period, or with `per_call` one row per call of `table` (the
    calls, or a sample of them made by `sample_table_sql`, which carries each call's hash `h`
    and `cache_hit`): single calls keep their own output tokens and logged latency, which
    latency percentiles need.
    """
    case, params = route_case(policy.routes, model_keys)
    hashed = _hash_sql(options, has_call_hash)
    ab = _floor_to_cut("((c.h & 4294967295) / 4294967296.0)", cuts.ab) if policy.ab else "0.0"
    esc = _floor_to_cut("((c.h >> 32) / 4294967296.0)", cuts.escalation) if policy.cascade else "0.0"
    threshold = policy.uncertain.below_confidence if policy.uncertain else -1.0
    long_input = f"CASE WHEN c.input_tokens > {int(cuts.long_input)} THEN c.input_tokens END" if cuts.long_input is not None else "NULL::BIGINT"
    hit, join = (("c.cache_hit", "") if table != "calls"
                 else ("_sim_hits.rid IS NOT NULL", "LEFT JOIN _sim_hits ON _sim_hits.rid = c.call_rowid"))
    bucket = f"epoch_us(c.ts) // {int(cuts.latency_bucket_us)}" if cuts.latency_bucket_us else "0"
    weight = weight_sql(options, cuts)
    # of the cache writes, those with a 1-hour TTL (billed at their own rate)
    cw1h = ("least(coalesce(c.cache_write_1h_tokens, 0), coalesce(c.cache_write_tokens, 0))" if cuts.has_cw1h
            else "0")
    calls = f"""
        SELECT CAST(epoch_us(c.ts) // 86400000000 AS INTEGER) AS day,  -- days since 1970-01-01 UTC
               {_tod_sql(cuts)} AS tod,
               -- the service tier it was billed at (priority, flex...): a replay keeps asking for it
               {"mm_price_tier(c.service_tier, c.tags['inference_geo'])" if cuts.has_cw1h else "'standard'"} AS st,
               {"lower(c.tags['search_context_size'])" if cuts.sized_fees else "NULL::VARCHAR"} AS ctx,
               lower(c.provider) AS logged_provider, c.model_key AS logged_key,
               coalesce(c.task, 'other') AS task, coalesce(c.category_confidence, 0.0) < ? AS unsure,
               c.tags['data_class'] AS data_class, c.status = 'ok' AS ok,
               coalesce(c.status = 'error' AND c.error_type IN ('rate_limit', 'server'), false) AS retry,
               coalesce(c.operation = 'embedding', false) AS is_embedding, {_carries_sql(cuts, "audio")} AS has_audio,
               {_carries_sql(cuts, "image", output_only=True)} AS makes_image,
               {bucket} AS lat_bucket,
               coalesce(c.is_batch, false) AS is_batch, {hit} AS cache_hit,
               {case} AS route_idx, {ab} AS ab_cut, {esc} AS esc_cut, {_down_sql(cuts)} AS down,
               -- a failed call without tokens cost nothing; an answered one without a price is unpriced
               -- (whisper-1's per-minute transcriptions), never $0
               (c.cost_usd IS NOT NULL OR (c.status <> 'ok' AND coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0) = 0))
                   AS baseline_known,
               {long_input} AS long_input, {weight} AS w,
               coalesce(c.input_tokens, 0) AS tin, coalesce(c.cached_input_tokens, 0) AS tcr,
               coalesce(c.cache_write_tokens, 0) AS tcw, {cw1h} AS tcw1h, coalesce(c.output_tokens, 0) AS tout,
               greatest(coalesce(c.input_tokens, 0) - coalesce(c.cached_input_tokens, 0)
                        - coalesce(c.cache_write_tokens, 0), 0) AS tunc,
               least(coalesce(c.reasoning_tokens, 0), coalesce(c.output_tokens, 0)) AS trs,
               {"coalesce(c.web_searches, 0)" if cuts.has_web_searches else "0"} AS tws,
               {"CASE WHEN c.web_searches > 0 THEN 1 ELSE 0 END" if cuts.has_web_searches else "0"} AS tsq,
               {"coalesce(c.file_searches, 0)" if cuts.has_file_searches else "0"} AS tfs,
               {_modal_sql(cuts)}
               {_citation_sql(cuts)}
               c.status <> 'ok' AND coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0) = 0 AS empty,
               CASE WHEN coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0) = 0 THEN coalesce(c.cost_usd, 0)
                    ELSE c.cost_usd END AS actual,
               -- what the call's steps on other models were billed (an advisor; a refused attempt before a
               -- fallback): a replay keeps them, as the request keeps asking for them
               {"coalesce(c.other_models_cost_usd, 0)" if cuts.has_other_models else "0"} AS others,
               c.latency_ms, {"c.call_rowid" if table == "calls" else "c.ref"} AS ref
        FROM (SELECT c.*{", c.rowid AS call_rowid, " + hashed + " AS h" if table == "calls" else ""}
              FROM {table} c WHERE {period_sql(options)}) c
        {join} {_seg_join(cuts)}"""
    tokens, _ = token_lists(cuts.modalities, cuts.has_citations)
    dims = ("day, tod, st, ctx, logged_provider, logged_key, task, unsure, data_class, ok, retry, is_embedding, has_audio, makes_image, "
            "lat_bucket, is_batch, cache_hit, route_idx, ab_cut, esc_cut, down, baseline_known, long_input")
    if not per_call:
        weighted = cuts.has_weight or options.sample_rate is not None
        times = " * w" if weighted else ""  # unweighted logs (the usual case) sum plain integers
        sums = ", ".join(f"sum({t}{times}) AS {t}" for t in tokens)
        body = (f"SELECT {dims}, {'sum(w)' if weighted else 'count(*)'} AS n, {sums}, "
                f"coalesce({'sum(w)' if weighted else 'count(*)'} FILTER (WHERE empty), 0) AS nz, "
                f"sum(actual{' * CAST(w AS DECIMAL(18, 6))' if weighted else ''}) AS actual, "
                f"sum(others{' * CAST(w AS DECIMAL(18, 6))' if weighted else ''}) AS others, NULL::DOUBLE AS latency_ms, NULL::BIGINT AS ref "
                f"FROM ({calls}) GROUP BY {dims}")
    else:
        body = (f"SELECT {dims}, 1.0 AS n, {', '.join(tokens)}, CASE WHEN empty THEN 1.0 ELSE 0.0 END AS nz, "
                f"actual, others, latency_ms, ref FROM ({calls})")
    return body, [threshold, *params]


def _carries_sql(cuts: Cuts, modality: str, output_only: bool = False) -> str:
    """Whether a call carries tokens of `modality` (its input, cached or output part; or only its
    output: an image generated, not one read)."""
    if modality not in cuts.modalities:
        return "false"
    columns = MODALITY_COLUMNS[modality][2:] if output_only else MODALITY_COLUMNS[modality]
    return "(" + " OR ".join(f"coalesce(c.{col}, 0) > 0" for col in columns) + ")"


def _modal_sql(cuts: Cuts) -> str:
    """Per modality the calls carry, a call's uncached input, cached and output tokens of it, each
    clamped to the text count it is part of (uncached input, cache reads, visible output); every
    column ends with a comma."""
    unc = ("greatest(coalesce(c.input_tokens, 0) - coalesce(c.cached_input_tokens, 0) "
           "- coalesce(c.cache_write_tokens, 0), 0)")
    visible = "greatest(coalesce(c.output_tokens, 0) - coalesce(c.reasoning_tokens, 0), 0)"
    out = []
    for modality in cuts.modalities:
        ti, tc, to = MODAL_TOKENS[modality]
        inp, cached, output = MODALITY_COLUMNS[modality]
        out.append(f"least(greatest(coalesce(c.{inp}, 0) - coalesce(c.{cached}, 0), 0), {unc}) AS {ti}, "
                   f"least(coalesce(c.{cached}, 0), coalesce(c.cached_input_tokens, 0)) AS {tc}, "
                   f"least(coalesce(c.{output}, 0), {visible}) AS {to}, ")
    return "".join(out)


def _tod_sql(cuts: Cuts) -> str:
    """The representative second of the day of a call's stretch of the day (0.0 without off-peak prices)."""
    seconds = "((epoch_us(c.ts) % 86400000000) / 1000000.0)"
    arms = " ".join(f"WHEN {seconds} >= {start!r} THEN {rep!r}" for start, rep in sorted(cuts.tod_cuts, reverse=True)
                    if start > 0)  # our own numbers, written as exact literals
    return f"(CASE {arms} ELSE 0.0 END)" if arms else "0.0"


def _citation_sql(cuts: Cuts) -> str:
    """A call's citation tokens, clamped to its visible output (with a comma), when some call has them."""
    if not cuts.has_citations:
        return ""
    visible = "greatest(coalesce(c.output_tokens, 0) - coalesce(c.reasoning_tokens, 0), 0)"
    return f"least(coalesce(c.citation_tokens, 0), {visible}) AS {CITATION_TOKEN},"


def _seg_join(cuts: Cuts) -> str:
    """The join that gives each call its outage/breaker stretch (none without outages)."""
    if cuts.outages is None:
        return ""
    return (f"LEFT JOIN _sim_down_seg seg ON seg.hour = epoch_us(c.ts) // {HOUR_US} "
            "AND c.ts >= seg.start_ts AND c.ts < seg.end_ts")


SAMPLED_COLUMNS = ("ts", "provider", "model", "model_key", "task", "complexity", "operation", "status",
                   "error_type", "tags", "category_confidence", "is_batch", "cost_usd", "input_tokens",
                   "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "latency_ms")


def sample_table_sql(policy: Policy, options: SimulationOptions, has_call_hash: bool, below: int | None,
                     cuts: Cuts) -> str:
    """The calls of the period whose hash(call hash) is below `below` (all when None), with the
    columns a replay reads and whether each is a cache hit (`_sim_hits`)."""
    uses_tags = (any(key.startswith("tags.") for route in policy.routes for key in (route.when or {}))
                 or cuts.sized_fees)  # and a search context size priced per request
    cols = ", ".join(f"c.{x}" if x != "tags" or uses_tags else "NULL::MAP(VARCHAR, VARCHAR) AS tags"
                     for x in SAMPLED_COLUMNS)  # tags only matter here for routes on them
    hashed = _hash_sql(options, has_call_hash)
    sample = "" if below is None else f"AND hash({hashed}) < {int(below)}"
    # columns of later migrations, when this (possibly older, read-only) file has them
    extra = ((", c.sample_weight" if cuts.has_weight else "") + (", c.cache_write_1h_tokens, c.service_tier" if cuts.has_cw1h else "")
             + (", c.web_searches" if cuts.has_web_searches else "")
             + (", c.file_searches" if cuts.has_file_searches else "")
             + "".join(f", c.{col}" for m in cuts.modalities for col in MODALITY_COLUMNS[m])
             + (", c.citation_tokens" if cuts.has_citations else "")
             + (", c.other_models_cost_usd" if cuts.has_other_models else ""))
    return (f"SELECT {cols}{extra}, {hashed} AS h, c.rowid AS ref, c.rowid IN (SELECT rid FROM _sim_hits) AS cache_hit FROM calls c "
            f"WHERE {period_sql(options)} {sample}")


def _availability(policy: Policy, cuts: Cuts, keys_col: str, providers_col: str, check_fit: bool = True) -> str:
    """SQL list of booleans: is each model of the chain available for this class, and able to
    answer it (a call walking its chain skips models of another operation; `check_fit=False`
    where the caller checks that itself)?

    A chain model that is the call's logged model counts as served where the call was logged:
    a 429 logged on `azure` for gpt-4o (whose price-table provider is openai), or an `azure`
    outage or breaker window, takes gpt-4o down for that call, so it moves down its chain
    instead of failing again on the model it failed on."""
    logged = "coalesce(kp[1] = b.logged_key, false)"
    down = []
    if cuts.outages is not None:
        down.append(f"coalesce(list_contains(b.down, kp[2]), false)"
                    f" OR ({logged} AND coalesce(list_contains(b.down, b.logged_provider), false))")
    if policy.failover.use_logged_errors:
        down.append(f"(b.retry AND (coalesce(kp[2] = b.logged_provider, false) OR {logged}))")
    checks = [f"NOT ({' OR '.join(down)})"] if down else []
    if check_fit:
        checks.append("coalesce(b.keep OR b.incompatible OR (fit.fit[kp[1]].embedding = b.is_embedding"
                      " AND (fit.fit[kp[1]].audio OR NOT b.has_audio) AND (fit.fit[kp[1]].images OR NOT b.makes_image)), false)")
    return f"list_transform(list_zip({keys_col}, {providers_col}), lambda kp: {' AND '.join(checks) or 'true'})"


def decisions_sql(policy: Policy, cuts: Cuts, source: str, source_params: list[Any],
                  degrade_key: str | None) -> tuple[str, list[Any]]:
    """Per row of `source` (a class of calls): routed tier, chain, chosen model (or failure),
    escalation model, and the cascade, fallback, degradation and uncertainty flags.

    A call only goes to a model of its operation: an embedding call routed to a chat model (or
    a chat call to an embedding model) keeps its logged model and is counted `incompatible`; so
    does a call carrying audio routed to a model with no audio price on record, and one that
    generated an image routed to a model with no image-output price (priced at text rates, a
    text model would show savings no voice call or image can have).
    A call that failed in the logs fails again where it failed: on its logged provider for a 429
    or 5xx, on its logged model for any other error; answered elsewhere, it is priced there.
    When the chain runs out, `failover.degrade_to` answers it (that model if available and of the
    call's operation, as above, or a cached answer at no cost) and it counts as `degraded` instead
    of failed; never a call of a compliance route (its data may not go elsewhere), which a
    cascade does not escalate, `uncertain: up_one_tier` does not move up and an A/B split does
    not take either.
    """
    order = policy.tier_order()
    from_idx = order.index(policy.cascade.from_) if policy.cascade else -1
    to_idx = order.index(policy.cascade.to) if policy.cascade else -1
    cached = policy.failover.degrade_to == "cached"
    sql = f"""
    WITH src AS ({source}),
    e AS (SELECT any_value(keys) AS esc_keys, any_value(providers) AS esc_providers
          FROM _sim_chains WHERE chain = ?),
    dg AS (SELECT any_value(mi.model_key) AS dg_key, lower(coalesce(any_value(mi.provider), '')) AS dg_provider,
                  coalesce(any_value(mi.mode) = 'embedding', false) AS dg_embedding,
                  coalesce(any_value(md.audio), false) AS dg_audio, coalesce(any_value(md.images), false) AS dg_images
           FROM model_info mi LEFT JOIN ({MEDIA_MODELS}) md USING (model_key) WHERE mi.model_key = ?),
    b AS (
        SELECT s.*, rt.keep, rt.compliance, rt.model_key AS route_model, rt.tier_idx AS routed_tier,
               CASE WHEN rt.tier_idx IS NOT NULL AND s.unsure AND NOT rt.compliance THEN least(rt.tier_idx + 1, ?) ELSE rt.tier_idx END AS tier_idx
        FROM src s LEFT JOIN _sim_routes rt ON rt.idx = s.route_idx),  -- every route_idx has a row; LEFT dodges duckdb#24807
    r AS (
        SELECT b.*, CASE WHEN b.keep THEN NULL WHEN b.route_model IS NOT NULL THEN {MODEL_CHAIN} + b.route_idx
                         WHEN a.chain IS NOT NULL THEN a.chain ELSE b.tier_idx END AS chain
        FROM b LEFT JOIN _sim_ab a ON a.tier_idx = b.tier_idx AND b.ab_cut >= a.lo AND b.ab_cut < a.hi AND NOT b.compliance),
    k AS (
        SELECT r.*, NOT r.keep AND (ch.embedding IS DISTINCT FROM r.is_embedding
                                    OR (r.has_audio AND NOT coalesce(ch.audio, false))
                                    OR (r.makes_image AND NOT coalesce(ch.images, false))) AS incompatible,
               coalesce(ll.keys, ch.keys) AS ch_keys, coalesce(ll.providers, ch.providers) AS ch_providers
        FROM r LEFT JOIN _sim_chains ch ON ch.chain = r.chain
        LEFT JOIN _sim_llat ll ON ll.tier_idx = r.chain AND ll.bucket = r.lat_bucket),
    l AS (
        SELECT k.* EXCLUDE (ch_keys, ch_providers),
               CASE WHEN k.keep OR k.incompatible THEN [k.logged_key] WHEN k.compliance THEN k.ch_keys[1:1]
                    ELSE k.ch_keys END AS keys,
               CASE WHEN k.keep OR k.incompatible THEN [lower(coalesce(lk.provider, k.logged_provider))]
                    WHEN k.compliance THEN k.ch_providers[1:1] ELSE k.ch_providers END AS providers
        FROM k LEFT JOIN model_info lk ON lk.model_key = k.logged_key),
    i AS (
        SELECT b.*, list_position({_availability(policy, cuts, "b.keys", "b.providers")}, true) AS main_idx,
               list_position({_availability(policy, cuts, "e.esc_keys", "e.esc_providers")}, true) AS esc_idx, e.esc_keys,
               dg.dg_key IS NOT NULL AND ({_availability(policy, cuts, "[dg.dg_key]", "[dg.dg_provider]", check_fit=False)})[1]
                   AND dg.dg_embedding = b.is_embedding AND (dg.dg_audio OR NOT b.has_audio)
                   AND (dg.dg_images OR NOT b.makes_image) AS dg_ok,
               dg.dg_key, dg.dg_provider
        FROM l b CROSS JOIN e CROSS JOIN dg CROSS JOIN _sim_fit fit),
    picked AS (
        SELECT * EXCLUDE (keys, providers, esc_keys, dg_key, dg_ok, dg_provider),
               main_idx IS NULL AND NOT compliance AND ({'true' if cached else 'dg_ok'}) AS degraded,
               CASE WHEN main_idx IS NULL AND dg_ok AND NOT compliance THEN dg_key ELSE keys[main_idx] END AS final_key,
               CASE WHEN main_idx IS NULL AND dg_ok AND NOT compliance THEN dg_provider
                    ELSE providers[main_idx] END AS final_provider,
               esc_keys[esc_idx] AS esc_pick
        FROM i),
    landed AS (
        SELECT *, NOT ok AND (main_idx IS NOT NULL OR final_key IS NOT NULL)
                  AND ((retry AND final_provider = logged_provider) OR final_key IS NOT DISTINCT FROM logged_key) AS relapsed
        FROM picked)
    SELECT * EXCLUDE (esc_pick, final_provider, relapsed, degraded),
           degraded AND NOT relapsed AS degraded,  -- degraded to the model it failed on: failed, not degraded
           (main_idx IS NULL AND NOT degraded) OR relapsed AS failed,
           coalesce(main_idx, 1) > 1 AND NOT relapsed AS fell_back,
           (main_idx IS NOT NULL AND NOT relapsed AND tier_idx = ? AND NOT keep AND NOT incompatible
            AND route_model IS NULL AND NOT compliance AND esc_idx IS NOT NULL) AS cascaded,
           CASE WHEN tier_idx = ? THEN esc_pick END AS esc_key,
           tier_idx IS DISTINCT FROM routed_tier AS moved_up
    FROM landed"""
    return sql, [*source_params, to_idx, degrade_key, len(order) - 1, from_idx, from_idx]
