"""mmaudit's own canonical JSONL: one object per call, keys named as the `calls` columns.

Every canonical column is read, pricing dimensions included: `cache_write_1h_tokens` (of the
cache writes, those billed at the 1-hour rate), `service_tier` (flex, priority, batch...) and
`sample_weight` (how many real calls the record stands for; a positive number, default 1).
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat
from mmaudit.schema import CANONICAL_COLUMNS

_NUMBERS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")

FORMAT = LogFormat(
    name="canonical",
    description="mmaudit canonical JSONL: the `calls` columns as keys (what `mmaudit generate` writes)",
    structure={c: ("JSON" if c == "tags" else "VARCHAR") for c in CANONICAL_COLUMNS},
    detect="r.call_id IS NOT NULL AND r.status IS NOT NULL",
    detect_hint="top-level `call_id` and `status` keys",
    columns={
        "call_id": "r.call_id",
        "ts": "mm_ts(r.ts)",
        "provider": "coalesce(r.provider, mm_provider_from_model(model))",
        "model": "r.model",
        "operation": "coalesce(r.operation, 'chat')",
        **{c: f"coalesce(mm_int(r.{c}), 0)" for c in _NUMBERS[1:3] + _NUMBERS[4:]},
        "input_tokens": "mm_int(r.input_tokens)",
        "output_tokens": "mm_int(r.output_tokens)",
        "tokens_estimated": "coalesce(mm_bool(r.tokens_estimated), false)",
        "latency_ms": "mm_num(r.latency_ms)",
        "ttft_ms": "mm_num(r.ttft_ms)",
        "status": "CASE WHEN lower(r.status) IN ('error', 'failed', 'failure') THEN 'error' ELSE 'ok' END",
        "error_type": "CASE WHEN lower(r.status) IN ('error', 'failed', 'failure') "
        "THEN coalesce(r.error_type, mm_error_type(mm_int(r.http_status)::INTEGER, NULL), 'unknown') END",
        "http_status": "mm_int(r.http_status)",
        "is_batch": "coalesce(mm_bool(r.is_batch), false)",
        "logged_cost_usd": "TRY_CAST(r.logged_cost_usd AS DECIMAL(38, 12))",
        # an object, or (CSV/Parquet columns) a string holding a JSON object
        "tags": "mm_tags(CASE WHEN json_type(r.tags) = 'VARCHAR' AND json_valid(json_extract_string(r.tags, '$')) "
        "THEN json(json_extract_string(r.tags, '$')) ELSE r.tags END)",
        "prompt_hash": "r.prompt_hash",
        "system_prompt": "r.system_prompt",
        "user_prompt": "r.user_prompt",
        "response_text": "r.response_text",
        "prompt_chars": "coalesce(mm_int(r.prompt_chars), length(coalesce(r.system_prompt, '') || coalesce(r.user_prompt, '')))",
        "n_messages": "mm_int(r.n_messages)",
        "n_tools": "mm_int(r.n_tools)",
        "has_image": "coalesce(mm_bool(r.has_image), false)",
        "response_format": "r.response_format",
        "cache_write_1h_tokens": "coalesce(mm_int(r.cache_write_1h_tokens), 0)",
        "service_tier": "r.service_tier",
        "sample_weight": "coalesce(mm_num(r.sample_weight), 1.0)",
        "web_searches": "coalesce(mm_int(r.web_searches), 0)",
        "file_searches": "coalesce(mm_int(r.file_searches), 0)",
        "input_audio_tokens": "coalesce(mm_int(r.input_audio_tokens), 0)",
        "cached_audio_tokens": "coalesce(mm_int(r.cached_audio_tokens), 0)",
        "output_audio_tokens": "coalesce(mm_int(r.output_audio_tokens), 0)",
        "input_image_tokens": "coalesce(mm_int(r.input_image_tokens), 0)",
        "cached_image_tokens": "coalesce(mm_int(r.cached_image_tokens), 0)",
        "output_image_tokens": "coalesce(mm_int(r.output_image_tokens), 0)",
        "citation_tokens": "coalesce(mm_int(r.citation_tokens), 0)",
    },
    numbers=_NUMBERS + ("http_status", "cache_write_1h_tokens", "web_searches", "file_searches", "input_audio_tokens",
                                    "cached_audio_tokens", "output_audio_tokens", "input_image_tokens",
                                    "cached_image_tokens", "output_image_tokens", "citation_tokens"),
    positives=("sample_weight",),
    times=("ts",),
    prompt_text="nullif(concat_ws(chr(10), r.system_prompt, r.user_prompt), '')",
    output_text="r.response_text",
)
