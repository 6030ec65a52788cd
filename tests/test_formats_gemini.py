"""Gemini / Vertex responses: thoughts are outside candidates; google.rpc errors are gemini's."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import ANY, assert_calls

THINKING = {
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "I should compare...", "thought": True}, {"text": "Plan B is cheaper."}]},
        "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 5000, "cachedContentTokenCount": 4096, "candidatesTokenCount": 80,
                      "thoughtsTokenCount": 1200, "totalTokenCount": 6280},
    "modelVersion": "gemini-2.5-pro", "responseId": "gem-1", "createTime": "2025-05-02T10:00:00.250Z",
}
PAIR = {"timestamp": "2025-05-02T10:05:00Z", "latency_ms": 950,
        "request": {"model": "models/gemini-2.0-flash",
                    "systemInstruction": {"parts": [{"text": "Classify."}]},
                    "contents": [{"role": "user", "parts": [{"text": "Refund my order"}]}]},
        "response": {"candidates": [{"content": {"role": "model", "parts": [{"text": "billing"}]}}],
                     "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1, "totalTokenCount": 13},
                     "modelVersion": "gemini-2.0-flash-001", "responseId": "gem-2"}}
QUOTA = {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}
UNAVAILABLE = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}

BASE = {"provider": "google", "operation": "chat", "cache_write_tokens": 0, "ttft_ms": None, "is_batch": False,
        "logged_cost_usd": None, "tags": None}
ERR = {**BASE, "ts": None, "model": None, "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
       "reasoning_tokens": 0, "latency_ms": None, "status": "error"}


def test_gemini_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "gemini.jsonl", [THINKING, PAIR, QUOTA, UNAVAILABLE]))
    assert result.files[0].log_format == "gemini" and result.files[0].quarantined == 0
    rows = db.calls()
    assert_calls(rows, [
        # promptTokenCount already includes the cached 4096; output = 80 candidates + 1200 thoughts
        {**BASE, "call_id": "gem-1", "ts": datetime(2025, 5, 2, 10, 0, 0, 250000, tzinfo=UTC),
         "model": "gemini-2.5-pro", "input_tokens": 5000, "cached_input_tokens": 4096, "output_tokens": 1280,
         "reasoning_tokens": 1200, "latency_ms": None, "status": "ok", "error_type": None, "http_status": 200,
         "response_text": "Plan B is cheaper."},
        {**BASE, "call_id": "gem-2", "ts": datetime(2025, 5, 2, 10, 5, tzinfo=UTC),
         "model": "gemini-2.0-flash-001", "input_tokens": 12, "cached_input_tokens": 0, "output_tokens": 1,
         "reasoning_tokens": 0, "latency_ms": 950.0, "status": "ok", "error_type": None, "http_status": 200,
         "system_prompt": "Classify.", "user_prompt": "Refund my order", "response_text": "billing",
         "prompt_hash": ANY, "prompt_chars": len("Classify.\nRefund my order"), "n_messages": 1, "n_tools": 0},
        {**ERR, "call_id": rows[2]["call_id"], "error_type": "rate_limit", "http_status": 429},
        {**ERR, "call_id": rows[3]["call_id"], "error_type": "server", "http_status": 503},
    ])


def test_google_rpc_errors_alone_are_gemini_and_openai_errors_stay_openai(db, tmp_path):
    gem = db.ingest(write_jsonl(tmp_path / "gem_errors.jsonl", [QUOTA, QUOTA])).files[0]
    oai = db.ingest(write_jsonl(tmp_path / "oai_errors.jsonl", [
        {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}])).files[0]
    assert (gem.log_format, gem.loaded, oai.log_format) == ("gemini", 2, "openai-chat")
