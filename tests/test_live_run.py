"""`mmaudit evals sample` -> `mmaudit evals run` against a local mock gateway (no keys, no internet)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
from live_fixtures import KEY, PROMPTS, gateway, invoke, logged, logged_template  # noqa: F401 (fixtures)


def sample(db: Path, tmp_path: Path) -> Path:
    out = tmp_path / "prompts.jsonl"
    result = invoke("evals", "sample", "--per-cell", "5", "--out", str(out), "--db", str(db))
    assert result.exit_code == 0, result.output
    return out


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def run(db: Path, prompts: Path, *extra: str, models: str = "gpt-4o-mini,openai/gpt-4.1-mini"):  # type: ignore[no-untyped-def]
    return invoke(
        "evals",
        "run",
        "--sample",
        str(prompts),
        "--models",
        models,
        "--judge",
        "gpt-4o",
        "--db",
        str(db),
        *extra,
    )


def test_sample_exports_only_calls_whose_text_was_kept(logged, tmp_path):
    out = sample(logged, tmp_path)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == len(PROMPTS)
    assert all(line["call_id"] and line["prompt_hash"] and line["prompt"] for line in lines)
    assert "Confidential" not in out.read_text()


def test_run_stores_one_scored_row_per_prompt_and_candidate(logged, gateway, tmp_path):
    gateway.answer = lambda model, msgs: "bad" if "4.1" in model else f"answer from {model}: 42"
    result = run(logged, sample(logged, tmp_path), "--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = query(
        logged,
        "SELECT model, score, success, grader, call_id IS NOT NULL, prompt_hash IS NOT NULL,"
        " task IS NOT NULL, input_tokens, output_tokens, cost_usd, latency_ms > 0, ttft_ms > 0"
        " FROM evals ORDER BY model, call_id",
    )
    assert len(rows) == 2 * len(PROMPTS) == data["rows"]
    # provider-prefixed and bare names both stored as the price key
    assert {r[0] for r in rows} == {"gpt-4o-mini", "gpt-4.1-mini"}
    # the judge prefers the real answer in both orders: 1.0 for it, 0.0 for "bad"
    assert {(r[0], r[1], r[2]) for r in rows} == {("gpt-4.1-mini", 0.0, False), ("gpt-4o-mini", 1.0, True)}
    assert all(r[3] == "pairwise-logged:gpt-4o" and r[4] and r[5] and r[6] and r[10] and r[11] for r in rows)
    # cost from the gateway's usage at our price ($0.15 / $0.60 per 1M for gpt-4o-mini), not its figure
    mini = [r for r in rows if r[0] == "gpt-4o-mini"][0]
    assert mini[9] == Decimal(mini[7]) * Decimal("0.00000015") + Decimal(mini[8]) * Decimal("0.0000006")
    # every request was sent once: 5 prompts x 2 candidates, judged in both orders
    assert len(gateway.sent("candidate")) == 10 and len(gateway.sent("judge")) == 20
    judge_usd = query(logged, "SELECT sum(cost_usd) FROM live_requests WHERE role LIKE 'judge%'")[0][0]
    assert Decimal(str(data["judge_spent_usd"])) == judge_usd.quantize(Decimal("0.000001"))
    assert query(logged, "SELECT status FROM eval_runs") == [("complete",)]


def test_rerun_resumes_with_nothing_left_to_send(logged, gateway, tmp_path):
    prompts = sample(logged, tmp_path)
    assert run(logged, prompts, "--yes").exit_code == 0
    before = len(gateway.sent())
    again = run(logged, prompts, "--yes")
    assert again.exit_code == 0, again.output
    assert "nothing left to do" in again.stderr
    assert len(gateway.sent()) == before
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == 10


def test_a_live_run_gives_simulate_measured_quality_for_the_sampled_calls(logged, gateway, tmp_path):
    """The loop end to end: sample -> run -> simulate reads the rows at item level."""
    gateway.answer = lambda model, msgs: "bad" if "4.1" in model else f"answer from {model}: 42"
    assert run(logged, sample(logged, tmp_path), "--yes").exit_code == 0
    policy = tmp_path / "mini.yaml"
    policy.write_text("version: 1\nname: all-mini\ntiers:\n  only: {models: [gpt-4o-mini]}\nroutes:\n  - default: only\n")
    result = invoke("simulate", "--db", str(logged), "-p", str(policy), "--format", "json")
    assert result.exit_code == 0, result.output
    quality = json.loads(result.stdout)["quality"]
    # every call whose text was kept was sampled and answered by gpt-4o-mini, which the judge preferred
    assert quality["measured_share"] > 0 and quality["levels"]["item"] > 0
    assert quality["mean"] is not None and quality["ci_low"] <= quality["mean"] <= quality["ci_high"]
