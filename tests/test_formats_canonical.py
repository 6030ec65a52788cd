"""mmaudit's canonical JSONL, and JSON-array files of it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from tests.conftest import write_jsonl

REC = {
    "call_id": "c-1", "ts": "2025-03-01 12:00:00", "provider": "google", "model": "gemini-2.0-flash",
    "operation": "chat", "input_tokens": "800", "cached_input_tokens": 200, "output_tokens": 40.0,
    "reasoning_tokens": 0, "latency_ms": 310.5, "status": "ok", "http_status": 200,
    "logged_cost_usd": "0.000096", "tags": {"team": "growth", "cost_center": 42},
    "user_prompt": "Classify: refund please", "is_batch": True,
}
ERR = {"call_id": "c-2", "ts": 1740830400, "model": "deepseek-chat", "status": "error", "http_status": 503}


def test_canonical_keys_load_as_is(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "canon.jsonl", [REC, ERR]))
    rec, err = db.calls()
    assert rec["ts"] == datetime(2025, 3, 1, 12, tzinfo=timezone.utc)  # no zone means UTC
    assert (rec["input_tokens"], rec["cached_input_tokens"], rec["output_tokens"]) == (800, 200, 40)
    assert rec["logged_cost_usd"] == Decimal("0.000096")
    assert rec["tags"] == {"team": "growth", "cost_center": "42"}
    assert rec["is_batch"] is True and rec["latency_ms"] == 310.5
    assert err["ts"] == datetime(2025, 3, 1, 12, tzinfo=timezone.utc)  # epoch seconds
    assert (err["status"], err["error_type"], err["http_status"], err["provider"]) == ("error", "server", 503, "deepseek")
    assert (err["input_tokens"], err["output_tokens"]) == (0, 0)


def test_json_array_file(db, tmp_path):
    path = tmp_path / "calls.json"
    path.write_text(json.dumps([REC, ERR], indent=2))
    result = db.ingest(path)
    assert result.files[0].loaded == 2
    assert [r["source_line"] for r in db.calls()] == [1, 2]  # element numbers in the array
