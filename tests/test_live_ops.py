"""Live runs when things go wrong: 429/503, timeouts, a garbage judge, the budget, Ctrl-C."""

from __future__ import annotations

import json
from decimal import Decimal

from live_fixtures import PROMPTS, gateway, invoke, logged, logged_template  # noqa: F401 (fixtures)
from test_live_run import query, run, sample


def test_429_and_503_are_retried_then_succeed(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += [("status", 429), ("status", 503)]
    result = run(
        logged,
        sample(logged, tmp_path),
        "--yes",
        "--retries",
        "3",
        "--concurrency",
        "1",
        models="gpt-4o-mini",
    )
    assert result.exit_code == 0, result.output
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == len(PROMPTS)
    attempts = query(
        logged, "SELECT attempts FROM live_requests WHERE role = 'candidate' ORDER BY attempts DESC"
    )
    assert attempts[0][0] == 3 and all(a == 1 for (a,) in attempts[1:])
    # refused attempts cost nothing: every candidate cost is priced from reported usage
    assert query(logged, "SELECT count(*) FROM live_requests WHERE bound_usd > 0")[0][0] == 0


def test_a_timeout_is_retried_and_counted_at_its_worst_case(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += [("sleep", 4.0)]
    result = run(
        logged,
        sample(logged, tmp_path),
        "--yes",
        "--timeout",
        "1",
        "--retries",
        "1",
        "--concurrency",
        "1",
        "--format",
        "json",
        models="gpt-4o-mini",
    )
    assert result.exit_code == 0, result.output
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == len(PROMPTS)
    retried = query(logged, "SELECT item, bound_usd, cost_usd FROM live_requests WHERE attempts = 2")
    assert len(retried) == 1 and retried[0][1] > 0
    # the timed-out attempt may have been billed: its worst case counts in the spend, not in evals
    item, bound, spent = retried[0]
    answer = query(logged, f"SELECT cost_usd FROM evals WHERE call_id = '{item}'")[0][0]
    assert spent == bound + answer and answer > 0


def test_a_timeout_past_the_retries_leaves_the_run_incomplete_and_a_rerun_retries_it(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += [("sleep", 4.0)]
    prompts = sample(logged, tmp_path)
    result = run(logged, prompts, "--yes", "--timeout", "1", "--retries", "0", "--concurrency", "1", models="gpt-4o-mini")
    assert result.exit_code == 1, result.output
    assert "incomplete" in result.stderr and "gave up after retries: 1" in result.stdout
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == len(PROMPTS) - 1
    gave_up = query(logged, "SELECT status, error LIKE 'timeout%', bound_usd > 0 FROM live_requests WHERE status <> 'ok'")
    assert gave_up == [("gave_up", True, True)]
    again = run(logged, prompts, "--yes", models="gpt-4o-mini")
    assert again.exit_code == 0, again.output
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == len(PROMPTS)
    assert len(gateway.sent("candidate")) == len(PROMPTS) + 1


def test_a_judge_answering_garbage_gives_no_score_never_zero(logged, gateway, tmp_path):
    gateway.judge = lambda prompt: "Both answers have merit; I would rather not say."
    result = run(logged, sample(logged, tmp_path), "--yes", "--format", "json", models="gpt-4o-mini")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["judge_failures"] == len(PROMPTS)
    assert query(logged, "SELECT count(*), count(score), count(success) FROM evals") == [(len(PROMPTS), 0, 0)]


def test_a_judge_always_picking_a_is_folded_to_a_tie(logged, gateway, tmp_path):
    gateway.judge = lambda prompt: '{"winner": "A"}'
    result = run(logged, sample(logged, tmp_path), "--yes", "--format", "json", models="gpt-4o-mini")
    assert json.loads(result.stdout)["inconsistent_verdicts"] == len(PROMPTS)
    assert query(logged, "SELECT DISTINCT score FROM evals") == [(0.5,)]


def test_budget_stops_the_run_keeps_what_finished_and_a_rerun_completes(logged, gateway, tmp_path):
    prompts = sample(logged, tmp_path)
    budget = "0.0075"
    result = run(
        logged,
        prompts,
        "--yes",
        "--max-usd",
        budget,
        "--concurrency",
        "1",
        "--max-tokens",
        "256",
        "--format",
        "json",
    )
    assert result.exit_code == 1, result.output
    assert "budget reached" in result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "budget_stopped"
    spent = query(logged, "SELECT sum(cost_usd) FROM live_requests")[0][0]
    assert 0 < spent <= Decimal(budget)
    kept = query(logged, "SELECT count(*) FROM evals")[0][0]
    assert 0 < kept < 2 * len(PROMPTS)
    sent_before = len(gateway.sent("candidate"))
    again = run(logged, prompts, "--yes", "--max-usd", "1", "--max-tokens", "256")
    assert again.exit_code == 0, again.output
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == 2 * len(PROMPTS)
    # answers paid for before the stop are judged, not asked again
    assert len(gateway.sent("candidate")) == 2 * len(PROMPTS)
    assert sent_before <= 2 * len(PROMPTS)


def test_ctrl_c_keeps_finished_rows_and_the_rerun_sends_only_the_rest(logged, gateway, tmp_path):
    from mmaudit import store
    from mmaudit.live.budget import Pricer
    from mmaudit.live.runner import RunOptions, execute_run, plan_run

    prompts = sample(logged, tmp_path)
    con = store.connect(logged)
    pricer = Pricer()
    seen = []

    def press_ctrl_c(budget):  # type: ignore[no-untyped-def]
        seen.append(1)
        if len(seen) == 4:
            raise KeyboardInterrupt

    try:
        plan = plan_run(con, pricer, RunOptions(prompts, ["gpt-4o-mini"], "gpt-4o", concurrency=1))
        result = execute_run(con, plan, pricer, press_ctrl_c)
    finally:
        pricer.close()
        con.close()
    assert result.status == "interrupted"
    kept = query(logged, "SELECT count(*) FROM evals")[0][0]
    assert 1 <= kept < len(PROMPTS)
    assert query(logged, "SELECT status FROM eval_runs") == [("interrupted",)]
    again = run(logged, prompts, "--yes", models="gpt-4o-mini")
    assert again.exit_code == 0, again.output
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == len(PROMPTS)
    candidates = [r["messages"][-1]["content"] for r in gateway.sent("candidate")]
    assert len(candidates) == len(set(candidates)) == len(PROMPTS)  # nothing asked twice
    assert len(gateway.sent()) == 3 * len(PROMPTS)  # one answer and two verdicts per prompt, in all


def test_interrupted_cli_run_exits_130_with_a_resume_hint(logged, gateway, tmp_path, monkeypatch):
    from mmaudit.cli import live_cmd

    calls = []

    def interrupting_update(self, budget):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(live_cmd._Bar, "update", interrupting_update)
    result = run(logged, sample(logged, tmp_path), "--yes", "--concurrency", "1", models="gpt-4o-mini")
    assert result.exit_code == 130
    assert "run the same command again" in result.stderr
    assert query(logged, "SELECT count(*) FROM live_requests")[0][0] >= 2


def test_a_request_that_failed_for_good_is_not_sent_again(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += [("status", 400)]
    prompts = sample(logged, tmp_path)
    first = run(logged, prompts, "--yes", "--concurrency", "1", models="gpt-4o-mini")
    assert first.exit_code == 0, first.output
    assert len(gateway.sent("candidate")) == len(PROMPTS)
    again = run(logged, prompts, "--yes", models="gpt-4o-mini")
    assert again.exit_code == 0 and "nothing left to do" in again.stderr and "is already graded" not in again.stderr
    assert "failed for good earlier: 1" in again.stderr
    assert len(gateway.sent("candidate")) == len(PROMPTS)


def test_a_reply_that_is_no_completion_is_retried_never_graded_as_a_wrong_answer(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += ["not_a_stream"]
    prompts = sample(logged, tmp_path)
    result = run(logged, prompts, "--yes", "--retries", "0", "--concurrency", "1", models="gpt-4o-mini")
    assert result.exit_code == 1 and "incomplete" in result.stderr, result.output
    # was stored as an empty "ok" answer, then judged: a measured score of 0 for the candidate
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == len(PROMPTS) - 1
    assert query(logged, "SELECT status, error LIKE 'protocol%', bound_usd > 0 FROM live_requests WHERE status <> 'ok'") \
        == [("gave_up", True, True)]


def test_a_stream_lost_mid_answer_keeps_its_worst_case_counted(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += ["drop"]
    result = run(logged, sample(logged, tmp_path), "--yes", "--retries", "1", "--concurrency", "1", models="gpt-4o-mini")
    assert result.exit_code == 0, result.output
    [(bound,)] = query(logged, "SELECT bound_usd FROM live_requests WHERE attempts = 2")
    assert bound > 0  # tokens had been generated: the lost attempt may be billed (it was released as a 5xx)


def test_missing_credentials_stop_the_run_as_a_credentials_error(logged, gateway, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    result = run(logged, sample(logged, tmp_path), "--yes", "--retries", "2", models="gpt-4o-mini")
    assert result.exit_code == 2, result.output  # was retried as a 5xx, then exit 1 "429, 5xx or timeouts"
    assert gateway.sent("candidate") == []


def test_a_reply_without_the_gateways_usage_is_a_bound_not_litellms_count(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += ["no_usage"]
    result = run(logged, sample(logged, tmp_path), "--yes", "--concurrency", "1", models="gpt-4o-mini")
    assert result.exit_code == 0, result.output
    # LiteLLM adds its own count of the visible text when the gateway sends no usage: it was stored
    # and priced as the gateway's report; now the attempt counts at its worst case, marked a bound
    rows = query(logged, "SELECT input_tokens, output_tokens, bound_usd > 0 FROM live_requests "
                         "WHERE role = 'candidate' ORDER BY bound_usd DESC")
    assert rows[0] == (None, None, True) and all(r[2] is False for r in rows[1:])
