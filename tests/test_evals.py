"""Outcome import, prompt hashing, interval statistics, measured quality by level, gates, sampling.

Small data, hand calculations (the RouteLLM reproduction is tests/test_evals_routellm.py).
Prices (USD per 1M tokens, tests/test_simulate.PRICES): cheap in 1 out 2, strong in 10 out 20;
every logged call is on `strong` with 1,000,000 input and 100,000 output tokens, so it costs 12
on strong and 1.2 on cheap (1 + 0.2).
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.errors import InputError
from mmaudit.evals.sample import sample_prompts
from mmaudit.evals.stats import bootstrap_mean, curve_figures, mean_interval, wilson
from mmaudit.evals.sweep import parse_sweep, with_value
from mmaudit.simulate import parse_gate
from tests.conftest import write_jsonl
from tests.test_simulate import PRICES, call, load, policy, simulate

runner = CliRunner()


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(PRICES)
    return path


# --------------------------------------------------------------------------- statistics

def test_wilson_against_hand_calculation() -> None:
    low, high = wilson(8, 10)  # p 0.8, n 10, z 1.96: centre 0.71673, half-width 0.22658
    assert (low, high) == (pytest.approx(0.49016, abs=1e-4), pytest.approx(0.94331, abs=1e-4))
    assert wilson(0, 20)[0] == 0.0 and wilson(20, 20)[1] == 1.0


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values, counts = [1.0, 5.0, 10.0], [30, 50, 20]  # mean 4.8
    a, b = bootstrap_mean(values, counts, "s1"), bootstrap_mean(values, counts, "s1")
    assert a == b and bootstrap_mean(values, counts, "s2") != a
    assert a[0] < 4.8 < a[1] and a[1] - a[0] < 2.5
    iv = mean_interval([0.0, 1.0], [25, 75], "x")
    assert iv.method == "wilson" and iv.mean == 0.75
    assert mean_interval([0.5], [10], "x").method == "exact"
    assert mean_interval([1.0], [4], "x").low == pytest.approx(wilson(4, 4)[0])


def test_calls_sharing_an_item_are_one_cluster() -> None:
    """200 calls, half right: as 200 separate items the interval is tight; as 4 prompts sent 50
    times each (two right, two wrong) it spans most of 0-1."""
    separate = mean_interval([0.0, 1.0], [100, 100], "s")
    shared = mean_interval([0.0, 50.0], [2, 2], "s", sizes=[50, 50])
    assert separate.mean == shared.mean == 0.5
    assert separate.method == "wilson" and shared.method == "cluster bootstrap"
    assert separate.high - separate.low < 0.15 and shared.high - shared.low > 0.4


def test_an_interval_does_not_depend_on_the_stored_row_order() -> None:
    """The same scored calls stored in three orders give one interval: the seeded bootstrap draws
    by histogram position, so the histogram must come out of DuckDB in a fixed order (it did not:
    the README's margins moved between runs of the same command)."""
    import random

    from mmaudit.simulate.quality import interval_of

    rows = [(f"c{i % 97}", round(random.Random(i).random(), 3)) for i in range(3000)]
    con = duckdb.connect()
    intervals = set()
    for order in range(3):
        shuffled = rows[:]
        random.Random(order).shuffle(shuffled)
        con.execute("CREATE OR REPLACE TABLE t (cluster VARCHAR, score DOUBLE)")
        con.executemany("INSERT INTO t VALUES (?, ?)", shuffled)
        iv = interval_of(con, "t", "score", "seed")
        intervals.add((round(iv.low, 12), round(iv.high, 12)))
    assert len(intervals) == 1


def test_apgr_and_cpt_by_hand() -> None:
    # PGR at shares 0, 0.5, 1: 0, 0.75, 1 -> area 0.5*(0+0.75)/2 + 0.5*(0.75+1)/2 = 0.625
    f = curve_figures([0, 0.5, 1], [0.6, 0.75, 0.8], weak=0.6, strong=0.8)
    assert f.apgr == pytest.approx(0.625)
    assert f.cpt50 == pytest.approx(0.5 / 0.75 * 0.5)
    assert f.cpt80 == pytest.approx(0.5 + 0.05 / 0.25 * 0.5)
    random = curve_figures([0, 1], [0.6, 0.8], weak=0.6, strong=0.8)
    assert random.apgr == pytest.approx(0.5) and random.cpt50 == pytest.approx(0.5)
    assert curve_figures([0, 1], [0.6, 0.65], 0.6, 0.8).cpt80 is None


def test_sweep_spec() -> None:
    spec = parse_sweep("uncertain=0:1:5")
    assert spec.values() == [0.0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(InputError, match="one of uncertain, cascade, ab"):
        parse_sweep("temperature=0:1:5")
    with pytest.raises(InputError, match="PARAM=LO:HI:STEPS"):
        parse_sweep("uncertain=0-1")
    pol = policy(ab=[{"tier": "general", "model": "cheap", "share": 0.1}])
    assert with_value(pol, "ab", 0.4).ab[0].share == 0.4
    assert with_value(pol, "uncertain", 0.3).uncertain.below_confidence == 0.3
    with pytest.raises(InputError, match="no cascade"):
        with_value(pol, "cascade", 0.5)


# --------------------------------------------------------------------------- hashing

def test_hash_matches_ingest_and_the_documented_recipe(tmp_path, prices) -> None:
    text = "  What is  the capital\nof France? "
    con = load(tmp_path, prices, [call(1, user_prompt=text)])
    stored = con.execute("SELECT prompt_hash FROM calls").fetchall()[0][0]
    out = runner.invoke(app, ["evals", "hash", text])
    assert out.exit_code == 0 and out.stdout.strip() == stored
    recipe = hashlib.md5(re.sub(r"\s+", " ", ("\n" + text).strip(" ").lower()).encode()).hexdigest()
    assert recipe == stored
    msgs = json.dumps([{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}])
    out = runner.invoke(app, ["evals", "hash", "--messages", msgs])
    assert out.stdout.strip() == hashlib.md5(" be brief hi".encode()).hexdigest()
    assert runner.invoke(app, ["evals", "hash", "--messages", "{not json"]).exit_code == 2
    # messages without text hash to nothing a call could match: a blank line and exit 0 before
    for empty in ("[1]", '[{"role": "user"}]', "[]"):
        out = runner.invoke(app, ["evals", "hash", "--messages", empty])
        assert out.exit_code == 2 and "--messages:" in out.output and out.stdout.strip() == "", empty


# --------------------------------------------------------------------------- import


def test_a_bad_option_is_blamed_on_the_option_not_a_sidecar_that_does_not_exist(tmp_path) -> None:
    csv = tmp_path / "o3.csv"
    csv.write_text("model,prompt,score\ngpt-4o,Q9,0.9\n")
    out = runner.invoke(app, ["evals", "import", str(csv), "--db", str(tmp_path / "e.duckdb"), "--success-threshold", "5"])
    assert out.exit_code == 2 and "success_threshold 5.0 is outside the scale 0.0-1.0" in out.output
    assert "meta.yaml" not in out.output and "the command-line options" in out.output

def _import(db: Path, *args: str):
    return runner.invoke(app, ["evals", "import", *args, "--db", str(db), "--format", "json"])


def test_import_formats_scale_and_problems(tmp_path) -> None:
    db = tmp_path / "e.duckdb"
    csv = tmp_path / "m.csv"
    csv.write_text("call_id,model,score\nc1,gpt-4o,True\nc1,gpt-4o-mini,False\nc2,gpt-4o,true\n")
    out = _import(db, str(csv))
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["files"][0]["loaded"] == 3
    con = duckdb.connect(str(db))
    con.execute(f"COPY (SELECT 'c3' AS call_id, 'gpt-4o' AS model, 7 AS score) TO '{tmp_path / 'p.parquet'}' (FORMAT parquet)")
    con.close()
    assert _import(db, str(tmp_path / "p.parquet"), "--scale", "1-10").exit_code == 0
    judged = write_jsonl(tmp_path / "j.jsonl", [
        {"mmaudit_evals": {"scale": {"min": 1, "max": 10}, "success_threshold": 8, "grader": "gpt-4"}},
        {"prompt": "Q1", "model": "gpt-4o", "score": 9},
        {"prompt": "Q1", "model": "gpt-4o", "score": 9},        # duplicate: loaded once
        {"prompt": "Q2", "model": "gpt-4o", "score": -1},       # judge failure
        {"prompt": "Q3", "model": "gpt-4o", "score": 4},        # conflict with the next line
        {"prompt": "Q3", "model": "gpt-4o", "score": 6},
        {"model": "gpt-4o", "score": 5},                        # no item
        {"call_id": "c9", "score": 5},                          # no model
        {"call_id": "c9", "model": "gpt-4o", "score": "n/a"},   # not a number
    ])
    out = _import(db, str(judged))
    assert out.exit_code == 1  # rejected lines are a finding
    r = json.loads(out.stdout)["files"][0]
    assert (r["loaded"], r["duplicates"], r["judge_failures"], r["conflicts"], r["rejected"]) == (2, 1, 1, 2, 3)
    assert [p["line"] for p in r["problems"]] == [5, 6, 7, 8, 9]
    con = duckdb.connect(str(db))
    rows = con.execute("SELECT raw_score, score, success, judge_failed, grader, prompt_text FROM evals "
                       "WHERE source_file = ? ORDER BY source_line", [str(judged)]).fetchall()
    assert rows == [(9.0, pytest.approx(8 / 9), True, False, "gpt-4", None), (-1.0, None, None, True, "gpt-4", None)]
    assert con.execute("SELECT count(*) FROM quarantine WHERE source_format = 'evals'").fetchall()[0][0] == 5
    assert con.execute("SELECT score FROM evals WHERE call_id = 'c3'").fetchall() == [(pytest.approx(6 / 9),)]
    con.close()
    again = json.loads(_import(db, str(judged)).stdout)["files"][0]  # idempotent re-run
    assert again["loaded"] == 0 and again["duplicates"] == 3


def test_import_conflict_with_stored_scores_and_keep_text(tmp_path) -> None:
    db = tmp_path / "e.duckdb"
    first = write_jsonl(tmp_path / "a.jsonl", [{"prompt": "Hello", "model": "gpt-4o", "score": 1}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"prompt": "hello ", "model": "gpt-4o", "score": 0}])
    assert _import(db, str(first), "--keep-text").exit_code == 0
    out = _import(db, str(second))
    assert out.exit_code == 1 and json.loads(out.stdout)["files"][0]["conflicts"] == 1
    con = duckdb.connect(str(db))
    assert con.execute("SELECT prompt_text, score FROM evals").fetchall() == [("Hello", 1.0)]
    con.close()


def test_import_conflicts_are_judged_on_the_item_and_model_simulate_reads(tmp_path) -> None:
    """`openai/gpt-4o` is gpt-4o, and a row that adds the prompt text to a call_id is the same
    item: with different scores they conflict (they were loaded and averaged to 0.5)."""
    db = tmp_path / "e.duckdb"
    first = write_jsonl(tmp_path / "a.jsonl", [{"call_id": "c6", "model": "gpt-4o", "score": 1},
                                               {"call_id": "c6", "model": "openai/gpt-4o", "score": 0},
                                               {"call_id": "c7", "model": "gpt-4o", "score": 1},
                                               {"call_id": "c7", "model": "openai/gpt-4o", "score": 1}])
    out = json.loads(_import(db, str(first)).stdout)["files"][0]
    assert (out["loaded"], out["duplicates"], out["conflicts"]) == (1, 1, 2)
    second = write_jsonl(tmp_path / "b.jsonl", [{"call_id": "c7", "prompt": "Translate: nine", "model": "gpt-4o", "score": 0}])
    out = json.loads(_import(db, str(second)).stdout)["files"][0]
    assert (out["loaded"], out["conflicts"]) == (0, 1)
    con = duckdb.connect(str(db))
    assert con.execute("SELECT call_id, score FROM evals ORDER BY call_id").fetchall() == [("c7", 1.0)]
    con.close()


def test_a_wide_matrix_is_one_input_error_naming_its_columns(tmp_path) -> None:
    wide = tmp_path / "wide.csv"  # RouteLLM's shape: a prompt, then one 0/1 column per model
    wide.write_text("prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\nQ1,0,1\nQ2,1,1\n")
    out = _import(tmp_path / "e.duckdb", str(wide))
    # was exit 1 with one "no model" rejection per row in the quarantine
    assert out.exit_code == 2 and "no model or score column" in out.output and "gpt-4-1106-preview" in out.output
    assert "Traceback" not in out.output


def test_the_documented_hash_recipe_is_the_hash_ingest_stores() -> None:
    import random
    import unicodedata

    from mmaudit.evals.hashing import prompt_hashes

    zs = "".join(c for c in map(chr, range(0x110000)) if unicodedata.category(c) == "Zs")

    def recipe(text: str) -> str:  # docs/evals.md, verbatim
        return hashlib.md5(re.sub(r"[\t\n\f\r ]+", " ", ("\n" + text).strip(zs)).replace("\u0130", "I").lower().encode()).hexdigest()

    rnd = random.Random(7)
    tricky = [0x20, 0x09, 0x0A, 0x0B, 0x0D, 0x85, 0xA0, 0x130, 0x1680, 0x2028, 0x3000]
    texts = ["a\u00a0b", "a\x0bb", "\u0130stanbul", "  Hi\r\nthere\t x ", "\xa0x\xa0"]
    texts += ["".join(chr(rnd.choice([rnd.randint(1, 0x2FF), rnd.randint(0x370, 0x3100), *tricky]))
                      for _ in range(rnd.randint(1, 20))) for _ in range(2000)]
    assert [recipe(t) for t in texts] == prompt_hashes(texts)  # Python's own \\s, strip() and lower() differ on these
    crlf = runner.invoke(app, ["evals", "hash"], input="hello\r\n")
    assert crlf.stdout.split()[0] == prompt_hashes(["hello"])[0]  # a CRLF file's lines hash as their text


def test_import_errors_are_one_line(tmp_path) -> None:
    db = tmp_path / "e.duckdb"
    out = runner.invoke(app, ["evals", "import", str(tmp_path / "none.jsonl"), "--db", str(db)])
    assert out.exit_code == 2 and "no such file" in out.output
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"call_id": "c1", "model": "m", "score": 1}\n')
    (tmp_path / "x.jsonl.meta.yaml").write_text("scale: {min: 5, max: 1}\n")
    out = runner.invoke(app, ["evals", "import", str(bad), "--db", str(db)])
    assert out.exit_code == 2 and "x.jsonl.meta.yaml" in out.output and "must be above min" in out.output
    assert "Traceback" not in out.output


# --------------------------------------------------------------------------- measured quality

def _outcomes(tmp_path: Path, con, rows: list[dict]) -> None:
    from mmaudit.evals.importer import import_file

    import_file(con, write_jsonl(tmp_path / "o.jsonl", rows))


def test_quality_levels_by_hand(tmp_path, prices) -> None:
    """40 chat/moderate calls; 30 have their item measured on cheap (21 right, 9 wrong), so the
    cell (chat, moderate, cheap) is 0.7 over 30 items and covers the other 10 calls."""
    con = load(tmp_path, prices, [call(i, "chat", "moderate") for i in range(40)])
    rows = [{"call_id": f"c{i:04d}", "model": "cheap", "score": i < 21} for i in range(30)]
    rows[0]["output_tokens"] = 0  # measured: cheap wrote no output for c0000
    _outcomes(tmp_path, con, rows)
    r = simulate(con, policy(routes=[{"default": "fast"}]))
    q = r.quality
    assert q.mean == pytest.approx((21 + 10 * 0.7) / 40)
    assert (q.levels.item, q.levels.cell, q.levels.assumed) == (0.75, 0.25, 0.0)
    assert q.measured_share == 0.75 and q.interval == "cluster bootstrap"  # the 10 pooled calls move together
    assert q.ci_low < q.mean < q.ci_high
    # 21 + 10 x 0.7 expected successes; cost 40 x 1.2 less c0000's measured-away output (100,000 x $2/M)
    assert r.cost_per_success_usd == Decimal("47.8") / Decimal(28)
    base = {b.name: b for b in r.baselines}
    # all:cheap pays the same
    assert base["all:cheap"].cost_usd == Decimal("47.8")
    assert base["all:cheap"].quality == pytest.approx(0.7)
    assert base["logged"].quality == pytest.approx(0.95)  # strong has no outcomes: its prior
    assert any("ASSUMED" in a for a in r.assumptions)
    # every call on strong: nothing measured, all from the price table's prior
    s = simulate(con, policy())
    assert s.quality.mean == pytest.approx(0.95) and s.quality.levels.assumed == 1.0 and s.quality.measured_share == 0


def test_a_pooled_figure_carries_the_spread_of_its_items_and_a_prior_no_interval(tmp_path, prices) -> None:
    """10 chat/simple calls, none measured; 35 unlogged chat/simple items on cheap, 21 right. The
    cell's 0.6 rests on 35 items: Wilson gives 0.436-0.744, so its interval is not 0.600-0.600."""
    con = load(tmp_path, prices, [call(i, "chat", "simple") for i in range(10)])
    _outcomes(tmp_path, con, [{"prompt": f"unlogged {i}", "model": "cheap", "score": i < 21, "task": "chat",
                               "complexity": "simple"} for i in range(35)])
    q = simulate(con, policy(routes=[{"default": "fast"}])).quality
    assert q.levels.cell == 1.0 and q.mean == pytest.approx(0.6)
    assert q.ci_low == pytest.approx(0.436, abs=0.05) and q.ci_high == pytest.approx(0.744, abs=0.05)
    assert q.ci_low <= q.mean <= q.ci_high
    # every call on strong, which has no outcomes: its prior alone, and no interval for a prior
    r = simulate(con, policy())
    assert r.quality.levels.assumed == 1.0 and (r.quality.ci_low, r.quality.ci_high) == (None, None)
    assert {b.name: b.assumed_share for b in r.baselines} == {"all:cheap": 0.0, "logged": 1.0, "oracle": 0.0}
    con.close()
    pol = tmp_path / "all-strong.yaml"
    pol.write_text("version: 1\nname: all-strong\nroutes: [{default: strong}]\n")
    table = runner.invoke(app, ["simulate", "-p", str(pol), "--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices)])
    assert "none (priors only)" in table.stdout and "Assumed" in table.stdout.split("Baselines on the same calls")[1]


def test_random_mix_margin_and_gates(tmp_path, prices) -> None:
    """Items measured on both models: cheap right on c0-c4 only, strong right on c0-c7 (of 10).
    A router sending exactly c5-c7 to strong and the rest to cheap gets 0.8 for the cost of
    three strong calls; the random mix at that cost gets (7/10.8)... computed below."""
    records = [call(i, "chat", "simple" if i < 5 or i > 7 else "complex") for i in range(10)]
    con = load(tmp_path, prices, records)
    _outcomes(tmp_path, con, [{"call_id": f"c{i:04d}", "model": m, "score": (i < 5) if m == "cheap" else (i < 8)}
                              for i in range(10) for m in ("cheap", "strong")])
    pol = policy(routes=[{"when": {"complexity": ["complex"]}, "tier": "general"}, {"default": "fast"}])
    r = simulate(con, pol)
    assert r.quality.mean == pytest.approx(0.8)
    # cost 3 x 12 + 7 x 1.2 = 44.4; single models: cheap 12 (q 0.5), strong 120 (q 0.8)
    p = (44.4 - 12) / (120 - 12)
    assert r.random_mix.share_of_second == pytest.approx(p)
    assert r.random_mix.quality == pytest.approx(0.5 + p * 0.3)
    assert r.random_mix.margin == pytest.approx(0.8 - 0.5 - p * 0.3)
    assert r.pgr == pytest.approx(1.0)
    oracle = {b.name: b for b in r.baselines}["oracle"]
    assert oracle.quality == pytest.approx(0.8) and oracle.cost_usd == Decimal("44.4")
    data = r.to_dict()
    assert parse_gate("beats_random_mix_margin < 0").fails(data) is False
    assert parse_gate("quality_ci_low < 0.9").fails(data) is True
    assert parse_gate("assumed_share > 0").fails(data) is False


def test_a_policy_that_is_the_random_mix_has_a_zero_margin_with_a_zero_interval(tmp_path, prices) -> None:
    # every call on cheap, which is the cheap end of the mix: each per-call difference is 0, which
    # Wilson read as 0 successes of 10 ([0, 0.28]), a proportion it is not
    con = load(tmp_path, prices, [call(i, "chat", "simple") for i in range(10)])
    _outcomes(tmp_path, con, [{"call_id": f"c{i:04d}", "model": m, "score": (m == "strong") or i < 6}
                              for i in range(10) for m in ("cheap", "strong")])
    mix = simulate(con, policy(routes=[{"default": "fast"}], tiers={"fast": {"models": ["cheap"]}})).random_mix
    assert mix.margin == pytest.approx(0) and (mix.margin_ci_low, mix.margin_ci_high) == (pytest.approx(0), pytest.approx(0))


def test_quality_table_never_prints_a_negative_zero() -> None:
    """A policy that is itself one end of the random mix has a margin of float noise (-1e-12):
    the table shows +0.000, not -0.000."""
    from mmaudit.simulate.quality_report import _ci, _round3

    assert f"{_round3(-1e-12):+.3f}" == "+0.000"
    assert _ci(-0.0001, 0.0004) == "0.000–0.000"
    assert _ci(-0.0123, 0.02) == "-0.012–0.020"


def test_simulate_cli_json_keys_and_gate(tmp_path, prices) -> None:
    con = load(tmp_path, prices, [call(i, "chat", "simple") for i in range(4)])
    _outcomes(tmp_path, con, [{"call_id": f"c{i:04d}", "model": m, "score": 1} for i in range(4) for m in ("cheap", "strong")])
    con.close()
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nname: cheap-all\ntiers: {fast: {models: [cheap]}}\nroutes: [{default: fast}]\n")
    args = ["simulate", "-p", str(pol), "--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices)]
    out = runner.invoke(app, [*args, "--format", "json", "--fail-if", "quality_ci_low < 0.9"])
    assert out.exit_code == 1  # 4 right of 4: Wilson low end is 0.51
    data = json.loads(out.stdout)
    assert set(data["quality"]) >= {"mean", "ci_low", "ci_high", "measured_share", "levels"}
    assert set(data["quality"]["levels"]) == {"item", "cell", "task_model", "model", "assumed"}
    assert {b["name"] for b in data["baselines"]} == {"all:cheap", "all:strong", "logged", "oracle"}
    assert set(data["random_mix"]) >= {"quality", "cost_usd", "margin"}
    assert "cost_per_success_usd" in data and "pgr" in data
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "Measured quality" in table.stdout and "Baselines on the same calls" in table.stdout


# --------------------------------------------------------------------------- sample

def test_sample_never_exports_redacted_calls(tmp_path, prices) -> None:
    records = [call(i, "chat" if i % 2 else "code", "simple", user_prompt=f"prompt {i}") for i in range(12)]
    con = load(tmp_path, prices, records)
    con.execute("UPDATE calls SET text_redacted = true WHERE call_id IN ('c0000', 'c0001')")
    con.execute("UPDATE calls SET text_redacted = NULL WHERE call_id = 'c0002'")
    con.close()
    out_file = tmp_path / "prompts.jsonl"
    out = runner.invoke(app, ["evals", "sample", "--per-cell", "3", "--out", str(out_file),
                              "--db", str(tmp_path / "sim.duckdb"), "--format", "json"])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert len(lines) == 6 and {x["task"] for x in lines} == {"chat", "code"}
    assert not {x["call_id"] for x in lines} & {"c0000", "c0001", "c0002"}
    assert json.loads(out.stdout)["redacted_excluded"] == 3
    again = runner.invoke(app, ["evals", "sample", "--per-cell", "3", "--out", str(out_file), "--db", str(tmp_path / "sim.duckdb")])
    assert again.exit_code == 2 and "not overwriting" in again.output


def test_sample_files_a_prompt_under_the_cell_holding_most_of_its_spend(tmp_path, prices) -> None:
    # Prompt P: its first call is complex, its nine others simple; prompt Q: one complex call.
    records = [call(0, "code", "complex", user_prompt="P"), *(call(i, "code", "simple", user_prompt="P") for i in range(1, 10)),
               call(10, "code", "complex", user_prompt="Q")]
    con = load(tmp_path, prices, records)
    result = sample_prompts(con, tmp_path / "prompts.jsonl", per_cell=1)
    lines = [json.loads(line) for line in (tmp_path / "prompts.jsonl").read_text().splitlines()]
    assert {(x["prompt"], x["complexity"]) for x in lines} == {("P", "simple"), ("Q", "complex")}
    assert next(x for x in lines if x["prompt"] == "P")["call_id"] == "c0001"  # P's first call in its cell
    assert {(c.complexity, c.sampled) for c in result.cells} == {("simple", 1), ("complex", 1)}


def test_sample_weighs_a_prompt_by_all_its_spend(tmp_path, prices) -> None:
    # R was sent 30 times, S once, at the same cost a call: R carries 30/31 of the cell's spend.
    records = [*(call(i, "chat", "simple", user_prompt="R") for i in range(30)), call(30, "chat", "simple", user_prompt="S")]
    con = load(tmp_path, prices, records)
    drawn = []
    for seed in range(20):
        out = tmp_path / f"p{seed}.jsonl"
        sample_prompts(con, out, per_cell=1, seed=str(seed))
        drawn += [json.loads(line)["prompt"] for line in out.read_text().splitlines()]
    assert len(drawn) == 20 and drawn.count("R") >= 17  # one call's cost as the weight gives R about 10 of 20


def test_sweep_html_has_a_curve(tmp_path, prices) -> None:
    con = load(tmp_path, prices, [call(i, "chat", "simple") for i in range(6)])
    _outcomes(tmp_path, con, [{"call_id": f"c{i:04d}", "model": m, "score": m == "strong" or i < 3}
                              for i in range(6) for m in ("cheap", "strong")])
    con.close()
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nname: ab\ntiers: {fast: {models: [cheap]}}\nroutes: [{default: fast}]\n"
                   "ab: [{tier: fast, model: strong, share: 0.5}]\n")
    args = ["simulate", "-p", str(pol), "--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices), "--sweep", "ab=0:1:3"]
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    points = data["sweep"]["points"]
    assert [p["value"] for p in points] == [0.0, 0.5, 1.0]
    assert (points[0]["strong_share"], points[-1]["strong_share"]) == (0.0, 1.0)
    assert (points[0]["quality"], points[-1]["quality"]) == (0.5, 1.0)
    page = runner.invoke(app, [*args, "--format", "html"]).stdout
    assert page.startswith("<!doctype html>") and "<polyline" in page and "Sweep of ab" in page


def test_outcomes_imported_after_a_simulation_are_used(tmp_path, prices) -> None:
    con = load(tmp_path, prices, [call(i, "chat", "simple") for i in range(4)])
    _outcomes(tmp_path, con, [{"call_id": f"c{i:04d}", "model": "cheap", "score": 1} for i in range(4)])
    pol = policy(routes=[{"default": "fast"}])
    assert [b.name for b in simulate(con, pol).baselines] == ["all:cheap", "logged", "oracle"]
    from mmaudit.evals.importer import import_file

    import_file(con, write_jsonl(tmp_path / "more.jsonl", [{"call_id": "c0000", "model": "strong", "score": 0}]))
    assert [b.name for b in simulate(con, pol).baselines] == ["all:cheap", "all:strong", "logged", "oracle"]


def test_measured_latency_replaces_the_replay_model(tmp_path, prices) -> None:
    """The replay puts cheap at 100 ms + 100,000 tokens / 1,000 tok/s = 100,100 ms; two calls'
    items measured 900 and 1,100 ms on cheap, the other two stay on the model."""
    con = load(tmp_path, prices, [call(i, "chat", "simple") for i in range(4)])
    _outcomes(tmp_path, con, [{"call_id": f"c{i:04d}", "model": "cheap", "score": 1, "latency_ms": 900 + 200 * i}
                              for i in range(2)])
    r = simulate(con, policy(routes=[{"default": "fast"}]))
    chat = {t.task: t for t in r.tasks}["chat"]
    assert chat.p50_latency_ms == pytest.approx((1_100 + 100_100) / 2)  # of 900, 1,100, 100,100, 100,100
    assert any("latency measured in evals" in a for a in r.assumptions)


def test_rows_written_by_live_runs_without_model_key_are_used(tmp_path, prices) -> None:
    """Live runs write model, score, call_id, grader, run_id and measurements, not model_key."""
    con = load(tmp_path, prices, [call(i, "chat", "simple") for i in range(4)])
    con.executemany("INSERT INTO evals (call_id, model, score, grader, run_id) VALUES (?, 'cheap', ?, 'exact', 'live-1')",
                    [[f"c{i:04d}", float(i < 3)] for i in range(4)])
    r = simulate(con, policy(routes=[{"default": "fast"}]))
    assert r.quality.mean == pytest.approx(0.75) and r.quality.measured_share == 1.0


def test_a_sweep_without_outcomes_still_lists_its_points(tmp_path, prices) -> None:
    load(tmp_path, prices, [call(i, "chat", "simple") for i in range(4)]).close()
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nname: ab\ntiers: {fast: {models: [cheap]}}\nroutes: [{default: fast}]\n"
                   "ab: [{tier: fast, model: strong, share: 0.5}]\n")
    args = ["simulate", "-p", str(pol), "--db", str(tmp_path / "sim.duckdb"), "--prices", str(prices), "--sweep", "ab=0:1:3"]
    md = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    # every call on cheap (4 x 1.2), half on strong, every call on strong (4 x 12): the table had none of them
    assert "### Sweep of ab — ab" in md and "No outcomes in `evals`" in md
    assert all(cost in md for cost in ("$4.80", "$48.00"))
