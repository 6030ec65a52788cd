"""OpenAI Batch output/error files; a batch INPUT file is refused with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls

OK = {"id": "batch_req_1", "custom_id": "task-1", "error": None, "response": {
    "status_code": 200, "request_id": "req_a", "body": {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1746180000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "positive"}}],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 3, "total_tokens": 1503,
                  "prompt_tokens_details": {"cached_tokens": 1280},
                  "completion_tokens_details": {"reasoning_tokens": 0}}}}}
EMBED = {"id": "batch_req_2", "custom_id": "emb-7", "error": None, "response": {
    "status_code": 200, "request_id": "req_b", "body": {
        "object": "list", "model": "text-embedding-3-small", "data": [],
        "usage": {"prompt_tokens": 42, "total_tokens": 42}}}}
QUOTA = {"id": "batch_req_3", "custom_id": "task-3", "error": None, "response": {
    "status_code": 429, "request_id": "req_c", "body": {"error": {
        "message": "Enqueued token limit reached", "type": "tokens", "code": "rate_limit_exceeded"}}}}
EXPIRED = {"id": "batch_req_4", "custom_id": "task-4", "response": None,
           "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}

BASE = {"ttft_ms": None, "latency_ms": None, "is_batch": True, "logged_cost_usd": None, "cache_write_tokens": 0}


def test_batch_output_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "batch_output.jsonl", [OK, EMBED, QUOTA, EXPIRED]))
    assert result.files[0].log_format == "openai-batch" and result.files[0].quarantined == 0
    assert_calls(db.calls(), [
        {**BASE, "call_id": "batch_req_1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC), "provider": "openai",
         "model": "gpt-4o-mini-2024-07-18", "operation": "chat", "input_tokens": 1500, "cached_input_tokens": 1280,
         "output_tokens": 3, "reasoning_tokens": 0, "status": "ok", "error_type": None, "http_status": 200,
         "tags": {"custom_id": "task-1"}, "response_text": "positive"},
        {**BASE, "call_id": "batch_req_2", "ts": None, "provider": "openai", "model": "text-embedding-3-small",
         "operation": "embedding", "input_tokens": 42, "cached_input_tokens": 0, "output_tokens": 0,
         "reasoning_tokens": 0, "status": "ok", "error_type": None, "http_status": 200, "tags": {"custom_id": "emb-7"}},
        # a 429 is a failure even though `error` is null
        {**BASE, "call_id": "batch_req_3", "ts": None, "provider": "openai", "model": None, "operation": "chat",
         "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "status": "error",
         "error_type": "rate_limit", "http_status": 429, "tags": {"custom_id": "task-3"}},
        {**BASE, "call_id": "batch_req_4", "ts": None, "provider": "openai", "model": None, "operation": "chat",
         "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "status": "error",
         "error_type": "client", "http_status": None, "tags": {"custom_id": "task-4"}},
    ])


def test_batch_input_file_is_refused(db, tmp_path):
    line = {"custom_id": "task-1", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}
    result = db.ingest(write_jsonl(tmp_path / "batch_input.jsonl", [line, {**line, "custom_id": "task-2"}]))
    (file,) = result.files
    assert file.status == "failed"
    assert "this is a batch input file: it has requests but no outcomes; ingest the batch output file" in file.message
    assert db.calls() == [] and db.quarantine() == []


# crmne/ruby_llm spec/fixtures/vcr_cassettes (trimmed): the first output line of
# batch_with_openai_gpt-5-nano_answers_staged_chats_and_appends_the_answers_to_their_conversations.yml
# @39f5bac6d34dcabca4eeebf24eb03a1a6043e2c6, and the gpt-5-nano answer of
# chat_basic_chat_functionality_openai_gpt-5-nano_can_have_a_basic_conversation.yml @2bc6e98f7a1d7072e2a4f4dcb6f75c2c07081495
NANO_BATCH = {"id": "batch_req_6aa151d09b9881908338f0de5bd5dd64", "custom_id": "0", "response": {
    "status_code": 200, "request_id": "f499c5ee-11e6-4fae-afa5-5e8c7d9f52c7", "body": {
        "id": "resp_05c72a97b1f5e1d0016aa151b459e087d1ac1ddb5d29986fa7", "object": "response", "created_at": 1788957108,
        "status": "completed", "model": "gpt-5-nano-2025-08-07", "service_tier": "default",
        "output": [{"id": "msg_05c7", "type": "message", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "annotations": [], "text": "4"}]}],
        "usage": {"input_tokens": 18, "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0}, "output_tokens": 64,
                  "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 82}}}, "error": None}
NANO_CHAT = {"request": {"url": "https://api.openai.com/v1/chat/completions", "method": "POST",
                         "body": {"model": "gpt-5-nano", "messages": [{"role": "user", "content": "What's 2 + 2?"}], "stream": False}},
             "response": {"status": 200, "body": {
                 "id": "chatcmpl-DQAT1s1QIiIwqhnN4t2SKEeTmkaUZ", "object": "chat.completion", "created": 1775129135,
                 "model": "gpt-5-nano-2025-08-07", "service_tier": "default",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "4."}, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 13, "completion_tokens": 421, "total_tokens": 434,
                           "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                           "completion_tokens_details": {"reasoning_tokens": 384}}}}}


def test_a_file_read_as_batch_output_still_reads_its_other_calls(db, tmp_path):
    # The batch format has no prompt text: a file it reads first left the staged prompt text untyped,
    # and a later line of a format that has one (a captured chat call) failed the whole file.
    (file,) = db.ingest(write_jsonl(tmp_path / "mixed.jsonl", [NANO_CHAT, NANO_BATCH])).files
    assert (file.status, file.loaded, file.quarantined) == ("loaded", 2, 0)
    got = {r["call_id"]: r for r in db.calls()}
    chat, batch = got["chatcmpl-DQAT1s1QIiIwqhnN4t2SKEeTmkaUZ"], got["batch_req_6aa151d09b9881908338f0de5bd5dd64"]
    assert (chat["is_batch"], chat["input_tokens"], chat["output_tokens"], chat["user_prompt"]) == (False, 13, 421, "What's 2 + 2?")
    assert (batch["is_batch"], batch["input_tokens"], batch["output_tokens"]) == (True, 18, 64)


def test_a_groq_batch_output_line_is_groq_s_call_unpriced_for_want_of_a_batch_rate(db, tmp_path):
    """Groq's Batch API writes OpenAI's output lines; its bodies carry `x_groq` (a README's example
    of a Groq batch_output.jsonl line, trimmed). It was read as OpenAI's call, unknown to OpenAI."""
    from mmaudit.enrich import enrichers

    line = {"id": "batch_req_out_01jpra5p4ve4v8k14zkqn6agjm", "custom_id": "request-2", "error": None,
            "response": {"status_code": 200, "request_id": "req_01jpra5n2qef6s66k65v8sy51h", "body": {
                "id": "chatcmpl-f822c700", "object": "chat.completion", "created": 1742425217,
                "model": "llama-3.1-8b-instant",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hola"}, "finish_reason": "stop"}],
                "usage": {"queue_time": 1.0087, "prompt_tokens": 55, "completion_tokens": 55, "total_tokens": 110},
                "x_groq": {"id": "req_01jpra5n2qef6s66k65v8sy51h"}}}}
    db.ingest(write_jsonl(tmp_path / "batch_output.jsonl", [line]), enrichers=enrichers())
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["is_batch"], call["input_tokens"], call["output_tokens"]) == (
        "groq", "llama-3.1-8b-instant", True, 55, 55)
    assert call["cost_usd"] is None  # no Groq batch discount on record: reported, never the synchronous rate


def test_azure_and_compatible_platforms_batch_lines_name_their_seller(db, tmp_path):
    """An Azure OpenAI global-batch line (its body signed with `prompt_filter_results`; a fixture
    kept in a repository's Azure batch client, its ids a real call's) is Azure's; an
    OpenAI-compatible platform's batch line of Qwen (UCloud ModelVerse's batch docs, `result.jsonl`)
    is Alibaba's model. Both were labelled `openai`."""
    safe = {"filtered": False, "severity": "safe"}
    azure = {"custom_id": "task-1", "error": None, "response": {
        "request_id": "b4336020-3b8b-4bd1-bae7-bb47c7a1ce88", "status_code": 200, "body": {
            "choices": [{"content_filter_results": {"hate": safe}, "finish_reason": "stop", "index": 0,
                         "logprobs": None, "message": {"content": "Title: A Glitch in the Forum", "role": "assistant"}}],
            "created": 1717075808, "id": "chatcmpl-9Ua92we3VBerSS2RcVHFnhJFSWtOo", "model": "gpt-4",
            "object": "chat.completion",
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": safe}}],
            "system_fingerprint": "fp_2f57f81c11", "usage": {"completion_tokens": 843, "prompt_tokens": 37, "total_tokens": 880}}}}
    qwen = {"id": "6b9fecd9-4139-9190-b9d6-4f473c3f0e9b", "custom_id": "1", "error": None, "response": {
        "status_code": 200, "request_id": "6b9fecd9-4139-9190-b9d6-4f473c3f0e9b", "body": {
            "created": 1766385216, "model": "qwen3-vl-flash", "id": "chatcmpl-6b9fecd9-4139-9190-b9d6-4f473c3f0e9b",
            "usage": {"completion_tokens": 72, "prompt_tokens": 23, "total_tokens": 95},
            "choices": [{"finish_reason": "stop", "index": 0, "message": {"role": "assistant", "content": "Oink!"}}],
            "object": "chat.completion"}}}
    db.ingest(write_jsonl(tmp_path / "batch.jsonl", [azure, qwen]))
    got = {r["model"]: (r["provider"], r["is_batch"], r["input_tokens"], r["output_tokens"]) for r in db.calls()}
    assert got == {"gpt-4": ("azure", True, 37, 843), "qwen3-vl-flash": ("alibaba", True, 23, 72)}
