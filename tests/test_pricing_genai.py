"""mmaudit's SQL cost equals genai_prices.calc_price for every model of the major providers.

One DuckDB table holds a grid of calls for every text model of OpenAI, Anthropic, Google, AWS
Bedrock, DeepSeek, Mistral and xAI: plain, cache read, 5-minute and 1-hour cache writes,
reasoning, batch, each service tier, each long-context threshold minus one / at / plus one, at
an instant inside every window of the model's price history (start dates and off-peak hours).
The grid is priced with our SQL in one pass; the expected values come from genai-prices' own
per-call function in a Python loop (test only). Differences left are the documented exceptions:

- curated overrides (mmaudit/data/pricing/overrides/*.yaml), each citing the provider's page;
- batch calls on dates before genai-prices' batch data (2026-10-14): genai-prices charges the
  standard price, we apply the provider's published discount (batch_rules.yaml) or leave the
  call unpriced where the provider has none on record;
- service-tier calls (flex, priority) dated before genai-prices' tier data (2026-10-12): a call
  logged with service_tier=flex was billed at the flex rate (OpenAI: flex is the Batch price,
  https://platform.openai.com/docs/guides/flex-processing), which genai-prices only knows from
  2026-10-12 and otherwise replaces with the standard price; we charge the earliest known tier
  rate and flag the call `before_table_start`.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from genai_prices.data import providers
from genai_prices.types import TieredPrices, Usage

from mmaudit.pricing import load_catalog, register_prices
from mmaudit.pricing.sql import cost_sql, rate_window_sql
from mmaudit.store import connect

MAJOR = ("openai", "anthropic", "google", "aws", "deepseek", "mistral", "x-ai")
TOLERANCE = Decimal("1e-9")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _prices(model):
    return [model.prices] if not isinstance(model.prices, list) else [c.prices for c in model.prices]


def _text_model(model) -> bool:
    return all(getattr(p, "input_mtok", None) is not None for p in _prices(model))


def _thresholds(model) -> set[int]:
    found = set()
    for p in _prices(model) + [v.prices for v in model.price_variants or ()]:
        for value in p.__dict__.values():
            if isinstance(value, TieredPrices):
                found |= {t.start for t in value.tiers}
    return found


def _instants(model) -> list[datetime]:
    """One instant inside every window of the model's price history."""
    constraints = [c.constraint for c in model.prices] if isinstance(model.prices, list) else []
    constraints += [v.constraint for v in model.price_variants or ()]
    days = {date(2024, 6, 3), date(2026, 11, 25)} | {c.start_date for c in constraints if c is not None and hasattr(c, "start_date")}
    out = {datetime.combine(d, time(12), UTC) for d in days}
    last = max(days)
    for c in constraints:
        if c is not None and hasattr(c, "start_time"):
            for t in (c.start_time, c.end_time):
                moment = datetime.combine(last + timedelta(days=1), t.replace(tzinfo=None), UTC)
                out |= {moment + timedelta(minutes=1), moment - timedelta(minutes=1)}
    return sorted(out)


def _shapes(model) -> list[dict]:
    shapes = [
        {"shape": "plain", "inp": 1200, "cr": 0, "cw": 0, "cw1h": 0, "out": 300, "reas": 0},
        {"shape": "cache read", "inp": 5000, "cr": 4000, "cw": 0, "cw1h": 0, "out": 200, "reas": 0},
        {"shape": "5m write", "inp": 5000, "cr": 0, "cw": 3000, "cw1h": 0, "out": 200, "reas": 0},
        {"shape": "1h write", "inp": 5000, "cr": 1000, "cw": 3000, "cw1h": 2000, "out": 200, "reas": 0},
        {"shape": "reasoning", "inp": 800, "cr": 0, "cw": 0, "cw1h": 0, "out": 5000, "reas": 4000},
    ]
    for t in sorted(_thresholds(model)):
        for d, name in ((-1, "minus one"), (0, "at"), (1, "plus one")):
            shapes.append({"shape": f"threshold {t:,} {name}", "inp": t + d, "cr": 1000, "cw": 500, "cw1h": 200,
                           "out": 700, "reas": 100})
    return shapes


def _contexts(model) -> list[tuple[bool, str | None]]:
    tiers = sorted({v.when["service_tier"] for v in model.price_variants or ()
                    if set(v.when) == {"service_tier"} and v.when["service_tier"] != "default"})
    return [(False, None), (True, None), *((False, t) for t in tiers)]


def _expected(model, provider, shape, ts, batch, tier) -> Decimal | None:
    usage = Usage(input_tokens=shape["inp"], cache_read_tokens=shape["cr"], cache_write_tokens=shape["cw"],
                  cache_write_1h_tokens=shape["cw1h"], output_tokens=shape["out"],
                  output_reasoning_tokens=shape["reas"])
    context = {"processing": "batch"} if batch else ({"service_tier": tier} if tier else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.calc_price(usage, provider, genai_request_timestamp=ts, price_context=context).total_price


def _variant_active(model, when, ts) -> bool:
    return any(v.when == when and (v.constraint is None or v.constraint.active(ts)) for v in model.price_variants or ())


@pytest.fixture(scope="module")
def grid(catalog):
    """Every grid call with genai-prices' price and ours (and our rate row's source)."""
    keys = {(info["provider"], info["id"].lower()): key for key, info in catalog.genai["models"].items()}
    rows: dict[str, list] = {c: [] for c in ("key", "provider", "model", "shape", "ts", "inp", "cr", "cw", "cw1h", "out",
                                              "reas", "batch", "tier", "expected", "genai_batch", "tier_active")}
    for provider in providers:
        if provider.id not in MAJOR:
            continue
        for model in provider.models:
            key = keys.get((provider.id, model.id.lower()))
            if key is None or not _text_model(model):
                continue
            for ts in _instants(model):
                for batch, tier in _contexts(model):
                    for shape in _shapes(model):
                        values = {"key": key, "provider": provider.id, "model": model.id, "ts": ts, "batch": batch,
                                  "tier": tier, "expected": _expected(model, provider, shape, ts, batch, tier),
                                  "genai_batch": batch and _variant_active(model, {"processing": "batch"}, ts),
                                  "tier_active": bool(tier) and _variant_active(model, {"service_tier": tier}, ts),
                                  **shape}
                        for name, value in values.items():
                            rows[name].append(value)
    arrow = pa.table(rows)  # noqa: F841 - read by the query below
    con = connect(":memory:")
    register_prices(con, catalog)
    con.execute("CREATE TEMP TABLE grid AS SELECT * FROM arrow")
    cost = cost_sql("r", "g.inp", "g.cr", "g.cw", "g.out", "g.batch", "g.cw1h", "g.reas")
    result = con.execute(f"""
        SELECT g.key, g.provider, g.model, g.shape, g.ts, g.batch, g.tier, g.genai_batch, g.tier_active,
               g.expected, {cost} AS ours, r.source, r.batch_source, count(*) OVER (PARTITION BY g.rowid) AS matches
        FROM grid g
        LEFT JOIN price_rates_all r ON r.model_key = g.key AND r.service_tier = coalesce(g.tier, 'standard')
             AND {rate_window_sql('r', 'g.ts')}""").fetchall()
    con.close()
    names = ("key", "provider", "model", "shape", "ts", "batch", "tier", "genai_batch", "tier_active", "expected", "ours", "source",
             "batch_source", "matches")
    return [dict(zip(names, r, strict=True)) for r in result]


def test_grid_covers_every_major_provider_and_dimension(grid):
    assert {r["provider"] for r in grid} == set(MAJOR)
    shapes = {r["shape"].split(" ")[0] for r in grid}
    assert {"plain", "cache", "5m", "1h", "reasoning", "threshold"} <= shapes
    assert any(r["tier"] for r in grid) and any(r["batch"] for r in grid)
    assert len({r["key"] for r in grid}) > 300
    assert all(r["matches"] == 1 for r in grid)  # exactly one rate row per call, never a duplicate


def test_sql_cost_equals_calc_price_except_documented(grid):
    compared, exceptions = 0, []
    for r in grid:
        if r["source"] != "genai-prices":
            continue  # a curated override applies: test_overrides_cite_their_source
        if r["batch"] and not r["genai_batch"]:
            continue  # batch before genai-prices' batch data: test_batch_before_genai_batch_data
        if r["tier"] and not r["tier_active"]:
            continue  # service tier before genai-prices' tier data: test_service_tier_before_genai_tier_data
        compared += 1
        if r["ours"] is None or abs(r["ours"] - r["expected"]) > TOLERANCE:
            exceptions.append(r)
    assert compared > 4_000
    assert exceptions == []


def test_batch_before_genai_batch_data_follows_provider_rule(grid, catalog):
    """genai-prices charges these at the standard price; the provider's rule says otherwise."""
    checked = 0
    for r in grid:
        if not r["batch"] or r["genai_batch"] or r["source"] != "genai-prices":
            continue
        rule = catalog.batch_rules.factor(r["provider"], r["ts"].date())
        if rule is None:
            assert r["ours"] is None, r  # no discount on record: unpriced, never full price
        else:
            assert r["ours"] == r["expected"] * rule[0], r  # standard price x (1 - discount)
        checked += 1
    assert checked > 1000


def test_service_tier_before_genai_tier_data_uses_earliest_tier_rate(grid):
    earlier = [r for r in grid if r["tier"] and not r["tier_active"] and r["source"] == "genai-prices"]
    first: dict = {}
    for r in sorted((r for r in grid if r["tier_active"]), key=lambda r: r["ts"]):
        first.setdefault((r["key"], r["shape"], r["tier"]), r)
    assert earlier and all(r["ts"] < first[(r["key"], r["shape"], r["tier"])]["ts"] for r in earlier)
    for r in earlier:  # the same call priced at the first dated tier rate (the table start)
        assert r["ours"] == first[(r["key"], r["shape"], r["tier"])]["ours"], r


def test_overrides_cite_their_source(grid, catalog):
    overridden = {r["key"] for r in grid if r["source"] != "genai-prices"}
    listed = {k for t in catalog.tables if t.origin == "override" for k in t.table.models}
    assert overridden and overridden <= listed
    assert all(m.source_url and t.table.source for t in catalog.tables if t.origin == "override"
               for m in t.table.models.values())
