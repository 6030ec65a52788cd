"""Amazon Bedrock Converse API responses as applications log them: the `ConverseResponse` an SDK
returns (boto3's dict dumped as JSON, with its `ResponseMetadata`), bare or in a
`{modelId | request{modelId, messages, system}, response}` pair, and the SDK's error shape
(`{"Error": {Code, Message}, "ResponseMetadata": {HTTPStatusCode}}`, botocore's ClientError), or the
error body Bedrock's HTTP API returns (`{"__type": "ThrottlingException", "message"}`).

Token semantics are Bedrock's camelCase `usage`: `inputTokens` EXCLUDES the prompt cache
(`totalTokens` = inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens), so
canonical input = inputTokens + cacheReadInputTokens + cacheWriteInputTokens; `outputTokens` is
all output. `metrics.latencyMs` is the latency, `serviceTier.type` (default, priority, flex,
reserved) the service tier, and latency-optimized inference (`performanceConfig.latency`) the tier
`latency-optimized` (also when the response names `serviceTier: default` beside it: AWS bills the
optimized latency at rates of its own; `latency_tier` in bedrock.py, shared with the invocation
logs). genai-prices lists no Bedrock tier rates, so every such call is unpriced and reported.
A Converse response names no model: it comes from the pair's `modelId` / `request.modelId`, or
`trace.promptRouter.invokedModelId` when a prompt router chose it (NULL for a bare dump, which is
then unpriced, never $0). The call id is the response's
`ResponseMetadata.RequestId`; its time the wrapper's `timestamp`, else the HTTP `date` header.

A call a guardrail blocked before the model ran (`stopReason` guardrail_intervened or
content_filtered with no model tokens) is a failed call with zero tokens, as in bedrock.py; with
token counts it was billed: status ok, with `tags['guardrail'] = 'intervened'`.
Bedrock's own invocation logs of Converse calls are the `bedrock` format's.

`ConverseStream` events, logged one per line as the SDK yields them (`messageStart`,
`contentBlockDelta`, ..., `messageStop` with the stop reason, then `metadata` with the usage and
latency), are the `bedrock-converse-stream` format (`STREAM`): one call per `metadata` event, with
the stop reason of the `messageStop` before it (a window over line numbers). The metadata event
names the tier that served the stream as a Converse response does (ConverseStreamMetadataEvent:
`serviceTier`, "the processing tier configuration used for serving the request", and
`performanceConfig`): read the same way (a flex stream was charged the standard rate). The stream's
exception events (`throttlingException`, `modelStreamErrorException`, ...) are failed calls. No
event names the model or an id: a wrapper's `modelId` gives the model, else the call is unpriced;
the id is derived from the line, as for every record without one.
"""

from __future__ import annotations

from mmaudit.formats.base import IN_LINE_ORDER, LogFormat, first_id
from mmaudit.formats.bedrock import BLOCK_REASONS, cache_written_1h, error_http, latency_tier
from mmaudit.formats.pairs import body

_USAGE = {k: "VARCHAR" for k in ("inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens",
                                 "cacheWriteInputTokens")}
_USAGE["cacheDetails"] = "JSON"  # the writes by lifetime: [{ttl: 5m|1h, inputTokens}]
_META = {"RequestId": "VARCHAR", "HTTPStatusCode": "VARCHAR", "HTTPHeaders": {"date": "VARCHAR"}}
_RESPONSE = {
    "ResponseMetadata": _META,
    "output": {"message": {"role": "VARCHAR", "content": "JSON"}},
    "stopReason": "VARCHAR",
    "usage": _USAGE,
    "metrics": {"latencyMs": "VARCHAR"},
    "serviceTier": {"type": "VARCHAR"},
    "performanceConfig": {"latency": "VARCHAR"},  # "optimized": latency-optimized inference, its own rates
    "trace": {"promptRouter": {"invokedModelId": "VARCHAR"}},
    "Error": {"Code": "VARCHAR", "Message": "VARCHAR"},
    "__type": "VARCHAR",  # the HTTP API's error body (AWS JSON protocol): "ThrottlingException" or "...#ThrottlingException"
    "message": "VARCHAR",
}
_REQUEST = {"modelId": "VARCHAR", "system": "JSON", "messages": "JSON", "toolConfig": {"tools": "JSON"}}
_WRAPPER = {"modelId": "VARCHAR", "timestamp": "VARCHAR", "latency_ms": "VARCHAR", "schemaType": "VARCHAR",
            "tags": "JSON", "metadata": "JSON"}

_U = "usage"


_READ = f"coalesce(mm_int({body(_U + '.cacheReadInputTokens')}), 0)"
_WRITE = f"coalesce(mm_int({body(_U + '.cacheWriteInputTokens')}), 0)"
_AWS_TYPE = f"nullif(regexp_extract({body('__type')}, '([A-Za-z]+Exception)$', 1), '')"
_CODE = f"coalesce({body('Error.Code')}, {_AWS_TYPE})"
_STATUS = f"mm_int({body('ResponseMetadata.HTTPStatusCode')})"
_REASONS = ", ".join(repr(x) for x in BLOCK_REASONS)
_BLOCKED = (f"({body('stopReason')} IN ({_REASONS}) "
            f"AND coalesce(mm_int({body(_U + '.inputTokens')}), 0) = 0 AND coalesce(mm_int({body(_U + '.outputTokens')}), 0) = 0)")
_FAILED = f"({_CODE} IS NOT NULL OR coalesce({_STATUS}, 0) >= 400 OR {_BLOCKED})"
_HTTP = f"coalesce({_STATUS}, {error_http(_CODE)})"
_MSGS = "r.request.messages"
_SYSTEM = "mm_content_text(r.request.system)"
_TEXT = f"mm_content_text({body('output.message.content')})"
_IS_RESPONSE = (f"({body(_U + '.inputTokens')} IS NOT NULL AND ({body('stopReason')} IS NOT NULL "
                f"OR {body('output.message.content')} IS NOT NULL))")
_IS_ERROR = (f"({body('Error.Code')} IS NOT NULL AND {body('ResponseMetadata.HTTPStatusCode')} IS NOT NULL "
             f"OR ({_AWS_TYPE} IS NOT NULL AND {body('message')} IS NOT NULL))")
_HTTP_DATE = f"try_strptime({body('ResponseMetadata.HTTPHeaders.date')}, '%a, %d %b %Y %H:%M:%S GMT')::TIMESTAMPTZ"

FORMAT = LogFormat(
    name="bedrock-converse",
    description="Amazon Bedrock Converse API responses (SDK dumps, {modelId|request, response} pairs, SDK error shapes)",
    structure={**_RESPONSE, "response": _RESPONSE, "request": _REQUEST, **_WRAPPER},
    detect=f"(r.schemaType IS NULL AND ({_IS_RESPONSE} OR {_IS_ERROR}))",
    detect_hint="a camelCase `usage.inputTokens` with `stopReason` or `output.message` (bare or under `response`), "
    "or an SDK `Error.Code` with `ResponseMetadata`",
    columns={
        "call_id": body("ResponseMetadata.RequestId"),
        "ts": f"coalesce(mm_ts(r.timestamp), {_HTTP_DATE})",
        "provider": "'aws-bedrock'",
        "model": first_id("r.modelId", "r.request.modelId", body("trace.promptRouter.invokedModelId")),
        "input_tokens": f"mm_int({body(_U + '.inputTokens')}) + {_READ} + {_WRITE}",
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "cache_write_1h_tokens": cache_written_1h(body(_U + ".cacheDetails")),
        "output_tokens": f"mm_int({body(_U + '.outputTokens')})",
        "latency_ms": f"coalesce(mm_num({body('metrics.latencyMs')}), mm_num(r.latency_ms))",
        "service_tier": latency_tier(body("serviceTier.type"), body("performanceConfig.latency")),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_BLOCKED} THEN 'content_filter' "
        f"WHEN {_FAILED} THEN coalesce(mm_error_type(({_HTTP})::INTEGER, {_CODE}), 'client') END",
        "http_status": f"CASE WHEN {_BLOCKED} THEN coalesce({_STATUS}, 200) WHEN {_FAILED} THEN {_HTTP} "
        f"ELSE coalesce({_STATUS}, 200) END",
        "tags": (
            "mm_merge_tags(mm_merge_tags(mm_tags(r.metadata), mm_tags(r.tags)), map_from_entries(list_filter(["
            f"{{'key': 'stop_reason', 'value': {body('stopReason')}}}, "
            f"{{'key': 'blocked', 'value': CASE WHEN {_BLOCKED} THEN 'guardrail_intervened' END}}, "
            f"{{'key': 'guardrail', 'value': CASE WHEN {body('stopReason')} IN ({_REASONS}) AND NOT {_BLOCKED} "
            "THEN 'intervened' END}], "
            "lambda e: e.value IS NOT NULL)))"
        ),
        "system_prompt": _SYSTEM,
        "user_prompt": f"mm_last_user({_MSGS})",
        "response_text": _TEXT,
        "prompt_chars": f"length(nullif(concat_ws(chr(10), {_SYSTEM}, mm_all_text({_MSGS})), ''))",
        "n_messages": f"json_array_length({_MSGS})",
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL THEN coalesce(json_array_length(r.request.toolConfig.tools), 0) END",
        "has_image": f"mm_has_image({_MSGS})",
    },
    numbers=tuple(f"{p}usage.{k}" for p in ("", "response.") for k in
                  ("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens")),
    times=("timestamp",),
    prompt_text=f"nullif(concat_ws(chr(10), {_SYSTEM}, mm_all_text({_MSGS})), '')",
    output_text=_TEXT,
)


# ConverseStream's exception events, each `{"<name>": {"message": ...}}`, and their HTTP statuses
_STREAM_ERRORS = {"internalServerException": "InternalServerException", "modelStreamErrorException":
                  "ModelStreamErrorException", "validationException": "ValidationException",
                  "throttlingException": "ThrottlingException", "serviceUnavailableException": "ServiceUnavailableException"}
_STREAM_ERROR = ("CASE " + " ".join(f"WHEN r.{k}.message IS NOT NULL THEN '{v}'" for k, v in _STREAM_ERRORS.items())
                 + " END")
_SU = "r.metadata.usage"
_S_READ = f"coalesce(mm_int({_SU}.cacheReadInputTokens), 0)"
_S_WRITE = f"coalesce(mm_int({_SU}.cacheWriteInputTokens), 0)"
_STOP = ("CASE WHEN r.metadata IS NOT NULL THEN last_value(r.messageStop.stopReason IGNORE NULLS) "
         f"{IN_LINE_ORDER} END")
_S_BLOCKED = (f"({_STOP} IN ({', '.join(repr(x) for x in BLOCK_REASONS)}) "
              f"AND coalesce(mm_int({_SU}.inputTokens), 0) = 0 AND coalesce(mm_int({_SU}.outputTokens), 0) = 0)")
_S_FAILED = f"({_STREAM_ERROR} IS NOT NULL OR {_S_BLOCKED})"
_EVENTS = ("messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop")

STREAM = LogFormat(
    name="bedrock-converse-stream",
    description="Amazon Bedrock ConverseStream events (messageStart ... metadata): one call per metadata event",
    structure={**{e: "JSON" for e in _EVENTS}, "messageStop": {"stopReason": "VARCHAR"},
               "metadata": {"usage": _USAGE, "metrics": {"latencyMs": "VARCHAR"}, "performanceConfig": {"latency": "VARCHAR"},
                            "serviceTier": {"type": "VARCHAR"},
                            "trace": {"promptRouter": {"invokedModelId": "VARCHAR"}}},
               **{k: {"message": "VARCHAR"} for k in _STREAM_ERRORS}, "modelId": "VARCHAR", "timestamp": "VARCHAR"},
    detect=("(" + " OR ".join(f"r.{e} IS NOT NULL" for e in _EVENTS if e != "messageStop")
            + " OR r.messageStop.stopReason IS NOT NULL OR r.metadata.usage.inputTokens IS NOT NULL "
            + f"OR {_STREAM_ERROR} IS NOT NULL)"),
    detect_hint="ConverseStream events, one per line: `messageStart`, `contentBlockDelta`, `messageStop`, `metadata`",
    skip=f"(r.metadata.usage IS NULL AND {_STREAM_ERROR} IS NULL)",
    carry="r.messageStop.stopReason IS NOT NULL",
    context="r.messageStop.stopReason IS NOT NULL",
    columns={
        "ts": "mm_ts(r.timestamp)",
        "provider": "'aws-bedrock'",
        "model": "coalesce(r.modelId, r.metadata.trace.promptRouter.invokedModelId)",
        "input_tokens": f"mm_int({_SU}.inputTokens) + {_S_READ} + {_S_WRITE}",
        "cached_input_tokens": _S_READ,
        "cache_write_tokens": _S_WRITE,
        "cache_write_1h_tokens": cache_written_1h(f"{_SU}.cacheDetails"),
        "service_tier": latency_tier("r.metadata.serviceTier.type", "r.metadata.performanceConfig.latency"),
        "output_tokens": f"mm_int({_SU}.outputTokens)",
        "latency_ms": "mm_num(r.metadata.metrics.latencyMs)",
        "status": f"CASE WHEN {_S_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_S_BLOCKED} THEN 'content_filter' "
        f"WHEN {_S_FAILED} THEN coalesce(mm_error_type(({error_http(_STREAM_ERROR)})::INTEGER, {_STREAM_ERROR}), 'server') END",
        "http_status": f"CASE WHEN {_STREAM_ERROR} IS NOT NULL THEN {error_http(_STREAM_ERROR)} ELSE 200 END",
        "tags": (f"map_from_entries(list_filter([{{'key': 'stop_reason', 'value': {_STOP}}}, "
                 f"{{'key': 'blocked', 'value': CASE WHEN {_S_BLOCKED} THEN 'guardrail_intervened' END}}, "
                 f"{{'key': 'guardrail', 'value': CASE WHEN {_STOP} IN ({_REASONS}) AND NOT {_S_BLOCKED} "
                 "THEN 'intervened' END}], "
                 "lambda e: e.value IS NOT NULL))"),
    },
    numbers=tuple(f"metadata.usage.{k}" for k in ("inputTokens", "outputTokens", "cacheReadInputTokens",
                                                  "cacheWriteInputTokens")),
    times=("timestamp",),
)
