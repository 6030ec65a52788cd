"""Braintrust span rows (logs and experiments), read column by column.

The rows are written the way Braintrust's wrappers log them and its API returns them: the span
model and metric names of braintrustdata/braintrust-spec (docs/instrumentation-guide.md,
skills/instrumentation-spec/references/features/token-and-cost-metrics.md and prompt-cache.md, whose
wire-format example the Anthropic row below is), the Python SDK's float metrics
(py/src/braintrust/integrations/anthropic/_utils.py: `prompt_tokens` = input + cache reads + writes),
the OpenAI wrapper's `*_tokens_details` flattening (integrations/utils.py), the 2024 wrappers'
Anthropic names (py/src/braintrust/wrappers/anthropic.py, js/src/wrappers/anthropic.ts of
braintrust-sdk), the JS AI SDK integration's `ToolLoopAgent.generate` llm span around its
`doGenerate` llm span, and an SDK exception's text as `error`. Before, such files had no format."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

TRACE = "c5b9e2a4-1b7f-4d3e-9a55-0d0b6a1f3e21"
PROJECT = "3f1d7c2e-5a4b-4c8d-9e6f-7a8b9c0d1e2f"


def _span(row_id, span_id, name, kind, parents, start, end, **fields):
    return {"id": row_id, "_xact_id": "1000195851376553024", "created": "2025-10-24T10:00:00.120Z",
            "project_id": PROJECT, "log_id": "g", "span_id": span_id, "root_span_id": TRACE,
            "span_parents": parents, "span_attributes": {"name": name, "type": kind},
            "metrics": {"start": start, "end": end, **fields.pop("metrics", {})}, **fields}


ROOT = _span("ev-root", TRACE, "answer_question", "task", [], 1761300000.12, 1761300009.5,
             input={"question": "What is our refund policy?"}, output="30 days.", tags=["prod"])
# braintrust-spec's wire format: Anthropic's writes split by lifetime, all of them in prompt_tokens
ANTHROPIC = _span("ev-anthropic", "sp-anthropic", "anthropic.messages.create", "llm", [TRACE], 1761300000.25, 1761300002.75,
                  metadata={"model": "claude-sonnet-4-5-20250929", "provider": "anthropic", "max_tokens": 1024},
                  metrics={"prompt_tokens": 2100.0, "completion_tokens": 42.0, "tokens": 2142.0,
                           "prompt_cached_tokens": 0.0, "prompt_cache_creation_5m_tokens": 1042.0,
                           "prompt_cache_creation_1h_tokens": 1000.0, "time_to_first_token": 0.612},
                  input=[{"role": "user", "content": "What is our refund policy?"},
                         {"role": "system", "content": "Answer from the policy document only."}],
                  output={"role": "assistant", "content": [{"type": "text", "text": "Refunds are accepted within 30 days."}],
                          "stop_reason": "end_turn"})
# wrap_openai: OpenAI's prompt_tokens already holds the cached share, completion_tokens the reasoning
OPENAI = _span("ev-openai", "sp-openai", "Chat Completion", "llm", [TRACE], 1761300003.0, 1761300004.5,
               metadata={"model": "gpt-4o-mini-2024-07-18", "provider": "openai", "temperature": 0,
                         "tools": [{"type": "function", "function": {"name": "lookup_policy"}}]},
               metrics={"prompt_tokens": 1200, "completion_tokens": 80, "tokens": 1280, "prompt_cached_tokens": 1024,
                        "prompt_audio_tokens": 0, "completion_reasoning_tokens": 0, "completion_audio_tokens": 0,
                        "estimated_cost": 0.0001512},
               input=[{"role": "system", "content": "Rewrite tersely."}, {"role": "user", "content": "Refunds: 30 days."}],
               output=[{"index": 0, "finish_reason": "stop", "logprobs": None,
                        "message": {"role": "assistant", "content": "30-day refunds.", "refusal": None}}])
FAILED = _span("ev-failed", "sp-failed", "anthropic.messages.create", "llm", [TRACE], 1761300005.0, 1761300005.2,
               metadata={"model": "claude-sonnet-4-5-20250929", "provider": "anthropic", "max_tokens": 1024},
               input=[{"role": "user", "content": "Summarise the thread."}],
               error="Error code: 429 - {'type': 'error', 'error': {'type': 'rate_limit_error', "
                     "'message': 'This request would exceed the rate limit for your organization'}}")
# the 2024 wrappers: Anthropic's own names, prompt_tokens its uncached input_tokens
LEGACY = _span("ev-legacy", "sp-legacy", "anthropic.messages.create", "llm", [TRACE], 1761300006.0, 1761300007.0,
               metadata={"model": "claude-3-5-haiku-20241022", "provider": "anthropic"},
               metrics={"prompt_tokens": 12, "completion_tokens": 5, "tokens": 17, "cache_read_input_tokens": 1175,
                        "cache_creation_input_tokens": 0, "time_to_first_token": 0.41},
               input=[{"role": "user", "content": "Yes or no?"}], output={"role": "assistant",
                                                                          "content": [{"type": "text", "text": "Yes."}]})


def test_llm_spans_are_calls_with_the_cache_in_the_prompt_and_other_spans_skipped(db, tmp_path):
    path = write_jsonl(tmp_path / "project_logs.jsonl", [ROOT, ANTHROPIC, OPENAI, FAILED, LEGACY])
    (file,) = db.ingest(path, enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("braintrust", 4, 1, 0)
    anthropic, openai, failed, legacy = db.calls()

    assert (anthropic["call_id"], anthropic["ts"], anthropic["provider"], anthropic["model"], anthropic["model_key"]) == (
        "ev-anthropic", datetime(2025, 10, 24, 10, 0, 0, 250000, tzinfo=UTC), "anthropic", "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-5")
    assert (anthropic["input_tokens"], anthropic["cached_input_tokens"], anthropic["cache_write_tokens"],
            anthropic["cache_write_1h_tokens"], anthropic["output_tokens"]) == (2100, 0, 2042, 1000, 42)
    assert (anthropic["latency_ms"], anthropic["ttft_ms"], anthropic["status"], anthropic["http_status"]) == (
        2500.0, 612.0, "ok", 200)
    # Sonnet 4.5 per 1M: 58 uncached x $3 + 1,042 5m writes x $3.75 + 1,000 1h writes x $6 + 42 x $15
    assert (anthropic["cost_usd"], anthropic["logged_cost_usd"]) == (Decimal("0.0107115"), None)
    assert (anthropic["system_prompt"], anthropic["user_prompt"], anthropic["response_text"]) == (
        "Answer from the policy document only.", "What is our refund policy?", "Refunds are accepted within 30 days.")
    assert anthropic["tags"] == {"trace_id": TRACE, "span_name": "anthropic.messages.create", "project_id": PROJECT}

    assert (openai["provider"], openai["model_key"], openai["input_tokens"], openai["cached_input_tokens"],
            openai["output_tokens"], openai["reasoning_tokens"], openai["n_tools"]) == (
        "openai", "gpt-4o-mini", 1200, 1024, 80, 0, 1)
    # gpt-4o-mini per 1M: 176 x $0.15 + 1,024 cached x $0.075 + 80 x $0.60; the span's own estimated_cost agrees
    assert (openai["cost_usd"], openai["logged_cost_usd"], openai["response_text"]) == (
        Decimal("0.0001512"), Decimal("0.0001512"), "30-day refunds.")

    assert (failed["status"], failed["error_type"], failed["http_status"], failed["input_tokens"],
            failed["output_tokens"], failed["latency_ms"]) == ("error", "rate_limit", 429, 0, 0, 200.0)
    assert failed["tags"]["error"].startswith("Error code: 429")

    # the uncached 12 plus the 1,175 cache reads; Haiku 3.5: 12 x $0.80 + 1,175 x $0.08 + 5 x $4 per 1M
    assert (legacy["input_tokens"], legacy["cached_input_tokens"], legacy["output_tokens"], legacy["cost_usd"]) == (
        1187, 1175, 5, Decimal("0.0001236"))


def test_an_agent_llm_span_around_its_model_requests_is_not_counted_again(db, tmp_path):
    agent = _span("ev-agent", "sp-agent", "ToolLoopAgent.generate", "llm", [], 1761300100.0, 1761300104.0,
                  metadata={"model": "gemini-2.5-flash", "provider": "google.generative-ai"},
                  metrics={"time_to_first_token": 3.9}, input={"prompt": "Weather in Paris?"}, output={"text": "Sunny, 18C."})
    step = {"provider": "google.generative-ai", "model": "gemini-2.5-flash"}
    first = _span("ev-step1", "sp-step1", "doGenerate", "llm", ["sp-agent"], 1761300100.1, 1761300101.9, metadata=step,
                  metrics={"prompt_tokens": 100, "completion_tokens": 50, "completion_reasoning_tokens": 30, "tokens": 150},
                  input={"prompt": [{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}]},
                  output={"text": "", "finishReason": "tool-calls"})
    tool = _span("ev-tool", "sp-tool", "get_weather", "tool", ["sp-agent"], 1761300102.0, 1761300102.3,
                 input={"city": "Paris"}, output={"temperature": 18})
    # a row whose total says its completion count kept the thoughts outside: they are added
    second = _span("ev-step2", "sp-step2", "doGenerate", "llm", ["sp-agent"], 1761300102.4, 1761300104.0, metadata=step,
                   metrics={"prompt_tokens": 130, "completion_tokens": 8, "completion_reasoning_tokens": 12, "tokens": 150},
                   output={"text": "Sunny, 18C.", "finishReason": "stop"})
    (file,) = db.ingest(write_jsonl(tmp_path / "logs.jsonl", [agent, first, tool, second]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.skipped) == ("braintrust", 2, 2)
    step1, step2 = db.calls()
    assert (step1["call_id"], step1["provider"], step1["input_tokens"], step1["output_tokens"], step1["reasoning_tokens"]) == (
        "ev-step1", "google", 100, 50, 30)
    assert (step2["call_id"], step2["output_tokens"], step2["reasoning_tokens"], step2["response_text"]) == (
        "ev-step2", 20, 12, "Sunny, 18C.")
    # Gemini 2.5 Flash per 1M: 130 x $0.30 + 20 x $2.50
    assert step2["cost_usd"] == Decimal("0.000089")


def test_pages_and_a_csv_export_are_read_row_by_row(db, tmp_path):
    fetch = tmp_path / "fetch.json"
    fetch.write_text(json.dumps({"events": [ROOT, ANTHROPIC], "cursor": "aW5kZXg6MTAw"}, indent=2), encoding="utf-8")
    query = tmp_path / "query.json"
    query.write_text(json.dumps({"data": [OPENAI, LEGACY], "schema": {"type": "array"}, "cursor": None}), encoding="utf-8")
    # a CSV row keeps each nested value as JSON text (the layout is assumed: no real export was found)
    table = tmp_path / "export.csv"
    with table.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(list(FAILED))
        for row in (ROOT, FAILED):
            out.writerow([json.dumps(row.get(k)) if isinstance(row.get(k), dict | list) else row.get(k) for k in FAILED])
    files = db.ingest(fetch, query, table, enrichers=enrichers()).files
    assert sorted((f.log_format, f.loaded, f.skipped, f.quarantined) for f in files) == [
        ("braintrust", 1, 0, 0), ("braintrust", 1, 1, 0), ("braintrust", 2, 0, 0)]  # (a page's task span: no line)
    calls = {c["call_id"]: c for c in db.calls()}
    assert sorted(calls) == ["ev-anthropic", "ev-failed", "ev-legacy", "ev-openai"]
    assert (calls["ev-failed"]["model"], calls["ev-failed"]["error_type"], calls["ev-failed"]["latency_ms"]) == (
        "claude-sonnet-4-5-20250929", "rate_limit", 200.0)


def test_a_span_with_a_count_that_is_not_a_number_is_quarantined(db, tmp_path):
    bad = {**OPENAI, "id": "ev-bad", "metrics": {**OPENAI["metrics"], "prompt_tokens": "lots"}}
    (file,) = db.ingest(write_jsonl(tmp_path / "logs.jsonl", [bad, LEGACY]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("braintrust", 1, 1)
    (row,) = db.quarantine()
    assert (row["source_line"], row["reason"]) == (1, "metrics.prompt_tokens is lots, not a token count")
