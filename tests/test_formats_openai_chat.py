"""OpenAI Chat Completions records, mapped column by column."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.conftest import rows, write_jsonl

BODY = {
    "id": "chatcmpl-abc",
    "object": "chat.completion",
    "created": 1718000000,
    "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "billing"}, "finish_reason": "stop"}],
    "usage": {
        "prompt_tokens": 1200,
        "completion_tokens": 300,
        "total_tokens": 1500,
        "prompt_tokens_details": {"cached_tokens": 1024},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}
PAIR = {
    "timestamp": "2025-05-02T10:00:00Z",
    "latency_ms": 2150,
    "status_code": 200,
    "request": {
        "model": "o3-mini",
        "messages": [
            {"role": "developer", "content": "You are a careful analyst."},
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": "First answer"},
            {"role": "user", "content": [{"type": "text", "text": "Look at this"},
                                         {"type": "image_url", "image_url": {"url": "data:..."}}]},
        ],
        "tools": [{"type": "function", "function": {"name": "lookup"}}],
        "response_format": {"type": "json_schema"},
        "metadata": {"team": "search", "data_class": "internal"},
    },
    "response": {
        "id": "chatcmpl-pair",
        "object": "chat.completion",
        "created": 1746180000,
        "model": "o3-mini-2025-01-31",
        "choices": [{"message": {"role": "assistant", "content": "{\"ok\": true}"}}],
        "usage": {"prompt_tokens": 500, "completion_tokens": 900,
                  "completion_tokens_details": {"reasoning_tokens": 640}},
    },
}
ERROR_PAIR = {
    "timestamp": "2025-05-02T10:01:00Z",
    "status_code": 429,
    "request": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]},
    "error": {"message": "Rate limit reached for gpt-4o", "type": "requests", "code": "rate_limit_exceeded"},
}
BARE_ERROR = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
SERVER_ERROR = {"error": {"message": "The server had an error", "type": "server_error", "code": None}, "status_code": 500}


def test_bare_body_maps_every_column(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "chat.jsonl", [BODY]))
    (row,) = db.calls()
    assert row["call_id"] == "chatcmpl-abc"
    assert row["ts"] == datetime(2024, 6, 10, 6, 13, 20, tzinfo=timezone.utc)
    assert (row["provider"], row["model"], row["operation"]) == ("openai", "gpt-4o-2024-08-06", "chat")
    # prompt_tokens already includes the cached part: input stays 1200, of which 1024 cached
    assert (row["input_tokens"], row["cached_input_tokens"], row["cache_write_tokens"]) == (1200, 1024, 0)
    assert (row["output_tokens"], row["reasoning_tokens"], row["tokens_estimated"]) == (300, 0, False)
    assert (row["status"], row["error_type"], row["http_status"]) == ("ok", None, 200)
    assert row["is_batch"] is False and row["logged_cost_usd"] is None
    assert row["response_text"] == "billing"
    assert row["source_format"] == "openai-chat" and row["source_line"] == 1
    assert row["source_file"].endswith("chat.jsonl")


def test_an_empty_model_id_is_no_model_and_the_call_is_reported_unpriced(db, tmp_path):
    """Cohere's /generate answers `"model": ""` (tmc/langchaingo's httprr recordings); any body can:
    an empty id is stored as NULL, never as a model named '', and the call is priced as unknown."""
    from mmaudit.enrich import enrichers

    db.ingest(write_jsonl(tmp_path / "chat.jsonl", [{**BODY, "model": ""}]), enrichers=enrichers())
    (row,) = db.calls()
    assert (row["model"], row["model_key"], row["cost_usd"], row["input_tokens"]) == (None, None, None, 1200)


def test_request_response_pair(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "pair.jsonl", [PAIR]))
    (row,) = db.calls()
    assert row["call_id"] == "chatcmpl-pair"
    assert row["ts"] == datetime(2025, 5, 2, 10, 0, tzinfo=timezone.utc)  # the wrapper's request time
    assert row["model"] == "o3-mini-2025-01-31"  # the served snapshot, not the requested alias
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (500, 900, 640)
    assert row["latency_ms"] == 2150.0
    assert row["tags"] == {"team": "search", "data_class": "internal"}
    assert row["system_prompt"] == "You are a careful analyst."
    assert row["user_prompt"] == "Look at this"
    assert (row["n_messages"], row["n_tools"], row["has_image"]) == (4, 1, True)
    assert row["response_format"] == "json_schema"
    assert row["prompt_chars"] == len("You are a careful analyst.\nFirst question\nFirst answer\nLook at this")
    assert row["prompt_hash"] is not None


def test_failed_calls_are_calls_not_quarantine(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "errors.jsonl", [ERROR_PAIR, BARE_ERROR, BARE_ERROR, SERVER_ERROR]))
    assert result.files[0].quarantined == 0
    calls = db.calls()
    assert len(calls) == 4  # two identical bare errors are two failed calls
    pair, bare1, bare2, server = calls
    assert (pair["status"], pair["error_type"], pair["http_status"], pair["model"]) == ("error", "rate_limit", 429, "gpt-4o")
    assert (pair["input_tokens"], pair["output_tokens"]) == (0, 0)
    assert bare1["model"] is None and bare1["ts"] is None
    assert (bare1["status"], bare1["error_type"], bare1["http_status"]) == ("error", "rate_limit", 429)
    assert bare1["call_id"] != bare2["call_id"]
    assert (server["error_type"], server["http_status"]) == ("server", 500)


def _compat(model: str, usage: dict, **extra) -> dict:
    """A chat.completion body as an OpenAI-compatible provider returns it."""
    return {"id": f"cmpl-{model}", "object": "chat.completion", "created": 1756814248, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": usage, **extra}


def test_openai_compatible_bodies_name_who_served_them_and_price_at_their_rates(tmp_path):
    from decimal import Decimal

    lines = [
        # Groq marks its bodies with x_groq: Groq's rates ($0.59 / $0.79 per 1M) price it
        _compat("llama-3.3-70b-versatile", {"prompt_tokens": 86, "completion_tokens": 220, "total_tokens": 306,
                                            "queue_time": 0.1, "total_time": 0.7},
                x_groq={"id": "req_01k454"}, service_tier="on_demand"),
        # xAI counts reasoning outside completion_tokens: 26 + 168 + 304 = 498 = total_tokens
        _compat("grok-4-1-fast-reasoning", {"prompt_tokens": 26, "completion_tokens": 168, "total_tokens": 498,
                                            "prompt_tokens_details": {"cached_tokens": 4},
                                            "completion_tokens_details": {"reasoning_tokens": 304}}),
        # OpenAI counts it inside: 500 + 900 = 1400 = total_tokens, output stays 900
        _compat("o3-mini-2025-01-31", {"prompt_tokens": 500, "completion_tokens": 900, "total_tokens": 1400,
                                       "completion_tokens_details": {"reasoning_tokens": 640}}),
        # DeepSeek's own cache-read field
        _compat("deepseek-chat", {"prompt_tokens": 1500, "completion_tokens": 10, "total_tokens": 1510,
                                  "prompt_cache_hit_tokens": 1000, "prompt_cache_miss_tokens": 500}),
        # DeepInfra logs its own cost of the call
        _compat("meta-llama/Meta-Llama-3.1-70B-Instruct", {"prompt_tokens": 48, "completion_tokens": 200,
                                                           "total_tokens": 248, "estimated_cost": 9.68e-05}),
        # Azure OpenAI adds its prompt filter verdicts
        _compat("gpt-4o-2024-08-06", {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
                prompt_filter_results=[{"prompt_index": 0, "content_filter_results": {}}]),
    ]
    import json

    import duckdb
    from typer.testing import CliRunner

    from mmaudit.cli import app

    path = tmp_path / "compat.duckdb"  # through the CLI: ingest prices the calls
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "compat.jsonl", lines)), "--db", str(path),
                                    "--format", "json"])
    assert done.exit_code == 0, done.output
    (file,) = json.loads(done.stdout)["files"]
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("openai-chat", 6, 0)
    con = duckdb.connect(str(path), read_only=True)
    try:
        got = {r["model"]: r for r in rows(con)}
    finally:
        con.close()
    groq = got["llama-3.3-70b-versatile"]
    assert groq["provider"] == "groq"
    assert groq["cost_usd"] == Decimal("86") * Decimal("0.59") / 10**6 + Decimal("220") * Decimal("0.79") / 10**6
    grok = got["grok-4-1-fast-reasoning"]
    assert (grok["provider"], grok["input_tokens"], grok["cached_input_tokens"]) == ("xai", 26, 4)
    assert (grok["output_tokens"], grok["reasoning_tokens"]) == (168 + 304, 304)
    # $0.20 per 1M input, $0.05 cached, $0.50 output (reasoning billed as output)
    assert grok["cost_usd"] == (22 * Decimal("0.20") + 4 * Decimal("0.05") + 472 * Decimal("0.50")) / 10**6
    o3 = got["o3-mini-2025-01-31"]
    assert (o3["provider"], o3["output_tokens"], o3["reasoning_tokens"]) == ("openai", 900, 640)
    deepseek = got["deepseek-chat"]
    assert (deepseek["provider"], deepseek["input_tokens"], deepseek["cached_input_tokens"]) == ("deepseek", 1500, 1000)
    deepinfra = got["meta-llama/Meta-Llama-3.1-70B-Instruct"]
    assert deepinfra["logged_cost_usd"] == Decimal("0.0000968")
    assert got["gpt-4o-2024-08-06"]["provider"] == "azure"


def test_an_embeddings_response_is_an_embedding_call_with_input_only(db, tmp_path):
    body = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": "R215PJSD2rxNBWc6"}],
            "model": "text-embedding-3-large", "usage": {"prompt_tokens": 8, "total_tokens": 8}}
    pair = {"timestamp": "2025-05-02T10:00:00Z", "request": {"model": "text-embedding-3-small", "input": "hello"},
            "response": {**body, "model": "text-embedding-3-small", "usage": {"prompt_tokens": 2, "total_tokens": 2}}}
    (file,) = db.ingest(write_jsonl(tmp_path / "embed.jsonl", [body, pair])).files
    assert (file.log_format, file.loaded, file.quarantined) == ("openai-chat", 2, 0)
    got = [(r["model"], r["operation"], r["input_tokens"], r["output_tokens"], r["status"]) for r in db.calls()]
    assert got == [("text-embedding-3-large", "embedding", 8, 0, "ok"), ("text-embedding-3-small", "embedding", 2, 0, "ok")]


def test_a_stream_logged_without_its_usage_is_unpriced_not_free(db, tmp_path):
    # chunks of a stream logged without `stream_options.include_usage`: the call is there, its
    # tokens are unknown (NULL), and so is its cost: reported, never $0
    from mmaudit.pricing import load_catalog, pricing_enricher
    from mmaudit.pricing.apply import unpriced_calls

    chunk = {"object": "chat.completion.chunk", "id": "chatcmpl-nousage", "created": 1762317021, "model": "gpt-5-nano-2025-08-07",
             "choices": [{"delta": {"content": "Copenhagen"}, "finish_reason": None, "index": 0}]}
    db.ingest(write_jsonl(tmp_path / "nousage.jsonl", [chunk, {**chunk, "choices": [{"delta": {}, "finish_reason": "stop", "index": 0}]}]),
              enrichers=(pricing_enricher(load_catalog()),))
    (row,) = db.con.execute("SELECT input_tokens, output_tokens, model_key, cost_usd FROM calls").fetchall()
    assert row == (None, None, "gpt-5-nano", None)
    assert [(r["model"], r["reason"]) for r in unpriced_calls(db.con)] == [
        ("gpt-5-nano-2025-08-07", "no token counts logged (a stream logged without its usage)")]
