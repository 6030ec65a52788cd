"""OpenAI Responses API: `response` objects (bare, under `response` as in streaming
`response.completed` events, or in `{request, response}` pairs).

`usage.input_tokens` already includes `input_tokens_details.cached_tokens` and
`usage.output_tokens` already includes `output_tokens_details.reasoning_tokens`, so they map
straight through. Gateways serving models that bill cache writes report them in
`input_tokens_details` (OpenRouter `cache_write_tokens`, Perplexity's Agent API
`cache_creation_input_tokens`), part of `input_tokens`: they go to `cache_write_tokens`.
Each `web_search_call` item of `output` is one billed web search (`web_searches`), each
`file_search_call` item one billed file search (`file_searches`, $2.50 per 1,000 on OpenAI); the
web search tool offered (`web_search` or `web_search_preview`, billed apart) goes to
tags['web_search_tool']. `status: failed` is a failed call (`error{code, message}`, `usage` often null);
`incomplete` (max_output_tokens, content_filter) is a billed call that returned: status ok, with
the reason kept in tags['incomplete_reason']. `service_tier` is read as logged. OpenAI's bare
error bodies (`{"error": {message, type, code}}`, see openai_chat.BARE_ERROR) are failed calls
here too, so a Responses log holding them loads whole with `--log-format openai-responses`.

A streamed response logged event by event is one call: the terminal event (`response.completed`,
`.failed`, `.incomplete`) carries the whole `response` with its usage; the other events
(`response.created`, `.in_progress`, `.output_text.delta`, ...) are skipped, not calls.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.openai_chat import BARE_ERROR, ERROR_STRUCT, error_code, xai_cost, xai_searches
from mmaudit.formats.pairs import body

_BODY = {
    "id": "VARCHAR",
    "object": "VARCHAR",
    "created_at": "VARCHAR",
    "completed_at": "VARCHAR",
    "model": "VARCHAR",
    "status": "VARCHAR",
    "service_tier": "VARCHAR",
    "instructions": "JSON",
    "output": "JSON",
    "tools": "JSON",
    "metadata": "JSON",
    "error": ERROR_STRUCT,
    "incomplete_details": {"reason": "VARCHAR"},
    "usage": {
        "input_tokens": "VARCHAR",
        "output_tokens": "VARCHAR",
        # cache writes, which gateways serving cache-writing models report (OpenRouter
        # `cache_write_tokens`, Perplexity's Agent API `cache_creation_input_tokens`): part of input
        "input_tokens_details": {"cached_tokens": "VARCHAR", "cache_write_tokens": "VARCHAR",
                                 "cache_creation_input_tokens": "VARCHAR"},
        "output_tokens_details": {"reasoning_tokens": "VARCHAR"},
        # what the serving API billed, when it says: OpenRouter a number (USD), Perplexity's Agent
        # API an object with `total_cost`, xAI in 1e-10 USD ticks
        "cost": "JSON",
        "cost_in_usd_ticks": "VARCHAR",
        "server_side_tool_usage_details": {"web_search_calls": "VARCHAR", "x_search_calls": "VARCHAR"},
    },
    # what built-in tools that run on other models used, outside `usage`: the image generation
    # tool's tokens, billed at the image model's rates
    "tool_usage": {"image_gen": {
        "input_tokens": "VARCHAR", "output_tokens": "VARCHAR",
        "input_tokens_details": {"image_tokens": "VARCHAR"}, "output_tokens_details": {"image_tokens": "VARCHAR"},
    }},
}
_REQUEST = {"model": "VARCHAR", "input": "JSON", "instructions": "JSON", "tools": "JSON", "metadata": "JSON"}
_WRAPPER = {"timestamp": "VARCHAR", "latency_ms": "VARCHAR", "status_code": "VARCHAR", "type": "VARCHAR",
            "http_status": "VARCHAR", "request_id": "VARCHAR", "sequence_number": "VARCHAR", "provider": "VARCHAR"}



_FAILED = (f"({body('status')} = 'failed' OR {body('error.code')} IS NOT NULL OR {body('error.message')} IS NOT NULL "
           "OR coalesce(mm_int(r.status_code), 0) >= 400)")
_CODE = f"nullif(concat_ws(' ', {error_code(body('error.code'))}, {body('error.type')}), '')"
_ERR = f"coalesce(mm_error_type(mm_int(r.status_code)::INTEGER, {_CODE}), 'server')"
_HTTP = (
    f"coalesce(mm_int(r.status_code), CASE {_ERR} WHEN 'rate_limit' THEN 429 WHEN 'server' THEN 500 "
    "WHEN 'timeout' THEN 504 WHEN 'auth' THEN 401 END)"
)
_COST = body("usage.cost")
# The image generation tool's step (`tool_usage.image_gen`) as tags under `image_tool_`, priced at
# the image model the request's tool names (`tools[type=image_generation].model`; when it names
# none, `unknown`: the step is unpriced and `audit` says so) into `other_models_cost_usd`.
_IMAGE_USE = body("tool_usage.image_gen")
_IMAGE_MODEL = ("list_filter(coalesce(json_extract(coalesce(r.request.tools, " + body("tools") + "), '$[*]'), []), "
                "lambda t: json_extract_string(t, '$.type') = 'image_generation')[1]")
_IMAGES = f"len(list_filter(coalesce(json_extract_string({body('output')}, '$[*].type'), []), lambda t: t = 'image_generation_call'))"
_IMAGE_TAGS = (
    f"CASE WHEN coalesce(mm_int({_IMAGE_USE}.input_tokens), 0) + coalesce(mm_int({_IMAGE_USE}.output_tokens), 0) > 0 "
    f"THEN MAP {{'image_tool_model': coalesce(json_extract_string({_IMAGE_MODEL}, '$.model'), 'unknown'), "
    f"'image_tool_input_tokens': CAST(coalesce(mm_int({_IMAGE_USE}.input_tokens), 0) AS VARCHAR), "
    f"'image_tool_input_image_tokens': CAST(coalesce(mm_int({_IMAGE_USE}.input_tokens_details.image_tokens), 0) AS VARCHAR), "
    f"'image_tool_output_tokens': CAST(coalesce(mm_int({_IMAGE_USE}.output_tokens), 0) AS VARCHAR), "
    f"'image_tool_output_image_tokens': CAST(coalesce(mm_int({_IMAGE_USE}.output_tokens_details.image_tokens), "
    f"mm_int({_IMAGE_USE}.output_tokens), 0) AS VARCHAR)}} "
    # an answer that made images and does not count the tool's tokens (no `tool_usage`, as answers
    # of 2025 recorded): the step is there, with no counts, so it is unpriced, not free
    f"WHEN {_IMAGES} > 0 THEN MAP {{'image_tool_model': coalesce(json_extract_string({_IMAGE_MODEL}, '$.model'), 'unknown'), "
    f"'image_tool_images': CAST({_IMAGES} AS VARCHAR)}} END"
)
# The web search tool the call offered (the request's `tools`, else the body's echo), as OpenAI
# prices it: `web_search_preview` and the GA `web_search` bill differently (tool_fees.yaml); a dated
# type (`web_search_preview_2025_03_11`) is its tool. Kept in tags['web_search_tool'].
_SEARCH_TOOL = ("regexp_replace(list_filter(json_extract_string(coalesce(r.request.tools, " + body("tools") + "), "
                "'$[*].type'), lambda t: starts_with(t, 'web_search'))[1], '_[0-9]{4}_[0-9]{2}_[0-9]{2}$', '')")
_INPUT = "r.request.input"
_SYSTEM = f"mm_content_text(coalesce(r.request.instructions, {body('instructions')}))"
_USER = f"CASE WHEN json_type({_INPUT}) = 'VARCHAR' THEN json_extract_string({_INPUT}, '$') ELSE mm_last_user({_INPUT}) END"
_ALL = f"CASE WHEN json_type({_INPUT}) = 'VARCHAR' THEN json_extract_string({_INPUT}, '$') ELSE mm_all_text({_INPUT}) END"
_OUT = (
    f"nullif(array_to_string(json_extract_string({body('output')}, "
    "'$[*].content[*].text'), chr(10)), '')"
)
_CREATED = f"mm_num({body('created_at')})"
# Perplexity's Agent API answers in this shape with its own bill (`usage.cost.total_cost`) and its
# own `service_tier` values (not OpenAI's priced tiers: its "fast" is not OpenAI's 2x tier)
_PERPLEXITY = f"(json_type({_COST}) = 'OBJECT' AND json_extract({_COST}, '$.total_cost') IS NOT NULL)"
_ITEM_TYPES = f"coalesce(json_extract_string({body('output')}, '$[*].type'), [])"
# OpenAI's hosted containers: the code interpreter (`code_interpreter`, any `container`) and the
# hosted shell (`shell` whose `environment` is `container_auto` or `container_reference`; a
# `local` one runs on the caller's machine). OpenAI bills the container by session and memory
# (per minute, 5 minutes at least, since 2026-06-02), which no answer shows: an `auto` container is
# made even when the model runs no code, and a reused one was billed before. The tool goes to
# tags['container_tool'] and the container the answer names (its `code_interpreter_call` /
# `shell_call` items, else the tools' echo) to tags['container_id']; `audit` counts the calls
# (assumptions.py: `container_not_priced`).
_TOOL_LIST = f"coalesce(json_extract(coalesce(r.request.tools, {body('tools')}), '$[*]'), [])"
_ITEMS = f"coalesce(json_extract({body('output')}, '$[*]'), [])"
_CONTAINER_TOOL = (
    f"coalesce(json_extract_string(list_filter({_TOOL_LIST}, lambda t: json_extract_string(t, '$.type') = 'code_interpreter' "
    "OR (json_extract_string(t, '$.type') = 'shell' AND starts_with(json_extract_string(t, '$.environment.type'), 'container')))[1], "
    f"'$.type'), CASE WHEN list_contains({_ITEM_TYPES}, 'code_interpreter_call') THEN 'code_interpreter' "
    f"WHEN len(list_filter({_ITEMS}, lambda i: json_extract_string(i, '$.type') = 'shell_call' "
    "AND json_extract_string(i, '$.environment.container_id') IS NOT NULL)) > 0 THEN 'shell' END)"
)
_CONTAINER_ID = (
    f"coalesce(list_filter(list_transform({_ITEMS}, lambda i: coalesce(json_extract_string(i, '$.container_id'), "
    "json_extract_string(i, '$.environment.container_id'))), lambda c: c IS NOT NULL)[1], "
    f"list_filter(list_transform({_TOOL_LIST}, lambda t: CASE WHEN json_type(t, '$.container') = 'VARCHAR' "
    "THEN json_extract_string(t, '$.container') ELSE json_extract_string(t, '$.environment.container_id') END), "
    "lambda c: c IS NOT NULL)[1])"
)
_CONTAINER_TAGS = (f"CASE WHEN {_CONTAINER_TOOL} IS NOT NULL THEN map_from_entries(list_filter("
                   f"[{{'k': 'container_tool', 'v': {_CONTAINER_TOOL}}}, {{'k': 'container_id', 'v': {_CONTAINER_ID}}}], "
                   "lambda e: e.v IS NOT NULL)) END")
# A Responses body without `object` (OpenAI-compatible servers): a list of output items and
# Responses-style usage, which no other API writes together
_UNLABELLED = ("(r.object IS NULL AND r.type IS NULL AND json_type(r.output) = 'ARRAY' "
               "AND r.usage.input_tokens IS NOT NULL AND r.usage.output_tokens IS NOT NULL)")
_DONE = f"mm_num({body('completed_at')})"

# A stream's `error` event (numbered like every event of the stream): the `response.failed` event
# after it is the call
_STREAM_ERROR = "(r.type = 'error' AND r.sequence_number IS NOT NULL)"

FORMAT = LogFormat(
    name="openai-responses",
    description="OpenAI Responses API: `response` objects (bare, in response.completed events, or {request, response} pairs)",
    structure={**_BODY, "response": _BODY, "request": _REQUEST, **_WRAPPER},
    # `response.compaction`: what POST /responses/compact returns (billed at the model's rates)
    detect=(f"(r.object IN ('response', 'response.compaction') OR r.response.object IN ('response', 'response.compaction') "
            f"OR {BARE_ERROR} OR starts_with(r.type, 'response.') OR {_STREAM_ERROR} OR {_UNLABELLED})"),
    skip=("((starts_with(r.type, 'response.') AND r.type NOT IN ('response.completed', 'response.failed', 'response.incomplete'))"
          f" OR {_STREAM_ERROR})"),
    detect_hint='`object: "response"` (bare or under `response`), or an OpenAI `error` body',
    columns={
        "call_id": f"coalesce({body('id')}, r.request_id)",
        "ts": f"coalesce(mm_ts(r.timestamp), mm_ts({body('created_at')}))",
        # other APIs answer in this shape too: the model's vendor (xAI's grok, DeepSeek), else openai
        # a pair's own `provider` (a captured exchange's host: Azure's Responses API) comes first
        "provider": (f"CASE WHEN nullif(trim(r.provider), '') IS NOT NULL THEN mm_provider_name(r.provider, model) "
                     f"WHEN {_PERPLEXITY} THEN 'perplexity' WHEN mm_provider_from_model(model) = 'unknown' "
                     "OR model IS NULL THEN 'openai' ELSE mm_provider_from_model(model) END"),
        "model": first_id("r.response.model", "r.model", "r.request.model"),
        "input_tokens": f"mm_int({body('usage.input_tokens')})",
        "cached_input_tokens": f"coalesce(mm_int({body('usage.input_tokens_details.cached_tokens')}), 0)",
        "cache_write_tokens": (f"coalesce(mm_int({body('usage.input_tokens_details.cache_write_tokens')}), "
                               f"mm_int({body('usage.input_tokens_details.cache_creation_input_tokens')}), 0)"),
        "output_tokens": f"mm_int({body('usage.output_tokens')})",
        "reasoning_tokens": f"coalesce(mm_int({body('usage.output_tokens_details.reasoning_tokens')}), 0)",
        "service_tier": f"CASE WHEN NOT {_PERPLEXITY} THEN {body('service_tier')} END",
        "logged_cost_usd": f"coalesce(TRY_CAST(CASE json_type({_COST}) WHEN 'OBJECT' THEN json_extract_string({_COST}, '$.total_cost') "
        f"ELSE json_extract_string({_COST}, '$') END AS DECIMAL(38, 12)), {xai_cost(body('usage.cost_in_usd_ticks'))})",
        # each web_search_call (file_search_call) output item is one billed search (file search),
        # but a reasoning model's `open_page` and `find_in_page` actions, which OpenAI's web search
        # guide does not bill ("Search actions incur a tool call cost"); xAI's X searches too, and
        # its usage counts them when the items are not kept
        "web_searches": f"greatest(len(list_filter({_ITEMS}, lambda i: json_extract_string(i, '$.type') IN "
        "('web_search_call', 'x_search_call') AND coalesce(json_extract_string(i, '$.action.type'), 'search') "
        f"NOT IN ('open_page', 'find_in_page', 'find'))), coalesce({xai_searches(body('usage'))}, 0))",
        "file_searches": f"len(list_filter({_ITEM_TYPES}, lambda t: t = 'file_search_call'))",
        # (whole seconds: a call that completed within the second it was created has no measured latency)
        "latency_ms": f"coalesce(mm_num(r.latency_ms), CASE WHEN {_DONE} > {_CREATED} THEN ({_DONE} - {_CREATED}) * 1000 END)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN {_ERR} END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE coalesce(mm_int(r.status_code), 200) END",
        "tags": (
            f"mm_merge_tags(mm_merge_tags(mm_tags(r.request.metadata), mm_tags({body('metadata')})), "
            f"mm_merge_tags(CASE WHEN {body('incomplete_details.reason')} IS NOT NULL "
            f"THEN MAP {{'incomplete_reason': {body('incomplete_details.reason')}}} END, "
            f"mm_merge_tags(CASE WHEN {_PERPLEXITY} AND {body('service_tier')} IS NOT NULL "
            f"THEN MAP {{'perplexity_service_tier': {body('service_tier')}}} END, mm_merge_tags({_IMAGE_TAGS}, "
            f"mm_merge_tags(CASE WHEN {_SEARCH_TOOL} IS NOT NULL THEN MAP {{'web_search_tool': {_SEARCH_TOOL}}} END, "
            f"{_CONTAINER_TAGS})))))"
        ),
        "system_prompt": _SYSTEM,
        "user_prompt": _USER,
        "response_text": _OUT,
        "prompt_chars": f"length(nullif(concat_ws(chr(10), {_SYSTEM}, {_ALL}), ''))",
        "n_messages": f"CASE WHEN json_type({_INPUT}) = 'ARRAY' THEN json_array_length({_INPUT}) WHEN {_INPUT} IS NOT NULL THEN 1 END",
        "n_tools": f"coalesce(json_array_length(coalesce(r.request.tools, {body('tools')})), 0)",
        "has_image": f"mm_has_image({_INPUT})",
    },
    numbers=(
        "usage.input_tokens",
        "usage.output_tokens",
        "response.usage.input_tokens",
        "response.usage.output_tokens",
    ),
    times=("created_at", "response.created_at", "timestamp"),
    prompt_text=f"nullif(concat_ws(chr(10), {_SYSTEM}, {_ALL}), '')",
    output_text=_OUT,
)
