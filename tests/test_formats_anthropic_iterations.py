"""A Messages request that sampled more than once (`usage.iterations`): a compaction step is billed at
the call's model but is outside the top-level counts; an advisor step runs on another model, is kept
apart in tags and billed at that model's rates, and so is an attempt on a model that refused before
the API fell back to another (server-side fallback); the reports name such steps with no price."""

from __future__ import annotations

import json
from decimal import Decimal

from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl


def step(kind: str, inp: int, out: int, write: int = 0, read: int = 0, model: str | None = None) -> dict:
    it = {"type": kind, "input_tokens": inp, "output_tokens": out, "cache_creation_input_tokens": write,
          "cache_read_input_tokens": read, "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": write}}
    return {**it, "model": model} if model else it


def message(mid: str, model: str, top: tuple[int, int], iterations: list[dict]) -> dict:
    return {"id": mid, "type": "message", "role": "assistant", "model": model, "stop_reason": "end_turn",
            "content": [{"type": "text", "text": "ok"}],
            "usage": {"input_tokens": top[0], "output_tokens": top[1], "cache_creation_input_tokens": 0,
                      "cache_read_input_tokens": 0, "service_tier": "standard", "iterations": iterations}}


COMPACTED = message("msg_compact", "claude-sonnet-4-6", (180, 8),
                    [step("compaction", 100, 82, write=55096), step("message", 180, 8)])
ADVISED = message("msg_advised", "claude-sonnet-4-6", (2390, 121),
                  [step("message", 1128, 110), step("advisor_message", 2518, 22, model="claude-opus-4-6"),
                   step("message", 1262, 11)])
PLAIN = message("msg_plain", "claude-sonnet-4-6", (1000, 50), [])


def ingest(tmp_path, records) -> tuple[str, dict[str, dict]]:
    import duckdb

    db = tmp_path / "it.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "it.jsonl", records)), "--db", str(db)])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        return str(db), {r["call_id"]: r for r in rows(con)}
    finally:
        con.close()


def test_a_compaction_step_is_billed_at_the_calls_model(tmp_path):
    _, calls = ingest(tmp_path, [COMPACTED, PLAIN])
    row = calls["msg_compact"]
    # top-level 180 in / 8 out is the final message only; the compaction step read 100, wrote 55,096
    # to the cache and wrote an 82-token summary
    assert (row["input_tokens"], row["cache_write_tokens"], row["cached_input_tokens"], row["output_tokens"]) == (
        180 + 100 + 55096, 55096, 0, 90)
    # claude-sonnet-4-6: $3 input, $3.75 5-minute cache writes, $15 output per 1M tokens
    assert row["cost_usd"] == (280 * 3 + 55096 * Decimal("3.75") + 90 * 15) / Decimal(10**6)
    assert (calls["msg_plain"]["input_tokens"], calls["msg_plain"]["output_tokens"]) == (1000, 50)


def test_an_advisor_step_is_billed_at_the_advisors_rates(tmp_path):
    cached = message("msg_cached", "claude-sonnet-4-6", (1000, 50),
                     [step("message", 1000, 50), step("advisor_message", 200, 30, write=1000, read=4000,
                                                      model="claude-opus-4-6")])
    db, calls = ingest(tmp_path, [ADVISED, cached, PLAIN])
    row = calls["msg_advised"]
    # the executor's two message steps are the top-level counts; the advisor's are not added to them
    assert (row["model"], row["input_tokens"], row["output_tokens"]) == ("claude-sonnet-4-6", 2390, 121)
    assert row["tags"] == {"advisor_model": "claude-opus-4-6", "advisor_input_tokens": "2518",
                           "advisor_cached_input_tokens": "0", "advisor_cache_write_tokens": "0",
                           "advisor_cache_write_1h_tokens": "0", "advisor_output_tokens": "22"}
    # claude-sonnet-4-6 $3 / $15 per 1M for the executor; claude-opus-4-6 $5 / $25 for the advisor
    advisor = (2518 * 5 + 22 * 25) / Decimal(10**6)
    assert row["other_models_cost_usd"] == advisor
    assert row["cost_usd"] == (2390 * 3 + 121 * 15) / Decimal(10**6) + advisor
    # the advisor's cache reads ($0.50) and 5-minute writes ($6.25) at its own rates
    assert calls["msg_cached"]["other_models_cost_usd"] == (200 * 5 + 4000 * Decimal("0.5") + 1000 * Decimal("6.25")
                                                       + 30 * 25) / Decimal(10**6)
    assert calls["msg_plain"]["other_models_cost_usd"] == 0
    audit = CliRunner().invoke(app, ["audit", "--db", db, "-f", "json"])
    assert json.loads(audit.stdout)["pricing_assumptions"]["advisor_not_priced"] == 0


def test_an_advisor_with_no_price_leaves_a_lower_bound_and_the_reports_say_so(tmp_path):
    unknown = message("msg_unknown", "claude-sonnet-4-6", (2390, 121),
                      [step("message", 2390, 121), step("advisor_message", 2518, 22, model="claude-oracle-9")])
    db, calls = ingest(tmp_path, [unknown])
    row = calls["msg_unknown"]
    assert row["other_models_cost_usd"] is None
    assert row["cost_usd"] == (2390 * 3 + 121 * 15) / Decimal(10**6)  # the executor's part: a lower bound
    runner = CliRunner()
    audit = runner.invoke(app, ["audit", "--db", db, "-f", "json"])
    assert json.loads(audit.stdout)["pricing_assumptions"]["advisor_not_priced"] == 1
    text = runner.invoke(app, ["audit", "--db", db, "-f", "markdown"]).stdout
    assert ("1 call(s) ran a step on another model with no known price (an advisor, an attempt that refused "
            "before a fallback, or an image tool): its tokens are billed at that model's rates and are not in the "
            "cost") in " ".join(text.split())


def test_claude_code_and_streamed_messages_read_the_steps_too(tmp_path):
    session = {"type": "assistant", "sessionId": "s-1", "uuid": "u-1", "requestId": "req_1",
               "timestamp": "2026-06-01T10:00:00Z", "message": COMPACTED}
    stream = [{"type": "message_start", "message": {**COMPACTED, "id": "msg_stream", "usage": {
                  "input_tokens": 180, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}},
              {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": COMPACTED["usage"]}]
    for name in ("session", "stream"):
        (tmp_path / name).mkdir()
    _, calls = ingest(tmp_path / "session", [session])
    (cc,) = calls.values()
    assert (cc["input_tokens"], cc["output_tokens"]) == (55376, 90)
    _, calls = ingest(tmp_path / "stream", stream)
    assert (calls["msg_stream"]["input_tokens"], calls["msg_stream"]["output_tokens"]) == (55376, 90)


def test_an_attempt_that_refused_before_a_fallback_is_billed_at_its_own_models_rates(tmp_path):
    # server-side fallback (vercel/ai's recorded shape): claude-fable-5 refused after reading 408
    # tokens; claude-opus-4-8 answered (412 in / 264 out) and is the response's model
    fallback = message("msg_fallback", "claude-opus-4-8", (412, 264),
                       [step("message", 408, 0, model="claude-fable-5"), step("fallback_message", 412, 264, model="claude-opus-4-8")])
    _, calls = ingest(tmp_path, [fallback])
    row = calls["msg_fallback"]
    assert (row["input_tokens"], row["output_tokens"]) == (412, 264)  # not 820: the refused attempt is not opus's
    assert (row["tags"]["fallback_from_model"], row["tags"]["fallback_from_input_tokens"]) == ("claude-fable-5", "408")
    # claude-opus-4-8 $5 / $25 per 1M; claude-fable-5 $10 input
    assert row["other_models_cost_usd"] == 408 * 10 / Decimal(10**6)
    assert row["cost_usd"] == (412 * 5 + 264 * 25 + 408 * 10) / Decimal(10**6)
