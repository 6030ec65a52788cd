"""Helicone request exports (one object per request, as the export/query API returns them).

Helicone's `prompt_tokens` is the UNCACHED part: canonical input = prompt_tokens +
prompt_cache_read_tokens + prompt_cache_write_tokens. `completion_tokens` includes reasoning
(`reasoning_tokens`, when present, is kept as the reasoning share). `delay_ms` is the total
latency, `time_to_first_token` the TTFT, `cost` (USD) the logged cost, and
`request_properties` (Helicone-Property-* headers) plus the user become tags.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat

_STRUCTURE = {
    "request_id": "VARCHAR", "request_created_at": "VARCHAR", "response_created_at": "VARCHAR",
    "response_status": "VARCHAR", "delay_ms": "VARCHAR", "time_to_first_token": "VARCHAR",
    "provider": "VARCHAR", "model": "VARCHAR", "request_model": "VARCHAR", "response_model": "VARCHAR",
    "prompt_tokens": "VARCHAR", "prompt_cache_read_tokens": "VARCHAR", "prompt_cache_write_tokens": "VARCHAR",
    "completion_tokens": "VARCHAR", "reasoning_tokens": "VARCHAR", "cost": "VARCHAR", "cost_usd": "VARCHAR",
    "request_user_id": "VARCHAR", "request_properties": "JSON",
}
_READ = "coalesce(mm_int(r.prompt_cache_read_tokens), 0)"
_WRITE = "coalesce(mm_int(r.prompt_cache_write_tokens), 0)"
_HTTP = "mm_int(r.response_status)::INTEGER"
_FAILED = f"(coalesce({_HTTP}, 200) >= 400 OR {_HTTP} = 0)"
_MODEL = "coalesce(r.response_model, r.model, r.request_model)"

FORMAT = LogFormat(
    name="helicone",
    description="Helicone request exports: request_id, response_status, prompt/cache/completion tokens, cost",
    structure=_STRUCTURE,
    detect="(r.request_id IS NOT NULL AND (r.response_status IS NOT NULL OR r.request_created_at IS NOT NULL) AND r.delay_ms IS NOT NULL)",
    detect_hint="`request_id` with `response_status`/`request_created_at` and `delay_ms`",
    columns={
        "call_id": "r.request_id",
        "ts": "mm_ts(r.request_created_at)",
        "provider": f"mm_provider_name(r.provider, {_MODEL})",
        "model": _MODEL,
        "input_tokens": f"mm_int(r.prompt_tokens) + {_READ} + {_WRITE}",
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "output_tokens": "mm_int(r.completion_tokens)",
        "reasoning_tokens": "coalesce(mm_int(r.reasoning_tokens), 0)",
        "latency_ms": "mm_num(r.delay_ms)",
        "ttft_ms": "mm_num(r.time_to_first_token)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, NULL), 'timeout') END",
        "http_status": _HTTP,
        "logged_cost_usd": "TRY_CAST(coalesce(r.cost, r.cost_usd) AS DECIMAL(38, 12))",
        "tags": (
            "mm_merge_tags(mm_tags(r.request_properties), CASE WHEN r.request_user_id IS NOT NULL "
            "THEN MAP {'user': r.request_user_id} END)"
        ),
    },
    numbers=("prompt_tokens", "prompt_cache_read_tokens", "prompt_cache_write_tokens", "completion_tokens"),
    times=("request_created_at",),
)
