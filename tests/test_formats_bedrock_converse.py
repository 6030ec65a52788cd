"""Bedrock Converse: SDK response dumps and pairs (`bedrock-converse`), invocation logs of Converse
calls (`bedrock`), and guardrail blocks as failed calls with zero tokens, never estimated.

Records written from the documented shapes: botocore's ConverseResponse (output, stopReason,
usage{inputTokens, outputTokens, totalTokens, cacheReadInputTokens, cacheWriteInputTokens},
metrics{latencyMs}, serviceTier{type}, trace{promptRouter{invokedModelId}}), its ClientError
response (`Error{Code, Message}`, `ResponseMetadata{HTTPStatusCode}`), and the model invocation
log record (schemaType ModelInvocationLog, input/output, outputBodyJson).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.conftest import rows, write_jsonl
from tests.test_formats_helpers import ANY, assert_calls


def meta(request_id: str, status: int = 200) -> dict:
    return {"RequestId": request_id, "HTTPStatusCode": status, "RetryAttempts": 0,
            "HTTPHeaders": {"date": "Tue, 11 Mar 2025 00:38:02 GMT", "content-type": "application/json"}}


def response(request_id: str, text: str, usage: dict, stop: str = "end_turn", **extra) -> dict:
    return {"ResponseMetadata": meta(request_id), "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": stop, "usage": usage, "metrics": {"latencyMs": 302}, **extra}


BARE = response("r-1", "Hello!", {"inputTokens": 4, "outputTokens": 38, "totalTokens": 1600,
                                  "cacheReadInputTokens": 1500, "cacheWriteInputTokens": 58})
PAIR = {"timestamp": "2025-03-11T00:40:00Z", "modelId": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "request": {"modelId": "us.anthropic.claude-3-7-sonnet-20250219-v1:0", "system": [{"text": "Be brief."}],
                    "messages": [{"role": "user", "content": [{"text": "Capital of France?"}]}]},
        "response": response("r-2", "Paris.", {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15},
                             serviceTier={"type": "flex"})}
ROUTED = response("r-3", "4", {"inputTokens": 9, "outputTokens": 1, "totalTokens": 10},
                  trace={"promptRouter": {"invokedModelId": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"}})
# The guardrail blocked the input: the model never ran. Text is there, counts are zero: not estimated.
BLOCKED = {"timestamp": "2025-03-11T00:41:00Z", "modelId": "amazon.nova-lite-v1:0",
           "request": {"modelId": "amazon.nova-lite-v1:0", "messages": [{"role": "user", "content": [{"text": "something nasty"}]}]},
           "response": response("r-4", "Sorry, I can't help with that.", {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
                                stop="guardrail_intervened")}
THROTTLED = {"Error": {"Code": "ThrottlingException", "Message": "Too many requests, please wait before trying again."},
             "ResponseMetadata": meta("r-5", 429)}

BASE = {"provider": "aws-bedrock", "operation": "chat", "reasoning_tokens": 0, "ttft_ms": None, "is_batch": False,
        "logged_cost_usd": None, "cache_write_1h_tokens": 0}
TS = datetime(2025, 3, 11, 0, 38, 2, tzinfo=UTC)


@pytest.mark.parametrize("forced", [None, "bedrock-converse"])
def test_converse_responses_pairs_blocks_and_errors(db, tmp_path, forced):
    (file,) = db.ingest(write_jsonl(tmp_path / "converse.jsonl", [BARE, PAIR, ROUTED, BLOCKED, THROTTLED]),
                        log_format=forced).files
    assert (file.log_format, file.loaded, file.quarantined, file.estimated) == ("bedrock-converse", 5, 0, 0)
    assert_calls(db.calls(), [
        # input = 4 uncached + 1500 cache reads + 58 cache writes
        {**BASE, "call_id": "r-1", "ts": TS, "model": None, "input_tokens": 1562, "cached_input_tokens": 1500,
         "cache_write_tokens": 58, "output_tokens": 38, "latency_ms": 302.0, "status": "ok", "error_type": None,
         "http_status": 200, "tags": {"stop_reason": "end_turn"}, "response_text": "Hello!"},
        {**BASE, "call_id": "r-2", "ts": datetime(2025, 3, 11, 0, 40, tzinfo=UTC),
         "model": "us.anthropic.claude-3-7-sonnet-20250219-v1:0", "input_tokens": 12, "cached_input_tokens": 0,
         "cache_write_tokens": 0, "output_tokens": 3, "latency_ms": 302.0, "status": "ok", "error_type": None,
         "http_status": 200, "service_tier": "flex", "tags": {"stop_reason": "end_turn"},
         "system_prompt": "Be brief.", "user_prompt": "Capital of France?", "response_text": "Paris.",
         "prompt_hash": ANY, "prompt_chars": len("Be brief.\nCapital of France?"), "n_messages": 1, "n_tools": 0},
        {**BASE, "call_id": "r-3", "ts": TS,
         "model": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
         "input_tokens": 9, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 1, "latency_ms": 302.0,
         "status": "ok", "error_type": None, "http_status": 200, "tags": {"stop_reason": "end_turn"}, "response_text": "4"},
        {**BASE, "call_id": "r-4", "ts": datetime(2025, 3, 11, 0, 41, tzinfo=UTC), "model": "amazon.nova-lite-v1:0",
         "input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0, "latency_ms": 302.0,
         "status": "error", "error_type": "content_filter", "http_status": 200,
         "tags": {"stop_reason": "guardrail_intervened", "blocked": "guardrail_intervened"},
         "user_prompt": "something nasty", "response_text": "Sorry, I can't help with that.", "prompt_hash": ANY,
         "prompt_chars": len("something nasty"), "n_messages": 1, "n_tools": 0},
        {**BASE, "call_id": "r-5", "ts": TS, "model": None, "input_tokens": 0, "cached_input_tokens": 0,
         "cache_write_tokens": 0, "output_tokens": 0, "latency_ms": None, "status": "error", "error_type": "rate_limit",
         "http_status": 429, "tags": {}},
    ])


def invocation_log(request_id: str, output_body: dict, **counts) -> dict:
    record = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-03-11T00:38:02Z",
              "accountId": "123456789012", "region": "us-east-1", "requestId": request_id, "operation": "Converse",
              "modelId": "us.anthropic.claude-sonnet-4-20250514-v1:0",
              "input": {"inputContentType": "application/json",
                        "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "Summarise the report"}]}]}},
              "output": {"outputContentType": "application/json", "outputBodyJson": output_body}}
    for key, value in counts.items():
        record["input" if key.startswith(("input", "cache")) else "output"][key] = value
    return record


def test_invocation_logs_of_converse_calls_and_a_guardrail_block(db, tmp_path):
    converse = invocation_log("inv-1", {
        "output": {"message": {"role": "assistant", "content": [{"text": "It says..."}]}}, "stopReason": "end_turn",
        "metrics": {"latencyMs": 1180},
        "usage": {"inputTokens": 20, "outputTokens": 300, "totalTokens": 4320, "cacheReadInputTokens": 4000,
                  "cacheWriteInputTokens": 0}})
    blocked = invocation_log("inv-2", {"type": "message", "role": "assistant",
                                       "content": [{"type": "text", "text": "Sorry, please provide a more appropriate answer."}],
                                       "amazon-bedrock-guardrailAction": "INTERVENED"})
    blocked["operation"] = "InvokeModel"
    (file,) = db.ingest(write_jsonl(tmp_path / "invocations.jsonl", [converse, blocked])).files
    assert (file.log_format, file.loaded, file.estimated) == ("bedrock", 2, 0)
    got = rows(db.con, "SELECT call_id, input_tokens, cached_input_tokens, output_tokens, latency_ms, status, error_type, "
                       "http_status, tokens_estimated, tags['blocked'] AS blocked FROM calls ORDER BY call_id")
    assert got == [
        {"call_id": "inv-1", "input_tokens": 4020, "cached_input_tokens": 4000, "output_tokens": 300, "latency_ms": 1180.0,
         "status": "ok", "error_type": None, "http_status": 200, "tokens_estimated": False, "blocked": None},
        {"call_id": "inv-2", "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "latency_ms": None,
         "status": "error", "error_type": "content_filter", "http_status": 200, "tokens_estimated": False,
         "blocked": "guardrail_intervened"},
    ]


def stream_events(text: str, stop: str, usage: dict, latency: int) -> list[dict]:
    """One ConverseStream as the SDK yields it, an event per line."""
    return [{"messageStart": {"role": "assistant"}},
            {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": text}}},
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": stop}},
            {"metadata": {"usage": usage, "metrics": {"latencyMs": latency}}}]


def test_converse_stream_events_are_one_call_per_metadata_event(db, tmp_path):
    events = (stream_events("Tokyo", "end_turn", {"inputTokens": 54, "outputTokens": 18, "totalTokens": 72}, 821)
              + stream_events("", "guardrail_intervened", {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}, 90)
              + stream_events("Paris", "max_tokens", {"inputTokens": 10, "outputTokens": 64, "totalTokens": 1074,
                                                      "cacheReadInputTokens": 1000}, 400)
              + [{"throttlingException": {"message": "Too many requests, please wait before trying again."}}])
    (file,) = db.ingest(write_jsonl(tmp_path / "stream.jsonl", events)).files
    assert (file.log_format, file.records, file.loaded, file.skipped, file.quarantined) == (
        "bedrock-converse-stream", 16, 4, 12, 0)
    ok, blocked, cached, throttled = db.calls()
    assert (ok["provider"], ok["model"], ok["input_tokens"], ok["output_tokens"], ok["latency_ms"]) == (
        "aws-bedrock", None, 54, 18, 821.0)
    assert (ok["status"], ok["tags"]) == ("ok", {"stop_reason": "end_turn"})
    # a guardrail that stopped the call before the model ran: failed, no tokens
    assert (blocked["status"], blocked["error_type"], blocked["tags"]["blocked"]) == (
        "error", "content_filter", "guardrail_intervened")
    # inputTokens excludes the cache: canonical input adds the reads back
    assert (cached["input_tokens"], cached["cached_input_tokens"], cached["tags"]) == (1010, 1000, {"stop_reason": "max_tokens"})
    assert (throttled["status"], throttled["error_type"], throttled["http_status"]) == ("error", "rate_limit", 429)


def test_a_guardrail_that_intervened_on_a_call_with_counts_is_tagged(db, tmp_path):
    # vercel/ai's recorded Converse body: the input was blocked by a topic policy, yet the usage
    # counts 18 in / 12 out: the call is kept as logged (status ok) and says the guardrail intervened
    body = response("r-g", "Sorry, the model cannot answer this question.",
                    {"inputTokens": 18, "outputTokens": 12, "totalTokens": 30}, stop="guardrail_intervened")
    events = stream_events("Sorry", "guardrail_intervened", {"inputTokens": 18, "outputTokens": 12, "totalTokens": 30}, 90)
    db.ingest(write_jsonl(tmp_path / "body.jsonl", [body]))
    db.ingest(write_jsonl(tmp_path / "stream.jsonl", events))
    for row in db.calls():
        assert (row["status"], row["input_tokens"], row["output_tokens"]) == ("ok", 18, 12)
        assert row["tags"] == {"stop_reason": "guardrail_intervened", "guardrail": "intervened"}


def test_one_hour_cache_writes_are_told_by_cache_details_in_every_converse_shape(db, tmp_path):
    # AWS's TokenUsage splits the writes by lifetime (`cacheDetails: [{ttl, inputTokens}]`); a
    # pydantic-ai cassette's usage (us. Sonnet 4.5) with its one write block living an hour
    usage = {"inputTokens": 2, "outputTokens": 5, "totalTokens": 1329, "cacheReadInputTokens": 0,
             "cacheWriteInputTokens": 1322, "cacheDetails": [{"inputTokens": 1322, "ttl": "1h"}]}
    model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    dump = {"modelId": model, "timestamp": "2026-01-10T10:00:00Z", "response": response("r-1h", "21", usage)}
    log = invocation_log("inv-1h", {"output": {"message": {"role": "assistant", "content": [{"text": "21"}]}},
                                    "stopReason": "end_turn", "usage": usage},
                         inputTokenCount=2, cacheReadInputTokenCount=0, cacheWriteInputTokenCount=1322, outputTokenCount=5)
    log["modelId"], log["timestamp"] = model, "2026-01-10T10:00:00Z"
    stream = [{**e, "modelId": model, "timestamp": "2026-01-10T10:00:00Z"} for e in stream_events("21", "end_turn", usage, 900)]
    from mmaudit.pricing import load_catalog, pricing_enricher

    for name, lines in (("dump.jsonl", [dump]), ("log.jsonl", [log]), ("stream.jsonl", stream)):
        db.ingest(write_jsonl(tmp_path / name, lines), enrichers=(pricing_enricher(load_catalog()),))
    got = db.con.execute("SELECT source_format, input_tokens, cache_write_1h_tokens, cost_usd FROM calls ORDER BY 1").fetchall()
    # the us. Sonnet 4.5 profile: $3.30 input, $6.60 per 1M for 1-hour writes, $16.50 output
    cost = (2 * Decimal("3.3") + 1322 * Decimal("6.6") + 5 * Decimal("16.5")) / 10**6
    assert got == [("bedrock", 1324, 1322, cost), ("bedrock-converse", 1324, 1322, cost),
                   ("bedrock-converse-stream", 1324, 1322, cost)]


def test_latency_optimized_inference_is_its_own_tier_never_the_standard_price(db, tmp_path):
    # a pydantic-ai cassette of Nova Pro with `performanceConfig: {latency: optimized}`: billed at
    # rates of its own that genai-prices does not list, so unpriced and reported, not standard
    from mmaudit.pricing import load_catalog, pricing_enricher

    usage = {"inputTokens": 13, "outputTokens": 67, "totalTokens": 80}
    optimized = {"modelId": "us.amazon.nova-pro-v1:0", "timestamp": "2026-01-10T10:00:00Z",
                 "response": response("r-opt", "Paris.", usage, performanceConfig={"latency": "optimized"})}
    standard = {"modelId": "us.amazon.nova-pro-v1:0", "timestamp": "2026-01-10T10:00:00Z",
                "response": response("r-std", "Paris.", usage, performanceConfig={"latency": "standard"})}
    stream = [{**e, "modelId": "us.amazon.nova-pro-v1:0"} for e in stream_events("Paris.", "end_turn", usage, 600)]
    stream[-1]["metadata"]["performanceConfig"] = {"latency": "optimized"}
    db.ingest(write_jsonl(tmp_path / "dump.jsonl", [optimized, standard]), enrichers=(pricing_enricher(load_catalog()),))
    db.ingest(write_jsonl(tmp_path / "stream.jsonl", stream), enrichers=(pricing_enricher(load_catalog()),))
    got = db.con.execute("""SELECT source_format, service_tier, cost_usd IS NULL FROM calls
                            ORDER BY source_format, service_tier NULLS FIRST""").fetchall()
    assert got == [("bedrock-converse", None, False), ("bedrock-converse", "latency-optimized", True),
                   ("bedrock-converse-stream", "latency-optimized", True)]
