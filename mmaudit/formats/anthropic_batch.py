"""Anthropic Message Batches results: `{custom_id, result{type, message | error}}` lines.

`result.type` succeeded -> the `message` is a Messages body whose `usage.input_tokens` EXCLUDES
the cache, so reads and writes are added back as for the Messages API. errored -> a failed call
with the inner error type; expired -> a failed call with error_type 'timeout' (the batch window
ran out) and canceled -> 'client' (the caller cancelled), both with zero tokens: they were never
run, but they were asked for. The exact result type is kept in tags['batch_result'].
Every call here has `is_batch = true`; `custom_id` is kept as tags['custom_id'].

A batch REQUEST file (`custom_id, params`) is recognised by `INPUT_FILE` and refused.
"""

from __future__ import annotations

from mmaudit.formats.anthropic_messages import USAGE, step_helpers, usage_columns, usage_tags
from mmaudit.formats.base import LogFormat

_MESSAGE = {
    "id": "VARCHAR",
    "type": "VARCHAR",
    "model": "VARCHAR",
    "content": "JSON",
    "usage": USAGE,
}
_ERROR = {"type": "VARCHAR", "message": "VARCHAR", "error": {"type": "VARCHAR", "message": "VARCHAR"}}
_STRUCTURE = {"custom_id": "VARCHAR", "result": {"type": "VARCHAR", "message": _MESSAGE, "error": _ERROR}}

_M = "r.result.message"
_FAILED = "(r.result.type <> 'succeeded')"
_ERR_TYPE = "coalesce(r.result.error.error.type, r.result.error.type)"
_HTTP = (
    f"CASE {_ERR_TYPE} WHEN 'rate_limit_error' THEN 429 WHEN 'overloaded_error' THEN 529 WHEN 'api_error' THEN 500 "
    "WHEN 'invalid_request_error' THEN 400 WHEN 'authentication_error' THEN 401 WHEN 'permission_error' THEN 403 "
    "WHEN 'not_found_error' THEN 404 WHEN 'request_too_large' THEN 413 END"
)
_TEXT = f"mm_content_text({_M}.content)"

FORMAT = LogFormat(
    name="anthropic-batch",
    description="Anthropic Message Batches results: {custom_id, result{type, message|error}}",
    structure=_STRUCTURE,
    detect="(r.custom_id IS NOT NULL AND r.result.type IN ('succeeded', 'errored', 'canceled', 'expired'))",
    detect_hint="`custom_id` with `result.type` succeeded/errored/canceled/expired",
    columns={
        "call_id": f"coalesce({_M}.id, 'anthropic-batch:' || r.custom_id || ':' || md5(line))",
        "provider": "'anthropic'",
        "model": f"{_M}.model",
        **usage_columns(f"{_M}.usage"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": (
            "CASE WHEN r.result.type = 'expired' THEN 'timeout' WHEN r.result.type = 'canceled' THEN 'client' "
            f"WHEN {_FAILED} THEN coalesce(mm_error_type(({_HTTP})::INTEGER, {_ERR_TYPE}), 'unknown') END"
        ),
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "is_batch": "true",
        "tags": f"mm_merge_tags(MAP {{'custom_id': r.custom_id, 'batch_result': r.result.type}}, {usage_tags(f'{_M}.usage')})",
        "response_text": _TEXT,
    },
    numbers=("result.message.usage.input_tokens", "result.message.usage.output_tokens",
             "result.message.usage.cache_read_input_tokens", "result.message.usage.cache_creation_input_tokens"),
    output_text=_TEXT,
    helpers=step_helpers(f"{_M}.usage"),
)

INPUT_FILE = LogFormat(
    name="anthropic-batch-input",
    description="Anthropic Message Batches REQUEST file ({custom_id, params}): recognised and refused",
    structure={"custom_id": "VARCHAR", "params": "JSON", "result": "JSON"},
    detect="(r.custom_id IS NOT NULL AND r.params IS NOT NULL AND r.result IS NULL)",
    detect_hint="`custom_id` and `params` without a `result`",
    columns={},
    refuse="this is a batch input file: it has requests but no outcomes; ingest the batch results file",
)
