"""Cloudflare AI Gateway's request logs (its List Gateway Logs API): a page of logs or one per
line; the gateway's provider slugs, its unified endpoint's `<provider>/<model>`, responses its own
cache served (no provider call: no cost), failures, fallback steps, and custom metadata as tags."""

from __future__ import annotations

import json
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl


def log(log_id: str, provider: str, model: str, tokens_in: int, tokens_out: int, **extra) -> dict:
    """A log with the fields the API documents (developers.cloudflare.com/api: List Gateway Logs)."""
    return {"id": log_id, "cached": False, "created_at": "2026-05-04T10:00:00.117Z", "duration": 812, "model": model,
            "path": f"{provider}/chat/completions", "provider": provider, "success": True, "tokens_in": tokens_in,
            "tokens_out": tokens_out, "cost": 0.0001158, "custom_cost": False, "metadata": '{"team":"search"}',
            "model_type": "chat", "request_content_type": "application/json", "request_type": "universal",
            "response_content_type": "application/json", "status_code": 200, "step": 0, **extra}


def test_a_page_of_gateway_logs(db, tmp_path):
    page = {"result": [
        log("01A", "openai", "gpt-4o-mini", 24, 187),
        log("01B", "compat", "anthropic/claude-sonnet-4-5", 1000, 100, cost=0.0045),
        log("01C", "openai", "gpt-4o-mini", 24, 187, cached=True, cost=0, duration=12),
        log("01D", "openai", "gpt-4o-mini", 0, 0, success=False, status_code=429, cost=0),
        log("01E", "google-vertex-ai", "gemini-2.5-flash", 100, 10, step=1),
        log("01F", "workers-ai", "@cf/meta/llama-3.1-8b-instruct", 50, 20, metadata=None),
    ], "result_info": {"page": 1, "per_page": 20, "count": 6, "total_count": 6}, "success": True, "errors": [], "messages": []}
    saved = tmp_path / "logs.json"
    saved.write_text(json.dumps(page, indent=2))  # as the API answered it, saved
    (file,) = db.ingest(saved, enrichers=enrichers(db=db.db)).files
    assert (file.log_format, file.loaded, file.quarantined) == ("cloudflare-gateway", 6, 0)
    got = {r["call_id"]: r for r in db.calls()}
    mini, claude, hit, failed, vertex, workers = (got[f"cf-01{x}"] for x in "ABCDEF")
    assert (mini["provider"], mini["model"], mini["input_tokens"], mini["output_tokens"], mini["latency_ms"]) == (
        "openai", "gpt-4o-mini", 24, 187, 812)
    assert mini["cost_usd"] == (24 * Decimal("0.15") + 187 * Decimal("0.6")) / 10**6 == mini["logged_cost_usd"]
    assert mini["tags"]["team"] == "search" and str(mini["ts"]).startswith("2026-05-04 10:00:00.117")
    # the unified endpoint names the provider in the model
    assert (claude["provider"], claude["model"]) == ("anthropic", "claude-sonnet-4-5")
    assert claude["cost_usd"] == (1000 * 3 + 100 * 15) / Decimal(10**6)
    # served from the gateway's cache: the provider was never called
    assert (hit["input_tokens"], hit["output_tokens"], hit["cost_usd"], hit["logged_cost_usd"]) == (0, 0, 0, 0)
    assert hit["tags"]["gateway_cache_tokens"] == "24/187"
    assert (failed["status"], failed["error_type"], failed["http_status"]) == ("error", "rate_limit", 429)
    assert (vertex["provider"], vertex["tags"]["gateway_step"]) == ("vertex", "1")
    assert (workers["provider"], workers["model"]) == ("cloudflare", "@cf/meta/llama-3.1-8b-instruct")
    assert workers["cost_usd"] == (50 * Decimal("0.282") + 20 * Decimal("0.827")) / 10**6  # Workers AI's own rate


def test_one_log_per_line(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "logs.jsonl", [log("01A", "openai", "gpt-4o-mini", 24, 187),
                                                              log("01B", "azure-openai", "gpt-4o-mini", 10, 5)])).files
    assert (file.log_format, file.loaded) == ("cloudflare-gateway", 2)
    assert [r["provider"] for r in db.calls()] == ["openai", "azure"]
