"""OpenAI Images API responses: the model from the pair's request, image tokens at image rates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl
from tests.test_formats_helpers import ANY, assert_calls

EDIT = {"timestamp": "2025-11-02T10:00:00Z", "latency_ms": 41000,
        "request": {"model": "gpt-image-1", "prompt": "Put the logo on a mug", "size": "1024x1024", "quality": "high"},
        "response": {"created": 1762077600, "background": "opaque", "output_format": "png", "quality": "high",
                     "size": "1024x1024", "data": [{"b64_json": "iVBORw0KGgo="}],
                     "usage": {"total_tokens": 4683, "input_tokens": 523, "output_tokens": 4160,
                               "input_tokens_details": {"text_tokens": 10, "image_tokens": 513}}}}
BARE = {"created": 1762077700, "data": [{"url": "https://example.invalid/a.png"}],
        "usage": {"total_tokens": 1066, "input_tokens": 10, "output_tokens": 1056,
                  "input_tokens_details": {"text_tokens": 10, "image_tokens": 0}}}

BASE = {"provider": "openai", "operation": "image", "cache_write_tokens": 0, "reasoning_tokens": 0, "ttft_ms": None,
        "is_batch": False, "logged_cost_usd": None, "status": "ok", "error_type": None, "http_status": 200,
        "cached_input_tokens": 0}


def test_an_image_edit_and_a_bare_response(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "images.jsonl", [EDIT, BARE]), enrichers=enrichers())
    f = result.files[0]
    assert (f.log_format, f.loaded, f.quarantined) == ("openai-images", 2, 0)
    rows = db.calls()
    assert_calls(rows, [
        {**BASE, "call_id": ANY, "ts": datetime(2025, 11, 2, 10, 0, tzinfo=UTC), "model": "gpt-image-1",
         "input_tokens": 523, "input_image_tokens": 513, "output_tokens": 4160, "output_image_tokens": 4160,
         "latency_ms": 41000.0, "tags": {"image_size": "1024x1024"}, "user_prompt": "Put the logo on a mug",
         "prompt_chars": 21, "prompt_hash": ANY},
        {**BASE, "call_id": ANY, "ts": datetime(2025, 11, 2, 10, 1, 40, tzinfo=UTC), "model": None,
         "input_tokens": 10, "output_tokens": 1056, "output_image_tokens": 1056, "latency_ms": None, "tags": None},
    ])
    # gpt-image-1: text in $5, image in $10, output (images) $40 per 1M; a body alone names no model
    assert rows[0]["cost_usd"] == (10 * Decimal("5") + 513 * Decimal("10") + 4160 * Decimal("40")) / 10**6
    assert rows[1]["cost_usd"] is None
