"""Vertex AI request-response logging rows (the BigQuery table `logging_config` fills, exported as
JSON lines) read as the `{request, response}` pairs they hold: the `model` column, not
`model_version`, names the model; `logging_time` is the call's time; provider vertex."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import Loaded, write_jsonl

# elastic/beats x-pack/metricbeat/module/gcp/vertexai_logs/_meta/data.json @974a14b9 (`gcp.vertexai_logs`)
ANSWER = ("I don't have access to real-time weather information. "
          "Please check a weather service or app for current conditions.")
FULL_REQUEST = {"contents": [{"parts": [{"text": "What is the weather like today?"}], "role": "user"}],
                "generationConfig": {"temperature": 0.7, "maxOutputTokens": 1024}}
FULL_RESPONSE = {"candidates": [{"content": {"parts": [{"text": ANSWER}], "role": "model"}, "finishReason": "STOP",
                                 "safetyRatings": [{"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"}]}],
                 "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 24, "totalTokenCount": 32}}
ROW = {"endpoint": "https://us-central1-aiplatform.googleapis.com/v1/projects/elastic-beats/locations/us-central1/endpoints/123456789",
       "deployed_model_id": "model-deployment-123", "logging_time": "2025-09-02T10:14:50.313Z",
       "request_id": 98765432101234567, "model": "gemini-2.5-pro", "model_version": "001", "api_method": "generateContent",
       "request_payload": ["What is the weather like today?"], "response_payload": [ANSWER],
       "full_request": FULL_REQUEST, "full_response": FULL_RESPONSE,
       "metadata": {"region": "us-central1", "zone": "us-central1-a"},
       "otel_log": {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"}}
# `bq extract` may write the JSON columns as JSON-encoded strings
ROW_AS_TEXT = {**ROW, "request_id": 98765432101234568,
               "full_request": json.dumps(FULL_REQUEST), "full_response": json.dumps(FULL_RESPONSE)}


def test_a_logging_row_is_its_gemini_call_at_vertex_rates(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "vertex_logs.jsonl", [ROW, ROW_AS_TEXT]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("gemini", 2, 0)
    got = {r["call_id"]: r for r in db.calls()}
    assert set(got) == {"98765432101234567", "98765432101234568"}  # the row's request id
    for call in got.values():
        assert (call["provider"], call["model"]) == ("vertex", "gemini-2.5-pro")  # not model_version "001"
        assert call["ts"] == datetime(2025, 9, 2, 10, 14, 50, 313000, tzinfo=UTC)  # logging_time
        assert (call["input_tokens"], call["output_tokens"], call["tokens_estimated"]) == (8, 24, False)
        assert (call["user_prompt"], call["response_text"], call["status"]) == ("What is the weather like today?", ANSWER, "ok")
        # gemini-2.5-pro on Vertex: $1.25 in / $10 out per 1M tokens
        assert call["cost_usd"] == (8 * Decimal("1.25") + 24 * Decimal("10")) / 10**6


def test_a_resource_name_bigquery_times_labels_and_latency(db, tmp_path):
    # the model column as a publisher model's resource name; BigQuery's own TIMESTAMP text; the
    # request's labels (who called) as tags; metadata.request_latency (ms) as the latency
    row = {**ROW, "model": "projects/p-1/locations/us-central1/publishers/google/models/gemini-2.5-flash",
           "logging_time": "2025-09-02 10:14:50.313 UTC", "metadata": {"request_latency": "1840"},
           "full_request": {**FULL_REQUEST, "labels": {"caller": "billing-bot"}}}
    db.ingest(write_jsonl(tmp_path / "vertex_logs.jsonl", [row]))
    (call,) = db.calls()
    assert (call["model"], call["latency_ms"], call["tags"]) == ("gemini-2.5-flash", 1840.0, {"caller": "billing-bot"})
    assert call["ts"] == datetime(2025, 9, 2, 10, 14, 50, 313000, tzinfo=UTC)


def test_an_error_row_is_a_failed_call_and_an_empty_one_is_not_taken_for_a_free_call(db, tmp_path):
    # a failed call's full_response holds the google.rpc error; a row with no response says
    # nothing of the call's usage or outcome: quarantined, never loaded as 0 tokens
    failed = {**ROW, "request_id": 1, "full_response": {"error": {
        "code": 429, "message": "Resource exhausted. Please try again later.", "status": "RESOURCE_EXHAUSTED"}}}
    empty = {**ROW, "request_id": 2, "full_response": None}
    (file,) = db.ingest(write_jsonl(tmp_path / "vertex_logs.jsonl", [failed, empty])).files
    assert (file.log_format, file.loaded, file.quarantined) == ("gemini", 1, 1)
    (call,) = db.calls()
    assert (call["call_id"], call["provider"], call["model"]) == ("1", "vertex", "gemini-2.5-pro")
    assert (call["status"], call["error_type"], call["http_status"]) == ("error", "rate_limit", 429)
    (bad,) = db.quarantine()
    assert bad["source_line"] == 2 and "response" in bad["reason"]


# two chunks of a streamed gemini-2.5-flash answer (vercel/ai packages/google/src/__fixtures__/
# issue-19822-google-search-live.chunks.txt @b1de6857): the last one's counts are the stream's
CHUNKS = [
    {"candidates": [{"content": {"parts": [{"text": "The current date is Wednesday, August 26, 2026."}], "role": "model"}, "index": 0}],
     "usageMetadata": {"promptTokenCount": 17, "candidatesTokenCount": 20, "totalTokenCount": 678, "toolUsePromptTokenCount": 308,
                       "thoughtsTokenCount": 333}, "modelVersion": "gemini-2.5-flash", "responseId": "sanitized-issue-19822-stream"},
    {"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": "STOP", "index": 0}],
     "usageMetadata": {"promptTokenCount": 17, "candidatesTokenCount": 37, "totalTokenCount": 695, "toolUsePromptTokenCount": 308,
                       "thoughtsTokenCount": 333}, "modelVersion": "gemini-2.5-flash", "responseId": "sanitized-issue-19822-stream"},
]


def test_a_streamed_calls_chunks_are_its_one_answer(tmp_path):
    # should an export keep a streamGenerateContent response as the list of its chunks (as JSON
    # or as JSON text), the row is the one call they make, with the last chunk's counts
    for i, chunks in enumerate([CHUNKS, json.dumps(CHUNKS)]):
        db = Loaded(tmp_path / f"stream{i}.duckdb")  # (the same call each time: one store each)
        row = {**ROW, "api_method": "streamGenerateContent", "full_response": chunks}
        db.ingest(write_jsonl(tmp_path / f"stream{i}.jsonl", [row]), enrichers=enrichers())
        (call,) = db.con.execute("SELECT model, input_tokens, output_tokens, response_text, cost_usd FROM calls").fetchall()
        db.con.close()
        # input = prompt 17 + tool-use prompt 308; output = candidates 37 + thoughts 333;
        # gemini-2.5-flash: $0.30 in / $2.50 out per 1M tokens
        assert call == ("gemini-2.5-flash", 325, 370, "The current date is Wednesday, August 26, 2026.",
                        (325 * Decimal("0.30") + 370 * Decimal("2.50")) / 10**6)


def test_elastics_metricbeat_event_holds_the_row(db, tmp_path):
    # elastic/beats' vertexai_logs metricset keeps the BigQuery row under gcp.vertexai_logs
    event = {"@timestamp": "2025-09-02T10:14:50.313Z", "event": {"dataset": "gcp.vertexai_logs", "module": "gcp"},
             "gcp": {"vertexai_logs": ROW}, "metricset": {"name": "vertexai_logs", "period": 300000}}
    (file,) = db.ingest(write_jsonl(tmp_path / "metricbeat.json", [event])).files
    assert (file.log_format, file.loaded) == ("gemini", 1)
    (call,) = db.calls()
    assert (call["call_id"], call["provider"], call["model"], call["input_tokens"]) == ("98765432101234567", "vertex", "gemini-2.5-pro", 8)
