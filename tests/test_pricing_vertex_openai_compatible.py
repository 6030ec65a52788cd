"""Gemini through Vertex AI's OpenAI-compatible endpoint (`.../endpoints/openapi/chat/completions`,
Google's "Call Vertex AI models by using the OpenAI library"): the body is OpenAI's chat shape and
names the model `google/<id>`, the address says Vertex served it. Vertex prices some Gemini models
above the Gemini API (mmaudit/data/pricing/overrides/vertex-gemini-2.0-flash.yaml: $0.15 / $0.60
against $0.10 / $0.40 per 1M), and such a call took the Gemini API's rate: the `google/` prefix
decided, the provider the address names did not.

The exchange is built in the endpoint's documented form (no recording of one was found); the
body is the chat completion every OpenAI-compatible server answers.
"""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

_URL = ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/"
        "endpoints/openapi/chat/completions")


def _exchange(model: str) -> dict:
    return {"timestamp": "2026-06-01T12:00:00Z",
            "request": {"url": _URL, "method": "POST",
                        "body": {"model": model, "messages": [{"role": "user", "content": "Why is the sky blue?"}]}},
            "response": {"status": 200, "body": {
                "id": "chatcmpl-vertex-1", "object": "chat.completion", "created": 1780315200, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Rayleigh scattering."},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 600, "completion_tokens": 200, "total_tokens": 800}}}}


def test_gemini_on_vertexs_openai_endpoint_takes_vertexs_price(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "vertex.jsonl", [_exchange("google/gemini-2.0-flash-001")]), enrichers=enrichers())
    (call,) = db.calls()
    assert (call["provider"], call["input_tokens"], call["output_tokens"]) == ("vertex", 600, 200)
    # Vertex's $0.15 in / $0.60 out per 1M; the Gemini API's $0.10 / $0.40 would be $0.00014
    assert call["cost_usd"] == Decimal("0.00021")


def test_the_same_id_through_another_seller_keeps_the_gemini_apis_price(db, tmp_path):
    line = {"timestamp": "2026-06-01T12:00:00Z", "provider": "google",
            "request": {"model": "google/gemini-2.0-flash-001", "messages": [{"role": "user", "content": "hi"}]},
            "response": _exchange("google/gemini-2.0-flash-001")["response"]["body"]}
    db.ingest(write_jsonl(tmp_path / "google.jsonl", [line]), enrichers=enrichers())
    (call,) = db.calls()
    assert call["cost_usd"] == Decimal("0.00014")
