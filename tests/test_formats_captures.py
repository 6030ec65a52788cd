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
