"""Measured quality against RouteLLM's released outcome matrices (GPT-4-1106 vs Mixtral-8x7B).

The logged calls are the benchmark's prompts (all logged on GPT-4), the evals file their
per-model outcomes; every expected figure is computed here straight from the corpus files.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmaudit import store
from mmaudit.cli import app
from mmaudit.config import validate
from mmaudit.enrich import categorise_enricher
from mmaudit.evals.importer import import_file
from mmaudit.formats import macros
from mmaudit.ingest import IngestOptions, ingest_paths
from mmaudit.policy import Policy
from mmaudit.pricing import load_catalog, pricing_enricher, register_prices
from mmaudit.simulate import run_policy
from tests.conftest import write_jsonl

CORPUS = Path(os.environ.get("MMAUDIT_CORPUS") or Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
EVALS = CORPUS / "evals" / "routellm" / "routellm" / "evals"
GPT4, MIXTRAL = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
PRICES = """
effective_from: 2024-01-01
source: RouteLLM paper, Appendix D (USD per 1M tokens)
currency: USD
models:
  gpt-4-1106-preview: {provider: openai, input: 10, output: 30, quality: {default: 0.9}}
  mixtral-8x7b-instruct: {provider: mistral, input: 0.24, output: 0.24, aliases: [mistralai/Mixtral-8x7B-Instruct-v0.1], quality: {default: 0.7}}
"""
KEYS = {GPT4: "gpt-4-1106-preview", MIXTRAL: "mixtral-8x7b-instruct"}

if not EVALS.exists():
    pytest.skip(f"../shared/corpus not present (fresh clone): {EVALS}", allow_module_level=True)


def _policy(name: str, **extra) -> Policy:
    body = {"version": 1, "name": name, "tiers": {"strong": {"models": [KEYS[GPT4]]}, "cheap": {"models": [KEYS[MIXTRAL]]}},
            "routes": [{"default": "strong"}], **extra}
    return validate(Policy, body, name)


class Matrix:
    """A store with the benchmark's prompts as logged calls and their outcomes imported."""

    def __init__(self, root: Path, calls: list[dict], outcomes: list[dict], **import_options) -> None:
        root.mkdir(parents=True, exist_ok=True)
        (root / "prices.yaml").write_text(PRICES)
        self.prices = root / "prices.yaml"
        self.db = root / "m.duckdb"
        catalog = load_catalog([self.prices])
        self.con = store.connect(self.db)
        steps = [categorise_enricher(None, self.db), pricing_enricher(catalog)]
        ingest_paths(self.con, [str(write_jsonl(root / "calls.jsonl", calls))], IngestOptions(enrichers=steps))
        macros.install(self.con)
        register_prices(self.con, catalog)
        self.imported = import_file(self.con, write_jsonl(root / "outcomes.jsonl", outcomes), **import_options)


def _call(cid: str, prompt: str) -> dict:
    return {"call_id": cid, "ts": "2024-06-01T00:00:00Z", "provider": "openai", "model": GPT4, "status": "ok",
            "output_tokens": 1, "user_prompt": prompt}


def _mmlu_rows() -> list[tuple[str, dict]]:
    rows = []
    for path in sorted((EVALS / "mmlu" / "responses").glob("mmlu_*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            rows += [(f"{path.stem}-{i}", r) for i, r in enumerate(csv.DictReader(fh))]
    return rows


@pytest.fixture(scope="module")
def mmlu(tmp_path_factory) -> tuple[Matrix, list[tuple[str, dict]]]:
    rows = _mmlu_rows()
    calls = [_call(cid, r["prompt"]) for cid, r in rows]
    outcomes = [{"call_id": cid, "model": m, "score": r[m] == "True"} for cid, r in rows for m in (GPT4, MIXTRAL)]
    m = Matrix(tmp_path_factory.mktemp("mmlu"), calls, outcomes)
    yield m, rows
    m.con.close()


def test_mmlu_single_models_oracle_and_ab(mmlu) -> None:
    m, rows = mmlu
    n = len(rows)
    assert n == 14042 and m.imported.loaded == 2 * n
    g = [r[GPT4] == "True" for _, r in rows]
    x = [r[MIXTRAL] == "True" for _, r in rows]
    acc_g, acc_x = sum(g) / n, sum(x) / n
    result = run_policy(m.con, _policy("all-gpt4"))
    assert result.quality.mean == pytest.approx(acc_g, abs=1e-9)
    assert result.quality.levels.item == 1.0 and result.quality.interval == "wilson"
    base = {b.name: b for b in result.baselines}
    assert base[f"all:{KEYS[GPT4]}"].quality == pytest.approx(acc_g, abs=1e-9)
    assert base[f"all:{KEYS[MIXTRAL]}"].quality == pytest.approx(acc_x, abs=1e-9)
    assert base["logged"].quality == pytest.approx(acc_g, abs=1e-9)
    # oracle: Mixtral (cheaper) when it is right, else GPT-4 when it is right, else Mixtral
    assert base["oracle"].quality == pytest.approx(sum(a or b for a, b in zip(g, x)) / n, abs=1e-9)
    assert base["oracle"].strong_share == pytest.approx(sum(a and not b for a, b in zip(g, x)) / n, abs=1e-9)
    assert round(acc_g, 3) == 0.806 and round(acc_x, 3) == 0.681 and round(base["oracle"].quality, 3) == 0.859
    assert result.pgr == pytest.approx(1.0)
    # an A/B half split lands within its interval of the midpoint
    half = run_policy(m.con, _policy("ab-half", ab=[{"tier": "strong", "model": KEYS[MIXTRAL], "share": 0.5}]))
    mid = (acc_g + acc_x) / 2
    assert half.quality.ci_low <= mid <= half.quality.ci_high
    assert half.quality.ci_high - half.quality.ci_low < 0.02
    assert half.random_mix is not None and half.random_mix.models == [KEYS[MIXTRAL], KEYS[GPT4]]


def test_mmlu_complexity_sweep(mmlu, tmp_path) -> None:
    """mmaudit's own categoriser decides: moderate/complex calls to GPT-4, the rest to Mixtral;
    the sweep moves the confidence below which a call goes up a tier."""
    m, rows = mmlu
    policy = tmp_path / "cx.yaml"
    policy.write_text("""version: 1
name: complexity-tiers
tiers:
  cheap: {models: [mixtral-8x7b-instruct]}
  strong: {models: [gpt-4-1106-preview]}
routes:
  - when: {complexity: [moderate, complex]}
    tier: strong
  - default: cheap
uncertain: {below_confidence: 0.5}
""")
    m.con.close()
    try:
        out = CliRunner().invoke(app, ["simulate", "-p", str(policy), "--db", str(m.db), "--prices", str(m.prices),
                                       "--sweep", "uncertain=0:1:5", "--format", "json"])
    finally:
        m.con = store.connect(m.db)
        macros.install(m.con)
        register_prices(m.con, load_catalog([m.prices]))
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    sweep = data["sweep"]
    assert sweep["param"] == "uncertain" and len(sweep["points"]) == 5
    moderate = m.con.execute("SELECT avg(CAST(complexity IN ('moderate', 'complex') AS DOUBLE)) FROM calls").fetchall()[0][0]
    assert sweep["points"][0]["strong_share"] == pytest.approx(moderate, abs=1e-9)  # nobody moved up at 0
    shares = [p["strong_share"] for p in sweep["points"]]
    assert shares == sorted(shares)
    assert 0 < sweep["apgr"] < 1 and sweep["cpt50"] is not None and sweep["cpt80"] is not None
    assert set(data["random_mix"]) >= {"quality", "cost_usd", "margin"}


def test_gsm8k_items_by_prompt_text(tmp_path) -> None:
    with open(EVALS / "gsm8k" / "gsm8k_responses.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    calls = [_call(f"gsm8k-{i}", r["prompt"]) for i, r in enumerate(rows)]
    outcomes = [{"prompt": r["prompt"], "model": mdl, "score": r[mdl] == "True"} for r in rows for mdl in (GPT4, MIXTRAL)]
    m = Matrix(tmp_path, calls, outcomes)
    try:
        result = run_policy(m.con, _policy("all-gpt4"))
        n = len(rows)
        base = {b.name: b for b in result.baselines}
        assert m.imported.items_matching_calls == n
        assert base[f"all:{KEYS[GPT4]}"].quality == pytest.approx(sum(r[GPT4] == "True" for r in rows) / n, abs=1e-9)
        assert base[f"all:{KEYS[MIXTRAL]}"].quality == pytest.approx(sum(r[MIXTRAL] == "True" for r in rows) / n, abs=1e-9)
        assert round(base[f"all:{KEYS[GPT4]}"].quality, 3) == 0.857  # 85.8% once the 12 contaminated prompts go
        assert result.quality.measured_share == 1.0
    finally:
        m.con.close()


def test_mt_bench_judge_scale(tmp_path) -> None:
    judgements = [json.loads(line) for line in (EVALS / "mt_bench" / "judgements.jsonl").read_text().splitlines()]
    questions = {q["question_id"]: q for q in map(json.loads, (EVALS / "mt_bench" / "question.jsonl").read_text().splitlines())}
    calls = [_call(f"mt-{qid}-{t}", q["turns"][t - 1]) for qid, q in questions.items() for t in (1, 2)]
    outcomes = [{"call_id": f"mt-{j['question_id']}-{j['turn']}", "model": j["model"], "score": j["score"],
                 "grader": j["judge"][0]} for j in judgements]
    m = Matrix(tmp_path, calls, outcomes, overrides={"scale": {"min": 1, "max": 10}, "success_threshold": 8})
    try:
        result = run_policy(m.con, _policy("all-gpt4"))
        gpt4 = [j["score"] for j in judgements if j["model"] == GPT4 and 1 <= j["score"] <= 10]
        assert len(gpt4) == 160
        assert result.quality.mean_on_scale == pytest.approx(sum(gpt4) / len(gpt4), abs=1e-9)  # 9.228125
        assert result.quality.mean == pytest.approx((sum(gpt4) / len(gpt4) - 1) / 9, abs=1e-9)
        assert result.quality.interval == "bootstrap" and result.quality.ci_low < result.quality.mean < result.quality.ci_high
        assert result.quality.success_rate == pytest.approx(sum(s >= 8 for s in gpt4) / 160, abs=1e-9)
    finally:
        m.con.close()


def test_commercial_router_judge_failure_is_counted_not_zero(tmp_path) -> None:
    """benchmarks/mt-bench/gpt-4_single.jsonl has one unify judgement with score -1."""
    path = CORPUS / "evals" / "routellm" / "benchmarks" / "mt-bench" / "gpt-4_single.jsonl"
    judgements = [json.loads(line) for line in path.read_text().splitlines()]
    outcomes = [{"call_id": f"mt-{j['question_id']}-{j['turn']}", "model": j["model"], "score": j["score"]}
                for j in judgements]
    con = store.connect(tmp_path / "u.duckdb")
    macros.install(con)
    register_prices(con, load_catalog())
    try:
        r = import_file(con, write_jsonl(tmp_path / "u.jsonl", outcomes), {"scale": {"min": 1, "max": 10}})
        assert r.judge_failures == 1 and r.loaded == len(judgements)
        assert set(r.unknown_models) == {"martian", "unify"}
        unify = [j["score"] for j in judgements if j["model"] == "unify" and j["score"] >= 1]
        stored = con.execute("SELECT avg(raw_score) FROM evals WHERE model = 'unify' AND NOT judge_failed").fetchall()[0][0]
        assert stored == pytest.approx(sum(unify) / len(unify))
        assert con.execute("SELECT score FROM evals WHERE judge_failed").fetchall() == [(None,)]
    finally:
        con.close()
