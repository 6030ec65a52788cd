"""Cloudflare AI Gateway's request logs, as its API lists them.

`GET /accounts/{account_id}/ai-gateway/gateways/{gateway_id}/logs` (developers.cloudflare.com/api,
"List Gateway Logs") answers `{result: [...], result_info, success, errors, messages}`; scripts
and connectors also write the logs one per line. Both are read: a page holds many calls
(`explode`), a line one.

A log: `id`, `created_at`, `provider` (the gateway's provider slug: `openai`, `anthropic`,
`workers-ai`, `azure-openai`, `google-ai-studio`, `google-vertex-ai`, `aws-bedrock`, `grok`,
`perplexity-ai`, ..., or `compat` for the OpenAI-compatible unified endpoint, whose `model` is
`<provider>/<model>`), `model`, `path`, `tokens_in`, `tokens_out`, `cost` (the gateway's estimate
in USD, or the user's own when `custom_cost`: the logged cost), `duration` (ms), `status_code`,
`success`, `cached`, `step` (the attempt's place in the gateway's fallback chain) and `metadata`
(the request's custom metadata, a JSON object as a string: its keys become tags, so `report --by
tag:team` works on them).

The logs carry no cached-input breakdown: `tokens_in` is priced at the input rate, so a call that
hit the provider's prompt cache is over-estimated (its logged cost is the gateway's own estimate).
A response served from the gateway's own cache (`cached: true`) never reached the provider and
cost nothing: its token columns and logged cost are 0, its counts kept in
`tags['gateway_cache_tokens']` ("in/out").
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, page_or_line, tag

_LOG = {"id": "VARCHAR", "created_at": "VARCHAR", "provider": "VARCHAR", "model": "VARCHAR", "model_type": "VARCHAR",
        "path": "VARCHAR", "tokens_in": "VARCHAR", "tokens_out": "VARCHAR", "cost": "VARCHAR", "custom_cost": "VARCHAR",
        "duration": "VARCHAR", "status_code": "VARCHAR", "success": "VARCHAR", "cached": "VARCHAR", "step": "VARCHAR",
        "metadata": "VARCHAR", "request_type": "VARCHAR"}

_CACHED = "coalesce(mm_bool(r.cached), false)"
_FAILED = "(NOT coalesce(mm_bool(r.success), true) OR coalesce(mm_int(r.status_code), 200) >= 400)"
_COMPAT = "(lower(r.provider) = 'compat' AND contains(r.model, '/'))"
# the gateway's provider slugs that mmaudit's names do not read as they are
_SLUG = ("CASE lower(r.provider) WHEN 'workers-ai' THEN 'cloudflare' WHEN 'google-vertex-ai' THEN 'vertex' "
         "WHEN 'perplexity-ai' THEN 'perplexity' WHEN 'grok' THEN 'xai' ELSE r.provider END")
_METADATA = ("CASE WHEN json_valid(r.metadata) AND json_type(r.metadata::JSON) = 'OBJECT' THEN list_transform("
             "json_keys(r.metadata::JSON), lambda k: {'key': k, 'value': json_extract_string(r.metadata::JSON, '$.\"' || k || '\"')}) "
             "ELSE [] END")


def _billed(count: str) -> str:
    """A token count as billed: 0 for a response the gateway's cache served."""
    return f"CASE WHEN {_CACHED} THEN 0 ELSE mm_int({count}) END"


_TAGS = [
    tag("gateway_cache_tokens", f"CASE WHEN {_CACHED} THEN coalesce(r.tokens_in, '0') || '/' || coalesce(r.tokens_out, '0') END"),
    tag("gateway_step", "CASE WHEN coalesce(mm_int(r.step), 0) > 0 THEN r.step END"),
    tag("gateway_path", "r.path"),
    tag("custom_cost", "CASE WHEN mm_bool(r.custom_cost) THEN 'true' END"),
]

FORMAT = LogFormat(
    name="cloudflare-gateway",
    description="Cloudflare AI Gateway request logs (its List Gateway Logs API pages, or one log per line)",
    structure={"result": "JSON", "tokens_in": "VARCHAR", "tokens_out": "VARCHAR", "provider": "VARCHAR",
               "path": "VARCHAR", "duration": "VARCHAR"},
    detect=("((json_type(r.result) = 'ARRAY' AND json_exists(r.result, '$[0].tokens_in')) "
            "OR (r.provider IS NOT NULL AND r.path IS NOT NULL AND r.duration IS NOT NULL "
            "AND (r.tokens_in IS NOT NULL OR r.tokens_out IS NOT NULL)))"),
    detect_hint="a `result` array of gateway logs (Cloudflare's List Gateway Logs), or logs with `provider`, `path`, "
    "`duration` and `tokens_in`/`tokens_out`",
    explode=page_or_line("result"),
    item_structure=_LOG,
    keep="(r.id IS NOT NULL AND r.provider IS NOT NULL)",
    columns={
        "call_id": "'cf-' || r.id",
        "ts": "mm_ts(r.created_at)",
        "provider": (f"CASE WHEN {_COMPAT} THEN mm_provider_name(split_part(r.model, '/', 1), model) "
                     f"ELSE mm_provider_name({_SLUG}, model) END"),
        "model": f"CASE WHEN {_COMPAT} THEN substr(r.model, strpos(r.model, '/') + 1) ELSE r.model END",
        "operation": "CASE WHEN regexp_matches(lower(coalesce(r.path, '') || ' ' || coalesce(r.model_type, '')), 'embed') "
                     "THEN 'embedding' ELSE 'chat' END",
        "input_tokens": _billed("r.tokens_in"),
        "output_tokens": _billed("r.tokens_out"),
        "latency_ms": "mm_num(r.duration)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type(mm_int(r.status_code)::INTEGER, NULL), 'unknown') END",
        "http_status": "coalesce(mm_int(r.status_code)::INTEGER, CASE WHEN NOT " + _FAILED + " THEN 200 END)",
        "logged_cost_usd": f"CASE WHEN {_CACHED} THEN 0 ELSE TRY_CAST(r.cost AS DECIMAL(38, 12)) END",
        "tags": (f"map_from_entries(list_filter(list_concat({_METADATA}, [{', '.join(_TAGS)}]), "
                 "lambda e: e.value IS NOT NULL))"),
    },
    numbers=("tokens_in", "tokens_out", "duration", "cost"),
    times=("created_at",),
)
