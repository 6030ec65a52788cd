"""OTLP JSON GenAI spans: many spans per line; agent and tool spans must not count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
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


def s(key, text):
    return a(key, stringValue=text)


# Current semantic conventions: messages as JSON strings of role + parts, system instructions apart.
SEMCONV = span("d1", "chat gpt-4.1", 0, 1, [
    s("gen_ai.operation.name", "chat"), s("gen_ai.provider.name", "openai"), s("gen_ai.request.model", "gpt-4.1"),
    a("gen_ai.usage.input_tokens", intValue=900), a("gen_ai.usage.output_tokens", intValue=40),
    s("gen_ai.system_instructions", '[{"type": "text", "content": "You triage support tickets."}]'),
    s("gen_ai.input.messages", '[{"role": "user", "parts": [{"type": "text", "content": "hello"}]}, '
      '{"role": "assistant", "parts": [{"type": "text", "content": "Hi, how can I help?"}]}, '
      '{"role": "user", "parts": [{"type": "text", "content": "Classify this ticket as billing, bug or other: '
      'I was charged twice."}, {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBOR"}]}]'),
    s("gen_ai.output.messages", '[{"role": "assistant", "parts": [{"type": "text", "content": "billing"}], "finish_reason": "stop"}]'),
    s("gen_ai.tool.definitions", '[{"type": "function", "name": "lookup_order"}, {"type": "function", "name": "refund"}]')])
# OpenLLMetry's indexed attributes; a multimodal message's content is a JSON string of parts; an
# Anthropic input count passed through uncached (100 < its 4000 cache reads) gets them added back.
OPENLLMETRY = span("d2", "anthropic.chat", 2, 3, [
    s("gen_ai.system", "Anthropic"), s("gen_ai.request.model", "claude-sonnet-4-5"),
    a("gen_ai.usage.prompt_tokens", intValue=100), a("gen_ai.usage.completion_tokens", intValue=60),
    a("gen_ai.usage.cache_read_input_tokens", intValue=4000), a("gen_ai.usage.cache_creation_input_tokens", intValue=0),
    s("gen_ai.prompt.0.role", "system"), s("gen_ai.prompt.0.content", "You are a careful translator."),
    s("gen_ai.prompt.1.role", "user"),
    s("gen_ai.prompt.1.content", '[{"type": "text", "text": "Translate into Spanish: the store opens at nine."}]'),
    s("gen_ai.completion.0.role", "assistant"), s("gen_ai.completion.0.content", "La tienda abre a las nueve."),
    s("llm.request.functions.0.name", "glossary")])
# OpenInference (Phoenix): llm.* attributes; CHAIN spans are not calls, EMBEDDING spans are.
OI_CHAIN = span("e0", "RunnableSequence", 4, 6, [s("openinference.span.kind", "CHAIN"),
                                                 a("llm.token_count.prompt", intValue=5000)])
OI_LLM = span("e1", "ChatAnthropic", 4, 5.5, [
    s("openinference.span.kind", "LLM"), s("llm.provider", "anthropic"), s("llm.system", "anthropic"),
    s("llm.model_name", "claude-haiku-4-5"),
    a("llm.token_count.prompt", intValue=5000), a("llm.token_count.completion", intValue=120),
    a("llm.token_count.prompt_details.cache_read", intValue=3000),
    a("llm.token_count.prompt_details.cache_write", intValue=1500),
    s("llm.input_messages.0.message.role", "system"), s("llm.input_messages.0.message.content", "Summarise for executives."),
    s("llm.input_messages.1.message.role", "user"),
    s("llm.input_messages.1.message.contents.0.message_content.type", "text"),
    s("llm.input_messages.1.message.contents.0.message_content.text", "Summarise this quarter's incident report in three bullets."),
    s("llm.output_messages.0.message.role", "assistant"), s("llm.output_messages.0.message.content", "- Two outages..."),
    s("llm.tools.0.tool.json_schema", '{"name": "fetch_report"}')], parent="e0")
OI_EMBED = span("e2", "OpenAIEmbeddings", 6, 6.2, [
    s("openinference.span.kind", "EMBEDDING"), s("embedding.model_name", "text-embedding-3-small"),
    a("llm.token_count.prompt", intValue=64)], parent="e0")
CONVENTIONS = {"resourceSpans": [{"scopeSpans": [{"spans": [SEMCONV, OPENLLMETRY, OI_CHAIN, OI_LLM, OI_EMBED]}]}]}


def test_otel_text_and_openinference_spans(db, tmp_path):
    from mmaudit.enrich import enrichers

    result = db.ingest(write_jsonl(tmp_path / "otel.jsonl", [CONVENTIONS]), enrichers=enrichers())
    assert (result.files[0].loaded, result.files[0].quarantined) == (4, 0)  # the CHAIN span is not a call
    rows = {r["call_id"].split(":")[1]: r for r in db.calls()}
    semconv = rows["d1"]
    assert (semconv["system_prompt"], semconv["user_prompt"], semconv["response_text"]) == (
        "You triage support tickets.", "Classify this ticket as billing, bug or other: I was charged twice.", "billing")
    assert (semconv["n_messages"], semconv["n_tools"], semconv["has_image"]) == (3, 2, True)
    assert semconv["prompt_chars"] == len("\n".join([
        "You triage support tickets.", "hello", "Hi, how can I help?",
        "Classify this ticket as billing, bug or other: I was charged twice."]))
    assert semconv["task"] == "vision" and semconv["prompt_hash"] is not None  # the image part decides
    legacy = rows["d2"]
    assert (legacy["provider"], legacy["input_tokens"], legacy["cached_input_tokens"], legacy["output_tokens"]) == (
        "anthropic", 4100, 4000, 60)
    assert (legacy["system_prompt"], legacy["user_prompt"], legacy["response_text"]) == (
        "You are a careful translator.", "Translate into Spanish: the store opens at nine.", "La tienda abre a las nueve.")
    assert (legacy["n_messages"], legacy["n_tools"], legacy["has_image"]) == (2, 1, False)
    assert legacy["task"] == "translation"
    oi = rows["e1"]
    assert (oi["provider"], oi["model"], oi["operation"]) == ("anthropic", "claude-haiku-4-5", "chat")
    # llm.token_count.prompt already includes its 3000 cache reads and 1500 writes
    assert (oi["input_tokens"], oi["cached_input_tokens"], oi["cache_write_tokens"], oi["output_tokens"]) == (
        5000, 3000, 1500, 120)
    assert (oi["system_prompt"], oi["user_prompt"], oi["response_text"], oi["n_tools"]) == (
        "Summarise for executives.", "Summarise this quarter's incident report in three bullets.", "- Two outages...", 1)
    assert oi["task"] == "summarization"
    embed = rows["e2"]
    assert (embed["operation"], embed["model"], embed["input_tokens"], embed["output_tokens"], embed["task"]) == (
        "embedding", "text-embedding-3-small", 64, 0, "embedding")


def test_a_model_span_around_another_is_not_a_second_call(db, tmp_path):
    # LangChain's LLM span and, inside it, the OpenAI instrumentor's span of the same request; the
    # child ended first, so the batch processor exported it on an earlier line than its parent
    inner = span("n2", "ChatCompletion", 0.1, 0.9, [
        s("openinference.span.kind", "LLM"), s("llm.provider", "openai"), s("llm.model_name", "gpt-4o-mini-2024-07-18"),
        a("llm.token_count.prompt", intValue=300), a("llm.token_count.completion", intValue=20)], parent="n1")
    outer = span("n1", "ChatOpenAI", 0, 1, [
        s("openinference.span.kind", "LLM"), s("llm.provider", "openai"), s("llm.model_name", "gpt-4o-mini"),
        a("llm.token_count.prompt", intValue=300), a("llm.token_count.completion", intValue=20)], parent="chain")
    chain = span("chain", "RunnableSequence", 0, 1.2, [s("openinference.span.kind", "CHAIN")])
    lone = span("n3", "ChatOpenAI", 2, 3, [
        s("openinference.span.kind", "LLM"), s("llm.model_name", "gpt-4o-mini"), s("llm.provider", "openai"),
        a("llm.token_count.prompt", intValue=50), a("llm.token_count.completion", intValue=5)], parent="chain")
    batches = [{"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]} for spans in ([inner], [outer, chain, lone])]
    result = db.ingest(write_jsonl(tmp_path / "otel.jsonl", batches))
    (file,) = result.files
    assert (file.loaded, file.skipped, file.quarantined) == (2, 0, 0)
    rows = sorted(db.calls(), key=lambda r: r["ts"])
    assert [(r["call_id"].split(":")[1], r["model"], r["input_tokens"]) for r in rows] == [
        ("n2", "gpt-4o-mini-2024-07-18", 300), ("n3", "gpt-4o-mini", 50)]


def test_otel_message_shapes_seen_from_other_producers(db, tmp_path):
    # OpenAI-shaped messages ({role, content}) and answer; parts with `text` for `content`;
    # `gen_ai.system.instructions` spelt with a dot; a bare string as the input
    openai_shape = span("m1", "chat", 0, 1, [
        s("gen_ai.operation.name", "chat"), s("gen_ai.provider.name", "openai"), s("gen_ai.request.model", "gpt-4o-mini"),
        a("gen_ai.usage.input_tokens", intValue="17"), a("gen_ai.usage.output_tokens", intValue="8"),
        s("gen_ai.input.messages", '[{"role":"user","content":"Where is order 7?"}]'),
        s("gen_ai.output.messages", '[{"role":"assistant","content":"It ships Tuesday."}]')])
    text_parts = span("m2", "chat", 1, 2, [
        s("gen_ai.operation.name", "chat"), s("gen_ai.provider.name", "openai"), s("gen_ai.request.model", "gpt-4o-mini"),
        a("gen_ai.usage.input_tokens", intValue="30"), a("gen_ai.usage.output_tokens", intValue="9"),
        s("gen_ai.system.instructions", '[{"type":"text","content":"Think step by step about the user question:"}]'),
        s("gen_ai.input.messages", '[{"role": "user", "parts": [{"type": "text", "text": "Is 91 prime?"}]}]')])
    bare = span("m3", "chat", 2, 3, [
        s("gen_ai.operation.name", "chat"), s("gen_ai.provider.name", "openai"), s("gen_ai.request.model", "gpt-4o-mini"),
        a("gen_ai.usage.input_tokens", intValue="5"), a("gen_ai.usage.output_tokens", intValue="2"),
        s("gen_ai.input.messages", "hello?")])
    db.ingest(write_jsonl(tmp_path / "otel.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": [openai_shape, text_parts, bare]}]}]}]))
    rows = {r["call_id"].split(":")[1]: r for r in db.calls()}
    assert (rows["m1"]["user_prompt"], rows["m1"]["response_text"], rows["m1"]["n_messages"]) == (
        "Where is order 7?", "It ships Tuesday.", 1)
    assert (rows["m2"]["system_prompt"], rows["m2"]["user_prompt"]) == (
        "Think step by step about the user question:", "Is 91 prime?")
    assert (rows["m3"]["user_prompt"], rows["m3"]["n_messages"], rows["m3"]["prompt_chars"]) == ("hello?", 1, 6)


def test_semantic_convention_provider_names(db, tmp_path):
    names = {"p1": "gcp.vertex_ai", "p2": "gcp.gemini", "p3": "x_ai", "p4": "aws.bedrock", "p5": "azure.ai.openai",
             "p6": "mistral_ai"}
    spans = [span(sid, "chat", i, i + 1, [s("gen_ai.operation.name", "chat"), s("gen_ai.provider.name", name),
                                          s("gen_ai.request.model", "some-model")])
             for i, (sid, name) in enumerate(names.items())]
    db.ingest(write_jsonl(tmp_path / "otel.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}]))
    got = {r["call_id"].split(":")[1]: r["provider"] for r in db.calls()}
    assert got == {"p1": "vertex", "p2": "google", "p3": "xai", "p4": "aws-bedrock", "p5": "azure", "p6": "mistral"}


def test_logfire_message_events_attribute(db, tmp_path):
    # Logfire's OpenAI instrumentation (shaped as its own test snapshots record it): no
    # operation name, `gen_ai.system` + request model, and the messages as one `events` attribute
    events = [
        {"event.name": "gen_ai.system.message", "content": "Be nice", "role": "system"},
        {"event.name": "gen_ai.user.message", "content": "What is the weather like in Paris today?", "role": "user"},
        {"event.name": "gen_ai.assistant.message", "role": "assistant",
         "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"event.name": "gen_ai.tool.message", "role": "tool", "id": "call_1", "content": "Rainy, 15C"},
        {"event.name": "gen_ai.user.message", "role": "user", "content": ["Now write a two-line poem about it."]},
        {"event.name": "gen_ai.choice", "index": 0, "message": {"role": "assistant", "content": "Grey Paris rain..."}},
    ]
    logfire = span("lf1", "Responses API with 'gpt-4.1'", 0, 1, [
        s("logfire.msg", "Responses API with 'gpt-4.1'"), s("gen_ai.system", "openai"), s("gen_ai.request.model", "gpt-4.1"),
        s("gen_ai.response.model", "gpt-4.1-2025-04-14"), a("gen_ai.usage.input_tokens", intValue=65),
        a("gen_ai.usage.output_tokens", intValue=17), s("events", json.dumps(events))])
    db.ingest(write_jsonl(tmp_path / "otel.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": [logfire]}]}]}]))
    (row,) = db.calls()
    assert (row["model"], row["input_tokens"], row["output_tokens"]) == ("gpt-4.1-2025-04-14", 65, 17)
    assert (row["system_prompt"], row["user_prompt"], row["response_text"], row["n_messages"]) == (
        "Be nice", "Now write a two-line poem about it.", "Grey Paris rain...", 5)


def test_vercel_ai_sdk_spans(db, tmp_path):
    # the AI SDK's outer ai.generateText span aggregates usage and is not a call; its
    # ai.generateText.doGenerate child is, with gen_ai.* and ai.* attributes and ai.prompt.messages
    outer = span("v0", "ai.generateText", 0, 2, [
        s("ai.operationId", "ai.generateText"), s("ai.model.id", "gpt-4o-mini"), s("ai.model.provider", "openai.chat"),
        a("ai.usage.promptTokens", intValue=420), a("ai.usage.completionTokens", intValue=35)])
    inner = span("v1", "ai.generateText.doGenerate", 0.1, 1.9, [
        s("ai.operationId", "ai.generateText.doGenerate"), s("ai.model.id", "gpt-4o-mini"),
        s("ai.model.provider", "openai.chat"), s("gen_ai.system", "openai.chat"), s("gen_ai.request.model", "gpt-4o-mini"),
        s("gen_ai.response.model", "gpt-4o-mini-2024-07-18"), a("gen_ai.usage.input_tokens", intValue=420),
        a("gen_ai.usage.output_tokens", intValue=35), a("ai.usage.cachedInputTokens", intValue=256),
        s("ai.prompt.messages", json.dumps([
            {"role": "system", "content": "You are a support assistant."},
            {"role": "user", "content": [{"type": "text", "text": "Extract the order id from: 'order #A-77 is late'"}]}])),
        s("ai.response.text", '{"order_id": "A-77"}')], parent="v0")
    db.ingest(write_jsonl(tmp_path / "otel.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": [outer, inner]}]}]}]))
    (row,) = db.calls()
    assert (row["call_id"].split(":")[1], row["provider"], row["model"]) == ("v1", "openai", "gpt-4o-mini-2024-07-18")
    assert (row["input_tokens"], row["cached_input_tokens"], row["output_tokens"]) == (420, 256, 35)
    assert (row["system_prompt"], row["user_prompt"], row["response_text"], row["n_messages"]) == (
        "You are a support assistant.", "Extract the order id from: 'order #A-77 is late'", '{"order_id": "A-77"}', 2)


def test_spans_under_the_pre_1_0_instrumentation_library_key(db, tmp_path):
    old_exporter = {"resourceSpans": [{"instrumentationLibrarySpans": [{"instrumentationLibrary": {}, "spans": [CHAT]}]}]}
    (file,) = db.ingest(write_jsonl(tmp_path / "otel.jsonl", [old_exporter])).files
    assert (file.loaded, file.skipped) == (1, 0)
    assert db.calls()[0]["input_tokens"] == 2000


def test_pydantic_ai_usage_details_and_the_instrumentations_own_cost_are_read(db, tmp_path):
    # pydantic-ai's span before it also wrote the convention's cache names (its
    # test_instrumented.py snapshot): the shares only under gen_ai.usage.details.*, its cost as
    # `operation.cost`; OpenLIT's cost is `gen_ai.usage.cost`
    pydantic_ai = span("p1", "chat gpt-4o", 0, 1, [
        a("gen_ai.operation.name", stringValue="chat"), a("gen_ai.system", stringValue="openai"),
        a("gen_ai.request.model", stringValue="gpt-4o"), a("gen_ai.response.model", stringValue="gpt-4o-2024-11-20"),
        a("gen_ai.usage.details.reasoning_tokens", intValue="30"), a("gen_ai.usage.details.cache_write_tokens", intValue="10"),
        a("gen_ai.usage.details.cache_read_tokens", intValue="20"),
        a("gen_ai.usage.details.input_audio_tokens", intValue="10"),
        a("gen_ai.usage.details.cache_audio_read_tokens", intValue="5"),
        a("gen_ai.usage.details.output_audio_tokens", intValue="30"),
        a("gen_ai.usage.input_tokens", intValue="100"), a("gen_ai.usage.output_tokens", intValue="200"),
        a("operation.cost", doubleValue=0.00188125)])
    openlit = span("p2", "openai.chat.completions", 2, 3, [
        a("gen_ai.operation.name", stringValue="chat"), a("gen_ai.system", stringValue="openai"),
        a("gen_ai.request.model", stringValue="gpt-3.5-turbo"), a("gen_ai.usage.input_tokens", intValue=14),
        a("gen_ai.usage.output_tokens", intValue=96), a("gen_ai.usage.cost", doubleValue=0.000151)])
    db.ingest(write_jsonl(tmp_path / "spans.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": [pydantic_ai, openlit]}]}]}]))
    got = db.con.execute("""SELECT input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                                   input_audio_tokens, cached_audio_tokens, output_audio_tokens, logged_cost_usd
                            FROM calls ORDER BY call_id""").fetchall()
    assert got == [(100, 20, 10, 200, 30, 10, 5, 30, Decimal("0.00188125")), (14, 0, 0, 96, 0, 0, 0, 0, Decimal("0.000151"))]


def test_the_reasoning_share_under_its_other_names(db, tmp_path):
    # names Langfuse's OTel ingestion normalises (its usageDetails tests): OpenInference's
    # gen_ai.usage.reasoning_tokens and a custom llm.token_count.reasoning_tokens, inside the output
    def call(span_id: str, key: str) -> dict:
        return span(span_id, "chat o1-mini", 0, 1, [
            a("gen_ai.operation.name", stringValue="chat"), a("gen_ai.system", stringValue="openai"),
            a("gen_ai.request.model", stringValue="o1-mini"), a("gen_ai.usage.input_tokens", intValue=100),
            a("gen_ai.usage.output_tokens", intValue=600), a(key, intValue=500)])

    spans = [call("r1", "gen_ai.usage.reasoning_tokens"), call("r2", "llm.token_count.reasoning_tokens")]
    db.ingest(write_jsonl(tmp_path / "spans.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}]))
    assert db.con.execute("SELECT output_tokens, reasoning_tokens FROM calls").fetchall() == [(600, 500), (600, 500)]


def test_claude_codes_own_tracing_spans(db, tmp_path):
    # Claude Code's `com.anthropic.claude_code.tracing` span, as in Langfuse's ingestion test
    # (OtelIngestionProcessor.claudeCode.test.ts): Anthropic's counts under bare names, input
    # without the cache reads and writes
    def request(span_id: str, **extra) -> dict:
        attrs = {"span.type": "llm_request", "model": "claude-sonnet-4-5", "gen_ai.system": "anthropic",
                 "gen_ai.request.model": "claude-sonnet-4-5", "speed": "normal", "duration_ms": 4705, "ttft_ms": 1341,
                 "input_tokens": 2, "output_tokens": 333, "cache_read_tokens": 63002, "cache_creation_tokens": 679,
                 "success": "true", "attempt": 1, **extra}
        return span(span_id, "claude_code.llm_request", 0, 4.705, [
            a(k, intValue=str(v)) if isinstance(v, int) else a(k, stringValue=v) for k, v in attrs.items()])

    spans = [request("k1"), request("k2", speed="fast"), request("k3", success="false", error="Overloaded")]
    batch = {"resourceSpans": [{"resource": {"attributes": [a("service.name", stringValue="claude-code")]},
                                "scopeSpans": [{"scope": {"name": "com.anthropic.claude_code.tracing"}, "spans": spans}]}]}
    db.ingest(write_jsonl(tmp_path / "spans.jsonl", [batch]), enrichers=enrichers(db=db.db))
    normal, fast, failed = db.calls()
    assert (normal["input_tokens"], normal["cached_input_tokens"], normal["cache_write_tokens"], normal["output_tokens"],
            normal["ttft_ms"], normal["latency_ms"], normal["status"]) == (63683, 63002, 679, 333, 1341, 4705, "ok")
    # sonnet 4.5: $3 in, $0.30 cache reads, $3.75 cache writes, $15 out
    assert normal["cost_usd"] == (2 * 3 + 63002 * Decimal("0.30") + 679 * Decimal("3.75") + 333 * 15) / Decimal(10**6)
    assert (normal["service_tier"], fast["service_tier"]) == (None, "fast")
    assert (failed["status"], failed["error_type"]) == ("error", "server")  # an overload is a server error


def test_the_1_hour_cache_writes_anthropic_reports_in_a_vercel_ai_sdk_span(db, tmp_path):
    # Langfuse's ingestion test (OtelIngestionProcessor.cacheUsage.test.ts): the convention's
    # counts name the writes, the provider metadata says they were 1-hour ones (2x input, not 1.25x)
    usage = {"input_tokens": 2, "cache_read_input_tokens": 47105, "cache_creation_input_tokens": 1076,
             "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1076}, "output_tokens": 714}
    chat = span("v1", "chat claude-sonnet-4-5", 0, 1, [
        a("gen_ai.operation.name", stringValue="chat"), a("gen_ai.request.model", stringValue="claude-sonnet-4-5"),
        a("gen_ai.system", stringValue="anthropic"), a("gen_ai.usage.input_tokens", intValue=48183),
        a("gen_ai.usage.output_tokens", intValue=714), a("gen_ai.usage.cache_read.input_tokens", intValue=47105),
        a("gen_ai.usage.cache_creation.input_tokens", intValue=1076),
        a("ai.response.providerMetadata", stringValue=json.dumps({"anthropic": {"usage": usage}}))])
    db.ingest(write_jsonl(tmp_path / "spans.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": [chat]}]}]}]),
              enrichers=enrichers(db=db.db))
    (row,) = db.calls()
    assert (row["input_tokens"], row["cache_write_tokens"], row["cache_write_1h_tokens"]) == (48183, 1076, 1076)
    assert row["cost_usd"] == (2 * 3 + 47105 * Decimal("0.30") + 1076 * 6 + 714 * 15) / Decimal(10**6)


def test_a_litellm_span_s_cache_and_reasoning_come_from_its_usage_object_and_its_cost_is_logged(db, tmp_path):
    """LiteLLM's OpenTelemetry spans write the usage as a Python dict's repr in
    `metadata.usage_object` (no cache or reasoning attribute) and their cost as `gen_ai.cost.*`
    (a span of Grace/genai-interlingua's samples, captured from LiteLLM, trimmed). Its 256 cache
    reads were read as none: priced $0.000078, 33% above the $0.0000588 LiteLLM logged."""
    usage = ("{'completion_tokens': 27, 'prompt_tokens': 412, 'total_tokens': 439, 'completion_tokens_details': "
             "{'accepted_prediction_tokens': 0, 'audio_tokens': 0, 'reasoning_tokens': 8, 'rejected_prediction_tokens': 0}, "
             "'prompt_tokens_details': {'audio_tokens': 0, 'cached_tokens': 256}}")
    litellm = span("l1", "litellm_request", 0, 1.2, [
        a("metadata.usage_object", stringValue=usage), a("gen_ai.cost.total_cost", doubleValue=5.88e-05),
        a("gen_ai.request.model", stringValue="gpt-4o-mini"), a("gen_ai.system", stringValue="openai"),
        a("gen_ai.response.model", stringValue="gpt-4o-mini-2024-07-18"), a("gen_ai.operation.name", stringValue="chat"),
        a("gen_ai.usage.input_tokens", intValue="412"), a("gen_ai.usage.output_tokens", intValue="27")])
    db.ingest(write_jsonl(tmp_path / "litellm.jsonl", [{"resourceSpans": [{"scopeSpans": [{"spans": [litellm]}]}]}]),
              enrichers=enrichers())
    (call,) = db.calls()
    assert (call["input_tokens"], call["cached_input_tokens"], call["output_tokens"], call["reasoning_tokens"]) == (
        412, 256, 27, 8)
    # gpt-4o-mini: 156 x $0.15 + 256 x $0.075 + 27 x $0.60 per 1M = $0.0000588, LiteLLM's own figure
    assert (call["cost_usd"], call["logged_cost_usd"]) == (Decimal("0.0000588"), Decimal("0.0000588"))
