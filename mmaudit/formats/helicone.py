"""Helicone request exports (one object per request, as the export/query API returns them).

Helicone's `prompt_tokens` is the UNCACHED part: canonical input = prompt_tokens +
prompt_cache_read_tokens + prompt_cache_write_tokens. `completion_tokens` includes reasoning
(`reasoning_tokens`, when present, is kept as the reasoning share). `delay_ms` is the total
latency, `time_to_first_token` the TTFT, `cost` (USD) the logged cost, and
`request_properties` (Helicone-Property-* headers) plus the user become tags. When the export
carries the provider's `request_body` / `response_body`, their text is read for the categoriser.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.chat_text import all_text, json_or_string, messages_of, prompt_string, text_columns

_STRUCTURE = {
    "request_id": "VARCHAR", "request_created_at": "VARCHAR", "response_created_at": "VARCHAR",
    "response_status": "VARCHAR", "delay_ms": "VARCHAR", "time_to_first_token": "VARCHAR",
    "provider": "VARCHAR", "model": "VARCHAR", "request_model": "VARCHAR", "response_model": "VARCHAR",
    "prompt_tokens": "VARCHAR", "prompt_cache_read_tokens": "VARCHAR", "prompt_cache_write_tokens": "VARCHAR",
    "completion_tokens": "VARCHAR", "reasoning_tokens": "VARCHAR", "cost": "VARCHAR", "cost_usd": "VARCHAR",
    "request_user_id": "VARCHAR", "request_properties": "JSON", "request_body": "JSON", "response_body": "JSON",
}
_READ = "coalesce(mm_int(r.prompt_cache_read_tokens), 0)"
_WRITE = "coalesce(mm_int(r.prompt_cache_write_tokens), 0)"
_HTTP = "mm_int(r.response_status)::INTEGER"
_FAILED = f"(coalesce({_HTTP}, 200) >= 400 OR {_HTTP} = 0)"
_MODEL = first_id("r.response_model", "r.model", "r.request_model")
# The provider's own request and response bodies, when the export includes them (an export of
# metadata only, or bodies left in object storage behind `signed_body_url`, has none): OpenAI's
# `messages` (system inside) or Anthropic's (`system` beside them); the answer in `choices` or in
# Anthropic's `content` parts.
_REQ = json_or_string("r.request_body")
_RESP = json_or_string("r.response_body")
_MSGS = messages_of(_REQ)
_PROMPT = prompt_string(f"json_extract({_REQ}, '$.prompt')")
_SYSTEM = f"mm_content_text(json_extract({_REQ}, '$.system'))"
_ANSWER = (
    f"coalesce(json_extract_string({_RESP}, '$.choices[0].message.content'), json_extract_string({_RESP}, '$.choices[0].text'), "
    f"mm_content_text(json_extract({_RESP}, '$.content')))"
)
_TOOLS = f"coalesce(json_array_length({_REQ}, '$.tools'), json_array_length({_REQ}, '$.functions'), 0)"

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
        **text_columns(_MSGS, _PROMPT, _ANSWER, _SYSTEM),
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL OR {_PROMPT} IS NOT NULL THEN {_TOOLS} END",
        "response_format": f"json_extract_string({_REQ}, '$.response_format.type')",
    },
    numbers=("prompt_tokens", "prompt_cache_read_tokens", "prompt_cache_write_tokens", "completion_tokens"),
    times=("request_created_at",),
    prompt_text=all_text(_MSGS, _PROMPT, _SYSTEM),
    output_text=_ANSWER,
)
