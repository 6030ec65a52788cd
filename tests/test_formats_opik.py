"""Comet Opik spans (REST `/v1/private/spans` pages, SDK `search_spans()` dumps, the UI's JSON export).

The span shape is the backend's `Span` record and the SDK's `SpanPublic` (comet-ml/opik); `usage` is
the flat map `OpikUsage.to_backend_compatible_full_usage_dict` writes, the provider's own counts under
`original_usage.` (the key sets of the SDK's tests/unit/llm_usage/test_opik_usage.py). Before, such
files had no format ("cannot tell the log format")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

PRICED = enrichers()
M = Decimal(10**6)
TRACE = "0197b2a4-5c1e-7d8e-9f10-3a4b5c6d7e8f"


def _span(span_id: str, **fields) -> dict:
    return {"id": span_id, "project_name": "support-bot", "project_id": "0197b2a0-0000-7000-8000-000000000001",
            "trace_id": TRACE, "parent_span_id": "0197b2a4-5c1e-7d8e-9f10-000000000001", "name": "chat",
            "start_time": "2025-06-20T09:15:02.125Z", "end_time": "2025-06-20T09:15:04.625Z",
            "metadata": {"created_from": "anthropic"}, "tags": ["anthropic"], "created_by": "admin",
            "last_updated_at": "2025-06-20T09:15:05.001Z", "duration": 2500.0, **fields}


# track_anthropic: Anthropic's usage under original_usage (input_tokens EXCLUDES the cache); Opik's
# own counts as its SDK wrote them then: prompt = input + reads, completion = output + cache WRITES
ANTHROPIC = _span(
    "0197b2a4-5c1e-7d8e-9f10-00000000a001", type="llm", name="anthropic_messages_create",
    model="claude-sonnet-4-20250514", provider="anthropic",
    input={"system": "You are a support agent for Acme.", "messages": [{"role": "user", "content": "Where is my order #1042?"}],
           "max_tokens": 1024},
    output={"content": [{"type": "text", "text": "Order #1042 shipped yesterday."}], "role": "assistant",
            "stop_reason": "end_turn"},
    usage={"prompt_tokens": 4108, "completion_tokens": 1334, "total_tokens": 5442,
           "original_usage.input_tokens": 12, "original_usage.output_tokens": 310,
           "original_usage.cache_creation_input_tokens": 1024, "original_usage.cache_read_input_tokens": 4096,
           "original_usage.cache_creation.ephemeral_5m_input_tokens": 1024,
           "original_usage.cache_creation.ephemeral_1h_input_tokens": 0},
    total_estimated_cost=0.0097548, total_estimated_cost_version="v1")
# genai (google_ai): prompt_token_count includes the cached part; thoughts are outside the candidates
GEMINI = _span(
    "0197b2a4-5c1e-7d8e-9f10-00000000a002", type="llm", name="generate_content", model="gemini-2.5-flash",
    provider="google_ai", tags=["genai"], input={"contents": "Summarise the ticket."},
    output={"candidates": [{"content": {"parts": [{"text": "A refund request."}]}}]},
    usage={"prompt_tokens": 1200, "completion_tokens": 550, "total_tokens": 1750,
           "original_usage.prompt_token_count": 1200, "original_usage.candidates_token_count": 150,
           "original_usage.thoughts_token_count": 400, "original_usage.total_token_count": 1750,
           "original_usage.cached_content_token_count": 1000},
    total_estimated_cost=0.001465)
AGENT_STEP = _span("0197b2a4-5c1e-7d8e-9f10-000000000001", type="general", name="handle_ticket", parent_span_id=None)
BAD_TIME = _span("0197b2a4-5c1e-7d8e-9f10-00000000a003", type="llm", model="gpt-4o-mini", provider="openai",
                 start_time="yesterday", usage={"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12})

# OpenAI through track_openai, in a REST page with the agent's other spans and a failed call
OPENAI = _span(
    "0197b2a4-5c1e-7d8e-9f10-00000000b001", type="llm", name="chat_completion_create", model="gpt-4o-mini-2024-07-18",
    provider="openai", tags=["openai"], metadata={"created_from": "openai", "type": "openai_chat"},
    input={"messages": [{"role": "system", "content": "Classify the ticket."}, {"role": "user", "content": "My card was charged twice."}],
           "tools": [{"type": "function", "function": {"name": "lookup_order"}}]},
    output={"choices": [{"index": 0, "message": {"role": "assistant", "content": "billing"}, "finish_reason": "stop"}]},
    usage={"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
           "original_usage.prompt_tokens": 2006, "original_usage.completion_tokens": 300, "original_usage.total_tokens": 2306,
           "original_usage.prompt_tokens_details.cached_tokens": 1920, "original_usage.prompt_tokens_details.audio_tokens": 0,
           "original_usage.completion_tokens_details.reasoning_tokens": 0},
    total_estimated_cost=0.0003369)
FAILED = _span(
    "0197b2a4-5c1e-7d8e-9f10-00000000b002", type="llm", name="chat_completion_create", model="gpt-4o-mini",
    provider="openai", input={"messages": [{"role": "user", "content": "Retry?"}]},
    error_info={"exception_type": "RateLimitError",
                "message": "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o-mini', 'code': 'rate_limit_exceeded'}}",
                "traceback": "Traceback (most recent call last): ..."})
TOOL = _span("0197b2a4-5c1e-7d8e-9f10-00000000b003", type="tool", name="lookup_order", input={"order": 1042},
             output={"status": "shipped"})
PAGE = {"page": 1, "size": 4, "total": 4, "content": [AGENT_STEP, OPENAI, TOOL, FAILED]}


def test_sdk_dumps_read_each_providers_own_counts_with_the_cache_in_the_input(db, tmp_path):
    path = write_jsonl(tmp_path / "opik_spans.jsonl", [ANTHROPIC, GEMINI, AGENT_STEP, BAD_TIME])
    (file,) = db.ingest(path, enrichers=PRICED).files
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("opik", 2, 1, 1)
    (bad,) = db.quarantine()
    assert (bad["source_line"], "start_time is yesterday, not a timestamp" in bad["reason"]) == (4, True)
    claude, gemini = db.calls()
    assert (claude["call_id"], claude["ts"], claude["provider"], claude["model"], claude["model_key"]) == (
        "0197b2a4-5c1e-7d8e-9f10-00000000a001", datetime(2025, 6, 20, 9, 15, 2, 125000, tzinfo=UTC), "anthropic",
        "claude-sonnet-4-20250514", "claude-sonnet-4-0")
    # 12 uncached + 4,096 read + 1,024 written; the output is Anthropic's 310, not Opik's 1,334 (which held the writes)
    assert (claude["input_tokens"], claude["cached_input_tokens"], claude["cache_write_tokens"],
            claude["cache_write_1h_tokens"], claude["output_tokens"], claude["latency_ms"]) == (5132, 4096, 1024, 0, 310, 2500.0)
    # Sonnet 4: 12 x $3 + 4,096 x $0.30 + 1,024 x $3.75 + 310 x $15 per 1M = $0.0097548, as Opik estimated
    assert claude["cost_usd"] == (12 * 3 + 4096 * Decimal("0.3") + 1024 * Decimal("3.75") + 310 * 15) / M == Decimal("0.0097548")
    assert claude["logged_cost_usd"] == Decimal("0.0097548")
    assert (claude["status"], claude["http_status"], claude["system_prompt"], claude["user_prompt"], claude["response_text"]) == (
        "ok", 200, "You are a support agent for Acme.", "Where is my order #1042?", "Order #1042 shipped yesterday.")
    assert claude["tags"] == {"app": "opik", "project": "support-bot", "trace_id": TRACE,
                              "span_name": "anthropic_messages_create", "opik_provider": "anthropic", "tags": "anthropic"}
    # Gemini: 1,200 prompt (1,000 of them cached); 150 candidates + 400 thoughts
    assert (gemini["provider"], gemini["input_tokens"], gemini["cached_input_tokens"], gemini["output_tokens"],
            gemini["reasoning_tokens"]) == ("google", 1200, 1000, 550, 400)
    # Gemini 2.5 Flash: 200 x $0.30 + 1,000 x $0.03 + 550 x $2.50 per 1M = $0.001465
    assert gemini["cost_usd"] == (200 * Decimal("0.3") + 1000 * Decimal("0.03") + 550 * Decimal("2.5")) / M == Decimal("0.001465")
    assert gemini["logged_cost_usd"] == Decimal("0.001465")


def test_a_rest_page_is_one_call_per_llm_span_and_a_failed_call_is_classified(db, tmp_path):
    path = tmp_path / "spans_page.json"
    path.write_text(json.dumps(PAGE, indent=2), encoding="utf-8")  # the API's answer, saved as is
    (file,) = db.ingest(path, enrichers=PRICED).files
    assert (file.log_format, file.loaded, file.quarantined) == ("opik", 2, 0)
    ok, failed = sorted(db.calls(), key=lambda r: r["call_id"])
    # OpenAI: prompt_tokens already holds the 1,920 cached
    assert (ok["provider"], ok["model_key"], ok["input_tokens"], ok["cached_input_tokens"], ok["output_tokens"],
            ok["n_tools"], ok["system_prompt"], ok["response_text"]) == (
        "openai", "gpt-4o-mini", 2006, 1920, 300, 1, "Classify the ticket.", "billing")
    # gpt-4o-mini: 86 x $0.15 + 1,920 x $0.075 + 300 x $0.60 per 1M = $0.0003369
    assert ok["cost_usd"] == ok["logged_cost_usd"] == Decimal("0.0003369")
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["input_tokens"],
            failed["logged_cost_usd"], failed["tags"]["error"]) == ("error", "rate_limit", 429, 0, None, "RateLimitError")


def test_other_producers_usage_shapes_and_the_ui_export(db, tmp_path):
    # LangChain + Anthropic: Opik maps LangChain's cache-INCLUSIVE input into Anthropic's keys, with a total
    langchain = _span("0197b2a4-5c1e-7d8e-9f10-00000000c001", type="llm", model="claude-sonnet-4-20250514",
                      provider="anthropic", usage={
                          "prompt_tokens": 6000, "completion_tokens": 120, "total_tokens": 4320,
                          "original_usage.input_tokens": 4200, "original_usage.output_tokens": 120,
                          "original_usage.total_tokens": 4320, "original_usage.cache_read_input_tokens": 1800,
                          "original_usage.cache_creation_input_tokens": 0})
    # Bedrock Converse: inputTokens leaves the cache out
    bedrock = _span("0197b2a4-5c1e-7d8e-9f10-00000000c002", type="llm", model="us.anthropic.claude-sonnet-4-20250514-v1:0",
                    provider="bedrock", usage={
                        "prompt_tokens": 200, "completion_tokens": 100, "total_tokens": 300,
                        "original_usage.inputTokens": 200, "original_usage.outputTokens": 100,
                        "original_usage.cacheReadInputTokens": 30, "original_usage.cacheWriteInputTokens": 50})
    # the UI's export: the chosen columns only, "" for what a span lacks (no trace id, no cost)
    ui = {"id": "0197b2a4-5c1e-7d8e-9f10-00000000c003", "name": "chat", "type": "llm",
          "start_time": "2025-06-20T09:16:00.000Z", "end_time": "", "duration": "", "input": {"messages": []},
          "output": "", "metadata": "", "tags": "", "error_info": "", "usage": {"prompt_tokens": 50, "completion_tokens": 7,
                                                                                 "total_tokens": 57},
          "provider": "api.together.xyz", "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo", "total_estimated_cost": ""}
    (file,) = db.ingest(write_jsonl(tmp_path / "mixed.jsonl", [langchain, bedrock, ui]), enrichers=PRICED).files
    assert (file.log_format, file.loaded, file.quarantined) == ("opik", 3, 0)
    got = {r["call_id"][-4:]: r for r in db.calls()}
    assert (got["c001"]["input_tokens"], got["c001"]["cached_input_tokens"], got["c001"]["output_tokens"]) == (4200, 1800, 120)
    assert (got["c002"]["provider"], got["c002"]["input_tokens"], got["c002"]["cached_input_tokens"],
            got["c002"]["cache_write_tokens"], got["c002"]["output_tokens"]) == ("aws-bedrock", 280, 30, 50, 100)
    ui_call = got["c003"]
    assert (ui_call["provider"], ui_call["input_tokens"], ui_call["output_tokens"], ui_call["latency_ms"],
            ui_call["logged_cost_usd"], ui_call["status"]) == ("together", 50, 7, None, None, "ok")
