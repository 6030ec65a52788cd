"""Records from hosts and gateways, shaped as their APIs return them: the host's own rate prices an
open-weight model, OpenRouter's web searches are billed, and bodies that failed detection load."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl

M = Decimal(10**6)


def chat(cid: str, model: str, usage: dict, **extra) -> dict:
    return {"id": cid, "object": "chat.completion", "created": 1764196886, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": usage, **extra}


def ingest(tmp_path, records) -> dict[str, dict]:
    db = tmp_path / "h.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "h.jsonl", records)), "--db", str(db),
                                    "--format", "json"])
    assert done.exit_code == 0, done.output
    assert all(f["quarantined"] == 0 for f in json.loads(done.stdout)["files"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r["call_id"]: r for r in rows(con)}
    finally:
        con.close()


def test_open_weight_models_are_priced_at_the_host_that_served_them(tmp_path):
    groq = chat("chatcmpl-g", "openai/gpt-oss-120b", {"prompt_tokens": 157, "completion_tokens": 149},
                x_groq={"id": "req_01"}, service_tier="on_demand")
    cerebras = chat("chatcmpl-c", "llama-3.3-70b", {"prompt_tokens": 43, "completion_tokens": 9},
                    time_info={"queue_time": 0.04, "prompt_time": 0.003, "completion_time": 0.004})
    calls = ingest(tmp_path, [groq, cerebras])
    # Groq sells gpt-oss-120b at $0.15 / $0.60 (the maker-id `openai/` named OpenAI's $0.039 / $0.18)
    assert (calls["chatcmpl-g"]["provider"], calls["chatcmpl-g"]["model_key"]) == ("groq", "groq/openai/gpt-oss-120b")
    assert calls["chatcmpl-g"]["cost_usd"] == (157 * Decimal("0.15") + 149 * Decimal("0.60")) / M
    # a Cerebras body says so by its `time_info`: Cerebras' $0.85 / $1.20, not Bedrock's Llama rate
    assert (calls["chatcmpl-c"]["provider"], calls["chatcmpl-c"]["model_key"]) == ("cerebras", "cerebras/llama-3.3-70b")
    assert calls["chatcmpl-c"]["cost_usd"] == (43 * Decimal("0.85") + 9 * Decimal("1.20")) / M


def test_openrouter_web_searches_are_billed_as_its_own_cost_says(tmp_path):
    body = chat("gen-1786465024-LTui", "openai/gpt-4.1-mini",
                {"prompt_tokens": 8174, "completion_tokens": 30, "cost": 0.0133176,
                 "server_tool_use_details": {"web_search_requests": 1}}, provider="OpenAI")
    row = ingest(tmp_path, [body])["gen-1786465024-LTui"]
    assert row["web_searches"] == 1
    # gpt-4.1-mini $0.40 / $1.60 per 1M tokens, and $10 per 1,000 searches: OpenRouter's own figure
    assert row["cost_usd"] == (8174 * Decimal("0.40") + 30 * Decimal("1.60")) / M + Decimal("0.01") == row["logged_cost_usd"]


def test_an_openrouter_advisor_consultation_is_said_to_be_missing_from_the_cost(tmp_path):
    # pydantic-ai's recorded call (tests/models/cassettes/test_openrouter/test_openrouter_advisor_tool.yaml):
    # OpenRouter billed $0.004628, of which gpt-4o-mini's own tokens $0.000123; the rest is the
    # advisor model's tokens, which `usage` does not count
    ask = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Consult your advisor tool first."}],
           "tools": [{"type": "openrouter:advisor", "parameters": {"model": "~anthropic/claude-opus-latest",
                                                                   "max_completion_tokens": 1024}}]}
    usage = {"prompt_tokens": 576, "completion_tokens": 61, "total_tokens": 637, "cost": 0.004628,
             "cost_details": {"upstream_inference_cost": 0.000123},
             "server_tool_use_details": {"tool_calls_executed": 1, "tool_calls_requested": 1}}
    consulted = {"request": ask, "response": chat("gen-1784733335-lLtK", "openai/gpt-4o-mini", usage, provider="OpenAI")}
    quiet = {"request": ask, "response": chat("gen-2", "openai/gpt-4o-mini", {**usage, "server_tool_use_details": {
        "tool_calls_executed": 0, "tool_calls_requested": 0}}, provider="OpenAI")}
    calls = ingest(tmp_path, [consulted, quiet])
    row = calls["gen-1784733335-lLtK"]
    assert row["tags"]["advisor_model"] == "~anthropic/claude-opus-latest"
    # the executor's tokens are priced ($0.15 / $0.60 per 1M); the advisor's cost is unknown, not 0
    assert row["cost_usd"] == (576 * Decimal("0.15") + 61 * Decimal("0.60")) / M == Decimal("0.000123")
    assert row["other_models_cost_usd"] is None and row["logged_cost_usd"] == Decimal("0.004628")
    assert "advisor_model" not in calls["gen-2"]["tags"] and calls["gen-2"]["other_models_cost_usd"] == 0
    audit = CliRunner().invoke(app, ["audit", "--db", str(tmp_path / "h.duckdb"), "--format", "json"])
    assert json.loads(audit.stdout)["pricing_assumptions"]["advisor_not_priced"] == 1


def test_a_gateway_slug_served_by_fireworks_finds_fireworks_own_rate(tmp_path):
    # pydantic-ai's recorded call (tests/models/cassettes/test_openrouter/test_openrouter_qwen3_235b.yaml):
    # OpenRouter names the model by its slug; Fireworks lists it as accounts/fireworks/models/...
    body = chat("gen-qwen3", "qwen/qwen3-235b-a22b", {"prompt_tokens": 22, "completion_tokens": 275, "total_tokens": 297,
                                                      "cost": 0.00024651}, provider="Fireworks")
    row = ingest(tmp_path, [body])["gen-qwen3"]
    assert (row["provider"], row["model_key"]) == ("fireworks", "fireworks/qwen3-235b-a22b")
    assert row["cost_usd"] == (22 * Decimal("0.22") + 275 * Decimal("0.88")) / M  # Fireworks' $0.22 / $0.88 per 1M


def test_hugging_faces_router_bills_at_the_provider_it_routed_to(tmp_path):
    # pydantic-ai's recorded call (tests/models/cassettes/test_huggingface/test_together_500_on_tool_continuation.yaml):
    # HF's router sent it to Together, whose own rate prices it; HF's list has Novita's row itself
    def routed(provider: str, cid: str) -> dict:
        return {"request": {"url": f"https://router.huggingface.co/{provider}/v1/chat/completions",
                            "body": {"model": "meta-llama/Llama-4-Scout-17B-16E-Instruct",
                                     "messages": [{"role": "user", "content": "What's the weather in Paris?"}]}},
                "response": {"status": 200, "body": chat(cid, "meta-llama/Llama-4-Scout-17B-16E-Instruct",
                                                         {"prompt_tokens": 616, "completion_tokens": 7, "total_tokens": 623})}}
    calls = ingest(tmp_path, [routed("together", "hf-together"), routed("novita", "hf-novita")])
    together, novita = calls["hf-together"], calls["hf-novita"]
    assert (together["provider"], together["model_key"]) == ("huggingface-together", "together/meta-llama/llama-4-scout-17b-16e-instruct")
    assert together["cost_usd"] == (616 * Decimal("0.18") + 7 * Decimal("0.59")) / M  # Together's $0.18 / $0.59 per 1M
    assert novita["model_key"] == "huggingface_novita/meta-llama/llama-4-scout-17b-16e-instruct"
    assert novita["cost_usd"] is not None


def test_responses_compaction_bedrock_error_bodies_and_magistral(tmp_path):
    compaction = {"request": {"model": "gpt-4o", "input": [{"role": "user", "content": "..."}]},
                  "response": {"id": "resp_0558", "object": "response.compaction", "created_at": 1772998479,
                               "output": [{"type": "compaction", "encrypted_content": "gAAA"}],
                               "usage": {"input_tokens": 154, "input_tokens_details": {"cached_tokens": 0},
                                         "output_tokens": 163, "output_tokens_details": {"reasoning_tokens": 0}}}}
    throttled = {"__type": "ThrottlingException", "message": "Rate exceeded"}
    qualified = {"__type": "com.amazon.coral.validate#ValidationException", "message": "The provided model identifier is invalid."}
    magistral = chat("mistral-1", "magistral-medium-latest", {"prompt_tokens": 664, "completion_tokens": 747})
    calls = ingest(tmp_path, [compaction, throttled, qualified, magistral])
    assert calls["resp_0558"]["cost_usd"] == (154 * Decimal("2.5") + 163 * 10) / M  # gpt-4o: $2.50 / $10
    errors = sorted((c["source_line"], c["provider"], c["error_type"], c["http_status"]) for c in calls.values()
                    if c["status"] == "error")
    assert errors == [(2, "aws-bedrock", "rate_limit", 429), (3, "aws-bedrock", "client", 400)]
    assert calls["mistral-1"]["provider"] == "mistral"


def test_openrouter_served_claude_ids_resolve_to_anthropics_model(tmp_path):
    # OpenRouter's response names the served model version-first; Anthropic's id puts the family first
    chunk = {"id": "gen-1773012759-4u9w", "object": "chat.completion.chunk", "created": 1773012759,
             "model": "anthropic/claude-4.6-sonnet-20260217", "provider": "Amazon Bedrock", "choices": [],
             "usage": {"prompt_tokens": 254, "completion_tokens": 5, "cost": 0.000837}}
    row = ingest(tmp_path, [chunk])["gen-1773012759-4u9w"]
    assert row["model_key"] == "claude-sonnet-4-6"
    assert row["cost_usd"] == (254 * 3 + 5 * 15) / M == row["logged_cost_usd"]  # $3 / $15: OpenRouter's own figure


def test_the_sql_macro_cuts_ids_in_the_same_stages_as_python():
    from mmaudit.pricing import register
    from mmaudit.pricing.resolve import candidates

    con = duckdb.connect()
    for statement in register._MACROS.split(";"):
        if statement.strip() and "mm_resolve_udf" not in statement:
            con.execute(statement)
    for model in ("anthropic/claude-4.6-sonnet-20260217", "claude-3.5-sonnet", "openai/gpt-4o-2024-08-06",
                  "us.anthropic.claude-opus-4-1-20250805-v1:0", "anthropic/claude-3.7-sonnet:thinking", "ft:gpt-4o-mini:org::x"):
        assert con.execute("SELECT mm_model_candidates(?)", [model]).fetchall()[0][0] == candidates(model), model


def test_an_openrouter_pair_is_read_as_openrouter_with_its_prompt(tmp_path):
    pair = {"request": {"model": "moonshotai/kimi-k2.5", "messages": [{"role": "user", "content": "What is 2+2?"}]},
            "response": chat("gen-1774-kimi", "moonshotai/kimi-k2.5",
                             {"prompt_tokens": 20, "completion_tokens": 48, "cost": 0.000156}, provider="Moonshot AI")}
    row = ingest(tmp_path, [pair])["gen-1774-kimi"]
    assert (row["source_format"], row["tags"]["gateway"], row["tags"]["upstream_provider"]) == (
        "openrouter", "openrouter", "Moonshot AI")
    assert (row["user_prompt"], row["response_text"], row["model_key"]) == ("What is 2+2?", "ok", "kimi-k2.5")
    assert row["cost_usd"] == row["logged_cost_usd"]


def test_a_stream_cut_by_an_error_keeps_the_usage_its_last_chunk_carries(tmp_path):
    def chunk(**extra) -> dict:
        return {"id": "gen-1762179802-UN8p", "provider": "Minimax", "model": "minimax/minimax-m2", "created": 1762179802,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}], **extra}
    last = chunk(error={"code": 400, "message": "Token limit reached"},
                 usage={"prompt_tokens": 43, "completion_tokens": 10, "total_tokens": 53})
    row = ingest(tmp_path, [chunk(), chunk(), last])["gen-1762179802-UN8p"]
    # the chunks before the usage say nothing about how the stream ended: one call, failed, 43 / 10
    assert (row["status"], row["http_status"], row["input_tokens"], row["output_tokens"]) == ("error", 400, 43, 10)


def test_the_address_a_call_went_to_names_the_host_that_served_it(tmp_path):
    # an OpenAI-compatible client pointed at Together: the body names only the model, which many
    # hosts sell; the captured URL (a logging proxy), the span's server.address (OpenTelemetry of
    # the OpenAI SDK, whose gen_ai.system stays "openai") and LiteLLM's api_base say who billed it
    llama = "meta-llama/Llama-3.3-70B-Instruct-Turbo"
    usage = {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500}
    captured = {"capturedAt": "2025-11-26T22:41:26Z",
                "request": {"url": "https://api.together.xyz/v1/chat/completions", "method": "POST",
                            "body": {"model": llama, "messages": [{"role": "user", "content": "hi"}]}},
                "response": {"status": 200, "body": chat("chatcmpl-t", llama, usage)}}
    proxied = {**captured, "request": {**captured["request"], "url": "http://llm-gateway.internal:4000/v1/chat/completions"},
               "response": {"status": 200, "body": chat("chatcmpl-p", "gpt-4o-mini", usage)}}
    attrs = [{"key": k, "value": {"stringValue": v}} for k, v in (
        ("gen_ai.operation.name", "chat"), ("gen_ai.system", "openai"), ("gen_ai.request.model", "llama-3.3-70b-versatile"),
        ("server.address", "api.groq.com"))] + [
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "300"}}]
    span = {"traceId": "ab" * 16, "spanId": "cd" * 8, "name": "chat", "kind": 3, "attributes": attrs,
            "startTimeUnixNano": "1764196886000000000", "endTimeUnixNano": "1764196887000000000", "status": {}}
    litellm = {"id": "litellm-t", "call_type": "acompletion", "status": "success", "custom_llm_provider": "openai",
               "api_base": "https://api.together.xyz/v1", "model": llama, "prompt_tokens": 1200, "completion_tokens": 300,
               "startTime": 1764196886.0, "endTime": 1764196887.0, "metadata": {}}
    calls = ingest_files(tmp_path, {"capture.jsonl": [captured, proxied], "otel.jsonl": [{"resourceSpans": [
        {"scopeSpans": [{"spans": [span]}]}]}], "litellm.jsonl": [litellm]})
    got = {cid: (r["provider"], r["model_key"], r["cost_usd"]) for cid, r in calls.items()}
    together = (1200 + 300) * Decimal("0.88") / M  # Together's $0.88 per 1M in and out
    assert got["chatcmpl-t"] == ("together", "together/meta-llama/llama-3.3-70b-instruct-turbo", together)
    assert got["litellm-t"] == ("together", "together/meta-llama/llama-3.3-70b-instruct-turbo", together)
    groq = (1200 * Decimal("0.59") + 300 * Decimal("0.79")) / M  # Groq's $0.59 / $0.79
    assert got[f"{'ab' * 16}:{'cd' * 8}"] == ("groq", "groq/llama-3.3-70b-versatile", groq)
    # an address no provider claims (a company gateway) leaves the provider to the body
    assert got["chatcmpl-p"][0] == "openai"


def ingest_files(tmp_path, files: dict[str, list[dict]]) -> dict[str, dict]:
    db = tmp_path / "f.duckdb"
    paths = [str(write_jsonl(tmp_path / name, records)) for name, records in files.items()]
    done = CliRunner().invoke(app, ["ingest", *paths, "--db", str(db), "--format", "json"])
    assert done.exit_code == 0, done.output
    assert all(f["quarantined"] == 0 and f["loaded"] > 0 for f in json.loads(done.stdout)["files"]), done.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r["call_id"]: r for r in rows(con)}
    finally:
        con.close()


def test_provider_from_url_follows_genai_prices_patterns_with_vertex_apart():
    from mmaudit.formats import hosts, macros

    con = duckdb.connect()
    macros.install(con)
    hosts.install(con)
    cases = {
        "https://api.together.xyz/v1/chat/completions": "together", "api.groq.com": "groq",
        "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/m": "vertex",
        "https://aiplatform.googleapis.com/v1/projects/p": "vertex",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent": "google",
        "https://my-resource.openai.azure.com/openai/deployments/gpt-4o/chat/completions": "azure",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse": "aws-bedrock",
        "https://api.x.ai/v1/chat/completions": "xai", "https://openrouter.ai/api/v1": "openrouter",
        "api.openai.com:443": "openai", "https://api.anthropic.com/v1/messages": "anthropic",
        "http://localhost:4000/v1": None, "https://evil.example/api.openai.com": None, "": None, None: None,
    }
    got = {url: con.execute("SELECT mm_provider_from_url(?)", [url]).fetchone()[0] for url in cases}
    assert got == cases
