"""Anthropic's legacy Text Completions API (`POST /v1/complete`): its answer (`type: "completion"`)
carries no usage at all, so a captured call is loaded with counts estimated from its prompt and
completion text (flagged), not quarantined."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

# tmc/langchaingo, llms/anthropic/internal/anthropicclient/testdata/TestClient_CreateCompletion.httprr
# (commit b47d9c440c7b8b682c6606c144ee83c9cb277edf), its one exchange, headers trimmed
COMPLETE = {
    "request": {"url": "https://api.anthropic.com/v1/complete", "method": "POST",
                "headers": {"Anthropic-Version": "2023-06-01", "Content-Type": "application/json"},
                "body": {"model": "claude-2.1", "prompt": "\n\nHuman: Hello, how are you?\n\nAssistant:",
                         "temperature": 0, "max_tokens_to_sample": 100}},
    "response": {"status": 200, "headers": {"Content-Type": "application/json", "Date": "Tue, 03 Jun 2025 08:46:54 GMT",
                                            "Request-Id": "req_011CPkzkNH278kxq3bPmrZ7A"},
                 "body": {"type": "completion", "id": "compl_01NE6nLNjr9E3uWW1Z3DZEbh",
                          "completion": " I'm doing well, thanks for asking!", "stop_reason": "stop_sequence",
                          "model": "claude-2.1", "stop": "\n\nHuman:", "log_id": "compl_01NE6nLNjr9E3uWW1Z3DZEbh"}},
}
# tmc/langchaingo, llms/anthropic/testdata/TestCallbacksHandler.httprr
# (commit e3d6fe016ba59abace98a27995b2969c621fad80), a Messages call recorded by the same client
MESSAGE = {
    "request": {"url": "https://api.anthropic.com/v1/messages", "method": "POST",
                "body": {"model": "claude-3-5-sonnet-20240620", "messages": [{"role": "user", "content": [{"type": "text", "text": "test"}]}],
                         "max_tokens": 2048, "temperature": 0}},
    "response": {"status": 200, "headers": {"Date": "Tue, 28 Oct 2025 01:28:46 GMT"},
                 "body": {"model": "claude-3-5-sonnet-20240620", "id": "msg_013c6Lg9yEVks4fKNineCdwR", "type": "message",
                          "role": "assistant", "content": [{"type": "text", "text": "This is a test response."}],
                          "stop_reason": "end_turn", "stop_sequence": None,
                          "usage": {"input_tokens": 8, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                                    "output_tokens": 34, "service_tier": "standard"}}},
}


def test_a_text_completions_answer_is_a_call_with_estimated_counts(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "complete.jsonl", [COMPLETE]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("anthropic-messages", 1, 0)
    (c,) = db.calls()
    assert (c["call_id"], c["provider"], c["model"], c["operation"], c["status"]) == (
        "compl_01NE6nLNjr9E3uWW1Z3DZEbh", "anthropic", "claude-2.1", "completion", "ok")
    assert (c["user_prompt"], c["response_text"]) == ("Hello, how are you?", " I'm doing well, thanks for asking!")
    assert c["tokens_estimated"] is True
    assert c["input_tokens"] > 0 and c["output_tokens"] > 0
    # Claude 2.1 at $8 / $24 per million tokens, on the estimated counts: priced, never $0
    assert c["cost_usd"] == (Decimal(c["input_tokens"]) * 8 + Decimal(c["output_tokens"]) * 24) / 1_000_000


def test_a_completion_beside_messages_calls_is_not_quarantined(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "mixed.jsonl", [MESSAGE, COMPLETE])).files
    assert (file.log_format, file.loaded, file.quarantined) == ("anthropic-messages", 2, 0)
    got = {r["call_id"]: r for r in db.calls()}
    assert (got["msg_013c6Lg9yEVks4fKNineCdwR"]["input_tokens"], got["msg_013c6Lg9yEVks4fKNineCdwR"]["tokens_estimated"]) == (8, False)
    assert got["compl_01NE6nLNjr9E3uWW1Z3DZEbh"]["tokens_estimated"] is True
