"""OpenAI Responses API objects: cached and reasoning tokens are already inside the totals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.conftest import write_jsonl
from tests.test_formats_helpers import ANY, assert_calls

COMPLETED = {
    "id": "resp_01", "object": "response", "created_at": 1746180000, "completed_at": 1746180004,
    "model": "o4-mini-2025-04-16", "status": "completed", "error": None, "incomplete_details": None,
    "instructions": "Answer briefly.",
    "output": [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "message", "id": "msg_1", "role": "assistant",
         "content": [{"type": "output_text", "text": "Paris.", "annotations": []}]},
    ],
    "usage": {"input_tokens": 2000, "input_tokens_details": {"cached_tokens": 1536},
              "output_tokens": 700, "output_tokens_details": {"reasoning_tokens": 640}, "total_tokens": 2700},
    "metadata": {"team": "geo"},
}
STREAM_EVENT = {"type": "response.completed", "sequence_number": 12, "response": {
    "id": "resp_02", "object": "response", "created_at": 1746180060, "model": "gpt-4.1-2025-04-14",
    "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"},
    "output": [], "usage": {"input_tokens": 30, "input_tokens_details": {"cached_tokens": 0},
                             "output_tokens": 16, "output_tokens_details": {"reasoning_tokens": 0}}}}
FAILED = {"id": "resp_03", "object": "response", "created_at": 1746180120, "model": "o3-2025-04-16",
          "status": "failed", "usage": None, "output": [],
          "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached"}}
SERVER = {"id": "resp_04", "object": "response", "created_at": 1746180180, "model": "gpt-4.1",
          "status": "failed", "usage": None, "error": {"code": "server_error", "message": "oops"}}

BASE = {"operation": "chat", "cache_write_tokens": 0, "ttft_ms": None, "is_batch": False, "logged_cost_usd": None}


def test_responses_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "resp.jsonl", [COMPLETED, STREAM_EVENT, FAILED, SERVER]))
    assert result.files[0].log_format == "openai-responses" and result.files[0].quarantined == 0
    assert_calls(db.calls(), [
        {**BASE, "call_id": "resp_01", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC),
         "provider": "openai", "model": "o4-mini-2025-04-16",
         # input_tokens already includes the 1536 cached; output already includes the 640 reasoning
         "input_tokens": 2000, "cached_input_tokens": 1536, "output_tokens": 700, "reasoning_tokens": 640,
         "latency_ms": 4000.0, "status": "ok", "error_type": None, "http_status": 200,
         "tags": {"team": "geo"}, "system_prompt": "Answer briefly.", "response_text": "Paris.",
         "prompt_hash": ANY, "prompt_chars": len("Answer briefly."), "n_tools": 0},
        {**BASE, "call_id": "resp_02", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC),
         "provider": "openai", "model": "gpt-4.1-2025-04-14", "input_tokens": 30, "cached_input_tokens": 0,
         "output_tokens": 16, "reasoning_tokens": 0, "latency_ms": None, "status": "ok", "error_type": None,
         "http_status": 200, "tags": {"incomplete_reason": "max_output_tokens"}, "n_tools": 0},
        {**BASE, "call_id": "resp_03", "ts": datetime(2025, 5, 2, 10, 2, tzinfo=UTC),
         "provider": "openai", "model": "o3-2025-04-16", "input_tokens": 0, "cached_input_tokens": 0,
         "output_tokens": 0, "reasoning_tokens": 0, "latency_ms": None, "status": "error",
         "error_type": "rate_limit", "http_status": 429, "tags": None, "n_tools": 0},
        {**BASE, "call_id": "resp_04", "ts": datetime(2025, 5, 2, 10, 3, tzinfo=UTC),
         "provider": "openai", "model": "gpt-4.1", "input_tokens": 0, "cached_input_tokens": 0,
         "output_tokens": 0, "reasoning_tokens": 0, "latency_ms": None, "status": "error",
         "error_type": "server", "http_status": 500, "tags": None, "n_tools": 0},
    ])


def test_request_response_pair_reads_the_prompt(db, tmp_path):
    pair = {"timestamp": "2025-05-02T09:59:59Z", "latency_ms": 812,
            "request": {"model": "o4-mini", "input": [{"role": "user", "content": "Capital of France?"}],
                        "tools": [{"type": "web_search"}]},
            "response": COMPLETED}
    db.ingest(write_jsonl(tmp_path / "pair.jsonl", [pair]))
    (row,) = db.calls()
    assert row["ts"] == datetime(2025, 5, 2, 9, 59, 59, tzinfo=UTC)
    assert (row["latency_ms"], row["user_prompt"], row["n_messages"], row["n_tools"]) == (812.0, "Capital of France?", 1, 1)
    assert row["prompt_chars"] == len("Answer briefly.\nCapital of France?")


def test_the_cost_a_serving_api_reports_is_the_logged_cost(db, tmp_path):
    # OpenRouter's Responses API writes usage.cost as a number (USD); Perplexity's Agent API as an
    # object whose total_cost includes its tool fees (shape of the AI SDK's recorded fixture)
    from decimal import Decimal

    router = {**COMPLETED, "id": "resp_or", "usage": {**COMPLETED["usage"], "cost": 0.000123}}
    agent = {**COMPLETED, "id": "resp_px", "usage": {**COMPLETED["usage"], "cost": {
        "currency": "USD", "input_cost": 0, "output_cost": 2e-05, "cache_read_cost": 2e-05,
        "cache_creation_cost": 0.00015, "tool_calls_cost": 0.001, "tool_calls_cost_details": {"search_web": 0.001},
        "total_cost": 0.00119}}}
    db.ingest(write_jsonl(tmp_path / "costs.jsonl", [router, agent, COMPLETED]))
    logged = dict(db.con.execute("SELECT call_id, logged_cost_usd FROM calls").fetchall())
    assert logged == {"resp_or": Decimal("0.000123"), "resp_px": Decimal("0.00119"), COMPLETED["id"]: None}


def test_cache_writes_a_gateway_reports_are_cache_writes(db, tmp_path):
    # a cache-writing model served through a Responses gateway: the writes are part of input_tokens,
    # named `cache_write_tokens` (OpenRouter) or `cache_creation_input_tokens` (Perplexity's Agent
    # API, as in the AI SDK's recorded fixture: 3,007 in = 3 + 1,780 read + 1,224 written)
    details = {"cached_tokens": 1780, "cache_read_input_tokens": 1780}
    router = {**COMPLETED, "id": "resp_or", "usage": {**COMPLETED["usage"], "input_tokens": 3007,
                                                       "input_tokens_details": {**details, "cache_write_tokens": 1224}}}
    agent = {**COMPLETED, "id": "resp_px", "usage": {**COMPLETED["usage"], "input_tokens": 3007,
                                                      "input_tokens_details": {**details, "cache_creation_input_tokens": 1224}}}
    db.ingest(write_jsonl(tmp_path / "writes.jsonl", [router, agent, COMPLETED]))
    stored = {r[0]: r[1:] for r in db.con.execute(
        "SELECT call_id, input_tokens, cached_input_tokens, cache_write_tokens FROM calls").fetchall()}
    assert stored["resp_or"] == stored["resp_px"] == (3007, 1780, 1224)
    assert stored[COMPLETED["id"]][2] == 0


def test_the_image_generation_tool_is_billed_at_the_image_models_rates(db, tmp_path):
    # A Responses call that ran the image generation tool: the tool's tokens are outside `usage`
    # (`tool_usage.image_gen`) and billed at the image model's rates (gpt-image-2: $5 text in,
    # $8 image in, $30 out per 1M): the call cost 13x what its own tokens did. A tool that names
    # no model leaves its step unpriced (NULL, which audit's `advisor_not_priced` counts).
    from mmaudit.enrich import enrichers

    def response(rid: str, tools: list[dict]) -> dict:
        return {"id": rid, "object": "response", "created_at": 1793613600, "status": "completed",
                "model": "gpt-5.4-mini-2026-03-17", "tools": tools,
                "output": [{"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "(elided)"}],
                "usage": {"input_tokens": 6409, "input_tokens_details": {"cached_tokens": 2176}, "output_tokens": 269,
                          "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 6678},
                "tool_usage": {"image_gen": {"input_tokens": 1733,
                                             "input_tokens_details": {"image_tokens": 1476, "text_tokens": 257},
                                             "output_tokens": 1413,
                                             "output_tokens_details": {"image_tokens": 1413, "text_tokens": 0}}}}

    named = response("resp_img", [{"type": "image_generation", "model": "gpt-image-2", "size": "1152x2048"}])
    unnamed = response("resp_img_2", [{"type": "image_generation"}])
    db.ingest(write_jsonl(tmp_path / "images.jsonl", [named, unnamed]), enrichers=enrichers())
    got = dict(db.con.execute("SELECT call_id, other_models_cost_usd FROM calls").fetchall())
    assert got["resp_img"] == (257 * Decimal("5") + 1476 * Decimal("8") + 1413 * Decimal("30")) / 10**6
    assert got["resp_img_2"] is None


def test_an_image_the_answer_does_not_count_is_an_unpriced_step_not_a_free_one(db, tmp_path):
    # pydantic/pydantic-ai tests/models/cassettes/test_openai_responses/test_openai_responses_image_generation_jpeg.yaml
    # (commit f077d56ce09d88b03c046985161230fad796aa0d): gpt-5 made one high-quality 1536x1024 image
    # with the image generation tool, and the answer (2025-10-01) has no `tool_usage`: the image,
    # billed at the image model's rates, was $0 in `other_models_cost_usd`. Its tokens are unknown,
    # so the step is unpriced (NULL, counted by audit's `advisor_not_priced`), whether or not the
    # tool names its model; the call's own tokens keep their price (genai-prices: $0.01670125).
    from mmaudit.enrich import enrichers

    def recorded(rid: str, tool: dict) -> dict:
        return {"id": rid, "object": "response", "created_at": 1759354093, "model": "gpt-5-2025-08-07",
                "status": "completed", "service_tier": "default", "tools": [tool],
                "output": [{"type": "reasoning", "id": "rs_08ac", "summary": []},
                           {"type": "image_generation_call", "id": "ig_08acbdf1", "status": "completed",
                            "background": "opaque", "output_format": "jpeg", "quality": "high", "size": "1536x1024",
                            "result": "(elided)"},
                           {"type": "message", "id": "msg_08ac", "role": "assistant", "status": "completed",
                            "content": [{"type": "output_text", "text": "", "annotations": []}]}],
                "usage": {"input_tokens": 1889, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 1434,
                          "output_tokens_details": {"reasoning_tokens": 1280}, "total_tokens": 3323}}

    tool = {"type": "image_generation", "background": "auto", "output_format": "jpeg", "quality": "auto", "size": "auto"}
    db.ingest(write_jsonl(tmp_path / "uncounted.jsonl", [recorded("resp_08acbdf1", tool),
                                                         recorded("resp_named", {**tool, "model": "gpt-image-1"})]),
              enrichers=enrichers())
    got = {r[0]: r[1:] for r in db.con.execute(
        "SELECT call_id, cost_usd, other_models_cost_usd, tags['image_tool_model'], tags['image_tool_images'] "
        "FROM calls").fetchall()}
    assert got["resp_08acbdf1"] == (Decimal("0.01670125"), None, "unknown", "1")
    assert got["resp_named"] == (Decimal("0.01670125"), None, "gpt-image-1", "1")


def test_a_reasoning_models_page_openings_are_not_billed_searches(db, tmp_path):
    # pydantic/pydantic-ai tests/models/cassettes/test_openai_responses/
    # test_openai_responses_model_web_search_tool_with_allowed_domains.yaml (commit 180751115a669363ef5a25769d32e08b78c63140):
    # gpt-5 with the GA web_search tool made four web_search_call items, two `search` actions and
    # two `open_page` ones. OpenAI's web search guide: "Search actions incur a tool call cost";
    # open_page and find_in_page are what reasoning models do with the pages (their content is in
    # the 22,013 input tokens). Two searches at $10 per 1,000, not four: $0.06488625, not $0.08488625.
    def item(wid: str, action: dict) -> dict:
        return {"type": "web_search_call", "id": wid, "status": "completed", "action": action}

    body = {"id": "resp_08e7da464e3f8cf70069780c019ccc819b9d7a3f4d04a52f83", "object": "response",
            "created_at": 1769475073, "completed_at": 1769475112, "model": "gpt-5-2025-08-07", "status": "completed",
            "service_tier": "default", "tools": [{"type": "web_search", "search_context_size": "medium"}],
            "output": [{"type": "reasoning", "id": "rs_1", "summary": []},
                       item("ws_0760", {"type": "search", "query": "Tokyo population prefecture current site:wikipedia.org"}),
                       item("ws_0d1c", {"type": "search", "query": "Tokyo Metropolis population 2025 site:wikipedia.org"}),
                       item("ws_102f", {"type": "open_page",
                                        "url": "https://en.wikipedia.org/wiki/List_of_Japanese_prefectures_by_population"}),
                       item("ws_1f76", {"type": "open_page", "url": "https://en.wikipedia.org/wiki/Demographics_of_Tokyo"}),
                       {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": "14195730", "annotations": []}]}],
            "usage": {"input_tokens": 22013, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 1737,
                      "output_tokens_details": {"reasoning_tokens": 1728}, "total_tokens": 23750}}
    from mmaudit.enrich import enrichers

    db.ingest(write_jsonl(tmp_path / "searched.jsonl", [body]), enrichers=enrichers())
    assert db.con.execute("SELECT web_searches, cost_usd FROM calls").fetchall() == [
        (2, (22013 * Decimal("1.25") + 1737 * Decimal("10")) / 10**6 + Decimal("0.02"))]


def test_latency_from_whole_seconds_is_unknown_within_the_second(db, tmp_path):
    # `created_at` and `completed_at` are whole seconds: a crewAI-recorded gpt-4.1 call that took
    # 543 ms (its `openai-processing-ms`) has them equal, which is not a 0 ms call
    same_second = {**COMPLETED, "id": "resp_same", "completed_at": COMPLETED["created_at"]}
    db.ingest(write_jsonl(tmp_path / "resp.jsonl", [COMPLETED, same_second]))
    got = {r["call_id"]: r["latency_ms"] for r in db.calls()}
    assert got == {"resp_01": 4000.0, "resp_same": None}
