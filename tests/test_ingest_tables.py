"""CSV and Parquet files with canonical columns load like JSONL; source_line is the data row."""

from __future__ import annotations

from datetime import UTC

import duckdb

from tests.test_formats_helpers import assert_calls

HEADER = "call_id,ts,provider,model,input_tokens,cached_input_tokens,output_tokens,status,http_status,logged_cost_usd,tags"
ROWS = [
    'c-1,2025-05-02T10:00:00Z,openai,gpt-4o,1200,1024,300,ok,200,0.0042,"{""team"": ""search""}"',
    "c-2,2025-05-02T10:01:00Z,anthropic,claude-3-5-haiku-20241022,,,,error,429,,",
    "c-3,2025-05-02T10:02:00Z,openai,gpt-4o,NaN,0,1,ok,200,,",
]
DEFAULTS = {"operation": "chat", "prompt_chars": 0, "cache_write_tokens": 0, "reasoning_tokens": 0, "latency_ms": None, "ttft_ms": None,
            "is_batch": False}
EXPECTED = [
    {**DEFAULTS, "call_id": "c-1", "provider": "openai", "model": "gpt-4o", "input_tokens": 1200,
     "cached_input_tokens": 1024, "output_tokens": 300, "status": "ok", "error_type": None, "http_status": 200,
     "logged_cost_usd": 0.0042, "tags": {"team": "search"}},
    {**DEFAULTS, "call_id": "c-2", "provider": "anthropic", "model": "claude-3-5-haiku-20241022", "input_tokens": 0,
     "cached_input_tokens": 0, "output_tokens": 0, "status": "error", "error_type": "rate_limit", "http_status": 429,
     "logged_cost_usd": None, "tags": None},
]


def _with_ts(expected):
    from datetime import datetime

    return [{**e, "ts": datetime(2025, 5, 2, 10, i, tzinfo=UTC)} for i, e in enumerate(expected)]


def test_csv_with_canonical_columns(db, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    (file,) = db.ingest(path).files
    assert (file.log_format, file.loaded, file.quarantined) == ("canonical", 2, 1)
    assert_calls(db.calls(), _with_ts(EXPECTED))
    (bad,) = db.quarantine()
    assert bad["source_line"] == 3 and "input_tokens is NaN" in bad["reason"]


def test_parquet_with_canonical_columns(db, tmp_path):
    csv = tmp_path / "calls.csv"
    csv.write_text("\n".join([HEADER, *ROWS[:2]]) + "\n", encoding="utf-8")
    path = tmp_path / "calls.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE (CAST(ts AS TIMESTAMPTZ) AS ts, CAST(input_tokens AS BIGINT) AS input_tokens)"
        f" FROM read_csv('{csv}', all_varchar = true)) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    (file,) = db.ingest(path).files
    assert (file.log_format, file.loaded, file.quarantined) == ("canonical", 2, 0)
    assert_calls(db.calls(), _with_ts(EXPECTED))
