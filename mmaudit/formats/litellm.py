"""LiteLLM proxy logs: the StandardLoggingPayload (callbacks, `id` + `response_cost`) and
LiteLLM_SpendLogs rows exported as JSON (`request_id` + `spend`).

LiteLLM's `prompt_tokens` folds the prompt cache in, so it maps straight to canonical input
(except where a version left part of the cache out, which the counts show: `_LEFT_OUT`); the
provider's cache reads/writes and reasoning tokens are read from `metadata.usage_object`.
`cache_hit` is LiteLLM's OWN response cache (no provider call was made): such a record is a
success with zero tokens and zero spend, marked tags['cache_hit'] = 'true' (the counts of the
cached response are kept in tags['cached_response_tokens']).
`request_tags` (joined with ','), team and user go to tags. `status: failure` is a failed call,
classified from `error_information.error_code` / `error_class`.
`metadata` and `request_tags` may be JSON or JSON-in-a-string (SpendLogs exports); both work.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, ms_after
from mmaudit.formats.chat_text import all_text, json_or_string, messages_of, prompt_string, text_columns

_STRUCTURE = {
    "id": "VARCHAR",
    "request_id": "VARCHAR",
    "call_type": "VARCHAR",
    "status": "VARCHAR",
    "custom_llm_provider": "VARCHAR",
    "api_base": "VARCHAR",
    "model": "VARCHAR",
    "model_group": "VARCHAR",
    "model_map_information": "JSON",
    "prompt_tokens": "VARCHAR",
    "completion_tokens": "VARCHAR",
    "startTime": "VARCHAR",
    "endTime": "VARCHAR",
    "completionStartTime": "VARCHAR",
    "stream": "VARCHAR",
    "response_cost": "VARCHAR",
    "spend": "VARCHAR",
    "cache_hit": "VARCHAR",
    "request_tags": "JSON",
    "end_user": "VARCHAR",
    "user": "VARCHAR",
    "team_id": "VARCHAR",
    "metadata": "JSON",
    "error_information": "JSON",
    "messages": "JSON",
    "response": "JSON",
    "model_parameters": "JSON",
    "proxy_server_request": "JSON",
}


# `metadata` is large (LiteLLM's payloads carry ~10 kB of it) and most columns read something in
# it: it is parsed once per record (a helper), and its usage object, which the token columns read,
# is cut out of it once too.
_META, _USAGE_OBJECT = "_ll_meta", "_ll_usage"
# the provider's usage: `usage_object`, else `additional_usage_values` (SpendLogs rows written before
# LiteLLM kept `usage_object` hold the same usage keys there: their cache reads and writes were lost)
_HELPERS = {_META: json_or_string("r.metadata"),
            _USAGE_OBJECT: f"coalesce(json_extract({_META}, '$.usage_object'), json_extract({_META}, '$.additional_usage_values'))"}
_ERRINFO = f"coalesce({json_or_string('r.error_information')}, json_extract({_META}, '$.error_information'))"
_TAGS = json_or_string("r.request_tags")


def usage(path: str) -> str:
    """A string in LiteLLM's usage object (`metadata.usage_object`), by JSON path."""
    return f"json_extract_string({_USAGE_OBJECT}, '$.{path}')"


def meta(path: str) -> str:
    """A string under `metadata` (JSON path without the leading `$.`)."""
    return f"json_extract_string({_META}, '$.{path}')"


# The request as logged: `messages` (SpendLogs keep it only with `store_prompts_in_spend_logs`,
# else "{}"), or the proxy's copy of the request body.
_REQUEST = json_or_string("r.proxy_server_request")
_LOGGED = json_or_string("r.messages")
_MSGS = f"coalesce({messages_of(_LOGGED)}, json_extract({_REQUEST}, '$.messages'))"
_PROMPT = f"coalesce({prompt_string(_LOGGED)}, json_extract_string({_REQUEST}, '$.prompt'))"
_RESPONSE = json_or_string("r.response")
# An Azure deployment is named by its owner (`support-bot-prod`): the model that served it is the
# one the response names, else the one LiteLLM priced it as (`model_map_information.model_map_key`).
_AZURE = "regexp_matches(lower(coalesce(r.custom_llm_provider, '')), '^azure')"
_MODEL = (f"CASE WHEN {_AZURE} THEN coalesce(json_extract_string({_RESPONSE}, '$.model'), "
          "json_extract_string(r.model_map_information, '$.model_map_key'), r.model) ELSE r.model END")
_ANSWER = (f"coalesce(json_extract_string({_RESPONSE}, '$.choices[0].message.content'), "
           f"json_extract_string({_RESPONSE}, '$.choices[0].text'))")
_PARAMS = json_or_string("r.model_parameters")


def _request_param(path: str) -> str:
    """A request parameter as LiteLLM passed it on (`model_parameters`) or as the proxy got it."""
    return f"coalesce(json_extract({_PARAMS}, '$.{path}'), json_extract({_REQUEST}, '$.{path}'))"


_TOOLS = f"coalesce(json_array_length({_request_param('tools')}), json_array_length({_request_param('functions')}), 0)"

# LiteLLM's call types (an `a` prefix marks the async variant) -> operation; the categoriser
# files image, audio, moderation and rerank calls by operation.
_CALL = "lower(coalesce(r.call_type, ''))"
_OPERATION = (
    f"CASE WHEN regexp_matches({_CALL}, 'embed') THEN 'embedding' "
    f"WHEN regexp_matches({_CALL}, '^a?text_completion') THEN 'completion' "
    f"WHEN regexp_matches({_CALL}, '^a?image_(generation|edit|variation)') THEN 'image' "
    f"WHEN regexp_matches({_CALL}, '^a?transcription') THEN 'transcription' "
    f"WHEN regexp_matches({_CALL}, '^a?speech') THEN 'speech' "
    f"WHEN regexp_matches({_CALL}, '^a?moderation') THEN 'moderation' "
    f"WHEN regexp_matches({_CALL}, '^a?rerank') THEN 'rerank' ELSE 'chat' END"
)

_HIT = "coalesce(lower(r.cache_hit) IN ('true', '1'), false)"
_FAILED = "(lower(coalesce(r.status, '')) IN ('failure', 'error', 'failed'))"
_CODE = f"mm_int(json_extract_string({_ERRINFO}, '$.error_code'))"
_CLASS = f"json_extract_string({_ERRINFO}, '$.error_class')"
_T0 = "mm_ts(r.startTime)"


def _entry(key: str, value: str) -> str:
    return f"{{'key': '{key}', 'value': {value}}}"


_TAG_ENTRIES = [
    _entry("team", f"coalesce({meta('user_api_key_team_alias')}, r.team_id, {meta('user_api_key_team_id')})"),
    _entry("user", f"coalesce(r.user, {meta('user_api_key_user_id')})"),
    _entry("end_user", f"coalesce(r.end_user, {meta('user_api_key_end_user_id')})"),
    _entry("request_tags", f"nullif(array_to_string(json_extract_string({_TAGS}, '$[*]'), ','), '')"),
    _entry("model_group", "r.model_group"),
    _entry("deployment", f"CASE WHEN {_AZURE} AND r.model IS DISTINCT FROM {_MODEL} THEN r.model END"),
    _entry("cache_hit", f"CASE WHEN {_HIT} THEN 'true' END"),
    _entry("cached_response_tokens", f"CASE WHEN {_HIT} THEN coalesce(r.prompt_tokens, '0') || '+' || coalesce(r.completion_tokens, '0') END"),
]
_TAGS_SQL = f"map_from_entries(list_filter([{', '.join(_TAG_ENTRIES)}], lambda e: e.value IS NOT NULL))"


def _part(path: str) -> str:
    """A count in the usage object (`prompt_tokens_details.audio_tokens`, OpenAI's shape, which
    LiteLLM gives every provider's usage), 0 when absent; a substring test on its last key spares
    metadata without it another parse of the JSON."""
    count = f"coalesce(mm_int({usage(path)}), 0)"
    return f"CASE WHEN contains(CAST({_USAGE_OBJECT} AS VARCHAR), '{path.rsplit('.', 1)[-1]}') THEN {count} ELSE 0 END"


# Cache reads: OpenAI's `prompt_tokens_details.cached_tokens` or Anthropic's
# `cache_read_input_tokens`, whichever is larger (LiteLLM's streamed Anthropic usage logs
# `cached_tokens: 0` beside the real reads: BerriAI/litellm#11789).
_READS = (f"greatest(coalesce(mm_int({usage('prompt_tokens_details.cached_tokens')}), 0), "
          f"coalesce(mm_int({usage('cache_read_input_tokens')}), 0))")
# Cache writes: Anthropic's `cache_creation_input_tokens`, or where LiteLLM passes an OpenAI-shaped
# usage through (OpenRouter, Kimi, MiniMax, Copilot) `prompt_tokens_details.cache_write_tokens` /
# `.cache_creation_tokens`, as LiteLLM's own cost code reads them (`extract_cache_creation_tokens`):
# an OpenRouter Claude call's 3,000 writes were read as none and billed as plain input
_WRITES = (f"greatest(coalesce(mm_int({usage('cache_creation_input_tokens')}), 0), "
           f"coalesce(mm_int({usage('prompt_tokens_details.cache_write_tokens')}), 0), "
           f"coalesce(mm_int({usage('prompt_tokens_details.cache_creation_tokens')}), 0))")
# Anthropic's 1-hour cache writes (billed at 2x input, the 5-minute ones at 1.25x): LiteLLM keeps
# the split under `prompt_tokens_details.cache_creation_token_details`; a usage passed through as
# Anthropic wrote it has `cache_creation`.
_WRITES_1H = (f"least({_WRITES}, coalesce(mm_int({usage('prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens')}), "
              f"mm_int({usage('cache_creation.ephemeral_1h_input_tokens')}), 0))")
# Some 2025 versions left the cache writes (and older ones the reads) out of `prompt_tokens`
# (BerriAI/litellm#15056: prompt_tokens 31 beside 1,253 written). Folded in, prompt_tokens is at
# least reads + writes; when it is less, the parts it cannot hold are added: the writes, and the
# reads too when it is less than those alone.
_LEFT_OUT = (f"CASE WHEN mm_int(r.prompt_tokens) < {_READS} + {_WRITES} "
             f"THEN {_WRITES} + CASE WHEN mm_int(r.prompt_tokens) < {_READS} THEN {_READS} ELSE 0 END ELSE 0 END")


def _tokens(expr: str) -> str:
    """Zero on LiteLLM response-cache hits: no provider was called, nothing was billed."""
    return f"CASE WHEN {_HIT} THEN 0 ELSE {expr} END"


FORMAT = LogFormat(
    name="litellm",
    description="LiteLLM proxy: StandardLoggingPayload and LiteLLM_SpendLogs rows (JSON)",
    structure=_STRUCTURE,
    detect=(
        "(r.call_type IS NOT NULL AND (r.spend IS NOT NULL OR r.response_cost IS NOT NULL "
        "OR r.custom_llm_provider IS NOT NULL OR r.model_group IS NOT NULL))"
    ),
    detect_hint="`call_type` with `spend`, `response_cost`, `custom_llm_provider` or `model_group`",
    columns={
        "call_id": "coalesce(r.request_id, r.id)",
        "ts": _T0,
        # the address LiteLLM called names who served it (`openai` pointed at Together's API is
        # Together; mmaudit/formats/hosts.py), else its provider label
        "provider": "coalesce(mm_provider_from_url(r.api_base), mm_provider_name(r.custom_llm_provider, model))",
        "model": _MODEL,
        "operation": _OPERATION,
        "input_tokens": _tokens(f"mm_int(r.prompt_tokens) + {_LEFT_OUT}"),
        "cached_input_tokens": _tokens(_READS),
        "cache_write_tokens": _tokens(_WRITES),
        "cache_write_1h_tokens": _tokens(_WRITES_1H),
        "output_tokens": _tokens("mm_int(r.completion_tokens)"),
        "reasoning_tokens": _tokens(f"coalesce(mm_int({usage('completion_tokens_details.reasoning_tokens')}), 0)"),
        "input_audio_tokens": _tokens(_part("prompt_tokens_details.audio_tokens")),
        "output_audio_tokens": _tokens(_part("completion_tokens_details.audio_tokens")),
        # images in and out (Gemini's image models bill generated images at their own rate:
        # gemini-2.5-flash-image $30 per 1M against $2.50 for text)
        "input_image_tokens": _tokens(_part("prompt_tokens_details.image_tokens")),
        "output_image_tokens": _tokens(_part("completion_tokens_details.image_tokens")),
        # Anthropic's server-side web searches, billed per search
        "web_searches": _tokens(_part("server_tool_use.web_search_requests")),
        "latency_ms": ms_after("r.startTime", "r.endTime"),
        "ttft_ms": f"CASE WHEN mm_bool(r.stream) THEN {ms_after('r.startTime', 'r.completionStartTime')} END",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_CODE}::INTEGER, {_CLASS}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_CODE} ELSE 200 END",
        "logged_cost_usd": f"CASE WHEN {_HIT} THEN 0 ELSE TRY_CAST(coalesce(r.spend, r.response_cost) AS DECIMAL(38, 12)) END",
        "tags": _TAGS_SQL,
        **text_columns(_MSGS, _PROMPT, _ANSWER),
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL OR {_PROMPT} IS NOT NULL THEN {_TOOLS} END",
        "response_format": f"json_extract_string({_request_param('response_format')}, '$.type')",
    },
    numbers=("prompt_tokens", "completion_tokens"),
    times=("startTime", "endTime"),
    helpers=_HELPERS,
    prompt_text=all_text(_MSGS, _PROMPT),
    output_text=_ANSWER,
)
