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


def test_pretty_printed_json_documents_and_api_pages(db, tmp_path):
    # a saved API response (`curl ... | jq .`), several concatenated, and an API page of records
    # (`{"data": [...], "meta": ...}`, as Langfuse's and Helicone's query APIs return) are read as
    # records; before, every line of such a file was taken for a broken JSONL line
    pretty = tmp_path / "two.json"
    pretty.write_text(json.dumps(REC, indent=2) + "\n" + json.dumps({**ERR, "call_id": "e9"}, indent=2) + "\n")
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": [{**REC, "call_id": "p1"}, {**REC, "call_id": "p2"}],
                                "meta": {"page": 1, "totalItems": 2}}, indent=2))
    minified_page = tmp_path / "page2.json"
    minified_page.write_text(json.dumps({"data": [{**REC, "call_id": "p3"}], "error": None}))
    result = db.ingest(pretty, page, minified_page)
    assert [(f.loaded, f.quarantined) for f in result.files] == [(2, 0), (2, 0), (1, 0)]
    got = sorted((r["call_id"], r["source_line"]) for r in db.calls())
    assert got == [(REC["call_id"], 1), ("e9", 2), ("p1", 1), ("p2", 2), ("p3", 1)]  # record numbers


def test_a_json_document_wrapped_over_lines_by_hand_is_read(db, tmp_path):
    """A saved response an editor wrapped (`{"a": ...,` then `"b": ...}`) is neither JSONL nor
    opens with a bare `{` line: the whole file failed ("no valid JSON records") and lost its calls.
    A JSONL file named .json whose first line is broken still keeps its other lines."""
    text = json.dumps({**REC, "call_id": "w1"})
    cut = text.index('"model"')
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(text[:cut] + "\n " + text[cut:] + "\n" + text.replace("w1", "w2")[:cut] + "\n"
                       + text.replace("w1", "w2")[cut:] + "\n")
    broken = tmp_path / "broken.json"
    broken.write_text(text[:cut] + "\n" + json.dumps({**REC, "call_id": "b2"}) + "\n")
    result = db.ingest(wrapped, broken)
    assert [(f.loaded, f.quarantined) for f in result.files] == [(2, 0), (1, 1)]
    assert sorted(r["call_id"] for r in db.calls()) == ["b2", "w1", "w2"]


def test_an_api_page_larger_than_duckdbs_default_object_cap(db, tmp_path):
    # a page is one JSON value holding all its records: past 16 MB DuckDB refused it by default
    page = tmp_path / "page.json"
    big = "x" * (6 << 20)
    page.write_text(json.dumps({"data": [{**REC, "call_id": f"b{i}", "user_prompt": big} for i in range(3)], "meta": {}}))
    assert page.stat().st_size > 16 << 20
    (file,) = db.ingest(page).files
    assert (file.loaded, file.quarantined) == (3, 0)


def test_a_jsonl_file_named_json_keeps_its_bad_line_apart(db, tmp_path):
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(REC) + "\n{not json\n" + json.dumps({**REC, "call_id": "c2"}) + "\n")
    (file,) = db.ingest(path).files
    assert (file.loaded, file.quarantined) == (2, 1)


def test_pricing_dimensions_of_the_calls_table_are_read(db, tmp_path):
    # every `calls` column is a canonical key: 1-hour cache writes, the service tier and the
    # sample weight change what a call costs or stands for, and were once silently dropped
    lines = [
        {"call_id": "c1", "ts": "2025-11-02T10:00:00Z", "model": "claude-sonnet-4-5-20250929", "status": "ok",
         "input_tokens": 100010, "cache_write_tokens": 100000, "cache_write_1h_tokens": 100000, "output_tokens": 20},
        {"call_id": "c2", "ts": "2025-11-02T10:00:00Z", "model": "gpt-5", "status": "ok", "input_tokens": 1000,
         "output_tokens": 100, "service_tier": "flex", "sample_weight": 12.5},
        {"call_id": "c3", "ts": "2025-11-02T10:00:00Z", "model": "gpt-5", "status": "ok", "sample_weight": "x"},
        {"call_id": "c4", "ts": "2025-11-02T10:00:00Z", "model": "gpt-5", "status": "ok", "sample_weight": 0},
    ]
    (file,) = db.ingest(write_jsonl(tmp_path / "canon.jsonl", lines)).files
    assert (file.loaded, file.quarantined) == (2, 2)
    got = {r["call_id"]: (r["cache_write_1h_tokens"], r["service_tier"], r["sample_weight"]) for r in db.calls()}
    assert got == {"c1": (100000, None, 1.0), "c2": (0, "flex", 12.5)}
    reasons = [q["reason"] for q in db.quarantine()]
    assert reasons == ["sample_weight is x, not a positive number", "sample_weight is 0, not a positive number"]
