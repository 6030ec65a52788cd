"""Langfuse observations export: the public API's camelCase shape (`usageDetails`,
`costDetails`, `totalCost`) and the blob/S3 export's snake_case shape (`provided_model_name`,
`usage_details`, `total_cost`). Only `type: GENERATION` observations are model calls; spans and
events of the same export are skipped (counted, not quarantined).

`usageDetails.input` is documented as the UNCACHED part: cache keys vary by SDK/integration
(`input_cached_tokens`, `cache_read_input_tokens`, `input_cache_read`; writes
`cache_creation_input_tokens`, `input_cache_creation`, and the lifetime split Langfuse's OTel
ingestion writes, `input_cache_creation_5m` / `_1h`) and are added back. Not every producer
keeps to it: older versions of Langfuse's own OTel ingestion stored `gen_ai.usage.input_tokens`
(cache included) as `input`, and so did Codex's plugin and older LiteLLM, Mastra and TypeScript
SDK versions; adding
the cache back then counts it twice (5-20x the cost on cache-heavy agents). The record says which
when it carries a `total`: a total no larger than input + output (+ reasoning) leaves no room for
the cache on top, so `input` already holds it (and is kept as it is, when at least the cache). A
record without a `total` is read as documented. Reasoning
(`output_reasoning_tokens`) is kept outside `output`, so canonical output = output + reasoning.

Every other detail is split off the same way. Langfuse's server stores OpenAI-shaped usage
(`OpenAICompletionUsageSchema` / `OpenAIResponseUsageSchema` in its ingestion types) by moving each
`prompt_tokens_details` / `completion_tokens_details` entry to `input_<key>` / `output_<key>` and
subtracting it from `input` / `output` (floored at 0); `total` stays the body's `total_tokens`. Its
LangChain handler does the same with LangChain's `input_token_details` / `output_token_details`
(`input_audio`, `output_audio`, and langchain-anthropic's `input_ephemeral_5m_input_tokens` /
`_1h_`). So an OpenAI audio answer (pydantic-ai's `test_openai_audio_url_input` cassette: prompt
81 = 69 audio + 12 text, completion 72 = 72 text, total 153) is stored as `input: 0, output: 0`
with `input_audio_tokens: 69, input_text_tokens: 12, output_text_tokens: 72`: read as `input` and
cache only, it was a call of 0 tokens priced $0. Every `input_*` key that is not a cache key (no
`cache` in its name: those are read above) and every `output_*` key that is not reasoning is such
a part, whatever its name (`_text_tokens`, `_audio_tokens`, `_image_tokens`,
`_accepted_prediction_tokens`, `_rejected_prediction_tokens`, ...), so they are summed by prefix
from the record's JSON, not from a list. A record with one of them above 0 reads output = output +
reasoning + its parts and input = input + cache + its parts, unless that overshoots the record's
`total`: the parts then overlap (OpenAI's cached tokens are a subset of its text/audio/image
counts, and Langfuse subtracted both, flooring `input` at 0; langchain-anthropic's lifetime split
repeats the cache writes) and input is what the total leaves after the output (never less than
`input` itself). A record without a `total` is read as documented (the parts on top); a record
whose parts are all 0 reads as before. The audio and image parts are the call's audio and image
tokens (`input_audio_tokens` / LangChain's `input_audio`, `output_audio_tokens` / `output_audio`,
`input_image_tokens`, `output_image_tokens`), priced at their own rates.

A GENERATION that is the parent (`parentObservationId`, blob export `parent_observation_id`) of
another GENERATION of the same file is not loaded (`nested`): it is a rollup of its children.
Langfuse stored the Vercel AI SDK 7 `invoke_agent` span as a GENERATION carrying the summed usage
of its `chat` steps until langfuse/langfuse#14808 ("every trace's cost was exactly doubled";
issue #14754: 14,426 / 771 tokens in the steps and the same again on `invoke_agent`); Mastra's
`model_generation` sums its `model_step` generations (mastra-ai/mastra#13381); a user's
`@observe(as_type="generation")` around an integration's generation repeats it. Exports of data
ingested before the fix keep both; the inner one, nearest the API, is the call. The parent is
counted as skipped.

`level: ERROR` is a failed call (an HTTP status in `statusMessage` classifies it). Scores attached
to the observation become tags (`score.<name>`, and `score` for the first one). The prompt and
answer (`input`, `output`) are read as text for the categoriser (`chat_text.py`).
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, ms_after, status_in_text
from mmaudit.formats.chat_text import all_text, messages_of, prompt_string, text_columns

_USAGE = {k: "VARCHAR" for k in (
    "input", "output", "input_cached_tokens", "cache_read_input_tokens", "input_cache_read",
    "cache_creation_input_tokens", "input_cache_creation", "input_cache_creation_5m", "input_cache_creation_1h",
    "output_reasoning_tokens", "output_reasoning", "total",
    "input_audio_tokens", "input_audio", "output_audio_tokens", "output_audio", "input_image_tokens", "output_image_tokens",
)}
_STRUCTURE = {
    "id": "VARCHAR", "type": "VARCHAR", "name": "VARCHAR", "level": "VARCHAR",
    "traceId": "VARCHAR", "startTime": "VARCHAR", "endTime": "VARCHAR", "completionStartTime": "VARCHAR",
    "model": "VARCHAR", "statusMessage": "VARCHAR", "usageDetails": _USAGE,
    "usage": {"input": "VARCHAR", "output": "VARCHAR"},
    "costDetails": {"total": "VARCHAR"}, "totalCost": "VARCHAR", "calculatedTotalCost": "VARCHAR",
    "parentObservationId": "VARCHAR", "parent_observation_id": "VARCHAR",
    "trace_id": "VARCHAR", "start_time": "VARCHAR", "end_time": "VARCHAR", "completion_start_time": "VARCHAR",
    "provided_model_name": "VARCHAR", "status_message": "VARCHAR", "usage_details": _USAGE,
    "cost_details": {"total": "VARCHAR"}, "total_cost": "VARCHAR",
    "metadata": "JSON", "scores": "JSON", "input": "JSON", "output": "JSON",
}
# what `detect` and `skip` read of a line; the observation itself is read as `_STRUCTURE` (`explode`:
# one item, the line, so that `nested` can drop a generation that is another's parent)
_LINE = {"type": "VARCHAR", "traceId": "VARCHAR", "trace_id": "VARCHAR"}


def either(camel: str, snake: str) -> str:
    """A field of the API shape or of the blob-export shape."""
    return f"coalesce(r.{camel}, r.{snake})"


def usage(key: str) -> str:
    return f"mm_int(coalesce(r.usageDetails.{key}, r.usage_details.{key}))"


_READ = f"coalesce({usage('input_cached_tokens')}, {usage('cache_read_input_tokens')}, {usage('input_cache_read')}, 0)"
# Langfuse's OTel ingestion splits Anthropic's writes by lifetime when the provider metadata says
# it (`input_cache_creation_5m`, `input_cache_creation_1h`), leaving in `input_cache_creation` only
# what it could not split: the three add up (the split writes were read as none)
_WRITE_1H = f"coalesce({usage('input_cache_creation_1h')}, 0)"
_WRITE = (f"coalesce({usage('cache_creation_input_tokens')}, {usage('input_cache_creation')}, 0) "
          f"+ coalesce({usage('input_cache_creation_5m')}, 0) + {_WRITE_1H}")
_REASONING = f"coalesce({usage('output_reasoning_tokens')}, {usage('output_reasoning')}, 0)"
_INPUT = f"coalesce({usage('input')}, mm_int(r.usage.input))"
_OUTPUT = f"coalesce({usage('output')}, mm_int(r.usage.output))"
# `input` that already holds the cache (module docstring): the record's own total says so
_INCLUSIVE = (f"({usage('total')} IS NOT NULL AND {_READ} + {_WRITE} > 0 AND {_INPUT} >= {_READ} + {_WRITE} "
              f"AND {usage('total')} <= {_INPUT} + coalesce({_OUTPUT}, 0) + {_REASONING})")

# The other details Langfuse split off `input` / `output` (module docstring), summed by prefix: the
# usage object's members as text (a member that is no count adds 0)
_MEMBERS = ("map_entries(json_transform(list_filter(json_extract(line, ['$.usageDetails', '$.usage_details']), "
            "lambda j: json_type(j) = 'OBJECT')[1], '\"MAP(VARCHAR, VARCHAR)\"'))")


def _parts(keep: str) -> str:
    return (f"coalesce(list_sum(list_transform(list_filter(_lf_members, lambda e: {keep}), "
            "lambda e: coalesce(mm_int(e.value), 0))), 0)")


_TOTAL = usage("total")
_HAS_PARTS = "(_lf_in_parts + _lf_out_parts > 0)"
_OUT_ALL = f"coalesce({_OUTPUT}, 0) + {_REASONING} + _lf_out_parts"
_IN_ALL = f"coalesce({_INPUT}, 0) + {_READ} + {_WRITE} + _lf_in_parts"
_HELPERS = {
    "_lf_members": _MEMBERS,
    "_lf_in_parts": _parts("starts_with(e.key, 'input_') AND NOT contains(e.key, 'cache')"),
    "_lf_out_parts": _parts("starts_with(e.key, 'output_') AND NOT contains(e.key, 'reasoning')"),
    "_lf_output": f"CASE WHEN {_HAS_PARTS} THEN {_OUT_ALL} ELSE {_OUTPUT} + {_REASONING} END",
    # parts that overshoot the total overlap: the input is what the total leaves after the output
    "_lf_input": (f"CASE WHEN NOT {_HAS_PARTS} THEN {_INPUT} + CASE WHEN {_INCLUSIVE} THEN 0 ELSE {_READ} + {_WRITE} END "
                  f"WHEN {_TOTAL} IS NULL OR {_IN_ALL} + _lf_output <= {_TOTAL} THEN {_IN_ALL} "
                  f"ELSE greatest({_TOTAL} - _lf_output, coalesce({_INPUT}, 0)) END"),
}


def _modality(keys: tuple[str, ...], side: str) -> str:
    """An audio or image part (of the input or output `side`) when the record's parts are read, else 0."""
    return f"CASE WHEN {_HAS_PARTS} THEN least(coalesce({', '.join(usage(k) for k in keys)}, 0), {side}) ELSE 0 END"

_START = either("startTime", "start_time")
_T0 = f"mm_ts({_START})"
_MSG = either("statusMessage", "status_message")
_FAILED = "(upper(coalesce(r.level, '')) = 'ERROR')"
_HTTP = status_in_text(_MSG)
_SCORES = (
    "list_transform(json_extract(r.scores, '$[*]'), lambda s: {'key': 'score.' || json_extract_string(s, '$.name'), "
    "'value': coalesce(json_extract_string(s, '$.stringValue'), json_extract_string(s, '$.value'))})"
)
_FIRST_SCORE = "json_extract_string(r.scores, '$[0].value')"
_TAGS = (
    f"mm_merge_tags(map_from_entries(list_filter(list_concat({_SCORES}, "
    f"[{{'key': 'score', 'value': {_FIRST_SCORE}}}, {{'key': 'trace_id', 'value': {either('traceId', 'trace_id')}}}]), "
    "lambda e: e.value IS NOT NULL AND e.key IS NOT NULL)), "
    "map_from_entries(list_filter(map_entries(mm_tags(r.metadata)), lambda e: e.key IN ('team', 'user', 'user_id', 'environment', 'app'))))"
)


# `input` is what the integration saw: the chat array, `{messages, tools, ...}` when tools or
# functions were passed, or the prompt string of a completion; `output` the answer's message
# (`{role, content}`) or its text.
_MSGS = messages_of("r.input")
_PROMPT = prompt_string("r.input")
_ANSWER = (
    "CASE json_type(r.output) WHEN 'VARCHAR' THEN json_extract_string(r.output, '$') "
    "WHEN 'OBJECT' THEN mm_content_text(json_extract(r.output, '$.content')) END"
)
_TOOLS = "coalesce(json_array_length(r.input, '$.tools'), json_array_length(r.input, '$.functions'), 0)"


FORMAT = LogFormat(
    name="langfuse",
    description="Langfuse observations export (API camelCase and blob-export snake_case); GENERATIONs are calls",
    structure=_LINE,
    detect=(
        "(r.type IN ('GENERATION', 'SPAN', 'EVENT', 'AGENT', 'TOOL', 'CHAIN', 'RETRIEVER', 'EMBEDDING', 'EVALUATOR', 'GUARDRAIL') "
        "AND coalesce(r.traceId, r.trace_id) IS NOT NULL)"
    ),
    detect_hint="`type` (GENERATION, SPAN, ...) with `traceId`/`trace_id`",
    skip="r.type NOT IN ('GENERATION', 'EMBEDDING')",
    explode="[line::JSON]",
    item_structure=_STRUCTURE,
    nested=(f"{either('traceId', 'trace_id')} || ':' || r.id",
            # only a GENERATION child makes its parent a rollup (a generation that embedded a text
            # is still its own call)
            f"CASE WHEN r.type = 'GENERATION' THEN {either('traceId', 'trace_id')} || ':' || "
            f"nullif({either('parentObservationId', 'parent_observation_id')}, '') END"),
    helpers=_HELPERS,
    # the details summed by prefix (read from the record's JSON, not from `item_structure`)
    extra_fields=tuple(f"[].{u}.{side}_*" for u in ("usageDetails", "usage_details") for side in ("input", "output")),
    columns={
        "call_id": "r.id",
        "ts": _T0,
        "model": first_id("r.model", "r.provided_model_name"),
        "operation": "CASE WHEN r.type = 'EMBEDDING' THEN 'embedding' ELSE 'chat' END",
        "input_tokens": "_lf_input",
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "cache_write_1h_tokens": _WRITE_1H,
        "output_tokens": "_lf_output",
        "reasoning_tokens": _REASONING,
        "input_audio_tokens": _modality(("input_audio_tokens", "input_audio"), "_lf_input"),
        "output_audio_tokens": _modality(("output_audio_tokens", "output_audio"), "_lf_output"),
        "input_image_tokens": _modality(("input_image_tokens",), "_lf_input"),
        "output_image_tokens": _modality(("output_image_tokens",), "_lf_output"),
        "latency_ms": ms_after(_START, either("endTime", "end_time")),
        "ttft_ms": ms_after(_START, either("completionStartTime", "completion_start_time")),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, {_MSG}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": (
            "TRY_CAST(coalesce(r.costDetails.total, r.cost_details.total, r.totalCost, r.total_cost, "
            "r.calculatedTotalCost) AS DECIMAL(38, 12))"
        ),
        "tags": _TAGS,
        **text_columns(_MSGS, _PROMPT, _ANSWER),
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL OR {_PROMPT} IS NOT NULL THEN "
        f"CASE WHEN json_type(r.input) = 'OBJECT' THEN {_TOOLS} ELSE 0 END END",
    },
    numbers=tuple(f"{u}.{k}" for u in ("usageDetails", "usage_details") for k in ("input", "output")),
    times=("startTime", "start_time"),
    prompt_text=all_text(_MSGS, _PROMPT),
    output_text=_ANSWER,
)
