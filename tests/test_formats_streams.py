"""Streamed responses logged event by event are one call per stream, with the stream's final usage.

Records written from the providers' documented streaming shapes: OpenAI Chat Completions chunks
(`chat.completion.chunk`; with `stream_options.include_usage` the last chunk has `usage` and empty
`choices`), Anthropic Messages SSE events (`message_start` ... `message_delta` with the final
`usage.output_tokens` ... `message_stop`), OpenAI Responses events (`response.created` ...
`response.completed`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import rows, write_jsonl

TOTALS = """SELECT call_id, model, input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
    output_tokens, reasoning_tokens, service_tier, status, tokens_estimated FROM calls ORDER BY call_id"""


def oai_chunk(sid: str, delta: dict | None = None, finish: str | None = None, usage: dict | None = None) -> dict:
    return {"id": sid, "object": "chat.completion.chunk", "created": 1746093600, "model": "gpt-4o-mini-2024-07-18",
            "system_fingerprint": "fp_44709d6fcb", "service_tier": "default",
            "choices": [] if usage else [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish}],
            "usage": usage}


def oai_stream(sid: str, prompt: int, completion: int, cached: int = 0, reasoning: int = 0) -> list[dict]:
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
             "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0}}
    return [oai_chunk(sid, {"role": "assistant", "content": ""}), oai_chunk(sid, {"content": "Hello"}),
            oai_chunk(sid, {"content": " there"}), oai_chunk(sid, finish="stop"), oai_chunk(sid, usage=usage)]


def anthropic_stream(mid: str, usage_start: dict, usage_delta: dict) -> list[dict]:
    return [
        {"type": "message_start", "message": {"id": mid, "type": "message", "role": "assistant", "content": [],
                                              "model": "claude-sonnet-4-5-20250929", "stop_reason": None,
                                              "stop_sequence": None, "usage": usage_start}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": usage_delta},
        {"type": "message_stop"},
    ]


def test_openai_chunks_are_one_call_per_stream_with_the_final_usage(db, tmp_path):
    lines = [*oai_stream("chatcmpl-A", 1200, 40, cached=1024), *oai_stream("chatcmpl-B", 30, 300, reasoning=256)]
    lines.insert(3, lines.pop(7))  # the two streams' chunks interleave: the id tells them apart
    (file,) = db.ingest(write_jsonl(tmp_path / "chunks.jsonl", lines)).files
    assert (file.log_format, file.loaded, file.duplicates, file.quarantined, file.conflicting_ids) == (
        "openai-chat", 2, 8, 0, 0)
    assert rows(db.con, TOTALS) == [
        {"call_id": "chatcmpl-A", "model": "gpt-4o-mini-2024-07-18", "input_tokens": 1200, "cached_input_tokens": 1024,
         "cache_write_tokens": 0, "cache_write_1h_tokens": 0, "output_tokens": 40, "reasoning_tokens": 0,
         "service_tier": "default", "status": "ok", "tokens_estimated": False},
        {"call_id": "chatcmpl-B", "model": "gpt-4o-mini-2024-07-18", "input_tokens": 30, "cached_input_tokens": 0,
         "cache_write_tokens": 0, "cache_write_1h_tokens": 0, "output_tokens": 300, "reasoning_tokens": 256,
         "service_tier": "default", "status": "ok", "tokens_estimated": False},
    ]


def test_a_perplexity_stream_keeps_its_done_event(db, tmp_path):
    # Perplexity's chunks carry the running usage (its cost still 0 before the request fee) and
    # the stream ends with `chat.completion.done`, whose usage and cost are the call's; a stream
    # logged by its done event alone is a call too. (Shapes of the AI SDK's recorded fixtures.)
    def event(cid: str, obj: str, out: int, cost: dict | None = None) -> dict:
        usage = {"prompt_tokens": 6, "completion_tokens": out, "total_tokens": 6 + out, "search_context_size": "low"}
        return {"id": cid, "model": "sonar", "created": 1752000000, "object": obj,
                "usage": {**usage, **({"cost": cost} if cost else {})},
                "choices": [{"index": 0, "finish_reason": "stop" if obj.endswith("done") else None,
                             "delta": {"role": "assistant", "content": "Hi"}}]}
    lines = [event("pplx-1", "chat.completion.chunk", 1, {"input_tokens_cost": 0, "output_tokens_cost": 0, "total_cost": 0}),
             event("pplx-1", "chat.completion.done", 1, {"input_tokens_cost": 1e-05, "output_tokens_cost": 0,
                                                         "request_cost": 0.005, "total_cost": 0.00501}),
             event("pplx-2", "chat.completion.chunk", 1), event("pplx-2", "chat.completion.chunk", 40),
             event("pplx-3", "chat.completion.done", 336)]
    (file,) = db.ingest(write_jsonl(tmp_path / "sonar.jsonl", lines)).files
    assert (file.log_format, file.loaded, file.duplicates) == ("openai-chat", 3, 2)
    assert [(c["call_id"], c["output_tokens"], c["logged_cost_usd"]) for c in
            rows(db.con, "SELECT call_id, output_tokens, logged_cost_usd FROM calls ORDER BY call_id")] == [
        ("pplx-1", 1, Decimal("0.00501")), ("pplx-2", 40, None), ("pplx-3", 336, None)]


def test_a_stream_logged_without_usage_is_one_call_with_unknown_counts(db, tmp_path):
    lines = oai_stream("chatcmpl-C", 1, 1)[:-1]  # no include_usage: no chunk has usage
    (file,) = db.ingest(write_jsonl(tmp_path / "nousage.jsonl", lines)).files
    assert (file.loaded, file.duplicates, file.estimated) == (1, 3, 0)
    (call,) = rows(db.con, TOTALS)
    assert (call["input_tokens"], call["output_tokens"], call["tokens_estimated"]) == (None, None, False)


@pytest.mark.parametrize("forced", [None, "anthropic-stream"])
def test_anthropic_sse_events_are_one_call_per_stream(db, tmp_path, forced):
    first = anthropic_stream("msg_01A", {"input_tokens": 25, "output_tokens": 1, "service_tier": "standard"},
                             {"output_tokens": 15})
    # newer API versions repeat the (cumulative) input-side counts on message_delta
    cache = {"cache_creation_input_tokens": 3000, "cache_read_input_tokens": 9000,
             "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000}}
    second = anthropic_stream("msg_01B", {"input_tokens": 12, "output_tokens": 1, **cache, "service_tier": "priority"},
                              {"input_tokens": 12, "output_tokens": 420, **cache})
    (file,) = db.ingest(write_jsonl(tmp_path / "sse.jsonl", first + second), log_format=forced).files
    # 16 events: 2 message_start + 2 message_delta records (2 calls, 2 duplicates); 12 others skipped
    assert (file.log_format, file.records, file.loaded, file.duplicates, file.skipped, file.quarantined,
            file.conflicting_ids) == ("anthropic-stream", 16, 2, 2, 12, 0, 0)
    assert rows(db.con, TOTALS) == [
        {"call_id": "msg_01A", "model": "claude-sonnet-4-5-20250929", "input_tokens": 25, "cached_input_tokens": 0,
         "cache_write_tokens": 0, "cache_write_1h_tokens": 0, "output_tokens": 15, "reasoning_tokens": 0,
         "service_tier": "standard", "status": "ok", "tokens_estimated": False},
        {"call_id": "msg_01B", "model": "claude-sonnet-4-5-20250929", "input_tokens": 12 + 9000 + 3000,
         "cached_input_tokens": 9000, "cache_write_tokens": 3000, "cache_write_1h_tokens": 2000, "output_tokens": 420,
         "reasoning_tokens": 0, "service_tier": "priority", "status": "ok", "tokens_estimated": False},
    ]


def test_openai_responses_stream_events_keep_the_completed_response(db, tmp_path):
    response = {"id": "resp_1", "object": "response", "created_at": 1746093600, "model": "gpt-5-2025-08-07",
                "status": "in_progress", "service_tier": "auto", "output": [], "usage": None}
    done = {**response, "status": "completed", "service_tier": "default",
            "usage": {"input_tokens": 500, "input_tokens_details": {"cached_tokens": 384}, "output_tokens": 90,
                      "output_tokens_details": {"reasoning_tokens": 64}, "total_tokens": 590}}
    lines = [{"type": "response.created", "sequence_number": 0, "response": response},
             {"type": "response.in_progress", "sequence_number": 1, "response": response},
             {"type": "response.output_text.delta", "sequence_number": 2, "item_id": "msg_1", "delta": "Hi"},
             {"type": "response.completed", "sequence_number": 3, "response": done}]
    for forced in (None, "openai-responses"):
        (file,) = db.ingest(write_jsonl(tmp_path / f"events-{forced}.jsonl", lines), log_format=forced).files
        assert (file.log_format, file.records, file.skipped, file.quarantined) == ("openai-responses", 4, 3, 0)
    assert rows(db.con, TOTALS) == [
        {"call_id": "resp_1", "model": "gpt-5-2025-08-07", "input_tokens": 500, "cached_input_tokens": 384,
         "cache_write_tokens": 0, "cache_write_1h_tokens": 0, "output_tokens": 90, "reasoning_tokens": 64,
         "service_tier": "default", "status": "ok", "tokens_estimated": False}]


def test_a_stream_log_that_grew_upgrades_the_stored_call_once(db, tmp_path):
    path = tmp_path / "growing.jsonl"
    stream = oai_stream("chatcmpl-G", 100, 7)
    first = db.ingest(write_jsonl(path, stream[:3])).files[0]  # written while the stream was still running
    assert (first.loaded, first.upgraded) == (1, 0)
    grown = db.ingest(write_jsonl(path, stream)).files[0]
    assert (grown.loaded, grown.upgraded, grown.duplicates, grown.conflicting_ids) == (0, 1, 5, 0)
    again = db.ingest(path).files[0]
    assert (again.status, again.loaded, again.upgraded) == ("unchanged", 0, 0)  # the same bytes: not read again
    assert [(c["input_tokens"], c["output_tokens"]) for c in rows(db.con, TOTALS)] == [(100, 7)]


@pytest.mark.parametrize("chunk_lines", [1, 2, 3])
def test_versions_spread_over_chunks_store_what_a_whole_file_stores(tmp_path, monkeypatch, chunk_lines):
    """A stream whose chunks fall in different chunks of a big file: the later chunk's more complete
    version replaces the row stored from the earlier chunk, and it is not counted as upgraded
    (nothing was stored before this file)."""
    log = write_jsonl(tmp_path / "chunks.jsonl", [*oai_stream("chatcmpl-A", 1200, 40, cached=1024),
                                                  *oai_stream("chatcmpl-B", 30, 300, reasoning=256)])
    whole, chunked = (_ingest_in_chunks(tmp_path, monkeypatch, log, n) for n in (None, chunk_lines))
    assert chunked == whole
    assert whole[0][1:5] == (2, 8, 0, 0) and [c["output_tokens"] for c in whole[1]] == [40, 300]


def _ingest_in_chunks(tmp_path, monkeypatch, log, chunk_lines: int | None) -> tuple:
    """(file counts: records, loaded, duplicates, upgraded, conflicting ids, skipped, quarantined;
    stored rows) of ingesting `log` into a new database, read in chunks of `chunk_lines` lines
    (None: the usual chunk size, i.e. the whole file at once)."""
    from mmaudit.ingest import IngestOptions, ingest_paths, reading
    from tests.conftest import Loaded

    if chunk_lines is not None:
        monkeypatch.setattr(reading, "CHUNK_LINES", chunk_lines)
        monkeypatch.setattr(reading, "_BATCH_ROWS", 1)
    loaded = Loaded(tmp_path / f"chunks-{chunk_lines}.duckdb")
    try:
        (file,) = ingest_paths(loaded.con, [str(log)], IngestOptions()).files
        return ((file.records, file.loaded, file.duplicates, file.upgraded, file.conflicting_ids, file.skipped,
                 file.quarantined), rows(loaded.con, TOTALS))
    finally:
        loaded.con.close()
        monkeypatch.undo()


def test_an_azure_stream_s_empty_id_prompt_filter_chunk_is_not_a_call(db, tmp_path):
    """Azure OpenAI opens a stream with `id: ""`, empty `choices` and `prompt_filter_results`."""
    opener = {"id": "", "object": "chat.completion.chunk", "created": 0, "model": "", "choices": [],
              "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]}
    lines = [opener, *oai_stream("chatcmpl-Z", 80, 8), opener]
    (file,) = db.ingest(write_jsonl(tmp_path / "azure.jsonl", lines)).files
    assert (file.loaded, file.skipped, file.quarantined) == (1, 2, 0)
    assert [(c["call_id"], c["output_tokens"]) for c in rows(db.con, TOTALS)] == [("chatcmpl-Z", 8)]


@pytest.mark.parametrize("chunk_lines", [1, 2, 3, 5, 7])
def test_an_anthropic_stream_cut_by_a_chunk_boundary_loads_as_from_a_whole_file(tmp_path, monkeypatch, chunk_lines):
    """A large file is read in chunks; a `message_delta` whose `message_start` lies in an earlier
    chunk still takes its id, model and input-side counts from it (the start is carried to the next
    chunk as context), so the stream is one call with its final usage, whatever the chunk size. The
    second stream has no events between its start and delta, and the third carries none of its
    input-side counts on the delta."""
    start, delta = anthropic_stream("msg_01C", {"input_tokens": 7, "output_tokens": 1}, {"output_tokens": 99})[0::6][:2]
    lines = [*anthropic_stream("msg_01A", {"input_tokens": 25, "output_tokens": 1, "service_tier": "standard"},
                               {"output_tokens": 15}),
             start, delta, {"type": "message_stop"},
             *anthropic_stream("msg_01B", {"input_tokens": 12, "output_tokens": 1, "cache_read_input_tokens": 900},
                               {"output_tokens": 420})]
    log = write_jsonl(tmp_path / "sse.jsonl", lines)
    whole, chunked = (_ingest_in_chunks(tmp_path, monkeypatch, log, n) for n in (None, chunk_lines))
    assert whole[0] == (19, 3, 3, 0, 0, 13, 0)
    assert [(c["call_id"], c["model"], c["input_tokens"], c["output_tokens"]) for c in whole[1]] == [
        ("msg_01A", "claude-sonnet-4-5-20250929", 25, 15), ("msg_01B", "claude-sonnet-4-5-20250929", 912, 420),
        ("msg_01C", "claude-sonnet-4-5-20250929", 7, 99)]
    assert chunked == whole


def test_anthropic_server_tools_grow_the_input_and_the_delta_s_final_usage_wins(db, tmp_path):
    # With server tools (web search) the input grows during the stream: message_delta repeats the
    # final, larger input-side counts. Same call, not an id conflict; the delta's usage is the call's.
    events = anthropic_stream("msg_01W", {"input_tokens": 2684, "cache_creation_input_tokens": 0,
                                          "cache_read_input_tokens": 0, "output_tokens": 1},
                              {"input_tokens": 10387, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                               "output_tokens": 390, "server_tool_use": {"web_search_requests": 1}})
    (file,) = db.ingest(write_jsonl(tmp_path / "search.jsonl", events)).files
    assert (file.loaded, file.duplicates, file.conflicting_ids) == (1, 1, 0)
    (call,) = rows(db.con, TOTALS)
    assert (call["input_tokens"], call["output_tokens"], call["tokens_estimated"]) == (10387, 390, False)


def test_an_anthropic_stream_cut_before_its_delta_keeps_the_start_flagged_not_final(db, tmp_path):
    events = anthropic_stream("msg_01C", {"input_tokens": 40, "output_tokens": 1}, {"output_tokens": 99})[:4]
    (file,) = db.ingest(write_jsonl(tmp_path / "cut.jsonl", events)).files
    assert file.loaded == 1
    (call,) = rows(db.con, TOTALS)
    assert (call["input_tokens"], call["output_tokens"], call["tokens_estimated"]) == (40, 1, True)


def gemini_chunk(rid: str, prompt: int, candidates: int, finish: str | None = None) -> dict:
    candidate = {"content": {"role": "model", "parts": [{"text": "ok"}]}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "modelVersion": "gemini-2.5-flash", "responseId": rid,
            "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
                              "totalTokenCount": prompt + candidates}}


def test_gemini_stream_chunks_keep_the_finished_chunk_s_usage(db, tmp_path):
    # the last chunk (finishReason STOP) reports a larger promptTokenCount than the earlier ones
    lines = [gemini_chunk("g-1", 89, 4), gemini_chunk("g-1", 89, 9), gemini_chunk("g-1", 121, 9, "STOP"),
             gemini_chunk("g-2", 60, 16)]  # a single body without a finishReason is a call, not a chunk
    (file,) = db.ingest(write_jsonl(tmp_path / "gemini.jsonl", lines)).files
    assert (file.log_format, file.loaded, file.duplicates, file.conflicting_ids) == ("gemini", 2, 2, 0)
    got = {r["call_id"]: (r["input_tokens"], r["output_tokens"], r["tokens_estimated"]) for r in rows(db.con, TOTALS)}
    assert got == {"g-1": (121, 9, False), "g-2": (60, 16, False)}


def test_a_gateways_messages_shaped_stream_of_another_makers_model_is_that_makers(db, tmp_path):
    # Vercel's AI Gateway answers xai/grok-4.5 in Anthropic's stream shape (recorded by vercel/ai)
    start = {"type": "message_start", "message": {"id": "gen_01", "type": "message", "role": "assistant", "content": [],
                                                   "model": "xai/grok-4.5", "usage": {"input_tokens": 0, "output_tokens": 0}}}
    delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
             "usage": {"input_tokens": 84, "cache_read_input_tokens": 128, "output_tokens": 30}}
    claude = {**start, "message": {**start["message"], "id": "gen_02", "model": "anthropic/claude-haiku-4.5"}}
    db.ingest(write_jsonl(tmp_path / "gateway.jsonl", [start, delta, claude, {**delta}]))
    got = {r["call_id"]: (r["provider"], r["input_tokens"], r["cached_input_tokens"]) for r in db.calls()}
    assert got == {"gen_01": ("xai", 212, 128), "gen_02": ("anthropic", 212, 128)}


def _sse(events: list[tuple[str | None, dict | str]]) -> str:
    """Events as they come over the wire: `event:` (when named), `data:`, a blank line after each."""
    out = [": keep-alive\n"]
    for name, data in events:
        out.append((f"event: {name}\n" if name else "") + f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n")
    return "".join(out)


def test_server_sent_events_saved_raw_read_as_their_data_lines(db, tmp_path):
    # A stream saved as it came (`curl -N`, a proxy's dump): the `data:` payloads are the records,
    # `event:`, comment lines and OpenAI's closing `data: [DONE]` frame them
    anthropic = anthropic_stream("msg_sse", {"input_tokens": 25, "output_tokens": 1},
                                 {"output_tokens": 15})
    (tmp_path / "anthropic.sse").write_text(_sse([(e["type"], e) for e in anthropic]), encoding="utf-8")
    (tmp_path / "openai-stream.log").write_text(_sse([(None, c) for c in oai_stream("chatcmpl-S", 120, 8)] + [(None, "[DONE]")]),
                                          encoding="utf-8")
    files = {Path(f.path).name: f for f in db.ingest(tmp_path).files}
    assert {n: (f.log_format, f.loaded, f.quarantined) for n, f in files.items()} == {
        "anthropic.sse": ("anthropic-stream", 1, 0), "openai-stream.log": ("openai-chat", 1, 0)}
    assert db.con.execute("SELECT call_id, input_tokens, output_tokens, source_line FROM calls ORDER BY 1").fetchall() == [
        ("chatcmpl-S", 120, 8, 10), ("msg_sse", 25, 15, 21)]  # lineage: the file's own line numbers
    # a line that is neither an SSE field nor JSON is still quarantined, with its number
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "s.sse").write_text("data: {\"type\": \"ping\"}\n\nnot json\n", encoding="utf-8")
    (bad,) = db.ingest(tmp_path / "bad").files
    assert bad.quarantined == 1
    assert db.con.execute("SELECT source_line, reason FROM quarantine").fetchall() == [(3, "not valid JSON")]


def test_an_anthropic_stream_an_error_cut_short_is_one_failed_call(db, tmp_path):
    # Anthropic may send `overloaded_error` mid-stream, after its 200: the stream is the failed call
    # (it was an answered call plus an error call without a model). An error before any message_start
    # is a request refused at once: a failed call of its own.
    events = anthropic_stream("msg_cut", {"input_tokens": 1200, "output_tokens": 1}, {})
    start, block, delta = events[0], events[1], events[3]  # message_start, a content block and its first delta
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    refused = {"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited"}}
    whole = anthropic_stream("msg_ok", {"input_tokens": 30, "output_tokens": 1}, {"output_tokens": 12})
    lines = [start, block, delta, overloaded, {"type": "message_stop"}, refused, *whole]
    (file,) = db.ingest(write_jsonl(tmp_path / "events.jsonl", lines)).files
    assert (file.loaded, file.conflicting_ids) == (3, 0)
    got = db.con.execute("""SELECT call_id, model, status, error_type, http_status, output_tokens FROM calls
                            ORDER BY source_line""").fetchall()
    assert got[0] == ("msg_cut", "claude-sonnet-4-5-20250929", "error", "server", 529, 0)
    assert got[1][1:5] == (None, "error", "rate_limit", 429)
    assert got[2] == ("msg_ok", "claude-sonnet-4-5-20250929", "ok", None, 200, 12)
