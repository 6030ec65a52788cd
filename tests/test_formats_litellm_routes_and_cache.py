"""LiteLLM's proxy logs a deployment's model with its route prefix (`together_ai/openai/gpt-oss-120b`,
`fireworks_ai/accounts/fireworks/...`, `openrouter/alpindale/goliath-120b`,
`huggingface/<route>/<org>/<model>`): the seller's own listing is found under the id without it.
Cache writes in an OpenAI-shaped usage (`prompt_tokens_details.cache_write_tokens`, OpenRouter's,
Kimi's) are writes, and a SpendLogs row written before `usage_object` keeps its cache counts in
`additional_usage_values`.

Records in the proxy's `StandardLoggingPayload` / SpendLogs shapes (LiteLLM 1.110's own usage
transformers, `get_logging_payload`); rates are genai-prices' listings for the seller named.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mmaudit.enrich import enrichers
from tests.conftest import rows, write_jsonl


def payload(call_id: str, provider: str, model: str, **extra) -> dict:
    return {"id": call_id, "call_type": "acompletion", "status": "success", "custom_llm_provider": provider,
            "model": model, "model_group": "g", "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
            "startTime": 1796126400.0, "endTime": 1796126401.5, "response_cost": 0.0, "cache_hit": None, **extra}


ROUTED = [
    # Together's $0.30 / $0.30 (unknown before)
    ("p1", "together_ai", "together_ai/Gryphe/MythoMax-L2-13b", "0.00045"),
    # Together's gpt-oss-120b at $0.15 / $0.60 (before: OpenAI's listing, $0.0001008)
    ("p2", "together_ai", "together_ai/openai/gpt-oss-120b", "0.00036"),
    # a Fireworks router at $2.80 / $8.80 (unknown before)
    ("p3", "fireworks_ai", "fireworks_ai/accounts/fireworks/routers/glm-5p1-fast", "0.006"),
    # OpenRouter's alpindale/goliath-120b at $6.5625 / $9.375 (before: a legacy `goliath-120b` row, $0.01575)
    ("p4", "openrouter", "openrouter/alpindale/goliath-120b", "0.0106875"),
    # Perplexity's own DeepSeek V4 Pro at $1.32 / $3.96 (before: DeepSeek's API rate, $0.001386)
    ("p5", "perplexity", "perplexity/perplexity/deepseek-v4-pro-0813", "0.002772"),
    # Hugging Face's Together route at Together's $0.15 / $0.60 (unknown before)
    ("p6", "huggingface", "huggingface/together/openai/gpt-oss-120b", "0.00036"),
]


@pytest.mark.parametrize(("call", "provider", "model", "cost"), ROUTED, ids=[r[0] for r in ROUTED])
def test_a_routed_id_is_priced_at_the_sellers_own_listing(db, tmp_path, call, provider, model, cost):
    db.ingest(write_jsonl(tmp_path / "spend.jsonl", [payload(call, provider, model)]), enrichers=enrichers())
    (stored,) = rows(db.con, "SELECT cost_usd FROM calls")
    assert stored["cost_usd"] == Decimal(cost)  # 1,200 in and 300 out at the listing's rates


def test_openai_shaped_cache_writes_are_writes(db, tmp_path):
    usage = {"completion_tokens": 200, "prompt_tokens": 5000, "total_tokens": 5200,
             "completion_tokens_details": {"reasoning_tokens": 0},
             "prompt_tokens_details": {"audio_tokens": None, "cache_write_tokens": 3000, "cached_tokens": 1000,
                                       "image_tokens": None, "text_tokens": None, "video_tokens": None,
                                       "initial_prompt_tokens": None, "cache_creation_tokens": 3000}}
    record = {**payload("cw-or", "openrouter", "openrouter/anthropic/claude-sonnet-4.5", prompt_tokens=5000,
                        completion_tokens=200, total_tokens=5200), "metadata": {"usage_object": usage}}
    db.ingest(write_jsonl(tmp_path / "spend.jsonl", [record]), enrichers=enrichers())
    (stored,) = rows(db.con, "SELECT input_tokens, cached_input_tokens, cache_write_tokens, cost_usd FROM calls")
    # 1,000 x $3 + 1,000 x $0.30 + 3,000 x $3.75 + 200 x $15 per 1M (before: writes 0, $0.0153)
    assert stored == {"input_tokens": 5000, "cached_input_tokens": 1000, "cache_write_tokens": 3000,
                      "cost_usd": Decimal("0.01755")}


def test_a_spend_logs_row_before_usage_object_keeps_its_cache_counts(db, tmp_path):
    additional = {"completion_tokens_details": {"reasoning_tokens": 0},
                  "prompt_tokens_details": {"cached_tokens": 4000, "cache_creation_tokens": 3000},
                  "cache_creation_input_tokens": 3000, "cache_read_input_tokens": 4000}
    row = {"request_id": "sl-old", "call_type": "acompletion", "status": "success", "custom_llm_provider": "anthropic",
           "model": "claude-sonnet-4-5-20250929", "model_group": "sonnet", "api_base": "https://api.anthropic.com/v1/messages",
           "prompt_tokens": 8000, "completion_tokens": 200, "total_tokens": 8200, "spend": 0.02145,
           "startTime": "2025-12-01T12:00:00Z", "endTime": "2025-12-01T12:00:01.5Z", "cache_hit": "False",
           "metadata": json.dumps({"additional_usage_values": additional}), "request_tags": "[]"}
    db.ingest(write_jsonl(tmp_path / "spend.jsonl", [row]), enrichers=enrichers())
    (stored,) = rows(db.con, "SELECT cached_input_tokens, cache_write_tokens, cost_usd, logged_cost_usd FROM calls")
    # 1,000 x $3 + 4,000 x $0.30 + 3,000 x $3.75 + 200 x $15 per 1M = $0.01845 (before: every
    # cached token at the full input rate, $0.027); the row's own spend stays the logged cost
    assert stored == {"cached_input_tokens": 4000, "cache_write_tokens": 3000, "cost_usd": Decimal("0.01845"),
                      "logged_cost_usd": Decimal("0.02145")}
