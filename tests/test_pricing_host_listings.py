"""A call sold by a host genai-prices lists is priced at that host's own listing of the model.

The records are OpenAI-shaped answers captured at each host's real API address (the capture
format: `{timestamp, request{url, body}, response{status, body}}`), and OpenRouter bodies as
OpenRouter returns them; the expected rates are genai-prices' own listings for that host at that
date (found by the price sweep of every genai-prices provider). Before, a host outside Groq,
Cerebras, Together and Fireworks was priced at the maker's own API rate, or left unknown.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from mmaudit.enrich import enrichers
from tests.conftest import rows, write_jsonl

TS = "2026-12-01T12:00:00Z"


def capture(call_id: str, url: str, model: str) -> dict:
    body = {"id": call_id, "object": "chat.completion", "created": 1796126400, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500}}
    return {"timestamp": TS, "request": {"url": url, "method": "POST", "body": {"model": model}},
            "response": {"status": 200, "headers": {}, "body": body}}


# (call, host's API address, model id, the host's listing, the cost of 1,200 in / 300 out)
HOST_CALLS = [
    # novita $0.135 / $0.40: 1200 x 0.135e-6 + 300 x 0.40e-6 (it was unknown)
    ("f1a", "https://api.novita.ai/v3/openai/chat/completions", "meta-llama/llama-3.3-70b-instruct",
     "novita/meta-llama/llama-3.3-70b-instruct", "0.000282"),
    # baseten $0.30 / $1.20 (unknown before)
    ("f1b", "https://inference.baseten.co/v1/chat/completions", "deepseek-ai/DeepSeek-V4.1-Flash",
     "baseten/deepseek-ai/deepseek-v4.1-flash", "0.00072"),
    # doubleword $0.05 / $0.60 (unknown before)
    ("f1c", "https://api.doubleword.ai/v1/chat/completions", "Qwen/Qwen3-14B-FP8",
     "doubleword/qwen/qwen3-14b-fp8", "0.00024"),
    # novita's R1 at $4 / $4: 1500 x 4e-6 (was DeepSeek's own API rate, $0.000462)
    ("f2a", "https://api.novita.ai/v3/openai/chat/completions", "deepseek/deepseek-r1",
     "novita/deepseek/deepseek-r1", "0.006"),
    # QuickSilver Pro's Haiku 4.5 at $0.25 / $1.25 (was Anthropic's $1 / $5: $0.0027)
    ("f2b", "https://api.quicksilverpro.io/v1/chat/completions", "claude-haiku-4-5",
     "quicksilverpro/claude-haiku-4-5", "0.000675"),
    # Zhipu's own API (open.bigmodel.cn) at $0.276 / $1.103 (was Z.ai's international $0.00138)
    ("f2c", "https://open.bigmodel.cn/api/paas/v4/chat/completions", "GLM-4.7", "zhipuai/glm-4.7", "0.0006621"),
    # Hugging Face's Groq route at $0.15 / $0.75 (was OpenAI's gpt-oss listing, $0.0001008)
    ("f2d", "https://router.huggingface.co/groq/v1/chat/completions", "openai/gpt-oss-120b",
     "huggingface_groq/openai/gpt-oss-120b", "0.000405"),
]


@pytest.fixture
def hosts(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "captures.jsonl", [capture(f"chatcmpl-{c}", u, m) for c, u, m, _, _ in HOST_CALLS]),
              enrichers=enrichers())
    return {r["call_id"]: r for r in rows(db.con, "SELECT call_id, model_key, cost_usd, tags FROM calls")}


@pytest.mark.parametrize(("call", "url", "model", "key", "cost"), HOST_CALLS, ids=[c[0] for c in HOST_CALLS])
def test_a_host_call_is_priced_at_the_hosts_own_listing(hosts, call, url, model, key, cost):
    stored = hosts[f"chatcmpl-{call}"]
    assert (stored["model_key"], stored["cost_usd"]) == (key, Decimal(cost))
    assert "priced_as" not in (stored["tags"] or {})  # the host's own rate: no seller assumed


def test_openrouter_variant_ids_take_openrouters_rate_not_the_standard_models(db, tmp_path):
    def body(call_id: str, model: str) -> dict:
        return {"id": call_id, "provider": "Anthropic", "model": model, "object": "chat.completion",
                "created": 1796126400, "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                                    "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500}}
    db.ingest(write_jsonl(tmp_path / "or.jsonl", [body("gen-fast", "anthropic/claude-opus-4.6-fast"),
                                                   body("gen-batch", "anthropic/claude-sonnet-4.6:batch")]),
              enrichers=enrichers())
    got = {r["call_id"]: r["cost_usd"] for r in rows(db.con, "SELECT call_id, cost_usd FROM calls")}
    # fast at $30 / $150: 1200 x 30e-6 + 300 x 150e-6 (was the standard $5 / $25: $0.0135)
    assert got["gen-fast"] == Decimal("0.081")
    # :batch at $1.50 / $7.50 (was the standard $3 / $15: $0.0081)
    assert got["gen-batch"] == Decimal("0.00405")


def test_a_litellm_call_sold_by_openrouter_takes_openrouters_listing(db, tmp_path):
    line = {"id": "llm-or1", "call_type": "acompletion", "stream": False, "status": "success",
            "custom_llm_provider": "openrouter", "model": "google/gemma-3-27b-it", "model_group": "gemma",
            "prompt_tokens": 756, "completion_tokens": 235, "startTime": 1764590000.0, "endTime": 1764590001.5,
            "response_cost": 0.0001226, "cache_hit": False}
    db.ingest(write_jsonl(tmp_path / "litellm.jsonl", [line]), enrichers=enrichers())
    (stored,) = rows(db.con, "SELECT model_key, cost_usd FROM calls")
    # OpenRouter's $0.10 / $0.20: 756 x 0.10e-6 + 235 x 0.20e-6, the logged response_cost (was unknown)
    assert (stored["model_key"], stored["cost_usd"]) == ("openrouter/google/gemma-3-27b-it", Decimal("0.0001226"))


def test_a_model_the_host_does_not_list_is_charged_another_sellers_rate_and_says_so(db, tmp_path):
    # QuickSilver Pro lists Claude, Gemini, GPT-5.6+ and others, not gpt-4o: OpenAI's $2.50 / $10
    record = capture("chatcmpl-qs", "https://api.quicksilverpro.io/v1/chat/completions", "gpt-4o-2024-08-06")
    db.ingest(write_jsonl(tmp_path / "qs.jsonl", [record]), enrichers=enrichers())
    (stored,) = rows(db.con, "SELECT cost_usd, tags FROM calls")
    assert stored["cost_usd"] == Decimal("0.006")  # 1200 x 2.5e-6 + 300 x 10e-6
    assert stored["tags"]["priced_as"] == "openai"
