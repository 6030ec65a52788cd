"""OTLP JSON GenAI spans: many spans per line; agent and tool spans must not count."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

T0 = 1746180000_000_000_000  # 2025-05-02T10:00:00Z in ns


def a(key, **value):
    return {"key": key, "value": value}


def span(span_id, name, start_s, end_s, attrs, status=None, parent=None):
    out = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": name, "kind": 3,
           "startTimeUnixNano": str(T0 + int(start_s * 1e9)), "endTimeUnixNano": str(T0 + int(end_s * 1e9)),
           "attributes": attrs, "status": status or {}}
    if parent:
        out["parentSpanId"] = parent
    return out


AGENT = span("a1", "invoke_agent support", 0, 9, [
    a("gen_ai.operation.name", stringValue="invoke_agent"), a("gen_ai.provider.name", stringValue="openai"),
    a("gen_ai.usage.input_tokens", intValue="3000"), a("gen_ai.usage.output_tokens", intValue="500")])
CHAT = span("c1", "chat gpt-4o", 0.5, 2.0, [
    a("gen_ai.operation.name", stringValue="chat"), a("gen_ai.provider.name", stringValue="openai"),
    a("gen_ai.request.model", stringValue="gpt-4o"), a("gen_ai.response.model", stringValue="gpt-4o-2024-08-06"),
    a("gen_ai.usage.input_tokens", intValue="2000"), a("gen_ai.usage.cache_read.input_tokens", intValue=1024),
    a("gen_ai.usage.output_tokens", intValue=300), a("gen_ai.conversation.id", stringValue="conv-7")], parent="a1")
TOOL = span("t1", "execute_tool lookup", 2.0, 2.5, [a("gen_ai.operation.name", stringValue="execute_tool")], parent="a1")
HTTP = span("h1", "POST", 0.5, 2.0, [a("http.request.method", stringValue="POST")], parent="c1")
OLD = span("c2", "chat claude", 3.0, 7.25, [
    a("gen_ai.operation.name", stringValue="chat"), a("gen_ai.system", stringValue="anthropic"),
    a("gen_ai.request.model", stringValue="claude-3-7-sonnet-20250219"),
    a("gen_ai.usage.prompt_tokens", intValue=1200), a("gen_ai.usage.completion_tokens", intValue=900),
    a("gen_ai.usage.cache_creation.input_tokens", intValue=1000),
    a("gen_ai.usage.reasoning.output_tokens", intValue=600)], parent="a1")
FAILED = span("c3", "chat gpt-4o", 8.0, 8.1, [
    a("gen_ai.operation.name", stringValue="chat"), a("gen_ai.provider.name", stringValue="openai"),
    a("gen_ai.request.model", stringValue="gpt-4o"), a("error.type", stringValue="429"),
    a("http.response.status_code", intValue=429)], status={"code": 2, "message": "Too Many Requests"}, parent="a1")

BATCH = {"resourceSpans": [{"resource": {"attributes": [a("service.name", stringValue="support-bot")]},
                            "scopeSpans": [{"scope": {"name": "openai-instrumentation"}, "spans": [AGENT, CHAT, TOOL]},
                                           {"scope": {"name": "httpx"}, "spans": [HTTP]}]},
                           {"resource": {}, "scopeSpans": [{"spans": [OLD, FAILED]}]}]}
TOOLS_ONLY = {"resourceSpans": [{"scopeSpans": [{"spans": [TOOL]}]}]}

BASE = {"operation": "chat", "ttft_ms": None, "is_batch": False, "logged_cost_usd": None}
TRACE = "5b8efff798038103d269b633813fc60c"


def test_otel_spans_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "otel.jsonl", [BATCH, TOOLS_ONLY]))
    (file,) = result.files
    # the agent span (which aggregates its children), the tool span and the HTTP span are not calls
    assert (file.log_format, file.records, file.loaded, file.quarantined, file.skipped) == ("otel-genai", 2, 3, 0, 1)
    rows = sorted(db.calls(), key=lambda r: r["ts"])
    assert_calls(rows, [
        {**BASE, "call_id": f"{TRACE}:c1", "ts": datetime(2025, 5, 2, 10, 0, 0, 500000, tzinfo=UTC),
         "provider": "openai", "model": "gpt-4o-2024-08-06", "input_tokens": 2000, "cached_input_tokens": 1024,
         "cache_write_tokens": 0, "output_tokens": 300, "reasoning_tokens": 0, "latency_ms": 1500.0, "status": "ok",
         "error_type": None, "http_status": 200,
         "tags": {"trace_id": TRACE, "span_name": "chat gpt-4o", "conversation_id": "conv-7"}},
        # older attribute names; input_tokens already includes the 1000 cache writes
        {**BASE, "call_id": f"{TRACE}:c2", "ts": datetime(2025, 5, 2, 10, 0, 3, tzinfo=UTC),
         "provider": "anthropic", "model": "claude-3-7-sonnet-20250219", "input_tokens": 1200,
         "cached_input_tokens": 0, "cache_write_tokens": 1000, "output_tokens": 900, "reasoning_tokens": 600,
         "latency_ms": 4250.0, "status": "ok", "error_type": None, "http_status": 200,
         "tags": {"trace_id": TRACE, "span_name": "chat claude"}},
        {**BASE, "call_id": f"{TRACE}:c3", "ts": datetime(2025, 5, 2, 10, 0, 8, tzinfo=UTC),
         "provider": "openai", "model": "gpt-4o", "input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0,
         "output_tokens": 0, "reasoning_tokens": 0, "latency_ms": 100.0, "status": "error", "error_type": "rate_limit",
         "http_status": 429, "tags": {"trace_id": TRACE, "span_name": "chat gpt-4o"}},
    ])
    assert all(r["source_line"] == 1 for r in rows)
