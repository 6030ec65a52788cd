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


def invoke(request_id, model, body, answer):
    return {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-05-02T11:00:00Z",
            "accountId": "123456789012", "region": "us-west-2", "requestId": request_id, "operation": "InvokeModel",
            "modelId": model, "input": {"inputTokenCount": 60, "inputBodyJson": body},
            "output": {"outputTokenCount": 20, "outputBodyJson": answer}}


LLAMA3 = invoke("llama-1", "meta.llama3-1-70b-instruct-v1:0", {
    "prompt": "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou answer in German.<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHallo!<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nTranslate into German: where is the station?<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n", "max_gen_len": 256},
    {"generation": "Wo ist der Bahnhof?", "prompt_token_count": 60, "generation_token_count": 20, "stop_reason": "stop"})
MISTRAL = invoke("mistral-1", "mistral.mistral-7b-instruct-v0:2", {"prompt": "<s>[INST] Summarise: the meeting moved to Friday. [/INST]"},
                 {"outputs": [{"text": "Meeting now Friday.", "stop_reason": "stop"}]})
TITAN = invoke("titan-1", "amazon.titan-text-express-v1", {"inputText": "Write a haiku about rain."},
               {"inputTextTokenCount": 60, "results": [{"outputText": "Soft rain on the roof", "tokenCount": 20}]})
COHERE = invoke("cohere-1", "cohere.command-r-v1:0", {"message": "Classify: 'refund not received'", "preamble": "You label tickets."},
                {"text": "billing"})
CLAUDE_V2 = invoke("claude2-1", "anthropic.claude-v2:1", {"prompt": "\n\nHuman: What is the capital of Peru?\n\nAssistant:"},
                   {"completion": " Lima.", "stop_reason": "stop_sequence"})


def test_bedrock_prompt_string_bodies_are_read_as_text(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "bedrock.jsonl", [LLAMA3, MISTRAL, TITAN, COHERE, CLAUDE_V2]))
    got = {r["call_id"]: (r["system_prompt"], r["user_prompt"], r["response_text"], r["n_messages"]) for r in db.calls()}
    assert got == {
        # the last user turn of the Llama 3 template; its system block is the system prompt
        "llama-1": ("You answer in German.", "Translate into German: where is the station?", "Wo ist der Bahnhof?", 1),
        "mistral-1": (None, "Summarise: the meeting moved to Friday.", "Meeting now Friday.", 1),
        "titan-1": (None, "Write a haiku about rain.", "Soft rain on the roof", 1),
        "cohere-1": ("You label tickets.", "Classify: 'refund not received'", "billing", 1),
        "claude2-1": (None, "What is the capital of Peru?", " Lima.", 1),
    }
    rows = {r["call_id"]: r for r in db.calls()}
    assert rows["cohere-1"]["prompt_chars"] == len("You label tickets.\nClassify: 'refund not received'")
    assert rows["titan-1"]["n_tools"] == 0 and rows["titan-1"]["prompt_hash"] is not None


def test_a_streamed_invoke_models_1h_cache_writes_come_from_its_chunks(db, tmp_path):
    # InvokeModelWithResponseStream logs its body as the stream's chunks; the message_start one
    # says which of the 2,000 writes live an hour (billed at 2x input against 1.25x)
    start = {"type": "message_start", "message": {
        "id": "msg_bdrk_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [], "stop_reason": None,
        "usage": {"input_tokens": 12, "cache_creation_input_tokens": 2000, "cache_read_input_tokens": 0,
                  "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1500},
                  "output_tokens": 1}}}
    chunks = [start, {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
              {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
              {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 12, "outputTokenCount": 9}}]
    streamed = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-11-02T10:00:00Z",
                "accountId": "123456789012", "region": "us-east-1", "requestId": "st-1",
                "operation": "InvokeModelWithResponseStream", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "input": {"inputTokenCount": 12, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 2000},
                "output": {"outputTokenCount": 9, "outputBodyJson": chunks}}
    (file,) = db.ingest(write_jsonl(tmp_path / "stream.jsonl", [streamed, CONVERSE])).files
    assert (file.log_format, file.loaded, file.quarantined) == ("bedrock", 2, 0)
    got = {r["call_id"]: (r["input_tokens"], r["cache_write_tokens"], r["cache_write_1h_tokens"], r["output_tokens"])
           for r in db.calls()}
    assert got == {"st-1": (2012, 2000, 1500, 9), "5f0e-1": (3540, 500, 0, 25)}


def test_a_streamed_invoke_models_answer_latency_and_first_byte_come_from_its_chunks(db, tmp_path):
    # a real Titan stream's invocation log (ShogoItoDev/bedrock-chalice-demo; its redacted time
    # filled in) and an Anthropic one: the answer is the chunks' text, the latency and the time to
    # the first byte Bedrock's closing `amazon-bedrock-invocationMetrics`; a Cohere Command answer
    # is its `generations[0].text`
    metrics = {"inputTokenCount": 7, "outputTokenCount": 11, "invocationLatency": 864, "firstByteLatency": 864}
    titan = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2024-01-15T10:00:00Z",
             "accountId": "123456789012", "region": "ap-northeast-1", "requestId": "titan-1",
             "operation": "InvokeModelWithResponseStream", "modelId": "amazon.titan-text-express-v1",
             "input": {"inputBodyJson": {"inputText": "User: Hello\n\nBot:"}, "inputTokenCount": 7},
             "output": {"outputBodyJson": [{"outputText": " Hello! How can I assist you today?", "index": 0,
                                            "totalOutputTextTokenCount": 11, "completionReason": "FINISH",
                                            "inputTextTokenCount": 7, "amazon-bedrock-invocationMetrics": metrics}],
                        "outputTokenCount": 11}}
    claude = {**titan, "requestId": "claude-1", "modelId": "anthropic.claude-3-haiku-20240307-v1:0", "output": {
        "outputTokenCount": 3, "outputBodyJson": [
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "lo."}},
            {"type": "message_stop", "amazon-bedrock-invocationMetrics": {**metrics, "invocationLatency": 410,
                                                                          "firstByteLatency": 180}}]}}
    cohere = {**titan, "requestId": "cohere-1", "operation": "InvokeModel", "modelId": "cohere.command-text-v14",
              "output": {"outputTokenCount": 43, "outputBodyJson": {"generations": [{"text": " Hi! How are you?"}]}}}
    db.ingest(write_jsonl(tmp_path / "streams.jsonl", [titan, claude, cohere]))
    got = {r["call_id"]: (r["response_text"], r["latency_ms"], r["ttft_ms"]) for r in db.calls()}
    assert got == {"titan-1": (" Hello! How can I assist you today?", 864, 864), "claude-1": ("Hello.", 410, 180),
                   "cohere-1": (" Hi! How are you?", None, None)}
