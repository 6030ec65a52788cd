"""Anthropic Message Batches results: cache added back like Messages, every outcome a call."""

from __future__ import annotations

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

SUCCEEDED = {"custom_id": "doc-1", "result": {"type": "succeeded", "message": {
    "id": "msg_b1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
    "content": [{"type": "text", "text": "Summary."}], "stop_reason": "end_turn",
    "usage": {"input_tokens": 20, "output_tokens": 300, "cache_read_input_tokens": 9000,
              "cache_creation_input_tokens": 1000}}}}
ERRORED = {"custom_id": "doc-2", "result": {"type": "errored", "error": {
    "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}}}
EXPIRED = {"custom_id": "doc-3", "result": {"type": "expired"}}
CANCELED = {"custom_id": "doc-4", "result": {"type": "canceled"}}

BASE = {"ts": None, "provider": "anthropic", "operation": "chat", "reasoning_tokens": 0, "latency_ms": None,
        "ttft_ms": None, "is_batch": True, "logged_cost_usd": None}
ZERO = {"input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0, "model": None}


def test_batch_results_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "results.jsonl", [SUCCEEDED, ERRORED, EXPIRED, CANCELED]))
    assert result.files[0].log_format == "anthropic-batch" and result.files[0].quarantined == 0
    rows = db.calls()
    assert_calls(rows, [
        # 20 uncached + 9000 cache reads + 1000 cache writes
        {**BASE, "call_id": "msg_b1", "model": "claude-sonnet-4-20250514", "input_tokens": 10020,
         "cached_input_tokens": 9000, "cache_write_tokens": 1000, "output_tokens": 300, "status": "ok",
         "error_type": None, "http_status": 200, "tags": {"custom_id": "doc-1", "batch_result": "succeeded"},
         "response_text": "Summary."},
        {**BASE, **ZERO, "call_id": rows[1]["call_id"], "status": "error", "error_type": "server", "http_status": 529,
         "tags": {"custom_id": "doc-2", "batch_result": "errored"}},
        {**BASE, **ZERO, "call_id": rows[2]["call_id"], "status": "error", "error_type": "timeout", "http_status": None,
         "tags": {"custom_id": "doc-3", "batch_result": "expired"}},
        {**BASE, **ZERO, "call_id": rows[3]["call_id"], "status": "error", "error_type": "client", "http_status": None,
         "tags": {"custom_id": "doc-4", "batch_result": "canceled"}},
    ])
    assert rows[1]["call_id"].startswith("anthropic-batch:doc-2:")


def test_batch_request_file_is_refused(db, tmp_path):
    line = {"custom_id": "doc-1", "params": {"model": "claude-sonnet-4-20250514", "max_tokens": 1024,
                                             "messages": [{"role": "user", "content": "Summarise"}]}}
    (file,) = db.ingest(write_jsonl(tmp_path / "requests.jsonl", [line])).files
    assert file.status == "failed" and "batch input file" in file.message
