"""OpenAI's web search fees by tool and model (mmaudit/data/pricing/tool_fees.yaml): the GA
`web_search` tool $10 per 1,000 calls on every model; the older `web_search_preview` $10 on
reasoning models and $25 on the non-reasoning gpt-4o and gpt-4.1 families since 2025-06-26; the
Chat Completions search models search on every answered call ($25 on the gpt-4o ones, $10 on
gpt-5-search-api)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mmaudit.enrich import enrichers
from mmaudit.errors import ConfigError
from mmaudit.pricing.rules import load_tool_fees
from tests.conftest import write_jsonl

M = Decimal(10**6)
RECORDS = "/tmp/hA/records"  # provenance: /tmp/hA/records/PROVENANCE.md (not read by the tests)

# crewAIInc/crewAI lib/crewai/tests/cassettes/llms/openai/test_openai_responses_api_with_web_search.yaml
# @5eabab6a: a Responses call on gpt-4o-mini with the preview tool, one web_search_call item
# (the answer's text and citations shortened; usage as recorded)
REQUEST = {"input": [{"role": "user", "content": "What is the current population of Tokyo? Be brief."}],
           "model": "gpt-4o-mini", "tools": [{"type": "web_search_preview"}]}
BODY = {
    "id": "resp_00e3e58899415fd50069730e878c3481948af3ddbba6a770e5", "object": "response",
    "created_at": 1769148039, "status": "completed", "completed_at": 1769148042, "model": "gpt-4o-mini-2024-07-18",
    "output": [
        {"id": "ws_00e3e58899415fd50069730e8811808194a111d2203570f498", "type": "web_search_call", "status": "completed",
         "action": {"type": "search", "query": "current population of Tokyo 2023"}},
        {"id": "msg_00e3e58899415fd50069730e88e734819495450812cdddde0b", "type": "message", "status": "completed",
         "role": "assistant", "content": [{"type": "output_text", "annotations": [],
                                           "text": "As of 2025, Tokyo's population is approximately 14.2 million. ..."}]},
    ],
    "reasoning": {"effort": None, "summary": None}, "service_tier": "default",
    "tools": [{"type": "web_search_preview", "search_context_size": "medium",
               "user_location": {"type": "approximate", "country": "US"}}],
    "usage": {"input_tokens": 312, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 181,
              "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 493},
}


def variant(call_id: str, model: str | None = None, tool: str | None = None, day: datetime | None = None) -> dict:
    """The recorded body with another id, and optionally another model, tool or day."""
    body = copy.deepcopy(BODY)
    body["id"] = call_id
    if model:
        body["model"] = model
    if tool:
        body["tools"][0]["type"] = tool
    if day:
        body["created_at"] = int(day.timestamp())
    return body


def priced(db, tmp_path, records: list[dict]) -> dict[str, dict]:
    db.ingest(write_jsonl(tmp_path / "calls.jsonl", records), enrichers=enrichers())
    return {c["call_id"]: c for c in db.calls()}


def tokens(inp: int, out: int, in_rate: str, out_rate: str) -> Decimal:
    return (inp * Decimal(in_rate) + out * Decimal(out_rate)) / M


def test_the_preview_tool_on_gpt_4o_mini_costs_25_per_1000_searches(db, tmp_path):
    calls = priced(db, tmp_path, [{"request": REQUEST, "response": {"status": 200, "body": BODY}}])
    call = calls[BODY["id"]]
    assert (call["web_searches"], call["tags"]["web_search_tool"]) == (1, "web_search_preview")
    # gpt-4o-mini $0.15 / $0.60 per 1M ($0.0001554) + one preview search at $0.025 (was $0.0101554)
    assert call["cost_usd"] == tokens(312, 181, "0.15", "0.60") + Decimal("0.025") == Decimal("0.0251554")


def test_the_body_alone_names_the_tool_and_the_ga_tool_keeps_10_per_1000(db, tmp_path):
    calls = priced(db, tmp_path, [variant("preview"), variant("ga", tool="web_search"),
                                  variant("dated-ga", tool="web_search_2025_08_26"),
                                  variant("gpt-4o", model="gpt-4o-2024-08-06")])
    assert calls["preview"]["cost_usd"] == Decimal("0.0251554")
    # the GA tool: $10 per 1,000 on every model (its search content tokens are in input_tokens when
    # the log counts them; the fixed 8,000-token block of the minis is not added: no log says it)
    assert calls["ga"]["tags"]["web_search_tool"] == "web_search"
    assert calls["ga"]["cost_usd"] == calls["dated-ga"]["cost_usd"] == Decimal("0.0101554")
    # gpt-4o (the API reports its snapshot, priced by our override table): $2.50 / $10 + $0.025
    assert calls["gpt-4o"]["cost_usd"] == tokens(312, 181, "2.5", "10") + Decimal("0.025")


def test_a_reasoning_model_keeps_10_per_1000_on_the_preview_tool(db, tmp_path):
    calls = priced(db, tmp_path, [variant("gpt-5-mini", model="gpt-5-mini-2025-08-07"),
                                  variant("o4-mini", model="o4-mini-2025-04-16")])
    assert calls["gpt-5-mini"]["cost_usd"] == tokens(312, 181, "0.25", "2") + Decimal("0.01")
    assert calls["o4-mini"]["cost_usd"] == tokens(312, 181, "1.1", "4.4") + Decimal("0.01")


def test_before_the_2025_06_26_schedule_the_preview_tool_is_not_charged_25(db, tmp_path):
    # (then billed by search context size, $25-$50 per 1,000: not modelled; genai-prices' $10 stays)
    calls = priced(db, tmp_path, [variant("may", day=datetime(2025, 5, 20, tzinfo=UTC))])
    assert calls["may"]["cost_usd"] == Decimal("0.0101554")


def chat(call_id: str, model: str, usage: dict, created: int, **extra) -> dict:
    return {"id": call_id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "Recent developments ...", "annotations": []}}],
            "usage": usage, **extra}


# a gpt-4o-search-preview-2025-03-11 Chat Completions answer as published with its request
# (2025-04-13): 26 prompt tokens, 1,044 completion tokens, no search count in its usage
SEARCH_USAGE = {"prompt_tokens": 26, "completion_tokens": 1044, "total_tokens": 1070,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}
AFTER = int(datetime(2026, 1, 23, tzinfo=UTC).timestamp())


def test_every_answer_of_a_chat_completions_search_model_is_one_search(db, tmp_path):
    calls = priced(db, tmp_path, [
        chat("4o", "gpt-4o-search-preview-2025-03-11", SEARCH_USAGE, AFTER),
        chat("4o-mini", "gpt-4o-mini-search-preview-2025-03-11", SEARCH_USAGE, AFTER),
        chat("5", "gpt-5-search-api-2025-10-14", SEARCH_USAGE, AFTER),
        chat("april", "gpt-4o-search-preview-2025-03-11", SEARCH_USAGE, 1744567305),
        chat("plain", "gpt-4o-mini-2024-07-18", SEARCH_USAGE, AFTER),
    ])
    assert {k: c["web_searches"] for k, c in calls.items()} == {"4o": 1, "4o-mini": 1, "5": 1, "april": 1, "plain": 0}
    assert calls["4o"]["cost_usd"] == tokens(26, 1044, "2.5", "10") + Decimal("0.025")  # $0.035505
    assert calls["4o-mini"]["cost_usd"] == tokens(26, 1044, "0.15", "0.60") + Decimal("0.025")
    assert calls["5"]["cost_usd"] == tokens(26, 1044, "1.25", "10") + Decimal("0.01")
    assert calls["plain"]["cost_usd"] == tokens(26, 1044, "0.15", "0.60")
    # before 2025-06-26 gpt-4o-search-preview was billed by search context size ($30-$50 per 1,000),
    # which no rate here holds: unpriced, never its tokens alone
    assert calls["april"]["model_key"] is not None and calls["april"]["cost_usd"] is None


def test_a_failed_call_of_a_search_model_ran_no_search(db, tmp_path):
    failed = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    calls = priced(db, tmp_path, [{"request": {"model": "gpt-4o-search-preview", "messages": []},
                                   "response": {"status": 429, "body": failed}}])
    (call,) = calls.values()
    assert (call["status"], call["web_searches"]) == ("error", 0)


def test_the_recorded_files_match_the_values_above():
    """The test's copy of the crewAI record keeps its usage, model and tool (when the records are here)."""
    try:
        with open(f"{RECORDS}/r04_openai_responses_websearch_pairs.jsonl", encoding="utf-8") as fh:
            pair = json.loads(fh.readline())
    except OSError:
        return
    body = pair["response"]["body"]
    assert (body["usage"], body["model"], body["created_at"]) == (BODY["usage"], BODY["model"], BODY["created_at"])
    assert pair["request"]["body"]["tools"] == REQUEST["tools"]


def test_a_rule_naming_an_unknown_tool_is_refused_with_its_place(tmp_path):
    rules = tmp_path / "tool_fees.yaml"
    rules.write_text("tool_fees:\n  - {provider: openai, models: '^gpt-4o', tool: web_search_previw,\n"
                     "     valid_from: 2025-06-26, web_search_per_1k: 25, source_url: https://example.com/p}\n")
    with pytest.raises(ConfigError, match=r"tool_fees\.0\.tool: Input should be 'web_search_preview'"):
        load_tool_fees(rules)
