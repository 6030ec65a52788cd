"""Gemini CLI's saved chat sessions, and Qwen Code's (its fork): one call per model answer with usage.

**Gemini CLI** (google-gemini/gemini-cli, `ChatRecordingService`) records every session under
`~/.gemini/tmp/<project>/chats/`. Older versions wrote one JSON document per session
(`session-<time>-<id8>.json`, rewritten on every change): `{sessionId, projectHash, startTime,
lastUpdated, messages: [...]}`. Current versions append JSON Lines (`session-*.jsonl`; a subagent's
`chats/<parent session>/<session>.jsonl`): a first line `{sessionId, projectHash, startTime,
lastUpdated, kind}`, then each message record, `{"$set": {...}}` metadata patches and
`{"$rewindTo": id}` markers. A message is `{id, timestamp, type: user|gemini|info|error|warning,
content}`; a `gemini` message adds `model`, `thoughts`, `toolCalls` and `tokens: {input, output,
cached, thoughts, tool, total}`, which `recordMessageTokens` fills from the response's
`usageMetadata`: `promptTokenCount`, `candidatesTokenCount`, `cachedContentTokenCount`,
`thoughtsTokenCount`, `toolUsePromptTokenCount`, `totalTokenCount`, one usage per API call (the
stream's last). A message is appended again whenever it changes (its tokens arrive, a tool call
finishes): the same `id` on several lines.

A call is a `gemini` message with tokens (some count not 0); `user`, `info` and `warning` messages, the metadata line,
`$set` and `$rewindTo` lines are skipped, and so is a `gemini` message with no tokens (the copy
appended before its usage arrived, or one that records no request). The id is the message's
(`gemini-cli:<id>`, a random UUID): the repeated copies of a message are one call, and a session
copied to a new file (a legacy `.json` migrated to `.jsonl` on resume, an early version's resume
into a new session id) keeps its messages' ids, so its calls are not counted again (with the
session id in the call id they would be). A message rewound with `$rewindTo` was still billed: it
stays a call. An `error` message whose text begins `[API Error` is the failure of a request the
session showed (after Gemini CLI's own retries, which the file does not record): a failed call, its
HTTP status and class read from the text (`got status: 429`, `(Status: RESOURCE_EXHAUSTED)`), no
model (the message names none). Other `error` messages (a tool's, a command's) are skipped.

The tokens have Gemini's semantics, read as `agent-telemetry` reads the same counts from Gemini
CLI's `gemini_cli.api_response` events: `input` (promptTokenCount) includes `cached`; `tool`
(toolUsePromptTokenCount) is input outside it, added; `thoughts` are billed as output but outside
`output` (candidatesTokenCount): output is output + thoughts. The provider is `google`, as there:
whether the session used the Gemini API, Vertex AI or Code Assist is not in the file. `model` is
the model the request named (the earliest versions' messages have none: unpriced). The calls Gemini
CLI makes outside the chat (next-speaker checks, model routing, compression summaries) are not in
the file; its OpenTelemetry export (`agent-telemetry`) has them.

**Qwen Code** (QwenLM/qwen-code) writes `~/.qwen/projects/<project>/chats/<session>.jsonl` (older:
`~/.qwen/tmp/<hash>/chats/`), one `ChatRecord` per line: `{uuid, parentUuid, sessionId, timestamp,
type: user|assistant|tool_result|system, subtype, cwd, version, gitBranch, message: {role, parts},
model, usageMetadata, systemPayload}`. `recordAssistantTurn` writes one `assistant` record per API
call with the stream's last `usageMetadata` (the Gemini API's shape, which Qwen Code's converters
fill for every provider) and the requested `model`: that record is the call (`qwen-code:<uuid>`;
`/branch` copies records with their uuid, so a branch's copies are not counted again). A `system`
`ui_telemetry` record restates each response (`qwen-code.api_response`, skipped: counted once);
one with `qwen-code.api_error` is a failed request (model, `status_code`, `error_type`,
`error_message` or `error`, `duration_ms`). Everything else is skipped. `promptTokenCount`
includes `cachedContentTokenCount` (OpenAI's `prompt_tokens`, Gemini's alike). `thoughtsTokenCount`
is inside `candidatesTokenCount` when the answer came through the OpenAI-compatible converter
(`candidatesTokenCount` = `completion_tokens`, `totalTokenCount` = prompt + candidates: real
sessions on DashScope log 16928 + 40 = 16968 with 21 thoughts) and outside it from the Gemini API
(total = prompt + candidates + thoughts): the record's own total tells which (without one,
outside), and thoughts outside are added to output; `toolUsePromptTokenCount` is added to input.
The provider is the model's (`qwen3.5-plus`: alibaba); Qwen OAuth's `coder-model` names none.
Not recoverable from the record: Qwen Code's Anthropic converter (`usage.ts`) put Anthropic's
uncached `input_tokens` in `promptTokenCount` in early versions (later, whenever that count is at
least the cache), so such a Claude call's input is short by its cache; cache writes are never
reported apart; and the OpenAI converter splits a bare `total_tokens` 70/30 into prompt and
candidates.
"""

from __future__ import annotations

from mmaudit.formats.base import BY_FILE, LogFormat, first_id, tag, tags_map

# ---- Gemini CLI -------------------------------------------------------------------------------

_TOKENS = {k: "VARCHAR" for k in ("input", "output", "cached", "thoughts", "tool", "total")}
# a line: the metadata line, a legacy whole-session document, a message, a `$set` or `$rewindTo`
_GC_LINE = {"sessionId": "VARCHAR", "projectHash": "VARCHAR", "kind": "VARCHAR", "messages": "JSON",
            "id": "VARCHAR", "timestamp": "VARCHAR", "type": "VARCHAR", "$set": "JSON", "$rewindTo": "VARCHAR"}
# an item: a message (a document's, carrying the document's session and kind), or a line as it is
_GC_ITEM = {"id": "VARCHAR", "timestamp": "VARCHAR", "type": "VARCHAR", "model": "VARCHAR", "content": "JSON",
            "tokens": _TOKENS, "sessionId": "VARCHAR", "projectHash": "VARCHAR", "kind": "VARCHAR", "messages": "JSON",
            "_gcSession": "VARCHAR", "_gcKind": "VARCHAR"}
_GC_TYPES = "('user', 'gemini', 'info', 'error', 'warning')"

# the JSON Lines session's first line (not a legacy document, which holds its messages)
_GC_META = ("(r.sessionId IS NOT NULL AND r.projectHash IS NOT NULL "
            "AND json_type(r.messages) IS DISTINCT FROM 'ARRAY')")
_GC_TEXT = "mm_content_text(r.content)"
_GC_FAILED = f"(r.type = 'error' AND starts_with(ltrim(coalesce({_GC_TEXT}, '')), '[API Error'))"


def _reported(*paths: str) -> str:
    """Some count is there and is not a zero count (a count that is not a number is there too: it
    is kept, then quarantined with its reason)."""
    return "(" + " OR ".join(f"(r.{p} IS NOT NULL AND mm_int(r.{p}) IS DISTINCT FROM 0)" for p in paths) + ")"


_GC_ANSWER = f"(r.type = 'gemini' AND {_reported(*(f'tokens.{k}' for k in _TOKENS))})"
_GC_CALL = f"({_GC_ANSWER} OR {_GC_FAILED})"
_GC_IN, _GC_OUT, _GC_CACHED, _GC_THOUGHTS, _GC_TOOL = (
    f"coalesce(mm_int(r.tokens.{k}), 0)" for k in ("input", "output", "cached", "thoughts", "tool"))
_WHOLE_FILE = f"OVER ({BY_FILE} ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"


def _session_value(key: str, carried: str) -> str:
    """A session's `key`: the document's (carried into its messages as `carried`), else the JSON Lines
    file's metadata line (a window over the file; the line is carried into a later chunk)."""
    return f"coalesce(r.{carried}, first_value(CASE WHEN {_GC_META} THEN r.{key} END IGNORE NULLS) {_WHOLE_FILE})"


# "[API Error: got status: 429 Too Many Requests. {...}]", "[API Error: ... (Status: RESOURCE_EXHAUSTED)]": the
# status code, else the google.rpc status's, as the gemini format reads a google.rpc error
_GC_STATUS = f"nullif(regexp_extract(coalesce({_GC_TEXT}, ''), '\\(Status: ([A-Z_]+)\\)', 1), '')"
_GC_HTTP = (f"coalesce(TRY_CAST(nullif(regexp_extract(coalesce({_GC_TEXT}, ''), "
            "'(?i)(?:status:?\\s*|\"code\":\\s*)([45][0-9][0-9])\\b', 1), '') AS INTEGER), "
            f"CASE {_GC_STATUS} WHEN 'RESOURCE_EXHAUSTED' THEN 429 WHEN 'UNAVAILABLE' THEN 503 WHEN 'INTERNAL' THEN 500 "
            "WHEN 'DEADLINE_EXCEEDED' THEN 504 WHEN 'INVALID_ARGUMENT' THEN 400 WHEN 'PERMISSION_DENIED' THEN 403 "
            "WHEN 'UNAUTHENTICATED' THEN 401 WHEN 'NOT_FOUND' THEN 404 END)")

FORMAT = LogFormat(
    name="gemini-cli",
    description="Gemini CLI's chat sessions (~/.gemini/tmp/*/chats/session-*.jsonl or .json): one call per answer with tokens",
    structure=_GC_LINE,
    detect=(f"((r.sessionId IS NOT NULL AND r.projectHash IS NOT NULL) "
            f"OR (r.id IS NOT NULL AND r.timestamp IS NOT NULL AND r.type IN {_GC_TYPES}) "
            "OR json_type(r.\"$set\") = 'OBJECT' OR r.\"$rewindTo\" IS NOT NULL)"),
    detect_hint="`sessionId` with `projectHash` (a session's first line or whole document), messages `{id, timestamp, "
    "type: user|gemini|info|error|warning}`, or `$set` / `$rewindTo` lines",
    # a legacy document's messages, each carrying the document's session; a JSON Lines record as it is
    explode=("CASE WHEN json_type(r.messages) = 'ARRAY' THEN list_transform(json_extract(r.messages, '$[*]'), "
             "lambda m: json_merge_patch(m, json_object('_gcSession', r.sessionId, '_gcKind', r.kind))) "
             "ELSE [line::JSON] END"),
    item_structure=_GC_ITEM,
    keep=f"({_GC_CALL} OR {_GC_META})",
    # the metadata line is read by the session windows, then dropped (counted as skipped)
    skip=_GC_META,
    context=_GC_META,
    carry=_GC_META,
    columns={
        "call_id": "'gemini-cli:' || r.id",
        "ts": "mm_ts(r.timestamp)",
        "provider": "'google'",
        "model": first_id("r.model"),
        "input_tokens": f"{_GC_IN} + {_GC_TOOL}",
        "cached_input_tokens": _GC_CACHED,
        "output_tokens": f"{_GC_OUT} + {_GC_THOUGHTS}",
        "reasoning_tokens": _GC_THOUGHTS,
        "status": f"CASE WHEN {_GC_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": (f"CASE WHEN {_GC_FAILED} THEN coalesce(mm_error_type({_GC_HTTP}, coalesce({_GC_STATUS}, {_GC_TEXT})), "
                       "'unknown') END"),
        "http_status": f"CASE WHEN {_GC_FAILED} THEN {_GC_HTTP} ELSE 200 END",
        "tags": tags_map([
            tag("app", "'gemini-cli'"), tag("session", _session_value("sessionId", "_gcSession")),
            tag("sidechain", f"CASE WHEN {_session_value('kind', '_gcKind')} = 'subagent' THEN 'true' END")]),
        "response_text": f"CASE WHEN NOT {_GC_FAILED} THEN {_GC_TEXT} END",
    },
    numbers=tuple(f"tokens.{k}" for k in _TOKENS),
    times=("timestamp",),
)

# ---- Qwen Code --------------------------------------------------------------------------------

_USAGE_KEYS = ("promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
               "toolUsePromptTokenCount", "totalTokenCount")
# What only a Qwen Code record has (Claude Code's session lines, which share `uuid`, `sessionId`,
# `type`, `cwd` and `version`, have none of it): claude_code's detect leaves such records alone.
# (Written to hold whether these objects are read as JSON, as there, or as structs, as here.)
QWEN_MARKS = {"message": {"parts": "JSON"}, "usageMetadata": "JSON", "systemPayload": "JSON", "toolCallResult": "JSON"}
QWEN_RECORD = ("coalesce(r.uuid IS NOT NULL AND r.sessionId IS NOT NULL "
               "AND r.type IN ('user', 'assistant', 'tool_result', 'system') "
               "AND (json_type(r.message.parts) = 'ARRAY' OR r.usageMetadata IS NOT NULL OR r.systemPayload IS NOT NULL "
               "OR r.toolCallResult IS NOT NULL), false)")

_QW_STRUCTURE = {
    "uuid": "VARCHAR", "sessionId": "VARCHAR", "timestamp": "VARCHAR", "type": "VARCHAR", "subtype": "VARCHAR",
    "version": "VARCHAR", "model": "VARCHAR", "isSidechain": "VARCHAR", "agentName": "VARCHAR",
    "message": {"parts": "JSON"}, "toolCallResult": "JSON",
    "usageMetadata": {k: "VARCHAR" for k in _USAGE_KEYS}, "systemPayload": {"uiEvent": "JSON"},
}

_U = "r.usageMetadata"
_EVENT = "r.systemPayload.uiEvent"


def _ui(key: str) -> str:
    return f"json_extract_string({_EVENT}, '$.\"{key}\"')"


_QW_FAILED = f"(r.type = 'system' AND r.subtype = 'ui_telemetry' AND {_ui('event.name')} = 'qwen-code.api_error')"
_QW_ANSWER = f"(r.type = 'assistant' AND {_reported(*(f'usageMetadata.{k}' for k in _USAGE_KEYS))})"
_P, _C, _K, _T, _X, _TOTAL = (f"mm_int({_U}.{k})" for k in _USAGE_KEYS)
# thoughts inside candidates: the OpenAI-compatible converter's total is prompt + candidates
_T_INSIDE = f"(coalesce({_T}, 0) > 0 AND {_TOTAL} < coalesce({_P}, 0) + coalesce({_C}, 0) + {_T})"
_QW_HTTP = f"mm_int({_ui('status_code')})::INTEGER"
_QW_ERROR = f"concat_ws(' ', {_ui('error_type')}, coalesce({_ui('error_message')}, {_ui('error')}))"
# a transport failure (no HTTP answer: "Connection error. (cause: fetch failed)") is no client error
_QW_NO_ANSWER = (f"({_QW_HTTP} IS NULL AND regexp_matches(lower({_QW_ERROR}), "
                 "'connection error|fetch failed|econnreset|econnrefused|socket hang up'))")
_QW_TEXT = ("nullif(array_to_string(list_transform(list_filter(json_extract(r.message.parts, '$[*]'), "
            "lambda p: json_extract_string(p, '$.text') IS NOT NULL AND coalesce(json_extract_string(p, '$.thought'), "
            "'false') <> 'true'), lambda p: json_extract_string(p, '$.text')), chr(10)), '')")

QWEN = LogFormat(
    name="qwen-code",
    description="Qwen Code's chat records (~/.qwen/projects/*/chats/*.jsonl): one call per assistant record with usage",
    structure=_QW_STRUCTURE,
    detect=QWEN_RECORD,
    detect_hint="`uuid`, `sessionId` and `type` with Gemini-shaped `message.parts`, `usageMetadata` or a `systemPayload` "
    "(Qwen Code's ChatRecord)",
    skip=f"(NOT ({_QW_ANSWER} OR {_QW_FAILED}))",
    columns={
        "call_id": "'qwen-code:' || r.uuid",
        "ts": "mm_ts(r.timestamp)",
        "model": first_id("r.model", _ui("model")),
        "input_tokens": f"CASE WHEN {_P} IS NOT NULL OR {_X} IS NOT NULL THEN coalesce({_P}, 0) + coalesce({_X}, 0) END",
        "cached_input_tokens": f"coalesce({_K}, 0)",
        "output_tokens": (f"CASE WHEN {_C} IS NOT NULL OR {_T} IS NOT NULL THEN coalesce({_C}, 0) "
                          f"+ CASE WHEN {_T_INSIDE} THEN 0 ELSE coalesce({_T}, 0) END END"),
        "reasoning_tokens": f"coalesce({_T}, 0)",
        "latency_ms": f"CASE WHEN {_QW_FAILED} THEN mm_num({_ui('duration_ms')}) END",
        "status": f"CASE WHEN {_QW_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": (f"CASE WHEN {_QW_NO_ANSWER} THEN 'unknown' WHEN {_QW_FAILED} THEN "
                       f"coalesce(mm_error_type({_QW_HTTP}, nullif({_QW_ERROR}, '')), 'unknown') END"),
        "http_status": f"CASE WHEN {_QW_FAILED} THEN {_QW_HTTP} ELSE 200 END",
        "tags": tags_map([
            tag("app", "'qwen-code'"), tag("session", "r.sessionId"), tag("client_version", "r.version"),
            tag("sidechain", "CASE WHEN mm_bool(r.isSidechain) THEN 'true' END"), tag("agent", "r.agentName"),
            tag("error", f"CASE WHEN {_QW_FAILED} THEN {_ui('error_type')} END")]),
        "response_text": f"CASE WHEN NOT {_QW_FAILED} THEN {_QW_TEXT} END",
    },
    numbers=tuple(f"usageMetadata.{k}" for k in _USAGE_KEYS),
    times=("timestamp",),
)
