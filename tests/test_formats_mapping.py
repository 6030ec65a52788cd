"""User mappings (YAML -> LogFormat): the two bundled examples, units, and refusal of unsafe input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.errors import ConfigError
from mmaudit.formats.mapping import BUNDLED, load_mapping
from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

GATEWAY = [
    {"req": {"id": "gw-1", "at_ms": 1746180000000}, "route": {"vendor": "anthropic", "model": "claude-3-5-haiku-20241022"},
     "usage": {"in": 30, "cache_read": 2000, "cache_write": 100, "out": 40, "thinking": 0},
     "timing": {"total_s": 1.25, "first_token_s": 0.2}, "outcome": "ok", "http": 200,
     "billing": {"micro_usd": 2500}, "meta": {"team": "search", "app": "qa"}},
    {"req": {"id": "gw-2", "at_ms": 1746180060000}, "route": {"vendor": "openai", "model": "gpt-4o"},
     "usage": {}, "timing": {"total_s": 0.05}, "outcome": "error", "http": 429, "err": "rate_limited",
     "meta": {"team": "search"}},
]
PORTKEY = [
    {"id": "pk-1", "trace_id": "tr-9", "created_at": "2025-05-02T10:00:00Z", "ai_provider": "openai",
     "ai_model": "gpt-4o-mini", "req_units": 1200, "cached_units": 1024, "res_units": 80, "response_time": 900,
     "response_status_code": 200, "cost": 0.00023, "metadata": {"environment": "prod", "_user": "u-3"}},
    {"id": "pk-2", "trace_id": "tr-10", "created_at": "2025-05-02T10:01:00Z", "ai_provider": "anthropic",
     "ai_model": "claude-3-7-sonnet-20250219", "req_units": 0, "res_units": 0, "response_time": 30000,
     "response_status_code": 504, "cost": 0, "metadata": {}},
]
NONE = {"operation": "chat", "is_batch": False}


def test_inhouse_gateway_mapping(db, tmp_path):
    fmt = load_mapping(BUNDLED / "inhouse_gateway.yaml")
    (file,) = db.ingest(write_jsonl(tmp_path / "gw.jsonl", GATEWAY), custom_format=fmt).files
    assert (file.log_format, file.loaded, file.quarantined) == ("inhouse-gateway", 2, 0)
    assert_calls(db.calls(), [
        # input logged without the cache: 30 + 2000 + 100
        {**NONE, "call_id": "gw-1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC), "provider": "anthropic",
         "model": "claude-3-5-haiku-20241022", "input_tokens": 2130, "cached_input_tokens": 2000,
         "cache_write_tokens": 100, "output_tokens": 40, "reasoning_tokens": 0, "latency_ms": 1250.0, "ttft_ms": 200.0,
         "status": "ok", "error_type": None, "http_status": 200, "logged_cost_usd": 0.0025,
         "tags": {"team": "search", "app": "qa"}},
        {**NONE, "call_id": "gw-2", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o", "input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0,
         "reasoning_tokens": 0, "latency_ms": 50.0, "ttft_ms": None, "status": "error", "error_type": "rate_limit",
         "http_status": 429, "logged_cost_usd": None, "tags": {"team": "search"}},
    ])


def ingest_with_mapping(tmp_path: Path, records: list[dict], mapping: str) -> tuple[Path, dict]:
    """Ingest `records` through the CLI (which prices them) with a bundled mapping: (db, JSON summary)."""
    import json

    log = write_jsonl(tmp_path / f"{mapping}.jsonl", records)
    db = tmp_path / "m.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(log), "--db", str(db), "--mapping", str(BUNDLED / f"{mapping}.yaml"),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout)


def test_portkey_like_mapping_through_the_cli(tmp_path):
    db, _ = ingest_with_mapping(tmp_path, PORTKEY, "portkey_like")
    from mmaudit import store
    from tests.conftest import rows

    con = store.connect(db)
    assert_calls(rows(con), [
        {**NONE, "call_id": "pk-1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o-mini", "input_tokens": 1200, "cached_input_tokens": 1024, "cache_write_tokens": 0,
         "output_tokens": 80, "reasoning_tokens": 0, "latency_ms": 900.0, "ttft_ms": None, "status": "ok",
         "error_type": None, "http_status": 200, "logged_cost_usd": 0.00023,
         "tags": {"trace_id": "tr-9", "environment": "prod", "user": "u-3"}},
        {**NONE, "call_id": "pk-2", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC), "provider": "anthropic",
         "model": "claude-3-7-sonnet-20250219", "input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0,
         "output_tokens": 0, "reasoning_tokens": 0, "latency_ms": 30000.0, "ttft_ms": None, "status": "error",
         "error_type": "timeout", "http_status": 504, "logged_cost_usd": 0.0, "tags": {"trace_id": "tr-10"}},
    ])
    con.close()


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, expected", [
    ('name: x\ndetect: [a]\ncolumns:\n  model: \'a"); DROP TABLE calls; --\'\n', "columns.model"),
    ("name: x\ndetect: [a]\ncolumns:\n  provider: {const: \"x'); DROP TABLE calls; --\"}\n", "columns.provider.const"),
    ("name: x\ndetect: [a]\ncolumns:\n  ts: {path: t, unit: fortnights}\n", "expected iso, epoch_s, epoch_ms, epoch_us"),
    ("name: x\ndetect: [a]\ncolumns:\n  prompt_tokens: a\n", "columns.prompt_tokens"),
    ("name: x\ndetect: []\ncolumns: {}\n", "detect"),
    ("name: x\ndetect: [a]\ncolumns:\n  model: a\n  input_tokens: a.b\n", "as a value"),
])
def test_bad_mappings_name_file_and_key(tmp_path, text, expected):
    path = _mapping(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_mapping(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_mapping_and_log_format_together_is_a_usage_error(tmp_path):
    log = write_jsonl(tmp_path / "portkey.jsonl", PORTKEY)
    result = CliRunner().invoke(app, ["ingest", str(log), "--db", str(tmp_path / "x.duckdb"), "--mapping",
                                      str(BUNDLED / "portkey_like.yaml"), "--log-format", "canonical"])
    assert result.exit_code == 2


COHERE = [
    {"timestamp": "2025-05-02T10:00:00Z", "latency_ms": 812, "status_code": 200,
     "request": {"model": "command-a-03-2025", "messages": [{"role": "user", "content": "hello"}]},
     "response": {"id": "c14c80c3-18eb", "message": {"role": "assistant", "content": [{"type": "text", "text": "Hi!"}]},
                  "finish_reason": "COMPLETE",
                  "usage": {"billed_units": {"input_tokens": 17, "output_tokens": 12},
                            "tokens": {"input_tokens": 215, "output_tokens": 12}}}},
]


def test_cohere_v2_mapping_bills_the_billed_units(tmp_path):
    from decimal import Decimal

    import duckdb

    db, summary = ingest_with_mapping(tmp_path, COHERE, "cohere_v2")
    assert summary["files"][0]["log_format"] == "cohere-v2"
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.sql("SELECT provider, model, input_tokens, output_tokens, latency_ms, cost_usd FROM calls").fetchall()
    finally:
        con.close()
    # billed units, not the template-inflated `tokens`; Command A at $2.50 / $10 per 1M
    assert row == [("cohere", "command-a-03-2025", 17, 12, 812.0,
                    (17 * Decimal("2.5") + 12 * Decimal("10")) / 10**6)]
