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


def _recorded_image(created: int, text_in: int, image_in: int) -> dict:
    """A gpt-image-1-mini answer as braintrust's cassettes recorded it (medium 1024x1024: 1,056
    output image tokens), its b64_json cut."""
    return {"created": created, "background": "opaque", "data": [{"b64_json": "iVBORw0KGgo"}],
            "output_format": "png", "quality": "medium", "size": "1024x1024",
            "usage": {"input_tokens": text_in + image_in,
                      "input_tokens_details": {"image_tokens": image_in, "text_tokens": text_in},
                      "output_tokens": 1056, "total_tokens": text_in + image_in + 1056,
                      "output_tokens_details": {"image_tokens": 1056, "text_tokens": 0}}}


def test_a_captured_image_edit_names_its_model_in_the_upload_form(db, tmp_path):
    # braintrustdata/braintrust-sdk-python, py/src/braintrust/integrations/openai/cassettes/latest/
    # test_openai_images_edit.yaml (commit 178944d4d1c10ee11a9e2bd46716cbe24c160d9d): the multipart request
    # (base64 there) decoded, the PNG bytes and the answer's b64_json cut; the usage as recorded
    boundary = "38c735f48f17861a997d67b5166bd53f"
    form = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                   for name, value in (("prompt", "Add a blue border"), ("model", "gpt-image-1-mini"), ("size", "1024x1024")))
    form += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"braintrust-test-image.png\"\r\n"
             f"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--{boundary}--\r\n")
    captured = {"request": {"url": "https://api.openai.com/v1/images/edits", "method": "POST", "body": form,
                            "headers": {"content-type": f"multipart/form-data; boundary={boundary}"}},
                "response": {"status": 200, "headers": {"date": "Mon, 22 Jun 2026 17:22:13 GMT"},
                             "body": _recorded_image(1782148918, text_in=26, image_in=194)}}
    db.ingest(write_jsonl(tmp_path / "captured.jsonl", [captured]), enrichers=enrichers())
    row = db.con.execute("SELECT model, input_tokens, output_tokens, cost_usd FROM calls").fetchone()
    # 26 text tokens at $2 per 1M, 194 image tokens at $2.50, 1056 output at $8 (genai-prices: $0.008985); was unpriced
    assert row == ("gpt-image-1-mini", 220, 1056, (26 * 2 + 194 * Decimal("2.5") + 1056 * 8) / Decimal(10**6))


def test_a_captured_request_saved_as_json_text_still_names_the_model(db, tmp_path):
    # braintrustdata/braintrust-sdk-python, py/src/braintrust/integrations/openai/cassettes/latest/
    # test_openai_images_generate.yaml (commit 03b27b206bd514642e20f5d1d52005b36521bdf8): a recorder keeps the
    # request body as the JSON text that went over the wire; the answer's b64_json cut, its usage as recorded
    request = '{"prompt":"A tiny red square on a white background","model":"gpt-image-1-mini","size":"1024x1024"}'
    captured = {"request": {"url": "https://api.openai.com/v1/images/generations", "method": "POST", "body": request,
                            "headers": {"content-type": "application/json"}},
                "response": {"status": 200, "headers": {"date": "Mon, 29 Jun 2026 13:58:53 GMT"},
                             "body": _recorded_image(1782741520, text_in=14, image_in=0)}}
    db.ingest(write_jsonl(tmp_path / "captured.jsonl", [captured]), enrichers=enrichers())
    row = db.con.execute("SELECT model, input_tokens, output_tokens, cost_usd, user_prompt FROM calls").fetchone()
    # 14 text tokens at $2 per 1M and 1056 output at $8: $0.008476 (it was unpriced: the request was not read)
    assert row == ("gpt-image-1-mini", 14, 1056, (14 * 2 + 1056 * 8) / Decimal(10**6), "A tiny red square on a white background")
