"""Coding agents' own telemetry events: Claude Code, OpenAI Codex CLI and Gemini CLI export one log
event per model request when their OpenTelemetry export is on. Read as OTLP JSON log batches (the
collector's `file` exporter: one `{"resourceLogs": [...]}` per line, MANY records per line) or as
one record per line with a flat `attributes` object (Gemini CLI's local `telemetry.log`, console
exporters).

The event's name is its `eventName`, string `body` when that reads as a name (Claude Code writes
`claude_code.api_request` in the body and `api_request` in `event.name`; Gemini CLI a sentence
such as "API response from gemini-2.5-pro. Status: 200.") or `event.name` attribute. Calls:

| agent | event | tokens |
|---|---|---|
| Claude Code | `claude_code.api_request` (`api_request`) | Anthropic's: `input_tokens` excludes `cache_read_tokens` and `cache_creation_tokens` (added back); `cost_usd` is the agent's own estimate (logged cost); `ttft_ms`; `speed` `fast` is fast mode (tier `fast`) |
| Codex CLI | `codex.sse_event` with `event.kind` `response.completed` | the Responses API's: `input_token_count` includes `cached_token_count`, `output_token_count` includes `reasoning_token_count` |
| Gemini CLI | `gemini_cli.api_response` | Gemini's: `input_token_count` includes `cached_content_token_count`; `thoughts_token_count` and `tool_token_count` are outside output and input (added) |

`claude_code.api_error`, `gemini_cli.api_error` and a `codex.api_request` with an error or an HTTP
status of 400 or more are failed calls. Every other event (prompts, tool results, decisions,
Codex's other SSE events, Gemini CLI's `gen_ai.client.inference.operation.details` restatement of
the same response) is skipped, so no response is counted twice. The events carry no prompt text
by default (the agents redact it), so the calls are filed by their `app` tag as Claude Code's are.

Claude Code's `api_request` carries `speed` (Claude Code's monitoring docs list it; a real 2.1.294
capture, a11ign/a11ign's OTel receiver test, has `"speed": "normal"`): `fast` is Anthropic's fast
mode, billed at the model's fast rates, so it is tier `fast` as on Claude Code's own tracing spans
(otel_genai.py) and on a response's `usage.speed`; a fast call on a model with no fast rates is
unpriced, never priced at the standard rate it was not billed at. Its `cache_creation_tokens` is
the whole write, with no split between 5-minute writes (1.25x input) and 1-hour ones (2x): that
capture's own `cost_usd` (0.00276519) is genai-prices' price with all 13,356 writes at the 1-hour
rate (0.00176349 at the 5-minute one), while the 2.1.39 session files of the corpus wrote 5-minute
cache. The writes are priced at the 5-minute rate, the lower bound, and the assumption is counted
and named where costs are shown (`pricing_assumptions.cache_ttl_unknown`, pricing/assumptions.py);
the event's `cost_usd` stays the logged cost.
"""

from __future__ import annotations

from collections.abc import Callable

from mmaudit.formats.base import LogFormat, first_id

_RECORD = {"timeUnixNano": "VARCHAR", "observedTimeUnixNano": "VARCHAR", "eventName": "VARCHAR", "body": "JSON",
           "attributes": "JSON", "traceId": "VARCHAR", "spanId": "VARCHAR", "timestamp": "VARCHAR", "name": "VARCHAR"}
_LOGS = "r.resourceLogs"

# An OTLP attribute's value, whatever its type, as text.
_OTLP_VALUE = ("coalesce(json_extract_string(a, '$.value.stringValue'), json_extract_string(a, '$.value.intValue'), "
               "json_extract_string(a, '$.value.doubleValue'), json_extract_string(a, '$.value.boolValue'))")
# helper: the record's attributes once as [{k, v}], from OTLP's [{key, value}] list or a flat object
_ATTRS = "_attrs"
_PARSED = (
    "CASE json_type(r.attributes) "
    f"WHEN 'ARRAY' THEN list_transform(json_extract(r.attributes, '$[*]'), lambda a: {{'k': json_extract_string(a, '$.key'), 'v': {_OTLP_VALUE}}}) "
    "WHEN 'OBJECT' THEN list_transform(json_keys(r.attributes), "
    "lambda k: {'k': k, 'v': json_extract_string(r.attributes, '$.\"' || k || '\"')}) END"
)


def attr(key: str) -> str:
    """One attribute of the record, as text."""
    return f"list_filter({_ATTRS}, lambda a: a.k = '{key}')[1].v"


def _count(key: str) -> str:
    return f"coalesce(mm_int({attr(key)}), 0)"


# helper: the event's name, wherever the producer put it
_EVENT = "_event"


# a string body names the event only when it reads as a name: Gemini CLI writes a sentence there
# ("API response from gemini-2.5-pro. Status: 200. Duration: 456ms.") and the name in `event.name`
_BODY_TEXT = ("coalesce(json_extract_string(r.body, '$.stringValue'), "
              "CASE WHEN json_type(r.body) = 'VARCHAR' THEN json_extract_string(r.body, '$') END)")
_BODY_NAME = f"CASE WHEN regexp_full_match({_BODY_TEXT}, '[A-Za-z0-9_.:-]+') THEN {_BODY_TEXT} END"


def _name(get: Callable[[str], str]) -> str:
    """The event's name, reading attributes with `get`."""
    return f"coalesce(nullif(r.eventName, ''), {_BODY_NAME}, {get('event.name')}, r.name)"


def _item_attr(key: str) -> str:
    """`attr` for `keep`, which runs before the helpers: the attributes parsed in place."""
    return f"list_filter(({_PARSED}), lambda a: a.k = '{key}')[1].v"


def _codex_failed(event: str, get: Callable[[str], str]) -> str:
    """A `codex.api_request` that failed (Codex's only record of a request with no response)."""
    return (f"({event} = 'codex.api_request' AND ({get('error.message')} IS NOT NULL "
            f"OR coalesce(mm_int({get('http.response.status_code')}), 0) >= 400))")


_CC_NAMES = "('claude_code.api_request', 'api_request', 'claude_code.api_error', 'api_error')"
_GEMINI_NAMES = "('gemini_cli.api_response', 'gemini_cli.api_error')"
_NAME = _name(attr)
_CC = f"({_EVENT} IN {_CC_NAMES})"
_CC_ERROR = f"({_EVENT} IN ('claude_code.api_error', 'api_error'))"
_CODEX = f"({_EVENT} = 'codex.sse_event')"
_CODEX_ERROR = _codex_failed(_EVENT, attr)
_GEMINI = f"({_EVENT} IN {_GEMINI_NAMES})"
_GEMINI_ERROR = f"({_EVENT} = 'gemini_cli.api_error')"
_FAILED = f"({_CC_ERROR} OR {_CODEX_ERROR} OR {_GEMINI_ERROR})"
# Gemini CLI's `api_response` names the session's model even for the calls it makes on another
# (a next-speaker check on gemini-2.5-flash in a gemini-2.5-pro session, 4x cheaper): the response
# itself, when logged (`response_text`), names the model that answered
_RESPONSE_TEXT = attr("response_text")
_GEMINI_ANSWERED_BY = (f"CASE WHEN {_GEMINI} AND json_valid({_RESPONSE_TEXT}) "
                       f"THEN json_extract_string({_RESPONSE_TEXT}, '$.modelVersion') END")


def _keep() -> str:
    """Which records are calls: the columns' tests, with the name and attributes read in place."""
    name = f"({_name(_item_attr)})"
    return (f"({name} IN {_CC_NAMES} OR {name} IN {_GEMINI_NAMES} "
            f"OR ({name} = 'codex.sse_event' AND {_item_attr('event.kind')} = 'response.completed') "
            f"OR {_codex_failed(name, _item_attr)})")


_INPUT = (f"CASE WHEN {_CC} THEN {_count('input_tokens')} + {_count('cache_read_tokens')} + {_count('cache_creation_tokens')} "
          f"WHEN {_GEMINI} THEN {_count('input_token_count')} + {_count('tool_token_count')} "
          f"ELSE {_count('input_token_count')} END")
_OUTPUT = (f"CASE WHEN {_CC} THEN {_count('output_tokens')} "
           f"WHEN {_GEMINI} THEN {_count('output_token_count')} + {_count('thoughts_token_count')} "
           f"ELSE {_count('output_token_count')} END")
_HTTP = f"mm_int(coalesce({attr('status_code')}, {attr('http.response.status_code')}))::INTEGER"
_ERROR_TEXT = f"coalesce({attr('error')}, {attr('error.message')}, {attr('error_type')})"

FORMAT = LogFormat(
    name="agent-telemetry",
    description="Coding agents' OpenTelemetry events (Claude Code, Codex CLI, Gemini CLI): OTLP log batches or flat records",
    structure={"resourceLogs": "JSON", "attributes": "JSON", "body": "JSON", "eventName": "VARCHAR", "name": "VARCHAR"},
    detect=(
        "(json_type(r.resourceLogs) = 'ARRAY' OR (json_type(r.attributes) = 'OBJECT' AND regexp_matches("
        "coalesce(json_extract_string(r.attributes, '$.\"event.name\"'), r.eventName, r.name, ''), "
        "'^(claude_code|codex|gemini_cli|gen_ai)\\.')))"
    ),
    detect_hint="a top-level `resourceLogs` array (OTLP logs), or records whose `attributes.\"event.name\"` is a "
    "`claude_code.*`, `codex.*`, `gemini_cli.*` or `gen_ai.*` event",
    explode=(f"CASE WHEN json_type({_LOGS}) = 'ARRAY' THEN list_concat(json_extract({_LOGS}, '$[*].scopeLogs[*].logRecords[*]'), "
             f"json_extract({_LOGS}, '$[*].instrumentationLibraryLogs[*].logRecords[*]')) ELSE [line::JSON] END"),
    item_structure=_RECORD,
    keep=_keep(),
    helpers={_ATTRS: _PARSED, _EVENT: _NAME},
    columns={
        "call_id": f"CASE WHEN {attr('request_id')} IS NOT NULL THEN 'otel:' || {attr('request_id')} END",
        "ts": (f"coalesce(mm_ts({attr('event.timestamp')}), mm_ts(r.timestamp), mm_ts(nullif(r.timeUnixNano, '0')), "
               "mm_ts(nullif(r.observedTimeUnixNano, '0')))"),
        "provider": (f"coalesce(CASE WHEN {_CODEX} OR {_EVENT} = 'codex.api_request' THEN 'openai' WHEN {_GEMINI} THEN 'google' END, "
                     "CASE WHEN mm_provider_from_model(model) = 'aws-bedrock' THEN 'aws-bedrock' END, 'anthropic')"),
        "model": first_id(_GEMINI_ANSWERED_BY, attr("model"), attr("gen_ai.request.model"), attr("slug")),
        "input_tokens": _INPUT,
        "cached_input_tokens": (f"CASE WHEN {_CC} THEN {_count('cache_read_tokens')} WHEN {_GEMINI} "
                                f"THEN {_count('cached_content_token_count')} ELSE {_count('cached_token_count')} END"),
        "cache_write_tokens": f"CASE WHEN {_CC} THEN {_count('cache_creation_tokens')} ELSE 0 END",
        "output_tokens": _OUTPUT,
        "reasoning_tokens": (f"CASE WHEN {_GEMINI} THEN {_count('thoughts_token_count')} WHEN {_CC} THEN 0 "
                             f"ELSE {_count('reasoning_token_count')} END"),
        "latency_ms": f"mm_num({attr('duration_ms')})",
        "ttft_ms": f"CASE WHEN {_CC} THEN mm_num({attr('ttft_ms')}) END",
        # Claude Code's fast mode is billed at the model's fast rates (a priced tier of its own)
        "service_tier": f"CASE WHEN {_CC} AND lower({attr('speed')}) = 'fast' THEN 'fast' END",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, {_ERROR_TEXT}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": f"TRY_CAST({attr('cost_usd')} AS DECIMAL(38, 12))",
        "tags": (
            "map_from_entries(list_filter(["
            f"{{'key': 'app', 'value': CASE WHEN {_CC} THEN 'claude-code' WHEN {_GEMINI} THEN 'gemini-cli' ELSE 'codex' END}}, "
            f"{{'key': 'session', 'value': coalesce({attr('session.id')}, {attr('conversation.id')})}}, "
            f"{{'key': 'prompt_id', 'value': coalesce({attr('prompt.id')}, {attr('prompt_id')})}}, "
            f"{{'key': 'client_version', 'value': {attr('app.version')}}}], lambda e: e.value IS NOT NULL))"
        ),
    },
    extra_fields=tuple(f"[].attributes.{k}" for k in (
        "event.name", "event.timestamp", "model", "request_id", "session.id", "prompt.id", "input_tokens", "output_tokens",
        "cache_read_tokens", "cache_creation_tokens", "cost_usd", "duration_ms", "ttft_ms", "speed", "status_code", "error", "event.kind",
        "input_token_count", "output_token_count", "cached_token_count", "reasoning_token_count",
        "cached_content_token_count", "thoughts_token_count", "tool_token_count", "conversation.id")),
)
