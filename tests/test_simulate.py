"""The replay engine, figure by figure against hand calculations.

A test price table with round numbers (USD per 1M tokens):
    cheap   (provider pa)  in 1   out 2    ttft 100 ms, 1,000 tok/s, quality default 0.90
    cheap2  (provider pb)  in 2   out 4    ttft 200 ms, 1,000 tok/s, quality default 0.88
    strong  (provider pb)  in 10  out 20   ttft 500 ms,   500 tok/s, quality default 0.95
    deep    (provider pc)  in 50  out 100  ttft 2000 ms,  100 tok/s, quality default 0.99
    local   (provider self) fixed 1000 USD a month, data_classes [restricted]
Every logged call is on `strong` with 1,000,000 input and 100,000 output tokens, so its
baseline cost is 10 + 2 = 12 USD; on cheap it costs 1 + 0.2 = 1.2; on cheap2 2 + 0.4 = 2.4;
on deep 50 + 10 = 60.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mmaudit import store
from mmaudit.cli import app
from mmaudit.config import validate
from mmaudit.enrich import categorise_enricher
from mmaudit.errors import ConfigError
from mmaudit.formats import macros
from mmaudit.ingest import IngestOptions, ingest_paths
from mmaudit.policy import Policy
from mmaudit.pricing import load_catalog, pricing_enricher, register_prices
from mmaudit.simulate import SimulationOptions, run_policy
from tests.conftest import write_jsonl

PRICES = """
effective_from: 2024-01-01
source: test table
currency: USD
models:
  cheap:  {provider: pa, input: 1, output: 2, latency: {ttft_ms: 100, output_tokens_per_s: 1000}, quality: {default: 0.90}}
  cheap2: {provider: pb, input: 2, output: 4, latency: {ttft_ms: 200, output_tokens_per_s: 1000}, quality: {default: 0.88}}
  strong: {provider: pb, input: 10, output: 20, latency: {ttft_ms: 500, output_tokens_per_s: 500}, quality: {default: 0.95, reasoning: 0.93}}
  deep:   {provider: pc, input: 50, output: 100, latency: {ttft_ms: 2000, output_tokens_per_s: 100}, quality: {default: 0.99}}
  local:  {provider: self, fixed_monthly_usd: 1000, data_classes: [restricted], quality: {default: 0.8}}
"""
TIERS = {"fast": {"models": ["cheap", "cheap2"]}, "general": {"models": ["strong"]}, "deep": {"models": ["deep"]}}


def call(i: int, task: str = "chat", complexity: str = "moderate", ts: str = "2025-06-10T06:00:00Z", **extra) -> dict:
    tags = {"task": task, "complexity": complexity, **extra.pop("tags", {})}
    return {"call_id": f"c{i:04d}", "ts": ts, "provider": "pb", "model": "strong", "status": "ok",
            "input_tokens": 1_000_000, "output_tokens": 100_000, "tags": tags, **extra}


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(PRICES)
    return path


def load(tmp_path: Path, prices: Path, records: list[dict]):
    """Ingest canonical records priced with the test table; return a connection ready to simulate."""
    catalog = load_catalog([prices], include_bundled=False)
    con = store.connect(tmp_path / "sim.duckdb")
    steps = [categorise_enricher(None, tmp_path / "sim.duckdb"), pricing_enricher(catalog)]
    ingest_paths(con, [str(write_jsonl(tmp_path / "calls.jsonl", records))], IngestOptions(enrichers=steps))
    macros.install(con)
    register_prices(con, catalog)
    return con


def _md5_le(text: str) -> int:
    """The call hash of docs/simulate.md: bytes 0-7 of md5, little-endian."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "little")


def policy(**fields) -> Policy:
    doc = {"version": 1, "name": "test", "tiers": TIERS, "routes": [{"default": "general"}], **fields}
    return validate(Policy, doc, "test-policy")


def simulate(con, pol: Policy, **options):
    return run_policy(con, pol, SimulationOptions(**options))


def test_task_and_complexity_routes(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, "classification", "simple"), call(2, "chat", "moderate"),
                                  call(3, "reasoning", "complex")])
    pol = policy(routes=[{"when": {"task": ["classification"], "complexity": ["simple"]}, "tier": "fast"},
                         {"when": {"complexity": ["complex"]}, "tier": "deep"},
                         {"default": "general"}])
    r = simulate(con, pol)
    # baseline 3 x 12 = 36; projected cheap 1.2 + strong 12 + deep 60 = 73.2
    assert r.baseline_cost_usd == Decimal(36)
    assert r.projected_cost_usd == Decimal("73.2")
    assert r.savings_usd == Decimal("-37.2")
    assert r.savings_pct == pytest.approx(-103.3333, abs=1e-3)
    assert {t.name: t.calls for t in r.tiers} == {"fast": 1, "general": 1, "deep": 1}
    assert {m.model: m.calls for m in r.models} == {"cheap": 1, "strong": 1, "deep": 1}
    # cost per successful response: 73.2 / 3
    assert r.cost_per_successful_response_usd == Decimal("24.4")


def test_uncertain_calls_go_up_one_tier(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, "classification", "simple"), call(2, "classification", "simple")])
    con.execute("UPDATE calls SET category_confidence = 0.5, category_source = 'rules' WHERE call_id = 'c0002'")
    pol = policy(routes=[{"when": {"task": ["classification"]}, "tier": "fast"}, {"default": "general"}],
                 uncertain={"below_confidence": 0.6, "action": "up_one_tier"})
    r = simulate(con, pol)
    # c1 stays on fast (1.2), c2 (confidence 0.5) moves to general (12)
    assert r.projected_cost_usd == Decimal("13.2")
    assert r.uncertain_moved_up == 1


def test_cascade_cost_and_latency(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, "reasoning", "simple"), call(2, "chat", "simple")])
    pol = policy(routes=[{"default": "fast"}],
                 cascade={"from": "fast", "to": "general", "escalate_rate": {"default": 0.0, "reasoning": 1.0}})
    r = simulate(con, pol)
    # reasoning call escalates for sure: cheap 1.2 + strong 12; chat call stays cheap 1.2 -> 14.4
    assert r.projected_cost_usd == Decimal("14.4")
    assert (r.escalations, r.escalation_rate) == (1, 0.5)
    # each attempt is charged where it ran: strong's 12 was booked to cheap, and `general` was missing
    assert {m.model: (m.calls, m.cost_usd) for m in r.models} == {"cheap": (2, Decimal("2.4")), "strong": (1, Decimal(12))}
    assert {t.name: (t.calls, t.cost_usd, t.tokens) for t in r.tiers} == {
        "fast": (2, Decimal("2.4"), 2_200_000), "general": (1, Decimal(12), 1_100_000)}
    lat = {t.task: t.p50_latency_ms for t in r.tasks}
    # cheap: 100 + 100,000 / 1,000 tok/s = 100,100 ms; escalated adds strong 500 + 100,000/500 s = 200,500
    assert lat["chat"] == pytest.approx(100_100)
    assert lat["reasoning"] == pytest.approx(100_100 + 200_500)


def test_escalation_is_a_deterministic_hash_of_call_id(tmp_path, prices):
    records = [call(i, "chat", "simple") for i in range(400)]
    con = load(tmp_path, prices, records)
    pol = policy(routes=[{"default": "fast"}],
                 cascade={"from": "fast", "to": "general", "escalate_rate": {"default": 0.25}})
    first, second = simulate(con, pol), simulate(con, pol)
    # the cascade fraction is bits 32-63 of the call hash (docs/simulate.md)
    expected = sum((_md5_le(r["call_id"]) >> 32) / 2**32 < 0.25
                   for r in records)
    assert first.escalations == second.escalations == expected
    assert 70 <= expected <= 130  # about a quarter of 400


def test_outage_absorbed_by_the_chain_and_one_it_cannot_absorb(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, ts="2025-06-10T06:00:00Z"), call(2, ts="2025-06-10T20:00:00Z")])
    pol = policy(routes=[{"default": "fast"}],
                 failover={"outages": [{"provider": "pa", "start": "2025-06-10T00:00:00Z", "hours": 12}]})
    r = simulate(con, pol)
    # c1 in the pa outage falls back to cheap2 (2.4); c2 after it stays on cheap (1.2)
    assert r.projected_cost_usd == Decimal("3.6")
    assert (r.fallbacks, r.failed_calls) == (1, 0)
    both = policy(routes=[{"default": "fast"}],
                  failover={"outages": [{"provider": "pa", "start": "2025-06-10T00:00:00Z", "hours": 12},
                                        {"provider": "pb", "start": "2025-06-10T00:00:00Z", "hours": 12}]})
    r = simulate(con, both)
    assert (r.failed_calls, r.fallbacks) == (1, 0)
    assert r.projected_cost_usd == Decimal("1.2")  # the failed call costs nothing
    assert r.cost_per_successful_response_usd == Decimal("1.2")


def test_logged_errors_on_the_target_provider_fall_back(tmp_path, prices):
    failed = {**call(1), "status": "error", "http_status": 429, "input_tokens": 0, "output_tokens": 0}
    con = load(tmp_path, prices, [failed])
    pol = policy(tiers={"general": {"models": ["strong", "deep"]}}, routes=[{"default": "general"}],
                 failover={"use_logged_errors": True})
    r = simulate(con, pol)
    # the 429 was on pb (strong's provider): the replay moves it to deep; no tokens logged, so no cost
    assert r.fallbacks == 1 and r.projected_cost_usd == Decimal(0)
    assert [m.model for m in r.models] == ["deep"]


def test_ab_share(tmp_path, prices):
    records = [call(i) for i in range(500)]
    con = load(tmp_path, prices, records)
    pol = policy(ab=[{"tier": "general", "model": "cheap", "share": 0.2}])
    r = simulate(con, pol)
    # the A/B fraction is bits 0-31 of the call hash (docs/simulate.md)
    expected = sum((_md5_le(x["call_id"]) & 0xFFFFFFFF) / 2**32 < 0.2
                   for x in records)
    assert {m.model: m.calls for m in r.models}["cheap"] == expected
    assert r.projected_cost_usd == Decimal("1.2") * expected + Decimal(12) * (500 - expected)


def test_ab_share_with_another_seed_and_without_stored_hashes(tmp_path, prices):
    records = [call(i) for i in range(400)]
    con = load(tmp_path, prices, records)
    pol = policy(ab=[{"tier": "general", "model": "cheap", "share": 0.3}])
    salt = hashlib.sha256(b"q3-review").hexdigest()[:8]
    r = run_policy(con, pol, SimulationOptions(seed="q3-review"))
    # another seed hashes call_id:salt per call (docs/simulate.md)
    expected = sum((_md5_le(f"{x['call_id']}:{salt}") & 0xFFFFFFFF) / 2**32 < 0.3 for x in records)
    assert {m.model: m.calls for m in r.models}["cheap"] == expected
    # rows without a stored call_hash (written by other tools) get the same split as with one
    before = {m.model: m.calls for m in run_policy(con, pol).models}
    con.execute("UPDATE calls SET call_hash = NULL")
    assert {m.model: m.calls for m in run_policy(con, pol).models} == before


def test_cache_hits_within_the_window(tmp_path, prices):
    same = {"user_prompt": "What is our refund policy?"}
    con = load(tmp_path, prices, [call(1, ts="2025-06-10T06:00:00Z", **same),
                                  call(2, ts="2025-06-10T06:30:00Z", **same),
                                  call(3, ts="2025-06-10T09:00:00Z", **same)])
    r = simulate(con, policy(cache={"exact_repeat_within": "1h"}))
    # c2 repeats c1 within 1 h: a hit; c3 comes 2.5 h after c2: a miss
    assert r.cache_hits == 1
    assert r.cache_savings_usd == Decimal(12)
    assert r.projected_cost_usd == Decimal(24)


def test_compliance_route_is_never_broken_by_a_fallback(tmp_path, prices):
    restricted = {"tags": {"data_class": "restricted"}}
    con = load(tmp_path, prices, [call(1, **restricted), call(2, ts="2025-07-01T00:00:00Z", **restricted),
                                  call(3)])
    pol = policy(routes=[{"when": {"tags.data_class": ["restricted"]}, "model": "local"}, {"default": "general"}],
                 failover={"outages": [{"provider": "self", "start": "2025-06-10T00:00:00Z", "hours": 12}]})
    r = simulate(con, pol)
    # c1: local is down and the rule forbids a fallback -> failed and reported; c2 runs on local
    assert (r.failed_calls, r.compliance_violations, r.fallbacks) == (1, 1, 0)
    # c2 on local: 0 per call + 1,000 fixed a month prorated to the period's days in July: the
    # period runs from June 10 to July 1 inclusive, so 1 of July's 31 days; c3 on strong 12
    assert r.fixed_cost_usd == Decimal("32.258065")
    assert r.projected_cost_usd == Decimal("44.258065")
    # the whole of July as the period: the full month
    july = simulate(con, pol, since=datetime(2025, 7, 1, tzinfo=UTC), until=datetime(2025, 8, 1, tzinfo=UTC))
    assert july.fixed_cost_usd == Decimal(1000)


def test_an_undated_call_on_a_self_hosted_model_adds_no_month_and_says_so(tmp_path, prices):
    undated = call(2)
    del undated["ts"]
    con = load(tmp_path, prices, [call(1, ts="2025-07-10T00:00:00Z"), undated])
    r = simulate(con, policy(routes=[{"default": "local"}]))  # was a TypeError in the fixed-cost proration
    # the dated call serves July 10 (a one-day period: 1 of July's 31 days); the undated one no month
    assert r.fixed_cost_usd == Decimal("32.258065")
    assert any("without a timestamp went to a self-hosted model" in a for a in r.assumptions)
    assert not any("without a timestamp" in a for a in simulate(con, policy(routes=[{"default": "cheap"}])).assumptions)


def test_data_class_sent_to_an_unapproved_model_is_a_violation(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, tags={"data_class": "restricted"})])
    r = simulate(con, policy())  # everything to strong, which is not approved for restricted data
    assert r.compliance_violations == 0  # strong lists no data_classes: nothing to check against
    con.execute("CREATE OR REPLACE TEMP TABLE model_info AS SELECT * REPLACE "
                "(CASE WHEN model_key = 'strong' THEN ['public'] ELSE data_classes END AS data_classes) FROM model_info")
    assert simulate(con, policy()).compliance_violations == 1


def test_quality_risk_against_the_tier_bar(tmp_path, prices):
    con = load(tmp_path, prices, [call(1), call(2, "reasoning")])
    tiers = {**TIERS, "general": {"models": ["strong"], "min_quality": 0.94}}
    r = simulate(con, policy(tiers=tiers))
    # strong scores 0.95 by default but 0.93 on reasoning: one call below the 0.94 bar
    assert r.quality_risk_calls == 1


def test_baseline_on_one_model(tmp_path, prices):
    con = load(tmp_path, prices, [call(1), call(2)])
    r = simulate(con, policy(routes=[{"default": "fast"}]), baseline="model:deep")
    assert r.baseline_cost_usd == Decimal(120) and r.projected_cost_usd == Decimal("2.4")


def test_default_keep_reproduces_the_baseline(tmp_path, prices):
    con = load(tmp_path, prices, [call(1), call(2, "code"), {**call(3), "model": "cheap", "provider": "pa"}])
    r = simulate(con, policy(routes=[{"default": "keep"}]))
    assert r.projected_cost_usd == r.baseline_cost_usd == Decimal("25.2")
    assert r.savings_usd == 0


def test_policy_model_without_a_price_is_an_error(tmp_path, prices):
    con = load(tmp_path, prices, [call(1)])
    with pytest.raises(ConfigError, match="no-such-model"):
        simulate(con, policy(tiers={"general": {"models": ["no-such-model"]}}))


# --------------------------------------------------------------------------- CLI


def _write_policy(path: Path, **fields) -> Path:
    doc = {"version": 1, "name": path.stem, "tiers": TIERS, "routes": [{"default": "general"}], **fields}
    path.write_text(yaml.safe_dump(doc))
    return path


def _cli_db(tmp_path: Path, prices: Path) -> Path:
    db = tmp_path / "cli.duckdb"
    log = write_jsonl(tmp_path / "log.jsonl", [call(1, "classification", "simple"), call(2)])
    assert CliRunner().invoke(app, ["ingest", str(log), "--db", str(db), "--prices", str(prices)]).exit_code == 0
    return db


def test_cli_two_policies_side_by_side_and_price_override(tmp_path, prices):
    db = _cli_db(tmp_path, prices)
    old = _write_policy(tmp_path / "old.yaml")
    new = _write_policy(tmp_path / "new.yaml", routes=[{"when": {"task": ["classification"]}, "tier": "fast"},
                                                        {"default": "general"}])
    result = CliRunner().invoke(app, ["simulate", "--db", str(db), "--prices", str(prices),
                                      "-p", str(old), "-p", str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    old_r, new_r = data["policies"]
    assert (old_r["policy"], old_r["projected_cost_usd"], old_r["savings_pct"]) == ("old", 24.0, 0.0)
    # new: 1.2 + 12 = 13.2 -> savings 10.8 of 24 = 45%
    assert (new_r["projected_cost_usd"], new_r["savings_usd"], new_r["savings_pct"]) == (13.2, 10.8, 45.0)
    assert new_r["tiers"][0] == {"name": "fast", "calls": 1, "calls_share": 0.5, "cost_usd": 1.2, "tokens": 1_100_000}
    for key in ("escalation_rate", "fallback_rate", "failed_calls", "quality_risk_calls", "compliance_violations",
                "baseline_cost_usd", "calls"):
        assert key in new_r
    # a price table where strong costs double doubles the projection for the strong call
    dearer = tmp_path / "dearer.yaml"
    dearer.write_text(PRICES.replace("strong: {provider: pb, input: 10, output: 20", "strong: {provider: pb, input: 20, output: 40")
                      .replace("2024-01-01", "2024-02-01"))
    result = CliRunner().invoke(app, ["simulate", "--db", str(db), "--prices", str(prices), "--prices", str(dearer),
                                      "-p", str(new), "--format", "json"])
    assert json.loads(result.stdout)["projected_cost_usd"] == 1.2 + 24


def test_cli_fail_if_gates(tmp_path, prices, monkeypatch):
    db = _cli_db(tmp_path, prices)
    new = _write_policy(tmp_path / "new.yaml", routes=[{"when": {"task": ["classification"]}, "tier": "fast"},
                                                        {"default": "general"}])
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    base = ["simulate", "--db", str(db), "--prices", str(prices), "-p", str(new)]
    passed = CliRunner().invoke(app, [*base, "--fail-if", "savings_pct < 30"])
    assert passed.exit_code == 0, passed.output
    failed = CliRunner().invoke(app, [*base, "--fail-if", "savings_pct < 50", "--fail-if", "failed_calls > 0"])
    assert failed.exit_code == 1 and "gate failed: savings_pct < 50" in failed.output
    assert "gate passed: failed_calls > 0: actual failed_calls = 0, limit 0" in failed.output
    bad = CliRunner().invoke(app, [*base, "--fail-if", "savings > 3"])
    assert bad.exit_code == 2 and "unknown metric" in bad.output
    assert "| Policy |" in summary.read_text()


def test_bundled_policies_validate_and_run_on_sample_logs(tmp_path):
    db = tmp_path / "sample.duckdb"
    root = Path(__file__).resolve().parents[1]
    assert CliRunner().invoke(app, ["ingest", str(root / "sample_logs"), "--db", str(db)]).exit_code == 0
    files = sorted((root / "policies").glob("*.yaml"))
    assert len(files) >= 10
    checked = CliRunner().invoke(app, ["policy", "validate", "--db", str(db), *map(str, files)])
    assert checked.exit_code == 0 and "warning" not in checked.stderr, checked.output
    args = ["simulate", "--db", str(db), "--format", "json"]
    for path in files:
        args += ["-p", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    policies = {p["policy"]: p for p in json.loads(result.stdout)["policies"]}
    assert {"three-tiers", "task-based", "cascade", "single-gpt-4o", "seed-80-20", "task-map"} <= set(policies)
    assert len({p["calls"] for p in policies.values()}) == 1 and policies["three-tiers"]["calls"] >= 3000
    # embeddings never go to a chat model: tiers.yaml sends none of them to gpt-4o
    assert policies["three-tiers"]["incompatible_calls"] > 0


def test_policy_validate_errors_name_the_key_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("""
        version: 1
        name: bad
        tiers:
          fast: {models: [cheap], min_quality: 1.5}
        routes:
          - default: fast
    """))
    result = CliRunner().invoke(app, ["policy", "validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml: tiers.fast.min_quality" in result.output and "1.5" in result.output


def test_policy_validate_reports_every_file_and_names_the_key_meant(tmp_path):
    """Several files: each bad one has its errors, each good one its `ok` (the first schema error
    used to stop the run); an unknown key names the closest valid one at its place."""
    typo = tmp_path / "typo.yaml"
    typo.write_text(textwrap.dedent("""
        version: 1
        name: typo
        route: []
        tiers:
          main: {modles: [gpt-4o]}
        routes:
          - default: main
        failover: {use_logged_error: true}
    """))
    task = tmp_path / "task.yaml"
    task.write_text("version: 1\nname: t\ntiers:\n  main: {models: [gpt-4o]}\nroutes:\n"
                    "  - when: {task: [codee]}\n    tier: main\n  - default: main\n")
    good = Path(__file__).resolve().parents[1] / "policies" / "cascade.yaml"
    result = CliRunner().invoke(app, ["policy", "validate", str(typo), str(good), str(task)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    assert f"{good}: ok (cascade: 2 tiers, 2 routes)" in lines
    assert "typo.yaml: tiers.main.modles: Extra inputs are not permitted (did you mean 'models'?)" in result.output
    assert "typo.yaml: route: Extra inputs are not permitted (did you mean 'routes'?)" in result.output
    assert "typo.yaml: failover.use_logged_error: Extra inputs are not permitted (did you mean 'use_logged_errors'?)" \
        in result.output
    assert "task.yaml: routes.0.when: Value error, task: unknown task 'codee' (did you mean 'code'?)" in result.output


def test_policy_init_into_a_missing_directory_is_an_input_error(tmp_path):
    records = [call(1)]
    db = tmp_path / "x.duckdb"
    write_jsonl(tmp_path / "c.jsonl", records)
    assert CliRunner().invoke(app, ["ingest", str(tmp_path / "c.jsonl"), "--db", str(db)]).exit_code == 0
    result = CliRunner().invoke(app, ["policy", "init", "--db", str(db), "--out", str(tmp_path / "no" / "p.yaml")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert f"cannot write {tmp_path / 'no' / 'p.yaml'}: No such file or directory" in result.output


def test_long_context_calls_keep_their_own_rates_when_rerouted(tmp_path):
    """Classes group calls by day and route, but a call above a model's long-context threshold
    must still be priced at that model's long-context rates, and the others at normal rates."""
    path = tmp_path / "lc.yaml"
    path.write_text(PRICES + "  longy: {provider: pa, input: 1, output: 2,"
                             " long_context: {threshold: 200000, input: 4, output: 8}}\n")
    records = [call(1, input_tokens=300_000, output_tokens=1_000), call(2, input_tokens=100_000, output_tokens=1_000)]
    con = load(tmp_path, path, records)
    r = simulate(con, policy(tiers={"general": {"models": ["longy"]}}))
    # c1: 300k > 200k, whole request at 4/8 per 1M: 1.2 + 0.008; c2: 0.1 + 0.002
    assert r.projected_cost_usd == Decimal("1.208") + Decimal("0.102")


def test_latency_percentiles_from_a_sample_above_the_limit(tmp_path, prices, monkeypatch):
    """Above LATENCY_SAMPLE calls, percentiles and over-budget counts come from a seeded sample;
    costs and counts still cover every call."""
    from mmaudit.simulate import engine

    records = [call(i, output_tokens=1_000 * (1 + i % 100)) for i in range(2_000)]
    con = load(tmp_path, prices, records)
    pol = policy(tiers={**TIERS, "general": {"models": ["strong"], "max_latency_ms": 100_000}})
    exact = simulate(con, pol)
    monkeypatch.setattr(engine, "LATENCY_SAMPLE", 500)
    sampled = simulate(con, pol)
    assert (sampled.calls, sampled.projected_cost_usd) == (exact.calls, exact.projected_cost_usd) == (2_000, Decimal(22020))
    # each call: 10 USD input + out x 20 USD/1M, out 1k..100k evenly (mean 50.5k): 11.01 USD
    # strong: 500 ms + out / 500 tok/s; out is 1k..100k evenly, so p50 ~ 101.5 s and half are over 100 s
    e, s = exact.tasks[0], sampled.tasks[0]
    assert e.p50_latency_ms == pytest.approx(101_500, rel=0.01)
    assert s.p50_latency_ms == pytest.approx(e.p50_latency_ms, rel=0.1)
    assert s.p95_latency_ms == pytest.approx(e.p95_latency_ms, rel=0.1)
    assert s.over_latency_budget_calls == pytest.approx(e.over_latency_budget_calls, rel=0.15)
    assert simulate(con, pol).tasks[0] == s  # the sample is seeded: two runs agree
    assert any("sample of" in note for note in sampled.assumptions)
    assert not any("sample of" in note for note in exact.assumptions)


def test_cli_seed_draws_another_ab_split(tmp_path, prices):
    records = [call(i) for i in range(300)]
    db = tmp_path / "seed.duckdb"
    log = write_jsonl(tmp_path / "seed.jsonl", records)
    assert CliRunner().invoke(app, ["ingest", str(log), "--db", str(db), "--prices", str(prices)]).exit_code == 0
    pol = _write_policy(tmp_path / "ab.yaml", ab=[{"tier": "general", "model": "cheap", "share": 0.5}])

    def cheap_calls(*extra: str) -> int:
        result = CliRunner().invoke(app, ["simulate", "--db", str(db), "--prices", str(prices), "-p", str(pol),
                                          "--format", "json", *extra])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)  # one policy: its result itself
        return {m["model"]: m["calls"] for m in data["models"]}["cheap"]

    salt = hashlib.sha256(b"q3-review").hexdigest()[:8]
    assert cheap_calls() == sum((_md5_le(r["call_id"]) & 0xFFFFFFFF) / 2**32 < 0.5 for r in records)
    assert cheap_calls("--seed", "q3-review") == sum(
        (_md5_le(f"{r['call_id']}:{salt}") & 0xFFFFFFFF) / 2**32 < 0.5 for r in records)


def test_figure_names_spell_acronyms_and_units():
    from mmaudit.simulate.report import name_of

    assert name_of("pgr") == "PGR (share of the quality gap recovered)"
    assert name_of("quality.ci_low") == "Quality: ci low"
    assert name_of("random_mix.cost_usd") == "Random mix: cost (USD)"


KEEP_ALL = "version: 1\nname: keep-all\ntiers:\n  only: {models: [gpt-4o-mini]}\nroutes:\n  - default: keep\n"


def test_keep_reproduces_1h_cache_writes_and_reasoning_rates(tmp_path):
    # 1-hour cache writes (Claude: $6/1M, not the 5-minute $3.75) and reasoning at its own rate
    # (sonar-deep-research: $3/1M, output $8/1M) are billed as logged; a replay that keeps every call
    # on its model must cost exactly that, with no phantom savings.
    claude = {"id": "msg_1h", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
              "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "timestamp": "2025-11-02T10:00:00Z",
              "usage": {"input_tokens": 10, "cache_creation_input_tokens": 100_000, "cache_read_input_tokens": 0,
                        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 100_000},
                        "output_tokens": 20}}
    sonar = {"id": "pplx-1", "object": "chat.completion", "created": 1762077600, "model": "sonar-deep-research",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "report"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 1000, "completion_tokens": 5000, "total_tokens": 6000,
                       "completion_tokens_details": {"reasoning_tokens": 4000}}}
    db = tmp_path / "keep.duckdb"
    runner = CliRunner()
    for name, record in (("claude.jsonl", claude), ("sonar.jsonl", sonar)):
        done = runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / name, [record])), "--db", str(db), "-f", "json"])
        assert done.exit_code == 0, done.output
    (tmp_path / "keep.yaml").write_text(KEEP_ALL, encoding="utf-8")
    done = runner.invoke(app, ["simulate", "--policy", str(tmp_path / "keep.yaml"), "--db", str(db), "-f", "json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    claude_cost = (10 * Decimal("3") + 100_000 * Decimal("6") + 20 * Decimal("15")) / 10**6
    sonar_cost = (1000 * Decimal("2") + 1000 * Decimal("8") + 4000 * Decimal("3")) / 10**6
    assert Decimal(str(data["baseline_cost_usd"])) == claude_cost + sonar_cost
    assert data["projected_cost_usd"] == data["baseline_cost_usd"] and data["savings_usd"] == 0


def _keep_and_move(tmp_path, records: list[dict], to: str) -> dict[str, dict]:
    """Ingest each record as its own file, then replay the calls twice: every call kept where it
    was ("keep") and every call sent to `to` ("move"); the two results as `simulate -f json` prints them."""
    db = tmp_path / "replay.duckdb"
    runner = CliRunner()
    for i, record in enumerate(records):
        done = runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / f"r{i}.jsonl", [record])), "--db", str(db), "-f", "json"])
        assert done.exit_code == 0, done.output
    results = {}
    for name, text in (("keep", KEEP_ALL),
                       ("move", KEEP_ALL.replace("- default: keep", "- default: only").replace("gpt-4o-mini", to))):
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
        done = runner.invoke(app, ["simulate", "--policy", str(tmp_path / f"{name}.yaml"), "--db", str(db), "-f", "json"])
        assert done.exit_code == 0, done.output
        results[name] = json.loads(done.stdout)
    return results


def test_web_search_fees_replay_on_the_model_that_answers(tmp_path):
    # a kept call pays its searches again; moved to a model with no search fee on record it is
    # unpriced (left out of both sums and counted), never priced at $0
    claude = {"id": "msg_ws", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
              "content": [{"type": "text", "text": "found"}], "stop_reason": "end_turn", "timestamp": "2025-11-02T10:00:00Z",
              "usage": {"input_tokens": 1000, "output_tokens": 100, "server_tool_use": {"web_search_requests": 3}}}
    results = _keep_and_move(tmp_path, [claude], "deepseek-chat")
    billed = (1000 * Decimal("3") + 100 * Decimal("15")) / 10**6 + 3 * Decimal("0.01")
    assert Decimal(str(results["keep"]["baseline_cost_usd"])) == billed
    assert results["keep"]["projected_cost_usd"] == results["keep"]["baseline_cost_usd"]
    assert results["move"]["unpriced_calls"] == 1 and results["move"]["projected_cost_usd"] == 0


def test_per_request_fees_replay_on_the_model_that_answers(tmp_path):
    # sonar-pro bills $14 per 1,000 requests on top of tokens: kept, the replay pays it again (and
    # costs what ingest billed); moved to sonar, that model's fee ($12 per 1,000) per call
    sonar = {"id": "pplx-r", "object": "chat.completion", "created": 1762077600, "model": "sonar-pro",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}}
    results = _keep_and_move(tmp_path, [sonar, {**sonar, "id": "pplx-s"}], "sonar")
    billed = 2 * ((1000 * Decimal("3") + 100 * Decimal("15")) / 10**6 + Decimal("0.014"))
    assert Decimal(str(results["keep"]["baseline_cost_usd"])) == billed
    assert results["keep"]["projected_cost_usd"] == results["keep"]["baseline_cost_usd"]
    moved = 2 * ((1000 * Decimal("1") + 100 * Decimal("1")) / 10**6 + Decimal("0.012"))
    assert Decimal(str(results["move"]["projected_cost_usd"])) == moved


def test_a_call_keeps_its_search_context_size_in_a_replay(tmp_path):
    # logged at low search context, sonar-pro's fee is $6 per 1,000 (not the $14 of the high size
    # genai-prices lists); moved to sonar, it pays sonar's low fee, $5
    sonar = {"id": "pplx-low", "object": "chat.completion", "created": 1762077600, "model": "sonar-pro",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100, "search_context_size": "low"}}
    results = _keep_and_move(tmp_path, [sonar], "sonar")
    billed = (1000 * Decimal("3") + 100 * Decimal("15")) / 10**6 + Decimal("0.006")
    assert Decimal(str(results["keep"]["baseline_cost_usd"])) == billed
    assert results["keep"]["projected_cost_usd"] == results["keep"]["baseline_cost_usd"]
    moved = (1000 * Decimal("1") + 100 * Decimal("1")) / 10**6 + Decimal("0.005")
    assert Decimal(str(results["move"]["projected_cost_usd"])) == moved


def test_keep_reproduces_deep_research_citations_reasoning_and_searches(tmp_path):
    # sonar-deep-research bills citation tokens at $2 and reasoning at $3 per 1M (against $8 output)
    # and searches at $5 per 1,000: kept, the replay costs exactly what ingest billed
    deep = {"id": "0c3a1c2e-5e0b-4d2b-9d1a-2f4c9b7e8a11", "model": "sonar-deep-research", "created": 1752000000,
            "object": "chat.completion",
            "usage": {"prompt_tokens": 230, "completion_tokens": 13498, "total_tokens": 13728, "citation_tokens": 20470,
                      "num_search_queries": 50, "reasoning_tokens": 145885},
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Report"}}]}
    results = _keep_and_move(tmp_path, [deep], "sonar-reasoning-pro")
    assert Decimal(str(results["keep"]["baseline_cost_usd"])) == Decimal("0.837039")
    assert results["keep"]["projected_cost_usd"] == results["keep"]["baseline_cost_usd"]
    # moved, citations are plain output on a model that has no citation price
    assert results["move"]["unpriced_calls"] == 0 and results["move"]["projected_cost_usd"] > 0


def test_keep_reproduces_service_tiers_and_peak_hours(tmp_path):
    # gpt-5 billed at the priority tier ($2.50/$20 per 1M, twice standard) and the flex tier
    # ($0.625/$5); deepseek-v4-flash at its weekday peak (01:00-04:00 UTC: $0.30/$1.20) and off-peak
    # ($0.15/$0.60). A replay that keeps every call must cost exactly that: priced at standard
    # rates and at the day's midnight, it showed a 22% saving no policy made.
    def call(cid: str, model: str, ts: str, tier: str | None = None) -> dict:
        return {"call_id": cid, "ts": ts, "model": model, "service_tier": tier, "status": "ok",
                "input_tokens": 100_000, "output_tokens": 1_000}
    records = [call("p1", "gpt-5", "2026-11-03T02:00:00Z", "priority"), call("f1", "gpt-5", "2026-11-03T02:00:00Z", "flex"),
               call("d1", "deepseek-v4-flash", "2026-11-03T02:00:00Z"), call("d2", "deepseek-v4-flash", "2026-11-03T20:00:00Z")]
    results = _keep_and_move(tmp_path, records, "gpt-5-mini")
    billed = Decimal("0.27") + Decimal("0.0675") + Decimal("0.0312") + Decimal("0.0156")
    assert Decimal(str(results["keep"]["baseline_cost_usd"])) == billed
    assert results["keep"]["projected_cost_usd"] == results["keep"]["baseline_cost_usd"]


def test_a_moved_call_keeps_its_service_tier_where_the_new_model_has_it(tmp_path):
    # gpt-5-mini's priority rates are 1.8x its standard ones and flex 0.5x: the same call moved
    # there costs that much more (less) when it was sent at the priority (flex) tier
    def moved(tier: str | None, sub: str) -> Decimal:
        (tmp_path / sub).mkdir()
        record = {"call_id": "c1", "ts": "2026-11-03T12:00:00Z", "model": "gpt-5", "service_tier": tier, "status": "ok",
                  "input_tokens": 100_000, "output_tokens": 1_000}
        return Decimal(str(_keep_and_move(tmp_path / sub, [record], "gpt-5-mini")["move"]["projected_cost_usd"]))
    standard = moved(None, "s")
    assert standard > 0
    assert moved("priority", "p") == standard * Decimal("1.8")
    assert moved("flex", "f") == standard * Decimal("0.5")


def test_audio_replays_at_the_answering_models_audio_rates(tmp_path):
    # A voice call on gpt-audio: 44 of 64 input tokens and 36 of 46 output tokens are audio ($32/$64
    # per 1M against $2.50/$10 text). Kept, the replay costs what ingest billed; moved to
    # gpt-audio-mini ($10/$20 audio, $0.60/$2.40 text) the audio stays audio (not scaled by a text
    # tokenizer ratio) and pays that model's audio rates.
    call = {"id": "chatcmpl-v1", "object": "chat.completion", "created": 1762077600, "model": "gpt-audio",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 64, "completion_tokens": 46, "total_tokens": 110,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 44},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 36}}}
    results = _keep_and_move(tmp_path, [call], "gpt-audio-mini")
    billed = (20 * Decimal("2.5") + 44 * Decimal("32") + 10 * Decimal("10") + 36 * Decimal("64")) / 10**6
    assert Decimal(str(results["keep"]["baseline_cost_usd"])) == billed
    assert results["keep"]["projected_cost_usd"] == results["keep"]["baseline_cost_usd"]
    mini = (20 * Decimal("0.6") + 44 * Decimal("10") + 10 * Decimal("2.4") + 36 * Decimal("20")) / 10**6
    assert Decimal(str(results["move"]["projected_cost_usd"])) == mini


def test_a_voice_call_is_not_moved_to_a_model_without_audio_prices(tmp_path):
    # priced at gpt-4o-mini's text rates, a gpt-realtime voice turn would replay ~99% cheaper:
    # a saving no voice call can have. It keeps its logged model and is counted incompatible;
    # a text call in the same log moves.
    voice = {"type": "response.done", "event_id": "event_1", "model": "gpt-realtime", "timestamp": "2025-11-02T10:00:00Z",
             "response": {"object": "realtime.response", "id": "resp_v", "status": "completed", "output": [],
                          "usage": {"input_tokens": 132, "output_tokens": 188,
                                    "input_token_details": {"cached_tokens": 0, "audio_tokens": 73},
                                    "output_token_details": {"audio_tokens": 147}}}}
    text = {"call_id": "t1", "ts": "2025-11-02T10:00:00Z", "model": "gpt-4o", "status": "ok",
            "input_tokens": 1000, "output_tokens": 100}
    data = _keep_and_move(tmp_path, [voice, text], "gpt-4o-mini")["move"]
    voice_cost = (59 * Decimal("4") + 73 * Decimal("32") + 41 * Decimal("16") + 147 * Decimal("64")) / 10**6
    mini_text = (1000 * Decimal("0.15") + 100 * Decimal("0.6")) / 10**6
    assert data["incompatible_calls"] == 1
    assert Decimal(str(data["projected_cost_usd"])) == voice_cost + mini_text


def test_an_image_generation_is_not_moved_to_a_text_model(tmp_path):
    # a generated image (1,290 tokens at $30 per 1M on gemini-2.5-flash-image) moved to
    # gemini-2.0-flash would be priced as text output, $0.0005: it keeps its model instead
    image = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
             "modelVersion": "gemini-2.5-flash-image", "responseId": "img-1", "createTime": "2025-11-02T10:00:00Z",
             "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290,
                               "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1290}]}}
    results = _keep_and_move(tmp_path, [image], "gemini-2.0-flash")
    billed = (12 * Decimal("0.3") + 1290 * Decimal("30")) / 10**6
    assert Decimal(str(results["keep"]["projected_cost_usd"])) == billed.quantize(Decimal("1e-6"))  # JSON: 6 places
    assert results["move"]["incompatible_calls"] == 1
    assert results["move"]["projected_cost_usd"] == results["keep"]["projected_cost_usd"]


def test_an_advisor_a_call_consulted_is_paid_on_whichever_model_answers(tmp_path):
    # Anthropic's advisor tool: the request asks for the advisor (claude-opus-4-6, $5 / $25 per 1M),
    # so a replay keeps its cost wherever the executor's tokens go; kept, projected = baseline
    advised = {"id": "msg_adv", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
               "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "timestamp": "2026-06-01T10:00:00Z",
               "usage": {"input_tokens": 1000, "output_tokens": 100, "iterations": [
                   {"type": "message", "input_tokens": 1000, "output_tokens": 100},
                   {"type": "advisor_message", "model": "claude-opus-4-6", "input_tokens": 2000, "output_tokens": 40}]}}
    results = _keep_and_move(tmp_path, [advised], "claude-haiku-4-5")
    advisor = (2000 * Decimal(5) + 40 * Decimal(25)) / 10**6
    billed = (1000 * Decimal(3) + 100 * Decimal(15)) / 10**6 + advisor
    assert Decimal(str(results["keep"]["baseline_cost_usd"])) == billed
    assert results["keep"]["projected_cost_usd"] == results["keep"]["baseline_cost_usd"]
    moved = (1000 * Decimal(1) + 100 * Decimal(5)) / 10**6 + advisor  # claude-haiku-4-5 $1 / $5, same tokenizer
    assert Decimal(str(results["move"]["projected_cost_usd"])) == moved.quantize(Decimal("1e-6"))
