"""Replay fidelity (issue 16), figure by figure against hand calculations.

A test price table with round numbers (USD per 1M tokens):
    cheap   (pa)  in 1   out 2    ttft 100 ms, 1,000 tok/s, quality default 0.90
    cheap2  (pb)  in 2   out 4    ttft 200 ms, 1,000 tok/s, quality default 0.88
    strong  (pb)  in 10  out 20   ttft 500 ms,   500 tok/s, quality default 0.95
    backup  (pc)  in 4   out 8    no quality score at all
    think   (pd)  in 50  out 100  reasoning model, ttft 2000 ms, 100 tok/s, quality default 0.99
    emb     (pa)  in 0.1          embedding model
    emb_big (pa)  in 1            embedding model
Calls default to `strong` with 1,000,000 input and 100,000 output tokens: 12 USD there,
1.2 on cheap, 2.4 on cheap2, 4.8 on backup, 60 on think.
"""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.config import validate
from mmaudit.policy import Policy
from tests.test_simulate import _md5_le, call, load, simulate

PRICES = """
effective_from: 2024-01-01
source: test table
currency: USD
models:
  cheap:   {provider: pa, input: 1, output: 2, latency: {ttft_ms: 100, output_tokens_per_s: 1000}, quality: {default: 0.90}}
  cheap2:  {provider: pb, input: 2, output: 4, latency: {ttft_ms: 200, output_tokens_per_s: 1000}, quality: {default: 0.88}}
  strong:  {provider: pb, input: 10, output: 20, latency: {ttft_ms: 500, output_tokens_per_s: 500}, quality: {default: 0.95, reasoning: 0.93}}
  backup:  {provider: pc, input: 4, output: 8}
  think:   {provider: pd, input: 50, output: 100, mode: reasoning, latency: {ttft_ms: 2000, output_tokens_per_s: 100}, quality: {default: 0.99}}
  emb:     {provider: pa, input: 0.1, output: 0, mode: embedding}
  emb_big: {provider: pa, input: 1, output: 0, mode: embedding}
"""
runner = CliRunner()


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(PRICES)
    return path


def policy(**fields) -> Policy:
    doc = {"version": 1, "name": "test", **({} if "task_models" in fields else {"routes": [{"default": "keep"}]}), **fields}
    return validate(Policy, doc, "test-policy")


def bundled(name: str, rename: dict[str, str]) -> Policy:
    """A bundled policy file verbatim, its model names mapped onto the test table's."""
    text = (Path(__file__).resolve().parents[1] / "policies" / name).read_text()
    for real, test in rename.items():
        text = text.replace(real, test)
    return validate(Policy, yaml.safe_load(text), name)


def test_seed_80_20(tmp_path, prices):
    records = [call(i) for i in range(400)]
    con = load(tmp_path, prices, records)
    r = simulate(con, bundled("seed-80-20.yaml", {"gpt-4o-mini": "cheap", "gpt-4o": "strong"}))
    # 80% of calls (A/B fraction < 0.8, bits 0-31 of the call hash) on the cheap model, the rest on strong
    cheap = sum((_md5_le(x["call_id"]) & 0xFFFFFFFF) / 2**32 < 0.8 for x in records)
    assert 300 <= cheap <= 340
    assert {m.model: m.calls for m in r.models} == {"cheap": cheap, "strong": 400 - cheap}
    assert r.projected_cost_usd == Decimal("1.2") * cheap + Decimal(12) * (400 - cheap)
    assert r.baseline_cost_usd == Decimal(4800)


def test_seed_fallback_chain(tmp_path, prices):
    failed = {"status": "error", "http_status": 429, "error_type": "rate_limit", "input_tokens": 0, "output_tokens": 0}
    con = load(tmp_path, prices, [call(1), call(2, **failed), call(3)])
    pol = bundled("seed-fallback-chain.yaml", {"gpt-4o-mini": "cheap", "gpt-4o": "strong",
                                               "claude-3-5-sonnet": "backup"})
    r = simulate(con, pol)
    # the 429 on pb goes down the chain strong -> backup; answered there, it is priced as an answered
    # call of its task (the mean of the two logged answers: 1M in, 100k out): 4 + 0.8 = 4.8
    assert (r.failed_calls, r.fallbacks) == (0, 1)
    assert r.projected_cost_usd == Decimal("28.8")
    assert {m.model: m.calls for m in r.models} == {"strong": 2, "backup": 1}
    # cost per successful response: 28.8 / 3 answered; baseline 24 / 2 logged successes
    assert r.cost_per_successful_response_usd == Decimal("9.6")
    assert r.baseline_cost_per_successful_response_usd == Decimal(12)


def test_tier_less_task_map(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, "classification"), call(2, "code"), call(3, "chat")])
    keep = policy(task_models={"classification": "cheap", "code": "backup", "default": "keep"})
    # classification on cheap 1.2, code on backup 4.8, chat keeps strong 12
    r = simulate(con, keep)
    assert r.projected_cost_usd == Decimal(18)
    assert {t.name: t.calls for t in r.tiers} == {"keep (logged model)": 1, "model route": 2}
    # the same as routes, with a default model instead of keep: chat to cheap 1.2
    routes = policy(routes=[{"when": {"task": ["classification"]}, "model": "cheap"},
                            {"when": {"task": ["code"]}, "model": "backup"}, {"default": "cheap"}])
    assert simulate(con, routes).projected_cost_usd == Decimal("7.2")


def _burst() -> list[dict]:
    """pb's timeline: 10 answers (t = 0-90 s), twenty 429s (100-290 s), 10 answers (300-390 s),
    then 5 answers after a quiet spell (1,200-1,240 s)."""
    t0 = 1749542400  # 2025-06-10T08:00:00Z
    failed = {"status": "error", "http_status": 429, "error_type": "rate_limit", "input_tokens": 0, "output_tokens": 0}

    def at(s: int) -> str:
        from datetime import UTC, datetime
        return datetime.fromtimestamp(t0 + s, UTC).isoformat().replace("+00:00", "Z")

    out = [call(i, ts=at(10 * i)) for i in range(10)]
    out += [call(10 + i, ts=at(100 + 10 * i), **failed) for i in range(20)]
    out += [call(30 + i, ts=at(300 + 10 * i)) for i in range(10)]
    out += [call(40 + i, ts=at(1200 + 10 * i)) for i in range(5)]
    return out


def test_circuit_breaker_over_a_logged_429_burst(tmp_path, prices):
    con = load(tmp_path, prices, _burst())
    tiers = {"general": {"models": ["strong", "backup"]}}
    plain = simulate(con, policy(tiers=tiers, routes=[{"default": "general"}]))
    # no breaker: the 20 logged 429s fail again on pb; the 25 answers stay on strong at 12
    assert (plain.failed_calls, plain.fallbacks, plain.projected_cost_usd) == (20, 0, Decimal(300))
    breaker = {"circuit_breaker": {"error_rate": 0.5, "window": "5m", "min_calls": 10, "cooldown": "15m"}}
    r = simulate(con, policy(tiers=tiers, routes=[{"default": "general"}], failover=breaker))
    # the 10th 429 (t = 190 s) has 10 failures among the 20 calls of the last 5 minutes: the breaker
    # opens after it until t = 1,090 s. The 10 429s at 200-290 s and the 10 calls at 300-390 s go to
    # backup (4.8 each); the probe at 1,200 s succeeds, so the last 5 calls run on strong again.
    assert r.breaker_openings == 1
    assert (r.failed_calls, r.fallbacks) == (10, 20)
    # strong: 10 + 5 answers x 12 = 180; backup 20 x 4.8 = 96
    assert r.projected_cost_usd == Decimal(276)
    assert r.cost_per_successful_response_usd == Decimal(276) / 35


def test_breaker_probe_that_fails_reopens(tmp_path, prices):
    records = _burst()
    failed = {"status": "error", "http_status": 503, "error_type": "server", "input_tokens": 0, "output_tokens": 0}
    records[40] = {**records[40], **failed}  # the half-open probe at 1,200 s fails: open again until 2,100 s
    con = load(tmp_path, prices, records)
    breaker = {"circuit_breaker": {"error_rate": 0.5, "window": "5m", "min_calls": 10, "cooldown": "15m"}}
    r = simulate(con, policy(tiers={"general": {"models": ["strong", "backup"]}}, routes=[{"default": "general"}],
                             failover=breaker))
    # the probe itself fails (11 failed); the 4 calls after it go to backup (24 fallbacks)
    assert (r.breaker_openings, r.failed_calls, r.fallbacks) == (2, 11, 24)


def test_reasoning_tokens_follow_the_target_model(tmp_path, prices):
    on_think = [call(i, "reasoning", model="think", provider="pd", reasoning_tokens=60_000) for i in range(20)]
    on_strong = [call(100 + i, "reasoning", output_tokens=50_000) for i in range(20)]
    con = load(tmp_path, prices, on_think + on_strong)
    # to a model that does not reason: think's calls keep their 40k visible tokens (1 + 0.08),
    # strong's their 50k (1 + 0.1); cheap has no calls of its own, so the length ratio is 1
    down = simulate(con, policy(routes=[{"default": "cheap"}]))
    assert down.projected_cost_usd == Decimal("21.6") + Decimal(22)
    # to the reasoning model: think's own calls are unchanged (60 each); strong's gain think's measured
    # 60k reasoning tokens per call and their visible 50k move by think/strong = 40k/50k: 40k + 60k
    # = 100k output, 60 each
    up = simulate(con, policy(routes=[{"default": "think"}]))
    assert up.projected_cost_usd == Decimal(2400)
    # latency on cheap: 100 ms + 40,000 tokens / 1,000 per s (think's calls), 50,100 ms (strong's)
    task = {t.task: t for t in down.tasks}["reasoning"]
    assert task.p50_latency_ms == pytest.approx((40_100 + 50_100) / 2)


def test_reasoning_prior_when_unmeasured(tmp_path, prices):
    con = load(tmp_path, prices, [call(i, "reasoning", output_tokens=50_000) for i in range(5)])
    r = simulate(con, policy(routes=[{"default": "think"}]))
    # no reasoning calls to measure: prior 2 reasoning tokens per visible token -> 50k + 100k output
    assert r.projected_cost_usd == Decimal(5 * 65)
    assert any("prior of 2 reasoning tokens" in a for a in r.assumptions)


def test_embedding_route(tmp_path, prices):
    embed = call(1, "embedding", model="emb_big", provider="pa", operation="embedding", output_tokens=0)
    con = load(tmp_path, prices, [embed, call(2)])
    # everything to a chat tier: the embedding call keeps its model (1.0) and is counted
    r = simulate(con, policy(tiers={"general": {"models": ["strong"]}}, routes=[{"default": "general"}]))
    assert (r.projected_cost_usd, r.incompatible_calls) == (Decimal(13), 1)
    assert {m.model: m.calls for m in r.models} == {"strong": 1, "emb_big": 1}
    # an embedding route: 1M tokens on emb at 0.1
    routed = policy(tiers={"general": {"models": ["strong"]}},
                    routes=[{"when": {"operation": ["embedding"]}, "model": "emb"}, {"default": "general"}])
    r = simulate(con, routed)
    assert (r.projected_cost_usd, r.incompatible_calls) == (Decimal("12.1"), 0)
    # a chat call sent to an embedding model stays where it was
    wrong = simulate(con, policy(routes=[{"when": {"task": ["chat"]}, "model": "emb"}, {"default": "keep"}]))
    assert (wrong.projected_cost_usd, wrong.incompatible_calls) == (Decimal(13), 1)


def test_quality_from_the_default_score_and_unknown(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, "chat"), call(2, "qa"), call(3, "reasoning")])
    # cheap lists only a default (0.90): every task scores 0.90 < 0.95
    r = simulate(con, policy(tiers={"t": {"models": ["cheap"], "min_quality": 0.95}}, routes=[{"default": "t"}]))
    assert (r.quality_risk_calls, r.quality_unknown_calls) == (3, 0)
    # backup has no score at all: unknown, in the headline and gateable
    r = simulate(con, policy(tiers={"t": {"models": ["backup"], "min_quality": 0.5}}, routes=[{"default": "t"}]))
    assert (r.quality_risk_calls, r.quality_unknown_calls) == (0, 3)


def test_unpriced_calls_left_out_of_cost_per_success_on_both_sides(tmp_path, prices):
    con = load(tmp_path, prices, [call(1), call(2), call(3, model="mystery", provider="px")])
    r = simulate(con, policy())
    assert (r.calls, r.unpriced_calls) == (3, 1)
    assert r.baseline_cost_per_successful_response_usd == Decimal(12) == r.cost_per_successful_response_usd


def test_sample_weight_and_sample_rate(tmp_path, prices):
    con = load(tmp_path, prices, [call(1), call(2, "classification")])
    con.execute("UPDATE calls SET sample_weight = 10")
    r = simulate(con, policy(routes=[{"when": {"task": ["classification"]}, "model": "cheap"}, {"default": "keep"}]))
    # each record stands for 10 calls: 10 x 12 + 10 x 1.2
    assert (r.calls, r.baseline_cost_usd, r.projected_cost_usd) == (20, Decimal(240), Decimal(132))
    halved = simulate(con, policy(), sample_rate=0.5)  # --sample-rate overrides: 1 record = 2 calls
    assert (halved.calls, halved.baseline_cost_usd) == (4, Decimal(48))


def test_lowest_latency_pick(tmp_path, prices):
    hour0 = [call(i, model="cheap", provider="pa", latency_ms=900, ts=f"2025-06-10T06:{i:02d}:00Z") for i in range(3)]
    hour0 += [call(10 + i, model="cheap2", provider="pb", latency_ms=300, ts=f"2025-06-10T06:{i:02d}:30Z")
              for i in range(3)]
    hour1 = [call(20, ts="2025-06-10T07:10:00Z")]
    con = load(tmp_path, prices, hour0 + hour1)
    fast = {"fast": {"models": ["cheap", "cheap2"], "pick": "lowest_latency", "latency_window": "1h"}}
    r = simulate(con, policy(tiers=fast, routes=[{"when": {"model": ["strong"]}, "tier": "fast"}, {"default": "keep"}]))
    # in 06:00-07:00 cheap2 answered in 300 ms, cheap in 900: the 07:10 call goes to cheap2 (2.4)
    assert {m.model: m.calls for m in r.models} == {"cheap": 3, "cheap2": 4}
    assert r.projected_cost_usd == Decimal("3.6") + Decimal("7.2") + Decimal("2.4")


def test_graceful_degradation(tmp_path, prices):
    con = load(tmp_path, prices, [call(1)])
    outage = [{"provider": "pb", "start": "2025-06-10T00:00:00Z", "hours": 12}]
    tiers = {"main": {"models": ["strong", "cheap2"]}}
    failed = simulate(con, policy(tiers=tiers, routes=[{"default": "main"}], failover={"outages": outage}))
    assert (failed.failed_calls, failed.degraded_calls) == (1, 0)
    smaller = simulate(con, policy(tiers=tiers, routes=[{"default": "main"}],
                                   failover={"outages": outage, "degrade_to": "cheap"}))
    assert (smaller.failed_calls, smaller.degraded_calls, smaller.projected_cost_usd) == (0, 1, Decimal("1.2"))
    cached = simulate(con, policy(tiers=tiers, routes=[{"default": "main"}],
                                  failover={"outages": outage, "degrade_to": "cached"}))
    assert (cached.failed_calls, cached.degraded_calls, cached.projected_cost_usd) == (0, 1, Decimal(0))


def test_compliance_calls_never_degrade(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, tags={"data_class": "restricted"})])
    pol = policy(routes=[{"when": {"tags.data_class": ["restricted"]}, "model": "strong"}, {"default": "keep"}],
                 failover={"outages": [{"provider": "pb", "start": "2025-06-10T00:00:00Z", "hours": 12}],
                           "degrade_to": "cheap"})
    r = simulate(con, pol)
    assert (r.failed_calls, r.degraded_calls, r.compliance_violations) == (1, 0, 1)


def test_degrade_to_answers_only_calls_of_its_operation(tmp_path, prices):
    """An embedding call whose chain runs out does not degrade to a chat model (it was priced as
    chat input); a chat call does."""
    con = load(tmp_path, prices, [call(1, model="emb", provider="pa", operation="embedding", output_tokens=0),
                                  call(2, model="cheap", provider="pa")])
    pol = policy(routes=[{"default": "keep"}],
                 failover={"outages": [{"provider": "pa", "start": "2025-06-10T00:00:00Z", "hours": 12}],
                           "degrade_to": "strong"})
    r = simulate(con, pol)
    assert (r.failed_calls, r.degraded_calls) == (1, 1)
    # the chat call on strong: 1M x 10 + 100k x 20 per 1M = 12; the embedding call fails (no cost)
    assert r.projected_cost_usd == Decimal(12)
    cached = simulate(con, policy(routes=[{"default": "keep"}], failover={
        "outages": [{"provider": "pa", "start": "2025-06-10T00:00:00Z", "hours": 12}], "degrade_to": "cached"}))
    assert (cached.failed_calls, cached.degraded_calls, cached.projected_cost_usd) == (0, 2, Decimal(0))


def test_a_cascade_does_not_escalate_calls_of_a_compliance_route(tmp_path, prices):
    """A compliance route's data stays on its model: the cascade's check escalates the others."""
    con = load(tmp_path, prices, [call(1, tags={"data_class": "restricted"}), call(2)])
    pol = policy(tiers={"fast": {"models": ["cheap"]}, "general": {"models": ["strong"]}},
                 routes=[{"when": {"tags.data_class": ["restricted"]}, "tier": "fast"}, {"default": "fast"}],
                 cascade={"from": "fast", "to": "general", "escalate_rate": {"default": 1.0}})
    r = simulate(con, pol)
    assert r.escalations == 1
    # both on cheap (1 + 0.2 each), and c0002 escalated to strong (+12)
    assert r.projected_cost_usd == Decimal("14.4")


def test_dated_snapshot_and_case_match_one_resolver(tmp_path, prices):
    con = load(tmp_path, prices, [call(1, model="Strong-2024-08-06", provider="PB"), call(2, model="cheap", provider="pa")])
    # `strong` covers its dated snapshot; providers match in any case
    r = simulate(con, policy(routes=[{"when": {"model": ["STRONG"]}, "model": "cheap"}, {"default": "keep"}]))
    assert {m.model: m.calls for m in r.models} == {"cheap": 2}
    r = simulate(con, policy(routes=[{"when": {"provider": ["pb"]}, "model": "cheap"}, {"default": "keep"}]))
    assert {m.model: m.calls for m in r.models} == {"cheap": 2}


def _policy_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_typo_in_a_task_exits_2_naming_the_closest(tmp_path, prices):
    load(tmp_path, prices, [call(1)]).close()
    path = _policy_file(tmp_path, """\
        version: 1
        name: typo
        routes:
          - when: {task: [summarisation]}
            model: cheap
          - default: keep
        """)
    for args in (["simulate", "--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices), "-p", str(path)],
                 ["policy", "validate", str(path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "summarisation" in result.stderr and "did you mean 'summarization'" in result.stderr
    result = runner.invoke(app, ["policy", "validate", str(_policy_file(tmp_path, """\
        version: 1
        name: typo
        routes:
          - when: {complexity: [Simple]}
            model: cheap
          - default: keep
        """))])
    assert result.exit_code == 2 and "did you mean 'simple'" in result.stderr


def test_policy_validate_against_the_data(tmp_path, prices):
    load(tmp_path, prices, [call(1, tags={"team": "search"})]).close()
    path = _policy_file(tmp_path, """\
        version: 1
        name: checked
        routes:
          - when: {provider: [OpenAI]}
            model: cheap
          - when: {tags.teem: [search]}
            model: cheap
          - default: keep
        failover:
          outages:
            - {provider: open-ai, start: 2023-01-01T00:00:00Z, hours: 2}
        """)
    db = ["--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices)]
    result = runner.invoke(app, ["policy", "validate", str(path), *db])
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "routes.0: `when`" in err and "matches no stored call" in err
    assert "'OpenAI' is never seen" in err
    assert "tag 'teem' is never seen" in err and "did you mean 'team'" in err
    assert "outside the period of the calls" in err and "provider 'open-ai'" in err
    bad = _policy_file(tmp_path, """\
        version: 1
        name: unknown-model
        routes:
          - default: cheep
        """)
    result = runner.invoke(app, ["policy", "validate", str(bad), *db])
    assert result.exit_code == 2 and "did you mean 'cheap'" in result.stderr


def test_quality_unknown_is_a_gate(tmp_path, prices):
    load(tmp_path, prices, [call(1)]).close()
    path = _policy_file(tmp_path, """\
        version: 1
        name: unknown-quality
        routes:
          - default: backup
        """)
    args = ["simulate", "--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices), "-p", str(path), "--format", "json"]
    result = runner.invoke(app, [*args, "--fail-if", "quality_unknown_calls > 0"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["quality_unknown_calls"] == 1
    # a tolerance: 1 unknown call is within 5 (the count itself is judged, not refused as unknown quality)
    within = runner.invoke(app, [*args, "--fail-if", "quality_unknown_calls > 5"])
    assert within.exit_code == 0, within.stderr
    assert "gate passed: quality_unknown_calls > 5" in within.stderr


def test_report_and_audit_policy_tiers_cover_dated_snapshots(tmp_path):
    from mmaudit import store
    from mmaudit.audit import AuditOptions, audit
    from mmaudit.ingest import IngestOptions, ingest_paths
    from mmaudit.pricing import load_catalog, pricing_enricher
    from mmaudit.report import read_policy_tiers
    from tests.conftest import write_jsonl

    records = [call(1, "chat", "simple", model="gpt-4o-2024-08-06", provider="openai"),
               call(2, "chat", "simple", model="GPT-4o-mini", provider="openai")]
    con = store.connect(tmp_path / "a.duckdb")
    ingest_paths(con, [str(write_jsonl(tmp_path / "a.jsonl", records))],
                 IngestOptions(enrichers=[pricing_enricher(load_catalog())]))
    path = _policy_file(tmp_path, """\
        version: 1
        name: tiers
        tiers:
          premium: {models: [gpt-4o]}
          budget: {models: [gpt-4o-mini]}
        routes:
          - default: premium
        """)
    rows = audit(con, AuditOptions(tiers=read_policy_tiers(path))).data["breakdown"]
    # gpt-4o covers its dated snapshot (its own price key); the logged name matches in any case
    assert {r["model"]: r["tier"] for r in rows} == {"gpt-4o-2024-08-06": "premium", "GPT-4o-mini": "budget"}


def test_one_resolver_reads_bedrock_vertex_and_dated_ids():
    from mmaudit.modelref import family, resolve_offline

    keys = resolve_offline(["anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet@20240620",
                            "vertex_ai/claude-3-5-sonnet@20240620", "GPT-4o-2024-08-06", "gpt-4o", "no-such-model"])
    # Bedrock and Vertex sell the model at their own prices (keys of their own), of one family
    assert keys["anthropic.claude-3-5-sonnet-20240620-v1:0"] == "aws/regional.anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert keys["vertex_ai/claude-3-5-sonnet@20240620"] == "google/claude-3-5-sonnet"
    assert keys["claude-3-5-sonnet@20240620"] == "claude-3-5-sonnet"
    sonnets = ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet@20240620",
               "vertex_ai/claude-3-5-sonnet@20240620")
    assert {family(keys[k]) for k in sonnets} == {"claude-3-5-sonnet"}
    assert keys["GPT-4o-2024-08-06"] == "gpt-4o-2024-08-06" and keys["gpt-4o"] == "gpt-4o"
    assert keys["no-such-model"] is None


def test_simulate_warns_for_values_that_match_nothing(tmp_path, prices):
    con = load(tmp_path, prices, [call(1)])
    pol = policy(routes=[{"when": {"provider": ["open-ai"]}, "model": "cheap"}, {"default": "keep"}],
                 failover={"outages": [{"provider": "pb", "start": "2021-01-01T00:00:00Z", "hours": 1}]})
    r = simulate(con, pol)
    assert any("takes no call of the period" in w for w in r.warnings)
    assert any("outside the period of the calls" in w for w in r.warnings)
    assert simulate(con, policy()).warnings == []


def test_sample_rate_out_of_range_exits_2(tmp_path, prices):
    load(tmp_path, prices, [call(1)]).close()
    path = _policy_file(tmp_path, "version: 1\nname: p\nroutes:\n  - default: keep\n")
    args = ["simulate", "--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices), "-p", str(path)]
    for rate in ("0", "1.5"):
        result = runner.invoke(app, [*args, "--sample-rate", rate])
        assert result.exit_code == 2 and "--sample-rate" in result.stderr


def test_a_baseline_model_of_another_operation_is_warned_about(tmp_path, prices):
    """`--baseline model:emb` prices chat calls at embedding rates (and a chat model embedding
    calls at chat rates): a savings figure nothing backs, so the result says so."""
    con = load(tmp_path, prices, [call(1), call(2, model="emb", provider="pa", operation="embedding", output_tokens=0)])
    on_embedding = simulate(con, policy(), baseline="model:emb")
    assert on_embedding.warnings == ["--baseline model:emb: emb is an embedding model, and the baseline prices 1 calls "
                                     "that are not embeddings at its rates: compare against a model of their operation"]
    on_chat = simulate(con, policy(), baseline="model:strong")
    assert on_chat.warnings == ["--baseline model:strong: strong is not an embedding model, and the baseline prices 1 "
                                "embedding calls at its rates: compare against a model of their operation"]
    assert simulate(con, policy()).warnings == []


def test_the_same_policy_file_twice_is_numbered_both_times(tmp_path, prices):
    """The first copy read `mini (p/mini.yaml) #1` and the second `mini (p/mini.yaml)`."""
    from mmaudit.simulate.report import PolicySource, policy_labels

    con = load(tmp_path, prices, [call(1)])
    results = [simulate(con, policy(name="mini")) for _ in range(3)] + [simulate(con, policy(name="other"))]
    sources = [PolicySource("p/mini.yaml", ""), PolicySource("p/mini.yaml", ""), PolicySource("q/mini.yaml", ""),
               PolicySource("p/other.yaml", "")]
    assert policy_labels(results, sources) == ["mini (p/mini.yaml) #1", "mini (p/mini.yaml) #2", "mini (q/mini.yaml)",
                                               "other"]


def test_a_429_logged_under_another_provider_name_moves_down_the_chain(tmp_path, prices):
    # strong is pb's in the price table, but these calls were logged on `pz` (an Azure deployment
    # of an OpenAI model is logged as azure): their 429s must still send them down the chain,
    # and a `pz` outage take strong down for them, as the same calls logged on pb would.
    failed = {"status": "error", "http_status": 429, "error_type": "rate_limit", "input_tokens": 0, "output_tokens": 0}
    at = "2025-06-10T10:{:02d}:00Z".format
    records = [call(i, ts=at(i), provider="pz", **(failed if i in (1, 2) else {})) for i in range(4)]
    records.append(call(9, ts=at(30), provider="pz"))
    con = load(tmp_path, prices, records)
    tiers = {"main": {"models": ["strong", "backup"]}}
    logged = simulate(con, policy(tiers=tiers, routes=[{"default": "main"}], failover={"use_logged_errors": True}))
    assert (logged.failed_calls, logged.fallbacks) == (0, 2)
    assert {m.model: m.calls for m in logged.models} == {"strong": 3, "backup": 2}
    outage = [{"provider": "pz", "start": "2025-06-10T10:20:00Z", "hours": 1}]
    declared = simulate(con, policy(tiers=tiers, routes=[{"default": "main"}], failover={"outages": outage}))
    # the two logged 429s fail again where they failed (no logged errors replayed: they stay on strong)
    # and the call at 10:30 falls back to backup
    assert declared.fallbacks == 1 and {m.model: m.calls for m in declared.models}["backup"] == 1


def test_a_fallback_chain_never_hands_an_embedding_to_a_chat_model(tmp_path, prices):
    emb = {"operation": "embedding", "model": "emb", "provider": "pa", "output_tokens": 0}
    con = load(tmp_path, prices, [call(i, **emb) for i in range(2)])
    outage = [{"provider": "pa", "start": "2025-06-10T00:00:00Z", "hours": 24}]
    chat_next = policy(tiers={"e": {"models": ["emb", "backup"]}}, routes=[{"default": "e"}], failover={"outages": outage})
    r = simulate(con, chat_next)  # backup (a chat model on pc) is up, but it cannot embed: the chain runs out
    assert (r.failed_calls, r.fallbacks, r.projected_cost_usd) == (2, 0, Decimal(0))
    assert {m.model for m in r.models} == {"(failed)"}


def test_a_compliance_route_is_not_moved_up_by_uncertainty_nor_split_by_an_ab_test(tmp_path, prices):
    # no text, so the categoriser is unsure of these calls (confidence 0.3 < 0.6)
    restricted = [call(i, tags={"data_class": "restricted"}) for i in range(3)]
    con = load(tmp_path, prices, restricted)
    tiers = {"onprem": {"models": ["cheap"]}, "general": {"models": ["strong"]}}
    routes = [{"when": {"tags.data_class": ["restricted"]}, "tier": "onprem"}, {"default": "general"}]
    unsure = simulate(con, policy(tiers=tiers, routes=routes, uncertain={"below_confidence": 0.6, "action": "up_one_tier"}))
    assert (unsure.uncertain_moved_up, {m.model: m.calls for m in unsure.models}) == (0, {"cheap": 3})
    ab = simulate(con, policy(tiers=tiers, routes=routes, ab=[{"tier": "onprem", "model": "cheap2", "share": 1.0}]))
    assert {m.model: m.calls for m in ab.models} == {"cheap": 3}
    # the same calls without the data class are moved up and split as before
    plain = [{**c, "tags": {}} for c in restricted]
    (tmp_path / "plain").mkdir()
    con2 = load(tmp_path / "plain", prices, plain)
    loose = [{"when": {"task": ["chat", "qa", "other"]}, "tier": "onprem"}, {"default": "onprem"}]
    assert simulate(con2, policy(tiers=tiers, routes=loose, uncertain={"below_confidence": 0.6,
                                                                        "action": "up_one_tier"})).uncertain_moved_up == 3


def test_a_call_degraded_to_the_model_it_failed_on_is_failed_not_degraded(tmp_path, prices):
    bad_request = {"status": "error", "http_status": 400, "error_type": "invalid_request", "input_tokens": 0, "output_tokens": 0}
    con = load(tmp_path, prices, [call(0), call(1, **bad_request), call(2)])
    pol = policy(tiers={"main": {"models": ["cheap"]}}, routes=[{"default": "main"}],
                 failover={"outages": [{"provider": "pa", "start": "2025-06-10T00:00:00Z", "hours": 24}],
                           "degrade_to": "strong"})
    r = simulate(con, pol)
    # cheap is down all day: all three go to strong; the 400 fails there again, as it did when logged
    assert (r.degraded_calls, r.failed_calls) == (2, 1)
    assert {m.model: m.calls for m in r.models} == {"strong": 2, "(failed)": 1}
    assert r.projected_cost_usd == Decimal(24)


def test_an_escalated_call_is_held_to_the_budget_of_the_tier_it_was_routed_to(tmp_path, prices):
    con = load(tmp_path, prices, [call(i) for i in range(4)])
    # cheap answers 100k tokens in 100 ms + 100 s; escalated, strong adds 500 ms + 200 s
    tiers = {"fast": {"models": ["cheap"], "max_latency_ms": 150_000}, "general": {"models": ["strong"]}}
    cascade = {"from": "fast", "to": "general", "escalate_rate": {"default": 1.0}}
    r = simulate(con, policy(tiers=tiers, routes=[{"default": "fast"}], cascade=cascade))
    assert r.escalations == 4
    assert sum(t.over_latency_budget_calls for t in r.tasks) == 4  # 300.6 s against fast's 150 s
    never = simulate(con, policy(tiers=tiers, routes=[{"default": "fast"}],
                                 cascade={**cascade, "escalate_rate": {"default": 0.0}}))
    assert sum(t.over_latency_budget_calls for t in never.tasks) == 0  # 100.1 s each
