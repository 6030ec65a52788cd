"""The canonical columns every log format maps into, with their SQL types.

This mirrors the `calls` table of migration 0001 (minus what pricing and categorisation derive)
and is the one list the ingest projection and the canonical JSONL format are built from.
"""

from __future__ import annotations

# column -> DuckDB type, in `calls` order
CANONICAL_COLUMNS: dict[str, str] = {
    "call_id": "VARCHAR",
    "ts": "TIMESTAMPTZ",
    "provider": "VARCHAR",
    "model": "VARCHAR",
    "operation": "VARCHAR",
    "input_tokens": "BIGINT",
    "cached_input_tokens": "BIGINT",
    "cache_write_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "reasoning_tokens": "BIGINT",
    "tokens_estimated": "BOOLEAN",
    "latency_ms": "DOUBLE",
    "ttft_ms": "DOUBLE",
    "status": "VARCHAR",
    "error_type": "VARCHAR",
    "http_status": "INTEGER",
    "is_batch": "BOOLEAN",
    "logged_cost_usd": "DECIMAL(38, 12)",
    "tags": "MAP(VARCHAR, VARCHAR)",
    "prompt_hash": "VARCHAR",
    "system_prompt": "VARCHAR",
    "user_prompt": "VARCHAR",
    "response_text": "VARCHAR",
    "prompt_chars": "BIGINT",
    "n_messages": "INTEGER",
    "n_tools": "INTEGER",
    "has_image": "BOOLEAN",
    "response_format": "VARCHAR",
    "cache_write_1h_tokens": "BIGINT",
    "service_tier": "VARCHAR",
    "sample_weight": "DOUBLE",
    "web_searches": "BIGINT",
    "file_searches": "BIGINT",
    "input_audio_tokens": "BIGINT",
    "cached_audio_tokens": "BIGINT",
    "output_audio_tokens": "BIGINT",
    "input_image_tokens": "BIGINT",
    "cached_image_tokens": "BIGINT",
    "output_image_tokens": "BIGINT",
    "citation_tokens": "BIGINT",
}

DERIVED_COLUMNS: dict[str, str] = {
    "model_key": "VARCHAR",
    "cost_usd": "DECIMAL(38, 12)",
    "other_models_cost_usd": "DECIMAL(38, 12)",
    "task": "VARCHAR",
    "complexity": "VARCHAR",
    "category_confidence": "DOUBLE",
    "category_source": "VARCHAR",
}

LINEAGE_COLUMNS: dict[str, str] = {
    "source_file": "VARCHAR",
    "source_line": "BIGINT",
    "source_format": "VARCHAR",
}

TEXT_COLUMNS = ("system_prompt", "user_prompt", "response_text")
TOKEN_COLUMNS = (
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cache_write_1h_tokens",
)

# Token modalities billed apart from text (pricing.rates prices them): modality -> its columns,
# the parts of (input_tokens, cached_input_tokens, output_tokens) it accounts for.
MODALITY_COLUMNS: dict[str, tuple[str, str, str]] = {
    m: (f"input_{m}_tokens", f"cached_{m}_tokens", f"output_{m}_tokens") for m in ("audio", "image")
}


def carried_sql(modalities: list[str], alias: str = "c") -> str:
    """Aggregates, one per modality: whether some row carries tokens of it (most logs carry none,
    and then pricing and replays leave its parts out)."""
    return ", ".join("bool_or(" + " OR ".join(f"coalesce({alias}.{col}, 0) > 0" for col in MODALITY_COLUMNS[m]) + ")"
                     for m in modalities)


# The stored 64-bit hash of a call id (column `call_hash`, migration 0002): bytes 0-7 of
# md5(call_id), little-endian. Replays slice it into A/B and cascade fractions.
CALL_HASH_SQL = "CAST(md5_number({id}) & 18446744073709551615 AS UBIGINT)"


# Steps of one call that ran on another model and are billed at its rates (Anthropic's advisor tool;
# an attempt that refused before a server-side fallback, formats/anthropic_messages.py; OpenAI's
# image generation tool in the Responses API, formats/openai_responses.py): each kind's tags carry
# this prefix (`advisor_model`, `advisor_input_tokens`, ..., `image_tool_input_image_tokens`), and
# their cost is `other_models_cost_usd` (migration 0012), a part of `cost_usd`.
OTHER_MODEL_STEPS = ("advisor", "fallback_from", "image_tool")
