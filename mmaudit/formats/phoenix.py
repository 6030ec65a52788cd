"""Arize Phoenix span exports: OpenInference spans as Phoenix hands them out, LLM spans are calls.

Phoenix (Arize-ai/phoenix) stores the OpenInference spans its instrumentors send, and teams take
them out in two shapes:

- the spans dataframe (`px.Client().get_spans_dataframe()`, `phoenix.client`'s
  `spans.get_spans_dataframe()`; the server's `SpanQuery` builds it in
  `src/phoenix/trace/dsl/query.py`, `_get_spans_dataframe`), saved with `to_parquet`, `to_csv` or
  `to_json(orient="records", lines=True)`. Its columns are `name, span_kind, parent_id,
  start_time, end_time, status_code, status_message, events, context.span_id, context.trace_id`
  and one `attributes.<key>` column per attribute, a semantic-convention key kept whole
  (`attributes.llm.token_count.prompt`; the `SEMANTIC_CONVENTIONS` prefix exclusions of
  `src/phoenix/trace/attributes.py`), its lists of messages as lists of objects
  (`attributes.llm.input_messages`: `[{"message.role", "message.content"}]`). mmaudit reads a CSV
  or Parquet row as a JSON object keyed by column name, so each is a top-level key with dots in it.
- the REST API's spans (`GET /v1/projects/{id}/spans`, `src/phoenix/server/api/routers/v1/spans.py`):
  a page `{data: [...], next_cursor}` (or one span per line) of `{id, name, context: {trace_id,
  span_id}, span_kind, parent_id, start_time, end_time, status_code, status_message, attributes,
  events}`, the attributes flattened to dotted keys (`llm.input_messages.0.message.role`) and
  `openinference.span.kind` moved to `span_kind`.

Both are normalised (in `explode`) to one span with its attributes as a flat JSON object AND as
top-level `attributes.<key>` values, so the counts are validated (`numbers`) in either shape.
The attributes are the OpenInference ones the otel-genai format reads from OTLP files, and they
are read with its expressions (mmaudit/formats/otel_genai.py) so a span means the same either way:
`llm.token_count.prompt` includes the cache (`prompt_details.cache_read` / `cache_write` are its
shares; a count below its own shares, an instrumentor that passed Anthropic's uncached
`input_tokens` through, is the uncached part and the shares are added), `completion` includes
`completion_details.reasoning`. An LLM span that is the parent of another LLM span (LangChain's
span around the OpenAI instrumentor's, both enabled) is not loaded: the inner one is the call.

A call is a span whose `span_kind` is LLM (chat) or EMBEDDING (embedding); CHAIN, AGENT, TOOL,
RETRIEVER ... spans are skipped (an agent's span sums its children). The model is
`llm.response.model_name`, else `llm.model_name`, `llm.request.model_name`,
`embedding.model_name` or the `model` of `llm.invocation_parameters`; the provider `llm.provider`
(else `llm.system`, else the model's vendor). `llm.cost.total` (USD, OpenInference's cost
attribute) is the logged cost; Phoenix's own cost estimates live in another table and are not in
these exports. `status_code` ERROR is a failed call, classified by the HTTP status its message
names ("Error code: 429 - ...", the SDK exception's text) or the `exception` event's type.
call_id = trace_id:span_id, as otel-genai's.

Text: the dataframe's `llm.input_messages` / `llm.output_messages` lists, the REST span's indexed
`llm.input_messages.<i>.message.*` keys (otel-genai's reader), else the request JSON in
`input.value` (`{"messages": [...]}`) and an `output.value` whose `output.mime_type` is not JSON
(plain text is the convention's default). A CSV export holds the lists
as Python reprs (`[{'message.role': ...}]`), which are not JSON: there the text comes from
`input.value` / `output.value` alone.
"""

from __future__ import annotations

from mmaudit.formats import otel_genai as og
from mmaudit.formats.base import LogFormat, first_id, ms_after, status_in_text, tag, tags_map
from mmaudit.formats.chat_text import list_texts

# count attributes validated in both shapes (the cost is read leniently: TRY_CAST)
_COUNT_KEYS = (
    "llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total",
    "llm.token_count.prompt_details.cache_read", "llm.token_count.prompt_details.cache_write",
    "llm.token_count.prompt_details.audio", "llm.token_count.completion_details.reasoning",
    "llm.token_count.completion_details.audio",
)
_V = "VARCHAR"
_SPAN = {
    "id": _V, "name": _V, "span_kind": _V, "parent_id": _V, "start_time": _V, "end_time": _V,
    "status_code": _V, "status_message": _V, "events": "JSON",
    "context.span_id": _V, "context.trace_id": _V, "attributes": "JSON",
    **{f"attributes.{k}": _V for k in _COUNT_KEYS},
}
_LINE = {"data": "JSON", "span_kind": _V, "start_time": _V, "context.span_id": _V,
         "context": {"span_id": _V, "trace_id": _V}}


def _entries(obj: str) -> str:
    """A JSON object's members as a MAP(VARCHAR, JSON)'s entries [{key, value}]."""
    return f"map_entries(json_transform({obj}, '\"MAP(VARCHAR, JSON)\"'))"


def _normalised(span: str) -> str:
    """One span (JSON) in both shapes: a REST span's `attributes` object copied to top-level
    `attributes.<key>` values (and its context to `context.span_id` / `context.trace_id`); a
    dataframe row's `attributes.<key>` columns gathered into an `attributes` object."""
    attributes = f"json_extract({span}, '$.attributes')"
    prefixed = (f"to_json(map_from_entries(list_transform({_entries(attributes)}, "
                "lambda e: {'key': 'attributes.' || e.key, 'value': e.value})))")
    gathered = (f"to_json(map_from_entries(list_transform(list_filter({_entries(span)}, "
                "lambda e: starts_with(e.key, 'attributes.')), lambda e: {'key': substr(e.key, 12), 'value': e.value})))")
    context = (f"json_object('context.span_id', json_extract_string({span}, '$.context.span_id'), "
               f"'context.trace_id', json_extract_string({span}, '$.context.trace_id'))")
    return (f"CASE WHEN json_type({span}, '$.attributes') = 'OBJECT' "
            f"THEN json_merge_patch({span}, {prefixed}, {context}) "
            f"ELSE json_merge_patch({span}, json_object('attributes', {gathered})) END")


_KIND = "upper(r.span_kind)"
_CALL_KINDS = "('LLM', 'EMBEDDING')"
_EMBEDDING = f"({_KIND} = 'EMBEDDING')"

# --- text -------------------------------------------------------------------------------------
_MESSAGE = '{"message.role": "VARCHAR", "message.content": "VARCHAR", "message.contents": "JSON"}'


def _listed(key: str) -> str:
    """A dataframe's list of OpenInference messages (`[{"message.role", "message.content" |
    "message.contents": [{"message_content.text"}]}]`, JSON text) as a typed [{role, content}]."""
    value = og.attr(key)
    parts = "json_extract_string(m.\"message.contents\", '$[*].\"message_content.text\"')"
    return (f"CASE WHEN json_valid({value}) AND json_type(json({value})) = 'ARRAY' THEN "
            f"list_transform(from_json(json({value}), '[{_MESSAGE}]'), lambda m: {{'role': m.\"message.role\", "
            f"'content': coalesce(m.\"message.content\", nullif(array_to_string({parts}, chr(10)), ''))}}) END")


# the request JSON an instrumentor keeps in `input.value` (OpenAI's `{"messages": [{role, content}]}`)
_INPUT_VALUE = og.attr("input.value")
_REQUEST_MESSAGES = (
    f"CASE WHEN json_valid({_INPUT_VALUE}) AND json_type(json({_INPUT_VALUE}), '$.messages') = 'ARRAY' THEN "
    f"nullif(list_filter(list_transform(mm_msgs(json_extract(json({_INPUT_VALUE}), '$.messages')), "
    "lambda m: {'role': m.role, 'content': mm_content_text(m.content)}), lambda m: m.role IS NOT NULL), []) END"
)
_OUTPUT_VALUE = og.attr("output.value")
_ANSWER = (
    f"coalesce(_answers[1].content, {og._ANSWER}, "
    f"CASE WHEN coalesce({og.attr('output.mime_type')}, 'text/plain') <> 'application/json' THEN nullif({_OUTPUT_VALUE}, '') END)"
)
_LLM_TOOLS = og.attr("llm.tools")
_TOOLS = f"coalesce(CASE WHEN json_valid({_LLM_TOOLS}) THEN json_array_length(json({_LLM_TOOLS})) END, {og._TOOLS})"
_IMAGE = (f"({og._IMAGE} OR coalesce(regexp_matches({og.attr('llm.input_messages')}, "
          "'message_content\\.image|\"type\"\\s*:\\s*\"(image_url|image|input_image)\"'), false))")

# --- status -------------------------------------------------------------------------------------
_FAILED = "(upper(r.status_code) = 'ERROR')"
_EXCEPTION = ("CASE WHEN json_type(r.events) = 'ARRAY' THEN list_filter(json_extract(r.events, '$[*]'), "
              "lambda e: json_extract_string(e, '$.name') = 'exception')[1] END")
_EXCEPTION_TYPE = f"json_extract_string({_EXCEPTION}, '$.attributes.\"exception.type\"')"
_EXCEPTION_MESSAGE = f"json_extract_string({_EXCEPTION}, '$.attributes.\"exception.message\"')"
_ERROR_TEXT = f"coalesce(nullif(r.status_message, ''), {_EXCEPTION_MESSAGE})"
# the HTTP status an SDK exception names ("Error code: 429 - {...}")
_HTTP = status_in_text(_ERROR_TEXT)

_PARAMS = og.attr("llm.invocation_parameters")
_PARAM_MODEL = f"CASE WHEN json_valid({_PARAMS}) THEN json_extract_string(json({_PARAMS}), '$.model') END"

_HELPERS = {
    og._ATTRS: f"list_transform({_entries('r.attributes')}, lambda e: {{'k': e.key, 'v': "
               "CASE json_type(e.value) WHEN 'VARCHAR' THEN json_extract_string(e.value, '$') "
               "WHEN 'NULL' THEN NULL ELSE CAST(e.value AS VARCHAR) END})",
    og._ENTRIES: og._INDEXED_ENTRIES,
    og._EVENTS: "NULL::JSON",
    og._LITELLM_USAGE: "NULL::VARCHAR",
    og._MESSAGES: f"coalesce({_listed('llm.input_messages')}, {og._INDEXED_MESSAGES}, {_REQUEST_MESSAGES})",
    og._INSTRUCTIONS: "NULL::VARCHAR",
    "_answers": _listed("llm.output_messages"),
}
_MESSAGES = og._MESSAGES

FORMAT = LogFormat(
    name="phoenix",
    description="Arize Phoenix spans (get_spans_dataframe as Parquet/CSV/JSONL, REST /v1/projects/{id}/spans); "
    "LLM and EMBEDDING spans are calls",
    structure=_LINE,
    detect=(
        "((r.span_kind IS NOT NULL AND r.start_time IS NOT NULL "
        "AND coalesce(r.\"context.span_id\", r.context.span_id) IS NOT NULL) "
        "OR (json_extract_string(r.data, '$[0].span_kind') IS NOT NULL "
        "AND json_extract_string(r.data, '$[0].context.span_id') IS NOT NULL))"
    ),
    detect_hint="`span_kind` and `start_time` with `context.span_id` (a Phoenix spans dataframe row or REST span), "
    "or a `data` page of them",
    explode=(f"CASE WHEN json_type(r.data) = 'ARRAY' THEN list_transform(json_extract(r.data, '$[*]'), "
             f"lambda s: {_normalised('s')}) ELSE [{_normalised('line::JSON')}] END"),
    item_structure=_SPAN,
    keep=f"{_KIND} IN {_CALL_KINDS}",
    # span ids are unique across traces (8 random bytes); a span without one is nobody's parent
    nested=("coalesce(r.\"context.span_id\", '')", "nullif(r.parent_id, '')"),
    helpers=_HELPERS,
    columns={
        "call_id": "coalesce(r.\"context.trace_id\" || ':' || r.\"context.span_id\", r.\"context.span_id\", r.id)",
        "ts": "mm_ts(r.start_time)",
        "provider": f"coalesce(mm_provider_from_url({og.first('server.address')}), "
        f"mm_provider_name({og.first('llm.provider', 'llm.system')}, model))",
        "model": first_id(*(og.attr(k) for k in ("llm.response.model_name", "llm.model_name", "llm.request.model_name",
                                                 "embedding.model_name")), _PARAM_MODEL),
        "operation": f"CASE WHEN {_EMBEDDING} THEN 'embedding' ELSE 'chat' END",
        "input_tokens": og._INPUT,
        "cached_input_tokens": og._READ,
        "cache_write_tokens": og._WRITE,
        "output_tokens": f"coalesce({og._OUTPUT}, CASE WHEN {_EMBEDDING} AND {og._LOGGED_INPUT} IS NOT NULL THEN 0 END)",
        "reasoning_tokens": f"coalesce({og.count(*og._REASONING_KEYS)}, 0)",
        "input_audio_tokens": f"coalesce({og.count(*og._INPUT_AUDIO_KEYS)}, 0)",
        "output_audio_tokens": f"coalesce({og.count(*og._OUTPUT_AUDIO_KEYS)}, 0)",
        "logged_cost_usd": f"TRY_CAST({og.attr('llm.cost.total')} AS DECIMAL(38, 12))",
        "latency_ms": ms_after("r.start_time", "r.end_time"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, coalesce({_EXCEPTION_TYPE}, {_ERROR_TEXT})), "
        "'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "tags": tags_map([
            tag("trace_id", "r.\"context.trace_id\""), tag("span_name", "r.name"),
            tag("conversation_id", og.attr("session.id")), tag("user", og.attr("user.id")),
            tag("error", f"CASE WHEN {_FAILED} THEN left({_ERROR_TEXT}, 200) END")]),
        "system_prompt": list_texts(_MESSAGES, og._SYSTEM_ROLES),
        "user_prompt": f"list_filter({_MESSAGES}, lambda m: m.role = 'user')[-1].content",
        "response_text": _ANSWER,
        "prompt_chars": f"length({list_texts(_MESSAGES)})",
        "n_messages": f"len({_MESSAGES})",
        "n_tools": f"CASE WHEN {_MESSAGES} IS NOT NULL THEN {_TOOLS} END",
        "has_image": _IMAGE,
    },
    numbers=tuple(f'"attributes.{k}"' for k in _COUNT_KEYS),
    times=("start_time",),
    prompt_text=list_texts(_MESSAGES),
    output_text=_ANSWER,
    extra_fields=tuple(f"[].attributes.{k}" for k in (
        "llm.provider", "llm.system", "llm.model_name", "llm.response.model_name", "llm.request.model_name",
        "embedding.model_name", "llm.invocation_parameters", "llm.cost.total", "llm.input_messages",
        "llm.output_messages", "llm.tools", "input.value", "output.value", "session.id", "user.id")),
)
