"""`mmaudit audit`: the premium-for-simple headline against a hand calculation, and the CI gate."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from mmaudit import store
from mmaudit.audit import AuditOptions, audit
from mmaudit.cli import app
from mmaudit.errors import InputError
from mmaudit.render import OutputFormat, render_to_string
from mmaudit.render_html import html_document
from mmaudit.report import parse_period
from tests.test_report import at, insert_calls

runner = CliRunner()
D = Decimal

# P is premium by price level: 1.00 USD / 100,000 tokens = $10 per 1M; S is budget: $0.10 per 1M.
ROWS = [
    dict(ts=at(1), model="P", task="chat", complexity="simple", input_tokens=50_000, cost_usd=D("0.50"),
         category_source="default"),  # logged without text: the categoriser's fallback
    dict(ts=at(2), model="P", task="code", complexity="moderate", input_tokens=30_000, cost_usd=D("0.30")),
    dict(ts=at(3), model="P", task="code", complexity="complex", input_tokens=20_000, cost_usd=D("0.20")),
    dict(ts=at(4), model="S", task="chat", complexity="simple", input_tokens=100_000, cost_usd=D("0.01")),
    dict(ts=at(5), model="P", input_tokens=0, cost_usd=D("0")),  # uncategorised, on premium
]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "a.duckdb"
    con = store.connect(path)
    insert_calls(con, ROWS)
    con.close()
    return path


def run(db, **kwargs):
    con = store.connect(db, read_only=True)
    try:
        return audit(con, AuditOptions(parse_period("2025-07"), **kwargs))
    finally:
        con.close()


def test_premium_share_by_hand(db):
    head = run(db).data["headline"]
    # simple/moderate on premium: rows 1 and 2 -> 2 of 5 calls = 40 %
    assert head["premium_simple_or_moderate_calls"] == 2
    assert head["premium_simple_or_moderate_call_share"] == pytest.approx(0.4)
    # their cost 0.50 + 0.30 = 0.80 of 1.01 total -> 79.2079 %
    assert head["premium_simple_or_moderate_cost_usd"] == D("0.80") and head["cost_usd"] == D("1.01")
    assert head["premium_simple_or_moderate_spend_share"] == pytest.approx(0.80 / 1.01)
    assert head["uncategorised_calls"] == 1 and head["uncategorised_premium_calls"] == 1
    assert head["premium_simple_or_moderate_fallback_calls"] == 1  # row 1: flagged on token counts alone
    finding = run(db).data["finding"]
    assert finding.endswith("; 1 of those rest on the categoriser's fallback alone (no text to read, or no cue and no model):"
                            " their level comes from token counts")


def test_breakdown_by_task_complexity_model(db):
    data = run(db).data
    keyed = {(r["task"], r["complexity"], r["model"]): r for r in data["breakdown"]}
    assert keyed[("chat", "simple", "P")]["tier"] == "premium" and keyed[("chat", "simple", "S")]["tier"] == "budget"
    assert keyed[("uncategorised", "uncategorised", "P")]["calls"] == 1
    assert data["total"]["calls"] == 5 and data["total"]["input_tokens"] == 200_000


def test_premium_tier_from_policy_and_unknown_tier(db, tmp_path):
    # With S declared premium too: rows 1, 2 and 4 -> 3 of 5 calls
    head = run(db, tiers={"P": "top", "S": "top"}, premium_tiers=("top",)).data["headline"]
    assert head["premium_simple_or_moderate_calls"] == 3
    with pytest.raises(InputError):
        run(db, premium_tiers=("gold",))


def test_renderers_show_the_headline(db):
    report = run(db)
    data = json.loads(render_to_string(report, OutputFormat.json))
    assert data["headline"]["premium_simple_or_moderate_call_share"] == 0.4
    for text in (render_to_string(report, OutputFormat.markdown), html_document(report)):
        assert "40.0%" in text and "79.2%" in text and "$0.80" in text and "uncategorised" in text


def test_cli_gate_exit_codes(db):
    ok = runner.invoke(app, ["audit", "--db", str(db), "--format", "json", "--fail-if-premium-share", "0.5"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["headline"]["premium_simple_or_moderate_calls"] == 2
    failed = runner.invoke(app, ["audit", "--db", str(db), "--fail-if-premium-share", "30%"])
    assert failed.exit_code == 1 and "Audit" in failed.stdout
    plain = runner.invoke(app, ["audit", "--db", str(db), "--period", "2025-07"])
    assert plain.exit_code == 0 and "Simple/moderate calls on premium" in plain.stdout


def test_cli_bad_gate_exits_2(db):
    done = subprocess.run([sys.executable, "-m", "mmaudit", "audit", "--db", str(db), "--fail-if-premium-share", "1.5"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == "" and "between 0 and 1" in done.stderr


# Where each flagged call's level came from: tags win over the model, the fallback and the rules.
SOURCES = [
    dict(ts=at(1), model="P", task="chat", complexity="simple", input_tokens=1000, cost_usd=D("0.01"),
         category_source="model", tags={"complexity": " Simple "}),  # the team's own level (as the rules read it)
    dict(ts=at(2), model="P", task="qa", complexity="simple", input_tokens=1000, cost_usd=D("0.01"),
         category_source="model", tags={"complexity": "trivial"}),  # not a level: the model's answer stands
    dict(ts=at(3), model="P", task="qa", complexity="moderate", input_tokens=1000, cost_usd=D("0.01"),
         category_source="model"),
    dict(ts=at(4), model="P", task="code", complexity="moderate", input_tokens=1000, cost_usd=D("0.01"),
         category_source="tag"),  # task from a tag mapping, level from the rules' score
    dict(ts=at(5), model="P", task="chat", complexity="simple", input_tokens=1000, cost_usd=D("0.01"),
         category_source="default"),
    dict(ts=at(6), model="P", task="code", complexity="complex", input_tokens=1000, cost_usd=D("0.01"),
         category_source="model"),  # complex: not flagged
]


def test_headline_says_where_the_levels_came_from(tmp_path):
    path = tmp_path / "s.duckdb"
    con = store.connect(path)
    insert_calls(con, SOURCES)
    con.close()
    con = store.connect(path, read_only=True)
    try:
        data = audit(con, AuditOptions(parse_period("2025-07"))).data
    finally:
        con.close()
    head = data["headline"]
    assert head["premium_simple_or_moderate_calls"] == 5
    by_source = {k: head[f"premium_simple_or_moderate_{k}_calls"] for k in ("tags", "model", "rules", "fallback")}
    assert by_source == {"tags": 1, "model": 2, "rules": 1, "fallback": 1}
    # the model decided some: the finding states the measured agreement of the bundled model, from its file
    from mmaudit.categorise.measured import load_measured

    low, high = load_measured().complexity_range()
    assert f"matched their authors' on {low:.1%}-{high:.1%} of the calls in 3 labelled sets (243, 327, 305 calls)" in data["finding"]
    assert "`mmaudit categorize eval`" in data["finding"]
    agreement = data["complexity_agreement"]
    assert agreement["model"] == "bundled" and [s["set"] for s in agreement["sets"]] == [
        "dev_set.jsonl", "dev_set_b.jsonl", "eval_set.jsonl"]
    assert min(s["complexity_accuracy"] for s in agreement["sets"]) == low

    # a model beside the database (trained or adapted there) is named instead of the bundled figures
    (tmp_path / "mmaudit.categoriser.npz").write_bytes(b"")
    con = store.connect(path, read_only=True)
    try:
        finding = audit(con, AuditOptions(parse_period("2025-07"))).data["finding"]
    finally:
        con.close()
    assert "a categoriser model beside the database (mmaudit.categoriser.npz" in finding
    assert "labelled sets" not in finding


def test_no_model_levels_no_model_figures(db):
    # rows decided by the fallback and the rules only: no sentence about the model's agreement
    data = run(db).data
    assert "labelled sets" not in data["finding"] and data["complexity_agreement"] is None


def test_unpriced_calls_are_counted_beside_the_cost(tmp_path):
    # a call with tokens but no price is left out of the cost, and the headline says how many
    path = tmp_path / "u.duckdb"
    con = store.connect(path)
    insert_calls(con, [*ROWS, dict(ts=at(6), model="Q", task="chat", complexity="simple", input_tokens=900, cost_usd=None),
                       dict(ts=at(7), model="P", status="error", cost_usd=None)])  # a failed call without tokens: nothing to price
    con.close()
    head = run(path).data["headline"]
    assert head["unpriced_calls"] == 1 and head["cost_usd"] == D("1.01")
    text = render_to_string(run(path), OutputFormat.table, width=100)
    assert "unpriced calls, not in the cost" in text


def test_search_fees_do_not_make_a_model_premium(tmp_path):
    # G's tokens cost $0.30 per 1M (budget); one grounded call pays a $0.035 search fee, which on
    # its 30 tokens reads as $1,167 per 1M. Levelled on its calls that did not search, G stays
    # budget; W, whose every call searched, is levelled on all of them, fees included.
    path = tmp_path / "g.duckdb"
    con = store.connect(path)
    insert_calls(con, [
        dict(ts=at(1), model="G", task="chat", complexity="simple", input_tokens=100_000, cost_usd=D("0.03")),
        dict(ts=at(2), model="G", task="qa", complexity="simple", input_tokens=30, web_searches=2,
             cost_usd=D("0.035009")),
        dict(ts=at(3), model="W", task="qa", complexity="simple", input_tokens=1000, web_searches=1,
             cost_usd=D("0.006")),
    ])
    con.close()
    tiers = {r["model"]: r["tier"] for r in run(path).data["breakdown"]}
    assert tiers == {"G": "budget", "W": "premium"}
