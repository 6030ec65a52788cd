"""Gemini / Vertex responses: thoughts are outside candidates; google.rpc errors are gemini's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.conftest import write_jsonl
from tests.test_formats_helpers import ANY, assert_calls

THINKING = {
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "I should compare...", "thought": True}, {"text": "Plan B is cheaper."}]},
        "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 5000, "cachedContentTokenCount": 4096, "candidatesTokenCount": 80,
                      "thoughtsTokenCount": 1200, "totalTokenCount": 6280},
    "modelVersion": "gemini-2.5-pro", "responseId": "gem-1", "createTime": "2025-05-02T10:00:00.250Z",
}
PAIR = {"timestamp": "2025-05-02T10:05:00Z", "latency_ms": 950,
        "request": {"model": "models/gemini-2.0-flash",
                    "systemInstruction": {"parts": [{"text": "Classify."}]},
                    "contents": [{"role": "user", "parts": [{"text": "Refund my order"}]}]},
        "response": {"candidates": [{"content": {"role": "model", "parts": [{"text": "billing"}]}}],
                     "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1, "totalTokenCount": 13},
                     "modelVersion": "gemini-2.0-flash-001", "responseId": "gem-2"}}
QUOTA = {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}
UNAVAILABLE = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}

BASE = {"provider": "google", "operation": "chat", "cache_write_tokens": 0, "ttft_ms": None, "is_batch": False,
        "logged_cost_usd": None, "tags": None}
ERR = {**BASE, "ts": None, "model": None, "input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
       "reasoning_tokens": 0, "latency_ms": None, "status": "error"}


def test_gemini_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "gemini.jsonl", [THINKING, PAIR, QUOTA, UNAVAILABLE]))
    assert result.files[0].log_format == "gemini" and result.files[0].quarantined == 0
    rows = db.calls()
    assert_calls(rows, [
        # promptTokenCount already includes the cached 4096; output = 80 candidates + 1200 thoughts
        {**BASE, "call_id": "gem-1", "ts": datetime(2025, 5, 2, 10, 0, 0, 250000, tzinfo=UTC),
         "model": "gemini-2.5-pro", "input_tokens": 5000, "cached_input_tokens": 4096, "output_tokens": 1280,
         "reasoning_tokens": 1200, "latency_ms": None, "status": "ok", "error_type": None, "http_status": 200,
         "response_text": "Plan B is cheaper."},
        {**BASE, "call_id": "gem-2", "ts": datetime(2025, 5, 2, 10, 5, tzinfo=UTC),
         "model": "gemini-2.0-flash-001", "input_tokens": 12, "cached_input_tokens": 0, "output_tokens": 1,
         "reasoning_tokens": 0, "latency_ms": 950.0, "status": "ok", "error_type": None, "http_status": 200,
         "system_prompt": "Classify.", "user_prompt": "Refund my order", "response_text": "billing",
         "prompt_hash": ANY, "prompt_chars": len("Classify.\nRefund my order"), "n_messages": 1, "n_tools": 0},
        {**ERR, "call_id": rows[2]["call_id"], "error_type": "rate_limit", "http_status": 429},
        {**ERR, "call_id": rows[3]["call_id"], "error_type": "server", "http_status": 503},
    ])


def test_google_rpc_errors_alone_are_gemini_and_openai_errors_stay_openai(db, tmp_path):
    gem = db.ingest(write_jsonl(tmp_path / "gem_errors.jsonl", [QUOTA, QUOTA])).files[0]
    oai = db.ingest(write_jsonl(tmp_path / "oai_errors.jsonl", [
        {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}])).files[0]
    assert (gem.log_format, gem.loaded, oai.log_format) == ("gemini", 2, "openai-chat")


def test_a_vertex_body_is_told_by_its_traffic_type_and_priced_at_vertex_rates(db, tmp_path):
    # Vertex AI adds usageMetadata.trafficType, which the Gemini API never writes (shape of a
    # recorded Vertex body): provider vertex, so gemini-2.0-flash is $0.15/$0.60 per 1M (Vertex's
    # price), not the Gemini API's $0.10/$0.40; the traffic type is a tag (provisioned-throughput
    # calls are prepaid, and a user may want them apart)
    from decimal import Decimal

    from mmaudit.pricing import load_catalog, pricing_enricher

    vertex = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello!"}]}, "finishReason": "STOP"}],
              "usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 11, "totalTokenCount": 13,
                                "trafficType": "ON_DEMAND"},
              "modelVersion": "gemini-2.0-flash-001", "createTime": "2025-06-10T09:00:00.000000Z", "responseId": "vx-1"}
    snake = {"usage_metadata": {"prompt_token_count": 2, "candidates_token_count": 11,
                                "traffic_type": "PROVISIONED_THROUGHPUT"},
             "model_version": "gemini-2.0-flash-001", "response_id": "vx-2", "create_time": "2025-06-10T09:00:00Z"}
    db.ingest(write_jsonl(tmp_path / "vertex.jsonl", [vertex, snake, {**THINKING, "responseId": "api-1"}]),
              enrichers=(pricing_enricher(load_catalog()),))
    got = {r["call_id"]: r for r in db.calls()}
    assert (got["vx-1"]["provider"], got["vx-1"]["tags"]) == ("vertex", {"traffic_type": "ON_DEMAND"})
    assert got["vx-2"]["tags"] == {"traffic_type": "PROVISIONED_THROUGHPUT"}
    costs = dict(db.con.execute("SELECT call_id, cost_usd FROM calls").fetchall())
    assert costs["vx-1"] == (2 * Decimal("0.15") + 11 * Decimal("0.60")) / 10**6
    assert got["api-1"]["provider"] == "google"  # a Gemini API body (createTime alone says nothing)


def _vertex_call(call_id: str, **usage: str) -> dict:
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100, **usage},
            "modelVersion": "gemini-2.5-pro", "responseId": call_id, "createTime": "2026-11-20T10:00:00Z"}


def test_priority_and_flex_paygo_are_their_tiers_never_the_standard_price(db, tmp_path):
    # Vertex AI's trafficType says which tier billed the call when the body has no serviceTier
    # (ON_DEMAND_PRIORITY, ON_DEMAND_FLEX); the Gemini API's serviceTier enum names
    # (SERVICE_TIER_STANDARD...) are the tiers they spell. gemini-2.5-pro standard: $1.25 / $10 per 1M.
    from decimal import Decimal

    from mmaudit.pricing import load_catalog, pricing_enricher

    records = [_vertex_call("on-demand", trafficType="ON_DEMAND"),
               _vertex_call("priority", trafficType="ON_DEMAND_PRIORITY"),
               _vertex_call("flex", trafficType="ON_DEMAND_FLEX"),
               _vertex_call("named-standard", serviceTier="SERVICE_TIER_STANDARD"),
               _vertex_call("named-flex", serviceTier="SERVICE_TIER_FLEX")]
    db.ingest(write_jsonl(tmp_path / "tiers.jsonl", records), enrichers=(pricing_enricher(load_catalog()),))
    got = {r[0]: r[1:] for r in db.con.execute("SELECT call_id, service_tier, cost_usd FROM calls").fetchall()}
    standard = (1000 * Decimal("1.25") + 100 * Decimal("10")) / 10**6
    assert got["on-demand"] == (None, standard)
    assert got["named-standard"] == ("SERVICE_TIER_STANDARD", standard)
    # genai-prices has no Priority or Flex price of gemini-2.5-pro: unpriced and reported, not $0.00225
    assert got["priority"] == ("priority", None) and got["flex"] == ("flex", None)
    assert got["named-flex"] == ("SERVICE_TIER_FLEX", None)
    from mmaudit.pricing.apply import unpriced_calls
    reasons = {(r["reason"], r["calls"]) for r in unpriced_calls(db.con)}
    assert reasons == {("no rate for service tier priority", 1), ("no rate for service tier flex", 2)}


def test_provisioned_throughput_calls_are_named_next_to_the_cost(tmp_path):
    # prepaid capacity has no per-token price: charged on-demand rates, and audit says so
    from tests.test_pricing_assumptions import audit_after_ingest

    audit, text = audit_after_ingest(tmp_path, [_vertex_call("pt-1", trafficType="PROVISIONED_THROUGHPUT"),
                                                _vertex_call("od-1", trafficType="ON_DEMAND")])
    assert audit["pricing_assumptions"]["provisioned_on_demand"] == 1
    assert ("1 Vertex AI call(s) ran on prepaid Provisioned Throughput and were charged the on-demand price of "
            "their tokens") in text


def _chunk(text: str, prompt: int, candidates: int | None = None, finish: bool = False) -> dict:
    """A streamed chunk as the Gemini API sent it without a responseId (recorded in
    FirebaseExtended/vertexai-sdk-test-data, googleai/streaming-success-basic-reply-short.txt):
    every chunk repeats promptTokenCount, and only the last has a finishReason and the output count."""
    candidate: dict = {"content": {"parts": [{"text": text}], "role": "model"}}
    usage: dict = {"promptTokenCount": prompt, "totalTokenCount": prompt + (candidates or 0)}
    if finish:
        candidate["finishReason"] = "STOP"
        usage["candidatesTokenCount"] = candidates
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-2.5-flash"}


def _stream(words: list[str], prompt: int, out: int) -> list[dict]:
    return [*(_chunk(w, prompt) for w in words[:-1]), _chunk(words[-1], prompt, out, finish=True)]


def test_a_stream_without_response_ids_is_one_call_not_one_per_chunk(db, tmp_path):
    single = _chunk("Cheyenne.", 9, 3, finish=True)  # an unstreamed body: a call on its own
    lines = [*_stream(["The", " capital", " is Cheyenne."], 7, 10), single, single,
             *_stream(["Yes", "."], 2000, 2), *_stream(["The", " capital", " is Cheyenne."], 7, 10)]
    from mmaudit.pricing import load_catalog, pricing_enricher

    (file,) = db.ingest(write_jsonl(tmp_path / "chunks.jsonl", lines), enrichers=(pricing_enricher(load_catalog()),)).files
    assert (file.loaded, file.duplicates, file.quarantined) == (5, 5, 0)
    calls = db.con.execute("""SELECT input_tokens, output_tokens, tokens_estimated, cost_usd FROM calls
                              ORDER BY source_line""").fetchall()
    # gemini-2.5-flash: $0.30 / $2.50 per 1M tokens. Read chunk by chunk, the first stream would
    # have been three calls of 7 input tokens, the third two of 2,000.
    assert calls == [(7, 10, False, Decimal("0.000027100000")), (9, 3, False, Decimal("0.000010200000")),
                     (9, 3, False, Decimal("0.000010200000")), (2000, 2, False, Decimal("0.000605000000")),
                     (7, 10, False, Decimal("0.000027100000"))]
    # the same lines in another file give the same ids: nothing new
    (copy,) = db.ingest(write_jsonl(tmp_path / "copy.jsonl", lines)).files
    assert (copy.loaded, copy.duplicates) == (0, 10)


def test_a_stream_cut_short_without_ids_keeps_its_latest_counts_flagged(db, tmp_path):
    lines = [_chunk("The", 7), _chunk(" capital", 7)]
    db.ingest(write_jsonl(tmp_path / "cut.jsonl", lines))
    assert db.con.execute("SELECT input_tokens, tokens_estimated FROM calls").fetchall() == [(7, True)]


def test_batch_output_lines_are_batch_calls_at_the_batch_price(db, tmp_path):
    # The Gemini API's batch output file ({key, response}: a langchain4j fixture of a real job) and
    # Vertex AI's batch prediction rows ({status, processed_time, request, response}: the shape of
    # Google's documented example, its model `...@default`; a failed row's status holds the error)
    from mmaudit.pricing import load_catalog, pricing_enricher

    answer = {"candidates": [{"content": {"parts": [{"text": "Paris."}], "role": "model"}, "finishReason": "STOP"}],
              "usageMetadata": {"promptTokenCount": 8000, "candidatesTokenCount": 800, "totalTokenCount": 8800}}
    gemini_api = {"key": "request-1", "response": {**answer, "modelVersion": "gemini-2.5-flash-lite"}}
    vertex = {"status": "", "processed_time": "2025-08-01T18:13:16.826+00:00",
              "request": {"contents": [{"role": "user", "parts": [{"text": "What is the capital of France?"}]}]},
              "response": {**answer, "modelVersion": "gemini-2.0-flash-001@default"}}
    failed = {"status": 'Bad Request: {"error": {"code": 400, "message": "Please use a valid role: user, model.", '
                        '"status": "INVALID_ARGUMENT"}}',
              "processed_time": "2025-08-01T19:57:43.558+00:00",
              "request": {"contents": [{"parts": {"text": "Explain how AI works"}, "role": "tester"}]}}
    (file,) = db.ingest(write_jsonl(tmp_path / "batch.jsonl", [gemini_api, vertex, failed]),
                        enrichers=(pricing_enricher(load_catalog()),)).files
    assert (file.loaded, file.quarantined) == (3, 0)
    got = db.con.execute("""SELECT provider, model_key, is_batch, status, http_status, error_type, cost_usd, ts IS NOT NULL
                            FROM calls ORDER BY source_line""").fetchall()
    # gemini-2.5-flash-lite (undated: today's price) $0.10/$0.40 per 1M, half in batch; Vertex's
    # gemini-2.0-flash $0.15/$0.60 per 1M (`@default` names the model's default version), half in batch
    assert got == [
        ("google", "gemini-2.5-flash-lite", True, "ok", 200, None, Decimal("0.000560000000"), False),
        ("vertex", "vertex/gemini-2.0-flash", True, "ok", 200, None, Decimal("0.000840000000"), True),
        ("vertex", None, True, "error", 400, "client", None, True)]


def test_a_block_with_only_a_reason_message_is_a_content_filter_failure(db, tmp_path):
    # a recorded Firebase AI Logic response: no candidates, promptFeedback without blockReason
    blocked = {"candidates": [], "promptFeedback": {"blockReasonMessage": "Message"}, "modelVersion": "gemini-2.0-flash"}
    db.ingest(write_jsonl(tmp_path / "blocked.jsonl", [blocked]))
    assert db.con.execute("SELECT status, error_type, tags FROM calls").fetchall() == [
        ("error", "content_filter", {"blocked": "unspecified"})]


def test_a_batch_job_with_its_results_inline_is_read_as_its_calls(db, tmp_path):
    # `batches.get` of a finished Gemini API batch (REST, pretty-printed as saved) and the
    # google-genai SDK's dump of one: each inline result is a batch call at the time the job ended
    import json

    result = {"response": {"candidates": [{"content": {"parts": [{"text": "Paris."}], "role": "model"}, "finishReason": "STOP"}],
                           "usageMetadata": {"promptTokenCount": 8000, "candidatesTokenCount": 800},
                           "modelVersion": "gemini-2.5-flash-lite"}}
    rest = {"name": "batches/tti3ik8qob66", "done": True,
            "metadata": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
                         "model": "models/gemini-2.5-flash-lite", "endTime": "2025-12-03T17:24:41.850709659Z",
                         "state": "BATCH_STATE_SUCCEEDED"},
            "response": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
                         "inlinedResponses": {"inlinedResponses": [result, result]}}}
    sdk = {"name": "batches/abc", "state": "JOB_STATE_SUCCEEDED", "end_time": "2025-12-04T09:00:00Z",
           "dest": {"inlined_responses": [{"response": {
               "candidates": [{"content": {"parts": [{"text": "Rome."}], "role": "model"}, "finish_reason": "STOP"}],
               "usage_metadata": {"prompt_token_count": 8000, "candidates_token_count": 800},
               "model_version": "gemini-2.5-flash-lite"}}]}}
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "rest.json").write_text(json.dumps(rest, indent=2), encoding="utf-8")
    (tmp_path / "jobs" / "sdk.json").write_text(json.dumps(sdk), encoding="utf-8")
    from mmaudit.pricing import load_catalog, pricing_enricher

    files = db.ingest(tmp_path / "jobs", enrichers=(pricing_enricher(load_catalog()),)).files
    assert [(f.loaded, f.quarantined) for f in files] == [(2, 0), (1, 0)]
    got = db.con.execute("SELECT is_batch, ts::DATE, cost_usd FROM calls ORDER BY ts").fetchall()
    half = (8000 * Decimal("0.10") + 800 * Decimal("0.40")) / 2 / 10**6  # gemini-2.5-flash-lite, batch: half
    assert [(b, str(d), c) for b, d, c in got] == [(True, "2025-12-03", half), (True, "2025-12-03", half),
                                                   (True, "2025-12-04", half)]


def test_an_aleph_alpha_answer_with_a_model_version_is_not_a_gemini_call(db, tmp_path):
    """Aleph Alpha's /complete answers `model_version: "2022-04"` (traceloop/openllmetry's
    opentelemetry-instrumentation-alephalpha cassette test_alephalpha_completion_with_events_with_no_content.yaml
    @ d5a8aec4, trimmed): it was read as Google's call of a model named "2022-04", its counts lost.
    No format reads Aleph Alpha's answers: the file is reported unreadable, never a Google call."""
    line = {"completions": [{"completion": "\n\nA:\n\nI think the best joke", "finish_reason": "maximum_tokens"}],
            "model_version": "2022-04", "num_tokens_prompt_total": 9, "num_tokens_generated": 1000}
    (file,) = db.ingest(write_jsonl(tmp_path / "aleph.jsonl", [line])).files
    assert (file.status, file.log_format) == ("failed", None) and "cannot tell the log format" in file.message
    assert db.calls() == []
