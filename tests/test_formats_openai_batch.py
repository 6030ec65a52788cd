"""OpenAI Batch output/error files; a batch INPUT file is refused with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

OK = {"id": "batch_req_1", "custom_id": "task-1", "error": None, "response": {
    "status_code": 200, "request_id": "req_a", "body": {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1746180000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "positive"}}],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 3, "total_tokens": 1503,
                  "prompt_tokens_details": {"cached_tokens": 1280},
                  "completion_tokens_details": {"reasoning_tokens": 0}}}}}
EMBED = {"id": "batch_req_2", "custom_id": "emb-7", "error": None, "response": {
    "status_code": 200, "request_id": "req_b", "body": {
        "object": "list", "model": "text-embedding-3-small", "data": [],
        "usage": {"prompt_tokens": 42, "total_tokens": 42}}}}
QUOTA = {"id": "batch_req_3", "custom_id": "task-3", "error": None, "response": {
    "status_code": 429, "request_id": "req_c", "body": {"error": {
        "message": "Enqueued token limit reached", "type": "tokens", "code": "rate_limit_exceeded"}}}}
EXPIRED = {"id": "batch_req_4", "custom_id": "task-4", "response": None,
           "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}

BASE = {"ttft_ms": None, "latency_ms": None, "is_batch": True, "logged_cost_usd": None, "cache_write_tokens": 0}


def test_batch_output_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "batch_output.jsonl", [OK, EMBED, QUOTA, EXPIRED]))
    assert result.files[0].log_format == "openai-batch" and result.files[0].quarantined == 0
    assert_calls(db.calls(), [
        {**BASE, "call_id": "batch_req_1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o-mini-2024-07-18", "operation": "chat", "input_tokens": 1500, "cached_input_tokens": 1280,
         "output_tokens": 3, "reasoning_tokens": 0, "status": "ok", "error_type": None, "http_status": 200,
         "tags": {"custom_id": "task-1"}, "response_text": "positive"},
        {**BASE, "call_id": "batch_req_2", "ts": None, "provider": "openai", "model": "text-embedding-3-small",
         "operation": "embedding", "input_tokens": 42, "cached_input_tokens": 0, "output_tokens": 0,
         "reasoning_tokens": 0, "status": "ok", "error_type": None, "http_status": 200, "tags": {"custom_id": "emb-7"}},
        # a 429 is a failure even though `error` is null
        {**BASE, "call_id": "batch_req_3", "ts": None, "provider": "openai", "model": None, "operation": "chat",
         "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "status": "error",
         "error_type": "rate_limit", "http_status": 429, "tags": {"custom_id": "task-3"}},
        {**BASE, "call_id": "batch_req_4", "ts": None, "provider": "openai", "model": None, "operation": "chat",
         "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "status": "error",
         "error_type": "client", "http_status": None, "tags": {"custom_id": "task-4"}},
    ])


def test_batch_input_file_is_refused(db, tmp_path):
    line = {"custom_id": "task-1", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}
    result = db.ingest(write_jsonl(tmp_path / "batch_input.jsonl", [line, {**line, "custom_id": "task-2"}]))
    (file,) = result.files
    assert file.status == "failed"
    assert "this is a batch input file: it has requests but no outcomes; ingest the batch output file" in file.message
    assert db.calls() == [] and db.quarantine() == []
