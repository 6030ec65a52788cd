"""A recorder keeps, beside a plugin's calls, the exchanges that asked for no billed answer: a
model listing (`GET /models`) and a token count (Anthropic's free `/v1/messages/count_tokens`).
No format reads them; they are skipped (not calls), never quarantined as unreadable records.

Records (pytest-recording cassettes of live calls, bodies trimmed to what matters):
- simonw/llm-openrouter, tests/cassettes/test_llm_openrouter/test_reasoning.yaml
  @ a324e24212b0af7dad373baacc34026131f3f4d0: `GET /api/v1/models` (one model of the listing
  kept), then the Responses call it prices.
- simonw/llm-anthropic, tests/cassettes/test_anthropic/test_count_tokens.yaml
  @ 3144d612a287ec3bdb5ef5b7b4a081a12a13fc75 (both interactions), beside
  test_code_execution.yaml @ 19a4a7d46d813184574ae161dcb37dd6c883b860 (the message_start
  and message_delta events).
Before, each listing and each count was quarantined ("not a openai-responses record", "not a
anthropic-messages record").
"""

from __future__ import annotations

import json
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

LISTING = {"request": {"url": "https://openrouter.ai/api/v1/models", "method": "GET", "body": ""},
           "response": {"status": 200, "body": {"data": [{"id": "openai/gpt-5-nano", "pricing": {
               "prompt": "0.00000005", "completion": "0.0000004"}}], "total_count": 338}}}
_DONE = {"type": "response.completed", "sequence_number": 10, "response": {
    "id": "gen-1785882693-G0Ba9AGVEVeNhHohmw0g", "object": "response", "created_at": 1785882693, "model": "openai/gpt-5-nano",
    "status": "completed", "completed_at": 1785882694, "service_tier": "default",
    "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "4"}]}],
    "usage": {"input_tokens": 20, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 19,
              "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 39, "cost": 0.0000086, "is_byok": False}}}
RESPONSES = {"request": {"url": "https://openrouter.ai/api/v1/responses", "method": "POST",
                         "body": {"model": "openai/gpt-5-nano", "input": [{"role": "user", "content": "What is 2 + 2?"}],
                                  "stream": True}},
             "response": {"status": 200, "body": f": \n\ndata: {json.dumps(_DONE)}\n\ndata: [DONE]\n\n"}}


def _count(text: str, tokens: int) -> dict:
    return {"request": {"url": "https://api.anthropic.com/v1/messages/count_tokens", "method": "POST",
                        "body": {"messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
                                 "model": "claude-opus-5"}},
            "response": {"status": 200, "body": f'{{"input_tokens":{tokens}}}'}}


_EVENTS = [("message_start", {"type": "message_start", "message": {
               "model": "claude-sonnet-4-6", "id": "msg_011CdiP31ZC91pv56oRVa6T6", "type": "message", "role": "assistant",
               "content": [], "usage": {"input_tokens": 2268, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                                        "output_tokens": 42, "service_tier": "standard", "inference_geo": "global"}}}),
           ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                              "usage": {"input_tokens": 4627, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                                        "output_tokens": 77}}),
           ("message_stop", {"type": "message_stop"})]
MESSAGE = {"request": {"url": "https://api.anthropic.com/v1/messages", "method": "POST",
                       "body": {"model": "claude-sonnet-4-6", "max_tokens": 128000, "stream": True,
                                "messages": [{"role": "user", "content": "Use code execution to compute 123456789 * 987654321"}]}},
           "response": {"status": 200, "body": "".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in _EVENTS)}}


def test_a_model_listing_beside_a_call_is_skipped(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "openrouter.jsonl", [LISTING, RESPONSES]), enrichers=enrichers()).files
    assert (file.log_format, file.records, file.loaded, file.skipped, file.quarantined) == ("openai-responses", 2, 1, 1, 0)
    (call,) = db.calls()
    assert (call["model"], call["input_tokens"], call["output_tokens"], call["cost_usd"]) == (
        "openai/gpt-5-nano", 20, 19, Decimal("0.0000086"))


def test_token_counts_beside_a_call_are_skipped(db, tmp_path):
    lines = [MESSAGE, _count("Hello there", 10), _count("Hello there", 17)]
    (file,) = db.ingest(write_jsonl(tmp_path / "anthropic.jsonl", lines), enrichers=enrichers()).files
    assert (file.log_format, file.records, file.loaded, file.skipped, file.quarantined) == ("anthropic-messages", 3, 1, 2, 0)
    (call,) = db.calls()
    # the message_delta's input (4,627: the code execution's turns) at $3 / $15 per 1M
    assert (call["input_tokens"], call["output_tokens"], call["cost_usd"]) == (4627, 77, Decimal("0.015036"))
    assert db.quarantine() == []


def test_a_file_of_listings_and_counts_alone_loads_nothing_and_is_not_an_error(db, tmp_path):
    """A recorder's cassette of a model listing and a token count (no call at all) used to fail the
    run (exit 2) with "cannot tell the log format": no format reads such exchanges."""
    path = write_jsonl(tmp_path / "models.jsonl", [LISTING, _count("Hello there", 10)])
    (file,) = db.ingest(path, enrichers=enrichers()).files
    assert (file.status, file.log_format, file.records, file.loaded, file.skipped, file.quarantined) == (
        "loaded", None, 2, 0, 2, 0)
    assert db.calls() == [] and db.quarantine() == []
    assert db.ingest(path).files[0].status == "unchanged"


def test_a_call_after_a_sample_of_listings_alone_is_still_loaded(db, tmp_path):
    from mmaudit.ingest.detection import DETECT_SAMPLE

    path = write_jsonl(tmp_path / "long.jsonl", [LISTING] * DETECT_SAMPLE + [RESPONSES])
    (file,) = db.ingest(path, enrichers=enrichers()).files
    assert (file.records, file.loaded, file.skipped, file.quarantined) == (DETECT_SAMPLE + 1, 1, DETECT_SAMPLE, 0)
    assert [c["model"] for c in db.calls()] == ["openai/gpt-5-nano"]


def test_the_cli_loads_a_directory_with_such_a_file_and_exits_0(tmp_path):
    from typer.testing import CliRunner

    from mmaudit.cli import app

    logs = tmp_path / "cassettes"
    logs.mkdir()
    write_jsonl(logs / "models.jsonl", [LISTING])
    write_jsonl(logs / "call.jsonl", [RESPONSES])
    result = CliRunner().invoke(app, ["ingest", str(logs), "--db", str(tmp_path / "c.duckdb"), "--format", "json"])
    assert result.exit_code == 0, result.output
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(result.stdout)["files"]}
    assert (files["models.jsonl"]["loaded"], files["models.jsonl"]["skipped"]) == (0, 1)
    assert files["call.jsonl"]["loaded"] == 1


# pydantic/pydantic-ai's VCR cassettes (bodies trimmed to what matters):
# - tests/models/cassettes/test_openai_responses/test_openai_responses_model_file_search_tool.yaml
#   @ bc278e8a57cc3b3fe7527fb8c136757ce8504406: a file upload, a vector store and its file, the
#   Responses call that searches it, then both deleted;
# - tests/models/cassettes/test_bedrock/test_bedrock_inference_profile_count_tokens.yaml
#   @ b3984916054ccf9c334a5bfdaa4d7389d03f4f04: Bedrock's CountTokens;
# - tests/models/cassettes/test_google/test_google_model_vertex_provider.yaml
#   @ 8ad533c9dbc220889b914003758c1b82d8297d01: google-auth's token refresh before a Vertex call.
# Before, each was quarantined beside calls ("not a openai-responses record"), and a file of them
# alone failed the run (exit 2, "cannot tell the log format").
def _exchange(method: str, url: str, body, answer) -> dict:
    return {"request": {"url": url, "method": method, "body": body},
            "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": answer}}


_OPENAI = "https://api.openai.com/v1"
UPLOAD = _exchange("POST", f"{_OPENAI}/files",
                   '--e81\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n--e81--\r\n',
                   {"object": "file", "id": "file-U6Ke78qu8nkANsrCrjoYBr", "purpose": "assistants", "bytes": 97})
STORE = _exchange("POST", f"{_OPENAI}/vector_stores", {"name": "test-file-search"},
                  {"object": "vector_store", "id": "vs_6931d72a", "usage_bytes": 0, "status": "completed"})
STORE_FILE = _exchange("POST", f"{_OPENAI}/vector_stores/vs_6931d72a/files", {"file_id": "file-U6Ke78qu8nkANsrCrjoYBr"},
                       {"object": "vector_store.file", "id": "file-U6Ke78qu8nkANsrCrjoYBr", "usage_bytes": 0})
SEARCH = _exchange("POST", f"{_OPENAI}/responses",
                   {"model": "gpt-4o", "input": [{"role": "user", "content": "What is the capital of France?"}],
                    "tools": [{"type": "file_search", "vector_store_ids": ["vs_6931d72a"]}]},
                   {"id": "resp_0995dffd", "object": "response", "created_at": 1764874030, "model": "gpt-4o-2024-08-06",
                    "status": "completed", "output": [
                        {"id": "fs_0995", "type": "file_search_call", "status": "completed", "queries": ["capital"]},
                        {"type": "message", "role": "assistant", "content": [
                            {"type": "output_text", "text": "The capital of France is Paris."}]}],
                    "usage": {"input_tokens": 870, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 30,
                              "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 900}})
DELETE_FILE = _exchange("DELETE", f"{_OPENAI}/files/file-U6Ke78qu8nkANsrCrjoYBr", "",
                        {"deleted": True, "id": "file-U6Ke78qu8nkANsrCrjoYBr", "object": "file"})
BEDROCK_COUNT = _exchange(
    "POST", "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-sonnet-4-20250514-v1%3A0/count-tokens",
    {"input": {"converse": {"messages": [{"role": "user", "content": [{"text": "Hello, world!"}]}], "system": []}}},
    {"inputTokens": 11})
CACHE_TTL = _exchange("PATCH", "https://generativelanguage.googleapis.com/v1beta/cachedContents/uobv7aizzgq7?updateMask=ttl",
                     {"ttl": "600s"}, {"name": "cachedContents/uobv7aizzgq7", "model": "models/gemini-2.5-flash",
                                       "expireTime": "2026-02-24T17:02:23Z", "usageMetadata": {"totalTokenCount": 1090}})
CONVERSATION = _exchange("POST", f"{_OPENAI}/conversations", {"items": [{"type": "message", "role": "user", "content": "hi"}]},
                         {"id": "conv_68", "object": "conversation", "created_at": 1760000000, "metadata": {}})
OAUTH = _exchange("POST", "https://oauth2.googleapis.com/token", "grant_type=refresh_token&client_id=scrubbed",
                  {"access_token": "scrubbed", "expires_in": 3599, "token_type": "Bearer"})


def test_uploads_vector_stores_and_deletions_beside_a_call_are_skipped(db, tmp_path):
    lines = [UPLOAD, STORE, STORE_FILE, SEARCH, DELETE_FILE]
    (file,) = db.ingest(write_jsonl(tmp_path / "file_search.jsonl", lines), enrichers=enrichers()).files
    assert (file.log_format, file.records, file.loaded, file.skipped, file.quarantined) == ("openai-responses", 5, 1, 4, 0)
    (call,) = db.calls()
    assert (call["model"], call["input_tokens"], call["output_tokens"]) == ("gpt-4o-2024-08-06", 870, 30)
    assert db.quarantine() == []


def test_token_counts_and_sign_ins_alone_load_nothing_and_are_not_an_error(db, tmp_path):
    for name, lines in (("bedrock_count.jsonl", [BEDROCK_COUNT]), ("oauth.jsonl", [OAUTH]), ("ttl.jsonl", [CACHE_TTL]),
                        ("uploads.jsonl", [UPLOAD, STORE, DELETE_FILE, CONVERSATION])):
        (file,) = db.ingest(write_jsonl(tmp_path / name, lines), enrichers=enrichers()).files
        assert (file.status, file.log_format, file.loaded, file.skipped, file.quarantined) == (
            "loaded", None, 0, len(lines), 0), name
    assert db.calls() == [] and db.quarantine() == []


# crewAI's recordings (crewAIInc/crewAI): tests/cassettes/test_agent_with_ollama_llama3.yaml
# @ 5b574e5a1a80cbdff302cd6c49f45e1c0cde4a7b, where LiteLLM asks a local Ollama for the model's
# details (`POST /api/show`) beside the call; lib/crewai-tools/tests/cassettes/tools/
# test_txt_search_tool.yaml @ 5eabab6abcda707e0f90abacf58d5ffaec6c5428, where crewAI's own PostHog
# telemetry (`POST us.i.posthog.com/batch/`) sits beside an embedding. Bodies abridged (licence,
# tensors, the embedding). Before, both were quarantined ("not a ollama record", "not a
# openai-chat record").
GENERATE = _exchange("POST", "http://localhost:11434/api/generate",
                     {"model": "llama3.2:3b", "prompt": "### User:\nRespond in 20 words. Which model are you?\n\n",
                      "stream": False},
                     {"model": "llama3.2:3b", "created_at": "2025-01-10T18:37:01.552946Z",
                      "response": "I'm an AI designed by Meta.", "done": True, "done_reason": "stop",
                      "total_duration": 2721386667, "load_duration": 838784333, "prompt_eval_count": 39,
                      "prompt_eval_duration": 1462000000, "eval_count": 22, "eval_duration": 418000000})
SHOW = _exchange("POST", "http://localhost:11434/api/show", {"name": "llama3.2:3b"},
                 {"license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT [ABRIDGED]",
                  "tensors": [{"name": "output_norm.weight", "type": "F32", "shape": [3072]}],
                  "capabilities": ["completion", "tools"], "modified_at": "2025-02-20T18:55:09.150577031-05:00"})
EMBEDDING = _exchange("POST", f"{_OPENAI}/embeddings", {"input": ["This is a test file for txt search"],
                                                          "model": "text-embedding-ada-002", "encoding_format": "base64"},
                      {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": "AAAA"}],
                       "model": "text-embedding-ada-002", "usage": {"prompt_tokens": 8, "total_tokens": 8}})
TELEMETRY = _exchange("POST", "https://us.i.posthog.com/batch/",
                      {"batch": [{"properties": {"class": "App", "$lib": "posthog-python"}, "event": "init",
                                  "timestamp": "2025-04-27T16:07:50.287520+00:00", "distinct_id": "5303ea6e"}]},
                      {"status": "Ok"})


def test_a_local_ollamas_model_details_and_a_frameworks_telemetry_are_not_calls(db, tmp_path):
    ollama = write_jsonl(tmp_path / "ollama.jsonl", [GENERATE, SHOW])
    embeddings = write_jsonl(tmp_path / "embeddings.jsonl", [EMBEDDING, TELEMETRY])
    files = sorted(db.ingest(tmp_path, enrichers=enrichers()).files, key=lambda f: f.path)
    assert [(f.log_format, f.loaded, f.skipped, f.quarantined) for f in files] == [
        ("openai-chat", 1, 1, 0), ("ollama", 1, 1, 0)], (embeddings, ollama)
    assert sorted((c["provider"], c["model"], c["input_tokens"], c["output_tokens"]) for c in db.calls()) == [
        ("openai", "text-embedding-ada-002", 8, 0), ("self-hosted", "llama3.2:3b", 39, 22)]
    assert db.quarantine() == []
