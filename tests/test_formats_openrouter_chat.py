"""OpenRouter chat-completion bodies: native usage with OpenAI semantics, `usage.cost` as the logged
cost, the serving `provider` mapped to mmaudit's provider ids, one call per stream.

Records written from OpenRouter's documented response shape (docs: API reference, "Usage
Accounting"): a `gen-...` id, `provider`, `usage{prompt_tokens, completion_tokens, cost,
prompt_tokens_details{cached_tokens, cache_write_tokens}, completion_tokens_details{reasoning_tokens}}`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import write_jsonl
from tests.test_formats_helpers import assert_calls


def usage(prompt, completion, cost, cached=0, write=0, reasoning=0):
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "cost": cost, "is_byok": False,
            "prompt_tokens_details": {"cached_tokens": cached, "cache_write_tokens": write, "audio_tokens": 0},
            "cost_details": {"upstream_inference_cost": None},
            "completion_tokens_details": {"reasoning_tokens": reasoning, "image_tokens": 0}}


BEDROCK = {"id": "gen-1764000000-aaaa", "provider": "Amazon Bedrock", "model": "anthropic/claude-sonnet-4",
           "object": "chat.completion", "created": 1764000000,
           "choices": [{"index": 0, "finish_reason": "stop", "native_finish_reason": "end_turn",
                        "message": {"role": "assistant", "content": "Paris.", "refusal": None}}],
           "usage": usage(2100, 40, 0.00151, cached=1800, write=200)}
VERTEX = {"id": "gen-1764000060-bbbb", "provider": "Google Vertex", "model": "google/gemini-2.5-pro",
          "object": "chat.completion", "created": 1764000060,
          "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "42"}}],
          "usage": usage(120, 900, 0.0092, reasoning=850)}


def chunk(delta: dict, finish=None, with_usage=None) -> dict:
    record = {"id": "gen-1764000120-cccc", "provider": "OpenAI", "model": "openai/gpt-4o-mini",
              "object": "chat.completion.chunk", "created": 1764000120,
              "choices": [] if with_usage else [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if with_usage:
        record["usage"] = with_usage
    return record


STREAM = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}), chunk({"content": "lo"}),
          chunk({}, finish="stop"), chunk({}, with_usage=usage(15, 3, 0.0000041))]
BASE = {"operation": "chat", "latency_ms": None, "ttft_ms": None, "is_batch": False, "status": "ok",
        "error_type": None, "http_status": 200, "cache_write_1h_tokens": 0}


@pytest.mark.parametrize("forced", [None, "openrouter"])
def test_openrouter_chat_bodies_and_a_stream(db, tmp_path, forced):
    (file,) = db.ingest(write_jsonl(tmp_path / "or.jsonl", [BEDROCK, VERTEX, *STREAM]), log_format=forced).files
    # 7 records, 3 calls: the stream's 5 chunks are one call (its last chunk has the usage)
    assert (file.log_format, file.records, file.loaded, file.duplicates, file.quarantined, file.estimated,
            file.conflicting_ids) == ("openrouter", 7, 3, 4, 0, 0, 0)
    assert_calls(db.calls(), [
        {**BASE, "call_id": "gen-1764000000-aaaa", "ts": datetime(2025, 11, 24, 16, 0, tzinfo=UTC),
         "provider": "aws-bedrock", "model": "anthropic/claude-sonnet-4", "input_tokens": 2100,
         "cached_input_tokens": 1800, "cache_write_tokens": 200, "output_tokens": 40, "reasoning_tokens": 0,
         "logged_cost_usd": 0.00151, "response_text": "Paris.",
         "tags": {"gateway": "openrouter", "upstream_provider": "Amazon Bedrock", "finish_reason": "stop"}},
        {**BASE, "call_id": "gen-1764000060-bbbb", "ts": datetime(2025, 11, 24, 16, 1, tzinfo=UTC),
         "provider": "google", "model": "google/gemini-2.5-pro", "input_tokens": 120, "cached_input_tokens": 0,
         "cache_write_tokens": 0, "output_tokens": 900, "reasoning_tokens": 850, "logged_cost_usd": 0.0092,
         "response_text": "42",
         "tags": {"gateway": "openrouter", "upstream_provider": "Google Vertex", "finish_reason": "stop"}},
        {**BASE, "call_id": "gen-1764000120-cccc", "ts": datetime(2025, 11, 24, 16, 2, tzinfo=UTC),
         "provider": "openai", "model": "openai/gpt-4o-mini", "input_tokens": 15, "cached_input_tokens": 0,
         "cache_write_tokens": 0, "output_tokens": 3, "reasoning_tokens": 0, "logged_cost_usd": 0.0000041,
         "tags": {"gateway": "openrouter", "upstream_provider": "OpenAI"}},
    ])


def test_a_reasoning_count_above_the_billed_completion_is_capped_at_it(db, tmp_path):
    """Output includes reasoning. A gateway's gpt-oss answer logged 522 reasoning tokens in a
    completion of 494 (its total is prompt + 494, and its upstream cost is 494 tokens' worth): the
    output stays the 494 billed and the reasoning is read as all of it, never more than the output."""
    body = {**VERTEX, "id": "gen-1777440880-dddd", "model": "openai/gpt-oss-120b", "provider": "Google",
            "usage": usage(1366, 494, 0.00030078, reasoning=522)}
    db.ingest(write_jsonl(tmp_path / "or.jsonl", [body]))
    (row,) = db.calls()
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (1366, 494, 494)
