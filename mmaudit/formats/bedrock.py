"""Amazon Bedrock model invocation logs (CloudWatch / S3 delivery): one JSON object per call with
`schemaType: "ModelInvocationLog"`.

`modelId` is kept exactly as logged (`us.`/`global.` inference-profile prefixes and ARNs
included) so the price table can tell them apart. `input.inputTokenCount` excludes the prompt
cache for Claude models (Bedrock reports cache reads and writes separately, as Anthropic does),
so canonical input = inputTokenCount + cacheReadInputTokenCount + cacheWriteInputTokenCount.
When the top-level counts are missing, the Converse body's camelCase `usage` is used instead.
`errorCode` (ThrottlingException, ModelTimeoutException, ...) marks a failed call.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat

_CONVERSE_USAGE = {
    "inputTokens": "VARCHAR",
    "outputTokens": "VARCHAR",
    "cacheReadInputTokens": "VARCHAR",
    "cacheWriteInputTokens": "VARCHAR",
}
_STRUCTURE = {
    "schemaType": "VARCHAR",
    "timestamp": "VARCHAR",
    "accountId": "VARCHAR",
    "region": "VARCHAR",
    "requestId": "VARCHAR",
    "operation": "VARCHAR",
    "modelId": "VARCHAR",
    "errorCode": "VARCHAR",
    "input": {
        "inputTokenCount": "VARCHAR",
        "cacheReadInputTokenCount": "VARCHAR",
        "cacheWriteInputTokenCount": "VARCHAR",
        "inputBodyJson": {"system": "JSON", "messages": "JSON", "toolConfig": {"tools": "JSON"}, "tools": "JSON"},
    },
    "output": {
        "outputTokenCount": "VARCHAR",
        "outputBodyJson": {
            "usage": _CONVERSE_USAGE,
            "metrics": {"latencyMs": "VARCHAR"},
            "output": {"message": {"content": "JSON"}},
            "content": "JSON",
        },
    },
}

_U = "r.output.outputBodyJson.usage"
_READ = f"coalesce(mm_int(coalesce(r.input.cacheReadInputTokenCount, {_U}.cacheReadInputTokens)), 0)"
_WRITE = f"coalesce(mm_int(coalesce(r.input.cacheWriteInputTokenCount, {_U}.cacheWriteInputTokens)), 0)"
_FAILED = "(r.errorCode IS NOT NULL)"
_HTTP = (
    "CASE r.errorCode WHEN 'ThrottlingException' THEN 429 WHEN 'ServiceQuotaExceededException' THEN 429 "
    "WHEN 'ModelNotReadyException' THEN 429 WHEN 'ModelTimeoutException' THEN 408 "
    "WHEN 'InternalServerException' THEN 500 WHEN 'ServiceUnavailableException' THEN 503 "
    "WHEN 'ModelErrorException' THEN 424 WHEN 'ValidationException' THEN 400 "
    "WHEN 'AccessDeniedException' THEN 403 WHEN 'ResourceNotFoundException' THEN 404 END"
)
_IN = "r.input.inputBodyJson"
_SYSTEM = f"mm_content_text({_IN}.system)"
_TEXT = "mm_content_text(coalesce(r.output.outputBodyJson.output.message.content, r.output.outputBodyJson.content))"

FORMAT = LogFormat(
    name="bedrock",
    description="Amazon Bedrock model invocation logs (schemaType ModelInvocationLog; InvokeModel and Converse)",
    structure=_STRUCTURE,
    detect="(r.schemaType = 'ModelInvocationLog' OR (r.modelId IS NOT NULL AND r.requestId IS NOT NULL AND r.operation IS NOT NULL))",
    detect_hint='`schemaType: "ModelInvocationLog"` (or `modelId`, `requestId` and `operation`)',
    columns={
        "call_id": "r.requestId",
        "ts": "mm_ts(r.timestamp)",
        "provider": "'aws-bedrock'",
        "model": "r.modelId",
        "operation": "CASE WHEN regexp_matches(lower(coalesce(r.modelId, '')), 'embed') THEN 'embedding' ELSE 'chat' END",
        "input_tokens": f"mm_int(coalesce(r.input.inputTokenCount, {_U}.inputTokens)) + {_READ} + {_WRITE}",
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "output_tokens": f"mm_int(coalesce(r.output.outputTokenCount, {_U}.outputTokens))",
        "latency_ms": "mm_num(r.output.outputBodyJson.metrics.latencyMs)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type(({_HTTP})::INTEGER, r.errorCode), 'client') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "tags": "map_from_entries(list_filter([{'key': 'region', 'value': r.region}, {'key': 'account', 'value': r.accountId}], lambda e: e.value IS NOT NULL))",
        "system_prompt": _SYSTEM,
        "user_prompt": f"mm_last_user({_IN}.messages)",
        "response_text": _TEXT,
        "prompt_chars": f"length(nullif(concat_ws(chr(10), {_SYSTEM}, mm_all_text({_IN}.messages)), ''))",
        "n_messages": f"json_array_length({_IN}.messages)",
        "n_tools": f"CASE WHEN {_IN}.messages IS NOT NULL THEN coalesce(json_array_length(coalesce({_IN}.toolConfig.tools, {_IN}.tools)), 0) END",
        "has_image": f"mm_has_image({_IN}.messages)",
    },
    numbers=("input.inputTokenCount", "input.cacheReadInputTokenCount", "input.cacheWriteInputTokenCount",
             "output.outputTokenCount"),
    times=("timestamp",),
    prompt_text=f"nullif(concat_ws(chr(10), {_SYSTEM}, mm_all_text({_IN}.messages)), '')",
    output_text=_TEXT,
)
