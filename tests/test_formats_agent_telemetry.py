"""Coding agents' OpenTelemetry events: Claude Code, Codex CLI and Gemini CLI, as OTLP log batches
and as flat records (Gemini CLI's local telemetry.log). One call per model request event; prompts,
tool events, stream deltas and a restatement of the same response are skipped."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl

M = Decimal(10**6)


def kv(key: str, value) -> dict:
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return {"key": key, "value": {kind: str(value)}}


def record(body: str, attrs: dict, t: str = "1764196886000000000") -> dict:
    return {"timeUnixNano": t, "body": {"stringValue": body}, "attributes": [kv(k, v) for k, v in attrs.items()]}


def batch(*records: dict) -> dict:
    return {"resourceLogs": [{"resource": {"attributes": [kv("service.name", "agent")]},
                              "scopeLogs": [{"scope": {"name": "events"}, "logRecords": list(records)}]}]}


def ingest(tmp_path, lines) -> tuple[dict, list[dict]]:
    db = tmp_path / "a.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "t.jsonl", lines)), "--db", str(db), "-f", "json"])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        return json.loads(done.stdout)["files"][0], rows(con, "SELECT * FROM calls ORDER BY source_line, input_tokens DESC")
    finally:
        con.close()


def test_claude_code_and_codex_events_in_otlp_batches(tmp_path):
    cc = record("claude_code.api_request", {
        "event.name": "api_request", "event.timestamp": "2026-06-01T10:00:00.000Z", "session.id": "s-1", "prompt.id": "p-1",
        "model": "claude-sonnet-4-5-20250929", "input_tokens": 3, "output_tokens": 20, "cache_read_tokens": 12000,
        "cache_creation_tokens": 5000, "cost_usd": "0.022659", "duration_ms": 4100, "request_id": "req_011"})
    prompt = record("claude_code.user_prompt", {"event.name": "user_prompt", "session.id": "s-1", "prompt_length": 120})
    failed = record("claude_code.api_error", {"event.name": "api_error", "session.id": "s-1", "error": "Rate limited",
                                              "model": "claude-sonnet-4-5-20250929", "status_code": "429", "attempt": 1})
    done = record("codex.sse_event", {"event.name": "codex.sse_event", "event.kind": "response.completed", "model": "gpt-5-codex",
                                      "conversation.id": "c-1", "input_token_count": 9000, "cached_token_count": 8000,
                                      "output_token_count": 500, "reasoning_token_count": 300, "duration_ms": 5200})
    delta = record("codex.sse_event", {"event.name": "codex.sse_event", "event.kind": "response.output_text.delta"})
    file, calls = ingest(tmp_path, [batch(prompt, cc, failed), batch(delta), batch(done)])
    assert (file["log_format"], file["records"], file["loaded"], file["skipped"], file["quarantined"]) == (
        "agent-telemetry", 3, 3, 1, 0)
    claude, error, codex = calls
    # Anthropic's counts: input excludes the cache reads and writes (added back)
    assert (claude["call_id"], claude["input_tokens"], claude["cached_input_tokens"], claude["cache_write_tokens"]) == (
        "otel:req_011", 17003, 12000, 5000)
    # sonnet 4.5: $3 in, $0.30 cache reads, $3.75 cache writes, $15 out: the agent's own estimate too
    assert claude["cost_usd"] == (3 * 3 + 12000 * Decimal("0.30") + 5000 * Decimal("3.75") + 20 * 15) / M == claude["logged_cost_usd"]
    assert claude["tags"] == {"app": "claude-code", "session": "s-1", "prompt_id": "p-1"}
    assert (error["status"], error["error_type"], error["http_status"], error["input_tokens"]) == ("error", "rate_limit", 429, 0)
    # the Responses API's counts: input includes the 8,000 cached, output the 300 reasoning
    assert (codex["provider"], codex["input_tokens"], codex["cached_input_tokens"], codex["output_tokens"],
            codex["reasoning_tokens"]) == ("openai", 9000, 8000, 500, 300)
    assert codex["cost_usd"] == (1000 * Decimal("1.25") + 8000 * Decimal("0.125") + 500 * 10) / M  # gpt-5-codex


def test_gemini_cli_local_telemetry_counts_each_response_once(tmp_path):
    request = {"attributes": {"event.name": "gemini_cli.api_request", "model": "gemini-2.5-pro", "prompt_id": "gp-1"}}
    response = {"attributes": {"event.name": "gemini_cli.api_response", "event.timestamp": "2026-06-01T11:00:00Z",
                               "session.id": "g-1", "model": "gemini-2.5-pro", "input_token_count": 12000,
                               "cached_content_token_count": 8000, "output_token_count": 350, "thoughts_token_count": 420,
                               "tool_token_count": 0, "duration_ms": 3000, "prompt_id": "gp-1"}}
    restated = {"attributes": {"event.name": "gen_ai.client.inference.operation.details", "gen_ai.request.model": "gemini-2.5-pro",
                               "gen_ai.usage.input_tokens": 12000, "gen_ai.usage.output_tokens": 770}}
    file, (call,) = ingest(tmp_path, [request, response, restated])
    assert (file["loaded"], file["skipped"], file["quarantined"]) == (1, 2, 0)
    # Gemini's counts: input includes the cached 8,000; thoughts are outside the output (added)
    assert (call["provider"], call["input_tokens"], call["cached_input_tokens"], call["output_tokens"], call["reasoning_tokens"]) == (
        "google", 12000, 8000, 770, 420)
    assert call["cost_usd"] == (4000 * Decimal("1.25") + 8000 * Decimal("0.125") + 770 * 10) / M  # gemini-2.5-pro


def test_agent_calls_are_filed_under_code_by_their_app_tag(tmp_path):
    done = record("codex.sse_event", {"event.name": "codex.sse_event", "event.kind": "response.completed", "model": "gpt-5-codex",
                                      "input_token_count": 900, "output_token_count": 50})
    _, (call,) = ingest(tmp_path, [batch(done)])
    assert (call["task"], call["category_source"]) == ("code", "tag")


def test_a_gemini_cli_call_on_another_model_is_that_models(tmp_path):
    # zcox/gemini-cli-telemetry's telemetry.log: the next-speaker check runs on gemini-2.5-flash in a
    # gemini-2.5-pro session; the event says `model: gemini-2.5-pro`, its logged response says flash
    answer = {"candidates": [{"content": {"parts": [{"text": "{\"next_speaker\": \"user\"}"}], "role": "model"},
                              "finishReason": "STOP"}], "modelVersion": "gemini-2.5-flash",
              "usageMetadata": {"promptTokenCount": 4572, "candidatesTokenCount": 63, "thoughtsTokenCount": 45}}
    check = {"attributes": {"event.name": "gemini_cli.api_response", "event.timestamp": "2025-08-16T17:59:08Z",
                            "session.id": "s-1", "model": "gemini-2.5-pro", "input_token_count": 4572,
                            "output_token_count": 63, "thoughts_token_count": 45, "tool_token_count": 0,
                            "response_text": json.dumps(answer)}}
    unlogged = {"attributes": {**check["attributes"], "prompt_id": "p-2", "event.timestamp": "2025-08-16T18:00:00Z",
                               "response_text": "not JSON"}}
    _file, (flash, pro) = ingest(tmp_path, [check, unlogged])
    assert (flash["model"], pro["model"]) == ("gemini-2.5-flash", "gemini-2.5-pro")
    assert flash["cost_usd"] == (4572 * Decimal("0.30") + 108 * Decimal("2.50")) / M  # flash's rates


def test_gemini_cli_events_with_a_sentence_for_a_body_in_its_pretty_printed_log(tmp_path):
    # Gemini CLI writes `body: event.toLogBody()`, a sentence, and the name in `event.name`
    # (google-gemini/gemini-cli, packages/core/src/telemetry/loggers.ts); its local telemetry.log
    # holds the records pretty-printed, one after another
    attrs = {"event.name": "gemini_cli.api_response", "event.timestamp": "2026-07-24T10:00:00Z", "model": "gemini-2.5-pro",
             "duration_ms": 456, "input_token_count": 80, "output_token_count": 40, "cached_content_token_count": 10,
             "thoughts_token_count": 5, "tool_token_count": 0}
    flat = {"body": "API response from gemini-2.5-pro. Status: 200. Duration: 456ms.", "attributes": attrs}
    log = tmp_path / "telemetry.log"
    log.write_text(json.dumps(flat, indent=2) + "\n" + json.dumps({**flat, "attributes": {**attrs, "prompt_id": "p-2"}}, indent=2))
    db = tmp_path / "g.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(log), "--db", str(db), "-f", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["files"][0]["loaded"] == 2
    # and in an OTLP batch, where the body is an OTLP string value
    _, (call,) = ingest(tmp_path, [batch(record("API response from gemini-2.5-pro. Status: 200. Duration: 456ms.", attrs))])
    assert (call["input_tokens"], call["cached_input_tokens"], call["output_tokens"], call["reasoning_tokens"],
            call["latency_ms"]) == (80, 10, 45, 5, 456)
    assert call["cost_usd"] == (70 * Decimal("1.25") + 10 * Decimal("0.125") + 45 * 10) / M  # gemini-2.5-pro
