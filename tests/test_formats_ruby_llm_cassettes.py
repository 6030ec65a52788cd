"""Calls crmne/ruby_llm recorded with VCR (spec/fixtures/vcr_cassettes), each interaction written
as the captured exchange it is (`{request: {url, method, body}, response: {status, body}}`), the
bodies trimmed to what the reading needs."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.pricing import load_catalog, pricing_enricher
from tests.conftest import write_jsonl


def ingest(db, tmp_path, name: str, records: list[dict]) -> dict[str, dict]:
    result = db.ingest(write_jsonl(tmp_path / name, records), enrichers=(pricing_enricher(load_catalog()),))
    assert result.files[0].quarantined == 0, db.quarantine()
    return {r["call_id"]: r for r in db.calls()}


def captured(url: str, request: dict, body: dict, status: int = 200) -> dict:
    return {"request": {"url": url, "method": "POST", "body": request},
            "response": {"status": status, "headers": {"Content-Type": "application/json"}, "body": body}}


# crmne/ruby_llm spec/fixtures/vcr_cassettes/chat_basic_chat_functionality_perplexity_sonar_can_have_a_basic_conversation.yml
# (commit 2bc6e98f7a1d7072e2a4f4dcb6f75c2c07081495): Perplexity's own bill is in usage.cost, an object
PERPLEXITY_SONAR = captured(
    "https://api.perplexity.ai/chat/completions",
    {"model": "sonar", "messages": [{"role": "user", "content": "What's 2 + 2?"}], "stream": False},
    {"id": "a6a0d346-4c05-414b-acb8-b09dfb8526ed", "model": "sonar", "created": 1775129203,
     "usage": {"prompt_tokens": 9, "completion_tokens": 59, "total_tokens": 68, "search_context_size": "low",
               "cost": {"input_tokens_cost": 0.00001, "output_tokens_cost": 0.00006, "request_cost": 0.005,
                        "total_cost": 0.00507}},
     "citations": ["https://www.youtube.com/watch?v=wLND9kOzQy8"], "object": "chat.completion",
     "choices": [{"index": 0, "message": {"role": "assistant", "content": "The answer to 2 + 2 is **4**."},
                  "delta": {"role": "assistant", "content": ""}, "finish_reason": "stop"}]})


def test_a_captured_perplexity_answer_is_perplexitys_at_its_search_context_size(db, tmp_path):
    # The capture names the provider (from the address) and Perplexity's usage.cost is set: that
    # was taken for an OpenRouter body (tagged gateway=openrouter), the search context size was
    # lost, and the request fee was the high-context $12/1k: $0.012068 for a call billed $0.00507.
    (call,) = ingest(db, tmp_path, "pplx.jsonl", [PERPLEXITY_SONAR]).values()
    assert call["provider"] == "perplexity" and call["model"] == "sonar"
    assert "gateway" not in (call["tags"] or {})
    assert call["tags"]["search_context_size"] == "low"
    assert (call["input_tokens"], call["output_tokens"]) == (9, 59)
    # $1/$1 per million tokens + the low-context request fee $5/1k (Perplexity's parts, rounded: $0.00507)
    assert db.con.execute("SELECT cost_usd FROM calls").fetchone()[0] == Decimal("0.005068")

