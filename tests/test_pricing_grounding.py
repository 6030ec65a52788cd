"""Grounding with Google Search: a Gemini response lists the queries it ran in
`candidates[].groundingMetadata.webSearchQueries` (snake_case in google-genai dumps), which ingest
counts into `web_searches`. Google bills them per query on Gemini 3 ($14 per 1,000) and once per
request that searched on Gemini 2.x ($35 per 1,000 grounded prompts), however many queries it ran
(mmaudit/data/pricing/search_billing.yaml). The fee dwarfs the tokens: a grounded gemini-2.5-flash
call with 10 input and 20 output tokens costs $0.000053 in tokens and $0.035 for the search.

Bodies follow the Gemini API reference (GroundingMetadata.webSearchQueries) and google-genai's
`types.GroundingMetadata.web_search_queries`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl
from tests.test_simulate import _keep_and_move

TS = "2026-11-02T10:00:00Z"


def grounded(call_id: str, model: str, queries: list[str], *, snake: bool = False) -> dict:
    if snake:
        return {"response_id": call_id, "model_version": model, "create_time": TS,
                "candidates": [{"content": {"role": "model", "parts": [{"text": "Spain."}]}, "finish_reason": "STOP",
                                "grounding_metadata": {"web_search_queries": queries}}],
                "usage_metadata": {"prompt_token_count": 10, "candidates_token_count": 20}}
    candidate = {"content": {"role": "model", "parts": [{"text": "Spain."}]}, "finishReason": "STOP"}
    if queries:
        candidate["groundingMetadata"] = {"webSearchQueries": queries,
                                          "groundingChunks": [{"web": {"uri": "https://uefa.com", "title": "UEFA"}}]}
    return {"responseId": call_id, "modelVersion": model, "createTime": TS, "candidates": [candidate],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 20, "totalTokenCount": 30}}


def ingest(tmp_path: Path, records: list[dict]) -> list[dict]:
    db = tmp_path / "calls.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "g.jsonl", records)), "--db", str(db), "-f", "json"])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        return rows(con, "SELECT call_id, web_searches, cost_usd FROM calls ORDER BY call_id")
    finally:
        con.close()


FLASH_TOKENS = (10 * Decimal("0.3") + 20 * Decimal("2.5")) / 10**6  # gemini-2.5-flash
PRO3_TOKENS = (10 * Decimal(2) + 20 * Decimal(12)) / 10**6  # gemini-3-pro-preview


def test_grounded_calls_pay_per_grounded_prompt_on_2x_and_per_query_on_3(tmp_path):
    stored = ingest(tmp_path, [
        grounded("a-25", "gemini-2.5-flash", ["who won euro 2024", "euro 2024 final score"]),
        grounded("b-25-snake", "gemini-2.5-flash", ["a", "b", "c"], snake=True),
        grounded("c-3", "gemini-3-pro-preview", ["who won euro 2024", "euro 2024 final score", "top scorer"]),
        grounded("d-plain", "gemini-2.5-flash", []),
    ])
    assert stored == [
        {"call_id": "a-25", "web_searches": 2, "cost_usd": FLASH_TOKENS + Decimal("0.035")},  # one grounded prompt
        {"call_id": "b-25-snake", "web_searches": 3, "cost_usd": FLASH_TOKENS + Decimal("0.035")},
        {"call_id": "c-3", "web_searches": 3, "cost_usd": PRO3_TOKENS + 3 * Decimal("0.014")},  # three queries
        {"call_id": "d-plain", "web_searches": 0, "cost_usd": FLASH_TOKENS},
    ]


@pytest.mark.parametrize(("model", "to", "fee"), [
    ("gemini-2.5-flash", "gemini-3-pro-preview", 3 * Decimal("0.014")),  # moved to Gemini 3: per query
    ("gemini-3-pro-preview", "gemini-2.5-pro", Decimal("0.035")),  # moved to 2.5: once per grounded call
])
def test_a_replay_bills_searches_the_way_the_answering_model_does(tmp_path, model, to, fee):
    for sub in ("g", "p"):
        (tmp_path / sub).mkdir()
    searched = _keep_and_move(tmp_path / "g", [grounded("g1", model, ["q1", "q2", "q3"])], to)
    plain = _keep_and_move(tmp_path / "p", [grounded("p1", model, [])], to)
    # kept where it was, the replay costs what ingest billed, grounding fee included
    assert searched["keep"]["projected_cost_usd"] == searched["keep"]["baseline_cost_usd"]
    billed = (FLASH_TOKENS + Decimal("0.035")) if model == "gemini-2.5-flash" else PRO3_TOKENS + 3 * Decimal("0.014")
    assert Decimal(str(searched["keep"]["baseline_cost_usd"])) == billed
    # moved, the same call with and without its searches differ by the answering model's fee
    moved = Decimal(str(searched["move"]["projected_cost_usd"])) - Decimal(str(plain["move"]["projected_cost_usd"]))
    assert moved == fee


def test_a_recorded_grounded_answer_pays_its_grounding_fee(tmp_path):
    # The usage and queries of a live gemini-2.5-pro answer recorded with the googleSearch tool
    # (pydantic-ai's cassette test_google_model_web_search_tool.yaml, 2025-12-08): 17 prompt + 109
    # tool-use prompt tokens, 225 candidates + 167 thoughts, one query. Tokens $0.0040775
    # (126 x $1.25 + 392 x $10 per 1M); with the grounded prompt, $0.0390775, ten times more.
    body = {"responseId": "iRI3abXwJsifz7IPzcqYsQc", "modelVersion": "gemini-2.5-pro",
            "candidates": [{"content": {"role": "model", "parts": [{"text": "Partly cloudy, 48F."}]}, "finishReason": "STOP",
                            "index": 0, "groundingMetadata": {
                                "groundingChunks": [{"web": {"title": "Weather information for San Francisco, CA, US",
                                                             "uri": "https://www.google.com/search?q=weather"}}],
                                "webSearchQueries": ["weather in San Francisco today"]}}],
            "usageMetadata": {"candidatesTokenCount": 225, "promptTokenCount": 17, "thoughtsTokenCount": 167,
                              "toolUsePromptTokenCount": 109, "totalTokenCount": 518,
                              "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 17}],
                              "toolUsePromptTokensDetails": [{"modality": "TEXT", "tokenCount": 109}]}}
    pair = {"timestamp": "2025-12-08T18:01:00Z", "request": {"model": "gemini-2.5-pro"}, "response": body}
    assert ingest(tmp_path, [pair]) == [
        {"call_id": "iRI3abXwJsifz7IPzcqYsQc", "web_searches": 1, "cost_usd": Decimal("0.0390775")}]
