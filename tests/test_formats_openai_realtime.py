"""OpenAI Realtime server events: one call per response.done, its model from the session events,
its audio billed apart from its text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl
from tests.test_formats_helpers import ANY, assert_calls

ANY_TS = ANY

SESSION = {"type": "session.created", "event_id": "event_S1",
           "session": {"object": "realtime.session", "id": "sess_1", "model": "gpt-realtime",
                       "output_modalities": ["audio"]}}
TURN = [  # the events of one spoken turn, as a voice agent receives them
    {"type": "input_audio_buffer.speech_started", "event_id": "event_A1", "audio_start_ms": 1200, "item_id": "item_1"},
    {"type": "input_audio_buffer.committed", "event_id": "event_A2", "item_id": "item_1"},
    {"type": "conversation.item.created", "event_id": "event_A3", "item": {"id": "item_1", "type": "message"}},
    {"type": "response.created", "event_id": "event_A4", "response": {"id": "resp_1", "status": "in_progress"}},
    {"type": "response.output_audio.delta", "event_id": "event_A5", "response_id": "resp_1", "delta": "UklG"},
]
# GA shape: cached 64 tokens, all of them audio; output 147 audio + 41 text
DONE_GA = {"type": "response.done", "event_id": "event_A6", "response": {
    "object": "realtime.response", "id": "resp_1", "status": "completed", "status_details": None,
    "output": [{"id": "item_2", "type": "message", "status": "completed", "role": "assistant",
                "content": [{"type": "output_audio", "transcript": "Claro, dime qué tienes en mente."}]}],
    "usage": {"total_tokens": 320, "input_tokens": 132, "output_tokens": 188,
              "input_token_details": {"text_tokens": 59, "audio_tokens": 73, "image_tokens": 0, "cached_tokens": 64,
                                      "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 64, "image_tokens": 0}},
              "output_token_details": {"text_tokens": 41, "audio_tokens": 147}}}}
# the user spoke over the answer: cancelled, billed for what it produced
CANCELLED = {"type": "response.done", "event_id": "event_B6", "response": {
    "object": "realtime.response", "id": "resp_2", "status": "cancelled",
    "status_details": {"type": "cancelled", "reason": "turn_detected"}, "output": [],
    "usage": {"total_tokens": 250, "input_tokens": 220, "output_tokens": 30,
              "input_token_details": {"text_tokens": 150, "audio_tokens": 70, "cached_tokens": 128,
                                      "cached_tokens_details": {"text_tokens": 128, "audio_tokens": 0}},
              "output_token_details": {"text_tokens": 6, "audio_tokens": 24}}}}
# the 2024-10 preview shape: no cached_tokens_details
PREVIEW_SESSION = {"type": "session.created", "event_id": "event_P0",
                   "session": {"id": "sess_2", "object": "realtime.session", "model": "gpt-4o-realtime-preview-2024-10-01"}}
DONE_PREVIEW = {"type": "response.done", "event_id": "event_P1", "timestamp": "2024-11-20T09:00:00Z", "response": {
    "object": "realtime.response", "id": "resp_P", "status": "completed", "status_details": None,
    "output": [{"type": "message", "role": "assistant", "content": [{"type": "audio", "transcript": "从前..."}]}],
    "usage": {"total_tokens": 1606, "input_tokens": 26, "output_tokens": 1580,
              "input_token_details": {"cached_tokens": 0, "text_tokens": 8, "audio_tokens": 18},
              "output_token_details": {"text_tokens": 316, "audio_tokens": 1264}}}}
FAILED = {"type": "response.done", "event_id": "event_F1", "response": {
    "object": "realtime.response", "id": "resp_F", "status": "failed",
    "status_details": {"type": "failed", "error": {"type": "server_error", "code": None}}, "output": [],
    "usage": {"total_tokens": 0, "input_tokens": 0, "output_tokens": 0}}}

BASE = {"provider": "openai", "operation": "chat", "cache_write_tokens": 0, "reasoning_tokens": 0, "ttft_ms": None,
        "is_batch": False, "logged_cost_usd": None, "latency_ms": None, "http_status": 200, "error_type": None,
        "status": "ok", "tags": None}


def test_one_call_per_response_done_with_the_sessions_model(db, tmp_path):
    lines = [SESSION, *TURN, DONE_GA, {**TURN[0], "event_id": "event_B1"}, CANCELLED, FAILED,
             PREVIEW_SESSION, DONE_PREVIEW]
    result = db.ingest(write_jsonl(tmp_path / "voice.jsonl", lines), enrichers=enrichers())  # priced
    f = result.files[0]
    assert (f.log_format, f.loaded, f.quarantined, f.skipped) == ("openai-realtime", 4, 0, 8)
    rows = db.calls()
    assert_calls(rows, [
        {**BASE, "call_id": "resp_1", "ts": None, "model": "gpt-realtime", "input_tokens": 132,
         "cached_input_tokens": 64, "output_tokens": 188, "input_audio_tokens": 73, "cached_audio_tokens": 64,
         "output_audio_tokens": 147, "response_text": "Claro, dime qué tienes en mente."},
        {**BASE, "call_id": "resp_2", "ts": None, "model": "gpt-realtime", "input_tokens": 220,
         "cached_input_tokens": 128, "output_tokens": 30, "input_audio_tokens": 70, "output_audio_tokens": 24,
         "tags": {"stop_reason": "turn_detected"}},
        {**BASE, "call_id": "resp_F", "ts": None, "model": "gpt-realtime", "input_tokens": 0, "output_tokens": 0,
         "cached_input_tokens": 0, "status": "error", "error_type": "server", "http_status": None},
        {**BASE, "call_id": "resp_P", "ts": ANY_TS, "model": "gpt-4o-realtime-preview-2024-10-01", "input_tokens": 26,
         "cached_input_tokens": 0, "output_tokens": 1580, "input_audio_tokens": 18, "output_audio_tokens": 1264,
         "response_text": "从前..."},
    ])
    cost = {r["call_id"]: r["cost_usd"] for r in rows}
    # gpt-realtime: text $4 in / $16 out, cache reads $0.40 (audio too), audio $32 in / $64 out
    assert cost["resp_1"] == (59 * Decimal("4") + 64 * Decimal("0.4") + 9 * Decimal("32") + 41 * Decimal("16")
                              + 147 * Decimal("64")) / 10**6
    assert cost["resp_2"] == (22 * Decimal("4") + 128 * Decimal("0.4") + 70 * Decimal("32") + 6 * Decimal("16")
                              + 24 * Decimal("64")) / 10**6
    # the 2024-10-01 snapshot (curated: $100 / $200 per 1M audio, text $5 / $20)
    assert cost["resp_P"] == (8 * Decimal("5") + 18 * Decimal("100") + 316 * Decimal("20")
                              + 1264 * Decimal("200")) / 10**6


def test_a_response_without_a_session_is_unpriced_and_responses_streams_stay_responses(db, tmp_path):
    alone = db.ingest(write_jsonl(tmp_path / "alone.jsonl", [DONE_GA]), enrichers=enrichers()).files[0]
    assert (alone.log_format, alone.loaded) == ("openai-realtime", 1)
    (row,) = db.calls()
    assert row["model"] is None and row["cost_usd"] is None  # never priced as some default model
    stream = [{"type": "response.created", "sequence_number": 0, "response": {"id": "resp_r", "object": "response",
                                                                              "status": "in_progress", "model": "gpt-4o"}},
              {"type": "response.completed", "sequence_number": 1, "response": {
                  "id": "resp_r", "object": "response", "status": "completed", "model": "gpt-4o", "created_at": 1762077600,
                  "output": [], "usage": {"input_tokens": 10, "output_tokens": 2}}}]
    assert db.ingest(write_jsonl(tmp_path / "resp.jsonl", stream)).files[0].log_format == "openai-responses"


@pytest.mark.parametrize("chunk_lines", [1, 2, 3])
def test_a_session_event_in_an_earlier_chunk_still_names_the_model(tmp_path, monkeypatch, chunk_lines):
    from mmaudit.ingest import IngestOptions, ingest_paths, reading
    from tests.conftest import Loaded

    log = write_jsonl(tmp_path / "voice.jsonl", [SESSION, *TURN, DONE_GA, CANCELLED])
    monkeypatch.setattr(reading, "CHUNK_LINES", chunk_lines)
    monkeypatch.setattr(reading, "_BATCH_ROWS", 1)
    loaded = Loaded(tmp_path / "chunks.duckdb")
    try:
        (file,) = ingest_paths(loaded.con, [str(log)], IngestOptions()).files
        models = loaded.con.execute("SELECT call_id, model FROM calls ORDER BY source_line").fetchall()
    finally:
        loaded.con.close()
    assert (file.loaded, file.skipped) == (2, 6)
    assert models == [("resp_1", "gpt-realtime"), ("resp_2", "gpt-realtime")]


def test_transcribing_the_users_turns_is_a_call_at_the_transcription_models_rates(db, tmp_path):
    # the API reference's input_audio_transcription.completed event, in a GA session that turned
    # transcription on (gpt-4o-transcribe: $6 per 1M audio tokens in, $10 text out); whisper-1 bills
    # by duration (usage without tokens): not counted
    session = {**SESSION, "type": "session.updated", "session": {
        **SESSION["session"], "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}}}
    transcribed = {"type": "conversation.item.input_audio_transcription.completed", "event_id": "event_CCXGRvtUVrax5SJAnNOWZ",
                   "item_id": "item_001", "content_index": 0, "transcript": "Hey, can you hear me?",
                   "usage": {"type": "tokens", "total_tokens": 22, "input_tokens": 13,
                             "input_token_details": {"text_tokens": 0, "audio_tokens": 13}, "output_tokens": 9}}
    by_duration = {**transcribed, "event_id": "event_W1", "usage": {"type": "duration", "seconds": 3}}
    result = db.ingest(write_jsonl(tmp_path / "voice.jsonl", [session, transcribed, *TURN, DONE_GA, by_duration]),
                       enrichers=enrichers())
    assert (result.files[0].loaded, result.files[0].quarantined) == (2, 0)
    got = {r["call_id"]: r for r in db.calls()}
    heard = got["transcription:event_CCXGRvtUVrax5SJAnNOWZ"]
    assert (heard["model"], heard["operation"], heard["input_audio_tokens"], heard["output_tokens"]) == (
        "gpt-4o-transcribe", "transcription", 13, 9)
    assert heard["cost_usd"] == (13 * Decimal("6") + 9 * Decimal("10")) / 10**6
    assert got["resp_1"]["model"] == "gpt-realtime"
