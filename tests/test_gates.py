"""CI gates that cannot pass by accident: nothing to judge fails with the reason, every verdict
names metric, actual value and limit, and GitHub's step summary gets a verdict line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import write_jsonl
from tests.test_simulate import PRICES, TIERS, call

runner = CliRunner()


def _db(tmp_path: Path, records: list[dict], name: str = "g.duckdb") -> tuple[Path, Path]:
    prices = tmp_path / "prices.yaml"
    prices.write_text(PRICES)
    db = tmp_path / name
    log = write_jsonl(tmp_path / f"{name}.jsonl", records)
    done = runner.invoke(app, ["ingest", str(log), "--db", str(db), "--prices", str(prices), "--no-model"])
    assert done.exit_code == 0, done.output
    return db, prices


def _policy(path: Path, name: str = "routing", routes: list | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"version": 1, "name": name, "tiers": TIERS, "routes": routes or [{"default": "general"}]}
    path.write_text(yaml.safe_dump(doc))
    return path


def _simulate(db: Path, prices: Path, policies: list[Path], *extra: str, env: dict | None = None):
    args = ["simulate", "--db", str(db), "--prices", str(prices), *(a for p in policies for a in ("-p", str(p))), *extra]
    return runner.invoke(app, args, env=env)


def test_simulate_gate_over_an_empty_period_fails_with_what_the_database_holds(tmp_path):
    db, prices = _db(tmp_path, [call(1), call(2, ts="2025-06-30T10:00:00Z")])
    done = _simulate(db, prices, [_policy(tmp_path / "p.yaml")], "--period", "2024-Q1", "--fail-if", "savings_pct < 30")
    assert done.exit_code == 1
    assert "gate failed: savings_pct < 30" in done.stderr
    assert "0 calls in 2024-Q1" in done.stderr and "the database holds 2025-06-10..2025-06-30 (2 calls)" in done.stderr


def test_simulate_gate_over_an_empty_database_fails(tmp_path):
    db, prices = _db(tmp_path, [])
    done = _simulate(db, prices, [_policy(tmp_path / "p.yaml")], "--fail-if", "quality_risk_calls > 0")
    assert done.exit_code == 1 and "the database holds no calls" in done.stderr


def test_simulate_gate_over_unpriced_calls_only_fails(tmp_path):
    db, prices = _db(tmp_path, [call(1, model="mystery-model", provider="pz"), call(2, model="mystery-model", provider="pz")])
    done = _simulate(db, prices, [_policy(tmp_path / "p.yaml")], "--fail-if", "savings_pct < 30", "--format", "json")
    assert done.exit_code == 1
    assert "none of the 2 calls" in done.stderr and "has a price" in done.stderr
    gate = json.loads(done.stdout)["gates"][0]
    assert gate["status"] == "FAIL" and gate["metric"] == "savings_pct" and gate["limit"] == 30


def test_quality_gate_fails_when_quality_is_unknown_for_the_judged_calls(tmp_path):
    # task `reasoning`: the one task the test price table scores explicitly (see test_simulate.PRICES)
    db, prices = _db(tmp_path, [call(1, "reasoning"), call(2, "reasoning")])
    unscored = tmp_path / "unscored.yaml"
    unscored.write_text(PRICES.replace("models:\n", "models:\n  noscore: {provider: pd, input: 1, output: 2}\n"))
    tiers = {"fast": {"models": ["noscore"], "min_quality": 0.5}, "general": {"models": ["cheap"], "min_quality": 0.5}}
    for default, code in (("fast", 1), ("general", 0)):
        pol = tmp_path / f"{default}.yaml"
        pol.write_text(yaml.safe_dump({"version": 1, "name": "q", "tiers": tiers, "routes": [{"default": default}]}))
        done = _simulate(db, unscored, [pol], "--fail-if", "quality_risk_calls > 0")
        assert done.exit_code == code, done.output
    assert "gate passed: quality_risk_calls > 0: actual quality_risk_calls = 0, limit 0" in done.stderr
    failed = _simulate(db, unscored, [tmp_path / "fast.yaml"], "--fail-if", "quality_risk_calls > 0")
    assert "quality unknown for 2 of the 2 calls judged" in failed.stderr


def test_audit_gate_over_an_empty_period_fails_and_writes_the_step_summary(tmp_path):
    db, _ = _db(tmp_path, [call(1)])
    summary = tmp_path / "summary.md"
    done = runner.invoke(app, ["audit", "--db", str(db), "--period", "2024-Q1", "--fail-if-premium-share", "20%"],
                         env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.exit_code == 1
    assert "0 calls in 2024-Q1" in done.stderr and "the database holds 2025-06-10..2025-06-10" in done.stderr
    text = summary.read_text()
    assert "**mmaudit audit: FAIL**" in text and "premium_simple_or_moderate_call_share" in text
    plain = runner.invoke(app, ["audit", "--db", str(db), "--fail-if-premium-share", "100%"],
                          env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert plain.exit_code == 0 and "gate passed" in plain.stderr
    assert "**mmaudit audit: PASS**" in summary.read_text()


def test_two_versions_of_one_policy_are_told_apart_with_differences_and_a_verdict(tmp_path):
    db, prices = _db(tmp_path, [call(1, "classification", "simple"), call(2)])
    main = _policy(tmp_path / "main" / "routing.yaml")
    pr = _policy(tmp_path / "pr" / "routing.yaml",
                 routes=[{"when": {"task": ["classification"]}, "tier": "fast"}, {"default": "general"}])
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "COLUMNS": "100"}
    done = _simulate(db, prices, [main, pr], "--fail-if", "savings_pct < 30", env=env)
    # pr: 1.2 + 12 = 13.2 of 24 -> 45% savings: passes
    assert done.exit_code == 0, done.output
    assert "routing (main/routing.yaml)" in done.stdout and "routing (pr/routing.yaml)" in done.stdout
    assert "Difference against routing (main/routing.yaml)" in done.stdout
    assert "-$10.80" in done.stdout and "+45.0 pts" in done.stdout
    text = summary.read_text()
    assert "**mmaudit simulate: PASS**" in text
    assert "savings_pct < 30: actual savings_pct = 45.0%, limit 30 — policy routing (pr/routing.yaml)" in text
    assert "| routing (pr/routing.yaml) |" in text and "| -$10.80 |" in text
    assert "| Policy vs routing (main/routing.yaml) |" in text and "Δ Projected cost (USD)" in text
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert all(tokens[i + 1].type == "paragraph_open" for i, t in enumerate(tokens) if t.type == "list_item_open")

    data = json.loads(_simulate(db, prices, [main, pr], "--format", "json").stdout)
    assert [p["policy_file"] for p in data["policies"]] == [str(main), str(pr)]
    assert all(len(p["policy_sha256"]) == 64 for p in data["policies"])
    assert data["differences"][0]["label"] == "routing (pr/routing.yaml)"
    assert data["differences"][0]["projected_cost_usd"] == -10.8
    assert data["differences"][0]["savings_pct"] == 45.0

    failing = _simulate(db, prices, [main, pr], "--fail-if", "savings_pct < 50", env=env)
    assert failing.exit_code == 1
    assert "**mmaudit simulate: FAIL**" in summary.read_text()


def test_a_rate_gate_takes_its_limit_as_a_share_or_a_percent_never_a_bare_percent(tmp_path):
    """`escalation_rate` is a fraction in the JSON, printed as a percent: `> 10` compared 0.5 with
    10 and passed while printing `actual 50.0%, limit 10`."""
    db, prices = _db(tmp_path, [call(1, "reasoning"), call(2, "chat")])
    pol = tmp_path / "c.yaml"
    pol.write_text(yaml.safe_dump({"version": 1, "name": "c", "tiers": TIERS, "routes": [{"default": "fast"}],
                                   "cascade": {"from": "fast", "to": "general",
                                               "escalate_rate": {"default": 0.0, "reasoning": 1.0}}}))
    for limit in ("0.4", "40%", "40 %"):
        done = _simulate(db, prices, [pol], "--fail-if", f"escalation_rate > {limit}", "--format", "json")
        assert done.exit_code == 1, done.output
        assert f"gate failed: escalation_rate > {limit}: actual escalation_rate = 50.0%, limit 40% — policy c" in done.stderr
    assert _simulate(db, prices, [pol], "--fail-if", "escalation_rate > 60%").exit_code == 0
    bare = _simulate(db, prices, [pol], "--fail-if", "escalation_rate > 10")
    assert bare.exit_code == 2
    assert "escalation_rate is a share between 0 and 1 (printed as a percent): write 0.1 or 10%" in bare.output
    assert _simulate(db, prices, [pol], "--fail-if", "failed_calls > 5%").exit_code == 2
    assert _simulate(db, prices, [pol], "--fail-if", "savings_pct < 30%").exit_code in (0, 1)
