"""OpenTelemetry GenAI spans in OTLP JSON (the OTLP file exporter / collector `file` exporter:
one `{"resourceSpans": [...]}` batch per line, MANY spans per line).

Uses `LogFormat.explode`: every span of a line becomes one record (sharing the line number), and
`keep` admits only model-call spans (`gen_ai.operation.name` chat, text_completion,
generate_content, embeddings). `invoke_agent` / `execute_tool` spans and plain HTTP spans are
not calls: an agent span's usage aggregates its children's, so counting it would double count.
A line with no call span is counted as skipped.

`gen_ai.usage.input_tokens` (older `gen_ai.usage.prompt_tokens`) already includes cached input;
`cache_read.input_tokens` / `cache_creation.input_tokens` are its cached shares, and
`reasoning.output_tokens` is the reasoning share of `output_tokens`. `status.code` 2 (ERROR) or
an `error.type` attribute marks a failure. call_id = traceId:spanId.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat

_SPAN = {
    "traceId": "VARCHAR",
    "spanId": "VARCHAR",
    "name": "VARCHAR",
    "startTimeUnixNano": "VARCHAR",
    "endTimeUnixNano": "VARCHAR",
    "attributes": "JSON",
    "status": {"code": "VARCHAR", "message": "VARCHAR"},
}
CALL_OPERATIONS = ("chat", "text_completion", "generate_content", "embeddings")


def attr(key: str) -> str:
    """The value of one span attribute (`{key, value: {stringValue|intValue|doubleValue|boolValue}}`)
    as text; intValue may be a JSON string or number, both read the same."""
    found = f"list_filter(json_extract(r.attributes, '$[*]'), lambda a: json_extract_string(a, '$.key') = '{key}')[1]"
    return (
        f"coalesce(json_extract_string({found}, '$.value.stringValue'), json_extract_string({found}, '$.value.intValue'), "
        f"json_extract_string({found}, '$.value.doubleValue'), json_extract_string({found}, '$.value.boolValue'))"
    )


def usage(new: str, old: str | None = None) -> str:
    keys = [f"gen_ai.usage.{new}"] + ([f"gen_ai.usage.{old}"] if old else [])
    return "mm_int(coalesce(" + ", ".join(attr(k) for k in keys) + "))"


_OP = attr("gen_ai.operation.name")
_OPS = ", ".join(f"'{o}'" for o in CALL_OPERATIONS)
_FAILED = f"(r.status.code IN ('2', 'STATUS_CODE_ERROR') OR {attr('error.type')} IS NOT NULL)"
_HTTP = f"mm_int({attr('http.response.status_code')})::INTEGER"
# Nanoseconds as integers: a DOUBLE cannot hold them to the microsecond.
_T0 = "TRY_CAST(r.startTimeUnixNano AS BIGINT)"
_T1 = "TRY_CAST(r.endTimeUnixNano AS BIGINT)"

FORMAT = LogFormat(
    name="otel-genai",
    description="OpenTelemetry GenAI spans, OTLP JSON (resourceSpans batches); model-call spans only",
    structure={"resourceSpans": "JSON"},
    detect="(json_type(r.resourceSpans) = 'ARRAY')",
    detect_hint="a top-level `resourceSpans` array",
    explode="json_extract(r.resourceSpans, '$[*].scopeSpans[*].spans[*]')",
    item_structure=_SPAN,
    keep=(
        f"({_OP} IN ({_OPS}) OR ({_OP} IS NULL AND coalesce({attr('gen_ai.provider.name')}, {attr('gen_ai.system')}) IS NOT NULL "
        f"AND {attr('gen_ai.request.model')} IS NOT NULL))"
    ),
    columns={
        "call_id": "r.traceId || ':' || r.spanId",
        "ts": "mm_ts(r.startTimeUnixNano)",
        "provider": f"mm_provider_name(coalesce({attr('gen_ai.provider.name')}, {attr('gen_ai.system')}), model)",
        "model": f"coalesce({attr('gen_ai.response.model')}, {attr('gen_ai.request.model')})",
        "operation": f"CASE {_OP} WHEN 'embeddings' THEN 'embedding' WHEN 'text_completion' THEN 'completion' ELSE 'chat' END",
        "input_tokens": usage("input_tokens", "prompt_tokens"),
        "cached_input_tokens": f"coalesce({usage('cache_read.input_tokens')}, 0)",
        "cache_write_tokens": f"coalesce({usage('cache_creation.input_tokens')}, 0)",
        "output_tokens": (
            f"coalesce({usage('output_tokens', 'completion_tokens')}, "
            f"CASE WHEN {_OP} = 'embeddings' AND {usage('input_tokens', 'prompt_tokens')} IS NOT NULL THEN 0 END)"
        ),
        "reasoning_tokens": f"coalesce({usage('reasoning.output_tokens')}, 0)",
        "latency_ms": f"CASE WHEN {_T1} >= {_T0} THEN ({_T1} - {_T0}) / 1e6 END",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, coalesce({attr('error.type')}, r.status.message)), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE coalesce({_HTTP}, 200) END",
        "tags": (
            "map_from_entries(list_filter(["
            f"{{'key': 'trace_id', 'value': r.traceId}}, {{'key': 'span_name', 'value': r.name}}, "
            f"{{'key': 'conversation_id', 'value': {attr('gen_ai.conversation.id')}}}], lambda e: e.value IS NOT NULL))"
        ),
    },
    times=("startTimeUnixNano",),
    extra_fields=tuple(f"[].attributes.{k}" for k in (
        "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model", "gen_ai.response.model",
        "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens", "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.reasoning.output_tokens", "error.type",
        "http.response.status_code", "gen_ai.conversation.id")),
)
