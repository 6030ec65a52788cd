"""OpenAI's file search tool: each `file_search_call` item of a Responses body's `output` is one
tool call, billed on top of the tokens at genai-prices' `storage_searches_kcount` ($2.50 per
1,000 on gpt-4.1-mini and other Responses models). A RAG answer on gpt-4.1-mini with 2,000 input
and 200 output tokens costs $0.00112 of tokens; its two file searches add $0.005, four times more.

Bodies follow openai-python's `types/responses/response_file_search_tool_call.py`
(`{"type": "file_search_call", "id", "queries", "status", "results"}`)."""

from __future__ import annotations

import json
from decimal import Decimal

from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.pricing import unpriced_calls
from tests.conftest import rows
from tests.test_pricing_fast_mode import ingest
from tests.test_simulate import _keep_and_move


def answer(call_id: str, searches: int, model: str = "gpt-4.1-mini") -> dict:
    calls = [{"type": "file_search_call", "id": f"fs_{call_id}_{i}", "status": "completed",
              "queries": ["refund policy"], "results": None} for i in range(searches)]
    message = {"type": "message", "id": f"msg_{call_id}", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": "Refunds within 30 days.", "annotations": []}]}
    return {"id": call_id, "object": "response", "created_at": 1793613600, "model": model, "status": "completed",
            "output": [*calls, message], "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}],
            "usage": {"input_tokens": 2000, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 200,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 2200}}


TOKENS = (2000 * Decimal("0.4") + 200 * Decimal("1.6")) / 10**6  # gpt-4.1-mini: $0.40 / $1.60 per 1M


def test_each_file_search_call_is_billed(tmp_path):
    con = ingest(tmp_path, {"r.jsonl": [answer("resp_a", 2), answer("resp_b", 0)]})
    assert rows(con, "SELECT call_id, file_searches, web_searches, cost_usd FROM calls ORDER BY call_id") == [
        {"call_id": "resp_a", "file_searches": 2, "web_searches": 0, "cost_usd": TOKENS + 2 * Decimal("0.0025")},
        {"call_id": "resp_b", "file_searches": 0, "web_searches": 0, "cost_usd": TOKENS},
    ]
    assert TOKENS == Decimal("0.00112")


def test_a_file_search_on_a_model_without_its_rate_is_unpriced(tmp_path):
    # gpt-4o-search-preview has no file-search fee on record: charging its tokens alone would hide the searches
    con = ingest(tmp_path, {"r.jsonl": [answer("resp_x", 1, "gpt-4o-search-preview")]})
    [unpriced] = unpriced_calls(con)
    assert unpriced["reason"] == "no file-search rate (the call ran file searches)"


def test_replays_bill_file_searches_on_the_answering_model(tmp_path):
    for sub in ("s", "p"):
        (tmp_path / sub).mkdir()
    searched = _keep_and_move(tmp_path / "s", [answer("resp_s", 3)], "gpt-5-mini")
    plain = _keep_and_move(tmp_path / "p", [answer("resp_p", 0)], "gpt-5-mini")
    assert Decimal(str(searched["keep"]["baseline_cost_usd"])) == TOKENS + 3 * Decimal("0.0025")
    assert searched["keep"]["projected_cost_usd"] == searched["keep"]["baseline_cost_usd"]
    moved = Decimal(str(searched["move"]["projected_cost_usd"])) - Decimal(str(plain["move"]["projected_cost_usd"]))
    assert moved == 3 * Decimal("0.0025")  # gpt-5-mini's file-search fee is $2.50 per 1,000 too


def test_canonical_logs_carry_file_searches_and_prices_show_the_fee(tmp_path):
    from tests.conftest import write_jsonl

    record = {"call_id": "k1", "ts": "2026-11-02T10:00:00Z", "model": "gpt-4.1-mini", "status": "ok",
              "input_tokens": 2000, "output_tokens": 200, "file_searches": 2}
    db = tmp_path / "k.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "k.jsonl", [record])), "--db", str(db), "-f", "json"])
    assert done.exit_code == 0, done.output
    shown = CliRunner().invoke(app, ["prices", "show", "gpt-4.1-mini", "-f", "json"])
    assert {r["file_search_per_1k"] for r in json.loads(shown.stdout)["history"]} == {2.5}
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT cost_usd FROM calls").fetchall() == [(TOKENS + Decimal("0.005"),)]
    con.close()


def test_a_recorded_file_search_answer_is_priced(tmp_path):
    # The body of a live Responses call with the file_search tool (pydantic-ai's cassette
    # test_openai_responses_model_file_search_tool_with_results.yaml, 2025-12-10): gpt-4o, which
    # the API reports as gpt-4o-2024-08-06, 1,178 tokens in, 45 out, one file_search_call. Tokens
    # $0.003395 ($2.50 / $10 per 1M) and the search $0.0025. Our override for that snapshot had
    # no tool fees, so the call was unpriced.
    body = {"id": "resp_08aa886305ae5628006939ad6b52b4819a9854a8383e4ef8f7", "object": "response",
            "created_at": 1765387627, "model": "gpt-4o-2024-08-06", "status": "completed", "service_tier": "default",
            "output": [{"id": "fs_08aa88", "type": "file_search_call", "status": "completed",
                        "queries": ["What is the capital of France?"], "results": []},
                       {"id": "msg_08aa88", "type": "message", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": "The capital of France is Paris.", "annotations": []}]}],
            "usage": {"input_tokens": 1178, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 45,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 1223}}
    con = ingest(tmp_path, {"r.jsonl": [body]})
    assert rows(con, "SELECT file_searches, cost_usd FROM calls") == [{"file_searches": 1, "cost_usd": Decimal("0.005895")}]
