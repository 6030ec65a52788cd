"""LiteLLM's own logging payloads, made by LiteLLM from provider bodies, read back right.

The payloads in the other LiteLLM tests are written by hand from its type definitions. Here
LiteLLM itself makes them: `litellm.completion` calls a local server that answers with a
provider's body (OpenAI, Anthropic, Gemini, Bedrock Converse, Azure, xAI, DeepSeek, Mistral), and
a callback keeps the `standard_logging_object` LiteLLM hands its loggers, as a custom logger would
write it. After `ingest`, each call's tokens must equal genai-prices' reading of the provider body
LiteLLM received (`extract_usage`: an independent reading of that body), and its cost
`calc_price`'s for the model that served it: whatever LiteLLM folded, renamed or dropped on the
way (Anthropic's cache writes folded into `prompt_tokens`, xAI's reasoning moved into
`completion_tokens`, an Azure deployment named by the user), the money comes out the same.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import duckdb
import pytest
from genai_prices import calc_price, extract_usage

from tests.conftest import rows, write_jsonl

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM's bundled price map: no network
litellm = pytest.importorskip("litellm", reason="LiteLLM is the test extra's: pip install -e '.[test]'")
import openai  # noqa: E402 (LiteLLM's own dependency: its errors are openai.APIError)

CREATED = 1764196886  # 2025-11-26T22:41:26Z
TOKENS = (("input_tokens", "input_tokens"), ("cached_input_tokens", "cache_read_tokens"),
          ("cache_write_tokens", "cache_write_tokens"), ("cache_write_1h_tokens", "cache_write_1h_tokens"),
          ("output_tokens", "output_tokens"), ("reasoning_tokens", "output_reasoning_tokens"),
          ("input_audio_tokens", "input_audio_tokens"), ("output_audio_tokens", "output_audio_tokens"),
          ("input_image_tokens", "input_image_tokens"), ("output_image_tokens", "output_image_tokens"),
          ("web_searches", "web_searches"))


def _chat(cid: str, model: str, usage: dict) -> dict:
    return {"id": cid, "object": "chat.completion", "created": CREATED, "model": model, "usage": usage,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]}


# reads, writes (a quarter of them 5-minute, the rest 1-hour) and reasoning, the parts LiteLLM moves
OPENAI_USAGE = {"prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900,
                "prompt_tokens_details": {"cached_tokens": 4096}, "completion_tokens_details": {"reasoning_tokens": 600}}
ANTHROPIC_USAGE = {"input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 2000,
                   "cache_read_input_tokens": 3000,
                   "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1500}}


GEMINI = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
          "usageMetadata": {"promptTokenCount": 5000, "cachedContentTokenCount": 4096, "candidatesTokenCount": 80,
                            "thoughtsTokenCount": 1200, "totalTokenCount": 6280},
          "modelVersion": "gemini-2.5-flash", "responseId": "gem-ll"}


def _message(mid: str, usage: dict, model: str = "claude-sonnet-4-5-20250929") -> dict:
    return {"id": mid, "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "usage": usage}


@dataclass(frozen=True)
class Case:
    litellm_model: str
    body: dict
    provider_id: str  # genai-prices' provider and flavor of the body
    api_flavor: str
    served: str  # the model genai-prices prices
    options: tuple[tuple[str, Any], ...] = ()
    cost: bool = True  # False where mmaudit's curated rates are newer than the library's
    # streamed: the server-sent events that deliver `body` (the test reads the body's usage)
    events: tuple[dict, ...] = ()
    # the body's usage read with another provider's extractor (genai-prices has none of its own)
    extract_as: tuple[str, str] | None = None
    # stored columns that differ from the body's on purpose (said per case)
    departs: tuple[str, ...] = ()
    api: str = "completion"  # LiteLLM's function: completion, responses, embedding

    @property
    def id(self) -> str:
        suffix = " (streamed)" if self.events else (f" ({self.api})" if self.api != "completion" else "")
        return self.litellm_model + suffix


CASES = [
    Case("openai/gpt-5", _chat("chatcmpl-oa", "gpt-5-2025-08-07", OPENAI_USAGE), "openai", "chat", "gpt-5"),
    Case("anthropic/claude-sonnet-4-5-20250929", _message("msg_ll", ANTHROPIC_USAGE),
         "anthropic", "default", "claude-sonnet-4-5-20250929"),
    Case("gemini/gemini-2.5-flash", GEMINI, "google", "default", "gemini-2.5-flash"),
    Case("bedrock/converse/anthropic.claude-3-5-sonnet-20241022-v2:0", {
        "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}}, "stopReason": "end_turn",
        "usage": {"inputTokens": 100, "outputTokens": 50, "totalTokens": 5150, "cacheReadInputTokens": 3000,
                  "cacheWriteInputTokens": 2000}, "metrics": {"latencyMs": 300}},
        "aws", "default", "anthropic.claude-3-5-sonnet-20241022-v2:0",
        options=(("aws_access_key_id", "test"), ("aws_secret_access_key", "test"), ("aws_region_name", "us-east-1"))),
    # an Azure deployment has the name its owner gave it; the body names the model that served it
    Case("azure/support-bot-prod", _chat("chatcmpl-az", "gpt-4o-2024-11-20", {
        "prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900,
        "prompt_tokens_details": {"cached_tokens": 1024}}),
        "azure", "chat", "gpt-4o-2024-11-20", options=(("api_version", "2024-10-21"),)),
    # xAI counts reasoning outside completion_tokens (total = prompt + completion + reasoning)
    Case("xai/grok-4", _chat("chatcmpl-xa", "grok-4", {
        "prompt_tokens": 5000, "completion_tokens": 300, "total_tokens": 5900,
        "prompt_tokens_details": {"cached_tokens": 4000}, "completion_tokens_details": {"reasoning_tokens": 600}}),
        "x-ai", "chat", "grok-4"),
    Case("mistral/mistral-small-latest", _chat("chatcmpl-mi", "mistral-small-latest", {
        "prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900}),
        "mistral", "default", "mistral-small-latest"),
    Case("openai/gpt-5", _chat("chatcmpl-oas", "gpt-5-2025-08-07", OPENAI_USAGE), "openai", "chat", "gpt-5", options=(("stream_options", {"include_usage": True}),),
        events=(
            {"id": "chatcmpl-oas", "object": "chat.completion.chunk", "created": CREATED, "model": "gpt-5-2025-08-07",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "ok"}, "finish_reason": None}]},
            {"id": "chatcmpl-oas", "object": "chat.completion.chunk", "created": CREATED, "model": "gpt-5-2025-08-07",
             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {"id": "chatcmpl-oas", "object": "chat.completion.chunk", "created": CREATED, "model": "gpt-5-2025-08-07",
             "choices": [], "usage": OPENAI_USAGE})),
    Case("anthropic/claude-sonnet-4-5-20250929", _message("msg_lls", ANTHROPIC_USAGE),
         "anthropic", "default", "claude-sonnet-4-5-20250929",
        events=(
            {"type": "message_start", "message": {
                "id": "msg_lls", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                "content": [], "stop_reason": None,
                "usage": {**ANTHROPIC_USAGE, "output_tokens": 1}}},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 50}},
            {"type": "message_stop"})),
    # two server-side web searches ($10 per 1,000 on Claude)
    Case("anthropic/claude-sonnet-4-5", _message(
        "msg_llws", {"input_tokens": 9000, "output_tokens": 400, "server_tool_use": {"web_search_requests": 2}}),
        "anthropic", "default", "claude-sonnet-4-5-20250929"),
    Case("gemini/gemini-2.5-flash-image", {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 300, "candidatesTokenCount": 1300, "totalTokenCount": 1600,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 42}, {"modality": "IMAGE", "tokenCount": 258}],
                          "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1290}, {"modality": "TEXT", "tokenCount": 10}]},
        "modelVersion": "gemini-2.5-flash-image", "responseId": "gem-img"},
        "google", "default", "gemini-2.5-flash-image"),
    Case("openai/gpt-4o-audio-preview", _chat("chatcmpl-au", "gpt-4o-audio-preview-2025-06-03", {
        "prompt_tokens": 1000, "completion_tokens": 800, "total_tokens": 1800,
        "prompt_tokens_details": {"audio_tokens": 600, "cached_tokens": 0},
        "completion_tokens_details": {"audio_tokens": 700, "reasoning_tokens": 0}}),
        "openai", "chat", "gpt-4o-audio-preview", cost=False),
    Case("openai/gpt-5", {
        "id": "resp_ll", "object": "response", "created_at": CREATED, "model": "gpt-5-2025-08-07", "status": "completed",
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": "ok", "annotations": []}]}],
        "usage": {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 4096},
                  "output_tokens": 900, "output_tokens_details": {"reasoning_tokens": 600}, "total_tokens": 5900}},
        "openai", "responses", "gpt-5", api="responses"),
    Case("openai/text-embedding-3-small", {
        "object": "list", "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
        "usage": {"prompt_tokens": 812, "total_tokens": 812}},
        "openai", "embeddings", "text-embedding-3-small", api="embedding"),
    # InvokeModel: Bedrock answers with Anthropic's own body
    Case("bedrock/invoke/anthropic.claude-3-5-sonnet-20241022-v2:0", _message(
        "msg_bdrk_ll", {k: v for k, v in ANTHROPIC_USAGE.items() if k != "cache_creation"}, "claude-3-5-sonnet-20241022"),
        "aws", "anthropic", "anthropic.claude-3-5-sonnet-20241022-v2:0",
        options=(("aws_access_key_id", "test"), ("aws_secret_access_key", "test"), ("aws_region_name", "us-east-1"))),
    Case("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", _chat("chatcmpl-tg", "meta-llama/Llama-3.3-70B-Instruct-Turbo", {
        "prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900}),
        "together", "default", "meta-llama/Llama-3.3-70B-Instruct-Turbo", extract_as=("openai", "chat")),
    Case("fireworks_ai/accounts/fireworks/models/llama-v3p3-70b-instruct", _chat(
        "chatcmpl-fw", "accounts/fireworks/models/llama-v3p3-70b-instruct", {
            "prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900}),
        "fireworks", "chat", "accounts/fireworks/models/llama-v3p3-70b-instruct", cost=False),
    Case("openrouter/anthropic/claude-sonnet-4.5", _chat("gen-ll", "anthropic/claude-sonnet-4.5", {
        "prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900,
        "prompt_tokens_details": {"cached_tokens": 4000}}),
        "openrouter", "chat", "anthropic/claude-sonnet-4.5", cost=False),
    # LiteLLM logs Cohere's `tokens` (5,200: the prompt template Cohere wraps around the messages
    # included), not the `billed_units` (5,000) Cohere bills, and keeps no copy of the latter: the
    # payload cannot say what was billed, so mmaudit stores LiteLLM's count (4% more input here)
    Case("cohere_chat/command-a-03-2025", {
        "id": "co-ll", "finish_reason": "COMPLETE", "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
        "usage": {"billed_units": {"input_tokens": 5000, "output_tokens": 900}, "tokens": {"input_tokens": 5200, "output_tokens": 900}}},
        "cohere", "default", "command-a-03-2025", cost=False, departs=("input_tokens",)),
    # Gemini streams chunks whose usage grows; the last one holds the call's
    Case("gemini/gemini-2.5-flash", {**GEMINI, "responseId": "gem-lls"}, "google", "default", "gemini-2.5-flash",
         events=(
             {"candidates": [{"content": {"role": "model", "parts": [{"text": "o"}]}}], "responseId": "gem-lls",
              "usageMetadata": {"promptTokenCount": 5000, "cachedContentTokenCount": 4096, "thoughtsTokenCount": 1200,
                                "totalTokenCount": 6200}, "modelVersion": "gemini-2.5-flash"},
             {**GEMINI, "responseId": "gem-lls", "candidates": [
                 {"content": {"role": "model", "parts": [{"text": "k"}]}, "finishReason": "STOP"}]})),
    # curated: DeepSeek's V3.2 prices of 2025-09-29 are newer than the library's snapshot
    Case("deepseek/deepseek-chat", _chat("chatcmpl-ds", "deepseek-chat", {
        "prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900, "prompt_cache_hit_tokens": 4000,
        "prompt_cache_miss_tokens": 1000, "prompt_tokens_details": {"cached_tokens": 4000}}),
        "deepseek", "chat", "deepseek-chat", cost=False),
]


class _Provider(BaseHTTPRequestHandler):
    """Answers every POST with the body (or the server-sent events, or the status) the test set."""

    body: dict = {}
    events: tuple[dict, ...] = ()
    status: int = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        kind = type(self)
        if kind.events:
            out = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" if "type" in e else f"data: {json.dumps(e)}\n\n"
                          for e in kind.events)
            # OpenAI's streams end with [DONE]; Anthropic's (typed events) and Gemini's do not
            openai_style = "type" not in kind.events[0] and "candidates" not in kind.events[0]
            out = (out + ("data: [DONE]\n\n" if openai_style else "")).encode()
        else:
            out = json.dumps(kind.body).encode()
        self.send_response(kind.status)
        self.send_header("content-type", "text/event-stream" if kind.events else "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def payloads(provider) -> dict[str, dict]:
    """{case id: the standard_logging_object LiteLLM made of its call}."""
    from litellm.integrations.custom_logger import CustomLogger

    made: list[dict] = []
    logged = threading.Event()

    class Keep(CustomLogger):
        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            made.append(kwargs["standard_logging_object"])
            logged.set()

        def log_failure_event(self, kwargs, response_obj, start_time, end_time):
            self.log_success_event(kwargs, response_obj, start_time, end_time)

    saved = litellm.callbacks
    litellm.callbacks = [Keep()]
    out = {}
    try:
        for case in CASES:
            out[case.id] = _call(case, provider, made, logged)
        for name, (case, status, body) in FAILURES.items():
            _Provider.status = status
            with pytest.raises(openai.APIError):  # every LiteLLM error for a status is one
                _call(replace(case, body=body), provider, made, logged)
            out[name] = _logged(made, logged, name)
            _Provider.status = 200
    finally:
        litellm.callbacks = saved
        _Provider.status, _Provider.events = 200, ()
    return out


def _case(model: str) -> Case:
    return next(c for c in CASES if c.litellm_model == model and not c.events)


# failed calls, as each provider answers them: (the call, HTTP status, body)
FAILURES = {
    "rate limited": (_case("openai/gpt-5"), 429, {"error": {
        "message": "Rate limit reached for gpt-5", "type": "requests", "code": "rate_limit_exceeded"}}),
    "overloaded": (_case("anthropic/claude-sonnet-4-5-20250929"), 529, {
        "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    "too long": (_case("openai/gpt-5"), 400, {"error": {
        "message": "This model's maximum context length is 400000 tokens.", "type": "invalid_request_error",
        "param": "messages", "code": "context_length_exceeded"}}),
    "quota": (_case("gemini/gemini-2.5-flash"), 429, {"error": {
        "code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}),
    "server error": (_case("openai/gpt-5"), 500, {"error": {
        "message": "The server had an error while processing your request.", "type": "server_error"}}),
}


def _call(case: Case, provider: str, made: list, logged: threading.Event) -> dict:
    _Provider.body, _Provider.events = case.body, case.events
    logged.clear()
    endpoint = "aws_bedrock_runtime_endpoint" if case.provider_id == "aws" else "api_base"
    options = {endpoint: provider, **dict(case.options)}
    if case.events:
        options["stream"] = True
    if case.api == "responses":
        answer = litellm.responses(model=case.litellm_model, api_key="test", input="hi", **options)
    elif case.api == "embedding":
        answer = litellm.embedding(model=case.litellm_model, api_key="test", input=["hi"], **options)
    else:
        answer = litellm.completion(model=case.litellm_model, api_key="test", num_retries=0,
                                    messages=[{"role": "user", "content": "hi"}], **options)
    if case.events:
        for _ in answer:  # a stream is logged once it has been read to its end
            pass
    return _logged(made, logged, case.id)


def _logged(made: list, logged: threading.Event, what: str) -> dict:
    # LiteLLM calls its loggers on a thread of its own, after the call returns
    assert logged.wait(timeout=30), f"{what}: LiteLLM called no logger"
    return json.loads(json.dumps(made.pop(), default=str))  # as a logger writes it


@pytest.fixture(scope="module")
def stored(payloads, tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("litellm")
    from typer.testing import CliRunner

    from mmaudit.cli import app

    db = root / "ll.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(root / "payloads.jsonl", list(payloads.values()))),
                                    "--db", str(db), "--format", "json"])
    assert done.exit_code == 0, done.output
    (file,) = json.loads(done.stdout)["files"]
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("litellm", len(payloads), 0), done.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        by_id = {r["call_id"]: r for r in rows(con)}
    finally:
        con.close()
    return {case_id: {**by_id[p["id"]], "called_at": p["startTime"]} for case_id, p in payloads.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_litellm_payload_of_a_provider_body_gives_the_bodys_tokens_and_cost(stored, case):
    row = stored[case.id]
    # (without the body's model: the test names the served model itself, and genai-prices lists
    # not every host's ids)
    body = {k: v for k, v in case.body.items() if k not in ("model", "modelVersion")}
    provider_id, flavor = case.extract_as or (case.provider_id, case.api_flavor)
    usage = extract_usage(body, provider_id=provider_id, api_flavor=flavor).usage
    theirs = {c: getattr(usage, f) or 0 for c, f in TOKENS if c not in case.departs}
    assert {c: row[c] for c, _ in TOKENS if c not in case.departs} == theirs
    assert row["status"] == "ok" and row["provider"] != "unknown"
    assert row["operation"] == ("embedding" if case.api == "embedding" else "chat")
    # (the price of the day LiteLLM made the call, which it logs as the call's time)
    if case.cost:
        price = calc_price(usage, case.served, provider_id=case.provider_id,
                           genai_request_timestamp=datetime.fromtimestamp(float(row["called_at"]), UTC)).total_price
        assert row["cost_usd"] is not None and abs(row["cost_usd"] - price) <= Decimal("1e-9"), (row["model"], row["cost_usd"], price)


def test_an_azure_deployment_is_priced_as_the_model_that_served_it(stored):
    row = stored["azure/support-bot-prod"]
    assert (row["provider"], row["model"], row["tags"]["deployment"]) == ("azure", "gpt-4o-2024-11-20", "support-bot-prod")


@pytest.mark.parametrize(("name", "error_type", "http_status"), [
    # (LiteLLM logs Anthropic's 529 "overloaded" as its InternalServerError, 500)
    ("rate limited", "rate_limit", 429), ("overloaded", "server", 500), ("too long", "context_length", 400),
    ("quota", "rate_limit", 429), ("server error", "server", 500)])
def test_a_call_litellm_logged_as_failed_is_a_failed_call(stored, name, error_type, http_status):
    row = stored[name]
    assert (row["status"], row["error_type"], row["http_status"], row["cost_usd"]) == ("error", error_type, http_status, 0)
