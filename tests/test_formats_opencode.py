"""OpenCode's session messages (one JSON document per message), read column by column.

The shape is OpenCode's message object as many independent usage readers parse it (their test
fixtures, in the code index: `{role, modelID, providerID, cost, time: {created, completed}, tokens:
{input, output, reasoning, cache: {read, write}}}`); the messages are written here. Before, such
files had no format ("cannot tell the log format")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers

SESSION = "ses_38f646bdbffe1"
USER = {"id": "msg_c709b987f001", "sessionID": SESSION, "role": "user", "time": {"created": 1771415771000}}
# Anthropic's split: input excludes the cache, output excludes the reasoning OpenCode charges at the output rate
ANSWER = {"id": "msg_c709b98820010", "sessionID": SESSION, "role": "assistant", "parentID": "msg_c709b987f001",
          "time": {"created": 1771415771266, "completed": 1771415779766}, "modelID": "claude-sonnet-4-5-20250929",
          "providerID": "anthropic", "mode": "build", "cost": 0.0466, "finish": "stop",
          "tokens": {"input": 1, "output": 102, "reasoning": 40, "cache": {"read": 500, "write": 11969}}}
PENDING = {**ANSWER, "id": "msg_c709b9900003", "time": {"created": 1771415780000},
           "tokens": {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}}, "cost": 0}
FAILED = {**PENDING, "id": "msg_c709b9900004", "error": {"name": "APIError", "data": {
    "message": "Overloaded", "statusCode": 529, "isRetryable": True}}}


def _session(tmp_path, messages):
    folder = tmp_path / "storage" / "message" / SESSION
    folder.mkdir(parents=True)
    for message in messages:
        (folder / f"{message['id']}.json").write_text(json.dumps(message, indent=2), encoding="utf-8")
    return folder


def test_each_assistant_message_is_a_call_with_the_cache_and_reasoning_added_back(db, tmp_path):
    result = db.ingest(_session(tmp_path, [USER, ANSWER, PENDING, FAILED]), enrichers=enrichers())
    assert sorted((f.log_format, f.loaded, f.skipped, f.quarantined) for f in result.files) == [
        ("opencode", 0, 1, 0), ("opencode", 0, 1, 0), ("opencode", 1, 0, 0), ("opencode", 1, 0, 0)]
    answer, failed = sorted(db.calls(), key=lambda r: r["call_id"])
    assert (answer["ts"], answer["provider"], answer["model"], answer["model_key"]) == (
        datetime(2026, 2, 18, 11, 56, 11, 266000, tzinfo=UTC), "anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5")
    assert (answer["input_tokens"], answer["cached_input_tokens"], answer["cache_write_tokens"]) == (12470, 500, 11969)
    assert (answer["output_tokens"], answer["reasoning_tokens"], answer["latency_ms"]) == (142, 40, 8500.0)
    # Sonnet 4.5: 1 x $3 + 500 x $0.30 + 11,969 x $3.75 + 142 x $15 per 1M
    assert (answer["cost_usd"], answer["logged_cost_usd"]) == (Decimal("0.04716675"), Decimal("0.0466"))
    assert answer["tags"] == {"app": "opencode", "session": SESSION, "opencode_provider": "anthropic",
                              "agent": "build", "finish_reason": "stop"}
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["input_tokens"]) == (
        "error", "server", 529, 0)


def test_an_exported_message_under_info_is_read_the_same(db, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"info": ANSWER, "parts": [{"type": "text", "text": "Done."}]}) + "\n", encoding="utf-8")
    (file,) = db.ingest(path, enrichers=enrichers()).files
    assert (file.log_format, file.loaded) == ("opencode", 1)
    (call,) = db.calls()
    assert (call["call_id"], call["input_tokens"], call["output_tokens"]) == ("msg_c709b98820010", 12470, 142)
