"""Langfuse observations: usageDetails.input is uncached; only GENERATIONs are calls."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

API = {"id": "obs-1", "traceId": "tr-1", "type": "GENERATION", "name": "answer", "level": "DEFAULT",
       "startTime": "2025-05-02T10:00:00.000Z", "endTime": "2025-05-02T10:00:02.500Z",
       "completionStartTime": "2025-05-02T10:00:00.300Z", "model": "claude-3-7-sonnet-20250219",
       "usageDetails": {"input": 100, "cache_read_input_tokens": 6000, "cache_creation_input_tokens": 400,
                        "output": 250, "total": 6750},
       "costDetails": {"input": 0.003, "output": 0.00375, "total": 0.00675},
       "metadata": {"team": "support", "irrelevant": "x"},
       "scores": [{"name": "helpfulness", "value": 0.9}]}
REASONING = {"id": "obs-2", "traceId": "tr-2", "type": "GENERATION", "level": "DEFAULT",
             "startTime": "2025-05-02T10:01:00Z", "endTime": "2025-05-02T10:01:05Z", "model": "o3-mini",
             "usageDetails": {"input": 500, "input_cached_tokens": 1024, "output": 300, "output_reasoning_tokens": 900},
             "totalCost": 0.0091}
SPAN = {"id": "obs-3", "traceId": "tr-2", "type": "SPAN", "name": "retrieve", "startTime": "2025-05-02T10:01:00Z"}
ERROR = {"id": "obs-4", "traceId": "tr-3", "type": "GENERATION", "level": "ERROR",
         "statusMessage": "Error code: 429 - rate limit exceeded", "startTime": "2025-05-02T10:02:00Z",
         "model": "gpt-4o", "usageDetails": {}}
BLOB = {"id": "obs-5", "trace_id": "tr-4", "type": "GENERATION", "level": "DEFAULT",
        "start_time": "2025-05-02 10:03:00", "end_time": "2025-05-02 10:03:01", "provided_model_name": "gpt-4o-mini",
        "usage_details": {"input": 40, "output": 10}, "cost_details": {"total": 0.00002}, "total_cost": 0.00002}

BASE = {"operation": "chat", "is_batch": False, "cache_write_tokens": 0}


def test_langfuse_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "observations.jsonl", [API, REASONING, SPAN, ERROR, BLOB]))
    (file,) = result.files
    assert (file.log_format, file.quarantined, file.skipped, file.loaded) == ("langfuse", 0, 1, 4)
    assert_calls(db.calls(), [
        # 100 uncached + 6000 cache reads + 400 cache writes
        {**BASE, "call_id": "obs-1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC), "provider": "anthropic",
         "model": "claude-3-7-sonnet-20250219", "input_tokens": 6500, "cached_input_tokens": 6000,
         "cache_write_tokens": 400, "output_tokens": 250, "reasoning_tokens": 0, "latency_ms": 2500.0,
         "ttft_ms": 300.0, "status": "ok", "error_type": None, "http_status": 200, "logged_cost_usd": 0.00675,
         "tags": {"score.helpfulness": "0.9", "score": "0.9", "trace_id": "tr-1", "team": "support"}},
        # reasoning sits outside `output`: 300 + 900
        {**BASE, "call_id": "obs-2", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC), "provider": "openai",
         "model": "o3-mini", "input_tokens": 1524, "cached_input_tokens": 1024, "output_tokens": 1200,
         "reasoning_tokens": 900, "latency_ms": 5000.0, "ttft_ms": None, "status": "ok", "error_type": None,
         "http_status": 200, "logged_cost_usd": 0.0091, "tags": {"trace_id": "tr-2"}},
        {**BASE, "call_id": "obs-4", "ts": datetime(2025, 5, 2, 10, 2, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o", "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0,
         "latency_ms": None, "ttft_ms": None, "status": "error", "error_type": "rate_limit", "http_status": 429,
         "logged_cost_usd": None, "tags": {"trace_id": "tr-3"}},
        {**BASE, "call_id": "obs-5", "ts": datetime(2025, 5, 2, 10, 3, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o-mini", "input_tokens": 40, "cached_input_tokens": 0, "output_tokens": 10,
         "reasoning_tokens": 0, "latency_ms": 1000.0, "ttft_ms": None, "status": "ok", "error_type": None,
         "http_status": 200, "logged_cost_usd": 0.00002, "tags": {"trace_id": "tr-4"}},
    ])


# `input` as the Langfuse integrations write it: the chat array; `{messages, tools}` when tools
# were passed; a completion's prompt string. `output`: the answer's message, or its text.
CHAT_INPUT = {**API, "id": "obs-6", "input": [
    {"role": "system", "content": "Answer in one word."},
    {"role": "user", "content": "Classify the sentiment: 'The delivery was late again.'"}],
    "output": {"role": "assistant", "content": "negative"}}
TOOLS_INPUT = {**API, "id": "obs-7", "input": {
    "tools": [{"type": "function", "function": {"name": "get_weather"}}],
    "messages": [{"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]}]},
    "output": {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]}}
PROMPT_INPUT = {**BLOB, "id": "obs-8", "input": "Translate to French: good morning", "output": "bonjour"}


def test_langfuse_input_and_output_are_read_as_text(db, tmp_path):
    from mmaudit.enrich import enrichers

    db.ingest(write_jsonl(tmp_path / "observations.jsonl", [CHAT_INPUT, TOOLS_INPUT, PROMPT_INPUT, API]),
              enrichers=enrichers())
    rows = {r["call_id"]: r for r in db.calls()}
    chat = rows["obs-6"]
    assert (chat["system_prompt"], chat["user_prompt"], chat["response_text"]) == (
        "Answer in one word.", "Classify the sentiment: 'The delivery was late again.'", "negative")
    assert (chat["n_messages"], chat["n_tools"], chat["prompt_chars"]) == (2, 0, 19 + 1 + 54)
    assert chat["prompt_hash"] is not None
    assert (chat["task"], chat["category_source"]) == ("classification", "model")
    tools = rows["obs-7"]
    assert (tools["user_prompt"], tools["n_messages"], tools["n_tools"], tools["response_text"]) == (
        "Weather in Oslo?", 1, 1, None)
    prompt = rows["obs-8"]
    assert (prompt["user_prompt"], prompt["response_text"], prompt["n_messages"], prompt["n_tools"]) == (
        "Translate to French: good morning", "bonjour", 1, 0)
    assert prompt["task"] == "translation"
    # an observation without input keeps "no text": the categoriser's fallback, as before
    bare = rows["obs-1"]
    assert (bare["user_prompt"], bare["n_messages"], bare["n_tools"], bare["category_source"]) == (None, None, None, "default")


def test_an_input_that_already_holds_the_cache_is_not_counted_twice(db, tmp_path):
    # usageDetails as Codex's Langfuse plugin wrote it (langfuse/codex-observability-plugin#22):
    # `input` is the whole prompt, cache included, and the total is input + output, so adding the
    # cache back would count 115,584 tokens twice. API's total (6,750) holds the cache on top of
    # its 100 uncached tokens: read as documented. A record without a total is read as documented.
    inclusive = {**API, "id": "obs-codex", "model": "gpt-5", "costDetails": {},
                 "usageDetails": {"input": 117231, "cache_read_input_tokens": 115584, "output": 225, "total": 117456}}
    no_total = {**API, "id": "obs-no-total", "usageDetails": {"input": 100, "cache_read_input_tokens": 6000, "output": 5}}
    db.ingest(write_jsonl(tmp_path / "obs.jsonl", [API, inclusive, no_total]))
    got = db.con.execute("SELECT call_id, input_tokens, cached_input_tokens FROM calls ORDER BY call_id").fetchall()
    assert got == [("obs-1", 6500, 6000), ("obs-codex", 117231, 115584), ("obs-no-total", 6100, 6000)]


def test_cache_writes_split_by_lifetime_are_counted_and_the_hour_long_ones_priced_so(db, tmp_path):
    # usageDetails as Langfuse's OTel ingestion stores an Anthropic call forwarded by the Vercel AI
    # SDK (its OtelIngestionProcessor.cacheUsage test): `input` uncached, the writes split by
    # lifetime with only the unsplit rest under `input_cache_creation`
    split = {**API, "id": "obs-split", "model": "claude-sonnet-4-5-20250929", "costDetails": {},
             "usageDetails": {"input": 2, "input_cached_tokens": 47105, "input_cache_creation": 0,
                              "input_cache_creation_5m": 0, "input_cache_creation_1h": 1076, "output": 714}}
    db.ingest(write_jsonl(tmp_path / "obs.jsonl", [split]))
    assert db.con.execute("""SELECT input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens
                             FROM calls""").fetchall() == [(2 + 47105 + 1076, 47105, 1076, 1076)]
