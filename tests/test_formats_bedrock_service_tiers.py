"""Bedrock's service tiers (flex, priority, reserved) and latency-optimized inference wherever a
Bedrock call names them: the ConverseStream `metadata` event (`bedrock-converse-stream`), the model
invocation logs (`bedrock`: the Converse answer in `output.outputBodyJson`, a ConverseStream's
events, the log's own `performanceConfig`, the request in `input.inputBodyJson`) and captured
InvokeModel calls (the `X-Amzn-Bedrock-Service-Tier` / `-PerformanceConfig-Latency` response
headers). The `bedrock-converse` pairs already read them; these routes did not, so a flex call (AWS
bills it at a discount) and a priority one (at a premium) were both charged the standard rate.
genai-prices has no Bedrock tier rates: such a call is unpriced and listed with its reason.

Shapes: AWS's API reference as botocore 1.44.8 models it (ConverseResponse, ConverseRequest and
ConverseStreamMetadataEvent: `serviceTier {type: priority|default|flex|reserved}`,
`performanceConfig {latency: standard|optimized}`; InvokeModelResponse: those two as the headers
above). The invocation log is a real ConverseStream log (dheerajoruganty/aws-bedrock-logs-mcp-server,
setup.md: Nova Lite, 2025-03-11, its `outputBodyJson` the Converse answer), its model and counts
changed to the hunter's repro (/tmp/hunt5/tiers.md, finding 2); the list-of-events body is the
shape the hunter found in a public fixture; the top-level `performanceConfig` is the invocation-log
schema as Panther documents it (docs.panther.com, AWS.BedrockModelInvocation). The InvokeModel
capture is OpenLLMetry's Llama 3 cassette (as in test_formats_bedrock_invoke_captures.py) with the
tier headers added.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from mmaudit.pricing import load_catalog, pricing_enricher
from mmaudit.pricing.apply import unpriced_calls
from tests.conftest import write_jsonl

HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
TS = "2026-11-23T09:00:00Z"
USAGE = {"inputTokens": 1200, "outputTokens": 300, "totalTokens": 1500}
# the us. Haiku 4.5 profile at the standard tier: 1,200 x $1.10/1M + 300 x $5.50/1M = $0.00132 + $0.00165
STANDARD = Decimal("0.00297")


def _ingest(db, tmp_path, name: str, records: list[dict], fmt: str, loaded: int) -> None:
    (file,) = db.ingest(write_jsonl(tmp_path / name, records), enrichers=(pricing_enricher(load_catalog()),)).files
    assert (file.log_format, file.loaded, file.quarantined) == (fmt, loaded, 0)


def _reasons(db) -> set[tuple[str, int]]:
    return {(r["reason"], r["calls"]) for r in unpriced_calls(db.con)}


# --- ConverseStream events, one per line as the SDK yields them -------------------------------

def _stream(metadata: dict) -> list[dict]:
    return [{"messageStart": {"role": "assistant"}, "modelId": HAIKU, "timestamp": TS},
            {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "ok"}}},
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": "end_turn"}},
            {"metadata": {"usage": USAGE, "metrics": {"latencyMs": 300}, **metadata}, "modelId": HAIKU, "timestamp": TS}]


def test_the_stream_metadata_event_names_the_tier_that_served_it(db, tmp_path):
    events = (_stream({"serviceTier": {"type": "default"}}) + _stream({"serviceTier": {"type": "flex"}})
              + _stream({"serviceTier": {"type": "priority"}}) + _stream({"serviceTier": {"type": "reserved"}})
              # the standard tier served with optimized latency: billed at latency-optimized rates
              + _stream({"serviceTier": {"type": "default"}, "performanceConfig": {"latency": "optimized"}})
              + _stream({}))
    _ingest(db, tmp_path, "stream.jsonl", events, "bedrock-converse-stream", 6)
    got = db.con.execute("SELECT source_line, service_tier, input_tokens, output_tokens, cost_usd FROM calls "
                         "ORDER BY source_line").fetchall()
    # before: every row service_tier NULL and $0.00297 (flex billed at a discount, priority at a premium)
    assert [row[1:] for row in got] == [
        ("default", 1200, 300, STANDARD),
        ("flex", 1200, 300, None),
        ("priority", 1200, 300, None),
        ("reserved", 1200, 300, None),
        ("latency-optimized", 1200, 300, None),
        (None, 1200, 300, STANDARD),
    ]
    assert _reasons(db) == {("no rate for service tier flex", 1), ("no rate for service tier priority", 1),
                            ("no rate for service tier reserved", 1), ("no rate for service tier latency-optimized", 1)}


# --- model invocation logs (CloudWatch / S3) ---------------------------------------------------

# dheerajoruganty/aws-bedrock-logs-mcp-server, setup.md ("Example invocation"): a real ConverseStream log
REAL_LOG = {
    "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-03-11T00:38:02Z",
    "accountId": "XXXXXXXXXXXXX", "identity": {"arn": "arn:aws:iam::XXXXXXXXXXXX:user/dheeraj"},
    "region": "us-east-1", "requestId": "ff4b6c63-5561-4431-93b8-06a817275900", "operation": "ConverseStream",
    "modelId": "amazon.nova-lite-v1:0",
    "input": {"inputContentType": "application/json",
              "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "hello how are you"}]}],
                                "inferenceConfig": {"maxTokens": 512, "temperature": 0.7, "topP": 0.9, "stopSequences": []},
                                "additionalModelRequestFields": {}},
              "inputTokenCount": 4, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0},
    "output": {"outputContentType": "application/json",
               "outputBodyJson": {"output": {"message": {"role": "assistant", "content": [
                   {"text": "Hello! I'm doing well, thank you for asking. How can I assist you today?"}]}},
                   "stopReason": "end_turn", "metrics": {"latencyMs": 302},
                   "usage": {"inputTokens": 4, "outputTokens": 38, "totalTokens": 42}},
               "outputTokenCount": 38}}


def _log(request_id: str, operation: str = "Converse", asked: dict | None = None, answered: dict | None = None,
         **top) -> dict:
    """The real log with the repro's model and counts, and the tier fields where AWS puts them."""
    log = copy.deepcopy(REAL_LOG)
    log.update(requestId=request_id, operation=operation, modelId=HAIKU, timestamp=TS, **top)
    log["input"]["inputTokenCount"], log["output"]["outputTokenCount"] = 1200, 300
    log["input"]["inputBodyJson"].update(asked or {})
    log["output"]["outputBodyJson"]["usage"] = dict(USAGE)
    log["output"]["outputBodyJson"].update(answered or {})
    return log


def _events_log(request_id: str, metadata: dict) -> dict:
    """A ConverseStream log whose body is kept as the list of the stream's events."""
    log = _log(request_id, "ConverseStream")
    log["output"]["outputBodyJson"] = [
        {"messageStart": {"role": "assistant"}}, {"contentBlockDelta": {"delta": {"text": "ok"}}},
        {"messageStop": {"stopReason": "end_turn"}},
        {"metadata": {"usage": dict(USAGE), "metrics": {"latencyMs": 900}, **metadata}}]
    return log


def test_invocation_logs_read_the_tier_from_the_answer_the_log_and_the_request(db, tmp_path):
    flex, prio = {"serviceTier": {"type": "flex"}}, {"serviceTier": {"type": "priority"}}
    logs = [
        _log("converse-flex", asked=flex, answered=flex),
        _log("stream-priority", "ConverseStream", asked=prio, answered=prio),
        _events_log("events-reserved", {"serviceTier": {"type": "reserved"}}),
        # the answer names no tier: the request's (flex) leaves the call unpriced, never standard
        _log("asked-flex", asked=flex),
        # priority asked, the answer says it was served at the default tier: billed standard
        _log("served-default", asked=prio, answered={"serviceTier": {"type": "default"}}),
        # latency-optimized asked, the quota was spent: the answer says standard latency, billed standard
        _log("served-standard-latency", asked={"performanceConfig": {"latency": "optimized"}},
             answered={"performanceConfig": {"latency": "standard"}}),
        # the log's own performanceConfig (an InvokeModel call takes the setting as a header)
        _log("invoke-optimized", "InvokeModel", performanceConfig={"latency": "optimized"}),
        _log("plain"),
    ]
    _ingest(db, tmp_path, "invocations.jsonl", logs, "bedrock", len(logs))
    got = {r[0]: r[1:] for r in db.con.execute(
        "SELECT call_id, service_tier, input_tokens, output_tokens, cost_usd FROM calls").fetchall()}
    # before: every call service_tier NULL and charged $0.00297
    assert got == {
        "converse-flex": ("flex", 1200, 300, None),
        "stream-priority": ("priority", 1200, 300, None),
        "events-reserved": ("reserved", 1200, 300, None),
        "asked-flex": ("flex", 1200, 300, None),
        "served-default": ("default", 1200, 300, STANDARD),
        "served-standard-latency": (None, 1200, 300, STANDARD),
        "invoke-optimized": ("latency-optimized", 1200, 300, None),
        "plain": (None, 1200, 300, STANDARD),
    }
    assert _reasons(db) == {("no rate for service tier flex", 2), ("no rate for service tier priority", 1),
                            ("no rate for service tier reserved", 1), ("no rate for service tier latency-optimized", 1)}


def test_the_hunters_repro_flex_invocation_log_is_unpriced(db, tmp_path):
    # /tmp/hunt5/tiers.md finding 2, line 1 of br.jsonl, verbatim: stored at $0.00297 before
    line = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2026-11-23T09:00:00Z",
            "accountId": "123456789012", "region": "us-east-1", "requestId": "br-flex-1", "operation": "Converse",
            "modelId": HAIKU,
            "input": {"inputContentType": "application/json",
                      "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "hi"}]}],
                                        "serviceTier": {"type": "flex"}}, "inputTokenCount": 1200},
            "output": {"outputContentType": "application/json",
                       "outputBodyJson": {"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
                                          "stopReason": "end_turn", "metrics": {"latencyMs": 2500},
                                          "serviceTier": {"type": "flex"},
                                          "usage": {"inputTokens": 1200, "outputTokens": 300, "totalTokens": 1500}},
                       "outputTokenCount": 300}}
    _ingest(db, tmp_path, "br.jsonl", [line], "bedrock", 1)
    assert db.con.execute("SELECT service_tier, cost_usd FROM calls").fetchall() == [("flex", None)]
    assert _reasons(db) == {("no rate for service tier flex", 1)}


# --- captured InvokeModel calls: the tier is a response header ----------------------------------

# traceloop/openllmetry cassettes/test_meta/test_meta_llama3_completion.yaml @ 7475bad030d9b0fe56df8b35f1f11ab0a52a489a
LLAMA = {"capturedAt": "2024-08-29T18:49:03+00:00",
         "request": {"url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-70b-instruct-v1%3A0/invoke",
                     "method": "POST", "body": {"prompt": "Tell me a joke about opentelemetry", "max_gen_len": 128}},
         "response": {"status": 200, "body": {"generation": "\nWhy did the opentelemetry span go to therapy?",
                                              "prompt_token_count": 8, "generation_token_count": 35,
                                              "stop_reason": "stop"}}}


def _capture(request_id: str, headers: dict) -> dict:
    capture = copy.deepcopy(LLAMA)
    capture["response"]["headers"] = {"x-amzn-RequestId": [request_id], **headers}
    return capture


def test_a_captured_invoke_model_call_is_priced_at_the_tier_its_headers_name(db, tmp_path):
    captures = [_capture("inv-flex", {"X-Amzn-Bedrock-Service-Tier": ["flex"]}),
                _capture("inv-optimized", {"x-amzn-bedrock-performanceconfig-latency": "optimized"}),
                _capture("inv-default", {"X-Amzn-Bedrock-Service-Tier": ["default"]}),
                _capture("inv-none", {})]
    _ingest(db, tmp_path, "captures.jsonl", captures, "bedrock", 4)
    got = {r[0]: r[1:] for r in db.con.execute("SELECT call_id, service_tier, cost_usd FROM calls").fetchall()}
    # meta.llama3-70b-instruct-v1:0 standard: 8 x $2.65/1M + 35 x $3.50/1M = $0.0000212 + $0.0001225
    standard = Decimal("0.0001437")
    assert got == {"inv-flex": ("flex", None), "inv-optimized": ("latency-optimized", None),
                   "inv-default": ("default", standard), "inv-none": (None, standard)}


# --- the Converse pairs: a default tier beside the optimized latency ------------------------------

def test_a_converse_answer_with_default_tier_and_optimized_latency_is_latency_optimized(db, tmp_path):
    # AWS bills the optimized latency at rates of its own whatever the (default) tier beside it;
    # before, the tier won and the call was charged the standard $0.00297
    pair = {"modelId": HAIKU, "timestamp": TS,
            "request": {"modelId": HAIKU, "messages": [{"role": "user", "content": [{"text": "hi"}]}],
                        "performanceConfig": {"latency": "optimized"}},
            "response": {"ResponseMetadata": {"RequestId": "pair-opt", "HTTPStatusCode": 200},
                         "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
                         "stopReason": "end_turn", "usage": dict(USAGE), "metrics": {"latencyMs": 302},
                         "serviceTier": {"type": "default"}, "performanceConfig": {"latency": "optimized"}}}
    _ingest(db, tmp_path, "pairs.jsonl", [pair], "bedrock-converse", 1)
    assert db.con.execute("SELECT service_tier, cost_usd FROM calls").fetchall() == [("latency-optimized", None)]
    assert _reasons(db) == {("no rate for service tier latency-optimized", 1)}
