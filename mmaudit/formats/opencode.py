"""OpenCode's session messages: one JSON object per assistant message, with its model, tokens and cost.

OpenCode (the terminal coding agent) keeps each message as a JSON document
(`~/.local/share/opencode/storage/message/<session>/msg_*.json`; newer versions keep the same
object in the `data` column of their SQLite `message` table, and `opencode export` writes
`{info, parts}` per message): `{id, sessionID, role, time: {created, completed}, modelID,
providerID, cost, tokens: {input, output, reasoning, cache: {read, write}}, finish, error}`.
Many independent usage readers parse this shape the same way; such files had no format.

A call is an `assistant` message with tokens or an error; user messages and an assistant message
not yet answered (all counts 0, no error) are skipped. OpenCode today splits the provider's usage
the way it prices it: `tokens.input` excludes the cache reads and writes (`cache.read`,
`cache.write`) and `tokens.output` excludes `tokens.reasoning`, which it charges at the output
rate; so input is input + cache reads + cache writes and output is output + reasoning. Earlier
versions wrote them otherwise, and a message carries no version, so the date decides
(anomalyco/opencode's getUsage history): before 1.0.62 (2025-11-13) a provider other than
Anthropic/Bedrock had its cache reads inside `input` (read as the total when it is at least the
reads: tags['input_basis'] = 'total'); before 1.3.16 (2026-04-06) an OpenAI-compatible provider's
`output` held its reasoning (from 2026-03-29 every provider's), unless the record's own `total` or
reasoning above the output says otherwise (tags['output_basis'] = 'includes_reasoning'). `cost` (USD, OpenCode's own
reckoning from models.dev's prices; 0 under a subscription such as GitHub Copilot's) is the logged
cost. The time is `time.created` (epoch milliseconds), the latency `time.completed` minus it; the
provider is `providerID` in mmaudit's names (`amazon-bedrock` -> aws-bedrock). An `error` (an
`APIError` with its `statusCode`, `ProviderAuthError`, an abort) marks a failed call.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, tag, tags_map

_TOKENS = {"input": "VARCHAR", "output": "VARCHAR", "reasoning": "VARCHAR", "total": "VARCHAR",
           "cache": {"read": "VARCHAR", "write": "VARCHAR"}}
_MESSAGE = {
    "id": "VARCHAR", "sessionID": "VARCHAR", "role": "VARCHAR", "time": {"created": "VARCHAR", "completed": "VARCHAR"},
    "modelID": "VARCHAR", "providerID": "VARCHAR", "mode": "VARCHAR", "agent": "VARCHAR", "cost": "VARCHAR",
    "tokens": _TOKENS, "finish": "VARCHAR", "error": {"name": "VARCHAR", "data": "JSON"},
}


def _m(path: str) -> str:
    """A message field, bare or under `info` (`opencode export`)."""
    return f"coalesce(r.info.{path}, r.{path})"


_IN, _OUT, _REASONING = (f"coalesce(mm_int({_m(f'tokens.{k}')}), 0)" for k in ("input", "output", "reasoning"))
_READ, _WRITE = (f"coalesce(mm_int({_m(f'tokens.cache.{k}')}), 0)" for k in ("read", "write"))
_TOTAL = f"mm_int({_m('tokens.total')})"
_T = f"mm_ts({_m('time.created')})"
_PROVIDER = f"lower(coalesce({_m('providerID')}, ''))"
# Anthropic's and Bedrock's counts leave the cache out of `input` in every version (AI SDK metadata)
_ANTH = f"({_PROVIDER} IN ('anthropic', 'amazon-bedrock', 'google-vertex-anthropic'))"
# Before OpenCode 1.0.62 (2025-11-13) every other provider's `input` was the provider's prompt
# count, cache reads included (anomalyco/opencode#4256); a record whose input is at least its cache
# reads is read so (a real Sep 2025 grok-code message: input 9,640 of which 9,600 cache reads, not 19,240)
_INPUT_IS_TOTAL = (f"(NOT {_ANTH} AND coalesce({_T} < TIMESTAMPTZ '2025-11-13 00:00:00+00', false) "
                   f"AND {_READ} > 0 AND {_IN} >= {_READ})")
_INPUT = f"CASE WHEN {_INPUT_IS_TOTAL} THEN {_IN} + {_WRITE} ELSE {_IN} + {_READ} + {_WRITE} END"
# Until 1.3.16 (2026-04-06, #21047) `output` was the AI SDK's outputTokens: reasoning included for
# OpenAI-compatible providers (OpenAI, Azure, OpenRouter, Copilot, DeepSeek, Zen's GPT/GLM/Kimi),
# not for Google's or xAI's (and Anthropic reports none apart); from 1.3.4 to 1.3.15 (2026-03-29 to
# 04-06) for every provider. A record's own `total` settles it where present, and reasoning above
# the output can only be apart from it.
_SEPARATE_FAMILY = (f"({_ANTH} OR {_PROVIDER} LIKE 'google%' OR {_PROVIDER} IN ('xai', 'x-ai') "
                    f"OR lower(coalesce({_m('modelID')}, '')) SIMILAR TO '(gemini|grok).*')")
_OUTPUT_HOLDS_REASONING = (
    f"CASE WHEN {_REASONING} = 0 THEN false "
    f"WHEN {_TOTAL} IS NOT NULL AND {_TOTAL} = {_INPUT} + {_OUT} + {_REASONING} THEN false "
    f"WHEN {_TOTAL} IS NOT NULL AND {_TOTAL} = {_INPUT} + {_OUT} THEN true "
    f"WHEN {_REASONING} > {_OUT} THEN false "
    f"WHEN {_T} IS NULL OR {_T} >= TIMESTAMPTZ '2026-04-06 00:00:00+00' THEN false "
    f"WHEN {_T} >= TIMESTAMPTZ '2026-03-29 00:00:00+00' THEN true "
    f"ELSE NOT {_SEPARATE_FAMILY} END")
_FAILED = f"({_m('error.name')} IS NOT NULL)"
_STATUS = f"mm_int(json_extract_string({_m('error.data')}, '$.statusCode'))"
_CALL = f"({_m('role')} = 'assistant' AND ({_IN} + {_OUT} + {_REASONING} + {_READ} + {_WRITE} > 0 OR {_FAILED}))"
_TIME = "to_timestamp(TRY_CAST({} AS DOUBLE) / 1000)"

FORMAT = LogFormat(
    name="opencode",
    description="OpenCode's session messages (storage/message/*/msg_*.json, or exported): one call per assistant message",
    structure={**_MESSAGE, "info": _MESSAGE},
    # (a session's user messages, one file each beside the assistant's, are its messages too: skipped)
    detect=(f"(({_m('modelID')} IS NOT NULL AND {_m('providerID')} IS NOT NULL AND {_m('tokens.cache')} IS NOT NULL) "
            f"OR (starts_with({_m('id')}, 'msg_') AND starts_with({_m('sessionID')}, 'ses_') AND {_m('role')} IS NOT NULL))"),
    detect_hint="`modelID`, `providerID` and `tokens.cache`, or a `msg_` id in a `ses_` session (an OpenCode message, bare or under `info`)",
    skip=f"(NOT {_CALL})",
    columns={
        "call_id": _m("id"),
        "ts": f"mm_ts({_m('time.created')})",
        "provider": f"mm_provider_name({_m('providerID')}, model)",
        "model": first_id(_m("modelID")),
        "input_tokens": _INPUT,
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "output_tokens": f"CASE WHEN {_OUTPUT_HOLDS_REASONING} THEN {_OUT} ELSE {_OUT} + {_REASONING} END",
        "reasoning_tokens": _REASONING,
        "latency_ms": (f"CASE WHEN mm_num({_m('time.completed')}) >= mm_num({_m('time.created')}) "
                       f"THEN mm_num({_m('time.completed')}) - mm_num({_m('time.created')}) END"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": (f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_STATUS}::INTEGER, {_m('error.name')}), "
                       "'unknown') END"),
        "http_status": f"CASE WHEN {_FAILED} THEN {_STATUS} ELSE 200 END",
        "logged_cost_usd": f"TRY_CAST({_m('cost')} AS DECIMAL(38, 12))",
        "tags": tags_map([
            tag("app", "'opencode'"), tag("session", _m("sessionID")), tag("opencode_provider", _m("providerID")),
            tag("agent", f"coalesce({_m('agent')}, {_m('mode')})"), tag("finish_reason", _m("finish")),
            tag("error", _m("error.name")),
            # how the version's counts were read (by date: messages carry no version)
            tag("input_basis", f"CASE WHEN {_INPUT_IS_TOTAL} THEN 'total' END"),
            tag("output_basis", f"CASE WHEN {_OUTPUT_HOLDS_REASONING} THEN 'includes_reasoning' END")]),
    },
    numbers=tuple(f"{p}tokens.{k}" for p in ("", "info.") for k in ("input", "output", "reasoning", "cache.read",
                                                                    "cache.write")),
    times=("time.created", "info.time.created"),
)
