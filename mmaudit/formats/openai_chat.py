"""OpenAI Chat Completions: bare `chat.completion` bodies, bare `{"error": ...}` bodies, and
`{request, response | error}` pairs as gateways and SDK wrappers log them; the legacy Completions
API's `text_completion` bodies (gpt-3.5-turbo-instruct) too, as operation `completion`.

`usage.prompt_tokens` already includes `prompt_tokens_details.cached_tokens`, and
`completion_tokens` already includes `completion_tokens_details.reasoning_tokens`; the
`audio_tokens` of both details (gpt-4o-audio-preview, gpt-audio) and `prompt_tokens_details.image_tokens`
are parts of them too. The body's
`service_tier` (default, flex, priority, scale) goes to `service_tier`.

Other providers answer in this shape too, and the body says which where it can: Groq adds
`x_groq` (provider `groq`, so Groq's rates price it), Azure OpenAI `prompt_filter_results`
(provider `azure`), Ollama's, vLLM's and llama.cpp's servers a `system_fingerprint` of their own
(`fp_ollama`, `vllm-<version>-...`, `b<build>-<commit>`: provider `self-hosted`,
mmaudit/formats/hosts.py), GPUStack's (llama-box) its timings in `usage`
(`time_to_first_token_ms` and `time_per_output_token_ms`: `self-hosted` too), llama.cpp's
llama-server a top-level `timings` object (`prompt_n`, `predicted_n`, `predicted_ms`...; its
answers also name `gpt-3.5-turbo`, its default alias, when the server was started without one:
canonical/inference-snaps' tutorial, a Gemma 3 1B GGUF, was priced at OpenAI's rate), LM Studio
a `stats` object beside a `system_fingerprint` that is the model id itself (`"stats": {},
"system_fingerprint": "openai/gpt-oss-20b"`, an LM Studio server log in an Obsidian app's docs;
every LM Studio answer found has both). vLLM's own body fields (`prompt_logprobs`,
`kv_transfer_params`) are `null` unless asked for, and a null field cannot be told from a missing
one here: they mark nothing, and a cloud host running vLLM may pass them on;
otherwise the provider is the model's vendor
(`deepseek-*` → deepseek, `mistral-*` → mistral, `grok-*` → xai, `claude-*` → anthropic; `openai`
for GPT models and bodies without a model). xAI counts reasoning OUTSIDE `completion_tokens`
(its `total_tokens` = prompt + completion + reasoning): when the log's own total says so, or a
bare `grok-*` body has no total, the reasoning is added to output. Gemini's OpenAI-compatible
endpoint (and gateways relaying Gemini) counts no reasoning at all and leaves the thinking out of
`completion_tokens` but in `total_tokens`: for a Gemini model with no reasoning count, the gap
between the total and its parts is thinking, added to output and to `reasoning_tokens`. DeepSeek's
`usage.prompt_cache_hit_tokens` are cache reads; DeepInfra's `usage.estimated_cost` is the
logged cost. OpenAI's search models (`gpt-4o-search-preview`, `gpt-4o-mini-search-preview`,
`gpt-5-search-api`) search the web before every answer and count no searches: an answered call of
one is one web search, and the two -search-preview ones are tagged `web_search_tool:
web_search_preview` (billed as the preview tool; mmaudit/data/pricing/tool_fees.yaml).

A body without `object` (Zhipu's GLM API) is read when its choices have a `message` and its
usage chat counts.

Flat error bodies `{"object": "error", "message", "type", "code"}` are failed calls: Mistral's
carry `raw_status_code` (provider `mistral`), vLLM's OpenAI-compatible server's the HTTP status as
`code` (provider from the model, else `unknown`).

Embeddings responses (`object: "list"` with `usage.prompt_tokens`, bare or under `response`) are
calls with operation `embedding`, their prompt tokens as input and no output.

Streamed responses logged chunk by chunk (`object: chat.completion.chunk`, all with the stream's
id) are one call: with `stream_options: {include_usage: true}` the last chunk carries `usage`
(and empty `choices`), and the pipeline keeps that most complete version (mmaudit/conflicts.py),
counting the other chunks as duplicates. A stream logged without usage loads as one call with
unknown (NULL) token counts: chunks carry no prompt to estimate from. Azure OpenAI opens a stream
with a chunk that has an empty `id` and only `prompt_filter_results`: it is skipped, not a call.

OpenAI's error bodies are `{"error": {message, type, param, code}}` with no top-level `object`
or `type`; their types end in `_error` like Anthropic's (`invalid_request_error`,
`server_error`), so they are told from other providers' errors by what those carry instead:
Anthropic's bodies say `type: "error"` (or pair a `claude` request), google.rpc errors carry a
`status`, OpenRouter's an HTTP status as a JSON *number* `code` (`BARE_ERROR`); Azure's and
LiteLLM's proxy's write it as a string (`"429"`) and are OpenAI-shaped errors with that status.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.pairs import PAIR_WRAPPER, body


def _usage(key: str) -> str:
    """`usage.<key>`, else where some providers put a stream's usage instead: Groq's
    `x_groq.usage.<key>` (its final chunk, before Groq also wrote the top-level `usage`) and
    Moonshot's (Kimi's) `choices[0].usage.<key>` (its final chunk)."""
    places = [body("usage." + key)]
    if key in _GROQ_USAGE:
        places.append(body("x_groq.usage." + key))
    places.append(f"json_extract_string({body('choices')}, '$[0].usage.{key}')")
    return f"coalesce({', '.join(places)})"


_GROQ_USAGE = ("prompt_tokens", "completion_tokens", "total_tokens")


_BODY = {
    "id": "VARCHAR",
    "object": "VARCHAR",
    "created": "VARCHAR",
    "model": "VARCHAR",
    "service_tier": "VARCHAR",
    "system_fingerprint": "VARCHAR",  # Ollama's `fp_ollama`, vLLM's `vllm-...`, llama.cpp's `b<build>-<commit>`
    # llama.cpp's llama-server: its own timings (prompt_n, predicted_n, predicted_ms...), a server the team runs
    "timings": "JSON",
    "stats": "JSON",  # LM Studio's (`{}`), beside a fingerprint that is the model id: the team's own server
    "choices": "JSON",
    "prompt": "JSON",  # Together's echo of the prompt (`[]` unless asked for): only Together writes it
    "usage": {
        "prompt_tokens": "VARCHAR",
        "completion_tokens": "VARCHAR",
        "total_tokens": "VARCHAR",
        # (`cache_creation_input_tokens`: Alibaba DashScope's explicit-cache writes)
        "prompt_tokens_details": {"cached_tokens": "VARCHAR", "cache_write_tokens": "VARCHAR", "audio_tokens": "VARCHAR",
                                  "image_tokens": "VARCHAR", "cache_creation_input_tokens": "VARCHAR"},
        "completion_tokens_details": {"reasoning_tokens": "VARCHAR", "audio_tokens": "VARCHAR"},
        "prompt_cache_hit_tokens": "VARCHAR",  # DeepSeek's cache reads
        "cached_tokens": "VARCHAR",  # Moonshot's (Kimi) cache reads, at the top of usage
        "cost_in_usd_ticks": "VARCHAR",  # xAI's own cost of the call, in 1e-10 USD
        # Groq's timings (seconds): total_time is prompt + completion, the wait in its queue apart
        "queue_time": "VARCHAR",
        "total_time": "VARCHAR",
        # xAI's server-side tools the call ran (each billed per call on top of the tokens)
        "server_side_tool_usage_details": {"web_search_calls": "VARCHAR", "x_search_calls": "VARCHAR"},
        "estimated_cost": "VARCHAR",  # DeepInfra's own cost of the call, USD
        # Perplexity: reasoning and citation tokens outside completion_tokens, its searches, its cost
        "reasoning_tokens": "VARCHAR",
        "citation_tokens": "VARCHAR",
        "num_search_queries": "VARCHAR",
        "search_context_size": "VARCHAR",  # low, medium, high: Perplexity's request fee depends on it
        # Perplexity's bill (an object with `total_cost`), or a gateway's (a number of USD: Vercel's
        # AI Gateway)
        "cost": "JSON",
        "gateway_cost": "VARCHAR",  # Vercel's AI Gateway: `cost` plus its surcharges, what was billed
        "server_tool_use_details": {"web_search_requests": "VARCHAR"},  # OpenRouter's searches
        # GPUStack's llama-box: the server's own timings (ms), a server the team runs
        "time_to_first_token_ms": "VARCHAR",
        "time_per_output_token_ms": "VARCHAR",
    },
    # Groq: the request id, and in streams logged before Groq also sent a top-level `usage`, the
    # stream's usage (its final chunk holds it here alone: those calls loaded without counts)
    "x_groq": {"id": "VARCHAR", "usage": {k: "VARCHAR" for k in _GROQ_USAGE}},
    # Cerebras' timings (seconds; only Cerebras writes them): total_time is queue + prompt + completion
    "time_info": {"queue_time": "VARCHAR", "total_time": "VARCHAR"},
    "prompt_filter_results": "JSON",  # Azure OpenAI's content-filter verdicts on the prompt
}
# `code` is read as JSON: OpenRouter writes an HTTP status as a JSON number (429), OpenAI a string
# ("rate_limit_exceeded"), and Azure and LiteLLM's proxy an HTTP status as a string ("429").
ERROR_STRUCT = {"message": "VARCHAR", "type": "VARCHAR", "code": "JSON", "param": "VARCHAR", "status": "VARCHAR"}


def error_code(path: str = "r.error.code") -> str:
    """The error `code` at `path` (JSON) as text, a number or a string alike."""
    return f"json_extract_string({path}, '$')"


def http_number_code(path: str = "r.error.code") -> str:
    """Whether the `code` at `path` is an HTTP status written as a JSON number (OpenRouter's)."""
    return (f"(json_type({path}) IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'HUGEINT') "
            f"AND regexp_full_match(coalesce({error_code(path)}, ''), '[1-5][0-9][0-9]'))")


_CODE = error_code()
# an HTTP status written in the error itself (Azure OpenAI's `error.status`)
_STATUS_NUMBER = "regexp_full_match(coalesce(r.error.status, ''), '[1-5][0-9][0-9]')"

# An OpenAI error body (bare, or in a {request, error} pair), as no other provider writes one.
BARE_ERROR = (
    "((r.error.message IS NOT NULL OR r.error.code IS NOT NULL) AND r.object IS NULL AND r.type IS NULL "
    "AND NOT regexp_matches(coalesce(r.request.model, ''), 'claude') "
    # google.rpc errors (gemini) carry a status name; OpenAI's carry none, Azure OpenAI's the HTTP
    # status as a number (its content filter's 400: `"code": "content_filter", "status": 400`)
    f"AND (r.error.status IS NULL OR {_STATUS_NUMBER}) "
    f"AND NOT {http_number_code()})"  # OpenRouter's
)
_REQUEST = {
    "model": "VARCHAR",
    "messages": "JSON",
    "tools": "JSON",
    "functions": "JSON",
    "response_format": {"type": "VARCHAR"},
    "metadata": "JSON",
    "user": "VARCHAR",
}



# A flat error body `{"object": "error", "message", "type", "code"}`: Mistral's (with its
# `raw_status_code`) and vLLM's OpenAI-compatible server's (`code` = the HTTP status).
FLAT_ERROR = "(r.object = 'error' AND r.message IS NOT NULL)"
_FLAT_CODE = error_code("r.code")
# The error's code and type as text, for mm_error_type: nested (OpenAI) or flat.
_ERR_TEXT = (f"nullif(concat_ws(' ', {_CODE}, r.error.type, CASE WHEN {FLAT_ERROR} THEN concat_ws(' ', {_FLAT_CODE}, "
             "r.type) END), '')")
# The HTTP status: the wrapper's, unless it says success of an error body that names its own (Azure's
# content filter `{"error": {..., "status": 400}}` recorded under a 200)
_WRAPPED = "mm_int(coalesce(r.status_code, r.http_status, r.raw_status_code))"
_HTTP = (f"coalesce(CASE WHEN {_WRAPPED} >= 400 THEN {_WRAPPED} END, "
         f"CASE WHEN {_STATUS_NUMBER} THEN mm_int(r.error.status) END, {_WRAPPED}, "
         f"CASE WHEN regexp_full_match(coalesce({_CODE}, ''), '[1-5][0-9][0-9]') THEN mm_int({_CODE}) END, "
         f"CASE WHEN {FLAT_ERROR} AND regexp_full_match(coalesce({_FLAT_CODE}, ''), '[1-5][0-9][0-9]') "
         f"THEN mm_int({_FLAT_CODE}) END, "
         f"CASE WHEN mm_error_type(NULL, {_ERR_TEXT}) = 'rate_limit' THEN 429 END)")
_FAILED = (f"(r.error.message IS NOT NULL OR r.error.code IS NOT NULL OR {FLAT_ERROR} "
           "OR coalesce(mm_int(coalesce(r.status_code, r.http_status)), 0) >= 400)")
_MSGS = "r.request.messages"
# The call's model: the body's, else the request's, else the model a captured Bedrock address names
# (`modelId`: a Converse error body, `{__type, message}`, names none); an empty id is none
# (`first_id`). _MODEL_ID is it lower-cased ('' when none is logged): the providers' conventions
# below key on it.
_MODEL = first_id("r.response.model", "r.model", "r.request.model", "r.modelId")
_MODEL_ID = "lower(coalesce(_oc_model, ''))"
# OpenAI's Chat Completions search models (gpt-4o-search-preview, gpt-4o-mini-search-preview,
# gpt-5-search-api, and their snapshots) search the web before every answer, and their usage gives
# no count: an answered call is one search. The two -search-preview models are the preview search
# on a non-reasoning model and are billed as it (tags['web_search_tool'], tool_fees.yaml).
_SEARCH_MODEL = "regexp_matches(_oc_model_id, '^gpt-[a-z0-9.-]+-search-(preview|api)($|-)')"
_SEARCH_TAG = (f"CASE WHEN {_SEARCH_MODEL} AND regexp_matches(_oc_model_id, "
               "'-search-preview($|-)') THEN MAP {'web_search_tool': 'web_search_preview'} END")
# An embeddings response (`object: "list"` of vectors, `usage.prompt_tokens`): input only.
# Voyage AI's usage has only `total_tokens` (all input)
_EMBEDDINGS = (f"({body('object')} = 'list' AND ({_usage('prompt_tokens')} IS NOT NULL "
               f"OR {body('usage.total_tokens')} IS NOT NULL))")
# A chat completion without `object` (Zhipu's GLM API and other OpenAI-compatible servers leave it
# out): choices with a `message` and chat usage, which no other API writes together
_UNLABELLED = (f"({body('object')} IS NULL AND json_type({body('choices')}) = 'ARRAY' "
               f"AND json_type({body('choices')}, '$[0].message') = 'OBJECT' AND {_usage('prompt_tokens')} IS NOT NULL)")
_DETAILED_REASONING = f"coalesce(mm_int({body('usage.completion_tokens_details.reasoning_tokens')}), 0)"
_COST = body("usage.cost")
_BILL = f"json_extract_string({_COST}, '$.total_cost')"  # Perplexity's
_GATEWAY_COST = f"CASE WHEN json_type({_COST}) IN ('DOUBLE', 'UBIGINT', 'BIGINT', 'VARCHAR') THEN json_extract_string({_COST}, '$') END"
# Perplexity reports reasoning (sonar-deep-research) and citation tokens at the top of `usage`,
# OUTSIDE completion_tokens (its total_tokens is prompt + completion), and its searches as
# `num_search_queries`; told by the fields only Perplexity writes.
_PERPLEXITY = (f"({body('usage.citation_tokens')} IS NOT NULL OR {body('usage.num_search_queries')} IS NOT NULL "
               f"OR {_BILL} IS NOT NULL)")
_TOP_REASONING = f"coalesce(mm_int({body('usage.reasoning_tokens')}), 0)"
# Gemini's OpenAI-compatible endpoint (and gateways relaying Gemini) leave the thinking out of
# completion_tokens and out of any reasoning count, but keep it in total_tokens (Gemini's own
# totalTokenCount): gemini-2.5-flash answering "Ghostbusters" logs prompt 17, completion 2, total
# 49, and 30 thinking tokens were billed at the output rate. The gap is that thinking (with any
# tool-use prompt tokens, which the endpoint does not report apart).
_GEMINI_HIDDEN = ("CASE WHEN regexp_matches(_oc_model_id, 'gemini') AND _oc_detailed_reasoning = 0 "
                  "AND _oc_top_reasoning = 0 THEN greatest(coalesce(mm_int(_oc_total) - mm_int(_oc_prompt) "
                  "- _oc_completion, 0), 0) ELSE 0 END")
_REASONING = ("CASE WHEN _oc_detailed_reasoning > 0 THEN _oc_detailed_reasoning WHEN _oc_top_reasoning > 0 "
              f"THEN _oc_top_reasoning ELSE {_GEMINI_HIDDEN} END")
# Reasoning tokens the provider counts OUTSIDE completion_tokens: xAI's (total = prompt + completion +
# reasoning, told by the log's own total) and Perplexity's top-level ones (or any top-level count
# larger than completion_tokens, which cannot be a part of it); OpenAI's completion_tokens already
# include them.
# A log that drops the total (usage trimmed to its parts) still holds xAI's own answer when the
# model is a bare `grok-*` id and no other host is named: xAI's convention then (genai-prices'
# extractor for xAI's chat API adds the reasoning to output always).
_XAI_OWN = "(regexp_matches(_oc_model_id, '^grok') AND (r.provider IS NULL OR regexp_matches(lower(r.provider), '^x[._-]?ai$')))"
_REASONING_OUTSIDE = (
    "CASE WHEN _oc_detailed_reasoning > 0 AND mm_int(_oc_total) = mm_int(_oc_prompt) + _oc_completion + _oc_detailed_reasoning "
    "THEN _oc_detailed_reasoning "
    f"WHEN _oc_detailed_reasoning > 0 AND _oc_total IS NULL AND {_XAI_OWN} THEN _oc_detailed_reasoning "
    "WHEN _oc_detailed_reasoning = 0 AND (_oc_perplexity OR _oc_top_reasoning > coalesce(_oc_completion, 0)) "
    f"THEN _oc_top_reasoning ELSE {_GEMINI_HIDDEN} END"
)
# Reasoning counted above completion_tokens raises the output only as far as the log's own total
# says it went (Kimi K3: 6,001 reasoning in a completion of 6,000, total prompt + 6,001). Where the
# total is prompt + completion (a gateway's 522 reasoning in a gpt-oss completion of 494), or there
# is no total, the output stays what was billed and `projection_sql` caps the reasoning at it.
_REASONING_BY_TOTAL = ("CASE WHEN mm_int(_oc_total) - mm_int(_oc_prompt) > 0 "
                       "THEN least(_oc_reasoning, mm_int(_oc_total) - mm_int(_oc_prompt)) ELSE 0 END")
_CITATIONS = f"coalesce(mm_int({body('usage.citation_tokens')}), 0)"
_COMPLETION = f"mm_int({_usage('completion_tokens')})"
# the answer: a chat message's content, or a legacy completion's `text`
_TEXT = (f"coalesce(json_extract_string({body('choices')}, '$[0].message.content'), "
         f"json_extract_string({body('choices')}, '$[0].text'))")


def xai_cost(ticks: str) -> str:
    """xAI's own cost of a call from `usage.cost_in_usd_ticks` (1 tick = 1e-10 USD; grok-3-mini's
    1,399,000 ticks are its $0.0001399 token price), as the logged cost."""
    return f"CAST(TRY_CAST({ticks} AS DECIMAL(28, 0)) * 0.0000000001 AS DECIMAL(38, 12))"  # exact, never a DOUBLE


def xai_searches(usage: str) -> str:
    """The web and X searches xAI's server-side tools ran (`server_side_tool_usage_details`), each
    billed per call like a web search; NULL when the usage has no such details."""
    details = f"{usage}.server_side_tool_usage_details"
    return (f"CASE WHEN {details} IS NOT NULL THEN coalesce(mm_int({details}.web_search_calls), 0) "
            f"+ coalesce(mm_int({details}.x_search_calls), 0) END")


XAI_SEARCHES = xai_searches(body("usage"))

# Azure OpenAI opens a stream with a chunk of its prompt's content-filter verdicts only: empty
# `id`, `object` and `model`, no choices. Not a call.
_AZURE_PREAMBLE = ("(coalesce(r.object, '') = '' AND coalesce(r.id, '') = '' AND r.prompt_filter_results IS NOT NULL "
                   "AND r.usage.prompt_tokens IS NULL)")

# the legacy Completions API's body: OpenAI's `text_completion`, Together's `text.completion`
_TEXT_COMPLETIONS = "'text_completion', 'text.completion'"

# Values many columns read, computed once per record (LogFormat.helpers) and named in the columns
# and in the expressions above (_REASONING, _SEARCH_MODEL...): written inline, every column repeated
# them, and DuckDB took ~0.15 s to plan the projection. In order: a helper may read those before it.
_HELPERS = {
    "_oc_model": _MODEL,
    "_oc_model_id": _MODEL_ID,
    "_oc_prompt": _usage("prompt_tokens"),
    "_oc_total": _usage("total_tokens"),
    "_oc_completion": _COMPLETION,
    "_oc_embeddings": _EMBEDDINGS,
    "_oc_detailed_reasoning": _DETAILED_REASONING,
    "_oc_top_reasoning": _TOP_REASONING,
    "_oc_failed": _FAILED,
    "_oc_http": _HTTP,
    "_oc_perplexity": _PERPLEXITY,
    "_oc_reasoning": _REASONING,
    "_oc_reasoning_outside": _REASONING_OUTSIDE,
}

# A body only a server the team runs itself writes: its fingerprint (Ollama, vLLM, llama.cpp;
# hosts.py), GPUStack's timings in `usage`, llama.cpp's top-level `timings`, LM Studio's `stats`
# beside a fingerprint that is the model id
_LOCAL_SERVER = (f"(mm_local_server({body('system_fingerprint')}) OR ({body('usage.time_to_first_token_ms')} IS NOT NULL "
                 f"AND {body('usage.time_per_output_token_ms')} IS NOT NULL) "
                 f"OR (json_type({body('timings')}) = 'OBJECT' AND json_extract({body('timings')}, '$.prompt_n') IS NOT NULL "
                 f"AND json_extract({body('timings')}, '$.predicted_n') IS NOT NULL) "
                 f"OR coalesce(json_type({body('stats')}) = 'OBJECT' AND {body('system_fingerprint')} = {body('model')}, false))")

# An OpenRouter chat body (a `gen-` id naming its upstream `provider`) is the openrouter format's,
# which reads that provider and the reasoning as OpenRouter bills them: in a file whose other lines
# are plain OpenAI bodies, openai-chat (the file's format) took it too, and lost both. (Vercel's AI
# Gateway also answers with `gen-` ids, but names no provider: its bodies stay here.)
_OPENROUTER_BODY = ("coalesce(r.id LIKE 'gen-%' AND r.provider IS NOT NULL AND r.usage.gateway_cost IS NULL "
                    "AND r.object IN ('chat.completion', 'chat.completion.chunk'), false)")

FORMAT = LogFormat(
    name="openai-chat",
    description="OpenAI Chat Completions: chat.completion bodies, error bodies, {request, response|error} pairs",
    structure={**_BODY, "response": _BODY, "error": ERROR_STRUCT, "request": _REQUEST, "type": "VARCHAR", **PAIR_WRAPPER,
               "message": "VARCHAR", "code": "JSON", "raw_status_code": "VARCHAR", "modelId": "VARCHAR"},
    detect=(
        f"((r.object IN ('chat.completion', 'chat.completion.chunk', 'chat.completion.done', {_TEXT_COMPLETIONS}) "
        f"OR r.response.object IN ('chat.completion', {_TEXT_COMPLETIONS}) "
        f"OR {_EMBEDDINGS} OR {FLAT_ERROR} OR {_AZURE_PREAMBLE} OR {_UNLABELLED} "
        f"OR {BARE_ERROR}) AND NOT {_OPENROUTER_BODY})"
    ),
    detect_hint="`object: \"chat.completion\"` (bare or under `response`) or `chat.completion.chunk`, an embeddings `object: \"list\"` with `usage`, an `error` object with `message`/`code`, or a flat `object: \"error\"` body",
    skip=f"((r.object = 'chat.completion.chunk' AND coalesce(r.id, '') = '' AND r.usage.prompt_tokens IS NULL) OR {_AZURE_PREAMBLE})",
    columns={
        "call_id": f"coalesce({body('id')}, r.request_id)",
        "ts": f"coalesce(mm_ts(r.timestamp), mm_ts(r.created_at), mm_ts({body('created')}))",
        # (a local address says `self-hosted`, but a body a cloud host signed says who served it:
        # a gateway on the team's machine in front of Groq)
        "provider": f"coalesce(nullif(r.provider, 'self-hosted'), CASE WHEN {body('x_groq.id')} IS NOT NULL THEN 'groq' "
        f"WHEN {body('time_info')} IS NOT NULL THEN 'cerebras' "
        f"WHEN {body('prompt_filter_results')} IS NOT NULL THEN 'azure' "
        f"WHEN json_type({body('prompt')}) = 'ARRAY' THEN 'together' END, r.provider, CASE "
        f"WHEN {_LOCAL_SERVER} THEN 'self-hosted' "
        f"WHEN {FLAT_ERROR} AND r.raw_status_code IS NOT NULL THEN 'mistral' END, "
        f"mm_provider_from_model(model), CASE WHEN {FLAT_ERROR} THEN 'unknown' ELSE 'openai' END)",
        "model": "_oc_model",
        "input_tokens": f"mm_int(coalesce(_oc_prompt, CASE WHEN _oc_embeddings THEN {body('usage.total_tokens')} END))",
        "cached_input_tokens": f"greatest(coalesce(mm_int({body('usage.prompt_tokens_details.cached_tokens')}), 0), "
        f"coalesce(mm_int({body('usage.prompt_cache_hit_tokens')}), 0), coalesce(mm_int({_usage('cached_tokens')}), 0))",
        "cache_write_tokens": (f"coalesce(mm_int({body('usage.prompt_tokens_details.cache_write_tokens')}), "
                               f"mm_int({body('usage.prompt_tokens_details.cache_creation_input_tokens')}), 0)"),
        "operation": f"CASE WHEN _oc_embeddings THEN 'embedding' WHEN {body('object')} IN ({_TEXT_COMPLETIONS}) THEN 'completion' "
        "ELSE 'chat' END",
        # (never fewer than the reasoning they include: Kimi K3 has logged 6,001 reasoning in 6,000)
        "output_tokens": "CASE WHEN _oc_embeddings THEN 0 WHEN _oc_completion IS NOT NULL "
        f"THEN greatest(_oc_completion + _oc_reasoning_outside, {_REASONING_BY_TOTAL}) + {_CITATIONS} END",
        "reasoning_tokens": "_oc_reasoning",
        "web_searches": f"coalesce(mm_int({body('usage.num_search_queries')}), "
        f"mm_int({body('usage.server_tool_use_details.web_search_requests')}), {XAI_SEARCHES}, "
        f"CASE WHEN {_SEARCH_MODEL} AND NOT _oc_failed THEN 1 END, 0)",
        "citation_tokens": _CITATIONS,
        "input_audio_tokens": f"coalesce(mm_int({body('usage.prompt_tokens_details.audio_tokens')}), 0)",
        "output_audio_tokens": f"coalesce(mm_int({body('usage.completion_tokens_details.audio_tokens')}), 0)",
        "input_image_tokens": f"coalesce(mm_int({body('usage.prompt_tokens_details.image_tokens')}), 0)",
        "service_tier": body("service_tier"),
        # the log's own latency, else the server's timing: Cerebras' total, Groq's queue + total
        "latency_ms": (f"coalesce(mm_num(coalesce(r.latency_ms, r.duration_ms)), mm_num({body('time_info.total_time')}) * 1000, "
                       f"CASE WHEN {body('x_groq.id')} IS NOT NULL THEN (coalesce(mm_num({body('usage.queue_time')}), 0) "
                       f"+ mm_num({body('usage.total_time')})) * 1000 END)"),
        "ttft_ms": "mm_num(r.ttft_ms)",
        "status": "CASE WHEN _oc_failed THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN _oc_failed THEN coalesce(mm_error_type(_oc_http::INTEGER, {_ERR_TEXT}), 'unknown') END",
        "http_status": "CASE WHEN _oc_failed THEN _oc_http ELSE coalesce(_oc_http, 200) END",
        "logged_cost_usd": f"coalesce(TRY_CAST(r.cost_usd AS DECIMAL(38, 12)), "
        f"TRY_CAST({body('usage.estimated_cost')} AS DECIMAL(38, 12)), "
        f"TRY_CAST(coalesce({_BILL}, {body('usage.gateway_cost')}, {_GATEWAY_COST}) AS DECIMAL(38, 12)), "
        # (xAI's ticks are xAI's bill: a Grok call Azure served, which Azure bills, carries 0 ticks)
        f"CASE WHEN coalesce(r.provider, '') <> 'azure' AND {body('prompt_filter_results')} IS NULL "
        f"THEN {xai_cost(body('usage.cost_in_usd_ticks'))} END)",
        "tags": "mm_merge_tags(mm_merge_tags(mm_merge_tags(mm_merge_tags(mm_tags(r.request.metadata), mm_tags(r.metadata)), "
        f"CASE WHEN {body('usage.search_context_size')} IS NOT NULL "
        f"THEN MAP {{'search_context_size': lower({body('usage.search_context_size')})}} END), {_SEARCH_TAG}), "
        "mm_tags(r.tags))",
        "system_prompt": f"mm_role_text({_MSGS}, ['system', 'developer'])",
        "user_prompt": f"mm_last_user({_MSGS})",
        "response_text": _TEXT,
        "prompt_chars": f"length(mm_all_text({_MSGS}))",
        "n_messages": f"json_array_length({_MSGS})",
        "n_tools": "coalesce(json_array_length(r.request.tools), json_array_length(r.request.functions), 0)",
        "has_image": f"mm_has_image({_MSGS})",
        "response_format": "r.request.response_format.type",
    },
    numbers=(
        "usage.prompt_tokens",
        "usage.completion_tokens",
        "response.usage.prompt_tokens",
        "response.usage.completion_tokens",
        "usage.prompt_tokens_details.audio_tokens",
        "usage.completion_tokens_details.audio_tokens",
        "usage.prompt_tokens_details.image_tokens",
        "usage.reasoning_tokens",
        "usage.citation_tokens",
        "usage.num_search_queries",
    ),
    times=("timestamp", "created_at", "created"),  # (a wrapped body's own `created` yields to the wrapper's time)
    prompt_text=f"mm_all_text({_MSGS})",
    output_text=_TEXT,
    helpers=_HELPERS,
)
