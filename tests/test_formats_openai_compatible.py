"""Other APIs that answer in OpenAI's shapes, as their recorded responses are (vercel/ai's provider
fixtures): xAI's server-side tools and its bill in ticks, Moonshot's cache reads, Perplexity's
Agent API, an Azure stream's opening chunk, a Responses stream's `error` event, a Responses body
without `object`, and the legacy Completions API."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.pricing import load_catalog, pricing_enricher
from tests.conftest import write_jsonl


def ingest(db, tmp_path, name: str, records: list[dict]) -> dict[str, dict]:
    result = db.ingest(write_jsonl(tmp_path / name, records), enrichers=(pricing_enricher(load_catalog()),))
    assert result.files[0].quarantined == 0, db.quarantine()
    return {r["call_id"]: r for r in db.calls()}


def xai_response(rid: str, items: list[dict], tools: dict | None = None, ticks: int | None = None) -> dict:
    usage = {"input_tokens": 5165, "input_tokens_details": {"cached_tokens": 1152}, "output_tokens": 891,
             "output_tokens_details": {"reasoning_tokens": 860}}
    if tools is not None:
        usage["server_side_tool_usage_details"] = {"web_search_calls": 0, "x_search_calls": 0, "code_interpreter_calls": 0,
                                                   **tools}
    if ticks is not None:
        usage["cost_in_usd_ticks"] = ticks
    return {"id": rid, "object": "response", "created_at": 1793613600, "model": "grok-4.6", "status": "completed",
            "output": items, "usage": usage}


def test_xai_responses_are_xais_with_their_searches_and_their_own_bill(db, tmp_path):
    calls = ingest(db, tmp_path, "xai.jsonl", [
        # the searches only in usage (the output items were not kept), and xAI's bill: 189,480,000
        # ticks of 1e-10 USD = $0.018948 = the tokens' $0.013948 + one $0.005 search
        xai_response("x-usage", [], {"web_search_calls": 1}, ticks=189_480_000),
        xai_response("x-items", [{"type": "x_search_call", "status": "completed"}, {"type": "message"}], {"x_search_calls": 1}),
        xai_response("x-none", [{"type": "message"}], {}),
    ])
    assert {r["provider"] for r in calls.values()} == {"xai"}  # not openai: the shape is not the seller
    assert calls["x-usage"]["logged_cost_usd"] == Decimal("0.018948")
    assert (calls["x-usage"]["web_searches"], calls["x-items"]["web_searches"], calls["x-none"]["web_searches"]) == (1, 1, 0)
    # genai-prices has no grok search fee; the curated one (tool_fees.yaml, $5 per 1,000 calls)
    # makes a call that searched cost what xAI billed it
    costs = dict(db.con.execute("SELECT call_id, cost_usd FROM calls").fetchall())
    assert costs["x-usage"] == costs["x-items"] == Decimal("0.018948")
    assert costs["x-none"] == (4013 * 2 + 1152 * Decimal("0.5") + 891 * 6) / 10**6  # grok-4.6 $2 / $0.50 / $6


def test_moonshot_cache_reads_and_reasoning_never_above_the_output(db, tmp_path):
    calls = ingest(db, tmp_path, "kimi.jsonl", [
        {"id": "kimi-cached", "object": "chat.completion", "created": 1793613600, "model": "kimi-k2.5",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110, "cached_tokens": 80}},
        # Kimi K3 has logged 6,001 reasoning tokens inside 6,000 completion tokens (its total says 6,001)
        {"id": "kimi-k3", "object": "chat.completion", "created": 1793613600, "model": "kimi-k3",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 951, "completion_tokens": 6000, "total_tokens": 6952,
                   "prompt_tokens_details": {"cached_tokens": 60}, "completion_tokens_details": {"reasoning_tokens": 6001}}},
    ])
    cached = calls["kimi-cached"]
    assert (cached["provider"], cached["input_tokens"], cached["cached_input_tokens"]) == ("moonshotai", 100, 80)
    cost = db.con.execute("SELECT cost_usd FROM calls WHERE call_id = 'kimi-cached'").fetchall()[0][0]
    assert cost == (20 * Decimal("0.6") + 80 * Decimal("0.1") + 10 * 3) / 10**6  # kimi-k2.5 $0.60 / $0.10 / $3
    assert (calls["kimi-k3"]["output_tokens"], calls["kimi-k3"]["reasoning_tokens"]) == (6001, 6001)


def test_reasoning_above_the_completion_raises_the_output_only_as_far_as_the_total_says(db, tmp_path):
    """docs/formats.md: the output stays what was billed, unless the log's own total says more."""
    def body(i: str, usage: dict) -> dict:
        return {"id": i, "object": "chat.completion", "created": 1735689600, "model": "gpt-oss-120b",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1000, **usage}}
    calls = ingest(db, tmp_path, "oss.jsonl", [
        # a gateway's 522 reasoning in a completion of 494, its total prompt + 494 (was stored as 522 output)
        body("billed", {"completion_tokens": 494, "total_tokens": 1494, "completion_tokens_details": {"reasoning_tokens": 522}}),
        body("no-total", {"completion_tokens": 10, "completion_tokens_details": {"reasoning_tokens": 50}}),
        body("total-between", {"completion_tokens": 10, "total_tokens": 1030, "completion_tokens_details": {"reasoning_tokens": 50}}),
    ])
    got = {i: (c["output_tokens"], c["reasoning_tokens"]) for i, c in calls.items()}
    assert got == {"billed": (494, 494), "no-total": (10, 10), "total-between": (30, 30)}


def test_perplexitys_agent_api_is_perplexitys_and_its_tier_is_not_openais(db, tmp_path):
    agent = {"id": "resp_pplx", "object": "response", "created_at": 1790330000, "model": "openai/gpt-6-luna",
             "status": "completed", "service_tier": "fast", "output": [{"type": "message"}],
             "usage": {"input_tokens": 3007, "output_tokens": 36,
                       "input_tokens_details": {"cache_creation_input_tokens": 1224, "cache_read_input_tokens": 1780,
                                                "cached_tokens": 1780},
                       "cost": {"input_cost": 0, "output_cost": 0.00002, "tool_calls_cost": 0.001, "total_cost": 0.00119}}}
    row = ingest(db, tmp_path, "pplx.jsonl", [agent])["resp_pplx"]
    assert (row["provider"], row["service_tier"], row["tags"]) == ("perplexity", None, {"perplexity_service_tier": "fast"})
    assert row["logged_cost_usd"] == Decimal("0.00119")


def test_an_azure_streams_opening_chunk_is_not_a_call_nor_a_quarantined_line(db, tmp_path):
    chunk = {"object": "chat.completion.chunk", "id": "chatcmpl-az", "created": 1762317021, "model": "gpt-5-nano-2025-08-07",
             "choices": [{"content_filter_results": {}, "delta": {"content": "Copenhagen"}, "finish_reason": None, "index": 0}],
             "usage": None}
    calls = ingest(db, tmp_path, "azure.jsonl", [
        {"choices": [], "created": 0, "id": "", "model": "", "object": "",
         "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False}}}]},
        chunk,
        {**chunk, "choices": [], "usage": {"prompt_tokens": 15, "completion_tokens": 78, "total_tokens": 93,
                                           "completion_tokens_details": {"reasoning_tokens": 64}}},
    ])
    assert list(calls) == ["chatcmpl-az"]
    assert (calls["chatcmpl-az"]["input_tokens"], calls["chatcmpl-az"]["output_tokens"]) == (15, 78)
    assert db.quarantine() == []


def test_a_responses_streams_error_event_is_part_of_the_stream(db, tmp_path):
    response = {"id": "resp_q", "object": "response", "created_at": 1763474589, "model": "gpt-5-nano-2025-08-07",
                "status": "in_progress", "usage": None}
    calls = ingest(db, tmp_path, "stream.jsonl", [
        {"type": "response.created", "sequence_number": 0, "response": response},
        {"type": "error", "sequence_number": 1, "error": {"type": "insufficient_quota", "code": "insufficient_quota",
                                                          "message": "You exceeded your current quota"}},
        {"type": "response.failed", "sequence_number": 2,
         "response": {**response, "status": "failed", "error": {"code": "insufficient_quota", "message": "quota"}}},
    ])
    assert list(calls) == ["resp_q"]  # one failed OpenAI call, not also an Anthropic one
    assert (calls["resp_q"]["provider"], calls["resp_q"]["status"]) == ("openai", "error")


def test_a_responses_body_without_object_and_a_legacy_completion_load(db, tmp_path):
    unlabelled = {"id": "resp_compat", "created_at": 1741265000, "model": "grok-2-1212",
                  "output": [{"type": "reasoning"}, {"type": "message", "role": "assistant",
                                                     "content": [{"type": "output_text", "text": "ok"}]}],
                  "usage": {"input_tokens": 32, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 89,
                            "output_tokens_details": {"reasoning_tokens": 45}}}
    calls = ingest(db, tmp_path, "compat.jsonl", [unlabelled])
    assert (calls["resp_compat"]["provider"], calls["resp_compat"]["output_tokens"]) == ("xai", 89)
    legacy = {"id": "cmpl-1", "object": "text_completion", "created": 1770934479, "model": "gpt-3.5-turbo-instruct:20230824-v2",
              "choices": [{"text": "Gratitude Day", "index": 0, "finish_reason": "length"}],
              "usage": {"prompt_tokens": 14, "completion_tokens": 16, "total_tokens": 30}}
    row = ingest(db, tmp_path, "legacy.jsonl", [legacy])["cmpl-1"]
    assert (row["operation"], row["input_tokens"], row["output_tokens"], row["response_text"]) == ("completion", 14, 16, "Gratitude Day")
    cost = db.con.execute("SELECT cost_usd FROM calls WHERE call_id = 'cmpl-1'").fetchall()[0][0]
    assert cost == (14 * Decimal("1.5") + 16 * 2) / 10**6  # gpt-3.5-turbo-instruct $1.50 / $2


def test_a_gateways_cost_in_usd_is_the_logged_cost(db, tmp_path):
    # Vercel's AI Gateway answers in Chat Completions' shape with `usage.cost` a number of USD
    body = {"id": "gen_01M0X", "object": "chat.completion", "created": 1787697263, "model": "xai/grok-4.1-fast-non-reasoning",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 675, "completion_tokens": 1, "total_tokens": 676, "cost": 3.44e-05, "is_byok": False,
                      "prompt_tokens_details": {"cached_tokens": 674}}}
    row = ingest(db, tmp_path, "gateway.jsonl", [body])["gen_01M0X"]
    assert (row["provider"], row["logged_cost_usd"], row["cached_input_tokens"]) == ("xai", Decimal("0.0000344"), 674)


def test_a_groq_stream_with_its_usage_only_under_x_groq_is_counted_and_priced(db, tmp_path):
    # vercel/ai's groq-chat-language-model test: before Groq also wrote a top-level `usage`, a
    # stream's final chunk held its usage under `x_groq` alone; read as usage-less, the call loaded
    # without counts (unpriced) and under the provider its model's name suggests (gemma: google)
    sid = "chatcmpl-e7f8e220-656c-4455-a132-dacfc1370798"
    first = {"id": sid, "object": "chat.completion.chunk", "created": 1729171479, "model": "gemma2-9b-it",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Sparkle"}, "finish_reason": None}]}
    last = {"id": sid, "object": "chat.completion.chunk", "created": 1729171479, "model": "gemma2-9b-it",
            "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
            "x_groq": {"id": "req_01jadadp0femyae9kav1gpkhe8",
                       "usage": {"queue_time": 0.061348671, "prompt_tokens": 18, "prompt_time": 0.000211569,
                                 "completion_tokens": 439, "completion_time": 0.798181818, "total_tokens": 457}}}
    call = ingest(db, tmp_path, "groq.jsonl", [first, last])[sid]
    assert (call["provider"], call["input_tokens"], call["output_tokens"]) == ("groq", 18, 439)
    # gemma2-9b-it on Groq: $0.20 per 1M tokens in and out
    assert db.con.execute("SELECT cost_usd FROM calls").fetchall() == [(Decimal(457 * 20) / 10**8,)]


def test_a_kimi_streams_usage_in_its_choice_and_a_voyage_embedding_are_counted(db, tmp_path):
    # Moonshot puts a stream's usage in the final chunk's `choices[0].usage` (earendil-works/pi#2017);
    # Voyage AI's embeddings response has only `usage.total_tokens`: the stream loaded without
    # counts, the embeddings file was refused (no format)
    kimi = {"id": "chatcmpl-6911668985355ab7ab43bc2b", "object": "chat.completion.chunk", "created": 1762748041,
            "model": "kimi-k2-0905-preview", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop",
                                                          "usage": {"prompt_tokens": 4796, "completion_tokens": 174,
                                                                    "total_tokens": 4970}}]}
    voyage = {"object": "list", "data": [{"object": "embedding", "embedding": [0.1, 0.2], "index": 0}],
              "model": "voyage-3", "usage": {"total_tokens": 7}}
    calls = ingest(db, tmp_path, "kimi.jsonl", [kimi])
    assert (calls[kimi["id"]]["input_tokens"], calls[kimi["id"]]["output_tokens"]) == (4796, 174)
    db.ingest(write_jsonl(tmp_path / "voyage.jsonl", [voyage]), enrichers=(pricing_enricher(load_catalog()),))
    got = db.con.execute("SELECT provider, operation, input_tokens, cost_usd FROM calls WHERE model = 'voyage-3'").fetchall()
    assert got == [("voyageai", "embedding", 7, 7 * Decimal("0.06") / 10**6)]  # voyage-3: $0.06 per 1M


def test_groq_flex_is_billed_on_demand_and_gateway_and_dashscope_fields_are_read(db, tmp_path):
    # Groq's Flex processing is billed at on-demand rates (its docs), where genai-prices lists no
    # flex rows: such a call was unpriced. Vercel's AI Gateway bills `gateway_cost` (its `cost` plus
    # surcharges); DashScope reports explicit-cache writes as `prompt_tokens_details.cache_creation_input_tokens`.
    groq = {"id": "chatcmpl-FLEX", "object": "chat.completion", "created": 1770770833, "model": "qwen/qwen3-32b",
            "service_tier": "flex", "x_groq": {"id": "req_flex"},
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "3"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 17, "completion_tokens": 649, "total_tokens": 666}}
    vercel = {"id": "gen-1", "object": "chat.completion", "created": 1770770833, "model": "xai/grok-4.1-fast-non-reasoning",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 675, "completion_tokens": 1, "total_tokens": 676, "cost": 3.44e-05,
                        "market_cost": 3.44e-05, "surcharge_cost": 0.0001, "gateway_cost": 0.0001344}}
    dashscope = {"id": "chatcmpl-ds", "object": "chat.completion", "created": 1786506451, "model": "qwen3.6-plus",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 29719, "completion_tokens": 435, "total_tokens": 30154,
                           "prompt_tokens_details": {"cached_tokens": 0, "cache_creation_input_tokens": 29713}}}
    calls = ingest(db, tmp_path, "mixed.jsonl", [groq, vercel, dashscope])
    # qwen3-32b on Groq: $0.29 in / $0.59 out per 1M, flex or not
    assert calls["chatcmpl-FLEX"]["service_tier"] == "flex"
    assert db.con.execute("SELECT cost_usd FROM calls WHERE call_id = 'chatcmpl-FLEX'").fetchall() == [
        ((17 * Decimal("0.29") + 649 * Decimal("0.59")) / 10**6,)]
    assert calls["gen-1"]["logged_cost_usd"] == Decimal("0.0001344")
    assert calls["chatcmpl-ds"]["cache_write_tokens"] == 29713


def _gemini_compat(cid: str, created: int, answer: str, completion: int, prompt: int, total: int) -> dict:
    return {"choices": [{"finish_reason": "stop", "index": 0, "message": {"content": answer, "role": "assistant"}}],
            "created": created, "id": cid, "model": "gemini-2.5-flash", "object": "chat.completion",
            "usage": {"completion_tokens": completion, "prompt_tokens": prompt, "total_tokens": total}}


def test_geminis_openai_compatible_answers_bill_the_thinking_their_total_holds(db, tmp_path):
    # three answers of Gemini's OpenAI-compatible endpoint as a public Java sample printed them:
    # completion_tokens is the visible answer only, total_tokens also holds the thinking
    calls = ingest(db, tmp_path, "gemini-compat.jsonl", [
        _gemini_compat("ccAXad3iNNbiz7IPocTe0Ac", 1763164273, "Ghostbusters", 2, 17, 49),
        _gemini_compat("m8AXaafJCKDpz7IPs5_OmQE", 1763164315, "The Social Network", 3, 18, 671),
        # a body that says its total is its parts has nothing hidden
        _gemini_compat("plain", 1763164553, "Inception", 2, 18, 20),
    ])
    first, second, plain = calls["ccAXad3iNNbiz7IPocTe0Ac"], calls["m8AXaafJCKDpz7IPs5_OmQE"], calls["plain"]
    assert (first["output_tokens"], first["reasoning_tokens"]) == (32, 30)
    assert (second["output_tokens"], second["reasoning_tokens"]) == (653, 650)
    assert (plain["output_tokens"], plain["reasoning_tokens"]) == (2, 0)
    costs = dict(db.con.execute("SELECT call_id, cost_usd FROM calls").fetchall())
    # gemini-2.5-flash $0.30 / $2.50 per 1M: the thinking at the output rate
    assert costs["ccAXad3iNNbiz7IPocTe0Ac"] == (17 * Decimal("0.30") + 32 * Decimal("2.50")) / 10**6 == Decimal("0.0000851")
    assert costs["m8AXaafJCKDpz7IPs5_OmQE"] == (18 * Decimal("0.30") + 653 * Decimal("2.50")) / 10**6


def test_cerebras_and_groq_timings_are_the_latency_when_the_log_has_none(db, tmp_path):
    # vercel/ai's recorded responses (packages/cerebras/src/fixtures/cerebras-structured-output-tools.1.json,
    # packages/groq/src/__fixtures__/groq-qwen-reasoning-enabled.json), seconds
    cerebras = {"id": "chatcmpl-cb", "object": "chat.completion", "created": 1779146781, "model": "zai-glm-4.7",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 322, "completion_tokens": 65, "total_tokens": 387,
                          "prompt_tokens_details": {"cached_tokens": 256}},
                "time_info": {"queue_time": 0.002922005, "prompt_time": 0.010518105, "completion_time": 0.118095092,
                              "total_time": 0.13299274444580078}}
    groq = {"id": "chatcmpl-gq", "object": "chat.completion", "created": 1787594830, "model": "qwen/qwen3.6-27b",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {"queue_time": 0.469115043, "prompt_tokens": 27, "prompt_time": 0.002253896, "completion_tokens": 64,
                      "completion_time": 0.141174868, "total_tokens": 91, "total_time": 0.143428764,
                      "completion_tokens_details": {"reasoning_tokens": 64}},
            "x_groq": {"id": "req_01m0tf8wb1e5r8bd32g6a983sz"}}
    calls = ingest(db, tmp_path, "timed.jsonl", [cerebras, groq])
    assert round(calls["chatcmpl-cb"]["latency_ms"], 3) == 132.993  # queue + prompt + completion
    assert round(calls["chatcmpl-gq"]["latency_ms"], 3) == 612.544  # Groq's total leaves its queue out


def test_a_chat_completion_without_object_loads_as_zhipus_glm_writes_it(db, tmp_path):
    # Zhipu's GLM API answers with no `object` (HuayongHu/zhipuai's README, its recorded answer);
    # such a file failed "cannot tell the log format"
    glm = {"choices": [{"finish_reason": "stop", "index": 0, "message": {"content": "你好！有什么我可以帮你的吗？",
                                                                         "role": "assistant"}}],
           "created": 1725607026, "id": "2024090615170503e5eb37d22a4e96", "model": "glm-4-flash",
           "request_id": "2024090615170503e5eb37d22a4e96", "usage": {"completion_tokens": 25, "prompt_tokens": 22, "total_tokens": 47}}
    result = db.ingest(write_jsonl(tmp_path / "glm.jsonl", [glm]), enrichers=(pricing_enricher(load_catalog()),))
    assert (result.files[0].log_format, result.files[0].loaded) == ("openai-chat", 1)
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["input_tokens"], call["output_tokens"]) == ("zai", "glm-4-flash", 22, 25)
    assert call["cost_usd"] is None  # genai-prices lists no glm-4-flash: unpriced and reported, never $0


def test_writers_palmyra_is_writers_not_googles_palm(db, tmp_path):
    # traceloop/openllmetry packages/opentelemetry-instrumentation-writer/tests/cassettes/test_chat/
    # test_writer_chat_tool_calls_legacy.yaml @232c6522, interaction 0's answer (trimmed): a
    # Writer body logged alone named Google as its seller (`palm` in `palmyra`)
    body = {"id": "1fc9b079-5315-43d9-a7f2-82c17b065615", "object": "chat.completion", "created": 1755767284,
            "model": "palmyra-x4", "system_fingerprint": "v1",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Today in San Francisco, ..."}}],
            "usage": {"prompt_tokens": 244, "total_tokens": 263, "completion_tokens": 19}}
    palm = {**body, "id": "palm-1", "model": "chat-bison"}
    db.ingest(write_jsonl(tmp_path / "writer.jsonl", [body]))
    db.ingest(write_jsonl(tmp_path / "palm.jsonl", [palm]))
    got = {r["model"]: r["provider"] for r in db.calls()}
    assert got == {"palmyra-x4": "writer", "chat-bison": "google"}


def test_a_grok_answer_azure_served_has_no_logged_cost_from_xais_ticks(db, tmp_path):
    # crmne/ruby_llm spec/fixtures/vcr_cassettes/chat_basic_chat_functionality_azure_grok-4-1-fast-
    # non-reasoning_can_have_a_basic_conversation.yml @2bc6e98f (filter verdicts trimmed): Azure AI
    # Foundry passes xAI's `cost_in_usd_ticks` through as 0; Azure bills the call, not xAI, so the
    # 0 is no logged cost (it was a logged $0 that `prices reconcile` counted as a mismatch)
    body = {"choices": [{"finish_reason": "stop", "index": 0, "logprobs": None,
                         "message": {"content": "4", "refusal": None, "role": "assistant", "tool_calls": None}}],
            "created": 1775128995, "id": "814166fa-5802-4101-a3c0-e45be52d4e94", "model": "grok-4-1-fast-non-reasoning",
            "object": "chat.completion",
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}}],
            "usage": {"audio_prompt_tokens": 0, "completion_tokens": 1, "cost_in_usd_ticks": 0, "num_sources_used": 0,
                      "completion_tokens_details": {"reasoning_tokens": 0}, "prompt_tokens": 7,
                      "prompt_tokens_details": {"cached_tokens": 0, "text_tokens": 7}, "total_tokens": 8}}
    row = ingest(db, tmp_path, "azure.jsonl", [body])["814166fa-5802-4101-a3c0-e45be52d4e94"]
    assert (row["provider"], row["logged_cost_usd"]) == ("azure", None)
    cost = db.con.execute("SELECT cost_usd FROM calls").fetchall()[0][0]
    assert cost == (7 * Decimal("0.20") + 1 * Decimal("0.50")) / 10**6  # grok-4-1-fast-non-reasoning, xAI's list price


def test_a_chat_body_whose_created_time_cannot_be_a_call_is_quarantined_with_its_value(db, tmp_path):
    """Like every other format's time (README): `created` and `created_at` were stored as ts NULL
    and priced at today's rates, silently."""
    def body(i: str, **time: object) -> dict:
        return {"id": i, "object": "chat.completion", "model": "gpt-4o-2024-08-06", **time,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}}
    path = write_jsonl(tmp_path / "times.jsonl", [
        body("month-13", created="2025-13-45T00:00:00Z"), body("negative", created=-1),
        body("garbage", created_at="garbage"), body("fine", created=1735689600), body("zero", created=0)])
    result = db.ingest(path)
    assert (result.files[0].loaded, result.files[0].quarantined) == (2, 3)
    reasons = {q["source_line"]: q["reason"] for q in db.quarantine()}
    assert reasons == {1: "created is 2025-13-45T00:00:00Z, not a timestamp (ISO 8601 or epoch s/ms, years 1970-2199)",
                       2: "created is -1, not a timestamp (ISO 8601 or epoch s/ms, years 1970-2199)",
                       3: "created_at is garbage, not a timestamp (ISO 8601 or epoch s/ms, years 1970-2199)"}
    assert {c["call_id"]: c["ts"].isoformat() for c in db.calls()} == {"fine": "2025-01-01T00:00:00+00:00",
                                                                        "zero": "1970-01-01T00:00:00+00:00"}


def test_cache_reads_above_the_prompt_are_capped_at_the_prompt(db, tmp_path):
    """docs/calls.md: cached_input_tokens ⊆ input_tokens. 400 cached in a prompt of 100 were all
    billed at the cached rate: a cost on 400 input tokens where the log says 100."""
    calls = ingest(db, tmp_path, "cached.jsonl", [
        {"id": "over", "object": "chat.completion", "created": 1735689600, "model": "gpt-4o-2024-08-06", "choices": [],
         "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110,
                   "prompt_tokens_details": {"cached_tokens": 400}}}])
    assert (calls["over"]["input_tokens"], calls["over"]["cached_input_tokens"]) == (100, 100)
    cost = db.con.execute("SELECT cost_usd FROM calls").fetchall()[0][0]
    assert cost == (100 * Decimal("1.25") + 10 * 10) / 10**6  # gpt-4o-2024-08-06: $1.25 cached, $10 output


def test_an_openrouter_body_among_plain_openai_bodies_is_read_as_openrouters(db, tmp_path):
    """Alone in a file it is openrouter's (upstream provider, gateway tag); beside an OpenAI body
    openai-chat, the file's format, took it and lost both. Vercel's `gen-` ids name no provider."""
    def body(i: str, model: str, **extra: object) -> dict:
        return {"id": i, "object": "chat.completion", "created": 1735689600, "model": model, **extra,
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi"}}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 494, "total_tokens": 1494}}
    calls = ingest(db, tmp_path, "mixed.jsonl", [body("gen-1", "openai/gpt-oss-120b", provider="Together"),
                                                 body("chatcmpl-2", "gpt-4o-mini"), body("chatcmpl-3", "gpt-4o-mini")])
    got = {i: (c["source_format"], c["provider"], (c["tags"] or {}).get("gateway")) for i, c in calls.items()}
    assert got == {"gen-1": ("openrouter", "together", "openrouter"), "chatcmpl-2": ("openai-chat", "openai", None),
                   "chatcmpl-3": ("openai-chat", "openai", None)}
    # (test_groq_flex_...: a Vercel AI Gateway `gen-` body among OpenAI ones stays openai-chat's)


def test_a_file_of_vercel_ai_gateway_bodies_is_not_taken_for_openrouters(db, tmp_path):
    """Vercel's AI Gateway also answers with `gen-` ids: alone in a file its bodies were read as
    OpenRouter's (tagged gateway=openrouter, logged cost without the gateway's surcharge)."""
    vercel = {"id": "gen-v1", "object": "chat.completion", "created": 1770770833, "model": "xai/grok-4.1-fast-non-reasoning",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 675, "completion_tokens": 1, "total_tokens": 676, "cost": 3.44e-05,
                        "market_cost": 3.44e-05, "surcharge_cost": 0.0001, "gateway_cost": 0.0001344}}
    row = ingest(db, tmp_path, "vercel.jsonl", [vercel, {**vercel, "id": "gen-v2"}])["gen-v1"]
    assert (row["source_format"], row["logged_cost_usd"], row["tags"]) == ("openai-chat", Decimal("0.0001344"), None)
