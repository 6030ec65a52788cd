"""Amazon Bedrock model invocation logs (CloudWatch / S3 delivery): one JSON object per call with
`schemaType: "ModelInvocationLog"`.

`modelId` is kept exactly as logged (`us.`/`global.` inference-profile prefixes and ARNs
included) so the price table can tell them apart. `input.inputTokenCount` excludes the prompt
cache for Claude models (Bedrock reports cache reads and writes separately, as Anthropic does),
so canonical input = inputTokenCount + cacheReadInputTokenCount + cacheWriteInputTokenCount.
When the top-level counts are missing, the Converse body's camelCase `usage` is used instead.
`errorCode` (ThrottlingException, ModelTimeoutException, ...) marks a failed call.
An InvokeModel body from a Claude model gives the 1-hour cache-write breakdown
(`usage.cache_creation.ephemeral_1h_input_tokens`), a Converse body its `usage.cacheDetails`
(`[{ttl: "1h", inputTokens}]`); a streamed InvokeModel (`InvokeModelWithResponseStream`) logs
its body as the LIST of the stream's chunks, whose `message_start` carries the breakdown
(`[*].message.usage.cache_creation`).

A call a guardrail blocked before the model ran (`outputBodyJson["amazon-bedrock-guardrailAction"]:
"INTERVENED"`, or a Converse `stopReason` of guardrail_intervened / content_filtered, with no
model token counts) is a failed call with zero tokens, never estimated: status error,
error_type content_filter, http_status 200 (Bedrock answered with the guardrail's message), and
tags['blocked'] = 'guardrail_intervened'. When the guardrail intervened on the OUTPUT the model
ran and its counts were billed: the call keeps them (status ok) and carries
tags['guardrail'] = 'intervened'.

The service tier (`service_tier`) is the one the call was served at, as the `bedrock-converse` format
reads it (`latency_tier`): AWS's `ServiceTier.type` (default, priority, flex, reserved), or
`latency-optimized` for latency-optimized inference (`performanceConfig.latency: "optimized"`).
Bedrock bills flex at a discount, priority and reserved at their own rates and latency-optimized
inference at rates of its own; genai-prices lists none of them, so such a call is unpriced and
reported ("no rate for service tier flex"), never charged the standard rate (it was: a flex call
at the standard rate AWS discounts, a priority one under its premium). Where each is logged: a Converse call's `outputBodyJson` is its
ConverseResponse, with `serviceTier` and `performanceConfig` (AWS's Converse API reference); a
ConverseStream call's is the same object, or, as some loggers keep it, the list of its events,
whose `metadata` event carries them (ConverseStreamMetadataEvent); the request (`inputBodyJson`)
carries what was asked for (ConverseRequest `serviceTier`, `performanceConfig`); the log itself
has a top-level `performanceConfig.latency` (the invocation-log schema as Panther documents it:
InvokeModel takes the setting as a header, `X-Amzn-Bedrock-PerformanceConfig-Latency`). The answer's
values come first (what served the call: a reserved request past its reservation overflows to
standard, a latency-optimized one past its quota is served and billed standard, and the answer
says so), then the log's, then the request's: a request for flex whose answer names no tier is
unpriced with its reason, never priced at standard. A top-level `serviceTier` is not Bedrock's: a
captured InvokeModel call's `X-Amzn-Bedrock-Service-Tier` response header (ingest/bedrock_invoke.py).
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat

_CONVERSE_USAGE = {
    "inputTokens": "VARCHAR",
    "outputTokens": "VARCHAR",
    "cacheReadInputTokens": "VARCHAR",
    "cacheWriteInputTokens": "VARCHAR",
    "cache_creation": {"ephemeral_1h_input_tokens": "VARCHAR"},  # a Claude InvokeModel body
    "cacheDetails": "JSON",  # a Converse body: the writes by lifetime, [{ttl: 5m|1h, inputTokens}]
}


def cache_written_1h(details: str) -> str:
    """The cache writes of a Converse `usage.cacheDetails` list (AWS's TokenUsage: `[{ttl, inputTokens}]`)
    that live an hour, billed at twice the input rate against 1.25x for five minutes."""
    return (f"coalesce(list_sum(list_transform(list_filter(coalesce(json_extract({details}, '$[*]'), []), "
            "lambda d: json_extract_string(d, '$.ttl') = '1h'), "
            "lambda d: coalesce(mm_int(json_extract_string(d, '$.inputTokens')), 0))), 0)")
# The tier a Converse request asks for and its response (or a ConverseStream metadata event) was
# served at: AWS's ServiceTier {type: default|priority|flex|reserved} and PerformanceConfiguration
# {latency: standard|optimized}.
_TIER = {"serviceTier": {"type": "VARCHAR"}, "performanceConfig": {"latency": "VARCHAR"}}


def latency_tier(tier: str, latency: str) -> str:
    """The service tier, or `latency-optimized` for latency-optimized inference
    (`performanceConfig.latency: "optimized"`) served at the standard tier (`default` or none):
    billed at rates of its own, which genai-prices does not list, so such a call is unpriced and
    reported, never charged the standard rate. (A response naming both `serviceTier: default` and
    the optimized latency is latency-optimized; the other tiers keep their own name.)"""
    return (f"CASE WHEN lower({latency}) = 'optimized' AND coalesce(lower({tier}), 'default') IN ('default', 'standard') "
            f"THEN 'latency-optimized' ELSE {tier} END")


# What says a guardrail intervened: the InvokeModel body's action, or the Converse stop reason.
GUARDRAIL_ACTION = "amazon-bedrock-guardrailAction"
BLOCK_REASONS = ("guardrail_intervened", "content_filtered")
_STRUCTURE = {
    "schemaType": "VARCHAR",
    "timestamp": "VARCHAR",
    "accountId": "VARCHAR",
    "region": "VARCHAR",
    "requestId": "VARCHAR",
    "operation": "VARCHAR",
    "modelId": "VARCHAR",
    "errorCode": "VARCHAR",
    "latency_ms": "VARCHAR",  # not Bedrock's: a captured InvokeModel call's latency header (ingest/bedrock_invoke.py)
    "serviceTier": {"type": "VARCHAR"},  # not Bedrock's: a captured InvokeModel call's tier header (ingest/bedrock_invoke.py)
    "performanceConfig": {"latency": "VARCHAR"},  # the log's own (InvokeModel takes it as a header), or a capture's
    "input": {
        "inputTokenCount": "VARCHAR",
        "cacheReadInputTokenCount": "VARCHAR",
        "cacheWriteInputTokenCount": "VARCHAR",
        "inputBodyJson": {"system": "JSON", "messages": "JSON", "toolConfig": {"tools": "JSON"}, "tools": "JSON",
                          "prompt": "VARCHAR", "inputText": "VARCHAR", "message": "VARCHAR", "preamble": "VARCHAR",
                          **_TIER},
    },
    "output": {
        "outputTokenCount": "VARCHAR",
        "outputBodyJson": {
            "usage": _CONVERSE_USAGE,
            "metrics": {"latencyMs": "VARCHAR"},
            "stopReason": "VARCHAR",
            GUARDRAIL_ACTION: "VARCHAR",
            "output": {"message": {"content": "JSON"}},
            "content": "JSON",
            "generation": "VARCHAR", "outputs": "JSON", "results": "JSON", "text": "VARCHAR", "choices": "JSON",
            "completion": "VARCHAR", "generations": "JSON",
            **_TIER,
        },
    },
}

_U = "r.output.outputBodyJson.usage"
_READ = f"coalesce(mm_int(coalesce(r.input.cacheReadInputTokenCount, {_U}.cacheReadInputTokens)), 0)"
_WRITE = f"coalesce(mm_int(coalesce(r.input.cacheWriteInputTokenCount, {_U}.cacheWriteInputTokens)), 0)"
_B = "r.output.outputBodyJson"
_IN = "r.input.inputBodyJson"
# A streamed InvokeModel's body is its chunks, a list the struct above does not read: the 1-hour
# writes are taken from the raw line, only on such lines that name them.
_STREAMED_1H = ("CASE WHEN r.operation = 'InvokeModelWithResponseStream' AND contains(line, 'ephemeral_1h_input_tokens') "
                "THEN coalesce(list_max(list_transform(json_extract_string(line, "
                "'$.output.outputBodyJson[*].message.usage.cache_creation.ephemeral_1h_input_tokens'), "
                "lambda x: mm_int(x))), 0) ELSE 0 END")
_STREAMED = "(r.operation = 'InvokeModelWithResponseStream')"


def _from_chunks(path: str) -> str:
    """A field of a streamed InvokeModel's chunks (read from the raw line, as above), as a list."""
    return f"json_extract_string(line, '$.output.outputBodyJson[*].{path}')"


# Bedrock closes every model's stream with `amazon-bedrock-invocationMetrics` (latency, first byte)
_METRIC = '"amazon-bedrock-invocationMetrics"'
_STREAM_LATENCY = (f"CASE WHEN {_STREAMED} AND contains(line, 'invocationLatency') "
                   f"THEN list_max(list_transform({_from_chunks(_METRIC + '.invocationLatency')}, lambda x: mm_num(x))) END")
_STREAM_TTFT = (f"CASE WHEN {_STREAMED} AND contains(line, 'firstByteLatency') "
                f"THEN list_max(list_transform({_from_chunks(_METRIC + '.firstByteLatency')}, lambda x: mm_num(x))) END")
# the answer, pieced from the chunks' text: Titan `outputText`, Llama `generation`, Cohere `text`,
# Anthropic's `delta.text`, Mistral's `outputs[0].text`
_STREAM_TEXT = (f"CASE WHEN {_STREAMED} THEN coalesce(" + ", ".join(
    f"nullif(array_to_string({_from_chunks(p)}, ''), '')"
    for p in ("outputText", "generation", "text", "delta.text", "outputs[0].text")) + ") END")


def _from_events(path: str) -> str:
    """A field of the `metadata` event of a ConverseStream call whose body is logged as the list of
    its events, read from the raw line (as the chunks above), on lines that name it; else NULL."""
    name = path.split(".")[0]
    return (f"CASE WHEN contains(line, '\"{name}\"') THEN list_filter(json_extract_string(line, "
            f"'$.output.outputBodyJson[*].metadata.{path}'), lambda x: x IS NOT NULL)[1] END")


# The tier the call was served at: the answer's (a Converse body, or a ConverseStream's metadata
# event), then the log's own, then what the request asked for (module docstring).
_SERVICE_TIER = latency_tier(
    f"coalesce({_B}.serviceTier.type, {_from_events('serviceTier.type')}, r.serviceTier.type, {_IN}.serviceTier.type)",
    f"coalesce({_B}.performanceConfig.latency, {_from_events('performanceConfig.latency')}, r.performanceConfig.latency, "
    f"{_IN}.performanceConfig.latency)")
_INTERVENED = (f"coalesce({_B}.\"{GUARDRAIL_ACTION}\" = 'INTERVENED' OR {_B}.stopReason IN "
               f"({', '.join(repr(x) for x in BLOCK_REASONS)}), false)")
_NO_TOKENS = (f"coalesce(mm_int(coalesce(r.input.inputTokenCount, {_U}.inputTokens)), 0) = 0 "
              f"AND coalesce(mm_int(coalesce(r.output.outputTokenCount, {_U}.outputTokens)), 0) = 0")
_BLOCKED = f"({_INTERVENED} AND {_NO_TOKENS} AND r.errorCode IS NULL)"
_FAILED = f"(r.errorCode IS NOT NULL OR {_BLOCKED})"


def error_http(code: str) -> str:
    """The HTTP status of a Bedrock error code (the SDKs' exception shapes), as SQL over `code`."""
    return (
        f"CASE {code} WHEN 'ThrottlingException' THEN 429 WHEN 'ServiceQuotaExceededException' THEN 429 "
        "WHEN 'ModelNotReadyException' THEN 429 WHEN 'ModelTimeoutException' THEN 408 "
        "WHEN 'InternalServerException' THEN 500 WHEN 'ServiceUnavailableException' THEN 503 "
        "WHEN 'ModelErrorException' THEN 424 WHEN 'ModelStreamErrorException' THEN 424 WHEN 'ValidationException' THEN 400 "
        "WHEN 'AccessDeniedException' THEN 403 WHEN 'ResourceNotFoundException' THEN 404 END"
    )


# Guardrail policies evaluated on the request and the answer (`amazon-bedrock-trace.guardrail`):
# AWS bills them per text unit and policy, apart from the tokens. Their billed units (word filters
# are free) go to tags['guardrail_units'], read from the raw line only when it names them.
_GUARDRAIL_UNITS = (
    "CASE WHEN contains(line, 'PolicyUnits') THEN nullif(list_sum(list_transform(regexp_extract_all(line, "
    "'\"(?:topic|content|sensitiveInformation|contextualGrounding|automatedReasoning)PolicyUnits\"\\s*:\\s*(\\d+)', 1), "
    "lambda x: CAST(x AS BIGINT))), 0) END")

_HTTP = error_http("r.errorCode")
# Models without a messages API take one prompt string (Llama, Mistral and DeepSeek `prompt`,
# Titan `inputText`, Cohere `message`), often in the model's chat template: the last user turn
# of a Llama 3, [INST] or Human:/Assistant: template is the user's message, else the whole string.
_PROMPT = f"nullif(trim(coalesce({_IN}.prompt, {_IN}.inputText, {_IN}.message)), '')"
_TEMPLATE_TURNS = (
    r"(?s)<\|start_header_id\|>user<\|end_header_id\|>\s*(.*?)\s*(?:<\|eot_id\|>|$)",
    r"(?s)\[INST\]\s*(.*?)\s*(?:\[/INST\]|$)",
    r"(?s)Human:\s*(.*?)\s*(?:Assistant:|$)",
)
_LLAMA_SYSTEM = r"(?s)<\|start_header_id\|>system<\|end_header_id\|>\s*(.*?)\s*<\|eot_id\|>"


def template_user_sql(prompt: str) -> str:
    """The user's message of a one-string `prompt`: its chat template's last user turn, else all of it."""
    turns = ", ".join(f"nullif(regexp_extract_all({prompt}, '{t}', 1)[-1], '')" for t in _TEMPLATE_TURNS)
    return f"coalesce({turns}, {prompt})"


def template_system_sql(prompt: str) -> str:
    """The system prompt of a one-string `prompt` in Llama 3's chat template, else NULL."""
    return f"nullif(regexp_extract({prompt}, '{_LLAMA_SYSTEM}', 1), '')"


_PROMPT_USER = template_user_sql(_PROMPT)
_SYSTEM = f"coalesce(mm_content_text({_IN}.system), {_IN}.preamble, {template_system_sql(_PROMPT)})"
_ALL = f"coalesce(nullif(mm_all_text({_IN}.messages), ''), {_PROMPT})"
_TEXT = (
    f"coalesce(mm_content_text(coalesce({_B}.output.message.content, {_B}.content)), {_B}.generation, "
    f"json_extract_string({_B}.outputs, '$[0].text'), json_extract_string({_B}.results, '$[0].outputText'), {_B}.text, "
    f"json_extract_string({_B}.choices, '$[0].text'), json_extract_string({_B}.choices, '$[0].message.content'), {_B}.completion, "
    f"json_extract_string({_B}.generations, '$[0].text'), {_STREAM_TEXT})"
)

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
        "cache_write_1h_tokens": (f"greatest(coalesce(mm_int({_U}.cache_creation.ephemeral_1h_input_tokens), 0), "
                                  f"{cache_written_1h(_U + '.cacheDetails')}, {_STREAMED_1H})"),
        "output_tokens": f"mm_int(coalesce(r.output.outputTokenCount, {_U}.outputTokens))",
        "latency_ms": f"coalesce(mm_num({_B}.metrics.latencyMs), {_STREAM_LATENCY}, mm_num(r.latency_ms))",
        "ttft_ms": _STREAM_TTFT,
        "service_tier": _SERVICE_TIER,
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_BLOCKED} THEN 'content_filter' "
        f"WHEN {_FAILED} THEN coalesce(mm_error_type(({_HTTP})::INTEGER, r.errorCode), 'client') END",
        "http_status": f"CASE WHEN {_BLOCKED} THEN 200 WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "tags": (
            "map_from_entries(list_filter([{'key': 'region', 'value': r.region}, {'key': 'account', 'value': r.accountId}, "
            f"{{'key': 'blocked', 'value': CASE WHEN {_BLOCKED} THEN 'guardrail_intervened' END}}, "
            f"{{'key': 'guardrail', 'value': CASE WHEN {_INTERVENED} AND NOT {_BLOCKED} THEN 'intervened' END}}, "
            f"{{'key': 'guardrail_units', 'value': CAST({_GUARDRAIL_UNITS} AS VARCHAR)}}], "
            "lambda e: e.value IS NOT NULL))"
        ),
        "system_prompt": _SYSTEM,
        "user_prompt": f"coalesce(mm_last_user({_IN}.messages), {_PROMPT_USER})",
        "response_text": _TEXT,
        "prompt_chars": f"length(nullif(concat_ws(chr(10), mm_content_text({_IN}.system), {_IN}.preamble, {_ALL}), ''))",
        "n_messages": f"coalesce(json_array_length({_IN}.messages), CASE WHEN {_PROMPT} IS NOT NULL THEN 1 END)",
        "n_tools": f"CASE WHEN {_IN}.messages IS NOT NULL OR {_PROMPT} IS NOT NULL "
        f"THEN coalesce(json_array_length(coalesce({_IN}.toolConfig.tools, {_IN}.tools)), 0) END",
        "has_image": f"mm_has_image({_IN}.messages)",
    },
    numbers=("input.inputTokenCount", "input.cacheReadInputTokenCount", "input.cacheWriteInputTokenCount",
             "output.outputTokenCount"),
    times=("timestamp",),
    prompt_text=f"nullif(concat_ws(chr(10), mm_content_text({_IN}.system), {_IN}.preamble, {_ALL}), '')",
    output_text=_TEXT,
)
