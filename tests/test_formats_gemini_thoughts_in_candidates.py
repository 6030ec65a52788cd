"""Gemini's first thinking previews counted the thoughts inside `candidatesTokenCount`.

The bodies are crewAI's recordings of real calls (crewAIInc/crewAI, tests/cassettes/
test_gemini_models[gemini-gemini-2.5-flash-preview-04-17].yaml at 94a02bd and
[gemini-gemini-2.5-pro-exp-03-25].yaml at 9b96f35, 22 April 2025; lib/crewai/tests/cassettes/llms/
google/test_gemini_cached_prompt_tokens.yaml at 5ec0869, February 2026), usage kept verbatim. In
the April 2025 answers totalTokenCount = prompt + candidates (8 + 87 = 95, with 79 thoughts): the
thoughts are part of the 87. Today's answers count them apart (1135 + 3 + 26 = 1164). Before, the
thoughts were added to the candidates in both, so the previews' output was counted nearly twice."""

from __future__ import annotations

import json
from decimal import Decimal

from mmaudit.enrich import enrichers


def _exchange(model: str, usage: dict, answer: str = "The capital of France is **Paris**.") -> dict:
    return {"request": {"url": f"https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent",
                        "method": "POST",
                        "body": {"contents": [{"role": "user", "parts": [{"text": "What is the capital of France?"}]}]}},
            "response": {"status": 200, "headers": {"Date": "Tue, 22 Apr 2025 13:43:51 GMT"},
                         "body": {"candidates": [{"content": {"parts": [{"text": answer}], "role": "model"},
                                                  "finishReason": "STOP", "index": 0}],
                                  "usageMetadata": usage, "modelVersion": model}}}


FLASH_PREVIEW = _exchange("gemini-2.5-flash-preview-04-17", {
    "promptTokenCount": 8, "candidatesTokenCount": 87, "totalTokenCount": 95,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}], "thoughtsTokenCount": 79})
PRO_EXP = _exchange("gemini-2.5-pro-exp-03-25", {
    "promptTokenCount": 8, "candidatesTokenCount": 106, "totalTokenCount": 114,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}], "thoughtsTokenCount": 98})
TODAY = _exchange("gemini-2.5-flash", {
    "promptTokenCount": 1135, "candidatesTokenCount": 3, "totalTokenCount": 1164,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1135}], "thoughtsTokenCount": 26}, "Farewell.")


def test_thoughts_inside_the_candidates_are_counted_once_and_apart_ones_are_added(db, tmp_path):
    path = tmp_path / "crewai-gemini.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in (FLASH_PREVIEW, PRO_EXP, TODAY)), encoding="utf-8")
    (file,) = db.ingest(path, enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("gemini", 3, 0)
    calls = {c["model"]: c for c in db.calls()}
    read = {m: (c["input_tokens"], c["output_tokens"], c["reasoning_tokens"], c["cost_usd"]) for m, c in calls.items()}
    assert read == {
        # 8 x $0.15 + 87 x $0.60 per 1M (the preview's rates in genai-prices); was 166 out, $0.0001008
        "gemini-2.5-flash-preview-04-17": (8, 87, 79, Decimal("0.0000534")),
        # priced as gemini-2.5-pro: 8 x $1.25 + 106 x $10 per 1M; was 204 out, $0.00205
        "gemini-2.5-pro-exp-03-25": (8, 106, 98, Decimal("0.00107")),
        # thoughts apart, as Gemini counts them today: 3 + 26 out; 1135 x $0.30 + 29 x $2.50 per 1M
        "gemini-2.5-flash": (1135, 29, 26, Decimal("0.0004130")),
    }
