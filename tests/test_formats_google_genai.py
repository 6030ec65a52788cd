"""google-genai SDK dumps (`response.model_dump(mode="json")`: snake_case field names) load with
Gemini's token semantics, detected or forced as `gemini`.

Records written from googleapis/python-genai `types.GenerateContentResponse` and
`GenerateContentResponseUsageMetadata` (candidates, create_time, response_id, model_version,
usage_metadata{prompt_token_count, candidates_token_count, cached_content_token_count,
thoughts_token_count, tool_use_prompt_token_count, total_token_count}).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls


def dump(response_id: str, usage: dict, text: str = "ok") -> dict:
    return {"sdk_http_response": {"headers": {"content-type": "application/json; charset=UTF-8"}, "body": None},
            "candidates": [{"content": {"parts": [{"text": text, "thought": None}], "role": "model"},
                            "finish_reason": "STOP", "index": 0}],
            "create_time": "2025-09-01T08:00:00.123000Z", "response_id": response_id,
            "model_version": "gemini-2.5-flash", "prompt_feedback": None, "usage_metadata": usage,
            "automatic_function_calling_history": [], "parsed": None}


THINKING = dump("resp-1", {"prompt_token_count": 3520, "cached_content_token_count": 3512,
                           "candidates_token_count": 2, "thoughts_token_count": 42, "total_token_count": 3564,
                           "tool_use_prompt_token_count": None, "traffic_type": "ON_DEMAND"}, "Yes")
TOOLS = dump("resp-2", {"prompt_token_count": 13, "candidates_token_count": 194, "tool_use_prompt_token_count": 289,
                        "total_token_count": 496, "cached_content_token_count": None, "thoughts_token_count": None},
             "Results")
BASE = {"provider": "google", "operation": "chat", "model": "gemini-2.5-flash", "cache_write_tokens": 0,
        "latency_ms": None, "ttft_ms": None, "status": "ok", "error_type": None, "http_status": 200,
        "is_batch": False, "logged_cost_usd": None, "tags": None}
TS = datetime(2025, 9, 1, 8, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize("forced", [None, "gemini"])
def test_google_genai_snake_case_dumps(db, tmp_path, forced):
    (file,) = db.ingest(write_jsonl(tmp_path / "genai.jsonl", [THINKING, TOOLS]), log_format=forced).files
    assert (file.log_format, file.loaded, file.quarantined, file.estimated) == ("gemini", 2, 0, 0)
    assert_calls(db.calls(), [
        # prompt_token_count includes the cached part; thoughts are outside candidates: output = 2 + 42
        # traffic_type is Vertex AI's (the Gemini API leaves it None): provider vertex
        {**BASE, "call_id": "resp-1", "ts": TS, "input_tokens": 3520, "cached_input_tokens": 3512,
         "output_tokens": 44, "reasoning_tokens": 42, "response_text": "Yes", "provider": "vertex",
         "tags": {"traffic_type": "ON_DEMAND"}},
        # tool-use prompt tokens are outside prompt_token_count: input = 13 + 289
        {**BASE, "call_id": "resp-2", "ts": TS, "input_tokens": 302, "cached_input_tokens": 0,
         "output_tokens": 194, "reasoning_tokens": 0, "response_text": "Results"},
    ])


def test_a_snake_case_count_that_is_not_a_number_is_quarantined(db, tmp_path):
    bad = dump("resp-3", {"prompt_token_count": "lots", "candidates_token_count": 1})
    (file,) = db.ingest(write_jsonl(tmp_path / "bad.jsonl", [THINKING, bad])).files
    assert (file.loaded, file.quarantined) == (1, 1)
    assert "usage_metadata.prompt_token_count is lots" in db.quarantine()[0]["reason"]


def test_a_prompt_blocked_before_generation_is_a_content_filter_failure(db, tmp_path):
    """`promptFeedback.blockReason` with no candidates: the model generated nothing; the logged prompt
    count is kept, nothing is estimated."""
    wire = {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []}, "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-4", "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12}}
    dumped = {**dump("resp-5", {"prompt_token_count": 9, "total_token_count": 9}), "candidates": None,
              "prompt_feedback": {"block_reason": "PROHIBITED_CONTENT", "safety_ratings": None}}
    (file,) = db.ingest(write_jsonl(tmp_path / "blocked.jsonl", [wire, dumped])).files
    assert (file.loaded, file.quarantined, file.estimated) == (2, 0, 0)
    got = [(c["call_id"], c["status"], c["error_type"], c["http_status"], c["input_tokens"], c["output_tokens"],
            c["tags"]) for c in db.calls()]
    assert got == [("resp-4", "error", "content_filter", 200, 12, 0, {"blocked": "SAFETY"}),
                   ("resp-5", "error", "content_filter", 200, 9, 0, {"blocked": "PROHIBITED_CONTENT"})]
