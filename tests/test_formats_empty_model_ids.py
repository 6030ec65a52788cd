"""An answer that names its model as `""` is priced by the request's model, not left unknown.

Cohere's /generate and some OpenAI-compatible servers answer `"model": ""`. An empty id is no id:
the request names the model the caller asked for, which is what the call is billed as. Before,
the empty answer won the `coalesce` and the call was stored unknown and unpriced."""

from __future__ import annotations

import pytest

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

CHAT = {"role": "user", "content": "Say hi in one word."}
RECORDS = {
    "openai-chat": (
        {"request": {"model": "gpt-4o-mini", "messages": [CHAT]},
         "response": {"id": "chatcmpl-1", "object": "chat.completion", "model": "",
                      "choices": [{"message": {"role": "assistant", "content": "Hi"}}],
                      "usage": {"prompt_tokens": 1000, "completion_tokens": 500}}},
        "gpt-4o-mini"),
    "anthropic-messages": (
        {"request": {"model": "claude-3-5-haiku-20241022", "max_tokens": 10, "messages": [CHAT]},
         "response": {"id": "msg_1", "type": "message", "role": "assistant", "model": "",
                      "content": [{"type": "text", "text": "Hi"}],
                      "usage": {"input_tokens": 1000, "output_tokens": 500}}},
        "claude-3-5-haiku-20241022"),
    "openai-responses": (
        {"request": {"model": "gpt-4.1", "input": "Say hi in one word."},
         "response": {"id": "resp_1", "object": "response", "model": "", "status": "completed", "output": [],
                      "usage": {"input_tokens": 1000, "output_tokens": 500}}},
        "gpt-4.1"),
    "gemini": (
        {"request": {"model": "models/gemini-2.0-flash", "contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
         "response": {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}}],
                      "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 500},
                      "modelVersion": "", "responseId": "gem-1"}},
        "gemini-2.0-flash"),
    "helicone": (
        {"request_id": "hc-1", "request_created_at": "2025-05-02T10:00:00Z", "response_status": 200, "delay_ms": 900,
         "provider": "OPENAI", "model": "", "request_model": "gpt-4o-mini", "response_model": "",
         "prompt_tokens": 1000, "completion_tokens": 500},
        "gpt-4o-mini"),
}


@pytest.mark.parametrize("log_format", sorted(RECORDS))
def test_an_empty_model_in_the_answer_falls_back_to_the_requested_one(db, tmp_path, log_format):
    record, requested = RECORDS[log_format]
    result = db.ingest(write_jsonl(tmp_path / "calls.jsonl", [record]), enrichers=enrichers())
    assert result.files[0].log_format == log_format
    (row,) = db.calls()
    assert row["model"] == requested
    assert row["model_key"] is not None and row["cost_usd"] > 0  # priced, not reported unknown


def test_an_empty_model_everywhere_is_still_no_model(db, tmp_path):
    """With nothing else to go by, the call stays unknown (NULL), never a model named ''."""
    record, _ = RECORDS["openai-chat"]
    bare = {**record, "request": {"model": "", "messages": [CHAT]}}
    db.ingest(write_jsonl(tmp_path / "calls.jsonl", [bare]), enrichers=enrichers())
    (row,) = db.calls()
    assert (row["model"], row["model_key"], row["cost_usd"]) == (None, None, None)
