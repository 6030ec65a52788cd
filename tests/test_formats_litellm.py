"""LiteLLM StandardLoggingPayload and SpendLogs rows; LiteLLM response-cache hits cost nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

PAYLOAD = {
    "id": "litellm-call-1", "trace_id": "t-1", "call_type": "acompletion", "stream": True, "status": "success",
    "custom_llm_provider": "anthropic", "model": "claude-3-5-sonnet-20241022", "model_group": "smart",
    "prompt_tokens": 5050, "completion_tokens": 120, "total_tokens": 5170,
    "startTime": 1746180000.0, "endTime": 1746180003.5, "completionStartTime": 1746180000.4,
    "response_cost": 0.0123, "cache_hit": None, "request_tags": ["app:search", "env:prod"], "end_user": "cust-9",
    "metadata": {"user_api_key_team_alias": "search", "user_api_key_user_id": "u-1",
                 "usage_object": {"prompt_tokens": 5050, "completion_tokens": 120,
                                  "cache_read_input_tokens": 4000, "cache_creation_input_tokens": 1000,
                                  "prompt_tokens_details": {"cached_tokens": 4000}}},
    "error_information": None,
}
CACHE_HIT = {**PAYLOAD, "id": "litellm-call-2", "stream": False, "cache_hit": True, "response_cost": 0.0,
             "startTime": 1746180010.0, "endTime": 1746180010.02, "completionStartTime": 1746180010.02,
             "request_tags": [], "end_user": None}
FAILURE = {"id": "litellm-call-3", "call_type": "acompletion", "stream": False, "status": "failure",
           "custom_llm_provider": "bedrock", "model": "anthropic.claude-3-haiku-20240307-v1:0", "model_group": "cheap",
           "prompt_tokens": 0, "completion_tokens": 0, "startTime": 1746180020.0, "endTime": 1746180020.8,
           "response_cost": 0.0, "cache_hit": None, "request_tags": [], "metadata": {},
           "error_information": {"error_code": "429", "error_class": "RateLimitError", "llm_provider": "bedrock"}}
SPEND_ROW = {"request_id": "chatcmpl-spend-1", "call_type": "acompletion", "api_key": "hashed", "spend": 0.00042,
             "total_tokens": 1700, "prompt_tokens": 1500, "completion_tokens": 200,
             "startTime": "2025-05-02T10:01:00Z", "endTime": "2025-05-02T10:01:02.250Z",
             "completionStartTime": "2025-05-02T10:01:02.250Z", "model": "gpt-4o-mini",
             "model_group": "default", "custom_llm_provider": "openai", "user": "u-2", "team_id": "team-b",
             "end_user": "", "cache_hit": "False", "status": "success",
             "request_tags": json.dumps(["batch-job"]),
             "metadata": json.dumps({"usage_object": {"prompt_tokens": 1500, "completion_tokens": 200,
                                                      "prompt_tokens_details": {"cached_tokens": 1024,
                                                                                "audio_tokens": 300},
                                                      "completion_tokens_details": {"reasoning_tokens": 0,
                                                                                    "audio_tokens": 150}}})}
SPEND_HIT = {**SPEND_ROW, "request_id": "chatcmpl-spend-2", "cache_hit": "True", "spend": 0.0,
             "request_tags": "[]", "metadata": "{}"}

BASE = {"operation": "chat", "is_batch": False}


def test_litellm_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "litellm.jsonl", [PAYLOAD, CACHE_HIT, FAILURE, SPEND_ROW, SPEND_HIT]))
    assert result.files[0].log_format == "litellm" and result.files[0].quarantined == 0
    assert_calls(db.calls(), [
        # prompt_tokens already folds in the 4000 cache reads and 1000 writes
        {**BASE, "call_id": "litellm-call-1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC),
         "provider": "anthropic", "model": "claude-3-5-sonnet-20241022", "input_tokens": 5050,
         "cached_input_tokens": 4000, "cache_write_tokens": 1000, "output_tokens": 120, "reasoning_tokens": 0,
         "latency_ms": 3500.0, "ttft_ms": 400.0, "status": "ok", "error_type": None, "http_status": 200,
         "logged_cost_usd": 0.0123,
         "tags": {"team": "search", "user": "u-1", "end_user": "cust-9", "request_tags": "app:search,env:prod",
                  "model_group": "smart"}},
        # LiteLLM's own response cache answered: a success, no provider tokens, zero spend
        {**BASE, "call_id": "litellm-call-2", "ts": datetime(2025, 5, 2, 10, 0, 10, tzinfo=UTC),
         "provider": "anthropic", "model": "claude-3-5-sonnet-20241022", "input_tokens": 0,
         "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0,
         "latency_ms": 20.0, "ttft_ms": None, "status": "ok", "error_type": None, "http_status": 200,
         "logged_cost_usd": 0.0,
         "tags": {"team": "search", "user": "u-1", "model_group": "smart", "cache_hit": "true",
                  "cached_response_tokens": "5050+120"}},
        {**BASE, "call_id": "litellm-call-3", "ts": datetime(2025, 5, 2, 10, 0, 20, tzinfo=UTC),
         "provider": "aws-bedrock", "model": "anthropic.claude-3-haiku-20240307-v1:0", "input_tokens": 0,
         "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0,
         "latency_ms": 800.0, "ttft_ms": None, "status": "error", "error_type": "rate_limit", "http_status": 429,
         "logged_cost_usd": 0.0, "tags": {"model_group": "cheap"}},
        {**BASE, "call_id": "chatcmpl-spend-1", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC),
         "provider": "openai", "model": "gpt-4o-mini", "input_tokens": 1500, "cached_input_tokens": 1024,
         "cache_write_tokens": 0, "output_tokens": 200, "reasoning_tokens": 0, "latency_ms": 2250.0, "ttft_ms": None,
         "status": "ok", "error_type": None, "http_status": 200, "logged_cost_usd": 0.00042,
         "input_audio_tokens": 300, "output_audio_tokens": 150,  # parts of the counts, as OpenAI's
         "tags": {"team": "team-b", "user": "u-2", "end_user": "", "request_tags": "batch-job", "model_group": "default"}},
        {**BASE, "call_id": "chatcmpl-spend-2", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC),
         "provider": "openai", "model": "gpt-4o-mini", "input_tokens": 0, "cached_input_tokens": 0,
         "cache_write_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "latency_ms": 2250.0, "ttft_ms": None,
         "status": "ok", "error_type": None, "http_status": 200, "logged_cost_usd": 0.0,
         "tags": {"team": "team-b", "user": "u-2", "end_user": "", "model_group": "default", "cache_hit": "true",
                  "cached_response_tokens": "1500+200"}},
    ])


# What the proxy logged of the request: the chat array (StandardLoggingPayload), the same array as
# a JSON string (a SpendLogs export with store_prompts_in_spend_logs), or only the proxy's copy
# of the request body (SpendLogs without stored prompts keep `messages: "{}"`).
THREAD = [
    {"role": "system", "content": "You are a translator for our support desk."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello! What should I translate?"},
    {"role": "user", "content": [{"type": "text", "text": "Translate into German: 'Your refund was sent today.'"},
                                 {"type": "image_url", "image_url": {"url": "https://example.com/receipt.png"}}]},
]
WITH_TEXT = {**PAYLOAD, "id": "litellm-text-1", "messages": THREAD,
             "response": {"id": "x", "object": "chat.completion",
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": "Ihre Rückerstattung wurde heute gesendet."}}]},
             "model_parameters": {"temperature": 0, "tools": [{"type": "function", "function": {"name": "lookup"}}],
                                  "response_format": {"type": "json_object"}}}
SPEND_WITH_TEXT = {**SPEND_ROW, "request_id": "chatcmpl-spend-text", "messages": json.dumps(THREAD[-1:]),
                   "response": json.dumps({"choices": [{"message": {"content": "Ihre Rückerstattung..."}}]})}
SPEND_PROXY_COPY = {**SPEND_ROW, "request_id": "chatcmpl-spend-proxy", "messages": "{}", "response": "{}",
                    "proxy_server_request": {"model": "gpt-4o-mini", "messages": THREAD[:2],
                                             "tools": [{"type": "function"}, {"type": "function"}]}}
TEXT_COMPLETION = {**PAYLOAD, "id": "litellm-text-2", "call_type": "atext_completion",
                   "messages": "Summarise in one line: the meeting moved to Friday.",
                   "response": {"choices": [{"index": 0, "text": "Meeting now Friday."}]}}


def test_litellm_logged_prompts_are_read(db, tmp_path):
    from mmaudit.enrich import enrichers

    db.ingest(write_jsonl(tmp_path / "litellm.jsonl", [WITH_TEXT, SPEND_WITH_TEXT, SPEND_PROXY_COPY, TEXT_COMPLETION]),
              enrichers=enrichers())
    rows = {r["call_id"]: r for r in db.calls()}
    full = rows["litellm-text-1"]
    assert full["system_prompt"] == "You are a translator for our support desk."
    assert full["user_prompt"] == "Translate into German: 'Your refund was sent today.'"  # the LAST user turn
    assert full["response_text"] == "Ihre Rückerstattung wurde heute gesendet."
    assert (full["n_messages"], full["n_tools"], full["has_image"], full["response_format"]) == (4, 1, True, "json_object")
    assert full["prompt_chars"] == len("\n".join([THREAD[0]["content"], "Hi", THREAD[2]["content"], THREAD[3]["content"][0]["text"]]))
    assert full["prompt_hash"] is not None
    stringified = rows["chatcmpl-spend-text"]
    assert (stringified["user_prompt"], stringified["n_messages"], stringified["n_tools"]) == (
        "Translate into German: 'Your refund was sent today.'", 1, 0)
    assert stringified["response_text"] == "Ihre Rückerstattung..."
    proxy = rows["chatcmpl-spend-proxy"]
    assert (proxy["system_prompt"], proxy["user_prompt"], proxy["n_messages"], proxy["n_tools"]) == (
        THREAD[0]["content"], "Hi", 2, 2)
    assert proxy["response_text"] is None  # "{}": the proxy did not store the answer
    completion = rows["litellm-text-2"]
    assert (completion["operation"], completion["user_prompt"], completion["n_messages"]) == (
        "completion", "Summarise in one line: the meeting moved to Friday.", 1)
    assert completion["response_text"] == "Meeting now Friday."
    # the categoriser reads the text now: before, every LiteLLM call was the `chat` fallback
    assert completion["task"] == "summarization" and completion["category_source"] in ("rules", "model")
    assert (stringified["task"], stringified["category_source"]) == ("vision", "operation")  # its image part


def test_a_call_litellm_sent_to_vertex_ai_is_priced_at_vertex_rates(db, tmp_path):
    # LiteLLM logs the bare model with custom_llm_provider `vertex_ai`: the call is Vertex's, whose
    # gemini-2.0-flash costs $0.15 / $0.60 per 1M against the Gemini API's $0.10 / $0.40
    from mmaudit.enrich import enrichers

    vertex = {**FAILURE, "id": "vx-1", "status": "success", "custom_llm_provider": "vertex_ai", "model": "gemini-2.0-flash",
              "prompt_tokens": 1_000_000, "completion_tokens": 100_000, "error_information": None,
              "response_cost": 0.21}
    studio = {**vertex, "id": "gm-1", "custom_llm_provider": "gemini", "response_cost": 0.14}
    db.ingest(write_jsonl(tmp_path / "litellm.jsonl", [vertex, studio]), enrichers=enrichers())
    got = {r["call_id"]: (r["provider"], float(r["cost_usd"])) for r in db.calls()}
    assert got == {"vx-1": ("vertex", 0.15 + 0.06), "gm-1": ("google", 0.10 + 0.04)}


def test_litellm_call_types_become_operations(db, tmp_path):
    from mmaudit.enrich import enrichers

    types = {"aimage_generation": "image", "image_edit": "image", "atranscription": "transcription", "speech": "speech",
             "amoderation": "moderation", "arerank": "rerank", "aembedding": "embedding", "acompletion": "chat",
             "aresponses": "chat"}
    records = [{**SPEND_ROW, "request_id": f"ct-{i}", "call_type": t} for i, t in enumerate(types)]
    db.ingest(write_jsonl(tmp_path / "litellm.jsonl", records), enrichers=enrichers())
    got = {r["call_id"]: (r["operation"], r["task"]) for r in db.calls()}
    tasks = {"image": "other", "transcription": "other", "speech": "other", "moderation": "classification",
             "rerank": "other", "embedding": "embedding"}
    assert got == {f"ct-{i}": (op, tasks.get(op, "chat")) for i, op in enumerate(types.values())}


def _usage_row(request_id: str, prompt: int, usage: dict) -> dict:
    return {**SPEND_ROW, "request_id": request_id, "custom_llm_provider": "anthropic", "model": "claude-sonnet-4-20250514",
            "prompt_tokens": prompt, "completion_tokens": 467, "total_tokens": prompt + 467,
            "metadata": json.dumps({"usage_object": {"prompt_tokens": prompt, "completion_tokens": 467, **usage}})}


def test_cache_counts_are_read_whichever_way_a_litellm_version_logged_them(db, tmp_path):
    rows = [
        # BerriAI/litellm#11789 (streamed Anthropic): `cached_tokens: 0` beside the real reads
        _usage_row("reads-beside-zero", 2459, {"prompt_tokens_details": {"cached_tokens": 0},
                                               "cache_read_input_tokens": 2455, "cache_creation_input_tokens": 0}),
        # BerriAI/litellm#15056: prompt_tokens 31 left the 1,253 written tokens out
        _usage_row("writes-left-out", 31, {"prompt_tokens_details": {"cached_tokens": 0},
                                           "cache_creation_input_tokens": 1253, "cache_read_input_tokens": 0}),
        # an older version that left both out (prompt_tokens smaller than the reads alone)
        _usage_row("both-left-out", 12, {"cache_read_input_tokens": 3000, "cache_creation_input_tokens": 500}),
        # folded in, as most versions write it: kept as it is
        _usage_row("folded-in", 5050, {"cache_read_input_tokens": 4000, "cache_creation_input_tokens": 1000,
                                       "prompt_tokens_details": {"cached_tokens": 4000}}),
    ]
    db.ingest(write_jsonl(tmp_path / "spend.jsonl", rows))
    got = db.con.execute("""SELECT call_id, input_tokens, cached_input_tokens, cache_write_tokens FROM calls
                            ORDER BY source_line""").fetchall()
    assert got == [("reads-beside-zero", 2459, 2455, 0), ("writes-left-out", 1284, 0, 1253),
                   ("both-left-out", 3512, 3000, 500), ("folded-in", 5050, 4000, 1000)]
