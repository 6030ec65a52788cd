"""Fees per server-side tool call that genai-prices lists no price for
(mmaudit/data/pricing/tool_fees.yaml): xAI's web and X searches, $5 per 1,000 calls since its
Agent Tools API left its free launch period (2025-12-03)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import write_jsonl

# vercel/ai's recorded grok-4.6 Responses call (packages/xai/src/responses/__fixtures__/
# issue-19652-live-generate.json): one web search, and xAI's own bill of it in ticks (1e-10 USD)
USAGE = {"input_tokens": 5165, "input_tokens_details": {"cached_tokens": 1152}, "output_tokens": 891,
         "output_tokens_details": {"reasoning_tokens": 860}, "total_tokens": 6056, "num_sources_used": 0,
         "num_server_side_tools_used": 1, "cost_in_usd_ticks": 189480000,
         "server_side_tool_usage_details": {"web_search_calls": 1, "x_search_calls": 0, "code_interpreter_calls": 0}}


def body(call_id: str, day: datetime) -> dict:
    return {"id": call_id, "object": "response", "created_at": int(day.timestamp()), "model": "grok-4.6",
            "status": "completed", "output": [], "usage": USAGE}


def test_an_xai_web_search_is_billed_as_xai_billed_it(tmp_path):
    db = tmp_path / "x.duckdb"
    logs = write_jsonl(tmp_path / "xai.jsonl", [body("after", datetime(2026, 6, 1, tzinfo=UTC)),
                                                 body("before", datetime(2025, 11, 25, tzinfo=UTC))])
    assert CliRunner().invoke(app, ["ingest", str(logs), "--db", str(db)]).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        got = {r[0]: r[1:] for r in con.execute("SELECT call_id, web_searches, cost_usd, logged_cost_usd FROM calls").fetchall()}
    # tokens at genai-prices' grok-4.6 rates ($0.013948) + one search at $5 per 1,000: xAI's own bill
    assert got["after"] == (1, Decimal("0.018948"), Decimal("0.018948"))
    # in the launch period (free) and before it (Live Search, billed per source) no fee is known:
    # unpriced, and said so, rather than priced without its search
    assert got["before"][1] is None
    unknown = CliRunner().invoke(app, ["prices", "unknown", "--db", str(db)])
    assert "no web-search rate" in unknown.stdout
