"""PostHog LLM analytics events ($ai_generation, $ai_embedding) as teams get them out of PostHog.

The properties are those posthog-python's wrappers capture (posthog/ai/anthropic, openai, gemini:
Anthropic's `input_tokens` passed on without the cache, OpenAI's `prompt_tokens` and Gemini's
`promptTokenCount` with it, Gemini's `candidatesTokenCount` without the thinking), plus what
PostHog's ingestion adds (`$ai_*_cost_usd`, the resolved `$ai_cache_reporting_exclusive`). The
envelopes: the events API's page (`{next, results: [{id, event, timestamp, distinct_id,
properties, person, elements, elements_chain}]}`) and an S3 batch export's events model, one per
line with `properties` JSON-encoded. Before, such files had no format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

PRICED = enrichers()
M = Decimal(10**6)
TRACE = "9d2c6b1e-4f2a-4c55-9a57-0d1f3c7e8b21"
SYSTEM = "You are a support assistant for Acme. Answer briefly."


def _api_event(uuid: str, ts: str, props: dict, event: str = "$ai_generation") -> dict:
    return {"id": uuid, "distinct_id": "user_123", "properties": props, "event": event, "timestamp": ts,
            "person": None, "elements": [], "elements_chain": ""}


# posthog-python's Anthropic wrapper: input_tokens as Anthropic counts it (without the cache)
ANTHROPIC = {
    "$ai_provider": "anthropic", "$ai_model": "claude-sonnet-4-5-20250929",
    "$ai_model_parameters": {"max_tokens": 1024, "stream": False},
    "$ai_input": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "How do I reset my password?"}],
    "$ai_output_choices": [{"role": "assistant", "content": [{"type": "text", "text": "Open Settings > Security."}]}],
    "$ai_http_status": 200, "$ai_input_tokens": 24, "$ai_output_tokens": 310, "$ai_latency": 4.213,
    "$ai_trace_id": TRACE, "$ai_base_url": "https://api.anthropic.com", "$ai_cache_read_input_tokens": 12000,
    "$ai_cache_creation_input_tokens": 2100, "$ai_lib": "posthog-python", "$lib_version": "6.7.0",
    "conversation_id": "abc123", "$ai_input_cost_usd": 0.011547, "$ai_output_cost_usd": 0.00465,
    "$ai_total_cost_usd": 0.016197, "$ai_model_cost_used": "anthropic/claude-sonnet-4.5",
    "$ai_cost_model_source": "openrouter", "$ai_cache_reporting_exclusive": True,
}
# the same wrapper when the client raised: status and message, no usage
RATE_LIMITED = {
    "$ai_provider": "anthropic", "$ai_model": "claude-sonnet-4-5-20250929",
    "$ai_input": [{"role": "user", "content": "How do I reset my password?"}], "$ai_output_choices": [],
    "$ai_http_status": 429, "$ai_input_tokens": 0, "$ai_output_tokens": 0, "$ai_latency": 0.412,
    "$ai_trace_id": TRACE, "$ai_is_error": True,
    "$ai_error": "Error code: 429 - {'type': 'error', 'error': {'type': 'rate_limit_error', "
                 "'message': 'This request would exceed the rate limit for your organization'}}",
}
# posthog-python's Gemini wrapper: candidatesTokenCount leaves the thinking out
GEMINI = {
    "$ai_provider": "gemini", "$ai_model": "gemini-2.5-flash",
    "$ai_input": [{"role": "user", "content": "Summarise this ticket in one line."}],
    "$ai_output_choices": [{"role": "assistant", "content": [{"type": "text", "text": "Password reset request."}]}],
    "$ai_http_status": 200, "$ai_input_tokens": 1200, "$ai_output_tokens": 150, "$ai_reasoning_tokens": 420,
    "$ai_latency": 2.05, "$ai_trace_id": TRACE, "$ai_total_cost_usd": 0.001785,
}
TRACE_EVENT = {"$ai_trace_id": TRACE, "$ai_span_name": "support_chat", "$ai_latency": 6.7}
PAGE = {"next": None, "results": [
    _api_event("01999b4e-1f20-7c3a-9d11-5a0e6b7c8d01", "2025-09-30T14:12:03.512000+00:00", ANTHROPIC),
    _api_event("01999b4e-2a41-7f02-8e33-1b2c3d4e5f02", "2025-09-30T14:12:04.100000+00:00", RATE_LIMITED),
    _api_event("01999b4e-3b52-7a13-9f44-2c3d4e5f6a03", "2025-09-30T14:12:09.900000+00:00", GEMINI),
    _api_event("01999b4e-4c63-7b24-8a55-3d4e5f6a7b04", "2025-09-30T14:12:10.000000+00:00", TRACE_EVENT, "$ai_trace"),
]}


def test_an_events_api_page_is_one_call_per_generation_with_anthropic_cache_added_back(db, tmp_path):
    path = tmp_path / "events.json"
    path.write_text(json.dumps(PAGE, indent=2), encoding="utf-8")
    (file,) = db.ingest(path, enrichers=PRICED).files
    assert (file.log_format, file.loaded, file.quarantined) == ("posthog", 3, 0)
    got = {r["call_id"][-2:]: r for r in db.calls()}
    claude = got["01"]
    assert (claude["ts"], claude["provider"], claude["model"], claude["model_key"], claude["operation"]) == (
        datetime(2025, 9, 30, 14, 12, 3, 512000, tzinfo=UTC), "anthropic", "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-5", "chat")
    # Anthropic's input leaves the cache out: 24 + 12,000 read + 2,100 written
    assert (claude["input_tokens"], claude["cached_input_tokens"], claude["cache_write_tokens"]) == (14124, 12000, 2100)
    assert (claude["output_tokens"], claude["reasoning_tokens"], claude["latency_ms"]) == (310, 0, 4213.0)
    # Sonnet 4.5: 24 x $3 + 12,000 x $0.30 + 2,100 x $3.75 + 310 x $15 per 1M = $0.016197, PostHog's own figure
    assert claude["cost_usd"] == (24 * 3 + 12000 * Decimal("0.3") + 2100 * Decimal("3.75") + 310 * 15) / M
    assert claude["logged_cost_usd"] == Decimal("0.016197") == claude["cost_usd"]
    assert (claude["status"], claude["http_status"]) == ("ok", 200)
    assert (claude["system_prompt"], claude["user_prompt"], claude["response_text"], claude["n_messages"]) == (
        SYSTEM, "How do I reset my password?", "Open Settings > Security.", 2)
    assert claude["tags"] == {"trace_id": TRACE, "user": "user_123", "posthog_provider": "anthropic"}
    failed = got["02"]
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["input_tokens"]) == (
        "error", "rate_limit", 429, 0)
    assert failed["tags"]["error"].startswith("Error code: 429")
    gemini = got["03"]
    # Gemini's 150 output tokens leave out its 420 of thinking, billed as output: 570
    assert (gemini["provider"], gemini["input_tokens"], gemini["output_tokens"], gemini["reasoning_tokens"]) == (
        "google", 1200, 570, 420)
    assert gemini["cost_usd"] == (1200 * Decimal("0.3") + 570 * Decimal("2.5")) / M == gemini["logged_cost_usd"]


# An S3 batch export (events model, JSON lines): `properties` is JSON-encoded text
def _exported(uuid: str, event: str, props: dict) -> dict:
    return {"uuid": uuid, "event": event, "properties": json.dumps(props), "distinct_id": "user_456",
            "person_id": "0188f1a2-aaaa-bbbb-cccc-000000000456", "team_id": 2, "timestamp": "2025-10-01T09:30:00+00:00",
            "created_at": "2025-10-01T09:30:01+00:00", "elements_chain": "", "set": None, "set_once": None}


# posthog-python's OpenAI wrapper: prompt_tokens (the cache reads inside) and completion_tokens as given
OPENAI = {"$ai_provider": "openai", "$ai_model": "gpt-4.1-mini", "$ai_http_status": 200, "$ai_input_tokens": 2500,
          "$ai_output_tokens": 180, "$ai_cache_read_input_tokens": 2048, "$ai_reasoning_tokens": 0,
          "$ai_latency": 1.25, "$ai_trace_id": "t-2", "$ai_total_cost_usd": 0.0006736,
          "$ai_input": [{"role": "user", "content": "Classify: refund request"}],
          "$ai_output_choices": [{"role": "assistant", "content": "billing"}]}
# a Claude model through an OpenAI-compatible host: the event says its input holds the cache
VIA_GATEWAY = {"$ai_provider": "openrouter", "$ai_model": "anthropic/claude-sonnet-4.5", "$ai_http_status": 200,
               "$ai_input_tokens": 15000, "$ai_output_tokens": 200, "$ai_cache_read_input_tokens": 12000,
               "$ai_cache_reporting_exclusive": False, "$ai_latency": 3.1, "$ai_trace_id": "t-3"}
EMBEDDING = {"$ai_provider": "openai", "$ai_model": "text-embedding-3-small", "$ai_http_status": 200,
             "$ai_input_tokens": 64, "$ai_latency": 0.2, "$ai_trace_id": "t-4", "$ai_input": "refund policy"}
SPAN = {"$ai_trace_id": "t-2", "$ai_span_id": "s-1", "$ai_span_name": "retrieve_docs", "$ai_latency": 0.05}
PAGEVIEW = {"$current_url": "https://app.acme.test/settings", "$browser": "Chrome"}
BAD = {**OPENAI, "$ai_input_tokens": "lots"}


def test_a_batch_export_reads_encoded_properties_skips_other_events_and_quarantines_bad_counts(db, tmp_path):
    records = [_exported("0199a0b1-0000-7000-8000-00000000000" + str(i), event, props) for i, (event, props) in enumerate([
        ("$ai_generation", OPENAI), ("$ai_generation", VIA_GATEWAY), ("$ai_embedding", EMBEDDING),
        ("$ai_span", SPAN), ("$pageview", PAGEVIEW), ("$ai_generation", BAD)])]
    (file,) = db.ingest(write_jsonl(tmp_path / "export.jsonl", records), enrichers=PRICED).files
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("posthog", 3, 2, 1)
    (bad,) = db.quarantine()
    assert bad["source_line"] == 6 and '"$ai_input_tokens" is lots, not a token count' in bad["reason"]
    got = {r["model"]: r for r in db.calls()}
    gpt = got["gpt-4.1-mini"]
    # OpenAI's prompt_tokens already hold the 2,048 cached: kept as 2,500
    assert (gpt["provider"], gpt["input_tokens"], gpt["cached_input_tokens"], gpt["output_tokens"]) == (
        "openai", 2500, 2048, 180)
    # gpt-4.1-mini: 452 x $0.40 + 2,048 x $0.10 + 180 x $1.60 per 1M = $0.0006736
    assert gpt["cost_usd"] == (452 * Decimal("0.4") + 2048 * Decimal("0.1") + 180 * Decimal("1.6")) / M
    assert gpt["logged_cost_usd"] == Decimal("0.0006736") == gpt["cost_usd"]
    assert (gpt["user_prompt"], gpt["response_text"], gpt["tags"]["user"]) == (
        "Classify: refund request", "billing", "user_456")
    claude = got["anthropic/claude-sonnet-4.5"]  # the explicit `false` wins over the Claude model
    assert (claude["input_tokens"], claude["cached_input_tokens"], claude["logged_cost_usd"]) == (15000, 12000, None)
    embedding = got["text-embedding-3-small"]
    assert (embedding["operation"], embedding["input_tokens"], embedding["output_tokens"]) == ("embedding", 64, None)
    assert embedding["cost_usd"] == 64 * Decimal("0.02") / M


def test_cache_writes_in_parts_and_claude_behind_an_openai_compatible_host(db, tmp_path):
    # the Anthropic wrapper reporting its cache writes only as the 5-minute and 1-hour parts: PostHog's
    # cost code sums them (mapCacheWriteBreakdown); before, the writes were lost (input 5,100, writes 0)
    parts = {"$ai_provider": "anthropic", "$ai_model": "claude-sonnet-4-5-20250929", "$ai_input_tokens": 100,
             "$ai_output_tokens": 50, "$ai_cache_read_input_tokens": 5000,
             "$ai_cache_creation_5m_input_tokens": 1500, "$ai_cache_creation_1h_input_tokens": 500}
    # the OpenAI wrapper's event (no flag: before posthog-js declared it) of Claude through OpenRouter:
    # prompt_tokens hold the cache reads; read as exclusive, as PostHog's inference does, input was 17,000
    routed = {"$ai_provider": "openrouter", "$ai_model": "anthropic/claude-sonnet-4.5", "$ai_input_tokens": 9000,
              "$ai_output_tokens": 20, "$ai_cache_read_input_tokens": 8000}
    lines = [{"uuid": f"0190b6a4-0000-7000-8000-00000000000{i}", "event": "$ai_generation", "distinct_id": "user_123",
              "timestamp": "2026-11-02T10:00:00Z", "properties": props} for i, props in enumerate((parts, routed))]
    (file,) = db.ingest(write_jsonl(tmp_path / "events.jsonl", lines), enrichers=PRICED).files
    assert (file.log_format, file.loaded) == ("posthog", 2)
    split, openrouter = db.calls()
    assert (split["input_tokens"], split["cached_input_tokens"], split["cache_write_tokens"],
            split["cache_write_1h_tokens"]) == (7100, 5000, 2000, 500)
    # Sonnet 4.5: 100 x $3 + 5,000 x $0.30 + 1,500 x $3.75 + 500 x $6 + 50 x $15 per 1M
    assert split["cost_usd"] == (100 * 3 + 5000 * Decimal("0.30") + 1500 * Decimal("3.75") + 500 * 6 + 50 * 15) / M
    assert (openrouter["input_tokens"], openrouter["cached_input_tokens"], openrouter["tags"]["posthog_provider"]) == (
        9000, 8000, "openrouter")
