"""OpenAI Codex CLI session logs (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Every line is `{timestamp, type, payload}`: `session_meta` (the session's id and model provider),
`turn_context` (the model each turn runs on), `response_item` (messages, tool calls and outputs),
`event_msg`, `compacted`, and since about 0.15x `token_usage_record`, `world_state`,
`inter_agent_communication(_metadata)` (the rollout item's serde tag: `RolloutItem` is
`#[serde(tag = "type", content = "payload", rename_all = "snake_case")]`). The calls are the
`event_msg` lines whose payload is a `token_count` with `info.last_token_usage` (the usage of the
model request just made) and the `token_usage_record` lines a response gave no `token_count` of
its own. Everything else is skipped.

`last_token_usage` (and a record's `usage`) has the Responses API's semantics: `input_tokens`
includes `cached_input_tokens`, `output_tokens` includes `reasoning_output_tokens`. The model comes
from the latest `turn_context` (or `thread_settings_applied` event: a model switched mid-session)
before the event (a window over line numbers; a turn context is carried across chunks of a large
file), and so does the service tier (`service_tier: "priority"`, Codex's fast mode, billed at the
priority rates). `cache_write_input_tokens` (inside `input_tokens`) are cache writes. Codex writes
each `token_count` event twice, the copy up to a second later, and a forked or subagent session's
file replays its parent's history re-stamped to the fork's time: the call id is the session and its
running total (`total_token_usage.total_tokens`), so either copy is a duplicate, never a second
call (ids were the event's time and the total: both copies loaded, +79% on a real Codex Desktop
rollout). Sessions log no spend: the cost is computed, as for every log.

**Bookkeeping `token_count`s are not calls.** Codex writes a `token_count` whose
`last_token_usage` has no input and no output in two cases, neither an answer (openai/codex,
`codex-rs/protocol/src/protocol.rs` and `core/src/session`):
- `TokenUsageInfo::fill_to_context_window`, through `Session::set_total_tokens_full` when the API
  refused a request for its context length (`context_length_exceeded`): every count 0 but
  `total_tokens` (the window, and the rest of it as `last`). Read as a call it was an extra
  successful $0 call per context overflow (a session: 2 calls, where it made 1). The refusal is
  not kept as a failed call: the event is written only on some of the refusals (compaction's
  trim-and-retry loop marks none) and its running total is the window again after every one, so
  it has no id of its own.
- `Session::recompute_token_usage` after a compaction: the running total unchanged, `last` an
  estimate of the compacted history's size. It repeated the previous call's id with other counts
  ("1 duplicate id(s) with different content" after every compaction).

**`token_usage_record`** (upstream commit 5f79a92, #41912; `TokenUsageRecord {thread_id, turn_id,
session_id, root_turn_id, response_id, usage, turn_token_usage, thread_token_usage}`, later also
`parent_thread_id`, `attribution {model, model_provider, service_tier, context_length}`,
`completed_at_ms`) is "best-effort Responses API usage observed for one completed response",
written by `Session::record_observed_response_completed`. For a turn's response and a local
compaction Codex then calls `update_token_usage_info`, which writes the same usage again as the
next `token_count` (`last_token_usage = usage`): the record comes first, its `token_count` right
after. A remote compaction (`compact_remote_v2`), an isolated image analysis, and a one-shot child's
response forwarded to its parent (`persist_forwarded_response_usage`) write the record alone: they
were lost (every record was quarantined; a remote compaction reads about the whole context window). So a record is the same call as the
`token_count` that follows it when that event has its counts (input, cache reads and output): it
takes that event's id (the session and its running total, as before, so calls stored by an earlier
version and a fork's replayed events, which carry the parent's `token_count`s but not its records,
stay duplicates) and is counted once. A record followed by anything else (another record, an event
with other counts) is a call of its own, `codex:<thread_id>:<response_id>`, priced at its
`attribution.model` when it has one. Never read:
`turn_token_usage` and `thread_token_usage` (running sums of the records), `compacted`'s
`latest_token_usage_record` (a copy of a record) and `replacement_history`; nor, for want of real
records showing their values, `attribution.service_tier` (the tier is the session's setting, as for
the events) and `attribution.model_provider`. A record whose `token_count` opens the next chunk of
a file over 64 MB, or is not written yet when a live rollout is read, has no event after it to pair
with: that response is counted twice (at most one per chunk boundary).
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
        "info": {"last_token_usage": _USAGE, "total_token_usage": _USAGE},  # event_msg token_count
        # token_usage_record
        "thread_id": "VARCHAR",
        "response_id": "VARCHAR",
        "usage": _USAGE,
        "attribution": {"model": "VARCHAR"},
    },
}
_LINE_TYPES = ("('session_meta', 'turn_context', 'response_item', 'event_msg', 'compacted', 'token_usage_record', "
               "'world_state', 'inter_agent_communication', 'inter_agent_communication_metadata')")
_U = "r.payload.info.last_token_usage"
_R = "r.payload.usage"
# Codex's bookkeeping: a context window filled after a refused request, a size recomputed after a
# compaction (no input, no output: not an answer)
_BOOKKEEPING = f"(mm_int({_U}.input_tokens) = 0 AND coalesce(mm_int({_U}.output_tokens), 0) = 0)"
_COUNT = ("(r.type = 'event_msg' AND r.payload.type = 'token_count' "
          f"AND {_U}.input_tokens IS NOT NULL AND NOT coalesce({_BOOKKEEPING}, false))")
_RECORD = f"(r.type = 'token_usage_record' AND {_R}.input_tokens IS NOT NULL)"
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
_COUNT_ID = (f"CASE WHEN {_SESSION} IS NOT NULL AND mm_int({_TOTAL}) IS NOT NULL "
             f"THEN 'codex:' || {_SESSION} || ':' || mm_int({_TOTAL}) "
             f"ELSE 'codex:' || r.timestamp || ':' || coalesce({_TOTAL}, {_U}.total_tokens, '') END")


def _usage(u: str, kind: str, count_id: str = "NULL") -> str:
    """What the pairing of a record with the line after it compares: one usage line's counts."""
    return (f"struct_pack(kind := '{kind}', id := CAST({count_id} AS VARCHAR), "
            f"input := mm_int({u}.input_tokens), cached := coalesce(mm_int({u}.cached_input_tokens), 0), "
            f"output := coalesce(mm_int({u}.output_tokens), 0))")


_HELPERS = {
    # a token_count call's id (the session and its running total)
    "codex_count_id": f"CASE WHEN {_COUNT} THEN {_COUNT_ID} END",
    # the next line after this one that says usage: a token_count call or a record
    "codex_next": (f"first_value(CASE WHEN {_COUNT} THEN {_usage(_U, 'count', 'codex_count_id')} "
                   f"WHEN {_RECORD} THEN {_usage(_R, 'record')} END IGNORE NULLS) "
                   f"OVER ({BY_FILE} ORDER BY line_no ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"),
}
_HELPERS["codex_paired"] = (
    f"({_RECORD} AND codex_next.kind = 'count' AND codex_next.input = mm_int({_R}.input_tokens) "
    f"AND codex_next.cached = coalesce(mm_int({_R}.cached_input_tokens), 0) "
    f"AND codex_next.output = coalesce(mm_int({_R}.output_tokens), 0))")
# A record's own id: its thread and response (unique: the Responses API's `resp_...` id)
_OWN_ID = f"'codex:' || coalesce(r.payload.thread_id, {_SESSION}, '') || ':' || coalesce(r.payload.response_id, r.timestamp)"
_RECORD_ID = f"CASE WHEN coalesce(codex_paired, false) THEN codex_next.id ELSE {_OWN_ID} END"


def _count(key: str) -> str:
    return f"coalesce(mm_int(coalesce({_R}.{key}, {_U}.{key})), 0)"


FORMAT = LogFormat(
    name="codex-cli",
    description=("OpenAI Codex CLI session logs (~/.codex/sessions rollout-*.jsonl): one call per model response "
                 "(token_count event, or token_usage_record alone)"),
    structure=_STRUCTURE,
    detect=f"(r.type IN {_LINE_TYPES} AND r.timestamp IS NOT NULL AND r.payload IS NOT NULL)",
    detect_hint="`{timestamp, type, payload}` lines with `type` session_meta, turn_context, response_item, event_msg or token_usage_record",
    skip=f"(NOT ({_COUNT} OR {_RECORD}))",
    carry="r.type = 'turn_context'",
    context=f"(r.type IN ('turn_context', 'session_meta') OR {_SETTINGS})",
    helpers=_HELPERS,
    columns={
        "call_id": f"CASE WHEN {_RECORD} THEN {_RECORD_ID} ELSE codex_count_id END",
        "ts": "mm_ts(r.timestamp)",
        # `openai` unless the session ran another provider (`--oss`, a configured one)
        "provider": f"CASE WHEN coalesce({_PROVIDER}, 'openai') = 'openai' THEN 'openai' ELSE mm_provider_name({_PROVIDER}, model) END",
        # a record of its own: the model Codex attributes it to; one its token_count restates:
        # the turn's, as that event is read (no conflict between the two)
        "model": f"CASE WHEN {_RECORD} AND NOT coalesce(codex_paired, false) THEN coalesce(nullif(r.payload.attribution.model, ''), {_TURN_MODEL}) ELSE {_TURN_MODEL} END",
        "input_tokens": f"mm_int(coalesce({_R}.input_tokens, {_U}.input_tokens))",
        "cached_input_tokens": _count("cached_input_tokens"),
        "cache_write_tokens": _count("cache_write_input_tokens"),
        "service_tier": _setting("service_tier"),
        "output_tokens": f"mm_int(coalesce({_R}.output_tokens, {_U}.output_tokens))",
        "reasoning_tokens": _count("reasoning_output_tokens"),
        "tags": (f"map_from_entries(list_filter([{{'key': 'app', 'value': 'codex'}}, {{'key': 'session', 'value': coalesce({_FILE_SESSION}, {_SESSION})}}], "
                 "lambda e: e.value IS NOT NULL))"),
    },
    numbers=(*(f"payload.info.last_token_usage.{k}" for k in ("input_tokens", "cached_input_tokens", "output_tokens")),
             *(f"payload.usage.{k}" for k in ("input_tokens", "cached_input_tokens", "output_tokens"))),
    times=("timestamp",),
)
