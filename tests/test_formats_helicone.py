"""Helicone exports: prompt_tokens is uncached, cache reads and writes are added back."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

OK = {"request_id": "hc-1", "request_created_at": "2025-05-02T10:00:00Z", "response_created_at": "2025-05-02T10:00:01.2Z",
      "response_status": 200, "delay_ms": 1200, "time_to_first_token": 180, "provider": "ANTHROPIC",
      "model": "claude-3-5-haiku-20241022", "prompt_tokens": 30, "prompt_cache_read_tokens": 2048,
      "prompt_cache_write_tokens": 512, "completion_tokens": 90, "cost": 0.00191, "request_user_id": "u-5",
      "request_properties": {"Helicone-Property-App": "chatbot", "team": "growth"}}
# An o4-mini answer of 1,500 completion tokens, 1,280 of them reasoning, as Helicone stores it since
# it keeps reasoning apart (Helicone/helicone#5429): completion_tokens 1,500 - 1,280 = 220 beside
# reasoning_tokens 1,280 (tests/test_formats_helicone_reasoning.py has the source and a real answer).
REASONING = {"request_id": "hc-2", "request_created_at": "2025-05-02T10:01:00Z", "response_status": 200,
             "delay_ms": 4000, "time_to_first_token": None, "provider": "OPENAI", "model": "o4-mini",
             "prompt_tokens": 700, "prompt_cache_read_tokens": 0, "prompt_cache_write_tokens": 0,
             "completion_tokens": 220, "reasoning_tokens": 1280, "cost": 0.0074, "request_properties": {}}
FAILED = {"request_id": "hc-3", "request_created_at": "2025-05-02T10:02:00Z", "response_status": 529,
          "delay_ms": 300, "provider": "ANTHROPIC", "model": "claude-sonnet-4-20250514", "prompt_tokens": 0,
          "completion_tokens": 0, "cost": 0, "request_properties": None}

BASE = {"operation": "chat", "is_batch": False}


def test_helicone_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "helicone.jsonl", [OK, REASONING, FAILED]))
    assert result.files[0].log_format == "helicone" and result.files[0].quarantined == 0
    assert_calls(db.calls(), [
        {**BASE, "call_id": "hc-1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC), "provider": "anthropic",
         "model": "claude-3-5-haiku-20241022", "input_tokens": 2590, "cached_input_tokens": 2048,
         "cache_write_tokens": 512, "output_tokens": 90, "reasoning_tokens": 0, "latency_ms": 1200.0, "ttft_ms": 180.0,
         "status": "ok", "error_type": None, "http_status": 200, "logged_cost_usd": 0.00191,
         "tags": {"Helicone-Property-App": "chatbot", "team": "growth", "user": "u-5"}},
        {**BASE, "call_id": "hc-2", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC), "provider": "openai",
         "model": "o4-mini", "input_tokens": 700, "cached_input_tokens": 0, "cache_write_tokens": 0,
         "output_tokens": 1500, "reasoning_tokens": 1280, "latency_ms": 4000.0, "ttft_ms": None, "status": "ok",
         "error_type": None, "http_status": 200, "logged_cost_usd": 0.0074, "tags": {}},
        {**BASE, "call_id": "hc-3", "ts": datetime(2025, 5, 2, 10, 2, tzinfo=UTC), "provider": "anthropic",
         "model": "claude-sonnet-4-20250514", "input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0,
         "output_tokens": 0, "reasoning_tokens": 0, "latency_ms": 300.0, "ttft_ms": None, "status": "error",
         "error_type": "server", "http_status": 529, "logged_cost_usd": 0.0, "tags": None},
    ])


# Exports that include the provider's bodies: Anthropic's `system` beside its messages, OpenAI's
# inside them (and, here, as a JSON string); the answer in `content` parts or in `choices`.
ANTHROPIC_BODIES = {**OK, "request_id": "hc-4",
                    "request_body": {"model": "claude-3-5-haiku-20241022", "max_tokens": 300,
                                     "system": [{"type": "text", "text": "You write release notes."}],
                                     "messages": [{"role": "user", "content": "Write a two-line release note for v2.3: dark mode."}],
                                     "tools": [{"name": "search_changelog"}]},
                    "response_body": {"type": "message", "content": [{"type": "text", "text": "v2.3 brings dark mode."}]}}
OPENAI_BODIES = {**REASONING, "request_id": "hc-5",
                 "request_body": '{"model": "o4-mini", "messages": [{"role": "developer", "content": "Be terse."}, '
                                 '{"role": "user", "content": "Extract the invoice number from: Invoice INV-0042, due 3 May."}], '
                                 '"response_format": {"type": "json_object"}}',
                 "response_body": {"choices": [{"message": {"role": "assistant", "content": '{"invoice": "INV-0042"}'}}]}}
BODIES_ELSEWHERE = {**OK, "request_id": "hc-6", "request_body": {}, "response_body": {},
                    "signed_body_url": "https://s3.example/body"}


def test_helicone_bodies_are_read_as_text(db, tmp_path):
    from mmaudit.enrich import enrichers

    db.ingest(write_jsonl(tmp_path / "helicone.jsonl", [ANTHROPIC_BODIES, OPENAI_BODIES, BODIES_ELSEWHERE]),
              enrichers=enrichers())
    rows = {r["call_id"]: r for r in db.calls()}
    claude = rows["hc-4"]
    assert (claude["system_prompt"], claude["user_prompt"], claude["response_text"]) == (
        "You write release notes.", "Write a two-line release note for v2.3: dark mode.", "v2.3 brings dark mode.")
    assert (claude["n_messages"], claude["n_tools"], claude["prompt_chars"]) == (1, 1, 24 + 1 + 50)
    assert claude["task"] == "writing"
    gpt = rows["hc-5"]
    assert (gpt["system_prompt"], gpt["user_prompt"], gpt["response_format"], gpt["n_tools"]) == (
        "Be terse.", "Extract the invoice number from: Invoice INV-0042, due 3 May.", "json_object", 0)
    assert gpt["response_text"] == '{"invoice": "INV-0042"}'
    assert gpt["task"] == "extraction"
    elsewhere = rows["hc-6"]
    assert (elsewhere["user_prompt"], elsewhere["n_messages"], elsewhere["prompt_hash"]) == (None, None, None)
    assert elsewhere["category_source"] == "default"
