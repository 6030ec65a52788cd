"""OpenRouter generation stats: native (billed) counts win over the normalised ones."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

GEN = {"data": {"id": "gen-1", "upstream_id": "msg_x", "created_at": "2025-05-02T10:00:00.000000+00:00",
                "model": "anthropic/claude-3.5-sonnet", "provider_name": "Anthropic", "streamed": True,
                "cancelled": False, "latency": 2100, "generation_time": 1900, "finish_reason": "stop",
                "tokens_prompt": 1000, "tokens_completion": 200,
                "native_tokens_prompt": 1180, "native_tokens_completion": 231, "native_tokens_reasoning": 0,
                "native_tokens_cached": 900, "total_cost": 0.00123}}
REASONING = {"data": {"id": "gen-2", "created_at": "2025-05-02T10:01:00Z", "model": "openai/o3-mini",
                      "provider_name": "OpenAI", "latency": 5000, "finish_reason": "stop",
                      "tokens_prompt": 50, "tokens_completion": 700, "native_tokens_prompt": 52,
                      "native_tokens_completion": 820, "native_tokens_reasoning": 640, "native_tokens_cached": 0,
                      "total_cost": 0.0037}}
NORMALISED_ONLY = {"data": {"id": "gen-3", "created_at": "2025-05-02T10:02:00Z", "model": "meta-llama/llama-3.1-8b-instruct",
                            "provider_name": "Together", "tokens_prompt": 80, "tokens_completion": 20, "total_cost": 0.000002}}
ERROR = {"error": {"code": 429, "message": "Rate limit exceeded: free-models-per-day", "metadata": {"headers": {}}}}

BASE = {"operation": "chat", "cache_write_tokens": 0, "ttft_ms": None, "is_batch": False}


def test_openrouter_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "openrouter.jsonl", [GEN, REASONING, NORMALISED_ONLY, ERROR]))
    assert result.files[0].log_format == "openrouter" and result.files[0].quarantined == 0
    rows = db.calls()
    assert_calls(rows, [
        {**BASE, "call_id": "gen-1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC), "provider": "anthropic",
         "model": "anthropic/claude-3.5-sonnet", "input_tokens": 1180, "cached_input_tokens": 900,
         "output_tokens": 231, "reasoning_tokens": 0, "latency_ms": 2100.0, "status": "ok", "error_type": None,
         "http_status": 200, "logged_cost_usd": 0.00123, "tags": {"gateway": "openrouter", "upstream_provider": "Anthropic",
                                                               "finish_reason": "stop"}},
        {**BASE, "call_id": "gen-2", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC), "provider": "openai",
         "model": "openai/o3-mini", "input_tokens": 52, "cached_input_tokens": 0, "output_tokens": 820,
         "reasoning_tokens": 640, "latency_ms": 5000.0, "status": "ok", "error_type": None, "http_status": 200,
         "logged_cost_usd": 0.0037, "tags": {"gateway": "openrouter", "upstream_provider": "OpenAI", "finish_reason": "stop"}},
        {**BASE, "call_id": "gen-3", "ts": datetime(2025, 5, 2, 10, 2, tzinfo=UTC), "provider": "together",
         "model": "meta-llama/llama-3.1-8b-instruct", "input_tokens": 80, "cached_input_tokens": 0,
         "output_tokens": 20, "reasoning_tokens": 0, "latency_ms": None, "status": "ok", "error_type": None,
         "http_status": 200, "logged_cost_usd": 0.000002, "tags": {"gateway": "openrouter", "upstream_provider": "Together"}},
        {**BASE, "call_id": rows[3]["call_id"], "ts": None, "provider": "openrouter", "model": None,
         "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "latency_ms": None,
         "status": "error", "error_type": "rate_limit", "http_status": 429, "logged_cost_usd": None,
         "tags": {"gateway": "openrouter"}},
    ])
