"""Anthropic Messages: `message` bodies, `{"type": "error"}` bodies, and {request, response|error}
pairs.

Anthropic's `usage.input_tokens` EXCLUDES the prompt cache: canonical input is
input_tokens + cache_read_input_tokens + cache_creation_input_tokens. The cache-write breakdown
`usage.cache_creation.ephemeral_1h_input_tokens` (of cache_creation_input_tokens) goes to
`cache_write_1h_tokens`; `usage.service_tier` (standard, priority, batch) to `service_tier`, except
that a fast-mode call (`usage.speed: "fast"`) is tier `fast`, priced at genai-prices' fast rates
(claude-opus-4-8 $10/$50 per 1M against $5/$25); `usage.inference_geo` other than `global` (`"us"`:
inference pinned to the US, 1.1x on Opus 4.6 and later models) to `tags['inference_geo']`, which
selects the model's geography rates;
`usage.output_tokens_details.thinking_tokens`, when logged, to `reasoning_tokens` (output_tokens
already includes thinking). OpenAI's bare error bodies (`{"error": {type, code, param}}`, types
also ending in `_error`) are not claimed: Anthropic's error bodies say `type: "error"`.

Streamed responses logged event by event (the SSE `data:` objects) are the `anthropic-stream`
format (`STREAM`), one call per stream: `message_start` carries the message (id, model,
input-side usage, a first output count) and `message_delta` the final `usage.output_tokens`
(newer API versions repeat the input-side counts there, cumulative). The delta takes the id,
model and input-side counts it lacks from the latest `message_start` before it (a window over
line numbers: events of one stream are written in order, one stream at a time), so both records
are versions of one call and the pipeline keeps the delta's final usage (mmaudit/conflicts.py).
The start's counts are flagged provisional (`tokens_estimated`), so a delta whose input-side counts
differ from the start's (server tools such as web search add input: `message_start` 2,684, the
final `message_delta` 10,387) is still the same call, and a stream cut short before its delta keeps
the start's counts flagged as not final.
Content-block events, `ping` and `message_stop` are skipped. The window is this format's alone,
so plain Messages logs do not pay for it. In a file read in several chunks, the latest
`message_start` of a chunk is carried to the head of the next one (`carry`), so a delta whose
start lies in the previous chunk still finds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from mmaudit.formats.base import BY_FILE, IN_LINE_ORDER, LogFormat, bind_once, first_id
from mmaudit.formats.pairs import PAIR_WRAPPER, body
from mmaudit.schema import OTHER_MODEL_STEPS

# Anthropic's usage block, as every Anthropic-shaped log carries it (cache outside input_tokens).
USAGE = {
    "input_tokens": "VARCHAR",
    "output_tokens": "VARCHAR",
    "cache_creation_input_tokens": "VARCHAR",
    "cache_read_input_tokens": "VARCHAR",
    "cache_creation": {"ephemeral_1h_input_tokens": "VARCHAR", "ephemeral_5m_input_tokens": "VARCHAR"},
    "service_tier": "VARCHAR",
    "speed": "VARCHAR",  # fast mode: "fast" (billed at the model's fast rates) or "standard"
    "inference_geo": "VARCHAR",  # where inference ran: "global", "us" (1.1x on Opus 4.6 and later), "not_available"
    "output_tokens_details": {"thinking_tokens": "VARCHAR"},
    "server_tool_use": {"web_search_requests": "VARCHAR"},
    # the sampling steps of one request (compaction, advisor), when there were several
    "iterations": "JSON",
}
_ITERATION = json.dumps([{"type": "VARCHAR", "model": "VARCHAR", "input_tokens": "VARCHAR", "output_tokens": "VARCHAR",
                          "cache_read_input_tokens": "VARCHAR", "cache_creation_input_tokens": "VARCHAR",
                          "cache_creation": {"ephemeral_1h_input_tokens": "VARCHAR"}}])
# Steps of one request that ran on ANOTHER model, billed at its rates, not the call's own tokens:
# an advisor's sampling (the advisor tool), and an attempt on a model that refused before the API
# fell back to the one that answered (server-side fallback: the response names the fallback model).
_ADVISOR = "'advisor_message'"
# what a step is, over the iteration `i`, given the SQL of the call's model (the `model` column)
OWN_STEP = "coalesce(i.type, '') <> {advisor} AND (i.model IS NULL OR i.model = {model})"
OTHER_STEPS = {
    "advisor": "i.type = {advisor}",
    "fallback_from": "coalesce(i.type, '') <> {advisor} AND i.model IS NOT NULL AND i.model <> {model}",
}
assert set(OTHER_STEPS) <= set(OTHER_MODEL_STEPS)


def served_by(model: str, message_id: str = "NULL") -> str:
    """The provider of a Messages-shaped answer: Anthropic, unless the message id says Google or
    AWS served (and billed) it (`msg_vrtx_...` from Claude on Vertex AI, `msg_bdrk_...` from
    Bedrock's InvokeModel), or the model id names another maker's model through a gateway
    (Vercel's AI Gateway answers `xai/grok-4.5` in this shape)."""
    return (f"CASE WHEN starts_with({message_id}, 'msg_vrtx_') THEN 'vertex' "
            f"WHEN starts_with({message_id}, 'msg_bdrk_') THEN 'aws-bedrock' "
            f"WHEN contains({model}, '/') AND mm_provider_from_model({model}) NOT IN ('unknown', 'anthropic') "
            f"THEN mm_provider_from_model({model}) ELSE 'anthropic' END")


def geo_tags(u: str | Callable[[str], str]) -> str:
    """`tags['inference_geo']` from an Anthropic `usage` (as `usage_columns` reads it) when inference
    was pinned to a geography (`"us"`), which prices it at the model's geography rates; NULL for
    `global`, `not_available` (models without the option) or none."""
    leaf = u if callable(u) else (lambda path: f"{u}.{path}")
    geo = f"lower(trim({leaf('inference_geo')}))"
    return f"CASE WHEN {geo} NOT IN ('', 'global', 'not_available') THEN MAP {{'inference_geo': {geo}}} END"


# The usage's `iterations`, parsed once per record: a helper column (LogFormat.helpers) that every
# format reading an Anthropic usage adds with `step_helpers`. Parsed in each of the ~30 places that
# read it, it made the projection several times dearer to plan.
STEPS = "_an_steps"


def step_helpers(u: str | Callable[[str], str]) -> dict[str, str]:
    """The helpers `usage_columns` and `usage_tags` read, for the usage at `u` (as they take it)."""
    leaf = u if callable(u) else (lambda path: f"{u}.{path}")
    return {STEPS: f"from_json({leaf('iterations')}, '{_ITERATION}')"}


def iterations_sum(path: str, step: str = OWN_STEP, model: str = "model") -> str:
    """The sum of `path` over a usage's `iterations` (the `STEPS` helper) of the steps `step`
    picks (a condition on `i`; by default the call's own steps: message, compaction, fallback_message
    on the call's `model`); NULL when there are none."""
    keep = step.format(advisor=_ADVISOR, model=model)
    return (f"list_sum(list_transform(list_filter({STEPS}, "
            f"lambda i: {keep}), lambda i: coalesce(mm_int(i.{path}), 0)))")


def usage_columns(u: str | Callable[[str], str]) -> dict[str, str]:
    """Canonical token columns (and service tier) from an Anthropic `usage` at SQL path `u` (or
    `u(leaf)` giving the SQL of each usage leaf).

    A request that sampled more than once lists each step in `usage.iterations`, and its top-level
    counts are only the final message's: a compaction step (which summarised the conversation,
    billed at the call's model) is outside them (top-level 180 in / 8 out; the compaction step 100
    in, 55,096 cache writes, 82 out). So each count is the larger of the top-level one and the sum
    over the call's own steps. A step on another model (an advisor; an attempt that refused before
    the request fell back) is billed at that model's rates: it is kept apart (`other_step_tags`),
    not added here."""
    leaf = u if callable(u) else (lambda path: f"{u}.{path}")

    def count(path: str) -> str:
        top = f"mm_int({leaf(path)})"
        return f"greatest({top}, {iterations_sum(path)})"

    read = f"coalesce({count('cache_read_input_tokens')}, 0)"
    # the writes' total, or where a log gives only its TTL breakdown (`cache_creation_input_tokens`
    # null beside `cache_creation.ephemeral_1h_input_tokens: 418`), that breakdown's sum: the 1-hour
    # writes were counted as 1-hour writes but left out of the writes and of the input
    split = (f"coalesce(mm_int({leaf('cache_creation.ephemeral_5m_input_tokens')}), 0) "
             f"+ coalesce(mm_int({leaf('cache_creation.ephemeral_1h_input_tokens')}), 0)")
    write = f"greatest(coalesce({count('cache_creation_input_tokens')}, 0), {split})"
    return {
        "input_tokens": f"{count('input_tokens')} + {read} + {write}",
        "cached_input_tokens": read,
        "cache_write_tokens": write,
        "cache_write_1h_tokens": f"coalesce({count('cache_creation.ephemeral_1h_input_tokens')}, 0)",
        "output_tokens": count("output_tokens"),
        "reasoning_tokens": f"coalesce(mm_int({leaf('output_tokens_details.thinking_tokens')}), 0)",
        # fast mode is a priced tier of its own (genai-prices' `speed: fast` variant): tier `fast`
        "service_tier": f"CASE WHEN lower({leaf('speed')}) = 'fast' THEN 'fast' ELSE {leaf('service_tier')} END",
        "web_searches": f"coalesce(mm_int({leaf('server_tool_use.web_search_requests')}), 0)",
    }


def usage_tags(u: str | Callable[[str], str]) -> str:
    """Every tag an Anthropic `usage` gives: the pinned geography and the steps on other models."""
    return f"mm_merge_tags({geo_tags(u)}, {other_step_tags()})"


# the token tags of a step on another model, after its prefix: (tag, the iteration fields summed
# into it); input includes the cache
STEP_TOKENS = (
    ("input_tokens", ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")),
    ("cached_input_tokens", ("cache_read_input_tokens",)),
    ("cache_write_tokens", ("cache_creation_input_tokens",)),
    ("cache_write_1h_tokens", ("cache_creation.ephemeral_1h_input_tokens",)),
    ("output_tokens", ("output_tokens",)),
)


def other_step_tags() -> str:
    """Tags of the steps of the call that ran on another model (`OTHER_STEPS`), each kind under its
    prefix: `advisor_model` (the advisor tool: the executor consults another model) or
    `fallback_from_model` (the model that refused before the API fell back), and its tokens
    (`STEP_TOKENS`: `advisor_input_tokens` with the cache included, cache reads, cache writes,
    1-hour writes, output). NULL for calls without such steps. Those tokens are not in the call's
    counts: pricing adds their cost at that model's rates (`other_models_cost_usd`)."""
    parts = []
    for prefix, step in OTHER_STEPS.items():
        # each iteration field's sum bound once (`bind_once`): written out in every tag and in the
        # test, the 26 sums made the tags ~30 ms of a projection's plan
        paths = sorted({path for _tag, summed in STEP_TOKENS for path in summed})
        sums = ", ".join(f"'{path}': {iterations_sum(path, step)}" for path in paths)
        keep = step.format(advisor=_ADVISOR, model="model")
        model = f"list_filter({STEPS}, lambda i: {keep})[1].model"

        def total(summed: tuple[str, ...]) -> str:
            return " + ".join(f'_sums."{path}"' for path in summed)

        every = total(STEP_TOKENS[0][1] + STEP_TOKENS[-1][1])
        tokens = ", ".join(f"'{prefix}_{tag}': CAST({total(summed)} AS VARCHAR)" for tag, summed in STEP_TOKENS)
        parts.append(bind_once("_sums", f"{{{sums}, 'model': {model}}}", f"CASE WHEN {every} > 0 "
                               f"THEN MAP {{'{prefix}_model': coalesce(_sums.model, 'unknown'), {tokens}}} END"))
    return f"mm_merge_tags({parts[0]}, {parts[1]})"


_BODY = {
    "id": "VARCHAR",
    "type": "VARCHAR",
    "model": "VARCHAR",
    "content": "JSON",
    "stop_reason": "VARCHAR",
    "usage": USAGE,
    "completion": "VARCHAR",  # the legacy Text Completions API's answer (`type: "completion"`)
    "error": {"type": "VARCHAR", "message": "VARCHAR", "error": {"type": "VARCHAR", "message": "VARCHAR"}},
    "request_id": "VARCHAR",
}
_REQUEST = {
    "model": "VARCHAR",
    "prompt": "VARCHAR",  # Text Completions: one `\n\nHuman: ... \n\nAssistant:` string
    "system": "JSON",
    "messages": "JSON",
    "tools": "JSON",
    "metadata": "JSON",
}



_MESSAGE = {k: _BODY[k] for k in ("id", "type", "model", "content", "stop_reason", "usage")}
_STREAM_EVENTS = ("message_start", "message_delta", "message_stop", "content_block_start", "content_block_delta",
                  "content_block_stop", "ping")
_NOT_CALLS = "('message_stop', 'content_block_start', 'content_block_delta', 'content_block_stop', 'ping')"
# What a message_delta lacks, it inherits from its stream's message_start.
_INHERITED = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
              "cache_creation.ephemeral_1h_input_tokens", "service_tier", "speed", "inference_geo")


# the latest message_start at or before the record: one window, read by both helpers below
_LATEST_START = f"(last_value(r.message IGNORE NULLS) {IN_LINE_ORDER})"


def _from_start(expr: str) -> str:
    """`expr` (a path under `r.message`) of the latest message_start at or before this record, for a
    message_delta. Every use shares ONE window (the same expression), which DuckDB computes once."""
    field = expr.removeprefix("r.message")
    return (f"CASE WHEN r.type = 'message_delta' THEN "
            f"{_LATEST_START}{field} END")


# A stream an `error` event cut short (Anthropic sends `overloaded_error` mid-stream after a 200):
# the error belongs to the open stream (its latest message_start, with no message_delta or
# message_stop since), so it takes that stream's id and model, and the stream's message_start is
# the failed call, with the error's type. An error event outside a stream (a request refused before
# its message_start) is a failed call of its own, as before.
_MARKS = "('message_start', 'message_delta', 'message_stop', 'error')"
_BEFORE = f"OVER ({BY_FILE} ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
_AFTER = f"OVER ({BY_FILE} ORDER BY line_no ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
_IN_STREAM = (f"(r.type = 'error' AND last_value(CASE WHEN r.type IN ('message_start', 'message_delta', 'message_stop') "
              f"THEN r.type END IGNORE NULLS) {_BEFORE} = 'message_start')")
_CUT_BY = (f"CASE WHEN r.type = 'message_start' THEN nullif(first_value(CASE WHEN r.type IN {_MARKS} THEN "
           f"CASE WHEN r.type = 'error' THEN coalesce(r.error.error.type, r.error.type, 'error') ELSE '' END END "
           f"IGNORE NULLS) {_AFTER}, '') END")


def _of_stream(expr: str) -> str:
    """`expr` (a path under `r.message`) of the record, or of its stream's message_start for a
    message_delta or an error event inside the stream."""
    field = expr.removeprefix("r.message")
    return (f"coalesce({expr}, CASE WHEN r.type = 'message_delta' OR {_IN_STREAM} THEN "
            f"{_LATEST_START}{field} END)")


def _stream_usage(path: str) -> str:
    direct = f"coalesce(r.message.usage.{path}, r.usage.{path})"
    return f"coalesce({direct}, {_from_start('r.message.usage.' + path)})" if path in _INHERITED else direct


_ERR_TYPE = "coalesce(r.error.error.type, r.error.type)"
_STREAM_ERR_TYPE = f"coalesce({_ERR_TYPE}, {_CUT_BY})"
_FAILED = "(r.type = 'error' OR r.error.type IS NOT NULL OR coalesce(mm_int(coalesce(r.status_code, r.http_status)), 0) >= 400)"


def _http(error_type: str) -> str:
    """The HTTP status of a failed call: the wrapper's, else the one Anthropic sends with the error type."""
    return (
        "coalesce(mm_int(coalesce(r.status_code, r.http_status)), "
        f"CASE {error_type} WHEN 'rate_limit_error' THEN 429 WHEN 'overloaded_error' THEN 529 "
        "WHEN 'api_error' THEN 500 WHEN 'invalid_request_error' THEN 400 WHEN 'authentication_error' THEN 401 "
        "WHEN 'permission_error' THEN 403 WHEN 'not_found_error' THEN 404 WHEN 'request_too_large' THEN 413 END)"
    )


_HTTP = _http(_ERR_TYPE)
_STREAM_HTTP = _http(_STREAM_ERR_TYPE)
_MSGS = "r.request.messages"
# The legacy Text Completions API (`POST /v1/complete`, Claude 2 and Instant): its answer,
# `{type: "completion", id: "compl_...", completion, stop_reason, model}`, has no usage at all, so
# its counts are estimated from the prompt and the completion (`tokens_estimated`); such an answer
# was quarantined, and a file of them failed.
_COMPLETION = f"({body('type')} = 'completion' AND {body('completion')} IS NOT NULL)"
_HUMAN_TURN = r"(?s)Human:\s*(.*?)\s*(?:Assistant:|$)"
_PROMPT_USER = f"nullif(regexp_extract_all(r.request.prompt, '{_HUMAN_TURN}', 1)[-1], '')"
_PROMPT_TEXT = f"nullif(concat_ws(chr(10), mm_content_text(r.request.system), mm_all_text({_MSGS}), r.request.prompt), '')"
_ANSWER = f"coalesce(mm_content_text({body('content')}), {body('completion')})"

FORMAT = LogFormat(
    name="anthropic-messages",
    description="Anthropic Messages: message bodies, error bodies, {request, response|error} pairs",
    structure={**_BODY, "response": _BODY, "request": _REQUEST, **PAIR_WRAPPER},
    detect=(
        "(r.type IN ('message', 'error') OR r.response.type = 'message' "
        "OR (r.error.type IS NOT NULL AND regexp_matches(coalesce(r.request.model, ''), 'claude')) "
        "OR (r.error.type = 'error' AND r.error.error.type IS NOT NULL) "
        f"OR ({_COMPLETION} AND regexp_matches(coalesce({body('model')}, r.request.model, ''), 'claude')))"
    ),
    detect_hint="`type: \"message\"`, `type: \"error\"` or a Claude `type: \"completion\"` (bare or under `response`)",
    columns={
        "call_id": f"coalesce({body('id')}, {body('request_id')})",
        "ts": "coalesce(mm_ts(r.timestamp), mm_ts(r.created_at))",
        "provider": f"coalesce(r.provider, {served_by('model', body('id'))})",
        "model": first_id("r.response.model", "r.model", "r.request.model"),
        "operation": f"CASE WHEN {_COMPLETION} THEN 'completion' ELSE 'chat' END",
        **usage_columns(lambda path: body(f"usage.{path}")),
        "latency_ms": "mm_num(coalesce(r.latency_ms, r.duration_ms))",
        "ttft_ms": "mm_num(r.ttft_ms)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}::INTEGER, {_ERR_TYPE}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE coalesce({_HTTP}, 200) END",
        "logged_cost_usd": "TRY_CAST(r.cost_usd AS DECIMAL(38, 12))",
        "tags": ("mm_merge_tags(mm_merge_tags(mm_merge_tags(mm_tags(r.request.metadata), mm_tags(r.metadata)), "
                 f"mm_tags(r.tags)), {usage_tags(lambda path: body(f'usage.{path}'))})"),
        "system_prompt": "mm_content_text(r.request.system)",
        "user_prompt": f"coalesce(mm_last_user({_MSGS}), {_PROMPT_USER})",
        "response_text": _ANSWER,
        "prompt_chars": f"length(concat_ws(chr(10), mm_content_text(r.request.system), mm_all_text({_MSGS}), r.request.prompt))",
        "n_messages": f"json_array_length({_MSGS})",
        "n_tools": "coalesce(json_array_length(r.request.tools), 0)",
        "has_image": f"mm_has_image({_MSGS})",
    },
    numbers=(
        "usage.input_tokens",
        "usage.output_tokens",
        "usage.cache_read_input_tokens",
        "usage.cache_creation_input_tokens",
        "response.usage.input_tokens",
        "response.usage.output_tokens",
    ),
    times=("timestamp",),
    prompt_text=_PROMPT_TEXT,
    output_text=_ANSWER,
    helpers=step_helpers(lambda path: body(f"usage.{path}")),
)

STREAM = LogFormat(
    name="anthropic-stream",
    description="Anthropic Messages streamed as SSE events (message_start ... message_delta): one call per stream",
    structure={"type": "VARCHAR", "message": _MESSAGE, "usage": USAGE, "delta": {"stop_reason": "VARCHAR"},
               "error": _BODY["error"], "timestamp": "VARCHAR", "status_code": "VARCHAR", "http_status": "VARCHAR"},
    detect=f"(r.type IN ({', '.join(repr(e) for e in _STREAM_EVENTS)}) OR (r.type = 'error' AND r.error.type IS NOT NULL))",
    detect_hint="stream events with `type` message_start, message_delta, content_block_delta, ...",
    skip=f"(r.type IN {_NOT_CALLS})",
    carry="r.type = 'message_start'",
    context="r.type = 'message_stop'",  # read by the windows that tell an open stream (`_IN_STREAM`)
    columns={
        "call_id": _of_stream("r.message.id"),
        "ts": "mm_ts(r.timestamp)",
        "provider": served_by("model", _of_stream("r.message.id")),
        "model": _of_stream("r.message.model"),
        **usage_columns(_stream_usage),
        # A message_start's counts are provisional (output 1; input grows with server tools such
        # as web search, and the delta then repeats the larger input): the delta's final usage wins.
        "tokens_estimated": "coalesce(r.type = 'message_start', false)",
        "status": f"CASE WHEN r.type = 'error' OR {_CUT_BY} IS NOT NULL THEN 'error' ELSE 'ok' END",
        "error_type": (f"CASE WHEN r.type = 'error' OR {_CUT_BY} IS NOT NULL "
                       f"THEN coalesce(mm_error_type(({_STREAM_HTTP})::INTEGER, {_STREAM_ERR_TYPE}), 'unknown') END"),
        "http_status": f"CASE WHEN r.type = 'error' OR {_CUT_BY} IS NOT NULL THEN {_STREAM_HTTP} ELSE 200 END",
        "tags": ("mm_merge_tags(CASE WHEN r.delta.stop_reason IS NOT NULL THEN MAP {'stop_reason': r.delta.stop_reason} END, "
                 f"{usage_tags(_stream_usage)})"),
    },
    numbers=("message.usage.input_tokens", "message.usage.output_tokens", "usage.input_tokens", "usage.output_tokens"),
    times=("timestamp",),
    helpers=step_helpers(_stream_usage),
)
