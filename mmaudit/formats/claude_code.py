"""Claude Code session logs (`~/.claude/projects/<project>/<session>.jsonl`).

Every line of a session belongs to the format (a `sessionId` with a `uuid`, a `type` or a
`message.usage`: ccusage-style lines carry no uuid), but only lines with `message.usage` are API
calls; user turns, progress, system and queue-operation lines, summaries and file-history
snapshots are `skip`ped (counted, neither loaded nor quarantined). One streamed response is
written on SEVERAL lines (one per content block) repeating the same `message.id` / `requestId`
with a RUNNING `usage.output_tokens`: call_id is built from both ids, and the pipeline keeps the
call's most complete version (the greatest output count: the final usage; see
mmaudit/conflicts.py), counting the other lines as duplicates.

`usage` has Anthropic semantics (input excludes the cache: reads and writes are added back; the
1-hour cache-write breakdown and `service_tier` are read). Lines with model `<synthetic>` or
`isApiErrorMessage` are failed calls (API errors Claude Code wrote into the transcript; not its
local "No response requested." stand-in, which is no call): model
NULL, HTTP status from `apiErrorStatus` (else from the error text), classified with `error`
(e.g. "rate_limit") and the text. `costUSD` (older versions) is the logged cost.

Headless runs (`claude -p --output-format stream-json`, the Claude Agent SDK's message stream,
claude-code-action's execution file) write the same messages with `session_id` (snake_case) and
no `requestId` or timestamp: their `assistant` lines are calls the same way (a subagent's, with a
`parent_tool_use_id`, tagged sidechain). The closing `result` line is the session's total, whose
calls are the assistant lines before it: it is skipped, as are `system` and `stream_event` lines.
(`--output-format json` prints only that total, which names no call: use `stream-json` or the
session transcript.)
"""

from __future__ import annotations

from mmaudit.formats.anthropic_messages import USAGE, step_helpers, usage_columns, usage_tags
from mmaudit.formats.base import LogFormat
from mmaudit.formats.gemini_cli import QWEN_MARKS, QWEN_RECORD

_STRUCTURE = {
    "type": "VARCHAR",
    "uuid": "VARCHAR",
    "leafUuid": "VARCHAR",
    "sessionId": "VARCHAR",
    "session_id": "VARCHAR",  # headless stream-json / Agent SDK messages
    "parent_tool_use_id": "VARCHAR",
    "requestId": "VARCHAR",
    "timestamp": "VARCHAR",
    "version": "VARCHAR",
    "isSidechain": "VARCHAR",
    "isApiErrorMessage": "VARCHAR",
    "apiErrorStatus": "VARCHAR",
    "error": "JSON",
    "costUSD": "VARCHAR",
    "message": {
        "id": "VARCHAR",
        "model": "VARCHAR",
        "content": "JSON",
        "usage": USAGE,
        **QWEN_MARKS["message"],
    },
    # Qwen Code's records (its fork of this layout): not Claude Code's
    **{k: v for k, v in QWEN_MARKS.items() if k != "message"},
}

_U = "r.message.usage"
_TEXT = "mm_content_text(r.message.content)"
# Claude Code's stand-in answer when a session resumes or a turn is interrupted: written locally,
# no request made (it was counted as a failed call)
_PLACEHOLDER = (f"(r.message.model = '<synthetic>' AND trim(coalesce({_TEXT}, '')) = 'No response requested.' "
                "AND NOT coalesce(mm_bool(r.isApiErrorMessage), false))")
_FAILED = f"coalesce((r.message.model = '<synthetic>' OR mm_bool(r.isApiErrorMessage)) AND NOT {_PLACEHOLDER}, false)"
_HTTP = (f"coalesce(mm_int(r.apiErrorStatus)::INTEGER, "
         f"TRY_CAST(nullif(regexp_extract(coalesce({_TEXT}, ''), 'API Error:?\\s*([45][0-9][0-9])', 1), '') AS INTEGER))")
_ERROR = "CASE WHEN json_type(r.error) = 'VARCHAR' THEN json_extract_string(r.error, '$') END"

FORMAT = LogFormat(
    name="claude-code",
    description="Claude Code session JSONL (~/.claude/projects): one call per distinct message.id + requestId",
    structure=_STRUCTURE,
    detect=(
        "(((r.sessionId IS NOT NULL AND (r.uuid IS NOT NULL OR r.type IS NOT NULL "
        f"OR {_U}.input_tokens IS NOT NULL OR {_U}.output_tokens IS NOT NULL)) "
        "OR (r.type = 'summary' AND r.leafUuid IS NOT NULL) OR r.type = 'file-history-snapshot' "
        "OR (r.session_id IS NOT NULL AND r.type IN ('system', 'assistant', 'user', 'result', 'stream_event'))) "
        f"AND NOT {QWEN_RECORD})"
    ),
    detect_hint="`sessionId` with `uuid`, `type` or `message.usage` (session lines), `type: summary` with `leafUuid`, "
    "or headless stream-json messages (`session_id` with `type` assistant, user, system, result)",
    skip=f"({_U}.input_tokens IS NULL AND {_U}.output_tokens IS NULL AND NOT {_FAILED})",
    columns={
        "call_id": "CASE WHEN r.message.id IS NULL AND r.requestId IS NULL THEN 'cc:' || r.uuid "
        "ELSE 'cc:' || coalesce(r.message.id, '') || ':' || coalesce(r.requestId, '') END",
        "ts": "mm_ts(r.timestamp)",
        "provider": "'anthropic'",
        "model": "nullif(r.message.model, '<synthetic>')",
        **usage_columns(_U),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, coalesce({_ERROR}, {_TEXT})), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": "TRY_CAST(r.costUSD AS DECIMAL(38, 12))",
        "tags": (
            "mm_merge_tags(map_from_entries(list_filter([{'key': 'app', 'value': 'claude-code'}, {'key': 'session', 'value': coalesce(r.sessionId, r.session_id)}, "
            "{'key': 'sidechain', 'value': CASE WHEN mm_bool(r.isSidechain) OR r.parent_tool_use_id IS NOT NULL THEN 'true' END}, "
            f"{{'key': 'client_version', 'value': r.version}}], lambda e: e.value IS NOT NULL)), {usage_tags(_U)})"
        ),
        "response_text": f"CASE WHEN NOT {_FAILED} THEN {_TEXT} END",
    },
    numbers=("message.usage.input_tokens", "message.usage.output_tokens",
             "message.usage.cache_creation_input_tokens", "message.usage.cache_read_input_tokens"),
    times=("timestamp",),
    helpers=step_helpers(_U),
)
