"""Comet Opik spans: the REST API's span pages, the SDK's `search_spans()` dumps, the UI's JSON export.

Opik (comet-ml/opik) stores a trace as a tree of spans. A span (the backend's `Span` record,
apps/opik-backend/.../api/Span.java; the SDK's `SpanPublic`) is `{id, project_name, project_id,
trace_id, parent_span_id, name, type, start_time, end_time, input, output, metadata, model,
provider, tags, usage, error_info: {exception_type, message, traceback}, total_estimated_cost,
total_estimated_cost_version, duration, ...}`. `GET /v1/private/spans` answers a page `{page, size,
total, content: [spans]}`; the SDK returns the same objects, which teams dump one per line; the UI's
export writes `{id, name, type, start_time, end_time, duration, input, output, metadata, tags,
error_info, usage, provider, model, total_estimated_cost}` per span, "" for what a span lacks. A
page holds many calls (`explode`), a line one. Only `type: "llm"` spans are model calls; `general`,
`tool` and `guardrail` spans (an agent's steps, a function the code ran) are skipped.

`usage` is one flat map of integers: Opik's OpenAI-like `prompt_tokens`, `completion_tokens`,
`total_tokens`, and the provider's own usage flattened under `original_usage.` (the SDK's
`OpikUsage.to_backend_compatible_full_usage_dict`, sdks/python/src/opik/llm_usage/). Opik's own
`prompt_tokens` does NOT mean one thing: for Anthropic it was input + cache reads, with the cache
WRITES put in `completion_tokens` (`OpikUsage.from_anthropic_dict`), later input + reads + writes;
for Bedrock it was `inputTokens` alone, without the cache; older SDKs (< 1.6.0) logged nothing
else. So the provider's own counts are read wherever they are logged, and each by its provider's
meaning (the same keys Opik's cost calculator reads, domain/cost/SpanCostCalculator.java):

- OpenAI Chat (and LiteLLM, LangChain's usage mapped so): `original_usage.prompt_tokens` includes
  the cached `prompt_tokens_details.cached_tokens`; `completion_tokens` includes
  `completion_tokens_details.reasoning_tokens`.
- OpenAI Responses, LangChain's usage metadata: `input_tokens` (with a `total_tokens` beside it)
  includes `input_tokens_details.cached_tokens` / `input_token_details.cache_read`; `output_tokens`
  includes the reasoning.
- Anthropic: `input_tokens` (no `total_tokens`: Anthropic's usage has none) EXCLUDES
  `cache_read_input_tokens` and `cache_creation_input_tokens`, which are added; its
  `cache_creation.ephemeral_1h_input_tokens` are the 1-hour writes; `output_tokens` is the output
  (not Opik's `completion_tokens`, which held the cache writes). Opik's LangChain integration maps
  LangChain's cache-INCLUSIVE count into this shape with `total_tokens` added
  (`LangChainUsage.map_to_anthropic_usage`): with a total, `input_tokens` is read as inclusive.
- Bedrock (Converse): `inputTokens` excludes `cacheReadInputTokens` and `cacheWriteInputTokens`.
- Google: `prompt_token_count` includes `cached_content_token_count`; the tool results of
  `tool_use_prompt_token_count` are billed as input beside it; `thoughts_token_count` is outside
  `candidates_token_count` unless the total says otherwise (the total equals prompt + candidates
  when a producer counted the thoughts in the candidates: LangChain's mapping, some Vertex
  answers; Opik's own `from_google_dict` decides so).
- Anything else (OpenTelemetry spans, which Opik's OTLP endpoint maps `gen_ai.usage.input_tokens`
  to `prompt_tokens` with bare `cache_read_input_tokens`/`cache_creation_input_tokens` beside it;
  usage a user logged by hand): `prompt_tokens`/`completion_tokens`, read as cache-inclusive.

A count read as cache-inclusive that is smaller than the cache it should hold cannot hold it: what
it cannot hold is added (the writes when it covers the reads, else both).

`total_estimated_cost` (USD) is the logged cost: Opik's estimate from its price table, or the cost
the user or an integration logged; the API omits a zero, so a span Opik could not price has none.
The model is `model`; the provider is Opik's name for it (`openai`, `anthropic`, `google_ai`,
`google_vertexai`, `anthropic_vertexai` -> vertex, `bedrock`, `groq`) or, for an OpenAI client
pointed elsewhere, the host it called (`api.together.xyz`), read as the host's provider. An
`error_info` marks a failed call, classified by its `exception_type` and message (an HTTP status in
"Error code: 429 - ..."). The prompt and answer are `input.messages` and `output.choices` (OpenAI,
LiteLLM) or `output.content` (Anthropic), with Anthropic's `input.system`.
"""

from __future__ import annotations

from mmaudit.formats.base import (
    LogFormat,
    first_id,
    ms_after,
    page_or_line,
    status_in_text,
    tag,
    tags_map,
)
from mmaudit.formats.chat_text import all_text, messages_of, prompt_string, text_columns

_TYPES = "('llm', 'general', 'tool', 'guardrail')"
_O = "original_usage."
# every usage key read (a flat map: the dots are part of each key)
_KEYS = (
    "prompt_tokens", "completion_tokens", "total_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
    *(_O + k for k in (
        "prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details.cached_tokens",
        "prompt_tokens_details.audio_tokens", "completion_tokens_details.reasoning_tokens",
        "completion_tokens_details.audio_tokens",
        "input_tokens", "output_tokens", "input_tokens_details.cached_tokens", "output_tokens_details.reasoning_tokens",
        "input_token_details.cache_read", "input_token_details.cache_creation", "output_token_details.reasoning",
        "cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation.ephemeral_1h_input_tokens",
        "server_tool_use.web_search_requests",
        "inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens",
        "prompt_token_count", "candidates_token_count", "total_token_count", "cached_content_token_count",
        "thoughts_token_count", "tool_use_prompt_token_count",
    )),
)
_SPAN = {
    "id": "VARCHAR", "project_name": "VARCHAR", "trace_id": "VARCHAR", "parent_span_id": "VARCHAR", "name": "VARCHAR",
    "type": "VARCHAR", "start_time": "VARCHAR", "end_time": "VARCHAR", "model": "VARCHAR", "provider": "VARCHAR",
    "usage": {k: "VARCHAR" for k in _KEYS}, "total_estimated_cost": "VARCHAR", "thread_id": "VARCHAR",
    "error_info": {"exception_type": "VARCHAR", "message": "VARCHAR"}, "tags": "JSON",
    "input": "JSON", "output": "JSON",
}


def _u(key: str) -> str:
    """A usage count (NULL when not logged)."""
    return f'mm_int(r.usage."{key}")'


def _o(key: str) -> str:
    return _u(_O + key)


_READ = (f"coalesce({_o('cache_read_input_tokens')}, {_o('cacheReadInputTokens')}, "
         f"{_o('prompt_tokens_details.cached_tokens')}, {_o('input_tokens_details.cached_tokens')}, "
         f"{_o('cached_content_token_count')}, {_o('input_token_details.cache_read')}, {_u('cache_read_input_tokens')}, 0)")
_WRITE = (f"coalesce({_o('cache_creation_input_tokens')}, {_o('cacheWriteInputTokens')}, "
          f"{_o('input_token_details.cache_creation')}, {_u('cache_creation_input_tokens')}, 0)")
# the provider's own input count, else Opik's
_BASE = (f"coalesce({_o('prompt_tokens')}, {_o('prompt_token_count')} + coalesce({_o('tool_use_prompt_token_count')}, 0), "
         f"{_o('inputTokens')}, {_o('input_tokens')}, {_u('prompt_tokens')})")
# Anthropic's and Bedrock's own counts leave the cache out (Anthropic's usage has no total; a
# `total_tokens` beside `input_tokens` is Responses' or LangChain's, whose input holds the cache)
_EXCLUSIVE = (f"({_o('prompt_tokens')} IS NULL AND {_o('prompt_token_count')} IS NULL AND ({_o('inputTokens')} IS NOT NULL "
              f"OR ({_o('input_tokens')} IS NOT NULL AND {_o('total_tokens')} IS NULL)))")
_INPUT = (f"CASE WHEN {_EXCLUSIVE} THEN {_BASE} + {_READ} + {_WRITE} "
          f"WHEN {_BASE} >= {_READ} + {_WRITE} THEN {_BASE} WHEN {_BASE} >= {_READ} THEN {_BASE} + {_WRITE} "
          f"ELSE {_BASE} + {_READ} + {_WRITE} END")
_THOUGHTS = f"coalesce({_o('thoughts_token_count')}, 0)"
# Google: thoughts are outside the candidates unless the total counts them once already
_GOOGLE_OUT = (f"{_o('candidates_token_count')} + CASE WHEN {_o('total_token_count')} = {_o('prompt_token_count')} "
               f"+ coalesce({_o('tool_use_prompt_token_count')}, 0) + {_o('candidates_token_count')} THEN 0 ELSE {_THOUGHTS} END")
_OUTPUT = (f"coalesce({_o('completion_tokens')}, {_o('output_tokens')}, {_o('outputTokens')}, {_GOOGLE_OUT}, "
           f"{_u('completion_tokens')})")
_REASONING = (f"coalesce({_o('completion_tokens_details.reasoning_tokens')}, {_o('output_tokens_details.reasoning_tokens')}, "
              f"{_o('output_token_details.reasoning')}, {_o('thoughts_token_count')}, 0)")

_FAILED = "(nullif(r.error_info.exception_type, '') IS NOT NULL OR nullif(r.error_info.message, '') IS NOT NULL)"
_ERROR_TEXT = "concat_ws(' ', r.error_info.exception_type, r.error_info.message)"
# the HTTP status an SDK error names ("Error code: 429 - {...}", "status_code=529")
_HTTP = status_in_text(_ERROR_TEXT)
_HOST = "regexp_matches(lower(trim(r.provider)), '^(localhost|[a-z0-9-]+(\\.[a-z0-9-]+)+)(:[0-9]+)?$')"
_PROVIDER = (f"CASE WHEN {_HOST} THEN coalesce(mm_provider_at(r.provider, model), mm_provider_from_model(model)) "
             "ELSE mm_provider_name(CASE WHEN lower(r.provider) = 'anthropic_vertexai' THEN 'vertex_ai' "
             "ELSE nullif(r.provider, '') END, model) END")

# `input` is the request's kwargs the integration kept (`{messages, tools, ...}`), `output` the
# answer: OpenAI's `{choices: [...]}`, Anthropic's message (`content` blocks), or a plain `output`
_MSGS = messages_of("r.input")
_PROMPT = prompt_string("r.input")
_ANSWER = ("coalesce(mm_content_text(json_extract(r.output, '$.choices[0].message.content')), "
           "mm_content_text(json_extract(r.output, '$.content')), json_extract_string(r.output, '$.output'), "
           "CASE WHEN json_type(r.output) = 'VARCHAR' THEN nullif(json_extract_string(r.output, '$'), '') END)")
# Anthropic keeps the system prompt beside the messages (a string or text blocks)
_SYSTEM = "mm_content_text(json_extract(r.input, '$.system'))"
_TOOLS = "CASE WHEN json_type(r.input) = 'OBJECT' THEN coalesce(json_array_length(r.input, '$.tools'), 0) END"

# a page of the REST API: its first span says what it holds (a page of traces has no `type`)
_PAGE = ("(json_type(r.content) = 'ARRAY' AND r.page IS NOT NULL AND "
         f"json_extract_string(r.content, '$[0].type') IN {_TYPES} "
         "AND json_extract_string(r.content, '$[0].start_time') IS NOT NULL)")
_ONE = (f"(r.type IN {_TYPES} AND r.start_time IS NOT NULL AND r.id IS NOT NULL "
        "AND (r.trace_id IS NOT NULL OR r.usage IS NOT NULL OR r.total_estimated_cost IS NOT NULL))")

FORMAT = LogFormat(
    name="opik",
    description="Comet Opik spans (REST /v1/private/spans pages, SDK search_spans dumps, UI export); llm spans are calls",
    structure={"page": "VARCHAR", "content": "JSON", "type": "VARCHAR", "start_time": "VARCHAR", "id": "VARCHAR",
               "trace_id": "VARCHAR", "usage": "JSON", "total_estimated_cost": "JSON"},
    detect=f"({_PAGE} OR {_ONE})",
    detect_hint="spans with `type` llm/general/tool/guardrail, `start_time` and `trace_id`/`usage`, "
    "or a `{page, content: [spans]}` page of them",
    explode=page_or_line("content"),
    item_structure=_SPAN,
    keep="r.type = 'llm'",
    columns={
        "call_id": "r.id",
        "ts": "mm_ts(r.start_time)",
        "provider": _PROVIDER,
        "model": first_id("r.model"),
        "input_tokens": _INPUT,
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "cache_write_1h_tokens": f"coalesce({_o('cache_creation.ephemeral_1h_input_tokens')}, 0)",
        "output_tokens": _OUTPUT,
        "reasoning_tokens": _REASONING,
        "input_audio_tokens": f"coalesce({_o('prompt_tokens_details.audio_tokens')}, 0)",
        "output_audio_tokens": f"coalesce({_o('completion_tokens_details.audio_tokens')}, 0)",
        "web_searches": f"coalesce({_o('server_tool_use.web_search_requests')}, 0)",
        "latency_ms": ms_after("r.start_time", "r.end_time"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, {_ERROR_TEXT}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": "TRY_CAST(nullif(r.total_estimated_cost, '') AS DECIMAL(38, 12))",
        "tags": tags_map([
            tag("app", "'opik'"), tag("project", "nullif(r.project_name, '')"), tag("trace_id", "nullif(r.trace_id, '')"),
            tag("span_name", "nullif(r.name, '')"), tag("opik_provider", "nullif(r.provider, '')"),
            tag("thread_id", "nullif(r.thread_id, '')"),
            tag("tags", "nullif(array_to_string(json_extract_string(r.tags, '$[*]'), ','), '')"),
            tag("error", f"CASE WHEN {_FAILED} THEN nullif(r.error_info.exception_type, '') END")]),
        **text_columns(_MSGS, _PROMPT, _ANSWER, _SYSTEM),
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL OR {_PROMPT} IS NOT NULL THEN {_TOOLS} END",
    },
    numbers=tuple(f'usage."{k}"' for k in ("prompt_tokens", "completion_tokens", _O + "prompt_tokens",
                                            _O + "completion_tokens", _O + "input_tokens", _O + "output_tokens")),
    times=("start_time", "end_time"),
    prompt_text=all_text(_MSGS, _PROMPT, _SYSTEM),
    output_text=_ANSWER,
)
