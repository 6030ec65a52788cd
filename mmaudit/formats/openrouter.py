"""OpenRouter generation stats (`GET /api/v1/generation`: `{"data": {...}}`, or the bare data
object) and OpenRouter error bodies `{"error": {code, message, metadata}}` (numeric HTTP code).

OpenRouter reports two sets of counts: `tokens_*` normalised to one tokenizer for comparison,
and `native_tokens_*` as the serving provider counted and billed them. mmaudit prefers the native
ones (`native_tokens_prompt` includes `native_tokens_cached`; `native_tokens_completion` includes
`native_tokens_reasoning`) and falls back to the normalised ones. `model` is kept as the slug
(`anthropic/claude-3.5-sonnet`); provider is the upstream `provider_name`; tags['gateway'] =
'openrouter'. `latency` is total latency (ms); `total_cost` the logged cost.

OpenRouter chat-completion bodies (what `POST /api/v1/chat/completions` returns: a `gen-...` id,
`object: chat.completion` or, streamed, `chat.completion.chunk`, a top-level `provider` label
such as "Amazon Bedrock", and `usage` with `cost`) are read too: `usage` counts are the serving
model's native ones with OpenAI semantics (`prompt_tokens` includes
`prompt_tokens_details.cached_tokens` and `.cache_write_tokens`; `completion_tokens` includes
`completion_tokens_details.reasoning_tokens` and `.image_tokens`, the generated images' tokens,
`output_image_tokens`), `usage.cost` is the logged cost, and `provider` is
mapped to mmaudit's provider ids (Amazon Bedrock -> aws-bedrock, Google Vertex / Google AI Studio
-> google, ...; the label as logged is kept in tags['upstream_provider']). A stream's chunks share
its id and only the last carries `usage`: the pipeline keeps that one (mmaudit/conflicts.py).
"""

from __future__ import annotations

from mmaudit.formats import chat_text
from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.openai_chat import error_code, http_number_code

_DATA = {k: "VARCHAR" for k in (
    "id", "created_at", "model", "provider_name", "tokens_prompt", "tokens_completion",
    "native_tokens_prompt", "native_tokens_completion", "native_tokens_reasoning", "native_tokens_cached",
    "total_cost", "latency", "generation_time", "finish_reason", "cancelled", "upstream_id", "app_id",
    "is_byok", "upstream_inference_cost",
)}
_CHAT = {
    "object": "VARCHAR",
    "created": "VARCHAR",
    "provider": "VARCHAR",
    "choices": "JSON",
    "usage": {
        "prompt_tokens": "VARCHAR",
        "completion_tokens": "VARCHAR",
        "cost": "VARCHAR",
        "is_byok": "VARCHAR",
        "cost_details": {"upstream_inference_cost": "VARCHAR"},
        "gateway_cost": "VARCHAR",  # Vercel's AI Gateway (also `gen-` ids): not an OpenRouter body
        "prompt_tokens_details": {"cached_tokens": "VARCHAR", "cache_write_tokens": "VARCHAR"},
        # image_tokens: generated images' tokens, inside completion_tokens (gemini-2.5-flash-image's are
        # billed at $30 per 1M against $2.50 for its text)
        "completion_tokens_details": {"reasoning_tokens": "VARCHAR", "image_tokens": "VARCHAR"},
        # billed per search (usage.cost has it); `tool_calls_executed` counts every server tool run
        "server_tool_use_details": {"web_search_requests": "VARCHAR", "tool_calls_executed": "VARCHAR"},
    },
}
_STRUCTURE = {"data": _DATA, **_DATA, **_CHAT, "response": {**_DATA, **_CHAT},
              "request": {"model": "VARCHAR", "messages": "JSON", "tools": "JSON"}, "timestamp": "VARCHAR",
              "error": {"code": "JSON", "message": "VARCHAR", "status": "VARCHAR", "type": "VARCHAR", "metadata": "JSON"}}


def data(key: str) -> str:
    """A generation field, under `data`, under `response` (a logged {request, response} pair) or bare."""
    return f"coalesce(r.data.{key}, r.response.{key}, r.{key})"


def chat(key: str) -> str:
    """A chat-completion body's field, bare or under `response`."""
    return f"coalesce(r.response.{key}, r.{key})"


_IS_GEN = f"({data('id')} LIKE 'gen-%' AND ({data('native_tokens_prompt')} IS NOT NULL OR {data('tokens_prompt')} IS NOT NULL OR {data('provider_name')} IS NOT NULL))"
# OpenRouter's usage.cost is a number; Perplexity's is an object of its own bill's parts (a captured
# Perplexity answer, whose line names its provider, is Perplexity's, read by openai-chat)
# (a `gen-` body that bills `usage.gateway_cost` is Vercel's AI Gateway's, read by openai-chat: as
# OpenRouter's it was tagged gateway=openrouter and its logged cost left out the gateway's surcharge)
_IS_CHAT = (f"(({chat('id')} LIKE 'gen-%' AND {chat('object')} IN ('chat.completion', 'chat.completion.chunk') "
            f"OR (TRY_CAST({chat('usage.cost')} AS DOUBLE) IS NOT NULL AND {chat('provider')} IS NOT NULL "
            f"AND {chat('object')} LIKE 'chat.completion%')) AND {chat('usage.gateway_cost')} IS NULL)")
_U = f"({chat('usage')})"
_LABEL = f"coalesce({data('provider_name')}, {chat('provider')})"
# OpenRouter writes the HTTP status as a JSON number and no `type`; a status written as a string
# (Azure's {"code": "429", "message"}, LiteLLM's proxy's) is an OpenAI-shaped error (openai-chat).
_IS_ERR = f"({http_number_code()} AND r.error.status IS NULL AND r.error.type IS NULL)"
_HTTP = f"mm_int({error_code()})::INTEGER"
_TEXT = f"json_extract_string({chat('choices')}, '$[0].message.content')"
_MSGS = "r.request.messages"
_FAILED = "(r.error.code IS NOT NULL)"
# OpenRouter's advisor server tool (`openrouter:advisor` in the request's tools): the executor
# consults another model, billed at that model's token rates inside `usage.cost`, but its counts
# are not in `usage` (a gpt-4o-mini call billed $0.004628, of which its own tokens $0.000123).
# When a server tool other than a search ran, the advisor's model (`parameters.model`, else
# unknown) is the call's `advisor_model` step: with no counts it is unpriced, the cost a lower
# bound, and `audit` says so (pricing/assumptions.py, `advisor_not_priced`).
_ADVISOR = ("list_filter(from_json(r.request.tools, '[{\"type\": \"VARCHAR\", \"parameters\": {\"model\": \"VARCHAR\"}}]'), "
            "lambda t: t.type = 'openrouter:advisor')")
_OTHER_TOOLS = (f"coalesce(mm_int({_U}.server_tool_use_details.tool_calls_executed), 0) "
                f"> coalesce(mm_int({_U}.server_tool_use_details.web_search_requests), 0)")
_ADVISOR_MODEL = (f"CASE WHEN json_type(r.request.tools) = 'ARRAY' AND {_OTHER_TOOLS} AND len({_ADVISOR}) > 0 "
                  f"THEN coalesce({_ADVISOR}[1].parameters.model, 'unknown') END")
# Bring your own key: the provider bills the inference to the team's own account and OpenRouter
# charges only its fee (`usage.cost`, often 0 within the free allowance); the provider's bill is
# `cost_details.upstream_inference_cost` (the generation API's `upstream_inference_cost`). OpenRouter
# fills that field on other calls too, equal to `cost`, so only `is_byok` says to add it: a BYOK
# call's logged cost is fee + provider's bill (it was the fee alone, $0, and every such call
# failed `prices reconcile --check`).
_BYOK = f"mm_bool(coalesce({data('is_byok')}, {_U}.is_byok))"
_UPSTREAM = f"TRY_CAST(coalesce({data('upstream_inference_cost')}, {_U}.cost_details.upstream_inference_cost) AS DECIMAL(38, 12))"
_FEE = f"TRY_CAST(coalesce({data('total_cost')}, {_U}.cost) AS DECIMAL(38, 12))"

FORMAT = LogFormat(
    name="openrouter",
    description="OpenRouter generation stats ({data: {...}}), chat-completion bodies (usage.cost, provider) and error bodies",
    structure=_STRUCTURE,
    detect=f"({_IS_GEN} OR {_IS_CHAT} OR {_IS_ERR})",
    detect_hint="a `gen-...` id with `native_tokens_*`/`tokens_*`/`provider_name` (bare or under `data`), a `gen-...` "
    "chat.completion body, or an `error` with a numeric HTTP `code`",
    columns={
        "call_id": data("id"),
        "ts": f"coalesce(mm_ts(r.timestamp), mm_ts({data('created_at')}), mm_ts({chat('created')}))",
        "provider": f"CASE WHEN {_FAILED} AND {_LABEL} IS NULL THEN 'openrouter' "
        f"ELSE mm_provider_name({_LABEL}, model) END",
        "model": first_id("r.data.model", "r.response.model", "r.model", "r.request.model"),
        "input_tokens": f"mm_int(coalesce({data('native_tokens_prompt')}, {data('tokens_prompt')}, {_U}.prompt_tokens))",
        "cached_input_tokens": f"coalesce(mm_int(coalesce({data('native_tokens_cached')}, "
        f"{_U}.prompt_tokens_details.cached_tokens)), 0)",
        "cache_write_tokens": f"coalesce(mm_int({_U}.prompt_tokens_details.cache_write_tokens), 0)",
        "output_tokens": f"mm_int(coalesce({data('native_tokens_completion')}, {data('tokens_completion')}, "
        f"{_U}.completion_tokens))",
        "reasoning_tokens": f"coalesce(mm_int(coalesce({data('native_tokens_reasoning')}, "
        f"{_U}.completion_tokens_details.reasoning_tokens)), 0)",
        "output_image_tokens": f"coalesce(mm_int({_U}.completion_tokens_details.image_tokens), 0)",
        "web_searches": f"coalesce(mm_int({_U}.server_tool_use_details.web_search_requests), 0)",
        "latency_ms": f"mm_num({data('latency')})",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, r.error.message), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": f"CASE WHEN {_BYOK} AND {_UPSTREAM} IS NOT NULL THEN coalesce({_FEE}, 0) + {_UPSTREAM} "
        f"ELSE {_FEE} END",
        "tags": (
            "map_from_entries(list_filter([{'key': 'gateway', 'value': 'openrouter'}, "
            f"{{'key': 'upstream_provider', 'value': {_LABEL}}}, "
            f"{{'key': 'finish_reason', 'value': coalesce({data('finish_reason')}, "
            f"json_extract_string({chat('choices')}, '$[0].finish_reason'))}}, "
            f"{{'key': 'cancelled', 'value': CASE WHEN mm_bool({data('cancelled')}) THEN 'true' END}}, "
            f"{{'key': 'byok', 'value': CASE WHEN {_BYOK} THEN 'true' END}}, "
            f"{{'key': 'advisor_model', 'value': {_ADVISOR_MODEL}}}], "
            "lambda e: e.value IS NOT NULL))"
        ),
        **chat_text.text_columns(_MSGS, "NULL", _TEXT),
        "n_tools": f"CASE WHEN {_MSGS} IS NOT NULL THEN coalesce(json_array_length(r.request.tools), 0) END",
    },
    numbers=tuple(f"{p}{k}" for p in ("", "data.") for k in (
        "native_tokens_prompt", "native_tokens_completion", "tokens_prompt", "tokens_completion")) + (
        "usage.prompt_tokens", "usage.completion_tokens", "response.usage.prompt_tokens", "response.usage.completion_tokens"),
    times=("data.created_at", "created_at", "created", "response.created", "timestamp"),
    prompt_text=chat_text.all_text(_MSGS, "NULL"),
    output_text=_TEXT,
)
