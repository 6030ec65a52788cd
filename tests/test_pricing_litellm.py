"""`prices import-litellm` on LiteLLM's current price map, and its costs against LiteLLM's own.

The map is the one in the installed `litellm` package (no network). LiteLLM is a test-only
dependency here; tests skip when it is not installed. Documented differences:
- batch and service-tier (flex/priority) prices are not compared: LiteLLM's `cost_per_token`
  prices them from a call's `service_tier`, which its plain API does not take for batch;
- LiteLLM floats vs our exact decimals: equal to 1e-9 USD; prices finer than 1e-6 USD per 1M
  tokens are rounded to 6 places on import (the table's precision);
- entries LiteLLM itself resolves to another entry when called by name are left out (counted),
  e.g. `gemini-exp-1206`, which `cost_per_token` prices from the free `gemini/gemini-exp-1206`;
- LiteLLM prices DeepSeek's `off_peak_pricing` from the wall clock, so the grid is priced by
  both at the same instant (now); a call within a second of a window boundary could differ.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import warnings
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from mmaudit.config import validate
from mmaudit.pricing import PriceTable, import_litellm, load_catalog, register_prices
from mmaudit.pricing.litellm import split_report
from mmaudit.pricing.sql import cost_sql, rate_window_sql
from mmaudit.store import connect

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # the installed map, never the network
# Found, not imported: importing LiteLLM takes seconds, and every test worker collects this module;
# only the test that calls LiteLLM imports it (the `litellm` fixture).
SPEC = importlib.util.find_spec("litellm")
pytestmark = pytest.mark.skipif(SPEC is None, reason="litellm is not installed (pip install '.[test]')")
MAP = Path(SPEC.origin).parent / "model_prices_and_context_window_backup.json" if SPEC and SPEC.origin else Path()
MAJOR = {"openai", "anthropic", "gemini", "vertex_ai-language-models", "vertex_ai-anthropic_models", "bedrock",
         "bedrock_converse", "deepseek", "mistral", "xai"}


@pytest.fixture(scope="module")
def litellm():
    return importlib.import_module("litellm")


@pytest.fixture(scope="module")
def imported():
    doc, skipped = split_report(import_litellm(MAP))
    return validate(PriceTable, doc, str(MAP)), skipped


def test_import_of_the_current_map_succeeds_and_reports_skips(imported):
    table, skipped = imported
    raw = json.loads(MAP.read_text(encoding="utf-8"))
    assert len(table.models) > 3000
    assert len(table.models) + len(skipped) == len(raw) - 1  # every entry but sample_spec: imported or skipped
    assert all(s["reason"] for s in skipped)
    zero_window = [k for k, v in raw.items() if isinstance(v, dict) and v.get("max_input_tokens") == 0
                   and v.get("mode") == "chat" and "input_cost_per_token" in v]
    assert zero_window and all(k.lower() in table.models for k in zero_window)  # no longer abort the import
    dims = {"threshold": 0, "two tiers": 0, "batch": 0, "1h": 0, "reasoning": 0}
    for m in table.models.values():
        dims["threshold"] += m.long_context is not None and m.long_context.threshold != 200000
        dims["two tiers"] += m.long_context_2 is not None
        dims["batch"] += m.batch is not None
        dims["1h"] += m.cache_write_1h is not None
        dims["reasoning"] += m.reasoning is not None
    assert all(n > 0 for n in dims.values()), dims


def test_cli_import_then_ingest_with_it(tmp_path):
    from typer.testing import CliRunner

    from mmaudit.cli import app

    runner = CliRunner()
    out = tmp_path / "litellm.yaml"
    result = runner.invoke(app, ["prices", "import-litellm", str(MAP), "--out", str(out), "--effective-from", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and yaml.safe_load(out.read_text())["effective_from"] == "2026-01-01"
    bad = runner.invoke(app, ["prices", "import-litellm", str(MAP), "--out", str(tmp_path / "b.yaml"),
                              "--effective-from", "2025-13-01"])
    assert bad.exit_code == 2 and "--effective-from: expected a date YYYY-MM-DD, found '2025-13-01'" in bad.output
    log = tmp_path / "calls.jsonl"  # gpt-4o-mini-2024-07-18 is a LiteLLM key and a bundled id: the user table wins
    log.write_text(json.dumps({"call_id": "a", "ts": "2026-02-01T00:00:00Z", "model": "gpt-4o-mini-2024-07-18",
                               "status": "ok", "input_tokens": 1000, "output_tokens": 1000}) + "\n")
    db = tmp_path / "x.duckdb"
    ingested = runner.invoke(app, ["ingest", str(log), "--db", str(db), "--prices", str(out), "-f", "json"])
    assert ingested.exit_code == 0, ingested.output
    con = connect(db, read_only=True)
    row = con.execute("SELECT model_key, cost_usd FROM calls").fetchall()[0]
    con.close()
    # LiteLLM: gpt-4o-mini-2024-07-18 at $0.15 / $0.60: 1000 x 0.15 + 1000 x 0.60 = 750 / 1e6
    assert row == ("gpt-4o-mini-2024-07-18", Decimal("0.00075"))


def _shapes(model) -> list[tuple[str, int, int, int, int]]:
    shapes = [("plain", 1200, 0, 0, 300), ("cache read", 5000, 4000, 0, 200)]
    if model.cache_write is not None:
        shapes.append(("cache write", 5000, 0, 3000, 200))
    for lc in model.tiers():
        for d, name in ((-1, "minus one"), (0, "at"), (1, "plus one")):
            shapes.append((f"threshold {lc.threshold} {name}", lc.threshold + d, 1000, 0, 700))
    return shapes


def test_costs_equal_litellm_cost_per_token(imported, litellm):
    table, _ = imported
    raw = json.loads(MAP.read_text(encoding="utf-8"))
    names = {k.lower(): k for k in raw}
    grid: dict[str, list] = {c: [] for c in ("key", "shape", "inp", "cr", "cw", "out", "expected")}
    left_out = 0
    now = datetime.now(UTC)  # LiteLLM prices off-peak hours from the wall clock: price both at this instant
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, model in table.models.items():
            name = names.get(key, (model.aliases or [key])[0])
            spec = raw.get(name, {})
            if model.provider not in MAJOR or spec.get("mode", "chat") != "chat":
                continue
            try:
                info = litellm.get_model_info(name, custom_llm_provider=model.provider)
            except Exception:  # noqa: BLE001
                info = {}
            if info.get("input_cost_per_token") != spec.get("input_cost_per_token"):
                left_out += 1  # LiteLLM resolves this name to another entry
                continue
            for shape, inp, cr, cw, out in _shapes(model):
                try:
                    prompt, completion = litellm.cost_per_token(
                        model=name, prompt_tokens=inp, completion_tokens=out, cache_read_input_tokens=cr,
                        cache_creation_input_tokens=cw, custom_llm_provider=model.provider)
                except Exception:  # noqa: BLE001 - LiteLLM cannot price its own entry by name
                    left_out += 1
                    continue
                for col, value in zip(grid, (key, shape, inp, cr, cw, out, Decimal(repr(prompt + completion))), strict=True):
                    grid[col].append(value)
    catalog = load_catalog(include_bundled=False, extra_tables=[("litellm", table)])
    con = connect(":memory:")
    register_prices(con, catalog)
    arrow = pa.table(grid)  # noqa: F841 - read by the query below
    con.execute("CREATE TEMP TABLE g AS SELECT * FROM arrow")
    rows = con.execute(f"""
        SELECT g.key, g.shape, g.expected, {cost_sql('r', 'g.inp', 'g.cr', 'g.cw', 'g.out', 'false')} AS ours
        FROM g CROSS JOIN (SELECT ?::TIMESTAMPTZ AS now) n
        LEFT JOIN price_rates r ON r.model_key = g.key AND {rate_window_sql('r', "n.now")}
        """, [now]).fetchall()
    con.close()
    diffs = [r for r in rows if r[3] is None or abs(r[3] - r[2]) > Decimal("1e-9")]
    assert len(rows) > 2000 and left_out < len(rows) / 10
    assert diffs == []
