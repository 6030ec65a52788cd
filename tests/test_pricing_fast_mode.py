"""Anthropic's fast mode: a response whose `usage.speed` is "fast" is billed at the model's fast
rates (genai-prices' `speed: fast` price variant; claude-opus-4-8: $10/$50 per 1M against $5/$25,
cache reads $1, 5-minute writes $12.50, 1-hour writes $20). Ingest stores it as service tier
`fast`, in every Anthropic shape (a Messages body, a stream's start and delta, a Claude Code
line), and a replay keeps asking for fast mode on whichever model answers, where that model has
fast rates. A fast call on a model without fast rates on record is unpriced with its reason, never
priced at the standard rate it was not billed at.

Bodies follow anthropic-sdk-python's `types/usage.py` (`speed`, `service_tier`, `inference_geo`)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.pricing import load_catalog, register_prices, unpriced_calls
from tests.conftest import rows, write_jsonl
from tests.test_simulate import _keep_and_move

TS = "2026-11-02T10:00:00Z"


def usage(speed: str | None) -> dict:
    """1,000 input tokens: 600 uncached, 200 cache reads, 100 5-minute and 100 1-hour cache writes."""
    u = {"input_tokens": 600, "output_tokens": 2000, "cache_read_input_tokens": 200, "cache_creation_input_tokens": 200,
         "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 100},
         "service_tier": "standard", "inference_geo": "global"}
    return {**u, "speed": speed} if speed else u


def message(call_id: str, model: str, speed: str | None) -> dict:
    return {"id": call_id, "type": "message", "role": "assistant", "model": model, "timestamp": TS,
            "content": [{"type": "text", "text": "done"}], "stop_reason": "end_turn", "usage": usage(speed)}


# claude-opus-4-8, by hand: uncached 600, cache reads 200, 5m writes 100, 1h writes 100, output 2,000
FAST = (600 * Decimal(10) + 200 * Decimal(1) + 100 * Decimal("12.5") + 100 * Decimal(20) + 2000 * Decimal(50)) / 10**6
STANDARD = (600 * Decimal(5) + 200 * Decimal("0.5") + 100 * Decimal("6.25") + 100 * Decimal(10) + 2000 * Decimal(25)) / 10**6


def ingest(tmp_path: Path, files: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    """`mmaudit ingest` of each file into one database (priced as ingest prices), opened with prices registered."""
    db = tmp_path / "calls.duckdb"
    for name, records in files.items():
        done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / name, records)), "--db", str(db), "-f", "json"])
        assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db))
    register_prices(con, load_catalog())
    return con


def test_fast_mode_is_billed_at_fast_rates_in_every_anthropic_shape(tmp_path):
    start = {"type": "message_start", "message": {**message("msg_S", "claude-opus-4-8", "fast"),
                                                  "usage": {**usage("fast"), "output_tokens": 1}}}
    delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2000}}
    claude_code = {"type": "assistant", "timestamp": TS, "sessionId": "s1", "requestId": "req_C", "uuid": "u1",
                   "message": message("msg_C", "claude-opus-4-8", "fast")}
    con = ingest(tmp_path, {"m.jsonl": [message("msg_F", "claude-opus-4-8", "fast"),
                                        message("msg_N", "claude-opus-4-8", "standard"),
                                        message("msg_O", "claude-opus-4-8", None)],
                            "s.jsonl": [start, delta], "c.jsonl": [claude_code]})
    stored = {r["call_id"]: (r["service_tier"], r["cost_usd"])
              for r in rows(con, "SELECT call_id, service_tier, cost_usd FROM calls")}
    assert FAST == Decimal("0.10945") and STANDARD == Decimal("0.054725")
    assert stored == {"msg_F": ("fast", FAST), "msg_S": ("fast", FAST), "cc:msg_C:req_C": ("fast", FAST),
                      "msg_N": ("standard", STANDARD), "msg_O": ("standard", STANDARD)}


def test_fast_mode_on_a_model_without_fast_rates_is_unpriced_with_its_reason(tmp_path):
    # claude-sonnet-4-5 has no fast rates on record: charging its standard rate would be a guess
    con = ingest(tmp_path, {"m.jsonl": [message("msg_X", "claude-sonnet-4-5-20250929", "fast")]})
    assert rows(con, "SELECT service_tier, cost_usd FROM calls") == [{"service_tier": "fast", "cost_usd": None}]
    [unpriced] = unpriced_calls(con)
    assert unpriced["reason"] == "no rate for service tier fast" and unpriced["calls"] == 1


def test_a_replay_keeps_fast_mode_where_the_answering_model_has_it(tmp_path):
    fast = message("msg_F", "claude-opus-4-8", "fast")
    for sub in ("opus5", "sonnet", "sonnet-std"):
        (tmp_path / sub).mkdir()
    kept = _keep_and_move(tmp_path / "opus5", [fast], "claude-opus-5")
    assert Decimal(str(kept["keep"]["baseline_cost_usd"])) == FAST
    assert kept["keep"]["projected_cost_usd"] == kept["keep"]["baseline_cost_usd"]
    # claude-opus-5's fast rates are claude-opus-4-8's ($10/$50...): the same bill
    assert Decimal(str(kept["move"]["projected_cost_usd"])) == FAST
    # claude-sonnet-4-5 has no fast mode: the call runs (and is priced) as a standard-speed call
    # sent there would be (both scaled by the same tokenizer ratio)
    moved = _keep_and_move(tmp_path / "sonnet", [fast], "claude-sonnet-4-5")["move"]
    standard = _keep_and_move(tmp_path / "sonnet-std", [message("msg_N", "claude-opus-4-8", None)], "claude-sonnet-4-5")["move"]
    assert moved["projected_cost_usd"] == standard["projected_cost_usd"] > 0


def test_prices_show_lists_the_fast_tier():
    done = CliRunner().invoke(app, ["prices", "show", "claude-opus-4-8", "-f", "json"])
    assert done.exit_code == 0, done.output
    history = json.loads(done.stdout)["history"]
    assert {(r["input"], r["output"], r["cache_write_1h"]) for r in history if r["service_tier"] == "fast"} == {(10.0, 50.0, 20.0)}
