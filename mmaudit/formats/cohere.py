"""Cohere: v2 `/chat` bodies and streams, v1 `/chat` bodies and streams, `/embed` and `/rerank`
responses, bare or as `{request, response}` pairs.

Cohere bills `billed_units`: the `tokens` counts beside them add the prompt template Cohere wraps
around the messages, which is not billed (a "Say hi" with a long system prompt: 2,935 tokens, 2,406
billed). So input and output are the billed units, and the `tokens` counts only stand in when a
body has no `billed_units`. `usage.cached_tokens` is not a discount on Cohere's price list (nor in
genai-prices): it is kept as tags['cached_tokens'], not as cache reads.

No Cohere response names its model (v2, v1, embed, rerank alike): it comes from a `model` beside
the body or the paired request's. A bare body has no model and is reported as unpriced, never
priced as some default.

A v2 stream is `message-start` (the id), content, tool-call and citation events, then
`message-end` (finish reason and usage): one call per `message-end`, which takes the id of the
latest `message-start` before it (a window over line numbers; in a file read in chunks the latest
`message-start` is carried to the next chunk). A v1 stream's `stream-end` event holds the whole v1
response; its other events are skipped.
"""

from __future__ import annotations

from mmaudit.formats import chat_text
from mmaudit.formats.base import IN_LINE_ORDER, LogFormat, first_id
from mmaudit.formats.pairs import PAIR_WRAPPER, body

_UNITS = {"input_tokens": "VARCHAR", "output_tokens": "VARCHAR", "search_units": "VARCHAR"}
_USAGE = {"billed_units": _UNITS, "tokens": _UNITS, "cached_tokens": "VARCHAR"}
_BODY = {
    "id": "VARCHAR",
    "finish_reason": "VARCHAR",
    "message": "JSON",  # v2: {role, content, tool_calls, tool_plan, citations}; v1 requests: the prompt string
    "usage": _USAGE,  # v2
    "meta": _USAGE,  # v1, embed and rerank: {billed_units, tokens}
    "response_id": "VARCHAR",  # v1
    "generation_id": "VARCHAR",  # v1
    "text": "VARCHAR",  # v1's answer
    "response_type": "VARCHAR",  # embed: embeddings_floats, embeddings_by_type
    "embeddings": "JSON",
    "results": "JSON",  # rerank
}
_REQUEST = {"model": "VARCHAR", "messages": "JSON", "tools": "JSON", "message": "VARCHAR", "preamble": "VARCHAR",
            "chat_history": "JSON", "texts": "JSON", "query": "VARCHAR"}
_V2_EVENTS = ("message-start", "content-start", "content-delta", "content-end", "tool-plan-delta", "tool-call-start",
              "tool-call-delta", "tool-call-end", "citation-start", "citation-end", "message-end", "debug")
_V1_EVENTS = ("stream-start", "text-generation", "stream-end", "search-queries-generation", "search-results",
              "citation-generation", "tool-calls-generation", "tool-calls-chunk")


def _events(names: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{n}'" for n in names) + ")"


def _usage(leaf: str) -> str:
    """A usage leaf (`billed_units.input_tokens`) wherever this record keeps it: a v2 body's or a
    stream end's `usage`, a v1 body's, embed's or rerank's `meta`, bare, under `response` (a pair,
    or a v1 `stream-end`) or under a `message-end` event's `delta`."""
    return (f"coalesce({body('usage.' + leaf)}, {body('meta.' + leaf)}, "
            f"json_extract_string(r.delta, '$.usage.{leaf}'))")


def _count(kind: str) -> str:
    """Billed units, else the template-inclusive token counts when nothing was billed on record."""
    return f"mm_int(coalesce({_usage('billed_units.' + kind)}, {_usage('tokens.' + kind)}))"


_IS_BODY = (f"({body('usage.billed_units')} IS NOT NULL OR {body('meta.billed_units')} IS NOT NULL "
            f"OR ({body('usage.tokens')} IS NOT NULL AND {body('finish_reason')} IS NOT NULL))")
_V2_STREAM = f"(r.type IN {_events(_V2_EVENTS)})"
_V1_STREAM = f"(r.event_type IN {_events(_V1_EVENTS)})"
# a Cohere model in a paired request (a failed call's pair has no body to recognise)
_COHERE_MODEL = "regexp_matches(lower(coalesce(r.request.model, '')), '^(command|c4ai-|aya-|embed-|rerank-)')"
_HTTP = "mm_int(coalesce(r.status_code, r.http_status))"
_FAILED = f"(coalesce({_HTTP}, 0) >= 400)"
_EMBED = f"({body('response_type')} LIKE 'embeddings%' OR {body('embeddings')} IS NOT NULL)"
_RERANK = f"({body('results')} IS NOT NULL AND {_usage('billed_units.search_units')} IS NOT NULL)"
_STREAM_ID = ("CASE WHEN r.type = 'message-end' THEN last_value(CASE WHEN r.type = 'message-start' THEN r.id END "
              f"IGNORE NULLS) {IN_LINE_ORDER} END")
# v2 messages are OpenAI-shaped ({role, content}); a v1 request is `message` + `preamble` + `chat_history`
_MSGS = "r.request.messages"
_V2_TEXT = ("nullif(array_to_string(list_filter(json_extract_string({}, '$.content[*].text'), "
            "lambda t: t IS NOT NULL), chr(10)), '')")
_RESPONSE = f"coalesce({_V2_TEXT.format(body('message'))}, {body('text')})"
_PROMPT = "nullif(r.request.message, '')"

FORMAT = LogFormat(
    name="cohere",
    description="Cohere chat (v2 and v1, bodies and streams), embed and rerank responses, {request, response} pairs",
    structure={**_BODY, "response": _BODY, "request": _REQUEST, **PAIR_WRAPPER, "model": "VARCHAR",
               "type": "VARCHAR", "event_type": "VARCHAR", "is_finished": "VARCHAR", "delta": "JSON"},
    detect=f"({_IS_BODY} OR {_V2_STREAM} OR {_V1_STREAM} OR ({_COHERE_MODEL} AND {_FAILED}))",
    detect_hint="`usage.billed_units` or `meta.billed_units` (bare or under `response`), or stream events with "
    "`type` message-start ... message-end (v2) or `event_type` stream-start ... stream-end (v1)",
    skip="(r.type IS NOT NULL AND r.type <> 'message-end' OR r.event_type IS NOT NULL AND r.event_type <> 'stream-end')",
    carry="r.type = 'message-start'",
    context="r.type = 'message-start'",
    columns={
        "call_id": f"coalesce({body('id')}, {body('response_id')}, {body('generation_id')}, r.request_id, {_STREAM_ID})",
        "ts": "coalesce(mm_ts(r.timestamp), mm_ts(r.created_at))",
        "provider": "coalesce(r.provider, 'cohere')",
        "model": first_id("r.model", "r.request.model"),
        "operation": f"CASE WHEN {_EMBED} THEN 'embedding' WHEN {_RERANK} THEN 'rerank' ELSE 'chat' END",
        "input_tokens": _count("input_tokens"),
        "output_tokens": f"CASE WHEN {_EMBED} OR {_RERANK} THEN 0 ELSE {_count('output_tokens')} END",
        "latency_ms": "mm_num(coalesce(r.latency_ms, r.duration_ms))",
        "ttft_ms": "mm_num(r.ttft_ms)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}::INTEGER, NULL), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE coalesce({_HTTP}, 200) END",
        "logged_cost_usd": "TRY_CAST(r.cost_usd AS DECIMAL(38, 12))",
        "tags": (
            "map_from_entries(list_filter(["
            f"{{'key': 'finish_reason', 'value': coalesce({body('finish_reason')}, "
            "json_extract_string(r.delta, '$.finish_reason'))}, "
            f"{{'key': 'cached_tokens', 'value': {_usage('cached_tokens')}}}, "
            f"{{'key': 'search_units', 'value': {_usage('billed_units.search_units')}}}], "
            "lambda e: e.value IS NOT NULL))"
        ),
        **chat_text.text_columns(_MSGS, _PROMPT, _RESPONSE, "nullif(r.request.preamble, '')"),
        "n_tools": "coalesce(json_array_length(r.request.tools), 0)",
    },
    numbers=tuple(f"{p}{u}.{k}.{t}" for p in ("", "response.") for u in ("usage", "meta")
                  for k in ("billed_units", "tokens") for t in ("input_tokens", "output_tokens")),
    times=("timestamp", "created_at"),
    prompt_text=chat_text.all_text(_MSGS, _PROMPT, "nullif(r.request.preamble, '')"),
    output_text=_RESPONSE,
)
