"""Codex CLI rollouts: the `token_count` events that are Codex's bookkeeping, not answers, and the
per-response `token_usage_record` lines of current Codex (0.15x+), read without counting a response
twice."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl

SESSION = "0199f0aa-1111-7222-8333-444455556666"
META = {"timestamp": "2025-10-17T05:50:00.000Z", "type": "session_meta",
        "payload": {"id": SESSION, "timestamp": "2025-10-17T05:50:00.000Z", "cwd": "/w", "originator": "codex_cli_rs",
                    "cli_version": "0.46.0", "model_provider": "openai"}}
TURN = {"timestamp": "2025-10-17T05:50:01.000Z", "type": "turn_context",
        "payload": {"cwd": "/w", "approval_policy": "on-request", "model": "gpt-5-codex", "effort": "medium", "summary": "auto"}}
# A real token_count, pasted from a session file in openai/codex issue #5276
REAL = {"timestamp": "2025-10-17T05:54:20.209Z", "type": "event_msg", "payload": {"type": "token_count", "info": {
    "total_token_usage": {"input_tokens": 26549, "cached_input_tokens": 22272, "output_tokens": 1590,
                          "reasoning_output_tokens": 1152, "total_tokens": 28139},
    "last_token_usage": {"input_tokens": 6245, "cached_input_tokens": 5376, "output_tokens": 407,
                         "reasoning_output_tokens": 320, "total_tokens": 6652},
    "model_context_window": 272000}, "rate_limits": {"primary": None, "secondary": None}}}
# (6245 - 5376) x $1.25 + 5376 x $0.125 + 407 x $10 per 1M (gpt-5-codex)
REAL_COST = Decimal("0.00582825")


def zero_usage(total: int) -> dict:
    return {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_output_tokens": 0, "total_tokens": total}


def count_event(ts: str, total: dict, last: dict) -> dict:
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": {
        "total_token_usage": total, "last_token_usage": last, "model_context_window": 272000}, "rate_limits": None}}


def ingest(db, path) -> dict:
    """`mmaudit ingest` of one rollout (priced, as a user runs it): the file's ledger."""
    done = CliRunner().invoke(app, ["ingest", str(path), "--db", str(db), "-f", "json"])
    assert done.exit_code == 0, done.output
    (file,) = json.loads(done.stdout)["files"]
    return file


def stored(db) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return rows(con, "SELECT * FROM calls ORDER BY ts, source_line")
    finally:
        con.close()


def test_a_context_window_filled_after_a_refused_request_is_not_a_call(tmp_path):
    # `TokenUsageInfo::fill_to_context_window` (codex-rs/protocol/src/protocol.rs), which Codex runs
    # through `Session::set_total_tokens_full` when the API refuses a request for its context
    # length: the running total becomes the window (272,000) and `last` the rest of it
    # (272,000 - 28,139), every other count 0. It was stored as a second, successful $0 call.
    full = count_event("2025-10-17T05:56:00.000Z", zero_usage(272000), zero_usage(243861))
    error = {"timestamp": "2025-10-17T05:56:00.100Z", "type": "event_msg", "payload": {"type": "error", "message":
             "Codex ran out of room in the model's context window. Start a new conversation or clear earlier history before retrying."}}
    file = ingest(tmp_path / "c.duckdb", write_jsonl(tmp_path / "rollout.jsonl", [META, TURN, REAL, full, error]))
    assert (file["loaded"], file["quarantined"], file["conflicting_ids"]) == (1, 0, 0)
    (call,) = stored(tmp_path / "c.duckdb")
    assert (call["call_id"], call["status"], call["input_tokens"], call["output_tokens"]) == (f"codex:{SESSION}:28139", "ok", 6245, 407)
    assert call["cost_usd"] == REAL_COST


def test_the_size_recomputed_after_a_compaction_is_not_a_second_version_of_the_call(tmp_path):
    # `Session::recompute_token_usage` after a compaction: the running total unchanged, `last` an
    # estimate of the compacted history (3,120), no input, no output. Sharing the previous call's
    # id with other counts, it was reported as "1 duplicate id(s) with different content".
    compacted = {"timestamp": "2025-10-17T05:55:00.000Z", "type": "compacted", "payload": {"message": "summary"}}
    recomputed = count_event("2025-10-17T05:55:00.100Z", REAL["payload"]["info"]["total_token_usage"], zero_usage(3120))
    file = ingest(tmp_path / "c.duckdb", write_jsonl(tmp_path / "rollout.jsonl", [META, TURN, REAL, compacted, recomputed]))
    assert (file["loaded"], file["duplicates"], file["conflicting_ids"], file["quarantined"]) == (1, 0, 0, 0)
    assert [c["cost_usd"] for c in stored(tmp_path / "c.duckdb")] == [REAL_COST]


# Current Codex: the shape of `TokenUsageRecord` (openai/codex codex-rs/protocol/src/protocol.rs:
# thread_id, turn_id, session_id, root_turn_id, response_id, usage, turn_token_usage,
# thread_token_usage; later also parent_thread_id, attribution, completed_at_ms) as real 0.153-0.157
# rollouts write it (the line types listed from a real ~/.codex on codex-cli 0.156.1; the order and
# fields of a Codex 0.153.4 session as a Codex usage reader's fixture has them). The values are
# illustrative.
THREAD = "01a07960-0000-7000-8000-0000000000aa"
TURN_ID = "01a07960-0000-7000-8000-000000000001"
NEW_META = {"timestamp": "2026-09-07T01:00:00Z", "ordinal": 0, "type": "session_meta",
            "payload": {"id": THREAD, "session_id": THREAD, "cwd": "/toy", "cli_version": "0.153.4", "source": "exec",
                        "model_provider": "openai"}}
NEW_TURN = [{"timestamp": "2026-09-07T01:00:00Z", "type": "event_msg", "payload": {"type": "task_started", "turn_id": TURN_ID}},
            {"timestamp": "2026-09-07T01:00:00Z", "type": "turn_context", "payload": {"turn_id": TURN_ID, "model": "gpt-5.1-codex"}},
            {"timestamp": "2026-09-07T01:00:00Z", "type": "world_state", "payload": {"agents_md": []}}]


def usage(inp: int, cached: int, out: int, reasoning: int = 0) -> dict:
    return {"input_tokens": inp, "cached_input_tokens": cached, "cache_write_input_tokens": 0, "output_tokens": out,
            "reasoning_output_tokens": reasoning, "total_tokens": inp + out}


def record(ts: str, response_id: str, use: dict, thread: str = THREAD, **extra) -> dict:
    return {"timestamp": ts, "type": "token_usage_record", "payload": {
        "thread_id": thread, "session_id": THREAD, "turn_id": TURN_ID, "root_turn_id": TURN_ID, "response_id": response_id,
        "usage": use, "turn_token_usage": use, "thread_token_usage": use, **extra}}


def counted(ts: str, running_total: int, last: dict) -> dict:
    return count_event(ts, {**last, "total_tokens": running_total}, last)


FIRST = usage(200000, 180000, 2000, 1000)
COMPACT = usage(203000, 180000, 4000)
SECOND = usage(30000, 20000, 500)
COMPACTION = [
    record("2026-09-07T01:00:10Z", "resp_first", FIRST),
    counted("2026-09-07T01:00:10.100Z", 202000, FIRST),  # the same response, restated as a token_count
    counted("2026-09-07T01:00:10.700Z", 202000, FIRST),  # Codex's repeat of it
    # a remote compaction (`compact_remote_v2`): recorded, never in a token_count
    record("2026-09-07T01:00:40Z", "resp_compact", COMPACT),
    {"timestamp": "2026-09-07T01:00:40.100Z", "type": "compacted", "payload": {
        "message": "", "compaction_response_id": "resp_compact", "replacement_history": [],
        "latest_token_usage_record": record("2026-09-07T01:00:40Z", "resp_compact", COMPACT)["payload"]}},
    # the size recomputed after it: running total unchanged, `last` an estimate
    count_event("2026-09-07T01:00:40.200Z", {**FIRST, "total_tokens": 202000}, {**zero_usage(23921), "cache_write_input_tokens": 0}),
    record("2026-09-07T01:01:00Z", "resp_second", SECOND),
    counted("2026-09-07T01:01:00.100Z", 232500, SECOND),
]
# gpt-5.1-codex, $1.25 input, $0.125 cached, $10 output per 1M:
# first (200,000 - 180,000) x 1.25 + 180,000 x 0.125 + 2,000 x 10 = 67,500
# compaction (203,000 - 180,000) x 1.25 + 180,000 x 0.125 + 4,000 x 10 = 91,250
# second (30,000 - 20,000) x 1.25 + 20,000 x 0.125 + 500 x 10 = 20,000
COSTS = [Decimal("0.0675"), Decimal("0.09125"), Decimal("0.02")]


def test_a_remote_compaction_in_a_token_usage_record_alone_is_a_call_and_the_others_count_once(tmp_path):
    # Every token_usage_record was quarantined ("not a codex-cli record"), and the remote
    # compaction's usage, in no token_count, was lost (57% of this session's cost).
    file = ingest(tmp_path / "c.duckdb", write_jsonl(tmp_path / "rollout.jsonl", [NEW_META, *NEW_TURN, *COMPACTION]))
    assert (file["loaded"], file["quarantined"], file["conflicting_ids"]) == (3, 0, 0)
    calls = stored(tmp_path / "c.duckdb")
    assert [(c["call_id"], c["model"], c["input_tokens"], c["cached_input_tokens"], c["output_tokens"]) for c in calls] == [
        (f"codex:{THREAD}:202000", "gpt-5.1-codex", 200000, 180000, 2000),  # a record takes its token_count's id
        (f"codex:{THREAD}:resp_compact", "gpt-5.1-codex", 203000, 180000, 4000),
        (f"codex:{THREAD}:232500", "gpt-5.1-codex", 30000, 20000, 500)]
    assert [c["cost_usd"] for c in calls] == COSTS
    assert calls[0]["reasoning_tokens"] == 1000


def test_usage_only_a_token_count_or_only_a_record_has_is_counted_and_a_record_keeps_its_model(tmp_path):
    # A response that ended incomplete with usage is written only as a token_count
    # (`update_token_usage_info`, no record); a one-shot child's response forwarded to its parent
    # (`persist_forwarded_response_usage`) only as a record, under the child's thread and model.
    incomplete = usage(40000, 30000, 100)
    child = usage(8000, 0, 300)
    lines = [NEW_META, *NEW_TURN, record("2026-09-07T01:00:10Z", "resp_first", FIRST),
             counted("2026-09-07T01:00:10.100Z", 202000, FIRST),
             counted("2026-09-07T01:00:30Z", 242100, incomplete),
             record("2026-09-07T01:00:50Z", "resp_review", child, thread="01a07960-0000-7000-8000-0000000000bb",
                    parent_thread_id=THREAD, attribution={"model": "gpt-5.1-codex-mini", "model_provider": "openai"}),
             record("2026-09-07T01:01:00Z", "resp_second", SECOND), counted("2026-09-07T01:01:00.100Z", 272600, SECOND)]
    file = ingest(tmp_path / "c.duckdb", write_jsonl(tmp_path / "rollout.jsonl", lines))
    assert (file["loaded"], file["duplicates"], file["conflicting_ids"]) == (4, 2, 0)
    got = [(c["call_id"], c["model"], c["input_tokens"], c["cost_usd"]) for c in stored(tmp_path / "c.duckdb")]
    assert got == [
        (f"codex:{THREAD}:202000", "gpt-5.1-codex", 200000, Decimal("0.0675")),
        # (40,000 - 30,000) x 1.25 + 30,000 x 0.125 + 100 x 10 = 17,250 per 1M
        (f"codex:{THREAD}:242100", "gpt-5.1-codex", 40000, Decimal("0.01725")),
        # gpt-5.1-codex-mini, $0.25 input, $2 output: 8,000 x 0.25 + 300 x 2 = 2,600 per 1M
        ("codex:01a07960-0000-7000-8000-0000000000bb:resp_review", "gpt-5.1-codex-mini", 8000, Decimal("0.0026")),
        (f"codex:{THREAD}:272600", "gpt-5.1-codex", 30000, Decimal("0.02"))]


def test_calls_stored_before_records_were_read_and_a_forks_replayed_events_stay_the_same_calls(tmp_path):
    # Ids of what token_counts restate are the session's running totals, as before: a rollout an
    # earlier version read (its token_counts; the records quarantined) gains only the compaction,
    # and a fork's file, which replays its parent's events but not its records (upstream: "child
    # rollout should not inherit parent token usage records"), adds only its own call.
    full = [NEW_META, *NEW_TURN, *COMPACTION]
    earlier = [line for line in full if line["type"] != "token_usage_record"]
    (tmp_path / "before").mkdir()
    assert ingest(tmp_path / "c.duckdb", write_jsonl(tmp_path / "before" / "rollout-2026-09-07T01-00-00-parent.jsonl", earlier))["loaded"] == 2
    grown = ingest(tmp_path / "c.duckdb", write_jsonl(tmp_path / "rollout-2026-09-07T01-00-00-parent.jsonl", full))
    assert (grown["loaded"], grown["conflicting_ids"]) == (1, 0)

    fork_id = "01a07960-0000-7000-8000-0000000000cc"
    fork_meta = {"timestamp": "2026-09-07T02:00:00Z", "type": "session_meta",
                 "payload": {"id": fork_id, "forked_from_id": THREAD, "model_provider": "openai"}}
    replayed = [{**copy.deepcopy(line), "timestamp": "2026-09-07T02:00:00.500Z"} for line in earlier]
    own = usage(210000, 200000, 700)
    fork = [fork_meta, *replayed, record("2026-09-07T02:01:00Z", "resp_fork", own, thread=fork_id),
            counted("2026-09-07T02:01:00.100Z", 232500 + 210700, own)]
    forked = ingest(tmp_path / "c.duckdb", write_jsonl(tmp_path / "rollout-2026-09-07T02-00-00-fork.jsonl", fork))
    assert (forked["loaded"], forked["conflicting_ids"]) == (1, 0)
    calls = stored(tmp_path / "c.duckdb")
    assert sorted(c["cost_usd"] for c in calls) == sorted([*COSTS, Decimal("0.0445")])  # fork: 10,000 x 1.25 + 200,000 x 0.125 + 700 x 10
    assert [c["tags"]["session"] for c in calls if c["input_tokens"] == 210000] == [fork_id]
