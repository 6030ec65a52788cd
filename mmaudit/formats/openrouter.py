"""OpenRouter generation stats (`GET /api/v1/generation`: `{"data": {...}}`, or the bare data
object) and OpenRouter error bodies `{"error": {code, message, metadata}}` (numeric HTTP code).

OpenRouter reports two sets of counts: `tokens_*` normalised to one tokenizer for comparison,
and `native_tokens_*` as the serving provider counted and billed them. mmaudit prefers the native
ones (`native_tokens_prompt` includes `native_tokens_cached`; `native_tokens_completion` includes
`native_tokens_reasoning`) and falls back to the normalised ones. `model` is kept as the slug
(`anthropic/claude-3.5-sonnet`); provider is the upstream `provider_name`; tags['gateway'] =
'openrouter'. `latency` is total latency (ms); `total_cost` the logged cost.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat

_DATA = {k: "VARCHAR" for k in (
    "id", "created_at", "model", "provider_name", "tokens_prompt", "tokens_completion",
    "native_tokens_prompt", "native_tokens_completion", "native_tokens_reasoning", "native_tokens_cached",
    "total_cost", "latency", "generation_time", "finish_reason", "cancelled", "upstream_id", "app_id",
)}
_STRUCTURE = {"data": _DATA, **_DATA, "error": {"code": "VARCHAR", "message": "VARCHAR", "status": "VARCHAR", "metadata": "JSON"}}


def data(key: str) -> str:
    """A generation field, under `data` or bare."""
    return f"coalesce(r.data.{key}, r.{key})"


_IS_GEN = f"({data('id')} LIKE 'gen-%' AND ({data('native_tokens_prompt')} IS NOT NULL OR {data('tokens_prompt')} IS NOT NULL OR {data('provider_name')} IS NOT NULL))"
_IS_ERR = "(regexp_full_match(coalesce(r.error.code, ''), '[1-5][0-9][0-9]') AND r.error.status IS NULL)"
_HTTP = "mm_int(r.error.code)::INTEGER"
_FAILED = "(r.error.code IS NOT NULL)"

FORMAT = LogFormat(
    name="openrouter",
    description="OpenRouter generation stats ({data: {...}} from /api/v1/generation) and error bodies",
    structure=_STRUCTURE,
    detect=f"({_IS_GEN} OR {_IS_ERR})",
    detect_hint="a `gen-...` id with `native_tokens_*`/`tokens_*`/`provider_name` (bare or under `data`), or an `error` with a numeric HTTP `code`",
    columns={
        "call_id": data("id"),
        "ts": f"mm_ts({data('created_at')})",
        "provider": f"CASE WHEN {_FAILED} AND {data('provider_name')} IS NULL THEN 'openrouter' "
        f"ELSE mm_provider_name({data('provider_name')}, model) END",
        "model": data("model"),
        "input_tokens": f"mm_int(coalesce({data('native_tokens_prompt')}, {data('tokens_prompt')}))",
        "cached_input_tokens": f"coalesce(mm_int({data('native_tokens_cached')}), 0)",
        "output_tokens": f"mm_int(coalesce({data('native_tokens_completion')}, {data('tokens_completion')}))",
        "reasoning_tokens": f"coalesce(mm_int({data('native_tokens_reasoning')}), 0)",
        "latency_ms": f"mm_num({data('latency')})",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, r.error.message), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": f"TRY_CAST({data('total_cost')} AS DECIMAL(38, 12))",
        "tags": (
            "map_from_entries(list_filter([{'key': 'gateway', 'value': 'openrouter'}, "
            f"{{'key': 'finish_reason', 'value': {data('finish_reason')}}}, "
            f"{{'key': 'cancelled', 'value': CASE WHEN mm_bool({data('cancelled')}) THEN 'true' END}}], "
            "lambda e: e.value IS NOT NULL))"
        ),
    },
    numbers=tuple(f"{p}{k}" for p in ("", "data.") for k in (
        "native_tokens_prompt", "native_tokens_completion", "tokens_prompt", "tokens_completion")),
    times=("data.created_at", "created_at"),
)
