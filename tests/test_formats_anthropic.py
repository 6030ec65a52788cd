"""Anthropic Messages records: the cache is outside `input_tokens` and must be added back."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.conftest import write_jsonl

PAIR = {
    "timestamp": 1746180000123,  # epoch milliseconds
    "latency_ms": 3400,
    "ttft_ms": 410,
    "request": {
        "model": "claude-3-5-sonnet-latest",
        "system": [{"type": "text", "text": "You summarise contracts."}],
        "messages": [{"role": "user", "content": "Summarise clause 4"}],
        "metadata": {"user_id": "u-17"},
    },
    "response": {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-5-sonnet-20241022",
        "content": [{"type": "text", "text": "Clause 4 limits liability."}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 50, "output_tokens": 120,
                  "cache_read_input_tokens": 4000, "cache_creation_input_tokens": 1000},
    },
}
BARE = {"id": "msg_02", "type": "message", "model": "claude-3-5-haiku-20241022", "content": [],
        "usage": {"input_tokens": 10, "output_tokens": 2}}
ERROR = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_9"}
RATE = {"type": "error", "error": {"type": "rate_limit_error", "message": "Too many"}}


def test_cache_reads_and_writes_are_added_to_input(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "claude.jsonl", [PAIR, BARE]))
    pair, bare = db.calls()
    assert pair["call_id"] == "msg_01"
    assert pair["ts"] == datetime(2025, 5, 2, 10, 0, 0, 123000, tzinfo=timezone.utc)
    assert (pair["provider"], pair["model"]) == ("anthropic", "claude-3-5-sonnet-20241022")
    # canonical input = 50 uncached + 4000 cache reads + 1000 cache writes
    assert (pair["input_tokens"], pair["cached_input_tokens"], pair["cache_write_tokens"]) == (5050, 4000, 1000)
    assert (pair["output_tokens"], pair["reasoning_tokens"]) == (120, 0)
    assert (pair["latency_ms"], pair["ttft_ms"]) == (3400.0, 410.0)
    assert pair["system_prompt"] == "You summarise contracts."
    assert pair["user_prompt"] == "Summarise clause 4"
    assert pair["response_text"] == "Clause 4 limits liability."
    assert pair["tags"] == {"user_id": "u-17"}
    assert pair["status"] == "ok" and pair["http_status"] == 200
    assert (bare["input_tokens"], bare["cached_input_tokens"], bare["output_tokens"]) == (10, 0, 2)


def test_cache_writes_given_only_by_their_ttl_breakdown_count_as_writes_and_input(db, tmp_path):
    """`cache_creation_input_tokens: null` beside `cache_creation.ephemeral_1h_input_tokens: 418`: the
    418 were 1-hour writes but no writes and no input, and the cost left them out."""
    usage = {"input_tokens": 50, "output_tokens": 10, "cache_creation_input_tokens": None,
             "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 418}}
    split = {**BARE, "id": "msg_split", "usage": usage}
    whole = {**BARE, "id": "msg_whole", "usage": {**usage, "cache_creation_input_tokens": 518}}
    db.ingest(write_jsonl(tmp_path / "split.jsonl", [split, whole]))
    got = {c["call_id"]: (c["input_tokens"], c["cache_write_tokens"], c["cache_write_1h_tokens"]) for c in db.calls()}
    assert got == {"msg_split": (568, 518, 418), "msg_whole": (568, 518, 418)}


def test_error_bodies(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "claude_errors.jsonl", [ERROR, RATE]))
    overloaded, rate = db.calls()
    assert overloaded["call_id"] == "req_9"
    assert (overloaded["status"], overloaded["error_type"], overloaded["http_status"]) == ("error", "server", 529)
    assert (rate["error_type"], rate["http_status"], rate["input_tokens"]) == ("rate_limit", 429, 0)
    assert overloaded["provider"] == "anthropic" and overloaded["model"] is None


def test_a_message_id_says_when_vertex_ai_or_bedrock_served_the_call(db, tmp_path):
    # Claude on Vertex AI answers with `msg_vrtx_...` ids (a pydantic-ai cassette), Bedrock's
    # InvokeModel with `msg_bdrk_...`: Google or AWS billed those calls, not Anthropic
    def message(mid: str) -> dict:
        return {"id": mid, "type": "message", "role": "assistant", "model": "claude-opus-4-6",
                "content": [{"type": "text", "text": "Hi"}], "stop_reason": "end_turn",
                "usage": {"input_tokens": 9, "output_tokens": 24}}

    stream = [{"type": "message_start", "message": {**message("msg_vrtx_017KKNPUtd6P"), "content": [],
                                                     "usage": {"input_tokens": 16, "output_tokens": 1}}},
              {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}}]
    db.ingest(write_jsonl(tmp_path / "bodies.jsonl", [message("msg_vrtx_01JixAPaKzY8"), message("msg_bdrk_011Cfs3SZuen"),
                                                      message("msg_01XFDUDYJgAACzvnptvVoYEL")]))
    db.ingest(write_jsonl(tmp_path / "stream.jsonl", stream))
    got = dict(db.con.execute("SELECT call_id, provider FROM calls").fetchall())
    assert got == {"msg_vrtx_01JixAPaKzY8": "vertex", "msg_bdrk_011Cfs3SZuen": "aws-bedrock",
                   "msg_01XFDUDYJgAACzvnptvVoYEL": "anthropic", "msg_vrtx_017KKNPUtd6P": "vertex"}
