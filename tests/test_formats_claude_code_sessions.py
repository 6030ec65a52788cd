"""Claude Code sessions as Claude Code really writes them: a streamed message on several lines with a
RUNNING output count (the call is its final usage), API-error lines with `apiErrorStatus` (429s
are rate limits), queue-operation lines (skipped), ccusage-style lines without `uuid`, and the
1-hour cache-write breakdown.

Lines written from the documented transcript fields (ccusage's `types.rs`; Claude Code's
`isApiErrorMessage` / `apiErrorStatus` / `error` on API-error lines) and Anthropic's usage shape.
"""

from __future__ import annotations

import pytest

from tests.conftest import rows, write_jsonl

COMMON = {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/repo", "sessionId": "s-1",
          "version": "2.0.76", "gitBranch": "main"}
CACHE = {"cache_creation_input_tokens": 5000, "cache_read_input_tokens": 20000,
         "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 4000}}


def block(uuid: str, kind: str, output_tokens: int, ts: str) -> dict:
    """One content block of message msg_01 (request req_01), with the running output count."""
    return {**COMMON, "type": "assistant", "uuid": uuid, "timestamp": ts, "requestId": "req_01",
            "message": {"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-opus-4-5-20251101",
                        "content": [{"type": kind}], "stop_reason": None,
                        "usage": {"input_tokens": 3, "output_tokens": output_tokens, **CACHE,
                                  "service_tier": "standard"}}}


STREAMED = [block("a1", "thinking", 9, "2025-12-01T10:00:01Z"), block("a2", "text", 9, "2025-12-01T10:00:02Z"),
            block("a3", "tool_use", 412, "2025-12-01T10:00:09Z")]
QUEUE = {"type": "queue-operation", "operation": "enqueue", "timestamp": "2025-12-01T10:00:00Z", "sessionId": "s-1",
         "content": "also run the linter"}
RATE_LIMITED = {**COMMON, "type": "assistant", "uuid": "a4", "timestamp": "2025-12-01T10:01:00Z",
                "isApiErrorMessage": True, "apiErrorStatus": 429, "error": "rate_limit",
                "message": {"id": "e-1", "model": "<synthetic>", "role": "assistant",
                            "content": [{"type": "text", "text": "API Error: Rate limit reached"}],
                            "usage": {"input_tokens": 0, "output_tokens": 0}}}
OVERLOADED = {**RATE_LIMITED, "uuid": "a5", "apiErrorStatus": 529, "error": "unknown",
              "message": {**RATE_LIMITED["message"], "id": "e-2"}}
CCUSAGE = {"timestamp": "2025-12-01T11:00:00.000Z", "sessionId": "s-2", "requestId": "req-9", "costUSD": 0.12,
           "version": "1.0.0", "message": {"id": "msg-9", "model": "claude-sonnet-4-20250514",
                                            "usage": {"input_tokens": 100, "output_tokens": 50,
                                                      "cache_creation_input_tokens": 25, "cache_read_input_tokens": 10}}}
STORED = """SELECT call_id, model, input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
    output_tokens, service_tier, status, error_type, http_status, logged_cost_usd FROM calls ORDER BY source_line"""


@pytest.mark.parametrize("forced", [None, "claude-code"])
def test_session_lines_as_claude_code_writes_them(db, tmp_path, forced):
    lines = [QUEUE, *STREAMED, RATE_LIMITED, OVERLOADED, CCUSAGE]
    (file,) = db.ingest(write_jsonl(tmp_path / "s-1.jsonl", lines), log_format=forced).files
    assert (file.log_format, file.records, file.loaded, file.duplicates, file.skipped, file.quarantined,
            file.conflicting_ids) == ("claude-code", 7, 4, 2, 1, 0, 0)
    got = rows(db.con, STORED)
    assert [(r["call_id"], r["status"], r["error_type"], r["http_status"]) for r in got] == [
        ("cc:msg_01:req_01", "ok", None, 200), ("cc:e-1:", "error", "rate_limit", 429),
        ("cc:e-2:", "error", "server", 529), ("cc:msg-9:req-9", "ok", None, 200)]
    # the message's final usage: 412 output tokens, not the first line's 9
    assert got[0] | {} == {
        "call_id": "cc:msg_01:req_01", "model": "claude-opus-4-5-20251101", "input_tokens": 3 + 20000 + 5000,
        "cached_input_tokens": 20000, "cache_write_tokens": 5000, "cache_write_1h_tokens": 4000,
        "output_tokens": 412, "service_tier": "standard", "status": "ok", "error_type": None, "http_status": 200,
        "logged_cost_usd": None}
    assert (got[3]["input_tokens"], got[3]["output_tokens"], float(got[3]["logged_cost_usd"])) == (135, 50, 0.12)


def test_a_session_that_grew_upgrades_its_last_message(db, tmp_path):
    path = tmp_path / "s-1.jsonl"
    first = db.ingest(write_jsonl(path, [QUEUE, *STREAMED[:2]])).files[0]
    assert (first.loaded, first.upgraded) == (1, 0)
    grown = db.ingest(write_jsonl(path, [QUEUE, *STREAMED, RATE_LIMITED])).files[0]
    # duplicates: every record of a call already stored, the one that upgraded it included
    assert (grown.loaded, grown.upgraded, grown.duplicates, grown.conflicting_ids) == (1, 1, 3, 0)
    assert rows(db.con, "SELECT output_tokens FROM calls WHERE call_id = 'cc:msg_01:req_01'") == [{"output_tokens": 412}]
