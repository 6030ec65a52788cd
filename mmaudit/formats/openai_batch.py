"""OpenAI Batch API output and error files: one `{id, custom_id, response{status_code, request_id,
body}, error{code, message}}` line per request.

The body is whatever the endpoint returns (chat.completion, response, embedding list), so usage
is read under both naming schemes; both already include cached and reasoning tokens. A line is a
failure when `error` is set or the status code is >= 400 (a 429 means the batch's token quota ran
out). Every call here has `is_batch = true`; `custom_id` is kept as tags['custom_id']. Groq's Batch
API writes the same lines, its bodies signed `x_groq`: provider `groq` (they were read as OpenAI's
calls, and reported unknown for a model OpenAI does not sell); no Groq batch discount is on
record (docs/pricing.md), so they are unpriced and reported, never charged the synchronous rate.

A batch INPUT file (`custom_id, method, url, body`, no outcome) is recognised by `INPUT_FILE`
and refused: it says what was asked, not what happened.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat

_USAGE = {
    "prompt_tokens": "VARCHAR",
    "completion_tokens": "VARCHAR",
    "input_tokens": "VARCHAR",
    "output_tokens": "VARCHAR",
    "prompt_tokens_details": {"cached_tokens": "VARCHAR", "cache_write_tokens": "VARCHAR"},
    "completion_tokens_details": {"reasoning_tokens": "VARCHAR"},
    "input_tokens_details": {"cached_tokens": "VARCHAR"},
    "output_tokens_details": {"reasoning_tokens": "VARCHAR"},
}
_BODY = {
    "id": "VARCHAR",
    "object": "VARCHAR",
    "created": "VARCHAR",
    "created_at": "VARCHAR",
    "model": "VARCHAR",
    "service_tier": "VARCHAR",
    "choices": "JSON",
    "output": "JSON",
    "usage": _USAGE,
    "error": {"code": "VARCHAR", "type": "VARCHAR", "message": "VARCHAR"},
    "x_groq": {"id": "VARCHAR"},  # Groq's Batch API answers in this file format, its bodies signed so
    "prompt_filter_results": "JSON",  # Azure OpenAI's global batch signs its bodies so (as openai-chat reads)
}
_STRUCTURE = {
    "id": "VARCHAR",
    "custom_id": "VARCHAR",
    "response": {"status_code": "VARCHAR", "request_id": "VARCHAR", "body": _BODY},
    "error": {"code": "VARCHAR", "message": "VARCHAR"},
}

_B = "r.response.body"
_U = f"{_B}.usage"
_STATUS = "mm_int(r.response.status_code)"
_CODE = f"coalesce(r.error.code, {_B}.error.code, {_B}.error.type)"
_FAILED = f"(r.error.code IS NOT NULL OR r.error.message IS NOT NULL OR coalesce({_STATUS}, 0) >= 400)"
_ERR = f"coalesce(mm_error_type({_STATUS}::INTEGER, {_CODE}), 'client')"
_HTTP = f"coalesce({_STATUS}, CASE {_ERR} WHEN 'rate_limit' THEN 429 WHEN 'server' THEN 500 WHEN 'timeout' THEN 504 END)"
_TEXT = (
    f"coalesce(json_extract_string({_B}.choices, '$[0].message.content'), "
    f"nullif(array_to_string(json_extract_string({_B}.output, '$[*].content[*].text'), chr(10)), ''))"
)

FORMAT = LogFormat(
    name="openai-batch",
    description="OpenAI Batch API output/error files: {id, custom_id, response{status_code, body}, error}",
    structure=_STRUCTURE,
    detect="(r.custom_id IS NOT NULL AND (r.response.status_code IS NOT NULL OR r.error.code IS NOT NULL OR r.error.message IS NOT NULL))",
    detect_hint="`custom_id` with `response.status_code` or `error`",
    columns={
        "call_id": f"coalesce(r.id, r.response.request_id, {_B}.id)",
        "ts": f"coalesce(mm_ts({_B}.created), mm_ts({_B}.created_at))",
        # the batch files of OpenAI-compatible platforms (Alibaba's DashScope, UCloud's ModelVerse)
        # serve other makers' models: their vendor, as openai-chat names them; else OpenAI's
        "provider": (f"CASE WHEN {_B}.x_groq.id IS NOT NULL THEN 'groq' "
                     f"WHEN {_B}.prompt_filter_results IS NOT NULL OR mm_provider_from_model(model) = 'azure' THEN 'azure' "
                     "ELSE coalesce(nullif(mm_provider_from_model(model), 'unknown'), 'openai') END"),
        "model": f"{_B}.model",
        "operation": f"CASE WHEN {_B}.object = 'list' THEN 'embedding' ELSE 'chat' END",
        "input_tokens": f"mm_int(coalesce({_U}.prompt_tokens, {_U}.input_tokens))",
        "cached_input_tokens": f"coalesce(mm_int(coalesce({_U}.prompt_tokens_details.cached_tokens, {_U}.input_tokens_details.cached_tokens)), 0)",
        "cache_write_tokens": f"coalesce(mm_int({_U}.prompt_tokens_details.cache_write_tokens), 0)",
        "output_tokens": (
            f"coalesce(mm_int(coalesce({_U}.completion_tokens, {_U}.output_tokens)), "
            f"CASE WHEN {_B}.object = 'list' AND {_U}.prompt_tokens IS NOT NULL THEN 0 END)"
        ),
        "reasoning_tokens": f"coalesce(mm_int(coalesce({_U}.completion_tokens_details.reasoning_tokens, {_U}.output_tokens_details.reasoning_tokens)), 0)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN {_ERR} END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE coalesce({_STATUS}, 200) END",
        "is_batch": "true",
        "service_tier": f"{_B}.service_tier",
        "tags": "CASE WHEN r.custom_id IS NOT NULL THEN MAP {'custom_id': r.custom_id} END",
        "response_text": _TEXT,
    },
    numbers=("response.body.usage.prompt_tokens", "response.body.usage.completion_tokens",
             "response.body.usage.input_tokens", "response.body.usage.output_tokens"),
    times=("response.body.created", "response.body.created_at"),
    output_text=_TEXT,
)

INPUT_FILE = LogFormat(
    name="openai-batch-input",
    description="OpenAI Batch API INPUT file ({custom_id, method, url, body}): recognised and refused",
    structure={"custom_id": "VARCHAR", "method": "VARCHAR", "url": "VARCHAR", "body": "JSON",
               "response": "JSON", "error": "JSON"},
    detect="(r.custom_id IS NOT NULL AND r.method IS NOT NULL AND r.url IS NOT NULL AND r.response IS NULL AND r.error IS NULL)",
    detect_hint="`custom_id`, `method` and `url` without an outcome",
    columns={},
    refuse="this is a batch input file: it has requests but no outcomes; ingest the batch output file",
)
