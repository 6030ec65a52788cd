"""Anthropic's 1-hour cache-write breakdown (`usage.cache_creation.ephemeral_1h_input_tokens`) and the
service tier as each provider logs it (OpenAI `service_tier`, Anthropic `usage.service_tier`),
for the price tables to charge the right rate.

Bodies written from anthropic-sdk-python `types/usage.py` (cache_creation{ephemeral_5m_input_tokens,
ephemeral_1h_input_tokens}, service_tier) and openai-python `chat_completion.py` / `response.py`
(service_tier: auto, default, flex, scale, priority).
"""

from __future__ import annotations

from tests.conftest import rows, write_jsonl

STORED = """SELECT call_id, source_format, input_tokens, cache_write_tokens, cache_write_1h_tokens, service_tier
    FROM calls ORDER BY call_id"""


def anthropic_usage(write_5m: int, write_1h: int, tier: str) -> dict:
    return {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": write_5m + write_1h,
            "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
            "service_tier": tier}


def test_anthropic_1h_cache_writes_and_tiers_in_every_anthropic_shape(db, tmp_path):
    message = {"id": "msg_A", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
               "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
               "usage": anthropic_usage(200, 3000, "priority")}
    batch = {"custom_id": "r1", "result": {"type": "succeeded", "message": {
        **message, "id": "msg_B", "usage": anthropic_usage(0, 1200, "batch")}}}
    bedrock = {"schemaType": "ModelInvocationLog", "timestamp": "2025-10-01T00:00:00Z", "requestId": "bdrk-C",
               "operation": "InvokeModel", "modelId": "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
               "input": {"inputTokenCount": 10, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 2500},
               "output": {"outputTokenCount": 5, "outputBodyJson": {**message, "id": "msg_bdrk_C",
                                                                    "usage": anthropic_usage(500, 2000, "standard")}}}
    for name, record in (("m", message), ("b", batch), ("i", bedrock)):
        assert db.ingest(write_jsonl(tmp_path / f"{name}.jsonl", [record])).files[0].loaded == 1
    assert [tuple(r.values()) for r in rows(db.con, STORED)] == [
        ("bdrk-C", "bedrock", 2510, 2500, 2000, None),
        ("msg_A", "anthropic-messages", 3210, 3200, 3000, "priority"),
        ("msg_B", "anthropic-batch", 1210, 1200, 1200, "batch"),
    ]


def test_openai_service_tier_in_chat_responses_and_batch_output(db, tmp_path):
    chat = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1746093600, "model": "o3-2025-04-16",
            "service_tier": "flex", "choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 10}}
    response = {"id": "resp_2", "object": "response", "created_at": 1746093600, "model": "gpt-5-2025-08-07",
                "status": "completed", "service_tier": "priority", "output": [],
                "usage": {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
                          "output_tokens_details": {"reasoning_tokens": 0}}}
    batch = {"id": "batch_req_3", "custom_id": "c3", "error": None,
             "response": {"status_code": 200, "request_id": "x", "body": {**chat, "id": "chatcmpl-3",
                                                                          "service_tier": "default"}}}
    for name, record in (("c", chat), ("r", response), ("b", batch)):
        assert db.ingest(write_jsonl(tmp_path / f"{name}.jsonl", [record])).files[0].loaded == 1
    assert [(r["call_id"], r["service_tier"]) for r in rows(db.con, STORED)] == [
        ("batch_req_3", "default"), ("chatcmpl-1", "flex"), ("resp_2", "priority")]
