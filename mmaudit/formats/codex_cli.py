"""OpenAI Codex CLI session logs (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Every line is `{timestamp, type, payload}`: `session_meta` (the session's id and model provider),
`turn_context` (the model each turn runs on), `response_item` (messages, tool calls and outputs)
and `event_msg`. The calls are the `event_msg` lines whose payload is a `token_count` with
`info.last_token_usage`: the usage of the model request just made. Everything else is skipped.

`last_token_usage` has the Responses API's semantics: `input_tokens` includes
`cached_input_tokens`, `output_tokens` includes `reasoning_output_tokens`. The model comes from the
latest `turn_context` (or `thread_settings_applied` event: a model switched mid-session) before
the event (a window over line numbers; a turn context is carried across chunks of a large file),
and so does the service tier (`service_tier: "priority"`, Codex's fast mode, billed at the
priority rates). `cache_write_input_tokens` (inside `input_tokens`) are cache writes. Codex writes
each `token_count` event twice, the copy up to a second later, and a forked or subagent session's
file replays its parent's history re-stamped to the fork's time: the call id is the session and its
running total (`total_token_usage.total_tokens`), so either copy is a duplicate, never a second
call (ids were the event's time and the total: both copies loaded, +79% on a real Codex Desktop
rollout). Sessions log no spend: the cost is computed, as for every log.
"""

from __future__ import annotations

from mmaudit.formats.base import BY_FILE, IN_LINE_ORDER, LogFormat

_USAGE = {k: "VARCHAR" for k in ("input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens",
                                 "reasoning_output_tokens", "total_tokens")}
_STRUCTURE = {
    "timestamp": "VARCHAR",
    "type": "VARCHAR",
    "payload": {
        "type": "VARCHAR",
        "id": "VARCHAR",  # session_meta
        "model": "VARCHAR",  # turn_context
        "service_tier": "VARCHAR",  # turn_context
        "model_provider": "VARCHAR",  # session_meta
        "thread_settings": {"model": "VARCHAR", "service_tier": "VARCHAR"},  # event_msg thread_settings_applied
        "info": {"last_token_usage": _USAGE, "total_token_usage": _USAGE},
    },
}
_LINE_TYPES = "('session_meta', 'turn_context', 'response_item', 'event_msg', 'compacted')"
_CALL = "(r.type = 'event_msg' AND r.payload.type = 'token_count' AND r.payload.info.last_token_usage.input_tokens IS NOT NULL)"
_U = "r.payload.info.last_token_usage"
# A session's settings as they stood at each line: a turn's `turn_context`, or the
# `thread_settings_applied` event Codex writes when the user switches model or turns fast mode on
# (`service_tier: "priority"`, billed at the priority tier's rates: such calls were priced as
# standard, about half their cost)
_SETTINGS = "(r.type = 'event_msg' AND r.payload.type = 'thread_settings_applied')"


def _setting(key: str) -> str:
    """The latest value of a session setting before the line (turn context or applied settings)."""
    return (f"last_value(CASE WHEN r.type = 'turn_context' THEN r.payload.{key} "
            f"WHEN {_SETTINGS} THEN r.payload.thread_settings.{key} END IGNORE NULLS) {IN_LINE_ORDER}")


_TURN_MODEL = _setting("model")
_SESSION = ("last_value(CASE WHEN r.type = 'session_meta' THEN r.payload.id END IGNORE NULLS) "
            f"{IN_LINE_ORDER}")
# The file's own session: its first session_meta. A forked session's file writes its own, then
# replays its parent's (whose id the replayed calls, and so their ids, carry): its calls are tagged
# with the fork's session all the same.
_FILE_SESSION = ("first_value(CASE WHEN r.type = 'session_meta' THEN r.payload.id END IGNORE NULLS) "
                 f"OVER ({BY_FILE} ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)")
_PROVIDER = ("last_value(CASE WHEN r.type = 'session_meta' THEN r.payload.model_provider END IGNORE NULLS) "
             f"{IN_LINE_ORDER}")


_TOTAL = "r.payload.info.total_token_usage.total_tokens"
# A call is the session's running total after it: each request adds tokens, so within a session
# no two calls share one. A repeat of the event (Codex writes each twice, the copy up to a second
# later) and a forked session's copy of its parent's history (re-stamped to the fork's time, under
# the parent's session_meta) are the same call again. Without a session id or a running total, the
# event's time and whatever total it has.
_CALL_ID = (f"CASE WHEN {_SESSION} IS NOT NULL AND mm_int({_TOTAL}) IS NOT NULL "
            f"THEN 'codex:' || {_SESSION} || ':' || mm_int({_TOTAL}) "
            f"ELSE 'codex:' || r.timestamp || ':' || coalesce({_TOTAL}, {_U}.total_tokens, '') END")


def _count(key: str) -> str:
    return f"coalesce(mm_int({_U}.{key}), 0)"


FORMAT = LogFormat(
    name="codex-cli",
    description="OpenAI Codex CLI session logs (~/.codex/sessions rollout-*.jsonl): one call per token_count event",
    structure=_STRUCTURE,
    detect=f"(r.type IN {_LINE_TYPES} AND r.timestamp IS NOT NULL AND r.payload IS NOT NULL)",
    detect_hint="`{timestamp, type, payload}` lines with `type` session_meta, turn_context, response_item or event_msg",
    skip=f"(NOT {_CALL})",
    carry="r.type = 'turn_context'",
    context=f"(r.type IN ('turn_context', 'session_meta') OR {_SETTINGS})",
    columns={
        "call_id": _CALL_ID,
        "ts": "mm_ts(r.timestamp)",
        # `openai` unless the session ran another provider (`--oss`, a configured one)
        "provider": f"CASE WHEN coalesce({_PROVIDER}, 'openai') = 'openai' THEN 'openai' ELSE mm_provider_name({_PROVIDER}, model) END",
        "model": _TURN_MODEL,
        "input_tokens": f"mm_int({_U}.input_tokens)",
        "cached_input_tokens": _count("cached_input_tokens"),
        "cache_write_tokens": _count("cache_write_input_tokens"),
        "service_tier": _setting("service_tier"),
        "output_tokens": f"mm_int({_U}.output_tokens)",
        "reasoning_tokens": _count("reasoning_output_tokens"),
        "tags": (f"map_from_entries(list_filter([{{'key': 'app', 'value': 'codex'}}, {{'key': 'session', 'value': coalesce({_FILE_SESSION}, {_SESSION})}}], "
                 "lambda e: e.value IS NOT NULL))"),
    },
    numbers=tuple(f"payload.info.last_token_usage.{k}" for k in ("input_tokens", "cached_input_tokens", "output_tokens")),
    times=("timestamp",),
)
