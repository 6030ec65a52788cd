"""Property-based: random valid canonical records survive ingest -> `calls` -> Parquet export and
`calls --format json` with every token count and cost unchanged (costs recomputed here, in Python,
with Decimal, straight from the bundled YAML tables), and a keep-everything policy costs exactly
the baseline."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from genai_prices import Usage, calc_price
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mmaudit import store
from mmaudit.cli import app
from mmaudit.enrich import enrichers
from mmaudit.ingest import IngestOptions, ingest_paths
from mmaudit.pricing.assumptions import sized_fee_models
from mmaudit.pricing.catalog import CITATIONS_FREE_FROM

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()

# Logged ids whose list price comes from genai-prices unchanged (no curated override), so the
# library's own per-call function is an independent oracle for the stored cost.
MODELS = ["gpt-4o-mini", "gpt-4.1", "o3-mini", "gpt-5", "gpt-5.4", "claude-3-5-sonnet-20241022",
          "claude-sonnet-4-5-20250929", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.0-flash",
          "gemini-2.5-flash", "gpt-realtime", "gpt-audio", "gemini-2.5-flash-image", "sonar-pro", "sonar-deep-research"]
# Models with a web-search fee (Claude, deep research) or a request fee that covers search (Sonar
# Pro); a search on any other model is unpriced by design, where genai-prices charges it nothing.
SEARCHING = {"claude-sonnet-4-5-20250929", "sonar-pro", "sonar-deep-research", "gemini-2.0-flash", "gemini-2.5-flash"}
# Gemini 2.x grounding is billed per grounded prompt, however many queries it ran; genai-prices
# leaves the count to the caller, so the oracle is told one search per call that searched.
PER_GROUNDED_PROMPT = {"gemini-2.0-flash", "gemini-2.5-flash"}
# Models with an audio input price but none for cached audio: genai-prices then charges a cached
# audio token both as a cache read and as audio input, so the property draws none for them.
NO_CACHED_AUDIO = {"gpt-audio"}


def expected_cost(rec: dict[str, Any]) -> Decimal:
    """genai_prices.calc_price for the call (its per-call function; mmaudit prices in SQL), but for
    the one curated rule that departs from it: Perplexity's per-request Sonar models bill no
    citation tokens from CITATIONS_FREE_FROM (genai-prices charges them as output)."""
    free = rec["model"] in sized_fee_models() and parse_ts(rec["ts"]).date() >= CITATIONS_FREE_FROM
    citations = 0 if free else rec["citation_tokens"]
    usage = Usage(input_tokens=rec["input_tokens"], cache_read_tokens=rec["cached_input_tokens"],
                  cache_write_tokens=rec["cache_write_tokens"], cache_write_1h_tokens=rec["cache_write_1h_tokens"],
                  output_tokens=rec["output_tokens"] - rec["citation_tokens"] + citations,
                  input_audio_tokens=rec["input_audio_tokens"],
                  cache_audio_read_tokens=rec["cached_audio_tokens"], output_audio_tokens=rec["output_audio_tokens"],
                  input_image_tokens=rec["input_image_tokens"], cache_image_read_tokens=rec["cached_image_tokens"],
                  output_image_tokens=rec["output_image_tokens"], output_citation_tokens=citations,
                  web_searches=min(rec["web_searches"], 1) if rec["model"] in PER_GROUNDED_PROMPT else rec["web_searches"],
                  # a reasoning price of its own: genai-prices charges it when told the count
                  output_reasoning_tokens=rec["reasoning_tokens"] if rec["model"] == "sonar-deep-research" else None)
    provider = "perplexity" if rec["model"].startswith("sonar") else None  # genai-prices cannot guess it
    return calc_price(usage, rec["model"], provider_id=provider, genai_request_timestamp=parse_ts(rec["ts"])).total_price


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1-25 valid canonical calls with distinct ids."""
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        inp = draw(st.one_of(st.just(0), st.integers(0, 5_000), st.integers(0, 2_000_000)))
        cached = draw(st.integers(0, inp))
        write = draw(st.integers(0, inp - cached))
        out_tokens = draw(st.one_of(st.just(0), st.integers(0, 200_000)))
        moment = datetime(2025, 10, 1, tzinfo=UTC) + timedelta(  # models current on every date drawn
            seconds=draw(st.integers(0, 365 * 86400 - 1)))
        tags = draw(st.dictionaries(st.sampled_from(["team", "app", "env", "user"]),
                                    st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8), max_size=3))
        model = draw(st.sampled_from(MODELS))
        reasoning = draw(st.integers(0, out_tokens))
        cached_audio = 0 if model in NO_CACHED_AUDIO else draw(st.integers(0, cached))  # of the cache reads
        cached_image = draw(st.integers(0, cached - cached_audio))
        input_audio = cached_audio + draw(st.integers(0, inp - cached - write))  # of the rest, some uncached
        input_image = cached_image + draw(st.integers(0, inp - cached - write - (input_audio - cached_audio)))
        output_audio = draw(st.integers(0, out_tokens - reasoning))  # of the visible output
        output_image = draw(st.integers(0, out_tokens - reasoning - output_audio))
        citations = draw(st.integers(0, out_tokens - reasoning - output_audio - output_image))
        searches = draw(st.integers(0, 60)) if model in SEARCHING else 0
        out.append({"call_id": f"p{i}", "ts": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "model": model,
                    "status": "ok", "input_tokens": inp, "cached_input_tokens": cached, "cache_write_tokens": write,
                    "cache_write_1h_tokens": draw(st.integers(0, write)),  # of the writes, 1-hour ones
                    "output_tokens": out_tokens, "reasoning_tokens": reasoning, "tags": tags,
                    "cached_audio_tokens": cached_audio, "input_audio_tokens": input_audio,
                    "output_audio_tokens": output_audio, "cached_image_tokens": cached_image,
                    "input_image_tokens": input_image, "output_image_tokens": output_image,
                    "citation_tokens": citations, "web_searches": searches})
    return out


ENRICHERS = enrichers()  # categoriser and price catalog loaded once for every example
TOKENS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
          "cache_write_1h_tokens", "input_audio_tokens", "cached_audio_tokens", "output_audio_tokens",
          "input_image_tokens", "cached_image_tokens", "output_image_tokens", "citation_tokens", "web_searches")
FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(root: Path, recs: list[dict[str, Any]]) -> Path:
    log = root / "calls.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    db = root / "prop.duckdb"
    con = store.connect(db)
    try:
        result = ingest_paths(con, [str(log)], IngestOptions(enrichers=ENRICHERS))
    finally:
        con.close()
    assert result.total("loaded") == len(recs) and result.total("quarantined") == 0
    return db


def stored(db_or_parquet: str, source: str) -> dict[str, tuple]:
    con = duckdb.connect(db_or_parquet if source == "calls" else ":memory:", read_only=source == "calls")
    try:
        cols = ", ".join(TOKENS)
        rows = con.execute(f"SELECT call_id, {cols}, cost_usd, epoch(ts), tags FROM {source}").fetchall()
        return {r[0]: r[1:] for r in rows}
    finally:
        con.close()


@FAST
@given(recs=records())
def test_tokens_and_costs_survive_ingest_and_export(recs):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = load(root, recs)
        exported = root / "parquet"
        result = runner.invoke(app, ["export", "--to", "parquet", str(exported), "--db", str(db), "--format", "json"])
        assert result.exit_code == 0, result.output
        in_db = stored(str(db), "calls")
        in_parquet = stored("", f"read_parquet('{exported}/**/*.parquet', hive_partitioning = true)")
        assert in_parquet == in_db
        for rec in recs:
            row = in_db[rec["call_id"]]
            n = len(TOKENS)
            assert row[:n] == tuple(rec[c] for c in TOKENS)
            assert abs(row[n] - expected_cost(rec)) <= Decimal("1e-9"), rec
            assert row[n + 1] == parse_ts(rec["ts"]).timestamp()
            assert (row[n + 2] or {}) == rec["tags"]

        result = runner.invoke(app, ["calls", "--db", str(db), "--format", "json"])
        assert result.exit_code == 0
        data = json.loads(result.stdout)
        by_model: dict[str, list[dict[str, Any]]] = {}
        for rec in recs:
            by_model.setdefault(rec["model"], []).append(rec)
        for entry in data["models"]:
            mine = by_model[entry["model"]]
            assert entry["calls"] == len(mine)
            assert entry["input_tokens"] == sum(r["input_tokens"] for r in mine)
            assert entry["output_tokens"] == sum(r["output_tokens"] for r in mine)
            want = sum((expected_cost(r) for r in mine), Decimal(0)).quantize(Decimal("0.000001"))
            assert Decimal(str(entry["cost_usd"])) == want


KEEP_POLICY = """version: 1
name: keep-all
tiers:
  only: {models: [gpt-4o-mini]}
routes:
  - default: keep
"""


@FAST
@given(recs=records())
def test_keep_policy_reproduces_the_baseline_exactly(recs):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = load(root, recs)
        policy = root / "keep.yaml"
        policy.write_text(KEEP_POLICY, encoding="utf-8")
        result = runner.invoke(app, ["simulate", "--policy", str(policy), "--db", str(db), "--format", "json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["projected_cost_usd"] == data["baseline_cost_usd"]
        assert data["savings_usd"] == 0 and data["savings_pct"] in (0, None)
        want = sum((expected_cost(r) for r in recs), Decimal(0)).quantize(Decimal("0.000001"))
        assert Decimal(str(data["baseline_cost_usd"])) == want
        assert data["fallbacks"] == 0 and data["failed_calls"] == 0 and data["unpriced_calls"] == 0
