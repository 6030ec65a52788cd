"""OpenRouter's activity export: the CSV of generations its dashboard exports, one row per call.

A team that calls models through OpenRouter often has no log of its own but this file. Its header
(as exported in 2026): `generation_id, created_at, cost_total, cost_web_search, cost_cache,
cost_file_processing, byok_usage_inference, tokens_prompt, tokens_completion, tokens_reasoning,
tokens_cached, model_permaslug, provider_name, variant, cancelled, streamed, user,
finish_reason_raw, finish_reason_normalized, generation_time_ms, time_to_first_token_ms,
api_key_disabled, api_key_name, app_name`. Older or trimmed exports carry fewer columns; a row is
read when it has `generation_id` and `model_permaslug`. (Such files failed whole: "cannot tell the
log format".)

Read as OpenRouter reports usage: `tokens_prompt` includes `tokens_cached` (cache reads) and
`tokens_completion` includes `tokens_reasoning` (OpenRouter bills reasoning as completion). The
export names no cache writes: none are counted. `cost_total` is what OpenRouter charged, and the logged cost
(`prices reconcile` compares it with the list price) — plus `byok_usage_inference` on a
bring-your-own-key row, where `cost_total` is only OpenRouter's fee and the provider billed the
inference to the team's own account; its web-search, cache and file
parts, `cost_web_search` and the others, are kept in tags, since the export counts no searches.
`model_permaslug` is OpenRouter's versioned slug (`anthropic/claude-4.6-sonnet-20260217`), resolved
like its served ids (docs/pricing.md); the `free` variant at no cost is the model's `:free` id, which
has no list price (reported unknown, its logged cost $0), never the paid rate. `provider_name` is the
upstream that served the call (mapped to mmaudit's provider ids; tags['upstream_provider']),
`generation_time_ms` the latency and `time_to_first_token_ms` the time to first token; the time
`created_at` is UTC. A cancelled generation is still a call, billed for what it produced (tagged
`cancelled`), as in the generation API's records (formats/openrouter.py).
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, tag, tags_map

_COLUMNS = (
    "generation_id", "created_at", "cost_total", "cost_web_search", "cost_cache", "cost_file_processing",
    "byok_usage_inference", "tokens_prompt", "tokens_completion", "tokens_reasoning", "tokens_cached",
    "model_permaslug", "provider_name", "variant", "cancelled", "streamed", "user", "finish_reason_raw",
    "finish_reason_normalized", "generation_time_ms", "time_to_first_token_ms", "api_key_name", "app_name",
)
_FREE = "lower(trim(coalesce(r.variant, ''))) = 'free'"
_SLUG = "nullif(trim(r.model_permaslug), '')"
# the free variant is its own id (no list price), unless the slug already names it or the row says
# it was billed (then the paid model's rate is the list price to compare its cost with)
_MODEL = (f"CASE WHEN {_FREE} AND coalesce(TRY_CAST(r.cost_total AS DOUBLE), 0) = 0 "
          f"AND NOT ends_with(lower({_SLUG}), ':free') THEN {_SLUG} || ':free' ELSE {_SLUG} END")


def _cost_part(column: str) -> str:
    """A part of the logged cost, kept as text when it is more than $0."""
    return f"CASE WHEN TRY_CAST(r.{column} AS DOUBLE) > 0 THEN r.{column} END"


_TAGS = [
    tag("gateway", "'openrouter'"),
    tag("upstream_provider", "nullif(trim(r.provider_name), '')"),
    tag("variant", "nullif(lower(trim(r.variant)), 'standard')"),
    tag("finish_reason", "coalesce(nullif(r.finish_reason_normalized, ''), nullif(r.finish_reason_raw, ''))"),
    tag("cancelled", "CASE WHEN mm_bool(r.cancelled) THEN 'true' END"),
    tag("streamed", "CASE WHEN mm_bool(r.streamed) THEN 'true' END"),
    tag("user", "nullif(r.user, '')"),
    tag("api_key", "nullif(r.api_key_name, '')"),
    tag("app", "nullif(r.app_name, '')"),
    tag("byok", "CASE WHEN TRY_CAST(r.byok_usage_inference AS DOUBLE) > 0 THEN 'true' END"),
    tag("web_search_cost_usd", _cost_part("cost_web_search")),
    tag("cache_cost_usd", _cost_part("cost_cache")),
    tag("file_processing_cost_usd", _cost_part("cost_file_processing")),
]

FORMAT = LogFormat(
    name="openrouter-activity",
    description="OpenRouter's activity export (CSV): one row per generation with its tokens, cost and upstream provider",
    structure={c: "VARCHAR" for c in _COLUMNS},
    detect="(r.generation_id IS NOT NULL AND r.model_permaslug IS NOT NULL)",
    detect_hint="`generation_id` and `model_permaslug` columns (OpenRouter's activity export)",
    columns={
        "call_id": "r.generation_id",
        "ts": "mm_ts(r.created_at)",
        "provider": "mm_provider_name(nullif(trim(r.provider_name), ''), model)",
        "model": first_id(_MODEL),
        "input_tokens": "mm_int(r.tokens_prompt)",
        "cached_input_tokens": "coalesce(mm_int(r.tokens_cached), 0)",
        "output_tokens": "mm_int(r.tokens_completion)",
        "reasoning_tokens": "coalesce(mm_int(r.tokens_reasoning), 0)",
        "latency_ms": "mm_num(r.generation_time_ms)",
        "ttft_ms": "mm_num(r.time_to_first_token_ms)",
        "http_status": "200",
        # a BYOK row's `cost_total` is OpenRouter's fee; the provider billed `byok_usage_inference`
        "logged_cost_usd": "TRY_CAST(r.cost_total AS DECIMAL(38, 12)) + coalesce(CASE WHEN "
        "TRY_CAST(r.byok_usage_inference AS DECIMAL(38, 12)) > 0 THEN TRY_CAST(r.byok_usage_inference AS DECIMAL(38, 12)) END, 0)",
        "tags": tags_map(_TAGS),
    },
    numbers=("tokens_prompt", "tokens_completion", "tokens_reasoning", "tokens_cached"),
    times=("created_at",),
)
