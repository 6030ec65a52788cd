"""OpenAI Codex CLI session logs (rollout-*.jsonl): one call per model response (a token_count
event, or a token_usage_record alone), the model from the turn's context, and Codex's doubled
token_count lines counted once."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl

SESSION = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def token_count(ts: str, last: dict, total: int) -> dict:
    usage = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_output_tokens": 0, **last}
    usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": {
        "total_token_usage": {**usage, "total_tokens": total}, "last_token_usage": usage, "model_context_window": 272000},
        "rate_limits": {"primary": None}}}


def test_codex_session(tmp_path):
    first = token_count("2026-06-01T10:00:05.000Z", {"input_tokens": 9000, "cached_input_tokens": 8000, "output_tokens": 500,
                                                     "reasoning_output_tokens": 300}, 9500)
    second = token_count("2026-06-01T10:01:00.000Z", {"input_tokens": 12000, "cached_input_tokens": 11000,
                                                      "output_tokens": 200}, 21700)
    lines = [
        {"timestamp": "2026-06-01T10:00:00.000Z", "type": "session_meta",
         "payload": {"id": SESSION, "cwd": "/repo", "originator": "codex_cli_rs", "cli_version": "0.46.0", "model_provider": "openai"}},
        {"timestamp": "2026-06-01T10:00:01.000Z", "type": "turn_context",
         "payload": {"cwd": "/repo", "approval_policy": "on-request", "model": "gpt-5-codex", "effort": "medium"}},
        {"timestamp": "2026-06-01T10:00:02.000Z", "type": "response_item",
         "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix the failing test"}]}},
        {"timestamp": "2026-06-01T10:00:03.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": None}},
        first, first,  # Codex writes each token_count event twice in a row
        {"timestamp": "2026-06-01T10:00:59.000Z", "type": "turn_context", "payload": {"cwd": "/repo", "model": "gpt-5"}},
        second,
    ]
    db = tmp_path / "c.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "rollout.jsonl", lines)), "--db", str(db)])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        (ledger,) = rows(con, "SELECT source_format, loaded, duplicates FROM ingested_files")
        a, b = rows(con)
    finally:
        con.close()
    assert (ledger["source_format"], ledger["loaded"], ledger["duplicates"]) == ("codex-cli", 2, 1)
    # the Responses API's counts: input includes the cached 8,000, output the 300 reasoning
    assert (a["provider"], a["model"], a["input_tokens"], a["cached_input_tokens"], a["output_tokens"], a["reasoning_tokens"]) == (
        "openai", "gpt-5-codex", 9000, 8000, 500, 300)
    assert a["cost_usd"] == (1000 * Decimal("1.25") + 8000 * Decimal("0.125") + 500 * 10) / 10**6
    assert a["tags"] == {"app": "codex", "session": SESSION}
    assert (b["model"], b["input_tokens"], b["task"]) == ("gpt-5", 12000, "code")  # the second turn's model; filed under code


def test_a_repeat_written_later_and_a_forks_replayed_history_are_the_same_calls(tmp_path):
    # A real Codex Desktop rollout (0.104) writes each token_count again 0.6-0.7 s later with the
    # same totals; a forked session's file replays its parent's history (under the parent's
    # session_meta) re-stamped to the fork's time, then runs its own turn. Counted by time, the
    # rollout's 2 calls were 4, and the fork's 1 new call came with the parent's 2 again.
    meta = {"timestamp": "2026-02-23T12:41:04.000Z", "type": "session_meta", "payload": {"id": SESSION, "model_provider": "openai"}}
    turn = {"timestamp": "2026-02-23T12:41:05.000Z", "type": "turn_context", "payload": {"model": "gpt-5-codex"}}
    one = {"input_tokens": 9000, "cached_input_tokens": 8000, "output_tokens": 500}
    two = {"input_tokens": 12000, "cached_input_tokens": 11000, "output_tokens": 200}
    parent = [meta, turn, token_count("2026-02-23T12:41:10.100Z", one, 9500), token_count("2026-02-23T12:41:10.690Z", one, 9500),
              token_count("2026-02-23T12:42:00.000Z", two, 21700), token_count("2026-02-23T12:42:00.670Z", two, 21700)]
    fork_meta = {"timestamp": "2026-02-23T13:00:00.000Z", "type": "session_meta",
                 "payload": {"id": "0199ffff-0000-7000-8000-000000000001", "forked_from_id": SESSION, "model_provider": "openai"}}
    replayed = [{**line, "timestamp": "2026-02-23T13:00:00.500Z"} for line in parent]
    own = token_count("2026-02-23T13:01:00.000Z", {"input_tokens": 22000, "cached_input_tokens": 21000, "output_tokens": 100}, 43800)
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    write_jsonl(sessions / "rollout-2026-02-23T12-41-04-parent.jsonl", parent)  # files are read in name (time) order
    write_jsonl(sessions / "rollout-2026-02-23T13-00-00-fork.jsonl", [fork_meta, *replayed, own])
    db = tmp_path / "c.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(sessions), "--db", str(db)])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("SELECT input_tokens, output_tokens, tags['session'] FROM calls ORDER BY input_tokens").fetchall()
    finally:
        con.close()
    # the fork's own call is the fork's session's, though its id carries the parent's
    assert got == [(9000, 500, SESSION), (12000, 200, SESSION), (22000, 100, "0199ffff-0000-7000-8000-000000000001")]


def test_fast_mode_and_a_model_switch_from_applied_settings_price_the_later_calls(tmp_path):
    """Codex writes `thread_settings_applied` when the user switches model or turns fast mode on
    (`service_tier: "priority"`; the shape of jazzyalex/agent-sessions' rollout fixture, cut from a
    Codex 0.146 session, and of the Codex usage parsers that read it). Such calls were priced as
    standard, about half their cost, and a switched model was not seen. `cache_write_input_tokens`
    (inside `input_tokens`) are cache writes."""
    usage = {"input_tokens": 10000, "cached_input_tokens": 4000, "output_tokens": 1000}

    def applied(ts: str, **settings) -> dict:
        return {"timestamp": ts, "type": "event_msg",
                "payload": {"type": "thread_settings_applied", "thread_settings": {"cwd": "/repo", **settings}}}

    lines = [
        {"timestamp": "2026-11-02T09:00:00.000Z", "type": "session_meta", "payload": {"id": SESSION, "model_provider": "openai"}},
        {"timestamp": "2026-11-02T09:00:01.000Z", "type": "turn_context", "payload": {"cwd": "/repo", "model": "gpt-5"}},
        token_count("2026-11-02T09:00:10.000Z", usage, 11000),
        applied("2026-11-02T09:01:00.000Z", model="gpt-5", service_tier="priority"),
        token_count("2026-11-02T09:01:10.000Z", usage, 22000),
        applied("2026-11-02T09:02:00.000Z", model="gpt-5-mini", service_tier="default"),
        token_count("2026-11-02T09:02:10.000Z", {**usage, "cache_write_input_tokens": 2000}, 33000),
    ]
    db = tmp_path / "c.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "rollout.jsonl", lines)), "--db", str(db)])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        standard, fast, switched = rows(con)
    finally:
        con.close()
    # gpt-5: 6,000 x $1.25 + 4,000 x $0.125 + 1,000 x $10 per 1M; priority: $2.50, $0.25, $20
    assert (standard["model"], standard["service_tier"], standard["cost_usd"]) == ("gpt-5", None, Decimal("0.018"))
    assert (fast["model"], fast["service_tier"], fast["cost_usd"]) == ("gpt-5", "priority", Decimal("0.036"))
    assert (switched["model"], switched["service_tier"], switched["cache_write_tokens"], switched["input_tokens"]) == (
        "gpt-5-mini", "default", 2000, 10000)
