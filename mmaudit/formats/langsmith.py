"""LangSmith runs, as the SDK's `Client.list_runs()` returns them (`run.dict()` / `run.json()`, or
the REST API's run objects): one run per record, with `run_type` and the trace's ids.

Only `run_type` llm and embedding runs are model calls; chain, tool, retriever, prompt and parser
runs of the same export are skipped (counted, not quarantined).

`prompt_tokens` follows LangChain's usage metadata: it is the sum of every input token type, so
it includes `prompt_token_details.cache_read` and `.cache_creation` (as a count smaller than its
own cached shares cannot, such a count is read as the uncached part and the shares are added).
`completion_tokens` includes `completion_token_details.reasoning`. A run without its own counts
is read from LangChain's usage metadata on the answer (`input_token_details`,
`output_token_details`), else from the provider's `llm_output.token_usage` (OpenAI's names),
shares included: a reasoning model's reasoning share was lost so. `status: error` (or an
`error`) is a failed call. The model and provider come from `extra.invocation_params` and
`extra.metadata` (`ls_model_name`, `ls_provider`); `total_cost` is LangSmith's own estimate
(logged cost). Text: `inputs.messages` as LangChain serialises them (`[[{lc, id: [...,
"HumanMessage"], kwargs: {content}}]]`) or plain `{role, content}` (`wrap_openai`), or a
completion's `inputs.prompts`; the answer from `outputs.generations` or `outputs.choices`.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, ms_after, status_in_text
from mmaudit.formats.chat_text import list_texts

_STRUCTURE = {
    "id": "VARCHAR", "name": "VARCHAR", "run_type": "VARCHAR", "trace_id": "VARCHAR", "dotted_order": "VARCHAR",
    "session_id": "VARCHAR", "parent_run_id": "VARCHAR", "status": "VARCHAR", "error": "VARCHAR",
    "start_time": "VARCHAR", "end_time": "VARCHAR", "first_token_time": "VARCHAR",
    "prompt_tokens": "VARCHAR", "completion_tokens": "VARCHAR", "total_tokens": "VARCHAR",
    "prompt_token_details": {"cache_read": "VARCHAR", "cache_creation": "VARCHAR", "audio": "VARCHAR"},
    "completion_token_details": {"reasoning": "VARCHAR", "audio": "VARCHAR"},
    "total_cost": "VARCHAR", "tags": "JSON",
    "extra": {"invocation_params": "JSON", "metadata": "JSON"},
    "inputs": "JSON", "outputs": "JSON",
}
_CALLS = ("llm", "embedding")
_DETAILS = "r.prompt_token_details"
# The run's own counts, else the usage metadata LangChain put on the answer (exports of runs whose
# counts LangSmith had not filled in), else the provider's token_usage in llm_output.
_USAGE = ("coalesce(json_extract(r.outputs, '$.usage_metadata'), "
          "json_extract(r.outputs, '$.generations[0][0].message.kwargs.usage_metadata'))")
_TOKEN_USAGE = "json_extract(r.outputs, '$.llm_output.token_usage')"
_READ = (f"coalesce(mm_int(coalesce({_DETAILS}.cache_read, json_extract_string({_USAGE}, '$.input_token_details.cache_read'), "
         f"json_extract_string({_TOKEN_USAGE}, '$.prompt_tokens_details.cached_tokens'))), 0)")
_WRITE = (f"coalesce(mm_int(coalesce({_DETAILS}.cache_creation, "
          f"json_extract_string({_USAGE}, '$.input_token_details.cache_creation'))), 0)")
_LOGGED = (f"mm_int(coalesce(r.prompt_tokens, json_extract_string({_USAGE}, '$.input_tokens'), "
           f"json_extract_string({_TOKEN_USAGE}, '$.prompt_tokens')))")
_COMPLETION = (f"mm_int(coalesce(r.completion_tokens, json_extract_string({_USAGE}, '$.output_tokens'), "
               f"json_extract_string({_TOKEN_USAGE}, '$.completion_tokens')))")


def _share(run: str, usage: str, token_usage: str) -> str:
    """A share of the counts: the run's own detail, else LangChain's usage metadata, else the
    provider's token_usage (OpenAI's names); 0 when none says."""
    return (f"coalesce(mm_int(coalesce({run}, json_extract_string({_USAGE}, '$.{usage}'), "
            f"json_extract_string({_TOKEN_USAGE}, '$.{token_usage}'))), 0)")


_FAILED = "(lower(coalesce(r.status, '')) = 'error' OR nullif(r.error, '') IS NOT NULL)"
# the HTTP status an SDK error names ("RateLimitError('Error code: 429 - ...')")
_HTTP = status_in_text("r.error")
_PARAMS = "r.extra.invocation_params"
_META = "r.extra.metadata"


def _param(path: str) -> str:
    return f"json_extract_string({_PARAMS}, '$.{path}')"


def _meta(key: str) -> str:
    return f"json_extract_string({_META}, '$.{key}')"


# inputs.messages: one list, or LangChain's batch of lists (the first is the call's); a message is
# LangChain's serialised form ({lc, id: [..., "HumanMessage"], kwargs: {content, type}}), its
# plain form ({type: human, content}) or OpenAI's ({role, content}).
_RAW_MESSAGES = "json_extract(r.inputs, '$.messages')"
_THREAD = (f"CASE WHEN json_type({_RAW_MESSAGES}, '$[0]') = 'ARRAY' THEN json_extract({_RAW_MESSAGES}, '$[0]') "
           f"ELSE {_RAW_MESSAGES} END")
_KIND = ("lower(coalesce(json_extract_string(m, '$.role'), json_extract_string(m, '$.kwargs.type'), "
         "json_extract_string(m, '$.type'), json_extract_string(m, '$.id[-1]')))")
_ROLE = (f"CASE WHEN {_KIND} IN ('human', 'user', 'humanmessage', 'humanmessagechunk') THEN 'user' "
         f"WHEN {_KIND} IN ('system', 'developer', 'systemmessage') THEN 'system' "
         f"WHEN {_KIND} IN ('ai', 'assistant', 'aimessage', 'aimessagechunk') THEN 'assistant' ELSE {_KIND} END")
_MESSAGES = (
    f"list_transform(json_extract({_THREAD}, '$[*]'), lambda m: {{'role': {_ROLE}, "
    "'content': mm_content_text(coalesce(json_extract(m, '$.content'), json_extract(m, '$.kwargs.content')))})"
)
_PROMPT = "nullif(coalesce(json_extract_string(r.inputs, '$.prompts[0]'), json_extract_string(r.inputs, '$.prompt')), '')"
_ANSWER = (
    "coalesce(json_extract_string(r.outputs, '$.generations[0][0].text'), "
    "mm_content_text(json_extract(r.outputs, '$.generations[0][0].message.kwargs.content')), "
    "json_extract_string(r.outputs, '$.choices[0].message.content'), json_extract_string(r.outputs, '$.choices[0].text'))"
)
_MSGS = "_messages"  # helper: rebuilt once per run


_ALL = f"coalesce({list_texts(_MSGS)}, {_PROMPT})"
_TOOLS = f"coalesce(json_array_length({_PARAMS}, '$.tools'), json_array_length({_PARAMS}, '$.functions'), 0)"


FORMAT = LogFormat(
    name="langsmith",
    description="LangSmith runs (Client.list_runs / REST run objects); llm and embedding runs are calls",
    structure=_STRUCTURE,
    detect="(r.run_type IS NOT NULL AND r.id IS NOT NULL AND coalesce(r.trace_id, r.dotted_order, r.session_id) IS NOT NULL)",
    detect_hint="`run_type` with `id` and `trace_id`/`dotted_order`/`session_id`",
    skip=f"lower(r.run_type) NOT IN ({', '.join(repr(c) for c in _CALLS)})",
    helpers={_MSGS: f"CASE WHEN json_type({_THREAD}) = 'ARRAY' THEN {_MESSAGES} END"},
    columns={
        "call_id": "r.id",
        "ts": "mm_ts(r.start_time)",
        "provider": f"mm_provider_name({_meta('ls_provider')}, model)",
        "model": first_id(_param("model"), _param("model_name"), _meta("ls_model_name"),
                          "json_extract_string(r.outputs, '$.llm_output.model_name')"),
        "operation": "CASE WHEN lower(r.run_type) = 'embedding' THEN 'embedding' "
        "WHEN json_extract(r.inputs, '$.prompts') IS NOT NULL THEN 'completion' ELSE 'chat' END",
        "input_tokens": f"CASE WHEN {_LOGGED} < {_READ} + {_WRITE} THEN {_LOGGED} + {_READ} + {_WRITE} ELSE {_LOGGED} END",
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "output_tokens": _COMPLETION,
        "reasoning_tokens": _share("r.completion_token_details.reasoning", "output_token_details.reasoning",
                                   "completion_tokens_details.reasoning_tokens"),
        "input_audio_tokens": _share(f"{_DETAILS}.audio", "input_token_details.audio", "prompt_tokens_details.audio_tokens"),
        "output_audio_tokens": _share("r.completion_token_details.audio", "output_token_details.audio",
                                      "completion_tokens_details.audio_tokens"),
        "latency_ms": ms_after("r.start_time", "r.end_time"),
        "ttft_ms": ms_after("r.start_time", "r.first_token_time"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, r.error), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": "TRY_CAST(r.total_cost AS DECIMAL(38, 12))",
        "tags": (
            "map_from_entries(list_filter([{'key': 'trace_id', 'value': r.trace_id}, {'key': 'run_name', 'value': r.name}, "
            "{'key': 'tags', 'value': nullif(array_to_string(json_extract_string(r.tags, '$[*]'), ','), '')}], "
            "lambda e: e.value IS NOT NULL))"
        ),
        "system_prompt": list_texts(_MSGS, "'system'"),
        "user_prompt": f"coalesce(list_filter({_MSGS}, lambda m: m.role = 'user')[-1].content, {_PROMPT})",
        "response_text": _ANSWER,
        "prompt_chars": f"length({_ALL})",
        "n_messages": f"coalesce(len({_MSGS}), CASE WHEN {_PROMPT} IS NOT NULL THEN 1 END)",
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL OR {_PROMPT} IS NOT NULL THEN {_TOOLS} END",
        "has_image": f"coalesce(mm_has_image({_THREAD}), false)",
    },
    numbers=("prompt_tokens", "completion_tokens"),
    times=("start_time", "end_time"),
    prompt_text=_ALL,
    output_text=_ANSWER,
)
