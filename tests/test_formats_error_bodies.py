"""Provider detection follows each provider's documented error shape: OpenAI's error types end in
`_error` too (`invalid_request_error`, `server_error`), so OpenAI errors must stay OpenAI's, and a
forced `--log-format openai-chat` / `openai-responses` loads them instead of quarantining them.

Bodies written from the documented shapes: OpenAI `{"error": {message, type, param, code}}`;
Anthropic `{"type": "error", "error": {type, message}, "request_id"}`; Gemini google.rpc
`{"error": {code, message, status}}`; OpenRouter `{"error": {code: 429, message, metadata}}`.
"""

from __future__ import annotations

import pytest

from tests.conftest import rows, write_jsonl

OPENAI = [
    {"error": {"message": "The model `gpt-5.2-proo` does not exist or you do not have access to it.",
               "type": "invalid_request_error", "param": None, "code": "model_not_found"}},
    {"error": {"message": "The server had an error while processing your request. Sorry about that!",
               "type": "server_error", "param": None, "code": None}},
    {"error": {"message": "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM).",
               "type": "tokens", "param": None, "code": "rate_limit_exceeded"}},
]
OTHERS = [
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_011"},
    {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}},
    {"error": {"code": 429, "message": "Provider returned error", "metadata": {"provider_name": "Google"}}},
]
STORED = "SELECT source_format, provider, status, error_type, http_status FROM calls ORDER BY source_line"
ORDERED = "SELECT source_format, provider, status, error_type, http_status FROM calls ORDER BY source_line"


@pytest.mark.parametrize("forced", [None, "openai-chat", "openai-responses"])
def test_openai_error_bodies_are_openai_errors(db, tmp_path, forced):
    (file,) = db.ingest(write_jsonl(tmp_path / "errors.jsonl", OPENAI), log_format=forced).files
    assert (file.log_format, file.loaded, file.quarantined) == (forced or "openai-chat", 3, 0)
    got = rows(db.con, STORED)
    assert {(r["provider"], r["status"]) for r in got} == {("openai", "error")}
    assert [r["error_type"] for r in got] == ["client", "server", "rate_limit"]


def test_each_providers_error_goes_to_its_provider_in_one_mixed_file(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "mixed.jsonl", OPENAI + OTHERS)).files
    assert (file.loaded, file.quarantined) == (6, 0)
    assert [(r["source_format"], r["provider"], r["error_type"]) for r in rows(db.con, STORED)] == [
        ("openai-chat", "openai", "client"), ("openai-chat", "openai", "server"), ("openai-chat", "openai", "rate_limit"),
        ("anthropic-messages", "anthropic", "server"), ("gemini", "google", "rate_limit"),
        ("openrouter", "openrouter", "rate_limit")]


def test_a_litellm_proxy_error_with_an_http_code_is_openai_shaped_not_openrouter(db, tmp_path):
    # LiteLLM's proxy answers errors in OpenAI's shape with the HTTP status as a string `code`;
    # OpenRouter's errors carry a numeric code and no `type`.
    proxy = {"error": {"message": "unhashable type: 'dict'", "type": "None", "param": "None", "code": "500"}}
    guard = {"error": {"message": "Input token count 193 exceeds the limit", "type": "guardrail_violation",
                       "param": "InputTokenLimitGuardrail", "code": "400"}}
    openrouter = {"error": {"code": 429, "message": "Provider returned error",
                            "metadata": {"provider_name": "Google", "raw": "rate-limited upstream"}}}
    db.ingest(write_jsonl(tmp_path / "errors.jsonl", [proxy, guard, openrouter]))
    got = [(r["source_format"], r["provider"], r["status"], r["error_type"], r["http_status"]) for r in rows(db.con, ORDERED)]
    assert got == [("openai-chat", "openai", "error", "server", 500), ("openai-chat", "openai", "error", "client", 400),
                   ("openrouter", "openrouter", "error", "rate_limit", 429)]


def test_azure_errors_with_a_string_http_code_are_openai_shaped(db, tmp_path):
    # Azure (API Management) writes the HTTP status as a string and no `type`; OpenRouter as a number
    azure = [{"error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint."}},
             {"error": {"code": "429", "message": "Rate limit is exceeded. Try again in 1 seconds."}}]
    openrouter = {"error": {"code": 401, "message": "No auth credentials found"}}
    db.ingest(write_jsonl(tmp_path / "azure.jsonl", [*azure, openrouter]))
    assert [(r["source_format"], r["provider"], r["error_type"], r["http_status"]) for r in rows(db.con, ORDERED)] == [
        ("openai-chat", "openai", "auth", 401), ("openai-chat", "openai", "rate_limit", 429),
        ("openrouter", "openrouter", "auth", 401)]


def test_forced_openai_chat_loads_string_coded_errors(db, tmp_path):
    azure = {"error": {"code": "429", "message": "Rate limit is exceeded. Try again in 1 seconds."}}
    (file,) = db.ingest(write_jsonl(tmp_path / "azure.jsonl", [azure]), log_format="openai-chat").files
    assert (file.loaded, file.quarantined) == (1, 0)


def test_flat_error_bodies_of_mistral_and_vllm_are_failed_calls(db, tmp_path):
    mistral = {"object": "error", "message": "Rate limit exceeded", "type": "rate_limited", "param": None,
               "code": "1300", "raw_status_code": 429}
    vllm = {"object": "error", "message": "This model's maximum context length is 4096 tokens.",
            "type": "BadRequestError", "param": None, "code": 400}
    (file,) = db.ingest(write_jsonl(tmp_path / "flat.jsonl", [mistral, vllm])).files
    assert (file.log_format, file.loaded, file.quarantined) == ("openai-chat", 2, 0)
    assert [(r["provider"], r["status"], r["error_type"], r["http_status"]) for r in rows(db.con, ORDERED)] == [
        ("mistral", "error", "rate_limit", 429), ("unknown", "error", "client", 400)]
