"""Braintrust logs and experiments: span rows as the REST API's `fetch` returns them (`POST
/v1/project_logs/{id}/fetch` or `/v1/experiment/{id}/fetch`: `{events: [...], cursor}`), as a SQL
(BTQL) query returns them (`{data: [...]}`), or one row per line (`bt sync pull`, the UI's JSON
export, a cloud-storage export of "Logs (spans)"; a CSV row's nested values written as JSON text are
parsed back).

A row is one span: `{id, span_id, root_span_id, span_parents, created, project_id | experiment_id,
log_id, input, output, error, metadata: {model, provider, ...}, metrics: {start, end,
prompt_tokens, completion_tokens, tokens, prompt_cached_tokens, prompt_cache_creation_tokens,
completion_reasoning_tokens, time_to_first_token, estimated_cost?}, span_attributes: {name, type},
tags, scores}` (braintrust-spec's instrumentation guide and token-and-cost-metrics spec; the
wrappers of braintrust-sdk / braintrust-sdk-python write it so). Only `span_attributes.type: llm`
rows are model calls: task, function, tool, score and eval spans of the same export are skipped.
An `llm` span that is the parent of another `llm` span is not loaded (`nested`): the JS SDK's AI SDK
integration opens `ToolLoopAgent.generate` / `.stream` as an `llm` span around one `doGenerate` /
`doStream` `llm` span per model request, and the LangChain callback's `ChatOpenAI` span wraps
`wrap_openai`'s `Chat Completion` span when both are on: counting both would count a request twice.

Tokens follow Braintrust's canonical metrics: `prompt_tokens` is ALL input, its
`prompt_cached_tokens` (reads) and `prompt_cache_creation_tokens` (writes) subsets of it; the
wrappers add Anthropic's cache back themselves (`finalizeAnthropicTokens`, `extract_anthropic_usage`),
OpenAI's and Gemini's counts already hold it. Anthropic's writes may be split by lifetime
(`prompt_cache_creation_5m_tokens` / `_1h_tokens`, `prompt_cache_creation_ephemeral_5m_tokens` /
`_1h_` in some Python versions) instead of the aggregate: the writes are the larger of the
aggregate and the split's sum (Braintrust's own cost rule), the 1h part priced as such. The first
wrappers (Python and JS, 2024) logged Anthropic's counts under Anthropic's names
(`cache_read_input_tokens`, `cache_creation_input_tokens`) with `prompt_tokens` its uncached
`input_tokens`: those are added back. As other readers of such counts do, a prompt count smaller
than its own cached shares cannot include them and is read as the uncached part.
`completion_tokens` includes `completion_reasoning_tokens` (a subset, by the spec); a row whose own
`tokens` is prompt + completion + reasoning kept the reasoning outside and gets it added.

The model and provider are `metadata.model` / `metadata.provider` (the provider in mmaudit's names;
the model from the answer when the metadata has none). `metrics.start` / `end` are epoch seconds
(latency), `time_to_first_token` seconds. `metrics.estimated_cost` (USD, a span's explicit cost) is
the logged cost; Braintrust computes the rest at query time, so exports rarely carry it. An
`error` (the SDK's exception text, "Error code: 429 - ...") marks a failed call. Anthropic's
server tools (`server_tool_use_web_search_requests`) count as web searches. Text for the
categoriser: `input` is the chat array (OpenAI's, or Anthropic's with the system prompt appended
as a `system` message) or `{messages}`; `output` OpenAI's choices, Anthropic's message, the AI
SDK's `{text}` or a string.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, status_in_text, tag, tags_map
from mmaudit.formats.chat_text import (
    all_text,
    json_or_string,
    messages_of,
    prompt_string,
    text_columns,
)

_METRIC_KEYS = (
    "start", "end", "prompt_tokens", "completion_tokens", "tokens", "prompt_cached_tokens",
    "prompt_cache_creation_tokens", "prompt_cache_creation_5m_tokens", "prompt_cache_creation_1h_tokens",
    "prompt_cache_creation_ephemeral_5m_tokens", "prompt_cache_creation_ephemeral_1h_tokens",
    "cache_read_input_tokens", "cache_creation_input_tokens", "completion_reasoning_tokens",
    "prompt_audio_tokens", "completion_audio_tokens", "time_to_first_token", "estimated_cost",
    "server_tool_use_web_search_requests",
)
_SPAN = {
    "id": "VARCHAR", "span_id": "VARCHAR", "root_span_id": "VARCHAR", "span_parents": "JSON",
    "created": "VARCHAR", "project_id": "VARCHAR", "experiment_id": "VARCHAR", "log_id": "VARCHAR",
    "input": "JSON", "output": "JSON", "error": "JSON", "metadata": "JSON", "tags": "JSON",
    "metrics": {k: "VARCHAR" for k in _METRIC_KEYS},
    "span_attributes": {"name": "VARCHAR", "type": "VARCHAR", "purpose": "VARCHAR"},
}
# a fetch page holds its rows in `events`, a SQL query's answer in `data` (a `.json` page of `data`
# is already split into rows by the reader)
_PAGE_KEYS = ("events", "data")
# a CSV export's row: its nested values as JSON text, parsed back (a string that is no JSON stays)
_NESTED = ("span_attributes", "metrics", "metadata", "span_parents", "tags", "input", "output")


def _unstringified(key: str) -> str:
    return json_or_string(f"json_extract(line, '$.{key}')")


_UNSTRINGIFIED = ", ".join(f"'{k}', {_unstringified(k)}" for k in _NESTED)
_LINE = {"events": "JSON", "data": "JSON", "span_id": "VARCHAR", "root_span_id": "VARCHAR",
         "span_attributes": "JSON", "metrics": "JSON"}


def _m(key: str) -> str:
    return f"mm_int(r.metrics.{key})"


_PROMPT, _COMPLETION, _TOTAL = _m("prompt_tokens"), _m("completion_tokens"), _m("tokens")
_LEGACY_READ, _LEGACY_WRITE = _m("cache_read_input_tokens"), _m("cache_creation_input_tokens")
_READ = f"coalesce({_m('prompt_cached_tokens')}, {_LEGACY_READ}, 0)"
_WRITE_1H = f"coalesce({_m('prompt_cache_creation_1h_tokens')}, {_m('prompt_cache_creation_ephemeral_1h_tokens')}, 0)"
_SPLIT = f"(coalesce({_m('prompt_cache_creation_5m_tokens')}, {_m('prompt_cache_creation_ephemeral_5m_tokens')}, 0) + {_WRITE_1H})"
_WRITE = f"greatest(coalesce({_m('prompt_cache_creation_tokens')}, {_LEGACY_WRITE}, 0), {_SPLIT})"
# Anthropic's own names: the first wrappers' rows, whose prompt_tokens is the uncached input
_LEGACY = (f"(r.metrics.prompt_cached_tokens IS NULL AND r.metrics.prompt_cache_creation_tokens IS NULL "
           f"AND coalesce({_LEGACY_READ}, 0) + coalesce({_LEGACY_WRITE}, 0) > 0)")
_INPUT = (f"CASE WHEN {_LEGACY} OR {_PROMPT} < {_READ} + {_WRITE} THEN {_PROMPT} + {_READ} + {_WRITE} "
          f"ELSE {_PROMPT} END")
_REASONING = f"coalesce({_m('completion_reasoning_tokens')}, 0)"
_OUTPUT = (f"CASE WHEN {_REASONING} > 0 AND {_TOTAL} = {_PROMPT} + {_COMPLETION} + {_REASONING} "
           f"THEN {_COMPLETION} + {_REASONING} ELSE {_COMPLETION} END")

_META = "r.metadata"


def _meta(key: str) -> str:
    """A metadata value that is a string (never an object's JSON text)."""
    return f"CASE WHEN json_type({_META}, '$.{key}') = 'VARCHAR' THEN json_extract_string({_META}, '$.{key}') END"


_ERROR = ("CASE json_type(r.error) WHEN 'NULL' THEN NULL WHEN 'VARCHAR' THEN nullif(json_extract_string(r.error, '$'), '') "
          "ELSE CAST(r.error AS VARCHAR) END")
_FAILED = f"({_ERROR} IS NOT NULL)"
# the HTTP status the SDK's exception names ("Error code: 429 - {...}", "404 {...}")
_HTTP = status_in_text(_ERROR)
_SECONDS_MS = "CASE WHEN mm_num({v}) >= 0 THEN round(mm_num({v}) * 1000, 3) END"

_MSGS = messages_of("r.input")
_PROMPT_TEXT = prompt_string("r.input")
# OpenAI's choices, Anthropic's message ({role, content: [blocks]}), the AI SDK's {text}, or a string
_ANSWER = (
    "CASE json_type(r.output) WHEN 'VARCHAR' THEN json_extract_string(r.output, '$') "
    "WHEN 'ARRAY' THEN coalesce(mm_content_text(json_extract(r.output, '$[0].message.content')), "
    "mm_content_text(r.output)) "
    "WHEN 'OBJECT' THEN coalesce(mm_content_text(json_extract(r.output, '$.content')), "
    "json_extract_string(r.output, '$.text')) END"
)
_TAGS = [
    tag("trace_id", "r.root_span_id"),
    tag("span_name", "r.span_attributes.name"),
    tag("project_id", "r.project_id"),
    tag("experiment_id", "r.experiment_id"),
    tag("purpose", "r.span_attributes.purpose"),
    tag("tags", "nullif(array_to_string(json_extract_string(r.tags, '$[*]'), ','), '')"),
    tag("error", f"CASE WHEN {_FAILED} THEN left({_ERROR}, 200) END"),
]

FORMAT = LogFormat(
    name="braintrust",
    description="Braintrust logs / experiment spans (REST fetch pages, SQL query pages, bt sync / UI exports); "
    "llm spans are calls",
    structure=_LINE,
    detect=(
        "((r.span_id IS NOT NULL AND r.root_span_id IS NOT NULL AND coalesce(r.span_attributes, r.metrics) IS NOT NULL) "
        + "".join(f" OR json_extract_string(r.{k}, '$[0].root_span_id') IS NOT NULL" for k in _PAGE_KEYS) + ")"
    ),
    detect_hint="`span_id` and `root_span_id` with `span_attributes` / `metrics` (a Braintrust span row), or an "
    "`events` / `data` page of them",
    explode=("CASE " + " ".join(f"WHEN json_type(r.{k}) = 'ARRAY' THEN json_extract(r.{k}, '$[*]')" for k in _PAGE_KEYS)
             + f" WHEN json_type(line, '$.metrics') = 'VARCHAR' OR json_type(line, '$.span_attributes') = 'VARCHAR' "
             f"THEN [json_merge_patch(line::JSON, json_object({_UNSTRINGIFIED}))] ELSE [line::JSON] END"),
    item_structure=_SPAN,
    keep="lower(r.span_attributes.type) = 'llm'",
    nested=("r.span_id", "json_extract_string(r.span_parents, '$[0]')"),
    columns={
        "call_id": "coalesce(r.id, r.span_id)",
        "ts": "coalesce(mm_ts(r.metrics.start), mm_ts(r.created))",
        "provider": f"mm_provider_name({_meta('provider')}, model)",
        "model": first_id(_meta("model"), "json_extract_string(r.output, '$.model')"),
        "operation": ("CASE WHEN regexp_matches(lower(coalesce(r.span_attributes.name, '')), 'embed') THEN 'embedding' "
                      "ELSE 'chat' END"),
        "input_tokens": _INPUT,
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "cache_write_1h_tokens": _WRITE_1H,
        "output_tokens": _OUTPUT,
        "reasoning_tokens": _REASONING,
        "input_audio_tokens": f"coalesce({_m('prompt_audio_tokens')}, 0)",
        "output_audio_tokens": f"coalesce({_m('completion_audio_tokens')}, 0)",
        "web_searches": f"coalesce({_m('server_tool_use_web_search_requests')}, 0)",
        "latency_ms": ("CASE WHEN mm_num(r.metrics.end) >= mm_num(r.metrics.start) "
                       "THEN round((mm_num(r.metrics.end) - mm_num(r.metrics.start)) * 1000, 3) END"),
        "ttft_ms": _SECONDS_MS.format(v="r.metrics.time_to_first_token"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, {_ERROR}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": "TRY_CAST(r.metrics.estimated_cost AS DECIMAL(38, 12))",
        "tags": tags_map(_TAGS),
        **text_columns(_MSGS, _PROMPT_TEXT, _ANSWER),
        "n_tools": (f"CASE WHEN {_MSGS} IS NOT NULL OR {_PROMPT_TEXT} IS NOT NULL THEN "
                    f"coalesce(json_array_length({_META}, '$.tools'), 0) END"),
    },
    numbers=tuple(f"metrics.{k}" for k in (
        "prompt_tokens", "completion_tokens", "prompt_cached_tokens", "prompt_cache_creation_tokens",
        "completion_reasoning_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")),
    times=("metrics.start", "created"),
    prompt_text=all_text(_MSGS, _PROMPT_TEXT),
    output_text=_ANSWER,
)
