"""OpenAI Images API responses (`images.generate` / `images.edit` with gpt-image models), bare or in
`{request, response}` pairs.

The response is `{created, data: [{b64_json | url}], usage: {input_tokens, output_tokens,
input_tokens_details: {text_tokens, image_tokens, cached_tokens}}}` (plus `size`, `quality`,
`output_format`, `background`). It names no model and carries no id: the model comes from the
pair's `request.model` (or a `model` beside the body), else the call is unpriced; the id is the
pipeline's stable one for records without one (the line's hash and occurrence).

Tokens: `input_tokens` includes the input image tokens (an edit's source images, billed at
gpt-image-1's $10 per 1M image input against $5 for text) and the cached ones; every output token
is an image token unless `output_tokens_details` says otherwise (gpt-image-1 bills them as its
output, $40 per 1M; gpt-image-1.5 at its $32 image-output price). Operation `image`.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.pairs import PAIR_WRAPPER, body

_DETAILS = {"text_tokens": "VARCHAR", "image_tokens": "VARCHAR", "cached_tokens": "VARCHAR"}
_BODY = {
    "created": "VARCHAR",
    "data": "JSON",
    "model": "VARCHAR",
    "size": "VARCHAR",
    "quality": "VARCHAR",
    "usage": {"total_tokens": "VARCHAR", "input_tokens": "VARCHAR", "output_tokens": "VARCHAR",
              "input_tokens_details": _DETAILS, "output_tokens_details": _DETAILS},
}
_REQUEST = {"model": "VARCHAR", "prompt": "VARCHAR", "n": "VARCHAR", "size": "VARCHAR", "quality": "VARCHAR"}
_U = "usage"
_OUT_DETAILS = body(f"{_U}.output_tokens_details")


def _count(path: str) -> str:
    return f"coalesce(mm_int({body(path)}), 0)"


FORMAT = LogFormat(
    name="openai-images",
    description="OpenAI Images API responses (gpt-image models: created, data, usage), bare or in pairs",
    structure={**_BODY, "response": _BODY, "request": _REQUEST, **PAIR_WRAPPER, "model": "VARCHAR"},
    detect=(f"({body('data')} IS NOT NULL AND {body('created')} IS NOT NULL "
            f"AND {body(_U + '.input_tokens_details')} IS NOT NULL)"),
    detect_hint="`created`, `data` and `usage.input_tokens_details` (bare or under `response`)",
    columns={
        "call_id": "r.request_id",
        "ts": f"coalesce(mm_ts(r.timestamp), mm_ts(r.created_at), mm_ts({body('created')}))",
        "provider": "coalesce(r.provider, 'openai')",
        "model": first_id("r.request.model", "r.response.model", "r.model"),
        "operation": "'image'",
        "input_tokens": f"mm_int({body(_U + '.input_tokens')})",
        "cached_input_tokens": _count(f"{_U}.input_tokens_details.cached_tokens"),
        "input_image_tokens": _count(f"{_U}.input_tokens_details.image_tokens"),
        "output_tokens": f"mm_int({body(_U + '.output_tokens')})",
        "output_image_tokens": (f"CASE WHEN {_OUT_DETAILS} IS NULL THEN {_count(_U + '.output_tokens')} "
                                f"ELSE {_count(_U + '.output_tokens_details.image_tokens')} END"),
        "latency_ms": "mm_num(coalesce(r.latency_ms, r.duration_ms))",
        "status": "'ok'",
        "http_status": "coalesce(mm_int(coalesce(r.status_code, r.http_status)), 200)",
        "logged_cost_usd": "TRY_CAST(r.cost_usd AS DECIMAL(38, 12))",
        "tags": ("mm_merge_tags(mm_merge_tags(mm_tags(r.metadata), mm_tags(r.tags)), "
                 f"CASE WHEN {body('size')} IS NOT NULL THEN MAP {{'image_size': {body('size')}}} END)"),
        "user_prompt": "r.request.prompt",
        "prompt_chars": "length(r.request.prompt)",
    },
    numbers=tuple(f"{p}usage.{k}" for p in ("", "response.") for k in (
        "input_tokens", "output_tokens", "input_tokens_details.image_tokens", "input_tokens_details.cached_tokens",
        "output_tokens_details.image_tokens")),
    times=("timestamp",),
    prompt_text="r.request.prompt",
)
