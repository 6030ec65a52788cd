"""A captured exchange whose recorder keeps no time of its own (no `timestamp`, no `capturedAt`)
and whose answer names none (Anthropic Messages, Bedrock Converse) is dated by the answer's HTTP
`Date` header, as a captured InvokeModel answer already was: such calls had no time, so they
fell out of every period and were priced at the newest rates whatever day they ran."""

from __future__ import annotations

from datetime import datetime, timezone

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

# tmc/langchaingo, llms/anthropic/testdata/TestAnthropic_TTLCaching.httprr
# (commit 59b196e98a275f9a1efa112e1a13dd852e7973e4), its first exchange; the system prompt's
# repeated text and most headers trimmed
ANTHROPIC = {
    "request": {"url": "https://api.anthropic.com/v1/messages", "method": "POST",
                "headers": {"Anthropic-Beta": "prompt-caching-2024-07-31", "Anthropic-Version": "2023-06-01"},
                "body": {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": [{"type": "text", "text": "Say hello"}]}],
                         "system": [{"type": "text", "text": "Context text with additional content for caching.\n",
                                     "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                         "max_tokens": 100, "temperature": 0}},
    "response": {"status": 200, "headers": {"Content-Type": "application/json", "Date": "Mon, 26 Jan 2026 23:21:30 GMT",
                                            "Request-Id": "req_011CXWr9XBbxqWXDu19WYAWw"},
                 "body": {"model": "claude-haiku-4-5-20251001", "id": "msg_017v3f2UKRYuELMhNC8i8Nyz", "type": "message",
                          "role": "assistant", "content": [{"type": "text", "text": "Hello! 👋 How can I help you today?"}],
                          "stop_reason": "end_turn", "stop_sequence": None,
                          "usage": {"input_tokens": 7, "cache_creation_input_tokens": 6001, "cache_read_input_tokens": 0,
                                    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 6001},
                                    "output_tokens": 16, "service_tier": "standard"}}},
}
# tmc/langchaingo, llms/bedrock/testdata/TestCreateClientWithBearerTokenCredentials.httprr
# (commit 1c3dd0fca43fae0a5e3376a89d2b0aeae667992b), its one exchange (a recorder that keeps a
# header's values as a list, as VCR does, is read the same)
CONVERSE = {
    "request": {"url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse",
                "method": "POST", "headers": {"Content-Type": "application/json"},
                "body": {"inferenceConfig": {"maxTokens": 512}, "messages": [{"content": [{"text": "Hello, how are you?"}], "role": "user"}]}},
    "response": {"status": 200, "headers": {"content-type": ["application/json"], "date": ["Tue, 03 Mar 2026 21:46:55 GMT"],
                                            "x-amzn-requestid": ["f8c7b8ae-9387-4864-9245-d97c1c081613"]},
                 "body": {"metrics": {"latencyMs": 2193},
                          "output": {"message": {"content": [{"text": "Hello! I'm doing well, thank you for asking."}], "role": "assistant"}},
                          "stopReason": "end_turn",
                          "usage": {"cacheReadInputTokenCount": 0, "cacheReadInputTokens": 0, "cacheWriteInputTokenCount": 0,
                                    "cacheWriteInputTokens": 0, "inputTokens": 13, "outputTokens": 30, "serverToolUsage": {},
                                    "totalTokens": 43}}},
}


def test_a_capture_without_a_time_is_dated_by_its_answers_date_header(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "anthropic.jsonl", [ANTHROPIC]), enrichers=enrichers())
    db.ingest(write_jsonl(tmp_path / "converse.jsonl", [CONVERSE]), enrichers=enrichers())
    got = {r["model"]: r for r in db.calls()}
    claude, converse = got["claude-haiku-4-5-20251001"], got["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]
    assert claude["ts"] == datetime(2026, 1, 26, 23, 21, 30, tzinfo=timezone.utc)
    assert converse["ts"] == datetime(2026, 3, 3, 21, 46, 55, tzinfo=timezone.utc)
    # the counts are read as before
    assert (claude["input_tokens"], claude["cache_write_1h_tokens"], claude["output_tokens"]) == (6008, 6001, 16)
    assert (converse["input_tokens"], converse["output_tokens"]) == (13, 30)


def test_the_lines_own_time_still_wins_over_the_date_header(db, tmp_path):
    line = {**ANTHROPIC, "capturedAt": "2026-01-26T23:21:27.500Z"}
    db.ingest(write_jsonl(tmp_path / "anthropic.jsonl", [line]))
    (c,) = db.calls()
    assert c["ts"] == datetime(2026, 1, 26, 23, 21, 27, 500000, tzinfo=timezone.utc)
