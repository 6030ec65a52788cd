"""A call through OpenRouter is stored with the upstream provider that served it (`chutes`) and
tags['gateway'] = 'openrouter'; when that (provider, model) resolves to nothing, OpenRouter's own
listing of the id (genai-prices' `openrouter` provider) is what OpenRouter billed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from genai_prices import Usage, calc_price

from mmaudit.pricing import load_catalog, pricing_enricher
from tests.conftest import write_jsonl

# lxflddx/Risk2Scenario_seeds_generation_and_transformation, risk2scenario/generate/generate_ips.py
# (commit 0167f1e10b4548838a259e6612da6f990a9bdfd6): an OpenRouter answer kept in a comment,
# served by Chutes, without `usage.cost` (the message trimmed)
CHUTES = {"id": "gen-1744712613-0dd8hvZbqnd25NJfQGVd", "provider": "Chutes", "model": "google/gemma-3-27b-it",
          "object": "chat.completion", "created": 1744712613,
          "choices": [{"logprobs": None, "finish_reason": "stop", "native_finish_reason": "stop", "index": 0,
                       "message": {"role": "assistant", "content": "\nEnvironment: ...", "refusal": None}}],
          "usage": {"prompt_tokens": 756, "completion_tokens": 235, "total_tokens": 991}}
# the same answer not through OpenRouter (an OpenAI-shaped body naming its provider): no gateway
DIRECT = {**CHUTES, "id": "chatcmpl-direct", "provider": "chutes"}


def test_an_openrouter_call_unknown_as_logged_takes_openrouters_listing(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "or.jsonl", [CHUTES]), write_jsonl(tmp_path / "direct.jsonl", [DIRECT]),
                       enrichers=(pricing_enricher(load_catalog()),))
    assert [f.log_format for f in result.files] == ["openrouter", "openai-chat"], db.quarantine()
    calls = {r["call_id"]: r for r in db.calls()}
    assert len(calls) == 2 == len(db.calls())  # one row each: the resolution key has the gateway
    routed, direct = calls[CHUTES["id"]], calls["chatcmpl-direct"]
    assert (routed["provider"], routed["tags"]["gateway"]) == ("chutes", "openrouter")
    expected = calc_price(Usage(input_tokens=756, output_tokens=235), model_ref="google/gemma-3-27b-it",
                          provider_id="openrouter", genai_request_timestamp=datetime(2025, 4, 15, 10, 23, 33, tzinfo=UTC))
    assert routed["model_key"] == "openrouter/google/gemma-3-27b-it"
    assert Decimal(str(routed["cost_usd"])) == expected.total_price == Decimal("0.0001226")  # $0.10 / $0.20 per 1M
    # the same (provider, model) not through OpenRouter stays unknown, never OpenRouter's price
    assert (direct["provider"], direct["model_key"], direct["cost_usd"]) == ("chutes", None, None)


def test_a_model_its_maker_lists_keeps_the_makers_price_through_openrouter():
    resolver = load_catalog().resolver
    for provider, model in (("google", "google/gemini-2.5-flash"), ("anthropic", "anthropic/claude-sonnet-4.5"),
                            ("deepinfra", "openai/gpt-4o-mini")):
        assert resolver.resolve(provider, model, "openrouter") == resolver.resolve(provider, model)
        assert resolver.resolve(provider, model)[0] is not None
