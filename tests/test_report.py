"""`mmaudit report`: KPIs against hand calculations on a few INSERTed calls, renderers, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mmaudit import store
from mmaudit.cli import app
from mmaudit.errors import InputError
from mmaudit.render import OutputFormat, render_to_string
from mmaudit.render_html import html_document
from mmaudit.report import (
    ReportOptions,
    bucket_dimension,
    build_report,
    parse_dimensions,
    parse_period,
    resolve_period,
)
from mmaudit.report.scope import Scope
from mmaudit.report.spend import aggregate

runner = CliRunner()
D = Decimal


def insert_calls(con, rows: list[dict[str, Any]]) -> None:
    """INSERT calls with pricing and categorisation columns filled directly (built elsewhere)."""
    for i, row in enumerate(rows):
        row = {"call_id": f"c{i}", "status": "ok", "provider": "openai", "input_tokens": 0,
               "output_tokens": 0, "cached_input_tokens": 0, **row}
        cols = list(row)
        con.execute(f"INSERT INTO calls ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    [row[c] for c in cols])


def at(day: int, minute: int = 0, month: int = 7) -> datetime:
    return datetime(2025, month, day, 10, 0, tzinfo=UTC) + timedelta(minutes=minute)


# July 2025. Model A is premium by price level: 0.30 USD / 1,500 tokens = $200 per 1M.
# Model B is budget: (0.0015 + 0.00005) USD / 3,100 tokens = $0.50 per 1M. C has no price.
JULY = [
    dict(ts=at(1), model="A", task="chat", complexity="simple", input_tokens=1000, output_tokens=500,
         cost_usd=D("0.30"), latency_ms=100),
    dict(ts=at(1, 1), model="A", task="chat", complexity="simple", status="error", error_type="rate_limit",
         http_status=429, cost_usd=D("0"), latency_ms=50),
    dict(ts=at(2), provider="anthropic", model="B", task="code", complexity="complex", input_tokens=2000,
         output_tokens=1000, cost_usd=D("0.0015"), latency_ms=300),
    dict(ts=at(2, 5), provider="anthropic", model="B", task="code", complexity="complex", status="error",
         error_type="server", http_status=500, input_tokens=100, cost_usd=D("0.00005")),
    dict(ts=at(3), provider="google", model="C", input_tokens=500, output_tokens=500, latency_ms=700),
]
# June 2025: two calls on A costing 0.10 each.
JUNE = [dict(ts=at(d, month=6), model="A", task="chat", complexity="simple", input_tokens=500,
             output_tokens=0, cost_usd=D("0.10"), latency_ms=100) for d in (10, 11)]


@pytest.fixture
def con(tmp_path: Path):
    connection = store.connect(tmp_path / "r.duckdb")
    insert_calls(connection, JULY + JUNE)
    yield connection
    connection.close()


def july(**kwargs: Any) -> ReportOptions:
    return ReportOptions(period=parse_period("2025-07"), **kwargs)


def test_cost_per_successful_response_counts_failed_calls_in_the_numerator(con):
    data = build_report(con, july()).data["summary"]
    # cost of ALL July calls: 0.30 + 0 + 0.0015 + 0.00005 (+ C unpriced) = 0.30155
    assert data["cost_usd"] == D("0.30155")
    assert data["calls"] == 5 and data["successful_calls"] == 3 and data["failed_calls"] == 2
    # 0.30155 / 3 successful calls (not / 5 calls) = 0.100516666666...
    assert data["cost_per_successful_response_usd"] == D("0.100516666667")
    # C had 1,000 tokens and no price: counted, never $0
    assert data["unpriced_calls"] == 1 and data["unpriced_tokens"] == 1000
    assert data["error_rate"] == pytest.approx(2 / 5) and data["rate_limit_rate"] == pytest.approx(1 / 5)


def test_p95_latency_on_a_known_distribution(tmp_path):
    con = store.connect(tmp_path / "p.duckdb")
    # latencies 1..100 ms on successful calls, plus a slow failed call that must be ignored
    insert_calls(con, [dict(ts=at(1, i), model="A", task="code", latency_ms=i) for i in range(1, 101)]
                 + [dict(ts=at(2), model="A", task="code", status="error", latency_ms=10_000)])
    tasks = build_report(con, july()).data["tasks"]
    con.close()
    code = next(t for t in tasks if t["task"] == "code")
    # quantile_cont: position 0.95 * (100 - 1) = 94.05 -> 95 + 0.05 * (96 - 95) = 95.05; median 50.5
    assert code["p95_latency_ms"] == pytest.approx(95.05) and code["p50_latency_ms"] == pytest.approx(50.5)


def test_latency_by_task_and_uncategorised(con):
    tasks = {t["task"]: t for t in build_report(con, july()).data["tasks"]}
    assert set(tasks) == {"chat", "code", "uncategorised"}
    # chat: one successful call (100 ms); the failed 50 ms call is excluded from percentiles
    assert tasks["chat"]["p50_latency_ms"] == 100 and tasks["chat"]["p95_latency_ms"] == 100
    # chat: cost 0.30 (+0 failed) / 1 successful
    assert tasks["chat"]["cost_per_successful_response_usd"] == D("0.3")


def test_period_over_period_change(con):
    data = build_report(con, july(compare_previous=True, by=parse_dimensions("model"))).data["compare_previous"]
    total = data["total"]
    # July 0.30155 vs June 0.20: +0.10155 USD, +50.775 %; calls 5 vs 2: +150 %
    assert total["cost_usd"] == D("0.30155") and total["previous_cost_usd"] == D("0.20")
    assert total["cost_change_usd"] == D("0.10155")
    assert total["cost_change_pct"] == pytest.approx(50.775)
    assert total["calls_change_pct"] == pytest.approx(150.0)
    a = next(r for r in data["rows"] if r["model"] == "A")
    # A: July 0.30 vs June 0.20 -> +50 %
    assert a["cost_change_pct"] == pytest.approx(50.0) and a["previous_calls"] == 2


def test_previous_period_rules():
    q3 = parse_period("2025-Q3").previous()
    assert q3.start == datetime(2025, 4, 1, tzinfo=UTC) and q3.end == datetime(2025, 7, 1, tzinfo=UTC)
    custom = resolve_period(since="2025-07-01", until="2025-07-10").previous()
    # 10 days [07-01, 07-11) -> the 10 days before: [06-21, 07-01)
    assert custom.start == datetime(2025, 6, 21, tzinfo=UTC) and custom.end == datetime(2025, 7, 1, tzinfo=UTC)
    assert parse_period("2025-01").previous().start == datetime(2024, 12, 1, tzinfo=UTC)
    with pytest.raises(InputError):
        parse_period("2025-13")
    with pytest.raises(InputError):
        resolve_period("2025", since="2025-01-01")


def test_spend_by_dimensions_and_tag_is_bound(con):
    con.execute("UPDATE calls SET tags = MAP {'team': 'search'} WHERE model = 'A'")
    scope = Scope(parse_period("2025-07").start, parse_period("2025-07").end)
    rows = aggregate(con, scope, parse_dimensions("tag:team,tier"))
    by = {(r["tag:team"], r["tier"]): r for r in rows}
    assert by[("search", "premium")]["calls"] == 2 and by[("search", "premium")]["cost_usd"] == D("0.30")
    assert by[("(none)", "budget")]["input_tokens"] == 2100 and by[("(none)", "unpriced")]["cost_usd"] is None
    # a tag name is data, never SQL: a quote in it is just an unknown tag
    assert aggregate(con, scope, parse_dimensions("tag:x') OR 1=1 --"))[0]["tag:x') OR 1=1 --"] == "(none)"
    with pytest.raises(InputError):
        parse_dimensions("model;DROP TABLE calls")


def test_utilisation_shares_and_tiers(con):
    data = build_report(con, july()).data["utilisation"]
    tiers = {r["tier"]: r for r in data["by_tier"]}
    # calls: premium A 2/5, budget B 2/5, unpriced C 1/5; spend: A 0.30 / 0.30155
    assert tiers["premium"]["call_share"] == pytest.approx(0.4)
    assert tiers["premium"]["spend_share"] == pytest.approx(0.30 / 0.30155)
    # tokens: A 1,500, B 3,100, C 1,000 of 5,600
    assert tiers["budget"]["token_share"] == pytest.approx(3100 / 5600)
    assert {r["month"] for r in data["spend_by_month_and_tier"]} == {"2025-07"}


def test_policy_tiers(con, tmp_path):
    from mmaudit.report import read_policy_tiers
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\ntiers:\n  cheap:\n    models: [B, C]\n  top:\n    models: [A]\n"
                      "routes:\n  - default: top\n")
    data = build_report(con, july(tiers=read_policy_tiers(policy))).data["utilisation"]
    assert {r["tier"]: r["calls"] for r in data["by_tier"]} == {"top": 2, "cheap": 3}


def test_errors_and_429_rates(con):
    errors = build_report(con, july()).data["errors"]
    by_provider = {r["provider"]: r for r in errors["by_provider"]}
    assert by_provider["openai"]["error_rate"] == 0.5 and by_provider["openai"]["rate_limit_rate"] == 0.5
    assert by_provider["anthropic"]["rate_limited_calls"] == 0 and by_provider["google"]["errors"] == 0


def test_longest_error_stretch(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    # openai: ok, err, err, ok, err, err, err, ok  -> longest run 3, minutes 4..6
    pattern = ["ok", "error", "error", "ok", "error", "error", "error", "ok"]
    insert_calls(con, [dict(ts=at(5, m), model="A", status=s) for m, s in enumerate(pattern)]
                 + [dict(ts=at(6), provider="anthropic", model="B")])
    rel = build_report(con, july()).data["reliability"]
    con.close()
    openai = next(p for p in rel["providers"] if p["provider"] == "openai")
    assert openai["longest_error_stretch_calls"] == 3
    assert openai["longest_error_stretch_start"] == at(5, 4) and openai["longest_error_stretch_end"] == at(5, 6)
    assert openai["availability"] == pytest.approx(3 / 8)
    anthropic = next(p for p in rel["providers"] if p["provider"] == "anthropic")
    assert anthropic["longest_error_stretch_calls"] == 0 and anthropic["availability"] == 1
    days = {(d["provider"], d["day"].isoformat()): d["availability"] for d in rel["availability_by_day"]}
    assert days[("openai", "2025-07-05")] == pytest.approx(3 / 8)


def test_observed_fallbacks(tmp_path):
    con = store.connect(tmp_path / "f.duckdb")
    insert_calls(con, [
        dict(ts=at(1, 0), model="A", status="error", prompt_hash="h1"),
        dict(ts=at(1, 0) + timedelta(seconds=30), model="B", prompt_hash="h1"),  # within 60 s: fallback A -> B
        dict(ts=at(1, 5), model="A", status="error", prompt_hash="h2"),
        dict(ts=at(1, 7), model="B", prompt_hash="h2"),  # 2 minutes later: not a fallback
        dict(ts=at(1, 9), model="A", status="error", prompt_hash="h3"),
        dict(ts=at(1, 9) + timedelta(seconds=5), model="A", prompt_hash="h3"),  # same model: a retry
        dict(ts=at(1, 12), model="B", tags={"retry_of": "c0"}),
    ])
    data = build_report(con, july()).data["fallbacks"]
    con.close()
    assert data["inferred_fallbacks"] == 1 and data["pairs"] == [{"from_model": "A", "to_model": "B", "fallbacks": 1}]
    assert data["tagged_fallbacks"] == 1


def test_cache_savings_with_and_without_price_rates(con):
    con.execute("UPDATE calls SET cached_input_tokens = 400, model_key = 'a' WHERE model = 'A' AND status = 'ok'")
    without = build_report(con, july()).data["cache"]
    assert without["savings_computed"] is False and without["cached_input_tokens"] == 400  # July only; June is out of the period
    con.execute("CREATE TEMP TABLE price_rates (model_key VARCHAR, input_per_token DECIMAL(38,12), "
                "cached_input_per_token DECIMAL(38,12))")
    con.execute("INSERT INTO price_rates VALUES ('a', 0.00001, 0.0000025)")
    with_rates = build_report(con, july()).data["cache"]
    # 400 cached tokens x (0.00001 - 0.0000025) = 0.003 USD saved in July
    assert with_rates["savings_computed"] is True and with_rates["cache_savings_usd"] == D("0.003")


def test_cache_savings_of_an_off_peak_priced_model_take_the_segment_of_the_call(tmp_path):
    """DeepSeek's rates have three time-of-day segments a day: a cached call is in one of them
    (its savings were counted once per segment, three times)."""
    def record(i: int, hour: int) -> dict:
        return {"timestamp": f"2025-06-10T{hour:02d}:00:00Z", "status_code": 200, "latency_ms": 500,
                "request": {"model": "deepseek-chat", "messages": [{"role": "user", "content": "hello"}]},
                "response": {"id": f"c{i}", "object": "chat.completion", "created": 1749556800, "model": "deepseek-chat",
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0, "total_tokens": 1_000_000,
                                       "prompt_tokens_details": {"cached_tokens": 500_000}}}}
    log = tmp_path / "ds.jsonl"
    log.write_text(json.dumps(record(1, 12)) + "\n" + json.dumps(record(2, 17)) + "\n", encoding="utf-8")
    db = tmp_path / "ds.duckdb"
    assert CliRunner().invoke(app, ["ingest", str(log), "--db", str(db)]).exit_code == 0
    result = CliRunner().invoke(app, ["report", "--db", str(db), "--format", "json"])
    cache = json.loads(result.stdout)["cache"]
    # 12:00 UTC is peak (0.27 - 0.07 per 1M), 17:00 off-peak (0.135 - 0.035): 0.5M x 0.20 + 0.5M x 0.10
    assert cache["cached_input_tokens"] == 1_000_000 == json.loads(result.stdout)["summary"]["cached_input_tokens"]
    assert Decimal(str(cache["cache_savings_usd"])) == Decimal("0.15")


def test_cache_savings_are_priced_at_the_rates_each_call_was_billed_at(tmp_path):
    """Each cached call against its own uncached twin, by hand (USD per 1M tokens):
    gemini-2.5-pro over 200k input tokens is billed at long-context rates, 2.50 in and 0.25 cached:
    100k x 2.25 = 0.225; under 200k, 1.25 and 0.125: 100k x 1.125 = 0.1125. gpt-4o in a batch,
    1.25 and 0.625: 0.0625. o3 on flex, 1.00 and 0.25: 0.075. (At standard short-context rates
    they read 0.1125 + 0.1125, 0.125 and 0.15.)"""
    calls = [{"call_id": "lc1", "ts": "2025-08-10T10:00:00Z", "provider": "google", "model": "gemini-2.5-pro",
              "input_tokens": 300_000, "cached_input_tokens": 100_000, "output_tokens": 1000, "status": "ok"},
             {"call_id": "sc1", "ts": "2025-08-10T10:00:00Z", "provider": "google", "model": "gemini-2.5-pro",
              "input_tokens": 150_000, "cached_input_tokens": 100_000, "output_tokens": 1000, "status": "ok"},
             {"call_id": "b1", "ts": "2025-08-10T10:00:00Z", "provider": "openai", "model": "gpt-4o", "is_batch": True,
              "input_tokens": 100_000, "cached_input_tokens": 100_000, "output_tokens": 0, "status": "ok"},
             {"call_id": "f1", "ts": "2025-08-10T10:00:00Z", "provider": "openai", "model": "o3", "service_tier": "flex",
              "input_tokens": 100_000, "cached_input_tokens": 100_000, "output_tokens": 0, "status": "ok"}]
    log = tmp_path / "c.jsonl"
    log.write_text("".join(json.dumps(c) + "\n" for c in calls), encoding="utf-8")
    db = tmp_path / "c.duckdb"
    assert CliRunner().invoke(app, ["ingest", str(log), "--db", str(db), "--no-model"]).exit_code == 0
    cache = json.loads(CliRunner().invoke(app, ["report", "--db", str(db), "--format", "json"]).stdout)["cache"]
    saved = {r["model_key"]: Decimal(str(r["cache_savings_usd"])) for r in cache["by_model_key"]}
    assert saved == {"gemini-2.5-pro": Decimal("0.3375"), "gpt-4o": Decimal("0.0625"), "o3": Decimal("0.075")}


def test_quality_drift_flags_a_drop(tmp_path):
    con = store.connect(tmp_path / "q.duckdb")
    # week of 2025-06-30: scores 0.9, 0.8 -> 0.85; week of 2025-07-07: 0.7 -> drop 0.15 > 0.05
    # week of 2025-07-14: 0.68 -> drop 0.02, not flagged
    insert_calls(con, [dict(ts=at(1), model="A", tags={"score": "0.9"}), dict(ts=at(2), model="A", tags={"quality": "0.8"}),
                       dict(ts=at(8), model="A", tags={"score": "0.7"}), dict(ts=at(15), model="A", tags={"score": "0.68"}),
                       dict(ts=at(16), model="A", tags={"score": "n/a"})])
    data = build_report(con, july()).data["quality"]
    con.close()
    assert [w["week"].isoformat() for w in data["flagged_weeks"]] == ["2025-07-07"]
    assert data["flagged_weeks"][0]["drop"] == pytest.approx(0.15)
    assert len(data["weekly"]) == 3


def test_a_drop_equal_to_the_threshold_is_not_flagged(tmp_path):
    """"fell by more than the threshold": 0.90 -> 0.85 is a drop of 0.05 (0.05000000000000004 in floats)."""
    con = store.connect(tmp_path / "q.duckdb")
    insert_calls(con, [dict(ts=at(1), model="A", tags={"score": "0.9"}), dict(ts=at(8), model="A", tags={"score": "0.85"}),
                       dict(ts=at(15), model="A", tags={"score": "0.7999"})])
    data = build_report(con, july()).data["quality"]
    con.close()
    assert [w["week"].isoformat() for w in data["flagged_weeks"]] == ["2025-07-14"]


def test_markdown_and_html_show_the_json_figures(con):
    report = build_report(con, july(compare_previous=True))
    data = json.loads(render_to_string(report, OutputFormat.json))
    md = render_to_string(report, OutputFormat.markdown)
    page = html_document(report)
    summary = data["summary"]
    assert summary["cost_usd"] == 0.30155 and summary["cost_per_successful_response_usd"] == 0.100517
    for text in (md, page):
        assert "$0.30" in text  # cost_usd, 2 decimals
        assert "$0.10" in text  # cost per successful response
        assert "| Cost per successful response | $0.10 |" in md
        assert "5" in text and "300 ms" in text  # calls; code P95 latency (one call at 300 ms)
        assert "+50.8%" in text or "50.8%" in text  # cost change vs June
    assert page.startswith("<!doctype html>") and "<svg" in page and "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_html_escapes_user_text(con):
    con.execute("UPDATE calls SET model = '<img src=x onerror=alert(1)>' WHERE model = 'C'")
    page = html_document(build_report(con, july()))
    assert "<img" not in page and "&lt;img src=x" in page


def test_cli_json_is_pure(tmp_path, con):
    db = tmp_path / "r.duckdb"
    con.close()
    result = runner.invoke(app, ["report", "--db", str(db), "--period", "2025-07", "--format", "json",
                                 "--compare", "previous", "--by", "model,tier", "--every", "week"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["successful_calls"] == 3 and data["spend"]["every"] == "week"
    out = tmp_path / "r.html"
    done = runner.invoke(app, ["report", "--db", str(db), "--format", "html", "--out", str(out)])
    assert done.exit_code == 0 and out.read_text().startswith("<!doctype html>")
    table = runner.invoke(app, ["report", "--db", str(db), "--period", "2025-07"])
    assert table.exit_code == 0 and "Total" in table.stdout and "$0.30" in table.stdout


def test_cli_input_errors_exit_2(tmp_path, con):
    db = str(tmp_path / "r.duckdb")
    con.close()
    for args in (["--by", "nope"], ["--period", "Q5"], ["--compare", "last"], ["--every", "hour"],
                 ["--policy", str(tmp_path / "missing.yaml")]):
        done = subprocess.run([sys.executable, "-m", "mmaudit", "report", "--db", db, *args],
                              capture_output=True, text=True)
        assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr, (args, done.stderr)


def test_compare_without_a_period_spans_the_stored_days(con):
    data = build_report(con, ReportOptions(compare_previous=True)).data
    # stored calls run 2025-06-10 .. 2025-07-03: 24 days; the previous 24 days hold no calls
    assert data["period"]["start"] == datetime(2025, 6, 10, tzinfo=UTC)
    assert data["period"]["end_exclusive"] == datetime(2025, 7, 4, tzinfo=UTC)
    assert data["compare_previous"]["total"]["previous_calls"] == 0 and data["compare_previous"]["total"]["calls"] == 7


def test_csv_has_every_table(con):
    text = render_to_string(build_report(con, july(by=parse_dimensions("tier"))), OutputFormat.csv)
    assert "# Spend and volume by tier" in text and "tier,calls,successful_calls" in text
    assert "premium,2,1,1000,0,500,0.300000" in text


def test_policy_tiers_resolve_names_with_the_users_price_tables(tmp_path):
    """A policy may name a model by an alias only the user's --prices table defines."""
    prices = tmp_path / "prices.yaml"
    prices.write_text("effective_from: 2025-01-01\nsource: test\ncurrency: USD\nmodels:\n  house-model:\n"
                      "    provider: openai\n    aliases: [house-model-alias]\n    input: 1\n    output: 2\n")
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\ntiers:\n  top:\n    models: [house-model-alias]\n  cheap:\n"
                      "    models: [gpt-4o-mini]\nroutes:\n  - default: top\n")
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({
        "id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1751364000 + i, "model": "house-model",
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }) + "\n" for i in range(3)))
    db = str(tmp_path / "x.duckdb")
    assert runner.invoke(app, ["ingest", str(log), "--db", db, "--prices", str(prices), "--no-model"]).exit_code == 0
    done = runner.invoke(app, ["report", "--db", db, "--policy", str(policy), "--prices", str(prices), "--format", "json"])
    assert done.exit_code == 0, done.output
    by_tier = json.loads(done.stdout)["utilisation"]["by_tier"]
    assert [(r["tier"], r["calls"]) for r in by_tier] == [("top", 3)]  # not "unassigned": the alias is the user's


def test_footer_names_the_price_data_without_machine_paths(tmp_path):
    """The provenance footer says which genai-prices release and how many curated overrides priced
    the run (counted, not listed by their install path) and names the user's own tables."""
    from importlib.metadata import version

    from mmaudit.pricing.catalog import BUNDLED_DIR

    prices = tmp_path / "prices.yaml"
    prices.write_text("effective_from: 2025-01-01\nsource: test\ncurrency: USD\nmodels:\n  house-model:\n"
                      "    provider: openai\n    input: 1\n    output: 2\n")
    db = str(tmp_path / "x.duckdb")
    con = store.connect(Path(db))
    insert_calls(con, JULY)
    con.close()
    done = runner.invoke(app, ["report", "--db", db, "--prices", str(prices), "--format", "markdown"])
    assert done.exit_code == 0, done.output
    footer = done.stdout.strip().splitlines()[-1]
    overrides = sorted(BUNDLED_DIR.glob("*.yaml"))
    assert f"prices: genai-prices {version('genai-prices')}; {len(overrides)} mmaudit overrides (latest effective 20" in footer
    assert f"{prices} (effective 2025-01-01)" in footer.replace("\\", "")
    assert str(BUNDLED_DIR) not in footer and "overrides/" not in footer


def test_every_usage_view_says_when_records_stand_for_more_calls_than_one(tmp_path):
    """`simulate` scales by sample_weight, the usage views count records: each says so, beside
    the figures, when a stored record has a weight other than 1 (they read as the full traffic)."""
    def record(i: int, weight: float) -> dict:
        return {"call_id": f"sw{i}", "ts": "2025-06-01T10:00:00Z", "provider": "openai", "model": "gpt-4o-mini",
                "input_tokens": 1000, "output_tokens": 100, "status": "ok", "sample_weight": weight}
    log = tmp_path / "sampled.jsonl"
    log.write_text(json.dumps(record(1, 100)) + "\n" + json.dumps(record(2, 1)) + "\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(log), "--db", str(db)]).exit_code == 0
    note = ("1 stored record(s) carry a sample_weight other than 1 (all stored records stand for 101 real calls): "
            "these figures count records as logged; `mmaudit simulate` scales calls, tokens and costs to the full traffic")
    for command in (["calls"], ["report"], ["audit"]):
        shown = runner.invoke(app, [*command, "--db", str(db), "--format", "markdown"])
        assert shown.exit_code == 0 and note in shown.stdout, command
    exported = runner.invoke(app, ["export", "--to", "focus", str(tmp_path / "focus"), "--db", str(db), "--format", "json"])
    assert exported.exit_code == 0 and note in exported.stderr and json.loads(exported.stdout)["calls"] == 2
    unweighted = tmp_path / "u.duckdb"
    log.write_text(json.dumps(record(3, 1)) + "\n", encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(log), "--db", str(unweighted)]).exit_code == 0
    assert "sample_weight" not in runner.invoke(app, ["calls", "--db", str(unweighted)]).stdout


def test_comparing_without_a_period_says_the_undated_calls_it_leaves_out(con):
    """`--compare previous` with no period covers the stored days (to have a period before them):
    the undated calls fell out of every total without a word."""
    insert_calls(con, [dict(call_id="undated", ts=None, model="A", cost_usd=D("0.05"))])
    plain = build_report(con, ReportOptions())
    compared = build_report(con, ReportOptions(compare_previous=True))
    assert (plain.data["summary"]["calls"], compared.data["summary"]["calls"]) == (8, 7)
    assert ("1 call(s) carry no timestamp and are left out: to compare with the period before, the report covers "
            "the stored days") in compared.notes
    assert not any("left out" in n for n in plain.notes)


def test_a_change_of_cost_is_unknown_when_a_periods_calls_are_all_unpriced(tmp_path):
    connection = store.connect(tmp_path / "c.duckdb")
    insert_calls(connection, [
        dict(ts=at(10, month=6), model="A", input_tokens=1000, output_tokens=100, cost_usd=D("0.0035"), tags={"team": "x"}),
        dict(ts=at(10), model="gpt-9-preview", input_tokens=1000, output_tokens=100, tags={"team": "x"}),  # no price
        dict(ts=at(11), model="A", input_tokens=1000, output_tokens=100, cost_usd=D("0.0035"), tags={"team": "y"})])
    section = build_report(connection, july(compare_previous=True, by=parse_dimensions("tag:team")))
    connection.close()
    rows = {r["tag:team"]: r for r in section.data["compare_previous"]["rows"]}
    # team x's July cost is unknown, not $0: it read -$0.0035, -100 %
    assert (rows["x"]["cost_change_usd"], rows["x"]["cost_change_pct"]) == (None, None)
    assert rows["y"]["cost_change_usd"] == D("0.0035")
    assert any("have tokens and no price" in n for t in section.tables for n in t.notes if "Change vs" in t.title)


def test_a_model_whose_answered_calls_all_searched_is_levelled_on_them_despite_a_failed_call(tmp_path):
    connection = store.connect(tmp_path / "t.duckdb")
    # Sonar: $0.0106 over 600 tokens ($17.7 per 1M, premium); its failed call has no tokens
    insert_calls(connection, [
        dict(ts=at(10), provider="perplexity", model="sonar", input_tokens=100, output_tokens=200, web_searches=1,
             cost_usd=D("0.0053")),
        dict(ts=at(10, 1), provider="perplexity", model="sonar", input_tokens=100, output_tokens=200, web_searches=1,
             cost_usd=D("0.0053")),
        dict(ts=at(10, 2), provider="perplexity", model="sonar", status="error", http_status=500, cost_usd=D("0"))])
    tiers = build_report(connection, july()).data["utilisation"]["by_tier"]
    connection.close()
    assert [(t["tier"], t["calls"]) for t in tiers] == [("premium", 3)]  # was `unpriced`


def test_undated_calls_have_their_own_labelled_row_under_every(tmp_path):
    connection = store.connect(tmp_path / "u.duckdb")
    insert_calls(connection, [dict(ts=at(28), model="A", input_tokens=10, cost_usd=D("0.01")),
                              dict(ts=None, model="B", input_tokens=10, cost_usd=D("0.02"))])
    report = build_report(connection, ReportOptions(by=parse_dimensions("model"), every=bucket_dimension("week")))
    connection.close()
    spend = next(t for t in report.tables if t.title.startswith("Spend and volume by week"))
    # a blank week label read as another row of the week above
    assert [(r["week"], r["model"]) for r in spend.rows][-1] == ("(undated)", "B")
    assert report.data["spend"]["rows"][-1]["week"] is None  # JSON keeps null


def test_a_drop_in_the_periods_first_week_is_compared_with_the_week_before_the_period(tmp_path):
    connection = store.connect(tmp_path / "q.duckdb")
    insert_calls(connection, [dict(ts=at(24, month=6), model="A", tags={"score": "0.95"}),
                              dict(ts=at(2), model="A", tags={"score": "0.50"}),
                              dict(ts=at(9), model="A", tags={"score": "0.50"})])
    data = build_report(connection, july()).data["quality"]
    connection.close()
    # the July report flagged nothing: its first week had no previous week to be compared with
    [flagged] = data["flagged_weeks"]
    assert (flagged["previous_mean_score"], flagged["mean_score"]) == (pytest.approx(0.95), pytest.approx(0.5))
