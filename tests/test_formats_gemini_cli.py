"""Gemini CLI's chat sessions and Qwen Code's chat records, read column by column.

The records follow the tools' own writers (google-gemini/gemini-cli
packages/core/src/services/chatRecordingService.ts and chatRecordingTypes.ts; QwenLM/qwen-code
packages/core/src/services/chatRecordingService.ts) and lines of real sessions published in other
projects' fixtures (a gemini-cli session file captured verbatim, an anonymised Qwen Code 0.15.0
session on DashScope); texts are trimmed. Before, such files had no format: a Gemini CLI session
was "cannot tell the log format", a Qwen Code one was read as Claude Code's and loaded nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

PRICED = enrichers()
M = Decimal(10**6)

SESSION = "d90558c4-862b-4799-946b-4186a8294321"
PROJECT = "d810e39dead20de26e08cf08cace63c54638116b2f33e47811191edbffe48216"
META = {"sessionId": SESSION, "projectHash": PROJECT, "startTime": "2026-07-31T12:50:23.324Z",
        "lastUpdated": "2026-07-31T12:50:23.324Z", "kind": "main"}
USER = {"id": "5b4eb006-25b9-45b7-a086-28a59984fd0f", "timestamp": "2026-07-31T12:50:23.445Z", "type": "user",
        "content": [{"text": "why does the build fail?"}]}
LAST_UPDATED = {"$set": {"lastUpdated": "2026-07-31T12:50:23.445Z"}}
# the answer as first appended (its usage not there yet), then again with its tokens, then with its tool call
PENDING = {"id": "1c0ed97a-ccfe-475b-9b12-231100785aa0", "timestamp": "2026-07-31T12:50:31.468Z", "type": "gemini",
           "content": [{"text": "Let me read the build script."}], "thoughts": [], "tokens": None, "model": "gemini-2.5-pro"}
ANSWER = {**PENDING, "tokens": {"input": 12034, "output": 56, "cached": 10000, "thoughts": 40, "tool": 0, "total": 12130}}
WITH_TOOL = {**ANSWER, "toolCalls": [{"id": "read_file-1", "name": "read_file", "args": {"absolute_path": "/work/build.sh"},
                                      "status": "success", "timestamp": "2026-07-31T12:50:32.002Z"}]}
API_ERROR = {"id": "0e6f1c2a-5d0b-4f7e-9a51-7c0d2f8e4b11", "timestamp": "2026-07-31T12:52:02.117Z", "type": "error",
             "content": "[API Error: Resource has been exhausted (e.g. check quota). (Status: RESOURCE_EXHAUSTED)]"}
CANCELLED = {"id": "a1f0e2d3-0000-4000-8000-00000000c0de", "timestamp": "2026-07-31T12:52:10.000Z", "type": "info",
             "content": "Request cancelled."}
REWIND = {"$rewindTo": USER["id"]}
NOT_A_COUNT = {**ANSWER, "id": "77c1b0de-93a4-4f0b-8d36-41c2a9e0f5aa", "tokens": {**ANSWER["tokens"], "input": "lots"}}


def test_a_session_file_is_one_call_per_answer_with_tokens_whatever_its_copies(db, tmp_path):
    log = write_jsonl(tmp_path / f"session-2026-07-31T12-50-{SESSION[:8]}.jsonl",
                      [META, USER, LAST_UPDATED, PENDING, ANSWER, WITH_TOOL, API_ERROR, CANCELLED, REWIND, NOT_A_COUNT])
    (file,) = db.ingest(log, enrichers=PRICED).files
    # the metadata line, the user turn, $set, the copy without usage, the notice and $rewindTo are skipped;
    # the answer's copy with its tool call is the same call again
    assert (file.log_format, file.records, file.loaded, file.duplicates, file.skipped, file.quarantined) == (
        "gemini-cli", 10, 2, 1, 6, 1)
    (quarantined,) = db.quarantine()
    assert (quarantined["source_line"], quarantined["reason"]) == (10, "tokens.input is lots, not a token count")
    answer, failed = db.calls()
    assert (answer["call_id"], answer["ts"], answer["provider"], answer["model"], answer["model_key"]) == (
        f"gemini-cli:{ANSWER['id']}", datetime(2026, 7, 31, 12, 50, 31, 468000, tzinfo=UTC), "google",
        "gemini-2.5-pro", "gemini-2.5-pro")
    # Gemini's counts: the prompt includes the cache; thoughts are output outside `output`
    assert (answer["input_tokens"], answer["cached_input_tokens"], answer["cache_write_tokens"]) == (12034, 10000, 0)
    assert (answer["output_tokens"], answer["reasoning_tokens"], answer["status"], answer["http_status"]) == (
        96, 40, "ok", 200)
    # gemini-2.5-pro: 2,034 x $1.25 + 10,000 cached x $0.125 + 96 x $10 per 1M = $0.0047525
    assert answer["cost_usd"] == (2034 * Decimal("1.25") + 10000 * Decimal("0.125") + 96 * 10) / M
    assert answer["logged_cost_usd"] is None
    assert answer["tags"] == {"app": "gemini-cli", "session": SESSION}
    assert answer["response_text"] == "Let me read the build script."
    # the request the session showed as failed: no model named, its class from the google.rpc status
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["model"], failed["input_tokens"],
            failed["cost_usd"]) == ("error", "rate_limit", 429, None, 0, None)


LEGACY = {"sessionId": "3f0c9a2e-7b1d-4c55-9e08-1a2b3c4d5e6f", "projectHash": PROJECT,
          "startTime": "2025-08-20T10:00:00.000Z", "lastUpdated": "2025-08-20T10:04:00.000Z",
          "messages": [
              {"id": "8a1d2c3b-0001-4000-8000-000000000001", "timestamp": "2025-08-20T10:00:05.000Z", "type": "user",
               "content": "summarise the README"},
              # an early version's answer: no model recorded
              {"id": "8a1d2c3b-0001-4000-8000-000000000002", "timestamp": "2025-08-20T10:00:12.000Z", "type": "gemini",
               "content": "It describes the CLI.", "thoughts": [],
               "tokens": {"input": 5210, "output": 80, "cached": 0, "thoughts": 120, "total": 5410}},
              {"id": "8a1d2c3b-0001-4000-8000-000000000003", "timestamp": "2025-08-20T10:03:40.000Z", "type": "gemini",
               "content": "Done.", "model": "gemini-2.5-flash", "thoughts": [],
               "tokens": {"input": 8120, "output": 210, "cached": 0, "thoughts": 512, "tool": 35, "total": 8877}}]}


def test_a_legacy_session_document_and_its_migrated_copy_count_each_answer_once(db, tmp_path):
    document = tmp_path / "session-2025-08-20T10-00-3f0c9a2e.json"
    document.write_text(json.dumps(LEGACY, indent=2), encoding="utf-8")
    (file,) = db.ingest(document, enrichers=PRICED).files
    assert (file.log_format, file.records, file.loaded, file.quarantined) == ("gemini-cli", 1, 2, 0)
    unnamed, flash = db.calls()
    # no model: unpriced, not $0
    assert (unnamed["model"], unnamed["input_tokens"], unnamed["output_tokens"], unnamed["cost_usd"]) == (
        None, 5210, 200, None)
    # tool-use prompt tokens are input outside the prompt count: 8,120 + 35 in, 210 + 512 thoughts out;
    # gemini-2.5-flash: 8,155 x $0.30 + 722 x $2.50 per 1M = $0.0042515
    assert (flash["input_tokens"], flash["output_tokens"], flash["reasoning_tokens"]) == (8155, 722, 512)
    assert flash["cost_usd"] == (8155 * Decimal("0.3") + 722 * Decimal("2.5")) / M
    assert flash["tags"] == {"app": "gemini-cli", "session": LEGACY["sessionId"]}
    # resumed, Gemini CLI writes the session again as JSON Lines, the same messages with the same ids
    migrated = write_jsonl(tmp_path / "session-2025-08-20T10-00-3f0c9a2e.jsonl",
                           [{k: v for k, v in LEGACY.items() if k != "messages"}, *LEGACY["messages"]])
    (again,) = db.ingest(migrated, enrichers=PRICED).files
    assert (again.log_format, again.loaded, again.duplicates, len(db.calls())) == ("gemini-cli", 0, 2, 2)


QWEN_SESSION = "9ac9a7c3-5e21-4b8e-a0f4-2ce24fc677d6"
_Q = {"sessionId": QWEN_SESSION, "cwd": "/Users/dev/code/engram", "version": "0.15.0", "gitBranch": "main"}
Q_USER = {"uuid": "0b7d3ecc-41a2-4c7e-8d5e-dbc39a20e637", "parentUuid": None, **_Q, "timestamp": "2026-04-23T00:39:48.359Z",
          "type": "user", "message": {"role": "user", "parts": [{"text": "what does this repo do?"}]}}
# the same response restated for Qwen Code's /stats: not a second call
Q_TELEMETRY = {"uuid": "ec79c67f-0c3e-4d1b-9f6a-5b2e8d7c1a90", "parentUuid": Q_USER["uuid"], **_Q,
               "timestamp": "2026-04-23T00:39:51.104Z", "type": "system", "subtype": "ui_telemetry",
               "systemPayload": {"uiEvent": {
                   "event.name": "qwen-code.api_response", "event.timestamp": "2026-04-23T00:39:51.103Z",
                   "response_id": "chatcmpl-6f1e", "model": "qwen3.5-plus", "status_code": 200, "duration_ms": 2717,
                   "input_token_count": 16928, "output_token_count": 40, "cached_content_token_count": 0,
                   "thoughts_token_count": 21, "tool_token_count": 0, "total_token_count": 16968,
                   "prompt_id": "db69c0b90dc7d", "auth_type": "openai"}}}
# DashScope through the OpenAI-compatible converter: candidates = completion_tokens, thoughts inside (total = 16928 + 40)
Q_ANSWER = {"uuid": "7171547f-2d9b-4e0c-b3a8-9e4f6d2c1b07", "parentUuid": Q_TELEMETRY["uuid"], **_Q,
            "timestamp": "2026-04-23T00:39:51.130Z", "type": "assistant", "model": "qwen3.5-plus",
            "contextWindowSize": 1000000,
            "usageMetadata": {"promptTokenCount": 16928, "candidatesTokenCount": 40, "thoughtsTokenCount": 21,
                              "totalTokenCount": 16968, "cachedContentTokenCount": 0},
            "message": {"role": "model", "parts": [{"text": "The user asks about the repo.", "thought": True},
                                                   {"text": "It indexes agent sessions."}]}}
Q_TOOL = {"uuid": "5c2d8e1f-7a3b-4c6d-9e0f-1a2b3c4d5e6f", "parentUuid": Q_ANSWER["uuid"], **_Q,
          "timestamp": "2026-04-23T00:40:02.503Z", "type": "tool_result",
          "toolCallResult": {"callId": "call_44de1922", "status": "success", "resultDisplay": "README.md"},
          "message": {"role": "user", "parts": [{"functionResponse": {"id": "call_44de1922", "name": "read_file",
                                                                      "response": {"output": "# engram"}}}]}}
# the Gemini API (Qwen Code's `gemini` auth): thoughts outside candidates (total = 5000 + 100 + 300)
Q_GEMINI = {**Q_ANSWER, "uuid": "b3e9d0a4-6c7f-4a1e-8b2d-0f9e8d7c6b5a", "timestamp": "2026-04-23T00:40:20.000Z",
            "model": "gemini-2.5-flash",
            "usageMetadata": {"promptTokenCount": 5000, "candidatesTokenCount": 100, "thoughtsTokenCount": 300,
                              "totalTokenCount": 5400, "cachedContentTokenCount": 4000}}
Q_ERROR = {"uuid": "e4d3c2b1-a098-4765-8432-10fedcba9876", "parentUuid": Q_GEMINI["uuid"], **_Q,
           "timestamp": "2026-04-23T00:41:00.000Z", "type": "system", "subtype": "ui_telemetry",
           "systemPayload": {"uiEvent": {
               "event.name": "qwen-code.api_error", "event.timestamp": "2026-04-23T00:41:00.000Z", "response_id": "",
               "model": "qwen3.6-plus", "duration_ms": 2769, "prompt_id": "84fb45f8bd654", "auth_type": "openai",
               "error_message": "Connection error. (cause: fetch failed)", "error_type": "APIConnectionError"}}}


def test_qwen_code_records_are_calls_with_the_thoughts_their_total_says_are_output(db, tmp_path):
    log = write_jsonl(tmp_path / f"{QWEN_SESSION}.jsonl", [Q_USER, Q_TELEMETRY, Q_ANSWER, Q_TOOL, Q_GEMINI, Q_ERROR])
    (file,) = db.ingest(log, enrichers=PRICED).files
    assert (file.log_format, file.records, file.loaded, file.skipped, file.quarantined) == ("qwen-code", 6, 3, 3, 0)
    qwen, gemini, failed = db.calls()
    assert (qwen["call_id"], qwen["ts"], qwen["provider"], qwen["model"]) == (
        f"qwen-code:{Q_ANSWER['uuid']}", datetime(2026, 4, 23, 0, 39, 51, 130000, tzinfo=UTC), "alibaba", "qwen3.5-plus")
    assert (qwen["input_tokens"], qwen["cached_input_tokens"], qwen["output_tokens"], qwen["reasoning_tokens"]) == (
        16928, 0, 40, 21)
    assert qwen["cost_usd"] is None  # no rate for qwen3.5-plus: unpriced, not $0
    assert qwen["response_text"] == "It indexes agent sessions."
    assert qwen["tags"] == {"app": "qwen-code", "session": QWEN_SESSION, "client_version": "0.15.0"}
    assert (gemini["provider"], gemini["input_tokens"], gemini["cached_input_tokens"], gemini["output_tokens"],
            gemini["reasoning_tokens"]) == ("google", 5000, 4000, 400, 300)
    # gemini-2.5-flash: 1,000 x $0.30 + 4,000 cached x $0.03 + 400 x $2.50 per 1M = $0.00142
    assert gemini["cost_usd"] == (1000 * Decimal("0.3") + 4000 * Decimal("0.03") + 400 * Decimal("2.5")) / M
    # a request that got no answer at all: failed, its class unknown (not a client error)
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["model"], failed["latency_ms"],
            failed["input_tokens"]) == ("error", "unknown", None, "qwen3.6-plus", 2769.0, 0)
    assert failed["tags"]["error"] == "APIConnectionError"
