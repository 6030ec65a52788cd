"""Pricing: every expected cost below is worked out by hand in the comment beside it.

Rates are USD per 1M tokens, so a cost is sum(tokens x rate) / 1,000,000. Costs come back from
DuckDB as DECIMAL(38,12) and are compared as exact Decimals, never floats.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from mmaudit.errors import ConfigError
from mmaudit.pricing import (
    PriceTable,
    apply_prices,
    cost_sql,
    effective_cost_sql,
    fixed_costs,
    import_litellm,
    load_catalog,
    price_notes,
    rate_window_sql,
    reconcile,
    register_prices,
    unknown_models,
)
from mmaudit.pricing.litellm import split_report
from mmaudit.store import connect

D = Decimal


@pytest.fixture(scope="module")
def bundled():
    return load_catalog()


@pytest.fixture()
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def add(con, call_id, model, ts, inp=0, cached=0, cw=0, out=0, *, batch=False, status="ok", logged=None):
    con.execute(
        "INSERT INTO calls (call_id, ts, model, input_tokens, cached_input_tokens, cache_write_tokens,"
        " output_tokens, status, is_batch, logged_cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [call_id, ts, model, inp, cached, cw, out, status, batch, logged],
    )


def priced(con, catalog, table="calls"):
    apply_prices(con, table, catalog)
    rows = con.execute(f"SELECT call_id, model_key, cost_usd FROM {table}").fetchall()
    return {call_id: (key, cost) for call_id, key, cost in rows}


# ---------------------------------------------------------------- bundled tables: real prices

def test_bundled_tables_load_and_cover_required_models(bundled):
    required = {  # keys are genai-prices ids (another provider's resale: provider/id)
        "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o1-mini", "o3",
        "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5.4", "gpt-5.5", "claude-3-5-sonnet",
        "claude-3-7-sonnet-latest", "claude-sonnet-4-0", "claude-sonnet-4-5", "claude-haiku-4-5",
        "claude-opus-4-5", "claude-3-5-haiku-latest", "claude-3-haiku", "gemini-1.5-flash", "gemini-1.5-pro",
        "gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro", "gemini-3-pro-preview", "deepseek-chat",
        "deepseek-reasoner", "deepseek-v4-flash", "aws/amazon.nova-pro-v1:0", "aws/meta.llama3-1-70b-instruct-v1:0",
        "llama-3.1-70b-selfhosted", "mistral-large-2512", "mistral-small-2603", "grok-4-fast-reasoning",
        "text-embedding-3-small", "text-embedding-3-large", "aws/amazon.titan-embed-text-v2:0",
    }
    assert required <= set(bundled.model_keys())
    assert all(t.table.source and t.table.currency == "USD" for t in bundled.tables)
    assert all(m.source_url for t in bundled.tables for m in t.table.models.values())  # every override cites a page


@pytest.mark.parametrize("key, inp, out", [
    ("gpt-4o", "2.5", "10"), ("gpt-4o-mini", "0.15", "0.6"), ("claude-3-5-sonnet", "3", "15"),
    ("claude-3-5-haiku-latest", "0.8", "4"), ("deepseek-reasoner", "0.28", "0.42"),  # V3.2 since 2025-09-29
])
def test_current_anchor_prices(bundled, key, inp, out):
    rates = bundled.latest(key).rates
    assert (rates["input_rate"].scaleb(6), rates["output_rate"].scaleb(6)) == (D(inp), D(out))


def test_plain_call(con, bundled):
    add(con, "a", "gpt-4o-mini", "2025-03-01 12:00:00+00", inp=1000, out=500)
    # 1000 x 0.15 + 500 x 0.60 = 150 + 300 = 450 / 1e6 = 0.00045
    assert priced(con, bundled)["a"] == ("gpt-4o-mini", D("0.00045"))


def test_cached_input_openai_semantics(con, bundled):
    # OpenAI: prompt_tokens=10000 includes cached_tokens=4000 -> stored as-is.
    add(con, "a", "gpt-4o", "2025-03-01 00:00:00+00", inp=10000, cached=4000, out=1000)
    # 6000 x 2.50 + 4000 x 1.25 + 1000 x 10 = 15000 + 5000 + 10000 = 30000 / 1e6 = 0.03
    assert priced(con, bundled)["a"][1] == D("0.03")


def test_cached_and_cache_write_anthropic_semantics(con, bundled):
    # Anthropic usage: input_tokens=2000 (uncached), cache_read=3000, cache_creation=1000.
    # Canonical input_tokens includes reads and writes: 2000 + 3000 + 1000 = 6000.
    add(con, "a", "claude-3-5-sonnet-20241022", "2025-03-01 00:00:00+00", inp=6000, cached=3000, cw=1000, out=500)
    # 2000 x 3 + 3000 x 0.30 + 1000 x 3.75 + 500 x 15 = 6000 + 900 + 3750 + 7500 = 18150 -> 0.01815
    assert priced(con, bundled)["a"] == ("claude-3-5-sonnet", D("0.01815"))


def test_batch_discount(con, bundled):
    add(con, "b", "claude-3-5-haiku-20241022", "2025-03-01 00:00:00+00", inp=1_000_000, out=100_000, batch=True)
    add(con, "n", "claude-3-5-haiku-20241022", "2025-03-01 00:00:00+00", inp=1_000_000, out=100_000)
    costs = priced(con, bundled)
    # 1e6 x 0.80 + 1e5 x 4 = 800000 + 400000 = 1.2 USD; batch: x (1 - 0.5) = 0.6
    assert costs["n"][1] == D("1.2")
    assert costs["b"][1] == D("0.6")


def test_long_context_prices_the_whole_request(con, bundled):
    add(con, "long", "claude-sonnet-4-20250514", "2025-09-01 00:00:00+00", inp=250_000, cached=50_000, out=10_000)
    add(con, "edge", "claude-sonnet-4-20250514", "2025-09-01 00:00:00+00", inp=200_000, cached=50_000, out=10_000)
    costs = priced(con, bundled)
    # > 200K: all at long rates: 200000 x 6 + 50000 x 0.60 + 10000 x 22.50
    #   = 1,200,000 + 30,000 + 225,000 = 1,455,000 / 1e6 = 1.455
    assert costs["long"][1] == D("1.455")
    # exactly 200K is not above: 150000 x 3 + 50000 x 0.30 + 10000 x 15 = 450000 + 15000 + 150000 -> 0.615
    assert costs["edge"][1] == D("0.615")


def test_gemini_long_context_threshold_200k(con, bundled):
    add(con, "g", "gemini-2.5-pro", "2025-08-01 00:00:00+00", inp=200_001, out=1_000)
    add(con, "at", "gemini-2.5-pro", "2025-08-01 00:00:00+00", inp=200_000, out=1_000)
    costs = priced(con, bundled)
    # 200001 > 200000: 200001 x 2.50 + 1000 x 15 = 500002.5 + 15000 = 515002.5 -> 0.5150025
    assert costs["g"][1] == D("0.5150025")
    # exactly 200000 is not above: 200000 x 1.25 + 1000 x 10 = 250000 + 10000 -> 0.26
    assert costs["at"][1] == D("0.26")


def test_price_change_gpt4o_before_and_after(con, bundled):
    add(con, "before", "gpt-4o", "2024-09-15 00:00:00+00", inp=1000, out=1000)
    add(con, "after", "gpt-4o", "2024-11-15 00:00:00+00", inp=1000, out=1000)
    add(con, "boundary", "gpt-4o", "2024-10-02 00:00:00+00", inp=1000, out=1000)
    costs = priced(con, bundled)
    assert costs["before"][1] == D("0.02")     # 1000 x 5 + 1000 x 15 = 20000 / 1e6
    assert costs["after"][1] == D("0.0125")    # 1000 x 2.50 + 1000 x 10 = 12500 / 1e6
    assert costs["boundary"][1] == D("0.0125")  # effective_from is inclusive, 00:00 UTC


def test_dated_snapshot_keeps_its_own_price(con, bundled):
    add(con, "old", "gpt-4o-2024-05-13", "2025-03-01 00:00:00+00", inp=1000, out=1000)
    add(con, "new", "gpt-4o-2024-08-06", "2024-08-20 00:00:00+00", inp=1000, out=1000)
    costs = priced(con, bundled)
    assert costs["old"] == ("gpt-4o-2024-05-13", D("0.02"))    # still $5/$15
    assert costs["new"] == ("gpt-4o-2024-08-06", D("0.0125"))  # $2.50/$10 from launch (override)


def test_claude_haiku_35_price_cut(con, bundled):
    add(con, "launch", "claude-3-5-haiku-20241022", "2024-11-20 00:00:00+00", inp=1_000_000, out=1_000_000)
    add(con, "cut", "claude-3-5-haiku-20241022", "2025-01-10 00:00:00+00", inp=1_000_000, out=1_000_000)
    costs = priced(con, bundled)
    assert costs["launch"][1] == D("6")  # 1 + 5
    assert costs["cut"][1] == D("4.8")   # 0.80 + 4


def test_deepseek_v3_promotion_then_standard(con, bundled):
    add(con, "promo", "deepseek-chat", "2025-01-15 00:00:00+00", inp=1_000_000, out=1_000_000)
    add(con, "std", "deepseek-chat", "2025-03-01 12:00:00+00", inp=1_000_000, cached=400_000, out=1_000_000)
    add(con, "night", "deepseek-chat", "2025-03-01 20:00:00+00", inp=1_000_000, cached=400_000, out=1_000_000)
    add(con, "v31", "deepseek-chat", "2025-09-10 20:00:00+00", inp=1_000_000, cached=400_000, out=1_000_000)
    costs = priced(con, bundled)
    assert costs["promo"][1] == D("0.42")  # 0.14 + 0.28
    # 600000 x 0.27 + 400000 x 0.07 + 1e6 x 1.10 = 162000 + 28000 + 1100000 = 1290000 -> 1.29
    assert costs["std"][1] == D("1.29")
    # off-peak (16:30-00:30 UTC, from 2025-02-26): 600000 x 0.135 + 400000 x 0.035 + 1e6 x 0.55
    #   = 81000 + 14000 + 550000 = 645000 -> 0.645
    assert costs["night"][1] == D("0.645")
    # from 2025-09-05 one price, no night discount: 600000 x 0.56 + 400000 x 0.07 + 1e6 x 1.68
    #   = 336000 + 28000 + 1680000 = 2044000 -> 2.044
    assert costs["v31"][1] == D("2.044")


def test_deepseek_v4_peak_hours_only_on_weekdays(con, bundled):
    # V4.1 Flash from 2026-09-10: peak UTC 01-04 and 06-10 Monday to Friday, off-peak otherwise
    add(con, "mon_peak", "deepseek-v4-flash", "2026-11-23 02:00:00+00", inp=1_000_000, cached=200_000, out=100_000)
    add(con, "mon_off", "deepseek-v4-flash", "2026-11-23 12:00:00+00", inp=1_000_000, cached=200_000, out=100_000)
    add(con, "sat", "deepseek-v4-flash", "2026-11-28 02:00:00+00", inp=1_000_000, cached=200_000, out=100_000)
    costs = priced(con, bundled)
    # peak: 800000 x 0.30 + 200000 x 0.006 + 100000 x 1.20 = 240000 + 1200 + 120000 = 361200 -> 0.3612
    assert costs["mon_peak"][1] == D("0.3612")
    # off-peak: 800000 x 0.15 + 200000 x 0.003 + 100000 x 0.60 = 120000 + 600 + 60000 = 180600 -> 0.1806
    assert costs["mon_off"][1] == costs["sat"][1] == D("0.1806")


def add_dims(con, call_id, model, ts, inp, cw, cw1h, out, *, tier=None, batch=False):
    con.execute("INSERT INTO calls (call_id, ts, model, input_tokens, cache_write_tokens, cache_write_1h_tokens,"
                " output_tokens, status, is_batch, service_tier) VALUES (?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?)",
                [call_id, ts, model, inp, cw, cw1h, out, batch, tier])


def test_one_hour_cache_writes_service_tiers_and_unpriced_batch(con, bundled):
    add_dims(con, "w", "claude-sonnet-4-5-20250929", "2026-01-05 00:00:00+00", 10_000, 6_000, 4_000, 1_000)
    add_dims(con, "flex", "gpt-5.4", "2026-11-02 00:00:00+00", 100_000, 0, 0, 10_000, tier="flex")
    add_dims(con, "prio", "gpt-5.4", "2026-11-02 00:00:00+00", 100_000, 0, 0, 10_000, tier="priority")
    add_dims(con, "dsb", "deepseek-chat", "2026-01-05 00:00:00+00", 1000, 0, 0, 1000, batch=True)
    costs = priced(con, bundled)
    # writes 6000 of which 4000 with a 1-hour TTL:
    # 4000 uncached x 3 + 2000 5m writes x 3.75 + 4000 1h writes x 6 + 1000 x 15
    #   = 12000 + 7500 + 24000 + 15000 = 58500 -> 0.0585 (all writes at the 5m rate would be 0.051)
    assert costs["w"][1] == D("0.0585")
    # flex: 100000 x 1.25 + 10000 x 7.50 = 125000 + 75000 = 200000 -> 0.2
    assert costs["flex"][1] == D("0.2")
    # priority: 100000 x 5 + 10000 x 30 = 500000 + 300000 = 800000 -> 0.8
    assert costs["prio"][1] == D("0.8")
    # DeepSeek has no batch discount on record: unpriced with its reason, never the full price
    assert costs["dsb"] == ("deepseek-chat", None)
    from mmaudit.pricing import unpriced_calls
    register_prices(con, bundled)
    assert [(u["model"], u["reason"]) for u in unpriced_calls(con)] == [
        ("deepseek-chat", "no batch rate (provider has no batch discount on record)")]


def test_off_peak_windows_are_validated(tmp_path):
    path = write_table(tmp_path / "op.yaml", {"m1": {"provider": "x", "input": 1, "output": 2, "off_peak": {
        "input": 0.5, "output": 1, "windows": [{"days": [8], "from": "22:00", "to": "02:00"}]}}})
    with pytest.raises(ConfigError) as err:
        load_catalog([path], include_bundled=False)
    assert "models.m1.off_peak.windows.0" in str(err.value)


def test_call_before_every_table_uses_earliest_and_is_flagged(con, bundled):
    # mistral-large-latest is an override key whose first table starts 2024-11-18 ($2/$6)
    add(con, "early", "mistral-large-latest", "2024-06-01 00:00:00+00", inp=1000, out=1000)
    assert priced(con, bundled)["early"][1] == D("0.008")  # 1000 x 2 + 1000 x 6 = 8000 / 1e6
    assert price_notes(con) == {"before_table_start": 1}


def test_undated_call_uses_newest_table_and_is_flagged(con, bundled):
    add(con, "u", "gpt-4o", None, inp=1000, out=1000)
    assert priced(con, bundled)["u"][1] == D("0.0125")  # gpt-4o table in effect today: $2.50/$10
    assert price_notes(con) == {"undated": 1}


def test_an_undated_call_is_never_charged_a_price_announced_for_later():
    # genai-prices lists gemini-3.7-flash at $0.75 / $3.75 until 2027-01-01 and $1.50 / $7.50 from
    # then: an undated call is priced at the window in effect on the day it is priced
    from datetime import date

    from mmaudit.pricing.catalog import _mark_ends
    from mmaudit.pricing.rates import RateRow

    def row(start, end):
        return RateRow("m", "p", "s", "t", None, start, end, {})

    rows = [row(date(1970, 1, 1), date(2027, 1, 1)), row(date(2027, 1, 1), None)]
    _mark_ends(rows, today=date(2026, 12, 2))
    assert [r.extra["is_latest"] for r in rows] == [True, False]
    _mark_ends(rows, today=date(2027, 1, 1))
    assert [r.extra["is_latest"] for r in rows] == [False, True]
    later = [row(date(2030, 1, 1), date(2031, 1, 1)), row(date(2031, 1, 1), None)]  # every price starts later
    _mark_ends(later, today=date(2026, 12, 2))
    assert [r.extra["is_latest"] for r in later] == [True, False]


def test_the_rates_for_undated_calls_have_all_started(bundled):
    from datetime import UTC, datetime

    def start(r):
        return r.valid_from.date() if isinstance(r.valid_from, datetime) else r.valid_from

    today = datetime.now(UTC).date()
    slots: dict[tuple[str, str], list] = {}
    for r in bundled.rows:
        slots.setdefault((r.model_key, r.service_tier), []).append(r)
    late = [slot for slot, rows in slots.items()
            if any(start(r) <= today for r in rows) and any(r.extra["is_latest"] and start(r) > today for r in rows)]
    assert late == []


def test_an_override_of_token_rates_keeps_the_search_fee_under_it(con, bundled):
    # claude-sonnet-4-0's long-context override (from 2025-08-12) states token rates only: its web
    # searches are still $10 per 1,000 (genai-prices), not unpriced
    con.execute("INSERT INTO calls (call_id, ts, model, provider, input_tokens, output_tokens, status, web_searches)"
                " VALUES ('ws', '2025-10-01 00:00:00+00', 'claude-sonnet-4-20250514', 'anthropic', 27118, 600, 'ok', 2)")
    assert priced(con, bundled)["ws"][1] == (27118 * 3 + 600 * 15) / D(10**6) + 2 * D("0.01")


def test_alias(con, bundled):
    add(con, "a", "deepseek-r1", "2025-03-01 12:00:00+00", inp=1_000_000, cached=200_000, out=100_000)
    # deepseek-r1 names deepseek-reasoner (registry alias); standard hours:
    # 800000 x 0.55 + 200000 x 0.14 + 100000 x 2.19 = 440000 + 28000 + 219000 = 687000 -> 0.687
    assert priced(con, bundled)["a"] == ("deepseek-reasoner", D("0.687"))


@pytest.mark.parametrize("logged, key", [
    # Bedrock: regional profiles (us./eu./apac.) and ARNs are AWS's own (regional) prices
    ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
     "aws/regional.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
     "aws/regional.anthropic.claude-3-haiku-20240307-v1:0"),
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "aws/regional.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "aws/regional.anthropic.claude-3-7-sonnet-20250219-v1:0"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws/global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("apac.amazon.nova-pro-v1:0", "aws/amazon.nova-pro-v1:0"),
    ("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0"),
    ("meta.llama3-1-70b-instruct-v1:0", "aws/meta.llama3-1-70b-instruct-v1:0"),
    ("us.meta.llama3-1-8b-instruct-v1:0", "aws/meta.llama3-1-8b-instruct-v1:0"),
    ("amazon.titan-embed-text-v2:0", "aws/amazon.titan-embed-text-v2:0"),
    ("anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"),
    ("anthropic/claude-3.7-sonnet:thinking", "claude-3-7-sonnet-latest"),
    ("deepseek/deepseek-chat", "deepseek-chat"),
    ("openai/gpt-4o", "gpt-4o"),
    ("azure/gpt-4o-mini", "gpt-4o-mini"),  # Azure falls back to OpenAI's list price
    ("GPT-4o-2024-11-20", "gpt-4o"),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("o3-mini-2025-01-31", "o3-mini"),
    ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"),
    ("gpt-5.2-20251211", "gpt-5.2"),
    ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
    ("claude-3-5-haiku-latest", "claude-3-5-haiku-latest"),
    ("claude-opus-4-20250514", "claude-opus-4-0"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("gemini-1.5-pro-002", "gemini-1.5-pro"),
    ("models/gemini-2.0-flash-001", "gemini-2.0-flash"),
    ("vertex_ai/gemini-2.5-pro", "gemini-2.5-pro"),  # same price on Vertex and the Gemini API
    ("vertex_ai/gemini-2.0-flash-001", "vertex/gemini-2.0-flash"),  # Vertex: $0.15/$0.60, not $0.10/$0.40
    ("gemini/gemini-2.0-flash", "gemini-2.0-flash"),
    ("vertex_ai/claude-3-5-haiku@20241022", "google/claude-3-5-haiku"),
    ("mistral-small-latest", "mistral-small-latest"),
    ("mistral-small-2603", "mistral-small-2603"),  # Small 4, not stripped to an older Small
    ("mistral-large-latest", "mistral-large-latest"),  # dated override: Large 2 then Large 3
    ("grok-4-fast", "grok-4-fast-reasoning"),
    ("chatgpt-4o-latest", "chatgpt-4o-latest"),  # its own $5/$15, not gpt-4o's
    ("o1-preview-2024-09-12", "o1-preview"),
    ("  Text-Embedding-3-Small ", "text-embedding-3-small"),
    ("gpt-4o-mini-2024-07-18.ft-0123abcd", "gpt-4o-mini-2024-07-18.ft-"),
])
def test_resolution_of_real_looking_ids(con, bundled, logged, key):
    register_prices(con, bundled)
    assert con.execute("SELECT mm_model_key(?)", [logged]).fetchall()[0][0] == key


def test_exactly_one_rate_row_applies_at_any_time(con, bundled):
    register_prices(con, bundled)
    counts = con.execute(f"""
        SELECT k.model_key, t.ts, count(r.model_key) AS n
        FROM (SELECT DISTINCT model_key FROM price_rates) k
        CROSS JOIN (VALUES (NULL::TIMESTAMPTZ), (TIMESTAMPTZ '2023-01-01 00:00:00+00'),
                           (TIMESTAMPTZ '2024-10-01 23:59:59+00'), (TIMESTAMPTZ '2024-10-02 00:00:00+00'),
                           (TIMESTAMPTZ '2025-02-08 20:00:00+00'), (TIMESTAMPTZ '2026-11-28 02:30:00+00'),
                           (TIMESTAMPTZ '2026-11-23 09:59:59+00'), (TIMESTAMPTZ '2030-01-01 00:00:00+00')) t(ts)
        LEFT JOIN price_rates r ON r.model_key = k.model_key AND {rate_window_sql('r', 't.ts')}
        GROUP BY ALL HAVING count(r.model_key) <> 1""").fetchall()
    assert counts == []


def test_bedrock_arn_and_openrouter_slug_are_priced(con, bundled):
    arn = "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0"
    add(con, "arn", arn, "2025-03-01 00:00:00+00", inp=1000, out=1000)
    add(con, "slug", "anthropic/claude-3.5-sonnet", "2025-03-01 00:00:00+00", inp=1000, out=1000)
    costs = priced(con, bundled)
    # 1000 x 3 + 1000 x 15 = 18000 / 1e6 = 0.018 (Bedrock's regional price for 3.5 Sonnet equals Anthropic's)
    assert costs["arn"] == ("aws/regional.anthropic.claude-3-5-sonnet-20241022-v2:0", D("0.018"))
    assert costs["slug"] == ("claude-3-5-sonnet", D("0.018"))


def test_fine_tune_priced_at_fine_tuned_rate(con, bundled):
    add(con, "ft", "ft:gpt-4o-mini-2024-07-18:acme::9abcDEF", "2025-03-01 00:00:00+00", inp=1000, out=1000)
    add(con, "ft4o", "ft:gpt-4o-2024-08-06:acme:support:9xyz", "2025-03-01 00:00:00+00", inp=1000, cached=0, out=1000)
    add(con, "noft", "ft:o3-mini-2025-01-31:acme::x1", "2025-03-01 00:00:00+00", inp=1000, out=1000)
    costs = priced(con, bundled)
    # genai-prices has fine-tune models of its own (keys ft:gpt-4o-mini, ft:gpt-4o)
    assert costs["ft"] == ("ft:gpt-4o-mini", D("0.0015"))       # 1000 x 0.30 + 1000 x 1.20 = 1500 / 1e6
    assert costs["ft4o"] == ("ft:gpt-4o", D("0.01875"))  # 1000 x 3.75 + 1000 x 15 = 18750 / 1e6
    assert costs["noft"] == (None, None)  # no fine-tune rates for o3-mini: unknown, never base price


def test_unknown_model_is_null_never_zero(con, bundled):
    add(con, "x", "my-secret-model-v7", "2025-03-01 00:00:00+00", inp=1000, out=1000)
    add(con, "y", "my-secret-model-v7", "2025-03-02 00:00:00+00", inp=10, out=5)
    add(con, "z", None, "2025-03-02 00:00:00+00", inp=1, out=1)
    costs = priced(con, bundled)
    assert costs["x"] == (None, None)
    unknown = unknown_models(con)
    assert [(u["model"], u["calls"], u["input_tokens"], u["output_tokens"]) for u in unknown] == [
        ("my-secret-model-v7", 2, 1010, 1005), ("(none)", 1, 1, 1)]
    assert con.execute("SELECT sum(cost_usd) FROM calls").fetchall()[0][0] is None


def test_failed_call_with_zero_tokens_costs_zero(con, bundled):
    add(con, "err", "gpt-4o", "2025-03-01 00:00:00+00", status="error")
    assert priced(con, bundled)["err"] == ("gpt-4o", D("0"))


def test_self_hosted_is_zero_per_call_with_separate_fixed_cost(con, bundled):
    add(con, "s1", "llama-3.1-70b-selfhosted", "2025-03-01 00:00:00+00", inp=5000, out=5000)
    add(con, "s2", "llama-3.1-70b-selfhosted", "2025-03-20 00:00:00+00", inp=5000, out=5000)
    add(con, "s3", "llama-3.1-70b-local", "2025-04-02 00:00:00+00", inp=5000, out=5000)
    costs = priced(con, bundled)
    assert {c for _, c in costs.values()} == {D("0")}
    (fixed,) = fixed_costs(con)
    # 2 calendar months (March, April) x 7300 = 14600
    assert (fixed["model_key"], fixed["months"], fixed["fixed_usd"]) == ("llama-3.1-70b-selfhosted", 2, D("14600"))


def test_apply_prices_on_a_staging_table_and_is_idempotent(con, bundled):
    con.execute("CREATE TEMP TABLE staging AS SELECT * FROM calls LIMIT 0")
    add(con, "c", "gpt-4o", "2025-03-01 00:00:00+00", inp=1000, out=1000)
    con.execute("INSERT INTO staging SELECT * FROM calls")
    first = priced(con, bundled, "staging")
    assert priced(con, bundled, "staging") == first == {"c": ("gpt-4o", D("0.0125"))}
    with pytest.raises(ValueError):
        apply_prices(con, "calls; DROP TABLE calls", bundled)


def test_a_table_with_only_the_token_columns_is_priced(con, bundled):
    """A table of the user's own with no tags, tier or batch columns: the rates' tier is read from
    a NULL map (the cast once swallowed the subscript: "Expected an integer as array bound")."""
    con.execute("CREATE TEMP TABLE mine (call_id VARCHAR, ts TIMESTAMPTZ, provider VARCHAR, model VARCHAR,"
                " input_tokens BIGINT, cached_input_tokens BIGINT, cache_write_tokens BIGINT, output_tokens BIGINT,"
                " model_key VARCHAR, cost_usd DECIMAL(38, 12))")
    con.execute("INSERT INTO mine VALUES ('m', '2025-03-01 00:00:00+00', 'openai', 'gpt-4o', 1000, 0, 0, 1000, NULL, NULL)")
    # gpt-4o: 1,000 x $2.50/M + 1,000 x $10/M = 0.0025 + 0.01 = 0.0125
    assert priced(con, bundled, "mine") == {"m": ("gpt-4o", D("0.0125"))}


def test_cost_sql_prices_hypothetical_rows_with_the_same_formula(con, bundled):
    register_prices(con, bundled)
    expr = cost_sql("r", "h.inp", "h.cached", "h.cw", "h.out", "h.batch")
    rows = con.execute(f"""
        SELECT h.k, {expr} FROM (VALUES ('gpt-4.1', 10000, 2000, 0, 1000, false),
                                        ('gpt-4.1', 10000, 2000, 0, 1000, true)) h(k, inp, cached, cw, out, batch)
        JOIN price_rates r ON r.model_key = h.k AND r.is_latest ORDER BY h.batch""").fetchall()
    # 8000 x 2 + 2000 x 0.50 + 1000 x 8 = 16000 + 1000 + 8000 = 25000 -> 0.025
    # batch (OpenAI's batch table, no cached batch rate: cached stays 0.50):
    #   8000 x 1 + 2000 x 0.50 + 1000 x 4 = 8000 + 1000 + 4000 = 13000 -> 0.013
    assert [cost for _, cost in rows] == [D("0.025"), D("0.013")]
    assert con.execute(f"SELECT typeof({expr}) FROM (SELECT 1 AS inp, 0 AS cached, 0 AS cw, 1 AS out, false AS batch) h,"
                       " price_rates r LIMIT 1").fetchall()[0][0] == "DECIMAL(38,12)"


def test_model_info_and_quality_tables(con, bundled):
    register_prices(con, bundled)
    info = con.execute("SELECT provider, tokenizer, context_window, data_classes FROM model_info"
                       " WHERE model_key = 'gpt-4o'").fetchall()[0]
    assert info == ("openai", "o200k", 128000, ["public", "internal", "confidential"])
    assert con.execute("SELECT score FROM model_quality WHERE model_key = 'o3' AND task = 'reasoning'").fetchall()[0][0] > 0.9


def test_reconcile_and_effective_cost(con, bundled):
    add(con, "ok", "gpt-4o", "2025-03-01 00:00:00+00", inp=1000, out=1000, logged=D("0.0125"))
    add(con, "bad", "gpt-4o", "2025-03-01 00:00:00+00", inp=1000, out=1000, logged=D("0.02"))
    priced(con, bundled)
    (row,) = reconcile(con, 0.05)
    assert (row["calls"], row["mismatched_calls"], row["logged_usd"], row["calculated_usd"]) == (2, 1, D("0.0325"), D("0.025"))
    assert effective_cost_sql("auto") == "coalesce(logged_cost_usd, cost_usd)"
    assert effective_cost_sql("calculate") == "cost_usd"
    with pytest.raises(ValueError):
        effective_cost_sql("cheapest")


# ---------------------------------------------------------------- user tables and validation

def write_table(path: Path, models: dict, effective_from="2025-01-01") -> Path:
    doc = {"effective_from": effective_from, "source": "test", "currency": "USD", "models": models}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_user_table_overrides_bundled_on_same_key_and_date(tmp_path, con):
    user = write_table(tmp_path / "mine.yaml", {"gpt-4o": {"provider": "openai", "input": 2, "output": 8}}, "2024-10-02")
    catalog = load_catalog([user])
    add(con, "c", "gpt-4o", "2025-03-01 00:00:00+00", inp=1000, out=1000)
    assert priced(con, catalog)["c"][1] == D("0.01")  # 1000 x 2 + 1000 x 8 = 10000 / 1e6


def test_a_free_variant_takes_no_paid_rate_but_a_price_the_user_gives_it(tmp_path, con, bundled):
    """genai-prices' `deepseek-chat` rule matches every id starting `deepseek-chat`: OpenRouter's
    free `deepseek/deepseek-chat-v3.1:free` took DeepSeek's paid rate. A table of the user's that
    names the free id prices it."""
    add(con, "free", "deepseek/deepseek-chat-v3.1:free", "2025-09-01 00:00:00+00", inp=1000, out=1000)
    add(con, "paid", "deepseek/deepseek-chat-v3.1", "2025-09-01 00:00:00+00", inp=1000, out=1000)
    got = priced(con, bundled)
    assert got["free"] == (None, None) and got["paid"][0] is not None
    user = write_table(tmp_path / "free.yaml", {"openrouter-free-deepseek": {
        "provider": "openrouter", "input": 0, "output": 0, "aliases": ["deepseek/deepseek-chat-v3.1:free"]}})
    assert priced(con, load_catalog([user]))["free"] == ("openrouter-free-deepseek", D("0"))


def test_bad_field_names_file_model_and_field(tmp_path):
    path = write_table(tmp_path / "bad.yaml", {"m1": {"provider": "x", "input": 1, "output": 2, "cache_read": 0.1}})
    with pytest.raises(ConfigError) as err:
        load_catalog([path], include_bundled=False)
    text = str(err.value)
    assert "bad.yaml" in text and "models.m1.cache_read" in text and "Extra inputs" in text


def test_negative_price_names_file_model_and_field(tmp_path):
    path = write_table(tmp_path / "neg.yaml", {"m1": {"provider": "x", "input": -1, "output": 2}})
    with pytest.raises(ConfigError) as err:
        load_catalog([path], include_bundled=False)
    assert "neg.yaml" in str(err.value) and "models.m1.input" in str(err.value) and "-1" in str(err.value)


def test_missing_price_is_an_error(tmp_path):
    path = write_table(tmp_path / "miss.yaml", {"m1": {"provider": "x", "input": 1}})
    with pytest.raises(ConfigError, match=r"miss\.yaml: models\.m1: .*input and output prices are required"):
        load_catalog([path], include_bundled=False)


def test_bad_key_is_an_error(tmp_path):
    path = write_table(tmp_path / "key.yaml", {"Bad Key!": {"provider": "x", "input": 1, "output": 1}})
    with pytest.raises(ConfigError, match=r"key\.yaml: models\.Bad Key!"):
        load_catalog([path], include_bundled=False)


def test_duplicate_alias_names_both_models(tmp_path):
    path = write_table(tmp_path / "dup.yaml", {
        "m1": {"provider": "x", "input": 1, "output": 1, "aliases": ["shared-name"]},
        "m2": {"provider": "x", "input": 2, "output": 2, "aliases": ["Shared-Name"]},
    })
    with pytest.raises(ConfigError) as err:
        load_catalog([path], include_bundled=False)
    text = str(err.value)
    assert "dup.yaml" in text and "models.m2.aliases" in text and "'m1'" in text and "shared-name" in text


def test_too_precise_price_is_refused(tmp_path):
    path = write_table(tmp_path / "fine.yaml", {"m1": {"provider": "x", "input": 0.0000001, "output": 1}})
    with pytest.raises(ConfigError, match=r"models\.m1\.input.*decimal places"):
        load_catalog([path], include_bundled=False)


# ---------------------------------------------------------------- LiteLLM import

def test_import_litellm(tmp_path, con):
    source = tmp_path / "model_prices_and_context_window.json"
    source.write_text(json.dumps({
        "sample_spec": {"input_cost_per_token": 0.0, "mode": "chat"},
        "claude-sonnet-4-20250514": {
            "litellm_provider": "anthropic", "mode": "chat", "max_input_tokens": 1000000,
            "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
            "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06,
            "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
            "cache_read_input_token_cost_above_200k_tokens": 6e-07,
            "cache_creation_input_token_cost_above_200k_tokens": 7.5e-06,
            "input_cost_per_token_batches": 1.5e-06, "output_cost_per_token_batches": 7.5e-06},
        "gemini/gemini-2.0-flash": {"litellm_provider": "gemini", "mode": "chat",
                                    "input_cost_per_token": 1e-07, "output_cost_per_token": 4e-07},
        "dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
        "gpt-realtime": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 4e-06,
                         "output_cost_per_token": 1.6e-05, "cache_read_input_token_cost": 4e-07,
                         "input_cost_per_audio_token": 3.2e-05, "cache_read_input_audio_token_cost": 4e-07,
                         "output_cost_per_audio_token": 6.4e-05},
    }), encoding="utf-8")
    doc, skipped = split_report(import_litellm(source))
    realtime = PriceTable.model_validate(doc).models["gpt-realtime"]
    assert (realtime.input_audio, realtime.cached_audio, realtime.output_audio) == (D("32"), D("0.4"), D("64"))
    table = PriceTable.model_validate(doc)
    sonnet = table.models["claude-sonnet-4-20250514"]
    assert (sonnet.input, sonnet.output, sonnet.cached_input, sonnet.cache_write) == (D("3"), D("15"), D("0.3"), D("3.75"))
    assert (sonnet.batch.input, sonnet.batch.output) == (D("1.5"), D("7.5")) and sonnet.long_context.threshold == 200000
    assert sonnet.long_context.output == D("22.5") and sonnet.context_window == 1000000
    assert "gemini/gemini-2.0-flash" in table.models
    assert "dall-e-3" not in table.models
    assert skipped == [{"model": "dall-e-3", "reason": "mode 'image_generation' is not token-priced text"}]

    out = tmp_path / "imported.yaml"
    out.write_text(yaml.safe_dump(doc), encoding="utf-8")
    catalog = load_catalog([out], include_bundled=False)
    add(con, "c", "gemini/gemini-2.0-flash", "2030-01-01 00:00:00+00", inp=1_000_000, out=1_000_000)
    assert priced(con, catalog)["c"] == ("gemini/gemini-2.0-flash", D("0.5"))  # 0.10 + 0.40


# ---------------------------------------------------------------- CLI

def test_cli_prices_commands(tmp_path):
    from typer.testing import CliRunner

    from mmaudit.cli import app

    runner = CliRunner()
    db = tmp_path / "p.duckdb"
    con = connect(db)
    add(con, "a", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "2025-03-01 00:00:00+00", inp=1000, out=1000,
        logged=D("0.05"))
    add(con, "b", "mystery-model", "2025-03-01 00:00:00+00", inp=7, out=3)
    con.close()

    result = runner.invoke(app, ["prices", "reprice", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unknown"] == 1 and json.loads(result.stdout)["unpriced"] == 0
    con = connect(db, read_only=True)
    assert con.execute("SELECT cost_usd FROM calls WHERE call_id = 'a'").fetchall()[0][0] == D("0.018")
    con.close()

    unknown = json.loads(runner.invoke(app, ["prices", "unknown", "--db", str(db), "-f", "json"]).stdout)
    assert [(u["model"], u["calls"], u["input_tokens"]) for u in unknown["unknown_models"]] == [("mystery-model", 1, 7)]

    rec = runner.invoke(app, ["prices", "reconcile", "--db", str(db), "--check", "-f", "json"])
    assert rec.exit_code == 1 and json.loads(rec.stdout)["models"][0]["mismatched_calls"] == 1

    shown = runner.invoke(app, ["prices", "show", "anthropic/claude-3.5-sonnet", "-f", "json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["model_key"] == "claude-3-5-sonnet"
    missing = runner.invoke(app, ["prices", "show", "mystery-model"])
    assert missing.exit_code == 2 and "no price for model" in missing.output

    bad = write_table(tmp_path / "bad.yaml", {"m1": {"provider": "x", "input": -2, "output": 1}})
    invalid = runner.invoke(app, ["prices", "validate", str(bad)])
    assert invalid.exit_code == 2 and "bad.yaml: models.m1.input" in invalid.output and "Traceback" not in invalid.output
    good = write_table(tmp_path / "good.yaml", {"m1": {"provider": "x", "input": 2, "output": 1}})
    assert runner.invoke(app, ["prices", "validate", str(good)]).exit_code == 0

    listed = json.loads(runner.invoke(app, ["prices", "list", "--at", "2024-09-01", "-f", "json"]).stdout)
    gpt4o = next(m for m in listed["models"] if m["model_key"] == "gpt-4o")
    # the gpt-4o alias was gpt-4o-2024-05-13 ($5) until 2024-10-02; mistral-large-latest's table starts 2024-11-18
    assert gpt4o["input"] == 5 and all(m["model_key"] != "mistral-large-latest" for m in listed["models"])

    hist = json.loads(runner.invoke(app, ["prices", "history", "deepseek-reasoner", "-f", "json"]).stdout)
    dated = [(h["from"], h["input"]) for h in hist["history"] if h["time_of_day_utc"] is None]
    # R1 launch, standard price until the night discount, V3.1, V3.2
    assert ("2025-09-05", 0.56) in dated and ("2025-09-29", 0.28) in dated
    sources = json.loads(runner.invoke(app, ["prices", "sources", "-f", "json"]).stdout)
    assert sources["layers"][0]["source"] == "genai-prices" and "pip install -U" in sources["layers"][0]["update"]

    src = tmp_path / "litellm.json"
    src.write_text(json.dumps({"gpt-4o": {"litellm_provider": "openai", "mode": "chat",
                                          "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}}))
    out = tmp_path / "imported.yaml"
    imported = runner.invoke(app, ["prices", "import-litellm", str(src), "--out", str(out), "--effective-from", "2025-01-01"])
    assert imported.exit_code == 0, imported.output
    assert runner.invoke(app, ["prices", "validate", str(out)]).exit_code == 0


def test_prices_list_filters_by_pattern_and_provider_and_a_misspelt_name_gets_the_closest():
    from typer.testing import CliRunner

    from mmaudit.cli import app

    runner = CliRunner()
    everything = json.loads(runner.invoke(app, ["prices", "list", "-f", "json"]).stdout)["models"]
    sonnets = runner.invoke(app, ["prices", "list", "SONNET", "--provider", "anthropic", "-f", "json"])
    assert sonnets.exit_code == 0
    keys = [m["model_key"] for m in json.loads(sonnets.stdout)["models"]]
    expected = [m["model_key"] for m in everything if "sonnet" in m["model_key"] and m["provider"] == "anthropic"]
    assert keys == expected and "claude-sonnet-4-5" in keys and len(keys) < len(everything)

    # shell-style patterns match the whole name; several patterns add up
    globbed = json.loads(runner.invoke(app, ["prices", "list", "gpt-4o", "claude-3-5-*", "-f", "json"]).stdout)["models"]
    names = {m["model_key"] for m in globbed}
    assert {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"} <= names
    assert all("gpt-4o" in n or n.startswith("claude-3-5-") for n in names)

    table = runner.invoke(app, ["prices", "list", "sonnet", "--provider", "anthropic"], env={"COLUMNS": "200"})
    assert f"{len(keys)} of {len(everything):,} priced models match 'sonnet' from 'anthropic'." in table.output

    nothing = runner.invoke(app, ["prices", "list", "gpt-4o-minii*"], env={"COLUMNS": "200"})
    assert nothing.exit_code == 0 and "0 of" in nothing.output and "Close names: gpt-4o-mini" in nothing.output

    typo = runner.invoke(app, ["prices", "list", "--provider", "antropic"])
    assert typo.exit_code == 2 and "no prices from 'antropic' (did you mean 'anthropic'?)" in typo.output
    assert "Traceback" not in typo.output

    # a misspelt model in show/history names the priced models it is closest to
    for command in ("show", "history"):
        unknown = runner.invoke(app, ["prices", command, "claude-sonet-4-5"])
        assert unknown.exit_code == 2 and "(closest priced: claude-sonnet-4-5" in unknown.output


def test_prices_show_names_a_reasoning_rate_only_where_a_model_has_one():
    from typer.testing import CliRunner

    from mmaudit.cli import app

    runner = CliRunner()
    sonar = runner.invoke(app, ["prices", "show", "sonar-deep-research", "-f", "markdown"])
    assert sonar.exit_code == 0, sonar.output
    assert "| Output $/1M | Reasoning $/1M |" in sonar.stdout and "| 8 | 3 |" in sonar.stdout
    gpt = runner.invoke(app, ["prices", "show", "gpt-4o", "-f", "markdown"])
    assert gpt.exit_code == 0 and "Reasoning $/1M" not in gpt.stdout


def _ingest_cli(tmp_path, records, name="calls.jsonl"):
    import duckdb
    from typer.testing import CliRunner

    from mmaudit.cli import app
    from tests.conftest import rows, write_jsonl

    db = tmp_path / "ws.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / name, records)), "--db", str(db), "-f", "json"])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        return db, rows(con, "SELECT * FROM calls ORDER BY source_line")
    finally:
        con.close()


def test_server_side_web_searches_are_billed_per_search(tmp_path):
    # Anthropic bills $10 per 1,000 web searches on top of tokens; OpenAI per web_search_call ($10/1k
    # on gpt-4o in genai-prices); a model with no search fee on record leaves such a call unpriced
    claude = {"id": "msg_ws", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
              "content": [{"type": "text", "text": "found it"}], "stop_reason": "end_turn",
              "timestamp": "2025-11-02T10:00:00Z",
              "usage": {"input_tokens": 10387, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                        "output_tokens": 390, "server_tool_use": {"web_search_requests": 2}}}
    responses = {"id": "resp_ws", "object": "response", "created_at": 1762077600, "status": "completed",
                 "model": "gpt-4o",
                 "output": [{"type": "web_search_call", "id": "ws_1", "status": "completed"},
                            {"type": "web_search_call", "id": "ws_2", "status": "completed"},
                            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}],
                 "usage": {"input_tokens": 1000, "output_tokens": 100, "input_tokens_details": {"cached_tokens": 0},
                           "output_tokens_details": {"reasoning_tokens": 0}}}
    for sub in ("a", "b", "c"):
        (tmp_path / sub).mkdir()
    _, (c,) = _ingest_cli(tmp_path / "a", [claude])
    assert c["web_searches"] == 2
    assert c["cost_usd"] == (10387 * Decimal("3") + 390 * Decimal("15")) / 10**6 + 2 * Decimal("0.01")
    _, (r,) = _ingest_cli(tmp_path / "b", [responses])
    assert r["web_searches"] == 2
    assert r["cost_usd"] == (1000 * Decimal("2.5") + 100 * Decimal("10")) / 10**6 + 2 * Decimal("0.01")
    deepseek = {"call_id": "d1", "ts": "2025-11-02T10:00:00Z", "model": "deepseek-chat", "status": "ok",
                "input_tokens": 100, "output_tokens": 10, "web_searches": 1}
    db, (d,) = _ingest_cli(tmp_path / "c", [deepseek])
    assert d["model_key"] == "deepseek-chat" and d["cost_usd"] is None  # unpriced, never charged without the fee
    from typer.testing import CliRunner

    from mmaudit.cli import app

    shown = CliRunner().invoke(app, ["prices", "unknown", "--db", str(db), "-f", "markdown"])
    assert "no web-search rate" in shown.stdout


def test_a_per_request_fee_is_billed_on_each_answered_call(tmp_path):
    # Perplexity's Sonar models bill a fee per request on top of the tokens (genai-prices
    # `requests_kcount`: sonar-pro $14 per 1,000, the highest search-context tier); the search a
    # Sonar call runs is part of that fee, not unpriced. A failed request pays no fee.
    answered = {"id": "pplx-a", "object": "chat.completion", "created": 1745000000, "model": "sonar-pro",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 12, "completion_tokens": 315, "total_tokens": 327}}
    failed = {"call_id": "f1", "ts": "2025-04-18T18:13:20Z", "model": "sonar-pro", "status": "error",
              "input_tokens": 0, "output_tokens": 0}
    searched = {"call_id": "s1", "ts": "2025-04-18T18:13:20Z", "model": "sonar", "status": "ok",
                "input_tokens": 100, "output_tokens": 10, "web_searches": 1}
    _, (a,) = _ingest_cli(tmp_path, [answered], "a.jsonl")
    assert a["cost_usd"] == (12 * Decimal("3") + 315 * Decimal("15")) / 10**6 + Decimal("0.014")  # $0.018761
    (tmp_path / "b").mkdir()
    _, (f, s) = _ingest_cli(tmp_path / "b", [failed, searched])
    assert f["cost_usd"] == 0
    assert s["cost_usd"] == (100 * Decimal("1") + 10 * Decimal("1")) / 10**6 + Decimal("0.012")


def test_perplexity_deep_research_bills_reasoning_citations_and_searches_apart(tmp_path):
    # The usage of a recorded sonar-deep-research answer (an agent trace's request/response pair):
    # reasoning and citation tokens are OUTSIDE completion_tokens (total = prompt + completion), each
    # at its own rate ($3 and $2 per 1M against $8 output), and 50 searches at $5 per 1,000.
    # Perplexity's own usage.cost (total 0.83704, rounded to 5 places) is the logged cost.
    record = {"request": {"model": "sonar-deep-research",
                          "messages": [{"role": "user", "content": "Survey recent work on protein folding."}]},
              "response": {"id": "0c3a1c2e-5e0b-4d2b-9d1a-2f4c9b7e8a11", "model": "sonar-deep-research",
                           "created": 1752000000, "object": "chat.completion",
                           "usage": {"prompt_tokens": 230, "completion_tokens": 13498, "total_tokens": 13728,
                                     "citation_tokens": 20470, "num_search_queries": 50, "reasoning_tokens": 145885,
                                     "cost": {"input_tokens_cost": 0.00046, "output_tokens_cost": 0.10798,
                                              "citation_tokens_cost": 0.04094, "reasoning_tokens_cost": 0.43766,
                                              "search_queries_cost": 0.25, "total_cost": 0.83704}},
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": "<think>...</think> Report"}}]}}
    sonar = {"id": "3f1c2a7e-0d4b-4c55-8b1e-6a2f9c0d1e22", "model": "sonar", "created": 1752000000,
             "object": "chat.completion",
             "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6, "search_context_size": "low",
                       "cost": {"input_tokens_cost": 1e-05, "output_tokens_cost": 0.0, "request_cost": 0.005,
                                "total_cost": 0.00501}},
             "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi"}}]}
    _, (deep, small) = _ingest_cli(tmp_path, [record, sonar])
    assert (deep["output_tokens"], deep["reasoning_tokens"], deep["citation_tokens"], deep["web_searches"]) == (
        13498 + 145885 + 20470, 145885, 20470, 50)
    assert deep["cost_usd"] == (230 * 2 + 13498 * 8 + 145885 * 3 + 20470 * 2) / Decimal(10**6) + 50 * Decimal("0.005")
    assert deep["cost_usd"] == Decimal("0.837039") and deep["logged_cost_usd"] == Decimal("0.83704")
    # sonar at low search context: tokens plus the low fee ($5 per 1,000; genai-prices lists only
    # the high one, $12): what Perplexity billed, to its rounding
    assert small["cost_usd"] == (5 * 1 + 1 * 1) / Decimal(10**6) + Decimal("0.005")
    assert small["logged_cost_usd"] == Decimal("0.00501") and small["web_searches"] == 0
    assert small["tags"] == {"search_context_size": "low"}


def test_prices_show_lists_request_fees_by_search_context_size():
    from typer.testing import CliRunner

    from mmaudit.cli import app

    shown = CliRunner().invoke(app, ["prices", "show", "sonar-pro", "-f", "markdown"])
    assert shown.exit_code == 0, shown.output
    assert "| Request $/1k | Request by search context $/1k |" in shown.stdout
    assert "| 14 | low 6, medium 10, high 14 |" in shown.stdout


def test_a_price_table_can_declare_per_request_and_web_search_fees(tmp_path):
    from typer.testing import CliRunner

    from mmaudit.cli import app

    table = tmp_path / "fees.yaml"
    table.write_text(
        "effective_from: 2025-01-01\nsource: our contract\ncurrency: USD\nmodels:\n"
        "  acme-search:\n    provider: acme\n    input: 1\n    output: 2\n"
        "    request_per_1k: 5\n    web_search_per_1k: 25\n    citation: 0.5\n", encoding="utf-8")
    records = [{"call_id": "x1", "ts": "2025-11-02T10:00:00Z", "provider": "acme", "model": "acme-search", "status": "ok",
                "input_tokens": 1000, "output_tokens": 100, "citation_tokens": 40, "web_searches": 2}]
    import duckdb

    from tests.conftest import write_jsonl

    db = tmp_path / "fees.duckdb"
    runner = CliRunner()
    done = runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "c.jsonl", records)), "--db", str(db),
                               "--prices", str(table), "-f", "json"])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        cost = con.execute("SELECT cost_usd FROM calls").fetchall()[0][0]
    finally:
        con.close()
    assert cost == (1000 * Decimal("1") + 60 * Decimal("2") + 40 * Decimal("0.5")) / 10**6 + Decimal("0.005") + 2 * Decimal("0.025")
    shown = runner.invoke(app, ["prices", "show", "acme-search", "--prices", str(table), "-f", "markdown"])
    assert shown.exit_code == 0, shown.output
    assert "| Web search $/1k | Request $/1k |" in shown.stdout and "| 25 | 5 |" in shown.stdout


def test_audio_tokens_are_billed_at_audio_rates(tmp_path):
    # Audio is part of the counts (prompt/completion tokens, promptTokenCount) and costs more than
    # text: gpt-4o-audio-preview-2024-10-01 $100/$200 per 1M audio against $2.50/$10 text (curated:
    # genai-prices has no audio price for it), gpt-audio $32/$64 and gemini-2.5-flash $1 audio input
    # against $0.30 text (genai-prices). Shapes as the APIs return them.
    haiku = {"id": "chatcmpl-a1", "object": "chat.completion", "created": 1729231143,
             "model": "gpt-4o-audio-preview-2024-10-01",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": None,
                                                  "audio": {"id": "audio_1", "data": "UklG", "transcript": "Digits"}},
                          "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 17, "completion_tokens": 181, "total_tokens": 198,
                       "prompt_tokens_details": {"cached_tokens": 0, "text_tokens": 17, "audio_tokens": 0},
                       "completion_tokens_details": {"reasoning_tokens": 0, "text_tokens": 33, "audio_tokens": 148}}}
    spoken = {"id": "chatcmpl-a2", "object": "chat.completion", "created": 1762077600, "model": "gpt-audio",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 64, "completion_tokens": 46, "total_tokens": 110,
                        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 44},
                        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 36}}}
    video = {"candidates": [{"content": {"parts": [{"text": "A demo of an agent."}], "role": "model"},
                             "finishReason": "STOP", "index": 0}],
             "modelVersion": "gemini-2.5-flash", "responseId": "nA-BaaeuIMS", "createTime": "2025-11-02T10:00:00Z",
             "usageMetadata": {"promptTokenCount": 17713, "candidatesTokenCount": 92, "thoughtsTokenCount": 1184,
                               "totalTokenCount": 18989,
                               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 16},
                                                       {"modality": "VIDEO", "tokenCount": 15780},
                                                       {"modality": "AUDIO", "tokenCount": 1917}]}}
    live = {"usage_metadata": {"prompt_token_count": 69, "response_token_count": 176, "total_token_count": 245,
                               "prompt_tokens_details": [{"modality": "AUDIO", "token_count": 58},
                                                         {"modality": "TEXT", "token_count": 11}],
                               "response_tokens_details": [{"modality": "TEXT", "token_count": 26},
                                                           {"modality": "AUDIO", "token_count": 150}]},
            "model_version": "gemini-2.5-flash", "timestamp": "2025-11-02T10:00:00Z"}
    for sub in ("a", "b", "c", "d"):
        (tmp_path / sub).mkdir()
    _, (h,) = _ingest_cli(tmp_path / "a", [haiku])
    assert (h["input_audio_tokens"], h["output_audio_tokens"]) == (0, 148)
    assert h["cost_usd"] == (17 * Decimal("2.5") + 33 * Decimal("10") + 148 * Decimal("200")) / 10**6  # $0.02997
    _, (s,) = _ingest_cli(tmp_path / "b", [spoken])
    assert s["cost_usd"] == (20 * Decimal("2.5") + 44 * Decimal("32") + 10 * Decimal("10") + 36 * Decimal("64")) / 10**6
    _, (v,) = _ingest_cli(tmp_path / "c", [video])
    assert (v["input_audio_tokens"], v["cached_audio_tokens"], v["output_audio_tokens"]) == (1917, 0, 0)
    assert v["cost_usd"] == (15796 * Decimal("0.3") + 1917 * Decimal("1") + 1276 * Decimal("2.5")) / 10**6
    _, (lv,) = _ingest_cli(tmp_path / "d", [live])  # the Live API names output responseTokenCount
    assert (lv["input_tokens"], lv["output_tokens"], lv["input_audio_tokens"], lv["output_audio_tokens"]) == (69, 176, 58, 150)


def test_cached_audio_and_a_table_audio_rate(con, bundled, tmp_path):
    # gpt-realtime: cache reads $0.40 (text and audio alike), audio in $32, out $64, text $4/$16; a
    # user's table can give a model audio rates (omitted: the text rate, as genai-prices does)
    con.execute("INSERT INTO calls (call_id, ts, provider, model, status, input_tokens, cached_input_tokens, "
                "output_tokens, input_audio_tokens, cached_audio_tokens, output_audio_tokens) VALUES "
                "('rt', TIMESTAMPTZ '2025-11-02 10:00:00+00', 'openai', 'gpt-realtime', 'ok', 132, 64, 188, 73, 64, 147),"
                "('mine', TIMESTAMPTZ '2025-11-02 10:00:00+00', 'acme', 'acme-voice', 'ok', 100, 0, 50, 60, 0, 40)")
    table = tmp_path / "acme.yaml"
    table.write_text(yaml.safe_dump({"effective_from": "2025-01-01", "source": "acme contract", "currency": "USD",
                                     "models": {"acme-voice": {"provider": "acme", "input": 1, "output": 2,
                                                               "input_audio": 10}}}), encoding="utf-8")
    got = {call_id: cost for call_id, (_, cost) in priced(con, load_catalog([table])).items()}
    assert got["rt"] == (59 * Decimal("4") + 64 * Decimal("0.4") + 9 * Decimal("32") + 41 * Decimal("16")
                         + 147 * Decimal("64")) / 10**6
    assert got["mine"] == (40 * Decimal("1") + 60 * Decimal("10") + 50 * Decimal("2")) / 10**6


def test_generated_images_are_billed_at_the_image_output_rate(tmp_path):
    # gemini-2.5-flash-image ("nano banana") bills generated image tokens at $30 per 1M against
    # $2.50 for text (genai-prices): one 1024x1024 image is 1,290 tokens, $0.0387, not $0.0032.
    image = {"candidates": [{"content": {"role": "model", "parts": [
                 {"text": "Here is your banana."}, {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]},
                 "finishReason": "STOP", "index": 0}],
             "modelVersion": "gemini-2.5-flash-image", "responseId": "img-1", "createTime": "2025-11-02T10:00:00Z",
             "usageMetadata": {"promptTokenCount": 270, "candidatesTokenCount": 1296, "totalTokenCount": 1566,
                               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 12},
                                                       {"modality": "IMAGE", "tokenCount": 258}],
                               "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 6},
                                                           {"modality": "IMAGE", "tokenCount": 1290}]}}
    _, (c,) = _ingest_cli(tmp_path, [image])
    assert (c["input_image_tokens"], c["output_image_tokens"], c["output_audio_tokens"]) == (258, 1290, 0)
    assert c["cost_usd"] == (270 * Decimal("0.3") + 6 * Decimal("2.5") + 1290 * Decimal("30")) / 10**6


def test_sonar_citation_tokens_are_free_since_perplexity_stopped_billing_them(tmp_path):
    # Perplexity's own docs sample of a sonar-pro answer (11 in, 401 out, 5,149 citation tokens, one
    # search, no search context size logged): since 2025-04-18 only sonar-deep-research bills citation
    # tokens; genai-prices' reading of a model without a citation price charged them as output ($15
    # per 1M here). Before that day the call keeps that reading.
    def answer(call_id: str, created: int) -> dict:
        return {"id": call_id, "model": "sonar-pro", "created": created, "object": "chat.completion",
                "usage": {"prompt_tokens": 11, "completion_tokens": 401, "total_tokens": 412, "citation_tokens": 5149,
                          "num_search_queries": 1},
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "..."}}]}

    _, (after, before) = _ingest_cli(tmp_path, [answer("after", 1760000000), answer("before", 1743529048)])
    fee = Decimal("0.014")  # genai-prices' request fee (the highest: no size logged)
    assert after["cost_usd"] == (11 * 3 + 401 * 15) / Decimal(10**6) + fee
    # (before 2025-04-18 a request that named no size paid Perplexity's legacy $5 per 1,000)
    assert before["cost_usd"] == (11 * 3 + (401 + 5149) * 15) / Decimal(10**6) + Decimal("0.005")


def test_prices_show_resolves_an_id_as_ingest_does_for_the_provider_named():
    # computer-use-preview is priced at ingest (the log names OpenAI, whose `computer-use` rule
    # matches it); an id alone names no provider, so `show` needs it to find the same price
    from typer.testing import CliRunner

    from mmaudit.cli import app

    runner = CliRunner()
    alone = runner.invoke(app, ["prices", "show", "computer-use-preview"])
    assert alone.exit_code == 2 and "--provider NAME" in alone.output and "Traceback" not in alone.output
    named = runner.invoke(app, ["prices", "show", "computer-use-preview", "--provider", "openai", "-f", "json"])
    assert named.exit_code == 0, named.output
    shown = json.loads(named.stdout)
    assert shown["model_key"] == "computer-use"
    assert {(r["input"], r["output"]) for r in shown["history"] if r["service_tier"] == "standard"} == {(3, 12)}


@pytest.mark.parametrize("tolerance", ["nan", "-1", "inf"])
def test_reconcile_refuses_a_tolerance_that_is_not_a_number_at_least_zero(tmp_path, tolerance):
    """`--tolerance nan` compared false with every difference: `--check` passed on any mismatch."""
    from typer.testing import CliRunner

    from mmaudit.cli import app

    db = tmp_path / "r.duckdb"
    connect(db).close()
    done = CliRunner().invoke(app, ["prices", "reconcile", "--db", str(db), "--tolerance", tolerance, "--check"])
    assert done.exit_code == 2 and isinstance(done.exception, SystemExit)
    assert "--tolerance: expected a number >= 0" in done.output


def test_reconcile_names_calls_that_log_a_cost_but_have_no_price(tmp_path):
    """Their logged spend was left out of every row and note, and --check passed."""
    from typer.testing import CliRunner

    from mmaudit.cli import app
    from tests.conftest import write_jsonl

    def helicone(i: str, model: str, cost: float) -> dict:
        return {"request_id": i, "request_created_at": "2025-05-01T09:00:00Z", "response_status": 200, "delay_ms": 400,
                "provider": "OPENAI", "model": model, "prompt_tokens": 1000, "prompt_cache_read_tokens": 0,
                "prompt_cache_write_tokens": 0, "completion_tokens": 100, "cost": cost}
    db = tmp_path / "h.duckdb"
    log = write_jsonl(tmp_path / "h.jsonl", [helicone("h1", "mystery-model-9", 5.0), helicone("h2", "gpt-4o-mini", 0.00021)])
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(log), "--db", str(db)]).exit_code == 0
    shown = runner.invoke(app, ["prices", "reconcile", "--db", str(db), "--check", "--format", "json"])
    assert shown.exit_code == 1
    data = json.loads(shown.stdout)
    assert [m["model"] for m in data["models"]] == ["gpt-4o-mini"] and data["models"][0]["mismatched_calls"] == 0
    assert data["unpriced_with_logged_cost"] == [{"model": "mystery-model-9", "calls": 1, "logged_usd": 5.0}]
    table = runner.invoke(app, ["prices", "reconcile", "--db", str(db)], env={"COLUMNS": "200"})
    assert "1 call(s) log a cost ($5.00) but have no calculated price, so they are not compared: mystery-model-9" in table.stdout


def test_prices_list_and_models_show_todays_price_not_one_published_ahead(tmp_path):
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from mmaudit.cli import app
    from mmaudit.pricing.views import per_million

    now = datetime.now(UTC)
    (tmp_path / "now.yaml").write_text(f"effective_from: 2020-01-01\neffective_to: {now.year + 2}-01-01\nsource: test\n"
                                       "currency: USD\nmodels:\n  acme-one: {provider: acme, input: 1, output: 2}\n")
    (tmp_path / "later.yaml").write_text(f"effective_from: {now.year + 2}-01-01\nsource: test\ncurrency: USD\n"
                                         "models:\n  acme-one: {provider: acme, input: 10, output: 20}\n")
    prices = ["--prices", str(tmp_path / "now.yaml"), "--prices", str(tmp_path / "later.yaml")]
    listed = json.loads(CliRunner().invoke(app, ["prices", "list", "acme-one", *prices, "-f", "json"]).stdout)
    rows = listed["models"]
    # the row from two years ahead was shown as today's
    assert [(r["input"], r["output"]) for r in rows if r["model_key"] == "acme-one"] == [(1, 2)]
    models = CliRunner().invoke(app, ["models", "--all", *prices, "--db", str(tmp_path / "m.duckdb"), "-f", "json"])
    [acme] = [m for m in json.loads(models.stdout)["models"] if m["model_key"] == "acme-one"]
    assert (acme["input"], acme["output"]) == (1, 2)
    assert str(per_million(Decimal("0.00001"))) == "10"  # `normalize` alone wrote $10 as 1E+1


def test_prices_unknown_reads_the_tables_the_store_was_priced_with(tmp_path):
    from typer.testing import CliRunner

    from mmaudit.cli import app
    from tests.conftest import write_jsonl

    # acme-one is priced only by the user's table, for standard calls: its batch call has no rate
    table = tmp_path / "mine.yaml"
    table.write_text("effective_from: 2020-01-01\nsource: test\ncurrency: USD\n"
                     "models:\n  acme-one: {provider: acme, input: 1, output: 2}\n")
    calls = [{"call_id": f"a{i}", "ts": "2025-05-01T10:00:00Z", "provider": "acme", "model": "acme-one", "status": "ok",
              "input_tokens": 100, "output_tokens": 10, "is_batch": i == 0} for i in range(3)]
    db = tmp_path / "p.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "c.jsonl", calls)), "--db", str(db),
                               "--prices", str(table)]).exit_code == 0
    mine = json.loads(runner.invoke(app, ["prices", "unknown", "--db", str(db), "--prices", str(table), "-f", "json"]).stdout)
    # with the bundled tables alone the batch call vanished from the list: empty lists, exit 0
    assert [(r["model"], r["calls"]) for r in mine["unpriced_calls"]] == [("acme-one", 1)]
    assert mine["priced_since"] == 0


def test_registry_tiers_follow_the_quality_priors_they_sit_beside():
    """No `small` model's default prior reaches the least of the frontier's: gemini-2.5-pro (0.964,
    a reasoning model) and gemini-1.5-pro (0.91) were filed `small`."""
    import yaml

    registry = yaml.safe_load((Path(__file__).resolve().parents[1] / "mmaudit" / "data" / "registry" / "models.yaml")
                              .read_text())["registry"]
    by_tier: dict[str, dict[str, float]] = {}
    for name, entry in registry.items():
        by_tier.setdefault(entry.get("tier"), {})[name] = entry["quality"]["default"]
    top_small = max(by_tier["small"].items(), key=lambda kv: kv[1])
    assert top_small[1] < min(by_tier["frontier"].values()), top_small
