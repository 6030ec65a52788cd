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


# Real records (values as published; docs/formats.md): Ollama's OpenAI-compatible answers
# (`system_fingerprint: fp_ollama`), one of them captured at Ollama's default address, a vLLM
# answer (`vllm-0.28.0-...`), and DeepSeek-R1-Distill-Qwen-1.5B served by llm-d (vLLM) and MindIE
# on localhost.
_OLLAMA_QWEN = {"id": "chatcmpl-308", "object": "chat.completion", "created": 1777529963, "model": "qwen3.5:9b",
                "system_fingerprint": "fp_ollama",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "- Title: Telegram chat screenshot."},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 6863, "completion_tokens": 1676, "total_tokens": 8539}}
_OLLAMA_TOOLS = {"id": "chatcmpl-265", "object": "chat.completion", "model": "qwen3:8b-q8_0", "system_fingerprint": "fp_ollama",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello, John!"},
                              "finish_reason": "tool_calls"}],
                 "usage": {"prompt_tokens": 164, "completion_tokens": 188, "total_tokens": 352}}
_VLLM_QWEN = {"id": "chatcmpl-vllm-doc", "object": "chat.completion", "created": 1790329799, "model": "Qwen/Qwen3-0.6B",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "OpenNebula is ..."},
                           "finish_reason": "stop"}],
              "system_fingerprint": "vllm-0.28.0-61dfa98f",
              "usage": {"prompt_tokens": 24, "total_tokens": 44, "completion_tokens": 20, "prompt_tokens_details": None}}
_DISTILL = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"


def _distill_body(cid: str, prompt: int, completion: int) -> dict:
    return {"id": cid, "object": "chat.completion", "created": 1755679402, "model": _DISTILL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "length"}],
            "system_fingerprint": None,
            "usage": {"prompt_tokens": prompt, "total_tokens": prompt + completion, "completion_tokens": completion}}


def _captured(url: str, body: dict) -> dict:
    return {"request": {"method": "POST", "url": url,
                        "body": {"model": body["model"], "messages": [{"role": "user", "content": "Hello!"}]}},
            "response": {"status": 200, "body": body}}


def _own_server_calls() -> list[dict]:
    return [_captured("http://localhost:11434/v1/chat/completions", {**_OLLAMA_QWEN, "id": "ollama-pair"}),
            _OLLAMA_QWEN, _OLLAMA_TOOLS, _VLLM_QWEN,
            _captured("http://localhost:8080/v1/chat/completions", _distill_body("chatcmpl-ebda7f78", 7, 50)),
            _captured("http://localhost/v1/chat/completions", _distill_body("chatcmpl-63fad601", 6, 81))]


def test_calls_to_your_own_server_are_self_hosted_and_unpriced(tmp_path):
    gateway = _captured("http://localhost:4000/v1/chat/completions",
                        chat("chatcmpl-gw", "gpt-4o-mini", {"prompt_tokens": 1000, "completion_tokens": 100}))
    calls = ingest(tmp_path, [*_own_server_calls(), gateway])
    own = {cid: (r["provider"], r["model_key"], r["cost_usd"]) for cid, r in calls.items() if cid != "chatcmpl-gw"}
    # the address (localhost) or the server's fingerprint (Ollama, vLLM) says the team's own
    # hardware answered: no cloud seller (alibaba, deepseek) and no cloud rate (deepseek-reasoner's)
    assert own == dict.fromkeys(["ollama-pair", "chatcmpl-308", "chatcmpl-265", "chatcmpl-vllm-doc",
                                 "chatcmpl-ebda7f78", "chatcmpl-63fad601"], ("self-hosted", None, None))
    # a local address answering with a model only its maker's API serves is a gateway (LiteLLM's
    # proxy on :4000): the body decides as before, at OpenAI's $0.15 / $0.60
    assert (calls["chatcmpl-gw"]["provider"], calls["chatcmpl-gw"]["cost_usd"]) == (
        "openai", (1000 * Decimal("0.15") + 100 * Decimal("0.60")) / M)
    done = CliRunner().invoke(app, ["prices", "unknown", "--db", str(tmp_path / "h.duckdb"), "--format", "json"])
    reasons = {r["model"]: r["reason"] for r in json.loads(done.stdout)["unknown_models"]}
    # ...and a body Groq signed (`x_groq`) behind such a local gateway was served by Groq
    (tmp_path / "groq").mkdir()
    groq = ingest(tmp_path / "groq", [_captured("http://localhost:4000/v1/chat/completions", chat(
        "chatcmpl-lg", "openai/gpt-oss-120b", {"prompt_tokens": 157, "completion_tokens": 149}, x_groq={"id": "req_01"}))])
    assert (groq["chatcmpl-lg"]["provider"], groq["chatcmpl-lg"]["model_key"]) == ("groq", "groq/openai/gpt-oss-120b")
    assert set(reasons) == {"qwen3.5:9b", "qwen3:8b-q8_0", "Qwen/Qwen3-0.6B", _DISTILL}
    assert all("registry" in why and "self-hosted" in why for why in reasons.values()), reasons


def test_a_self_hosted_registry_entry_prices_your_own_servers_calls_at_zero(tmp_path):
    registry = tmp_path / "registry.yaml"
    registry.write_text("registry:\n  qwen3.5-9b-ollama:\n    tier: self-hosted\n    fixed_monthly_usd: 300\n"
                        "    provider: self-hosted\n    aliases: [qwen3.5:9b]\n", encoding="utf-8")
    db = tmp_path / "r.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "o.jsonl", _own_server_calls())), "--db", str(db),
                                    "--prices", str(registry), "--format", "json"])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = {r["call_id"]: (r["provider"], r["model_key"], r["cost_usd"]) for r in rows(con)}
    finally:
        con.close()
    # the user's own statement: 0 per call (its fixed cost is reported apart); the others stay unpriced
    assert got["ollama-pair"] == got["chatcmpl-308"] == ("self-hosted", "qwen3.5-9b-ollama", Decimal(0))
    assert got["chatcmpl-ebda7f78"] == ("self-hosted", None, None)


def test_a_deepseek_r1_distill_is_priced_at_its_hosts_own_distill_row_or_not_at_all(tmp_path):
    groq = chat("chatcmpl-groq", "deepseek-r1-distill-llama-70b", {"prompt_tokens": 1000, "completion_tokens": 100},
                x_groq={"id": "req_02"})
    bare = _distill_body("chatcmpl-ebda7f78", 7, 50)  # llm-d's body as logged alone: no address, no fingerprint
    calls = ingest(tmp_path, [groq, bare])
    # Groq lists the 70B distill at $0.75 / $0.99 (genai-prices)
    assert calls["chatcmpl-groq"]["model_key"] == "groq/deepseek-r1-distill-llama-70b"
    assert calls["chatcmpl-groq"]["cost_usd"] == (1000 * Decimal("0.75") + 100 * Decimal("0.99")) / M
    # no host named: a 1.5B distill is not DeepSeek's R1 (deepseek-reasoner): unpriced, and said why
    assert (calls["chatcmpl-ebda7f78"]["model_key"], calls["chatcmpl-ebda7f78"]["cost_usd"]) == (None, None)
    done = CliRunner().invoke(app, ["prices", "unknown", "--db", str(tmp_path / "h.duckdb"), "--format", "json"])
    (row,) = json.loads(done.stdout)["unknown_models"]
    assert row["model"] == _DISTILL and "distill" in row["reason"] and "R1" in row["reason"]


def test_private_addresses_name_your_own_servers_unless_the_model_is_only_a_cloud_apis():
    from mmaudit.formats import hosts, macros

    con = duckdb.connect()
    macros.install(con)
    hosts.install(con)
    cases = {
        ("http://localhost:11434/v1/chat/completions", "qwen3.5:9b"): "self-hosted",
        ("http://127.0.0.1:8000/v1", "Qwen/Qwen3-0.6B"): "self-hosted",
        ("http://[::1]:8000/v1", "llama3.1:8b"): "self-hosted",
        ("http://10.0.3.7:8000/v1", "meta-llama/Llama-3.1-8B-Instruct"): "self-hosted",
        ("http://172.20.1.2/v1", "mistral:7b"): "self-hosted",
        ("https://192.168.1.20:8443/v1", "gpt-oss:20b"): "self-hosted",
        ("http://vllm.models.svc.cluster.local:8000/v1", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"): "self-hosted",
        ("http://gpu-box.local:11434", "gemma3:4b"): "self-hosted",
        ("http://host.docker.internal:11434/api/chat", "command-r:35b"): "self-hosted",
        ("http://localhost:4000/v1", "gpt-4o-mini"): None, ("http://localhost:4000/v1", "claude-sonnet-4-5"): None,
        ("http://127.0.0.1:4000", "deepseek-chat"): None, ("http://localhost:4000/v1", None): None,
        ("http://172.32.0.1/v1", "qwen3:8b"): None, ("https://api.together.xyz/v1", "qwen3:8b"): "together",
        ("https://localhost.example.com/v1", "qwen3:8b"): None, (None, "qwen3:8b"): None,
    }
    got = {k: con.execute("SELECT mm_provider_at(?, ?)", list(k)).fetchone()[0] for k in cases}
    assert got == cases
    # a gateway's label for a local server (LiteLLM's `custom_llm_provider`) says the same
    labels = ["ollama", "ollama_chat", "hosted_vllm", "lm_studio", "together_ai"]
    assert [con.execute("SELECT mm_provider_name(?, 'qwen3:8b')", [p]).fetchone()[0] for p in labels] == [
        "self-hosted", "self-hosted", "self-hosted", "self-hosted", "together"]
