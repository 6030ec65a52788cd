"""Arize Phoenix span exports: the spans dataframe saved as JSONL, CSV or Parquet, and the REST API's
span pages.

The dataframe's columns are those `_get_spans_dataframe` selects (Arize-ai/phoenix
src/phoenix/trace/dsl/query.py: `name, span_kind, parent_id, start_time, end_time, status_code,
status_message, events, context.span_id, context.trace_id`, then `attributes.<semantic convention>`
with message lists as lists of `{"message.role", "message.content"}`); `to_json(orient="records")`
writes its times as epoch milliseconds and its NaN-padded counts as floats (1200.0). The REST span is
`Span` of src/phoenix/server/api/routers/v1/spans.py, attributes flattened to dotted keys. Before,
none of these files had a format."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal

import duckdb

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

TRACE = "6b3c6d2a0f5e4d7c9a1b2c3d4e5f6071"
T0, T1 = 1748854873123, 1748854874623  # 2025-06-02 09:01:13.123 UTC, 1.5 s later
MESSAGES = [{"message.role": "system", "message.content": "You are terse."},
            {"message.role": "user", "message.content": "What is 23 times 87?"}]


def _row(span_id, parent, kind, name, attributes, status="OK", message="", events=()):
    """One row of get_spans_dataframe() as to_json(orient="records", lines=True) writes it."""
    return {"name": name, "span_kind": kind, "parent_id": parent, "start_time": T0, "end_time": T1,
            "status_code": status, "status_message": message, "events": list(events), "context.span_id": span_id,
            "context.trace_id": TRACE, **{f"attributes.{k}": v for k, v in attributes.items()}}


CHAIN = _row("c8f1a0b2d3e4f501", None, "CHAIN", "RunnableSequence",
             {"openinference.span.kind": "CHAIN", "input.value": '{"question": "What is 23 times 87?"}'})
# LangChain's span around the OpenAI instrumentor's span of the same request: the inner one is the call
OUTER = _row("9a0b1c2d3e4f5061", "c8f1a0b2d3e4f501", "LLM", "ChatOpenAI",
             {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": 1200.0,
              "llm.token_count.completion": 85.0, "llm.input_messages": MESSAGES})
INNER = _row("1f2e3d4c5b6a7980", "9a0b1c2d3e4f5061", "LLM", "ChatCompletion", {
    "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini-2024-07-18", "llm.provider": "openai",
    "llm.system": "openai", "llm.token_count.prompt": 1200.0, "llm.token_count.completion": 85.0,
    "llm.token_count.total": 1285.0, "llm.token_count.prompt_details.cache_read": 1024.0,
    "llm.input_messages": MESSAGES, "llm.output_messages": [{"message.role": "assistant", "message.content": "2001"}],
    "llm.invocation_parameters": '{"model": "gpt-4o-mini", "temperature": 0.1}', "llm.cost.total": 0.0001542,
    "session.id": "sess-1", "user.id": "u-7", "input.mime_type": "application/json", "output.value": "2001"})
FAILED = _row("2a3b4c5d6e7f8091", None, "LLM", "ChatCompletion",
              {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.provider": "openai"},
              status="ERROR", message="Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o-mini', "
              "'type': 'requests', 'code': 'rate_limit_exceeded'}}",
              events=[{"name": "exception", "timestamp": "2025-06-02T09:01:14.623000+00:00",
                       "attributes": {"exception.type": "openai.RateLimitError", "exception.message": "Error code: 429"}}])
BAD = _row("3b4c5d6e7f809102", None, "LLM", "ChatCompletion",
           {"llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": "NaN tokens"})
EMBED = _row("4c5d6e7f80910213", None, "EMBEDDING", "CreateEmbeddingResponse",
             {"openinference.span.kind": "EMBEDDING", "embedding.model_name": "text-embedding-3-small",
              "llm.token_count.prompt": 12.0, "llm.token_count.total": 12.0})


def test_dataframe_rows_llm_spans_are_calls_agents_skipped_nested_counted_once(db, tmp_path):
    path = write_jsonl(tmp_path / "spans.jsonl", [CHAIN, OUTER, INNER, FAILED, BAD, EMBED])
    (file,) = db.ingest(path, enrichers=enrichers()).files
    # the CHAIN span and the outer LangChain span are skipped; the bad count is quarantined
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("phoenix", 3, 2, 1)
    (reason,) = [q["reason"] for q in db.quarantine()]
    assert "attributes.llm.token_count.prompt" in reason and "NaN tokens" in reason
    call, failed, embed = db.calls()
    assert (call["call_id"], call["ts"], call["latency_ms"]) == (
        f"{TRACE}:1f2e3d4c5b6a7980", datetime(2025, 6, 2, 9, 1, 13, 123000, tzinfo=UTC), 1500.0)
    assert (call["provider"], call["model"], call["model_key"], call["operation"]) == (
        "openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", "chat")
    # llm.token_count.prompt includes its cache_read share (OpenInference; as otel-genai reads it)
    assert (call["input_tokens"], call["cached_input_tokens"], call["cache_write_tokens"]) == (1200, 1024, 0)
    assert (call["output_tokens"], call["reasoning_tokens"], call["status"], call["http_status"]) == (85, 0, "ok", 200)
    # gpt-4o-mini: 176 x $0.15 + 1,024 x $0.075 + 85 x $0.60 per 1M = 0.0000264 + 0.0000768 + 0.000051
    assert (call["cost_usd"], call["logged_cost_usd"]) == (Decimal("0.0001542"), Decimal("0.0001542"))
    assert call["tags"] == {"trace_id": TRACE, "span_name": "ChatCompletion", "conversation_id": "sess-1", "user": "u-7"}
    assert (call["system_prompt"], call["user_prompt"], call["response_text"], call["n_messages"]) == (
        "You are terse.", "What is 23 times 87?", "2001", 2)
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["input_tokens"]) == (
        "error", "rate_limit", 429, 0)
    assert failed["tags"]["error"].startswith("Error code: 429")
    assert (embed["operation"], embed["model"], embed["input_tokens"], embed["output_tokens"]) == (
        "embedding", "text-embedding-3-small", 12, 0)


# GET /v1/projects/{id}/spans: attributes flattened (`llm.input_messages.0.message.role`), the
# span kind moved out of them; Anthropic's instrumentor counts the cache inside the prompt
REST_LLM = {
    "id": "U3BhbjoxMjM0", "name": "Messages", "context": {"trace_id": "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4",
                                                          "span_id": "1a2b3c4d5e6f7a8b"},
    "span_kind": "LLM", "parent_id": "0f0e0d0c0b0a0908", "start_time": "2025-10-01T12:00:00.000000+00:00",
    "end_time": "2025-10-01T12:00:04.250000+00:00", "status_code": "OK", "status_message": "",
    "attributes": {
        "llm.provider": "anthropic", "llm.system": "anthropic", "llm.model_name": "claude-sonnet-4-5-20250929",
        "llm.token_count.prompt": 14124, "llm.token_count.completion": 310, "llm.token_count.total": 14434,
        "llm.token_count.prompt_details.cache_read": 12000, "llm.token_count.prompt_details.cache_write": 2100,
        "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Summarise the contract.",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "The contract runs for two years.",
        "llm.tools.0.tool.json_schema": '{"name": "search"}', "input.mime_type": "application/json"},
    "events": []}
REST_AGENT = {**REST_LLM, "id": "U3BhbjoxMjMz", "name": "agent", "span_kind": "AGENT", "parent_id": None,
              "context": {"trace_id": "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4", "span_id": "0f0e0d0c0b0a0908"}}


def test_a_rest_api_page_of_spans_is_read_with_the_cache_inside_the_prompt(db, tmp_path):
    path = tmp_path / "spans_page.json"
    path.write_text(json.dumps({"data": [REST_AGENT, REST_LLM], "next_cursor": None}, indent=2), encoding="utf-8")
    result = db.ingest(path, enrichers=enrichers())
    assert sum(f.loaded for f in result.files) == 1 and {f.log_format for f in result.files} == {"phoenix"}
    (call,) = db.calls()
    assert (call["call_id"], call["provider"], call["model_key"], call["latency_ms"]) == (
        "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4:1a2b3c4d5e6f7a8b", "anthropic", "claude-sonnet-4-5", 4250.0)
    assert (call["input_tokens"], call["cached_input_tokens"], call["cache_write_tokens"], call["output_tokens"]) == (
        14124, 12000, 2100, 310)
    # Sonnet 4.5: 24 x $3 + 12,000 x $0.30 + 2,100 x $3.75 + 310 x $15 per 1M
    assert call["cost_usd"] == Decimal("0.016197")
    assert (call["user_prompt"], call["response_text"], call["n_tools"]) == (
        "Summarise the contract.", "The contract runs for two years.", 1)


def test_csv_and_parquet_saves_of_the_dataframe_read_the_same_counts(db, tmp_path):
    # to_csv: a list column is written as its Python repr (not JSON), NaN as an empty field; the
    # request JSON in input.value still gives the text
    columns = ["context.span_id", "name", "span_kind", "parent_id", "start_time", "end_time", "status_code",
               "status_message", "events", "context.trace_id", "attributes.llm.model_name",
               "attributes.llm.token_count.prompt", "attributes.llm.token_count.completion",
               "attributes.llm.token_count.prompt_details.cache_read", "attributes.llm.input_messages",
               "attributes.input.value", "attributes.output.value"]
    request = {"messages": [{"role": "user", "content": "What is 23 times 87?"}], "model": "gpt-4o-mini"}
    csv_path = tmp_path / "spans.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerow(["1f2e3d4c5b6a7980", "ChatCompletion", "LLM", "", "2025-06-02 09:01:13.123000+00:00",
                         "2025-06-02 09:01:14.623000+00:00", "OK", "", "[]", TRACE, "gpt-4o-mini", "1200.0", "85.0",
                         "1024.0", str(MESSAGES[1:]), json.dumps(request), "2001"])
        writer.writerow(["c8f1a0b2d3e4f501", "RunnableSequence", "CHAIN", "", "2025-06-02 09:01:13.000000+00:00",
                         "2025-06-02 09:01:15.000000+00:00", "OK", "", "[]", TRACE, "", "", "", "", "", "", ""])
    # to_parquet: the message list is a list of structs, the times timestamps
    parquet_path = tmp_path / "spans.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT '5e6f708192a3b4c5' AS "context.span_id", 'ChatCompletion' AS name, 'LLM' AS span_kind,
        NULL::VARCHAR AS parent_id, TIMESTAMPTZ '2025-06-02 09:01:13.123+00' AS start_time,
        TIMESTAMPTZ '2025-06-02 09:01:14.623+00' AS end_time, 'OK' AS status_code, '{TRACE}' AS "context.trace_id",
        'gpt-4o-mini' AS "attributes.llm.model_name", 1200.0::DOUBLE AS "attributes.llm.token_count.prompt",
        85.0::DOUBLE AS "attributes.llm.token_count.completion",
        1024.0::DOUBLE AS "attributes.llm.token_count.prompt_details.cache_read",
        [{{'message.role': 'user', 'message.content': 'What is 23 times 87?'}}] AS "attributes.llm.input_messages")
        TO '{parquet_path}' (FORMAT parquet)""")
    con.close()
    result = db.ingest(csv_path, parquet_path, enrichers=enrichers())
    assert sorted((f.log_format, f.loaded, f.skipped) for f in result.files) == [("phoenix", 1, 0), ("phoenix", 1, 1)]
    from_csv, from_parquet = sorted(db.calls(), key=lambda c: c["source_file"])
    for call in (from_csv, from_parquet):
        assert (call["model"], call["input_tokens"], call["cached_input_tokens"], call["output_tokens"]) == (
            "gpt-4o-mini", 1200, 1024, 85)
        assert (call["ts"], call["latency_ms"], call["user_prompt"]) == (
            datetime(2025, 6, 2, 9, 1, 13, 123000, tzinfo=UTC), 1500.0, "What is 23 times 87?")
        assert call["cost_usd"] == Decimal("0.0001542")  # as above
    assert from_csv["response_text"] == "2001"
