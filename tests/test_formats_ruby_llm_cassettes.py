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


# crmne/ruby_llm spec/fixtures/vcr_cassettes/chat_basic_chat_functionality_openrouter_claude-haiku-4-5_can_have_a_basic_conversation.yml
# (commit 162a7aa1177883fb14f4efecd90a40190ff2d3fc): OpenRouter keeps the connection alive with
# blank lines before the JSON of a non-streamed answer, and the recorder keeps them in the body
OPENROUTER_BODY = (
    "\n         \n\n         \n"
    '{"id":"gen-1768318777-NG1BH5KuEWEUvEWdEqvF","provider":"Amazon Bedrock","model":"anthropic/claude-haiku-4.5",'
    '"object":"chat.completion","created":1768318777,"choices":[{"logprobs":null,"finish_reason":"stop",'
    '"native_finish_reason":"stop","index":0,"message":{"role":"assistant","content":"2 + 2 = 4","refusal":null,'
    '"reasoning":null}}],"usage":{"prompt_tokens":16,"completion_tokens":13,"total_tokens":29,"cost":0.000081,'
    '"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0,"audio_tokens":0,"video_tokens":0},'
    '"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0.000016,'
    '"upstream_inference_completions_cost":0.000065},"completion_tokens_details":{"reasoning_tokens":0,"image_tokens":0}}}')


def test_an_answer_after_keep_alive_blank_lines_is_the_json_it_holds(db, tmp_path):
    # ltrim() took only spaces off: the body did not start with `{`, no format read it, and the
    # whole file was dropped
    line = {"request": {"url": "https://openrouter.ai/api/v1/chat/completions", "method": "POST",
                        "body": '{"model":"anthropic/claude-haiku-4.5","messages":[{"role":"user","content":"What\'s 2 + 2?"}]}'},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": OPENROUTER_BODY}}
    call = ingest(db, tmp_path, "openrouter.jsonl", [line])["gen-1768318777-NG1BH5KuEWEUvEWdEqvF"]
    assert (call["provider"], call["model"]) == ("aws-bedrock", "anthropic/claude-haiku-4.5")
    assert (call["input_tokens"], call["output_tokens"], call["logged_cost_usd"]) == (16, 13, Decimal("0.000081"))
    assert call["tags"]["gateway"] == "openrouter"
