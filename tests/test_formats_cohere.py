"""Cohere's chat (v2 and v1, bodies and streams), embed and rerank responses, in the shapes Cohere's
API returns them: billed units are what is priced, and a body without a model is unpriced."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl

SYSTEM = " ".join(["You are a helpful assistant."] * 300)
V2_REQUEST = {"model": "command-r7b-12-2024", "stream": False,
              "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Say hi in one word."}]}
V2_BODY = {"id": "0bf8e1a5-2af6-4014-a539-c12363a043a3", "finish_reason": "COMPLETE",
           "message": {"role": "assistant", "content": [{"type": "text", "text": "Hello!"}]},
           "usage": {"billed_units": {"input_tokens": 2406, "output_tokens": 2},
                     "tokens": {"input_tokens": 2935, "output_tokens": 4}, "cached_tokens": 2928}}
V1_BODY = {"response_id": "5b1c-v1", "generation_id": "gen-7f2e", "text": "Bonjour !",
           "chat_history": [{"role": "USER", "message": "Translate to French: good morning"},
                            {"role": "CHATBOT", "message": "Bonjour !"}],
           "finish_reason": "COMPLETE",
           "meta": {"api_version": {"version": "1"}, "billed_units": {"input_tokens": 12, "output_tokens": 50},
                    "tokens": {"input_tokens": 78, "output_tokens": 50}}}
V1_REQUEST = {"model": "command-r-plus", "message": "Translate to French: good morning",
              "preamble": "You translate into French."}


def ingest(tmp_path: Path, records: list[dict]) -> tuple[dict, dict[str, dict]]:
    """Through the CLI (ingest prices the calls): the file's summary and the calls by id."""
    path = tmp_path / "cohere.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "cohere.jsonl", records)), "--db", str(path),
                                    "--format", "json"])
    assert done.exit_code == 0, done.output
    (file,) = json.loads(done.stdout)["files"]
    con = duckdb.connect(str(path), read_only=True)
    try:
        return file, {r["call_id"]: r for r in rows(con)}
    finally:
        con.close()


def test_v2_pair_is_priced_on_billed_units_not_the_template_inclusive_tokens(tmp_path):
    file, calls = ingest(tmp_path, [
        {"request": V2_REQUEST, "response": V2_BODY, "status_code": 200, "timestamp": "2025-06-01T09:00:00Z"}])
    assert (file["log_format"], file["loaded"]) == ("cohere", 1)
    row = calls[V2_BODY["id"]]
    assert (row["provider"], row["model"], row["operation"], row["status"]) == ("cohere", "command-r7b-12-2024", "chat", "ok")
    # billed 2,406 in / 2 out (Cohere's `tokens` add its prompt template: 2,935 / 4); cached tokens
    # are not a discount on Cohere's list, so they are a tag, not cache reads
    assert (row["input_tokens"], row["cached_input_tokens"], row["output_tokens"]) == (2406, 0, 2)
    assert row["tags"] == {"finish_reason": "COMPLETE", "cached_tokens": "2928"}
    # command-r7b: $0.0375 in, $0.15 out per 1M tokens
    assert row["cost_usd"] == (2406 * Decimal("0.0375") + 2 * Decimal("0.15")) / 10**6
    assert (row["system_prompt"], row["user_prompt"], row["response_text"]) == (SYSTEM, "Say hi in one word.", "Hello!")
    assert row["n_messages"] == 2


def test_a_bare_body_names_no_model_and_stays_unpriced(tmp_path):
    _, calls = ingest(tmp_path, [V2_BODY])
    row = calls[V2_BODY["id"]]
    assert (row["provider"], row["model"], row["input_tokens"], row["output_tokens"]) == ("cohere", None, 2406, 2)
    assert row["cost_usd"] is None  # never priced as some default model


def test_v2_streams_are_one_call_each_with_the_start_events_id(tmp_path):
    def stream(sid: str, billed: tuple[int, int]) -> list[dict]:
        return [
            {"id": sid, "type": "message-start", "delta": {"message": {"role": "assistant", "content": []}}},
            {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
            {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "Hi"}}}},
            {"type": "content-end", "index": 0},
            {"type": "message-end", "delta": {"finish_reason": "MAX_TOKENS", "usage": {
                "billed_units": {"input_tokens": billed[0], "output_tokens": billed[1]},
                "tokens": {"input_tokens": billed[0] + 165, "output_tokens": billed[1]}}}},
        ]
    file, calls = ingest(tmp_path, stream("s-1", (21, 124)) + stream("s-2", (40, 7)))
    assert (file["log_format"], file["records"], file["loaded"], file["skipped"], file["quarantined"]) == (
        "cohere", 10, 2, 8, 0)
    assert (calls["s-1"]["input_tokens"], calls["s-1"]["output_tokens"]) == (21, 124)
    assert (calls["s-2"]["input_tokens"], calls["s-2"]["output_tokens"]) == (40, 7)
    assert calls["s-2"]["tags"] == {"finish_reason": "MAX_TOKENS"}


def test_v1_chat_body_and_stream_read_the_message_and_preamble(tmp_path):
    stream = [
        {"is_finished": False, "event_type": "stream-start", "generation_id": "gen-s"},
        {"is_finished": False, "event_type": "text-generation", "text": "Bonjour"},
        {"is_finished": True, "event_type": "stream-end", "finish_reason": "COMPLETE",
         "response": {**V1_BODY, "response_id": "5b1c-stream", "generation_id": "gen-s"}},
    ]
    file, calls = ingest(tmp_path, [{"request": V1_REQUEST, "response": V1_BODY}, *stream])
    assert (file["log_format"], file["loaded"], file["skipped"]) == ("cohere", 2, 2)
    pair = calls["5b1c-v1"]
    assert (pair["model"], pair["input_tokens"], pair["output_tokens"]) == ("command-r-plus", 12, 50)
    assert pair["cost_usd"] == (12 * Decimal("2.5") + 50 * Decimal(10)) / 10**6  # command-r-plus: $2.50 / $10
    assert (pair["system_prompt"], pair["user_prompt"], pair["response_text"]) == (
        "You translate into French.", "Translate to French: good morning", "Bonjour !")
    assert (calls["5b1c-stream"]["input_tokens"], calls["5b1c-stream"]["output_tokens"]) == (12, 50)


def test_embed_rerank_and_a_failed_pair(tmp_path):
    embed = {"id": "emb-1", "texts": ["hello", "world"], "embeddings": {"float": [[0.1], [0.2]]},
             "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": 8}}, "response_type": "embeddings_by_type"}
    rerank = {"id": "rr-1", "results": [{"index": 1, "relevance_score": 0.9}],
              "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}}}
    failed = {"request": {"model": "command-a-03-2025", "messages": [{"role": "user", "content": "hi"}]},
              "response": {"id": "err-1", "message": "You are using a Trial key, which is limited to 10 API calls / minute."},
              "status_code": 429, "request_id": "req-429"}
    file, calls = ingest(tmp_path, [{"request": {"model": "embed-v4.0", "texts": ["hello", "world"]}, "response": embed},
                                    {"request": {"model": "rerank-v3.5", "query": "q"}, "response": rerank}, failed])
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("cohere", 3, 0)
    emb = calls["emb-1"]
    assert (emb["operation"], emb["input_tokens"], emb["output_tokens"]) == ("embedding", 8, 0)
    assert emb["cost_usd"] == 8 * Decimal("0.12") / 10**6  # embed-v4.0: $0.12 per 1M input tokens
    assert (calls["rr-1"]["operation"], calls["rr-1"]["tags"]) == ("rerank", {"search_units": "1"})
    err = calls["err-1"]
    assert (err["status"], err["error_type"], err["http_status"]) == ("error", "rate_limit", 429)
    assert (err["provider"], err["model"], err["input_tokens"]) == ("cohere", "command-a-03-2025", 0)


def test_cohere_model_ids_name_cohere_as_provider_in_other_logs(tmp_path):
    # a log that names only the model: command-r is Cohere's, priced at Cohere's rates
    _, calls = ingest(tmp_path, [{"call_id": "c1", "ts": "2025-06-01T00:00:00Z", "model": "command-r-08-2024",
                                  "input_tokens": 1000000, "output_tokens": 100000, "status": "ok"}])
    assert (calls["c1"]["provider"], calls["c1"]["cost_usd"]) == ("cohere", Decimal("0.15") + Decimal("0.06"))
