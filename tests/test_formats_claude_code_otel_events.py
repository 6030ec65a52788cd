"""Claude Code's OpenTelemetry log events (`claude_code.api_request`, format agent-telemetry):
`ttft_ms` is the time to first token; `speed: "fast"` is Anthropic's fast mode, billed at the
model's fast rates (tier `fast`: unpriced where genai-prices has no fast rates, never the standard
rate it was not billed at); `cache_creation_tokens` has no 5-minute / 1-hour split, so the writes
are priced at the 5-minute rate and the calls are counted as priced on an assumption
(`cache_ttl_unknown`) wherever costs are shown (audit, report, calls)."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl

M = Decimal(10**6)


def attrs(values: dict) -> list[dict]:
    return [{"key": k, "value": v} for k, v in values.items()]


def s(text: str) -> dict:
    return {"stringValue": text}


def i(number) -> dict:
    return {"intValue": number}


# The body Claude Code 2.1.294 POSTed to /v1/logs for one fresh `claude -p ...`: a11ign/a11ign's
# OTel receiver test (index id 70092511611), byte for byte but for the user and organization ids
# it redacts; the `assistant_response` sibling keeps only the attributes a reader needs
CAPTURE = {"resourceLogs": [{
    "resource": {"attributes": attrs({
        "org.role": s("worker-probe"), "org.pane": s("probe-pane"), "host.arch": s("amd64"), "os.type": s("linux"),
        "os.version": s("7.0.0-38-generic"), "service.name": s("claude-code"), "service.version": s("2.1.294")}),
        "droppedAttributesCount": 0},
    "scopeLogs": [{"scope": {"name": "com.anthropic.claude_code.events", "version": "2.1.294"}, "logRecords": [
        {"timeUnixNano": "1791447318137000000", "observedTimeUnixNano": "1791447318137000000",
         "body": s("claude_code.api_request"), "attributes": attrs({
             "org.role": s("worker-probe"), "org.pane": s("probe-pane"), "user.id": s("REDACTED"),
             "session.id": s("eec3945a-5a85-4c3c-9aa2-39e4b8445cef"), "organization.id": s("REDACTED"),
             "user.email": s("REDACTED"), "user.account_uuid": s("REDACTED"), "user.account_id": s("REDACTED"),
             "terminal.type": s("xterm-256color"), "event.name": s("api_request"),
             "event.timestamp": s("2026-10-08T08:15:18.137Z"), "event.sequence": i(15),
             "prompt.id": s("a50257c3-696f-46fc-9f50-5483556d2fac"), "model": s("claude-haiku-5-5"),
             "input_tokens": i(2), "output_tokens": i(4), "cache_read_tokens": i(9179),
             "cache_creation_tokens": i(13356), "cost_usd": {"doubleValue": 0.0027651900000000003},
             "cost_usd_micros": i(2765), "duration_ms": i(742), "ttft_ms": i(729),
             "request_id": s("req_011CfpSK96NthX9vPNsW9X2b"), "client_request_id": s("6c711657-a9c5-4866-a954-d89949d811b5"),
             "speed": s("normal"), "query_source": s("sdk"), "effort": s("medium")}), "droppedAttributesCount": 0},
        {"timeUnixNano": "1791447318137000000", "observedTimeUnixNano": "1791447318137000000",
         "body": s("claude_code.assistant_response"), "attributes": attrs({
             "session.id": s("eec3945a-5a85-4c3c-9aa2-39e4b8445cef"), "event.name": s("assistant_response"),
             "event.timestamp": s("2026-10-08T08:15:18.137Z"), "event.sequence": i(16),
             "prompt.id": s("a50257c3-696f-46fc-9f50-5483556d2fac"), "response_length": i(2),
             "request_id": s("req_011CfpSK96NthX9vPNsW9X2b"), "model": s("claude-haiku-5-5"), "query_source": s("sdk")}),
         "droppedAttributesCount": 0}]}]}]}


def fast_request(request_id: str, model: str, speed: str, cache_creation: int) -> dict:
    """A Claude Code 2.1.226 OTLP logs body as a third-party test fixture writes it (index id
    70361891526; its `cost_usd` is a placeholder), with the model, speed and writes varied."""
    return {"resourceLogs": [{"resource": {"attributes": attrs({"service.name": s("claude-code"),
                                                                "service.version": s("2.1.226")})},
                              "scopeLogs": [{"logRecords": [{
                                  "timeUnixNano": "1783728000000000000", "body": s("claude_code.api_request"),
                                  "attributes": attrs({
                                      "session.id": s("sess-1"), "user.account_uuid": s("123E4567-E89B-12D3-A456-426614174000"),
                                      "model": s(model), "effort": s("xhigh"), "request_id": s(request_id),
                                      "client_request_id": s("client-1"), "query_source": s("main"), "speed": s(speed),
                                      "cost_usd": s("0.001234"), "event.sequence": i("17"), "input_tokens": i("12"),
                                      "output_tokens": i("3"), "cache_creation_tokens": i(str(cache_creation)),
                                      "prompt": s("must-not-persist")})}]}]}]}


def ingest(tmp_path, lines: list[dict]) -> tuple[str, dict, list[dict]]:
    db = str(tmp_path / "cc.duckdb")
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "cc-otel.jsonl", lines)), "--db", db, "-f", "json"])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(db, read_only=True)
    try:
        return db, json.loads(done.stdout)["files"][0], rows(con, "SELECT * FROM calls ORDER BY call_id")
    finally:
        con.close()


def shown(db: str, *command: str) -> str:
    done = CliRunner().invoke(app, [*command, "--db", db])
    assert done.exit_code == 0, done.output
    return " ".join(done.stdout.split())


def test_a_real_claude_code_event_reads_its_ttft_and_says_its_cache_writes_are_priced_on_an_assumption(tmp_path):
    db, file, (call,) = ingest(tmp_path, [CAPTURE])
    # one call: the `assistant_response` sibling restates the same request and is not one
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("agent-telemetry", 1, 0)
    assert (call["call_id"], call["input_tokens"], call["cached_input_tokens"], call["cache_write_tokens"],
            call["cache_write_1h_tokens"], call["output_tokens"]) == ("otel:req_011CfpSK96NthX9vPNsW9X2b", 22537, 9179,
                                                                       13356, 0, 4)
    assert (call["ttft_ms"], call["latency_ms"], call["service_tier"]) == (729, 742, None)  # speed "normal"
    # claude-haiku-5-5: $0.10 in, $0.01 cache reads, $0.125 5-minute cache writes, $0.50 out per 1M;
    # the event's own cost_usd is the same call with the writes at the 1-hour rate, $0.20
    assert call["cost_usd"] == (2 * Decimal("0.10") + 9179 * Decimal("0.01") + 13356 * Decimal("0.125")
                                + 4 * Decimal("0.50")) / M == Decimal("0.00176349")
    assert call["logged_cost_usd"] == (2 * Decimal("0.10") + 9179 * Decimal("0.01") + 13356 * Decimal("0.20")
                                       + 4 * Decimal("0.50")) / M
    # the assumption is counted and named wherever the cost is shown
    audit = CliRunner().invoke(app, ["audit", "--db", db, "-f", "json"])
    assert json.loads(audit.stdout)["pricing_assumptions"]["cache_ttl_unknown"] == 1
    report = CliRunner().invoke(app, ["report", "--db", db, "-f", "json"])
    assert json.loads(report.stdout)["summary"]["pricing_assumptions"]["cache_ttl_unknown"] == 1
    calls = CliRunner().invoke(app, ["calls", "--db", db, "-f", "json"])
    assert json.loads(calls.stdout)["pricing_assumptions"]["cache_ttl_unknown"] == 1
    note = ("1 Claude Code telemetry call(s) wrote to the prompt cache without saying whether for 5 minutes or 1 hour: "
            "the writes are priced at the 5-minute rate (a lower bound for these")
    assert note in shown(db, "audit", "-f", "markdown")
    assert note in shown(db, "calls")


def test_fast_mode_is_priced_at_fast_rates_or_left_unpriced(tmp_path):
    db, _file, (on_47, on_48, plain) = ingest(tmp_path, [
        fast_request("req-1", "claude-opus-4-7", "fast", 2014), fast_request("req-2", "claude-opus-4-8", "fast", 2014),
        fast_request("req-3", "claude-opus-4-8", "normal", 0)])
    assert [c["service_tier"] for c in (on_47, on_48, plain)] == ["fast", "fast", None]
    # Opus 4.7 has no fast rates in genai-prices: unpriced, not its standard $0.0127225
    assert on_47["cost_usd"] is None
    unknown = CliRunner().invoke(app, ["prices", "unknown", "--db", db, "-f", "json"])
    assert [u["reason"] for u in json.loads(unknown.stdout)["unpriced_calls"]] == [
        "no rate for service tier fast"]
    # Opus 4.8 fast: $10 in, $12.50 5-minute cache writes, $50 out per 1M (2x standard)
    assert on_48["cost_usd"] == (12 * 10 + 2014 * Decimal("12.50") + 3 * 50) / M == Decimal("0.025445")
    assert plain["cost_usd"] == (12 * 5 + 3 * 25) / M
    # only the priced call with cache writes rests on the write-lifetime assumption
    audit = CliRunner().invoke(app, ["audit", "--db", db, "-f", "json"])
    assert json.loads(audit.stdout)["pricing_assumptions"]["cache_ttl_unknown"] == 1
