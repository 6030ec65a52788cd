"""HTTP exchanges captured whole (`{request: {url, method, body}, response: {status, headers,
body}}`, as a logging proxy or vercel/ai's live-call recorder writes them) read as the pairs they
hold; an OpenAI Batch output line, whose `response` also has a `body`, stays a batch line."""

from __future__ import annotations

from tests.conftest import write_jsonl

GEMINI = {"capturedAt": "2026-07-08T12:10:59.613Z", "model": "gemini-2.5-flash",
          "request": {"url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
                      "method": "POST", "body": {"contents": [{"role": "user", "parts": [{"text": "Say OK."}]}]}},
          "response": {"status": 200, "headers": {"content-type": "application/json"},
                       "body": {"candidates": [{"content": {"role": "model", "parts": [{"text": "OK."}]}, "finishReason": "STOP"}],
                                "usageMetadata": {"promptTokenCount": 6, "candidatesTokenCount": 2, "thoughtsTokenCount": 20,
                                                  "totalTokenCount": 28},
                                "modelVersion": "gemini-2.5-flash", "responseId": "Uz5O"}}}
CLAUDE = {"issue": 14707, "requestBody": {"model": "claude-opus-4-7", "max_tokens": 16,
                                          "messages": [{"role": "user", "content": "Reply with exactly OK"}]},
          "response": {"status": 200, "statusText": "OK", "headers": {"request-id": "req_011"},
                       "body": {"id": "msg_011", "type": "message", "role": "assistant", "model": "claude-opus-4-7",
                                "content": [{"type": "text", "text": "OK"}], "stop_reason": "end_turn",
                                "usage": {"input_tokens": 21, "output_tokens": 6}}}}
FAILED = {**CLAUDE, "response": {"status": 429, "body": {"type": "error", "error": {"type": "rate_limit_error",
                                                                                 "message": "Rate limited"}}}}


def test_captured_exchanges_are_read_as_their_pairs(db, tmp_path):
    (gemini,) = db.ingest(write_jsonl(tmp_path / "gemini.jsonl", [GEMINI])).files
    (claude,) = db.ingest(write_jsonl(tmp_path / "claude.jsonl", [CLAUDE, FAILED])).files
    assert (gemini.log_format, gemini.loaded, claude.log_format, claude.loaded) == ("gemini", 1, "anthropic-messages", 2)
    got = {r["call_id"]: r for r in db.calls()}
    g = got["Uz5O"]
    assert (g["model"], g["input_tokens"], g["output_tokens"], g["user_prompt"]) == ("gemini-2.5-flash", 6, 22, "Say OK.")
    assert str(g["ts"]).startswith("2026-07-08 12:10:59")  # the capture's time
    c = got["msg_011"]
    assert (c["model"], c["input_tokens"], c["output_tokens"], c["user_prompt"]) == ("claude-opus-4-7", 21, 6, "Reply with exactly OK")
    (failed,) = [r for r in got.values() if r["status"] == "error"]
    assert (failed["error_type"], failed["http_status"]) == ("rate_limit", 429)


def test_an_openai_batch_line_is_not_taken_for_a_capture(db, tmp_path):
    line = {"id": "batch_req_1", "custom_id": "r-1",
            "response": {"status_code": 200, "request_id": "req_1",
                         "body": {"id": "chatcmpl-1", "object": "chat.completion", "created": 1711652795, "model": "gpt-4o-mini",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
                                  "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}},
            "error": None}
    (file,) = db.ingest(write_jsonl(tmp_path / "batch.jsonl", [line])).files
    assert (file.log_format, file.loaded) == ("openai-batch", 1)
    assert db.calls()[0]["tags"]["custom_id"] == "r-1"


def test_the_address_names_bedrocks_model_and_azures_host(db, tmp_path):
    # Mirascope's recorded e2e calls (python/tests/e2e/output/cassettes): a Bedrock Converse body
    # names no model (only the address does, URL-encoded), and an Azure Responses call's body looks
    # like OpenAI's; a body that is an error is one whatever status the exchange had
    converse = {"request": {"url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-micro-v1%3A0/converse",
                            "method": "POST", "body": {"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}},
                "response": {"status": 200, "body": {"metrics": {"latencyMs": 298}, "output": {"message": {
                    "role": "assistant", "content": [{"text": "Hello!"}]}}, "stopReason": "end_turn",
                    "usage": {"inputTokens": 12, "outputTokens": 63, "totalTokens": 75}}}}
    azure = {"request": {"url": "https://dummy.openai.azure.com/openai/responses?api-version=2025-04-01-preview",
                         "method": "POST", "body": {"model": "gpt-4o-mini", "input": "Hi"}},
             "response": {"status": 200, "body": {"id": "resp_1", "object": "response", "created_at": 1751000000,
                                                  "model": "gpt-4o-mini", "status": "completed", "output": [],
                                                  "usage": {"input_tokens": 16, "output_tokens": 11, "total_tokens": 27}}}}
    error = {"request": {"url": "https://api.anthropic.com/v1/messages", "method": "POST"},
             "response": {"status": 200, "body": {"type": "error", "request_id": "req_011", "error": {
                 "type": "invalid_request_error", "message": "unexpected `tool_use_id` found in `tool_result` blocks"}}}}
    db.ingest(write_jsonl(tmp_path / "converse.jsonl", [converse]), write_jsonl(tmp_path / "azure.jsonl", [azure]),
              write_jsonl(tmp_path / "mixed.jsonl", [CLAUDE, error]))
    got = {r["source_file"].rsplit("/", 1)[1] + f":{r['source_line']}": r for r in db.calls()}
    nova, resp, failed = got["converse.jsonl:1"], got["azure.jsonl:1"], got["mixed.jsonl:2"]
    assert (nova["provider"], nova["model"], nova["input_tokens"], nova["output_tokens"]) == (
        "aws-bedrock", "amazon.nova-micro-v1:0", 12, 63)
    assert (resp["provider"], resp["model"]) == ("azure", "gpt-4o-mini")
    assert (failed["provider"], failed["status"], failed["error_type"]) == ("anthropic", "error", "client")
    assert db.quarantine() == []
