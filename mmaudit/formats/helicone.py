"""Helicone request exports (one object per request, as the export/query API returns them).

Helicone's `prompt_tokens` is the UNCACHED part: canonical input = prompt_tokens +
prompt_cache_read_tokens + prompt_cache_write_tokens (its OpenAI usage processor takes the cached
tokens out of `prompt_tokens`; Anthropic's `input_tokens`, which it stores, is already uncached).

`completion_tokens` EXCLUDES the reasoning since Helicone began storing `reasoning_tokens` apart
(Helicone/helicone#5429, December 2025): `HandlerContext.getCompletionTokens` returns the usage
processor's `output`, which `openAIUsageProcessor` computes as completion_tokens - audio -
reasoning_tokens ("reasoning/thinking tokens are now tracked separately and NOT included in
completion tokens"), and the export selects `(prompt_tokens + completion_tokens + reasoning_tokens)
AS total_tokens`. So output = completion_tokens + reasoning_tokens: a real gpt-5-mini answer of 75
completion tokens, 64 of them reasoning, is exported as completion 11 + reasoning 64. Rows written
before the column existed hold reasoning_tokens 0 and are read as they are (a count that left the
reasoning out then cannot be mended from the row). `total_tokens` tells nothing more: the export
query computes it from the same columns.
One exception, in Helicone's own code: when the processor's output is 0 (an answer that is all
reasoning, cut off at its token limit), `getCompletionTokens` falls back to the body parser's raw
`completion_tokens`, which includes the reasoning, so the row holds completion = reasoning_tokens;
such a row is output = completion_tokens (adding would bill the reasoning twice).

A Helicone gateway cache hit (`cache_reference_id` naming the cached request, not the all-zero
uuid) made no provider call: Helicone writes it with every token count 0 ("We don't track tokens
on cache hits, since cost is 0"); it is a success with zero tokens, tagged tags['cache_hit'] =
'true', as the litellm reader tags LiteLLM's own cache hits.

Not read: `prompt_cache_write_tokens` is Helicone's write5m + write1h, with no split in the export
(1-hour writes are priced at the 5-minute rate; only `cost` shows them). The audio counts are not
in the export query's columns, and where Helicone's rows hold them, whether `prompt_tokens`
includes them changed between versions; audio is priced as text.

`delay_ms` is the total latency, `time_to_first_token` the TTFT, `cost` (USD) the logged cost, and
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
    "cache_reference_id": "VARCHAR",
}
_READ = "coalesce(mm_int(r.prompt_cache_read_tokens), 0)"
_WRITE = "coalesce(mm_int(r.prompt_cache_write_tokens), 0)"
_REASONING = "coalesce(mm_int(r.reasoning_tokens), 0)"
_COMPLETION = "coalesce(mm_int(r.completion_tokens), 0)"
# completion_tokens + reasoning_tokens; completion = reasoning is Helicone's fallback to the raw,
# reasoning-inclusive count for an answer whose non-reasoning output is 0 (module docstring)
_OUTPUT = (f"CASE WHEN {_REASONING} = 0 THEN mm_int(r.completion_tokens) WHEN {_COMPLETION} = {_REASONING} "
           f"THEN {_REASONING} ELSE {_COMPLETION} + {_REASONING} END")
# Helicone's DEFAULT_UUID marks a request that was not served from its cache
_HIT = "coalesce(r.cache_reference_id NOT IN ('', '00000000-0000-0000-0000-000000000000'), false)"
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
        "input_tokens": f"CASE WHEN {_HIT} THEN 0 ELSE mm_int(r.prompt_tokens) + {_READ} + {_WRITE} END",
        "cached_input_tokens": f"CASE WHEN {_HIT} THEN 0 ELSE {_READ} END",
        "cache_write_tokens": f"CASE WHEN {_HIT} THEN 0 ELSE {_WRITE} END",
        "output_tokens": f"CASE WHEN {_HIT} THEN 0 ELSE {_OUTPUT} END",
        "reasoning_tokens": f"CASE WHEN {_HIT} THEN 0 ELSE {_REASONING} END",
        "latency_ms": "mm_num(r.delay_ms)",
        "ttft_ms": "mm_num(r.time_to_first_token)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, NULL), 'timeout') END",
        "http_status": _HTTP,
        "logged_cost_usd": "TRY_CAST(coalesce(r.cost, r.cost_usd) AS DECIMAL(38, 12))",
        "tags": (
            "mm_merge_tags(mm_merge_tags(mm_tags(r.request_properties), CASE WHEN r.request_user_id IS NOT NULL "
            f"THEN MAP {{'user': r.request_user_id}} END), CASE WHEN {_HIT} THEN MAP {{'cache_hit': 'true'}} END)"
        ),
        **text_columns(_MSGS, _PROMPT, _ANSWER, _SYSTEM),
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL OR {_PROMPT} IS NOT NULL THEN {_TOOLS} END",
        "response_format": f"json_extract_string({_REQ}, '$.response_format.type')",
    },
    numbers=("prompt_tokens", "prompt_cache_read_tokens", "prompt_cache_write_tokens", "completion_tokens",
             "reasoning_tokens"),
    times=("request_created_at",),
    prompt_text=all_text(_MSGS, _PROMPT, _SYSTEM),
    output_text=_ANSWER,
)
