"""Gemini API embeddings (`:batchEmbedContents`, `:embedContent`) as captured exchanges: the answer
counts no tokens, so the call is an embedding whose input is estimated from the text it embedded
(`gemini` format). Before, such a file was refused whole (no format) and the billed call dropped.

Record: tmc/langchaingo, llms/googleai/testdata/TestGoogleAICreateEmbedding.httprr @
064f09155cb95bdde8fcd3867ab873f0eed40cb4 (an httprr recording of a live call; the vectors trimmed
to two values each).
"""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

_VECTOR = {"values": [-0.024183841, 0.0098769935]}
BATCH = {"request": {"url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents",
                     "method": "POST",
                     "body": {"requests": [{"content": {"parts": [{"text": t}], "role": "user"}, "model": "models/gemini-embedding-001"}
                                           for t in ("hello world", "goodbye world", "hello world")]}},
         "response": {"status": 200, "headers": {"Content-Type": "application/json; charset=UTF-8",
                                                 "Date": "Tue, 04 Aug 2026 09:55:04 GMT"},
                      "body": {"embeddings": [_VECTOR, _VECTOR, _VECTOR]}}}


def test_a_gemini_embeddings_answer_is_an_embedding_call_with_estimated_input(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "embed.jsonl", [BATCH]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded) == ("gemini", 1)
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["operation"], call["status"]) == (
        "google", "gemini-embedding-001", "embedding", "ok")
    assert call["tokens_estimated"] and call["input_tokens"] > 0 and call["output_tokens"] == 0
    # $0.15 per 1M input tokens (genai-prices), on the estimated count
    assert call["cost_usd"] == Decimal(call["input_tokens"]) * Decimal("0.15") / 1_000_000
    assert str(call["ts"]).startswith("2026-08-04 09:55:04")
