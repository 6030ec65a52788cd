"""Claude on Vertex AI: a regional endpoint costs 10% more than the global one for Claude Sonnet 4.5
and later models (Anthropic's "Claude on Vertex AI" page, "Global vs regional endpoints": regional
endpoints carry a 10% pricing premium; older models keep their pricing). genai-prices lists the
global rates only. The address of a captured call names the endpoint
(`.../locations/us-east5/publishers/anthropic/models/...:rawPredict`): a location other than
`global` is kept in tags (`inference_geo: regional`, `vertex_location`) and priced from the
model's `@regional` rows (mmaudit/data/pricing/geo_rates.yaml).

The record: go-steer/core-models dialect/anthropic/measured_turn_test.go
(commit 715557f4ddfa47311ffeced0defd94c15e811049), `measuredWarmSSE`: "a real measured turn ...
sent with cache_control ephemeral to claude-sonnet-5 on Vertex (us-east5) on 2026-09-13" (its
stream, trimmed to the events that carry the usage). The file keeps the stream and names the
region, not the address: the address here is Vertex's documented form for that region. The
record's own bill at the global rate card is $0.072070 (its TestMeasuredWarmTurnBillsTheRateCardFigure).
"""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import rows
from tests.test_pricing_fast_mode import ingest

WARM_SSE = (
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_vrtx_011Cf23KmBvy6xNCBR8cRGsH",'
    '"type":"message","role":"assistant","model":"claude-sonnet-5","content":[],"stop_reason":null,'
    '"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":28804,'
    '"cache_read_input_tokens":0,"output_tokens":1}}}\n\n'
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    '"delta":{"type":"text_delta","text":"ack"}}\n\n'
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn",'
    '"stop_sequence":null},"usage":{"output_tokens":4}}\n\n'
    'event: message_stop\ndata: {"type":"message_stop"}\n\n')
GLOBAL_BILL = Decimal("0.072070")  # 10 x $2 + 28,804 x $2.50 (5-minute writes) + 4 x $10, per 1M


def exchange(location: str, model: str = "claude-sonnet-5", body: str = WARM_SSE) -> dict:
    host = "aiplatform.googleapis.com" if location == "global" else f"{location}-aiplatform.googleapis.com"
    return {"timestamp": "2026-09-13T12:00:00Z",
            "request": {"url": f"https://{host}/v1/projects/p/locations/{location}/publishers/anthropic/models/"
                               f"{model}:streamRawPredict",
                        "method": "POST", "body": {"anthropic_version": "vertex-2023-10-16", "max_tokens": 64,
                                                   "stream": True, "messages": [{"role": "user", "content": "ack"}]}},
            "response": {"status": 200, "body": body}}


def test_a_regional_vertex_endpoint_bills_claude_at_1_1x_the_global_rate(tmp_path):
    # the same measured turn, once per endpoint (each its own file: a message id is a call id)
    con = ingest(tmp_path, {"r.jsonl": [exchange("us-east5")],
                            "g.jsonl": [exchange("global", body=WARM_SSE.replace("msg_vrtx_011", "msg_vrtx_G11"))]})
    got = rows(con, "SELECT provider, tags['inference_geo'] AS geo, tags['vertex_location'] AS loc, input_tokens, "
                    "cache_write_tokens, output_tokens, cost_usd FROM calls ORDER BY cost_usd")
    assert got == [
        {"provider": "vertex", "geo": None, "loc": None, "input_tokens": 28814, "cache_write_tokens": 28804,
         "output_tokens": 4, "cost_usd": GLOBAL_BILL},
        {"provider": "vertex", "geo": "regional", "loc": "us-east5", "input_tokens": 28814,
         "cache_write_tokens": 28804, "output_tokens": 4, "cost_usd": GLOBAL_BILL * Decimal("1.1")}]
    assert GLOBAL_BILL * Decimal("1.1") == Decimal("0.0792770")


def test_models_before_sonnet_4_5_and_gemini_keep_their_rate_on_a_regional_endpoint(tmp_path):
    # Claude Sonnet 4 (Vertex id claude-sonnet-4@20250514) keeps its pricing on a regional endpoint
    # (the record's turn with the model its stream names changed); Gemini on Vertex has no such premium
    # (pydantic/pydantic-ai tests/models/cassettes/test_google/test_google_model_vertex_provider.yaml,
    # commit 1c9a8671ecb57e6dd541f450570ad705e03f9617: gemini-2.0-flash on us-central1, 13 in / 8 out)
    old = WARM_SSE.replace('"claude-sonnet-5"', '"claude-sonnet-4-20250514"')
    gemini = {"request": {"url": "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/p/locations/us-central1/"
                                 "publishers/google/models/gemini-2.0-flash:generateContent",
                          "method": "POST", "body": {"contents": [{"parts": [{"text": "What is the capital of France?"}],
                                                                   "role": "user"}]}},
              "response": {"status": 200, "body": {
                  "candidates": [{"content": {"parts": [{"text": "The capital of France is Paris.\n"}], "role": "model"},
                                  "finishReason": "STOP"}],
                  "createTime": "2025-12-31T15:46:13.983958Z", "modelVersion": "gemini-2.0-flash",
                  "responseId": "RUVVaZaHPI3UhMIPlvb66AY",
                  "usageMetadata": {"candidatesTokenCount": 8, "promptTokenCount": 13, "totalTokenCount": 21,
                                    "trafficType": "ON_DEMAND"}}}}
    con = ingest(tmp_path, {"o.jsonl": [exchange("us-east5", "claude-sonnet-4@20250514", old)], "g.jsonl": [gemini]})
    got = rows(con, "SELECT model, tags['inference_geo'] AS geo, cost_usd FROM calls ORDER BY model")
    # Sonnet 4: $3 in, $3.75 5-minute writes, $15 out, per 1M; gemini-2.0-flash on Vertex $0.15 / $0.60
    assert got == [{"model": "claude-sonnet-4-20250514", "geo": "regional", "cost_usd": Decimal("0.108105")},
                   {"model": "gemini-2.0-flash", "geo": None, "cost_usd": Decimal("0.00000675")}]
