"""Helicone exports: `completion_tokens` leaves the reasoning out, `reasoning_tokens` holds it;
gateway cache hits are tagged.

Helicone's meaning (Helicone/helicone, source):
- `valhalla/jawn/src/lib/handlers/HandlerContext.ts` `getCompletionTokens`: "reasoning/thinking
  tokens are now tracked separately and NOT included in completion tokens"; it returns the usage
  processor's `output`, and falls back to the body parser's raw `completion_tokens` (reasoning
  included) when that output is 0. `reasoning_tokens` is the processor's `thinking`.
- `packages/cost/usage/openAIUsageProcessor.ts`: output = completion_tokens - audio - reasoning.
- `valhalla/jawn/src/lib/stores/request/request.ts` `getRequestsClickhouse` (what the export reads):
  `(prompt_tokens + completion_tokens + reasoning_tokens) AS total_tokens`, `cache_reference_id`.
- A cache hit (`cacheReferenceId != DEFAULT_UUID`) is written with every token count 0.

The OpenAI answer is real: chatcmpl-D7QkoIxsw82hAm64ICIIB5oGA0yzL, gpt-5-mini-2025-08-07, 765
prompt / 75 completion (64 reasoning) / 840 total, from pydantic/pydantic-ai
tests/models/cassettes/test_multimodal_tool_returns/test_model_sees_multiple_images[openai_chat].yaml
@ 4fda38988f2939fa6ea9cdefcf120693e10ef491 (corpus: real-logs/openai-chat/pydantic-ai-bodies.jsonl
line 5). The Helicone rows are what the code above writes for it; ids and times are made up.
"""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

M = Decimal(10**6)
DEFAULT_UUID = "00000000-0000-0000-0000-000000000000"
_ROW = {"response_status": 200, "provider": "OPENAI", "request_model": "gpt-5-mini",
        "model": "gpt-5-mini-2025-08-07", "time_to_first_token": 0, "prompt_cache_read_tokens": 0,
        "prompt_cache_write_tokens": 0, "request_properties": {}, "request_user_id": "",
        "cache_reference_id": DEFAULT_UUID, "cache_enabled": False}
# The real answer: completion 75 - 64 reasoning = 11; Helicone's cost 765 x $0.25 + 75 x $2 per 1M
GPT5 = {**_ROW, "request_id": "7b1c2d3e-0000-4000-8000-000000000001", "request_created_at": "2026-02-09T18:58:29.000Z",
        "response_created_at": "2026-02-09T18:58:30.500Z", "delay_ms": 1500, "total_tokens": 840,
        "prompt_tokens": 765, "completion_tokens": 11, "reasoning_tokens": 64, "cost": 0.00034125}
# The same answer as a row written before Helicone split the reasoning out: no reasoning_tokens
# (0 in the column the migration added), the completion count as the provider gave it
BEFORE_SPLIT = {**GPT5, "request_id": "7b1c2d3e-0000-4000-8000-000000000002", "completion_tokens": 75,
                "reasoning_tokens": 0}
# The same prompt cut off while reasoning (max_completion_tokens 256, all of it reasoning): the
# processor's output is 0, so getCompletionTokens falls back to the raw completion count, 256,
# which already holds the 256 reasoning tokens. Illustrative counts on Helicone's code path.
ALL_REASONING = {**GPT5, "request_id": "7b1c2d3e-0000-4000-8000-000000000003", "completion_tokens": 256,
                 "reasoning_tokens": 256, "total_tokens": 1277, "cost": 0.00070325}
# The first request asked again and served from Helicone's cache: no provider call, every count 0
CACHE_HIT = {**GPT5, "request_id": "7b1c2d3e-0000-4000-8000-000000000004", "request_created_at": "2026-02-09T19:02:11.000Z",
             "response_created_at": "2026-02-09T19:02:11.040Z", "delay_ms": 40, "total_tokens": 0, "prompt_tokens": 0,
             "completion_tokens": 0, "reasoning_tokens": 0, "cost": 0,
             "cache_reference_id": "7b1c2d3e-0000-4000-8000-000000000001", "cache_enabled": True}


def _load(db, tmp_path, records):
    (file,) = db.ingest(write_jsonl(tmp_path / "helicone.jsonl", records), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("helicone", len(records), 0)
    return {r["call_id"][-1]: r for r in db.calls()}


def test_reasoning_kept_apart_is_added_back_to_the_output_once(db, tmp_path):
    rows = _load(db, tmp_path, [GPT5, BEFORE_SPLIT, ALL_REASONING])
    now, before, cut_off = rows["1"], rows["2"], rows["3"]
    # 11 + 64 reasoning = the answer's 75 completion tokens (was 11, and $0.00021325)
    assert (now["input_tokens"], now["output_tokens"], now["reasoning_tokens"]) == (765, 75, 64)
    # gpt-5-mini: 765 x $0.25 + 75 x $2 per 1M = $0.00034125, Helicone's own figure
    assert now["cost_usd"] == (765 * Decimal("0.25") + 75 * 2) / M == now["logged_cost_usd"]
    # an older row (reasoning_tokens 0) keeps its count: the same answer, the same money
    assert (before["output_tokens"], before["reasoning_tokens"], before["cost_usd"]) == (75, 0, now["cost_usd"])
    # completion 256 = reasoning 256 is Helicone's raw count, reasoning included: 256, not 512;
    # 765 x $0.25 + 256 x $2 per 1M = $0.00070325
    assert (cut_off["output_tokens"], cut_off["reasoning_tokens"]) == (256, 256)
    assert cut_off["cost_usd"] == (765 * Decimal("0.25") + 256 * 2) / M == cut_off["logged_cost_usd"]
    assert "cache_hit" not in now["tags"]


def test_a_gateway_cache_hit_is_a_tagged_zero_cost_call(db, tmp_path):
    rows = _load(db, tmp_path, [GPT5, CACHE_HIT])
    hit, original = rows["4"], rows["1"]
    assert (hit["status"], hit["input_tokens"], hit["output_tokens"], hit["cost_usd"]) == ("ok", 0, 0, 0)
    assert hit["tags"]["cache_hit"] == "true"
    # the request it was served from (cache_reference_id is the all-zero uuid) is not a hit
    assert "cache_hit" not in original["tags"]
