"""Claude Code sessions: repeated message lines count once; user turns are skipped, not bad."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

COMMON = {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/repo",
          "sessionId": "sess-1", "version": "1.0.83", "gitBranch": "main"}
USER = {**COMMON, "type": "user", "uuid": "u1", "timestamp": "2025-05-02T10:00:00.000Z",
        "message": {"role": "user", "content": "fix the failing test"}}
USAGE = {"input_tokens": 4, "cache_creation_input_tokens": 2000, "cache_read_input_tokens": 15000,
         "output_tokens": 350, "service_tier": "standard"}


def assistant(uuid, block, ts="2025-05-02T10:00:05.000Z", **extra):
    return {**COMMON, "type": "assistant", "uuid": uuid, "timestamp": ts, "requestId": "req_011",
            "message": {"id": "msg_01A", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
                        "content": [block], "stop_reason": None, "usage": USAGE}, **extra}


THINK = assistant("a1", {"type": "thinking", "thinking": "Let me look"})
TEXT = assistant("a2", {"type": "text", "text": "Looking at the test."})
TOOL = assistant("a3", {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}})
TOOL_RESULT = {**COMMON, "type": "user", "uuid": "u2", "timestamp": "2025-05-02T10:00:06Z",
               "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}]}}
SECOND = {**COMMON, "type": "assistant", "uuid": "a4", "timestamp": "2025-05-02T10:00:09Z", "requestId": "req_012",
          "isSidechain": True, "costUSD": 0.0123,
          "message": {"id": "msg_01B", "model": "claude-3-5-haiku-20241022", "content": [{"type": "text", "text": "Done."}],
                      "usage": {"input_tokens": 10, "output_tokens": 5}}}
API_ERROR = {**COMMON, "type": "assistant", "uuid": "a5", "timestamp": "2025-05-02T10:00:20Z", "isApiErrorMessage": True,
             "message": {"id": "4f1c", "model": "<synthetic>", "role": "assistant",
                         "content": [{"type": "text", "text": 'API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}'}],
                         "usage": {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                                   "cache_read_input_tokens": 0}}}
SUMMARY = {"type": "summary", "summary": "Fixing tests", "leafUuid": "a4"}

BASE = {"provider": "anthropic", "operation": "chat", "reasoning_tokens": 0, "latency_ms": None, "ttft_ms": None,
        "is_batch": False}


def test_claude_code_session_every_column(db, tmp_path):
    lines = [SUMMARY, USER, THINK, TEXT, TOOL, TOOL_RESULT, SECOND, API_ERROR]
    (file,) = db.ingest(write_jsonl(tmp_path / "sess-1.jsonl", lines)).files
    # 3 lines of msg_01A are one call (2 duplicates); summary + 2 user lines skipped, none quarantined
    assert (file.log_format, file.records, file.loaded, file.duplicates, file.skipped, file.quarantined) == (
        "claude-code", 8, 3, 2, 3, 0)
    tags = {"app": "claude-code", "session": "sess-1", "client_version": "1.0.83"}
    assert_calls(db.calls(), [
        # 4 uncached + 15000 cache reads + 2000 cache writes
        {**BASE, "call_id": "cc:msg_01A:req_011", "ts": datetime(2025, 5, 2, 10, 0, 5, tzinfo=UTC),
         "model": "claude-sonnet-4-20250514", "input_tokens": 17004, "cached_input_tokens": 15000,
         "cache_write_tokens": 2000, "output_tokens": 350, "status": "ok", "error_type": None, "http_status": 200,
         "logged_cost_usd": None, "tags": tags, "service_tier": "standard"},
        {**BASE, "call_id": "cc:msg_01B:req_012", "ts": datetime(2025, 5, 2, 10, 0, 9, tzinfo=UTC),
         "model": "claude-3-5-haiku-20241022", "input_tokens": 10, "cached_input_tokens": 0, "cache_write_tokens": 0,
         "output_tokens": 5, "status": "ok", "error_type": None, "http_status": 200, "logged_cost_usd": 0.0123,
         "tags": {**tags, "sidechain": "true"}, "response_text": "Done."},
        {**BASE, "call_id": "cc:4f1c:", "ts": datetime(2025, 5, 2, 10, 0, 20, tzinfo=UTC), "model": None,
         "input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0, "status": "error",
         "error_type": "server", "http_status": 529, "logged_cost_usd": None, "tags": tags},
    ])


def test_reingesting_a_grown_session_adds_only_new_calls(db, tmp_path):
    path = tmp_path / "sess.jsonl"
    db.ingest(write_jsonl(path, [USER, THINK, TEXT]))
    second = db.ingest(write_jsonl(path, [USER, THINK, TEXT, TOOL, SECOND])).files[0]
    assert (second.loaded, second.duplicates, second.skipped) == (1, 3, 1)


def test_claude_code_calls_are_filed_under_code_by_their_app_tag(db, tmp_path):
    """A session logs no prompt text, so nothing in the request can be read: the `app` tag files
    the calls under `code` with the mapping's stated confidence (before, the model read them as
    `other` at 0.93 from shape tokens alone)."""
    from mmaudit.enrich import enrichers

    db.ingest(write_jsonl(tmp_path / "sess-1.jsonl", [USER, TEXT, SECOND]), enrichers=enrichers())
    got = {(c["call_id"], c["task"], c["category_source"], c["category_confidence"]) for c in db.calls()}
    assert got == {("cc:msg_01A:req_011", "code", "tag", 0.8), ("cc:msg_01B:req_012", "code", "tag", 0.8)}


def test_headless_stream_json_reads_assistant_lines_and_skips_the_session_total(db, tmp_path):
    """`claude -p --output-format stream-json` (and the Agent SDK): `session_id`, no requestId; one
    message on several lines with a running output count; the closing `result` is the total."""
    sid = "7d0c5a3e-1b2f-4c1d-9e8f-0a1b2c3d4e5f"
    usage = {"input_tokens": 3, "cache_creation_input_tokens": 5000, "cache_read_input_tokens": 12000,
             "service_tier": "standard"}

    def assistant(mid: str, output: int, parent: str | None = None, model: str = "claude-sonnet-4-5-20250929") -> dict:
        return {"type": "assistant", "session_id": sid, "parent_tool_use_id": parent, "uuid": f"u-{mid}-{output}",
                "message": {"id": mid, "type": "message", "role": "assistant", "model": model,
                            "content": [{"type": "text", "text": "Done."}], "usage": {**usage, "output_tokens": output}}}
    lines = [
        {"type": "system", "subtype": "init", "session_id": sid, "model": "claude-sonnet-4-5-20250929", "uuid": "u0"},
        assistant("msg_01", 1), assistant("msg_01", 20),
        {"type": "user", "session_id": sid, "uuid": "u3", "parent_tool_use_id": None,
         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}},
        assistant("msg_02", 7, parent="toolu_9", model="claude-haiku-4-5-20251001"),
        {"type": "result", "subtype": "success", "session_id": sid, "is_error": False, "num_turns": 2,
         "total_cost_usd": 0.0301, "usage": {**usage, "output_tokens": 27},
         "modelUsage": {"claude-sonnet-4-5-20250929": {"inputTokens": 3, "outputTokens": 20, "costUSD": 0.0227}}},
    ]
    (file,) = db.ingest(write_jsonl(tmp_path / "headless.jsonl", lines)).files
    assert (file.log_format, file.records, file.loaded, file.duplicates, file.skipped) == ("claude-code", 6, 2, 1, 3)
    main, sub = db.calls()
    assert (main["call_id"], main["model"], main["input_tokens"], main["cached_input_tokens"], main["output_tokens"]) == (
        "cc:msg_01:", "claude-sonnet-4-5-20250929", 17003, 12000, 20)
    assert main["tags"] == {"app": "claude-code", "session": sid}
    assert (sub["model"], sub["output_tokens"], sub["tags"]["sidechain"]) == ("claude-haiku-4-5-20251001", 7, "true")


def test_the_local_no_response_requested_stand_in_is_no_call(db, tmp_path):
    # Claude Code writes it when a session resumes or a turn is interrupted, without a request;
    # an API error it writes the same way (model <synthetic>) is a failed call
    stand_in = {**COMMON, "type": "assistant", "uuid": "a6", "timestamp": "2025-05-02T10:01:00Z",
                "message": {"id": "x", "model": "<synthetic>", "role": "assistant", "stop_reason": "stop_sequence",
                            "content": [{"type": "text", "text": "No response requested."}]}}
    (file,) = db.ingest(write_jsonl(tmp_path / "s.jsonl", [stand_in, API_ERROR])).files
    assert (file.loaded, file.skipped) == (1, 1)
    assert db.con.execute("SELECT status, http_status FROM calls").fetchall() == [("error", 529)]
