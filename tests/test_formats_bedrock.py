"""Bedrock invocation logs: model ids kept as logged, cache added to input, errorCode failures."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import write_jsonl
from tests.test_formats_helpers import ANY, assert_calls

CONVERSE = {
    "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-05-02T10:00:00Z",
    "accountId": "123456789012", "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/app"},
    "region": "us-east-1", "requestId": "5f0e-1", "operation": "Converse",
    "modelId": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "input": {"inputContentType": "application/json", "inputTokenCount": 40,
              "cacheReadInputTokenCount": 3000, "cacheWriteInputTokenCount": 500,
              "inputBodyJson": {"system": [{"text": "Be terse."}],
                                "messages": [{"role": "user", "content": [{"text": "Status?"}]}],
                                "toolConfig": {"tools": [{"toolSpec": {"name": "lookup"}}]}}},
    "output": {"outputContentType": "application/json", "outputTokenCount": 25,
               "outputBodyJson": {"output": {"message": {"role": "assistant", "content": [{"text": "All green."}]}},
                                  "stopReason": "end_turn", "metrics": {"latencyMs": 1890},
                                  "usage": {"inputTokens": 40, "outputTokens": 25, "totalTokens": 3565,
                                            "cacheReadInputTokens": 3000, "cacheWriteInputTokens": 500}}},
}
ARN = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-05-02T10:01:00Z",
       "accountId": "123456789012", "region": "eu-west-1", "requestId": "5f0e-2", "operation": "InvokeModel",
       "modelId": "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0",
       "input": {"inputTokenCount": 800}, "output": {"outputTokenCount": 120}}
THROTTLED = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-05-02T10:02:00Z",
             "accountId": "123456789012", "region": "us-east-1", "requestId": "5f0e-3", "operation": "Converse",
             "modelId": "global.anthropic.claude-sonnet-4-20250514-v1:0", "errorCode": "ThrottlingException",
             "input": {"inputTokenCount": 0}, "output": {}}

BASE = {"provider": "aws-bedrock", "operation": "chat", "reasoning_tokens": 0, "ttft_ms": None,
        "is_batch": False, "logged_cost_usd": None}


def test_bedrock_every_column(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "bedrock.jsonl", [CONVERSE, ARN, THROTTLED]))
    assert result.files[0].log_format == "bedrock" and result.files[0].quarantined == 0
    assert_calls(db.calls(), [
        {**BASE, "call_id": "5f0e-1", "ts": datetime(2025, 5, 2, 10, 0, tzinfo=UTC),
         "model": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
         # 40 uncached + 3000 cache reads + 500 cache writes
         "input_tokens": 3540, "cached_input_tokens": 3000, "cache_write_tokens": 500, "output_tokens": 25,
         "latency_ms": 1890.0, "status": "ok", "error_type": None, "http_status": 200,
         "tags": {"region": "us-east-1", "account": "123456789012"},
         "system_prompt": "Be terse.", "user_prompt": "Status?", "response_text": "All green.",
         "prompt_hash": ANY, "prompt_chars": len("Be terse.\nStatus?"), "n_messages": 1, "n_tools": 1},
        {**BASE, "call_id": "5f0e-2", "ts": datetime(2025, 5, 2, 10, 1, tzinfo=UTC),
         "model": "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0",
         "input_tokens": 800, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 120,
         "latency_ms": None, "status": "ok", "error_type": None, "http_status": 200,
         "tags": {"region": "eu-west-1", "account": "123456789012"}},
        {**BASE, "call_id": "5f0e-3", "ts": datetime(2025, 5, 2, 10, 2, tzinfo=UTC),
         "model": "global.anthropic.claude-sonnet-4-20250514-v1:0",
         "input_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0,
         "latency_ms": None, "status": "error", "error_type": "rate_limit", "http_status": 429,
         "tags": {"region": "us-east-1", "account": "123456789012"}},
    ])
