"""Bedrock InvokeModel calls captured whole, of models whose bodies no body format reads (Llama,
Titan, Cohere, AI21, Mistral) or whose body lacks a count Bedrock billed (Nova behind a guardrail):
read as the invocation log Bedrock would have written, the counts from its response headers, else
the body's own. The records are OpenLLMetry's VCR cassettes of real calls
(traceloop/openllmetry, packages/opentelemetry-instrumentation-bedrock/tests), trimmed."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

_RUNTIME = "https://bedrock-runtime.{}.amazonaws.com/model/{}/invoke"

# cassettes/test_meta/test_meta_llama3_completion.yaml @ 7475bad030d9b0fe56df8b35f1f11ab0a52a489a
LLAMA = {"capturedAt": "2024-08-29T18:49:03+00:00",
         "request": {"url": _RUNTIME.format("us-east-1", "meta.llama3-70b-instruct-v1%3A0"), "method": "POST",
                     "body": {"prompt": "Tell me a joke about opentelemetry", "max_gen_len": 128}},
         "response": {"status": 200, "body": {"generation": "\nWhy did the opentelemetry span go to therapy?",
                                              "prompt_token_count": 8, "generation_token_count": 35,
                                              "stop_reason": "stop"}}}
# traces/cassettes/test_titan_completion.yaml @ 63078d995c16ff9c327eb45146a981f5a95b9214
TITAN = {"capturedAt": "2025-01-06T19:26:04+00:00",
         "request": {"url": _RUNTIME.format("ap-south-1", "amazon.titan-text-express-v1"), "method": "POST",
                     "body": {"inputText": "Translate to spanish: 'Amazon Bedrock is the easiest way'.",
                              "textGenerationConfig": {"maxTokenCount": 200}}},
         "response": {"status": 200, "body": {"inputTextTokenCount": 30, "results": [
             {"tokenCount": 29, "outputText": ": \"Amazon Bedrock es la forma más sencilla\".",
              "completionReason": "FINISH"}]}}}
# traces/cassettes/test_nova/test_nova_completion_with_events_with_no_content.yaml
# @ 232c6522b2802f32b0e2e7fb71c79850edabe715: a guardrail masked the output; the body's usage has
# no output count, the headers say 51 (as the trace's own copy of the model's usage does)
NOVA = {"capturedAt": "2025-02-25T15:58:01+00:00",
        "request": {"url": _RUNTIME.format("us-east-1", "amazon.nova-lite-v1%3A0"), "method": "POST",
                    "body": {"schemaVersion": "messages-v1",
                             "messages": [{"role": "user", "content": [{"text": "A camping trip"}]}],
                             "system": [{"text": "tell me a very two sentence story."}]}},
        "response": {"status": 200,
                     "headers": {"X-Amzn-Bedrock-Cache-Read-Input-Token-Count": ["0"],
                                 "X-Amzn-Bedrock-Cache-Write-Input-Token-Count": ["0"],
                                 "X-Amzn-Bedrock-Input-Token-Count": ["30"], "X-Amzn-Bedrock-Invocation-Latency": ["1142"],
                                 "X-Amzn-Bedrock-Output-Token-Count": ["51"],
                                 "x-amzn-RequestId": ["3b46eb20-2b6b-47d1-a317-23389e1c40c7"]},
                     "body": {"output": {"message": {"role": "assistant", "content": [
                         {"text": "We set off into the dense forest, and {Account Number} was etched into a tree."}]}},
                         "stopReason": "end_turn", "usage": {"inputTokens": 30},
                         "amazon-bedrock-guardrailAction": "INTERVENED"}}}
# traces/cassettes/test_cohere_completion.yaml @ 63078d995c16ff9c327eb45146a981f5a95b9214
REFUSED = {"capturedAt": "2025-01-06T19:26:01+00:00",
           "request": {"url": _RUNTIME.format("ap-south-1", "cohere.command-text-v14"), "method": "POST",
                       "body": {"prompt": "Tell me a joke about opentelemetry", "max_tokens": 200}},
           "response": {"status": 400, "headers": {
               "x-amzn-ErrorType": ["ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"],
               "x-amzn-RequestId": ["4421ad36-3413-4d50-bd82-0501fef5e5e0"]},
               "body": {"message": "The provided model identifier is invalid."}}}


def test_invoke_model_captures_of_every_family_are_calls_with_what_bedrock_billed(db, tmp_path):
    # before: the Llama and Titan lines were quarantined ("not a openai-chat record"; a file of them
    # alone had no format), the Nova call had 45 output tokens estimated from its masked text
    db.ingest(write_jsonl(tmp_path / "bedrock.jsonl", [LLAMA, TITAN, NOVA, REFUSED]), enrichers=enrichers())
    assert db.quarantine() == []
    got = {r["source_line"]: r for r in db.calls()}
    llama, titan, nova, refused = got[1], got[2], got[3], got[4]
    assert (llama["provider"], llama["model"], llama["input_tokens"], llama["output_tokens"]) == (
        "aws-bedrock", "meta.llama3-70b-instruct-v1:0", 8, 35)
    assert llama["cost_usd"] == Decimal("0.0001437")  # $2.65 / $3.50 per 1M, genai-prices' calc_price too
    assert (titan["model"], titan["input_tokens"], titan["output_tokens"], titan["cost_usd"]) == (
        "amazon.titan-text-express-v1", 30, 29, Decimal("0.0000234"))
    assert titan["user_prompt"].startswith("Translate to spanish")
    assert (nova["call_id"], nova["input_tokens"], nova["output_tokens"], nova["tokens_estimated"]) == (
        "3b46eb20-2b6b-47d1-a317-23389e1c40c7", 30, 51, False)
    assert (nova["status"], nova["tags"]["guardrail"], nova["cost_usd"]) == ("ok", "intervened", Decimal("0.00001404"))
    # Bedrock's own measure, X-Amzn-Bedrock-Invocation-Latency (the others' captures keep no headers)
    assert (nova["latency_ms"], llama["latency_ms"]) == (1142.0, None)
    assert (refused["model"], refused["status"], refused["error_type"], refused["http_status"]) == (
        "cohere.command-text-v14", "error", "client", 400)


def test_a_file_of_invoke_model_captures_alone_has_a_format(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "llama.jsonl", [LLAMA])).files
    assert (file.log_format, file.loaded) == ("bedrock", 1)


# crmne/ruby_llm, spec/fixtures/vcr_cassettes/
# ask_bedrock_anthropic_claude-3-5-haiku-20241022-v1_0_can_ask_a_question.yml
# @ 4acf6ef455e61712cc6250891c1d032ec699bde7 (headers trimmed): a Claude body, read by
# anthropic-messages, whose latency only the header holds (it was NULL)
CLAUDE = {"request": {"url": _RUNTIME.format("us-east-1", "anthropic.claude-3-5-haiku-20241022-v1:0"), "method": "POST",
                      "body": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 4096,
                               "messages": [{"role": "user", "content": [{"type": "text", "text": "What's 2 + 2?"}]}]}},
          "response": {"status": 200, "headers": {
              "Date": "Thu, 12 Jun 2025 06:09:21 GMT", "X-Amzn-Requestid": "a34ca693-91ef-4fef-8644-de4e4be751da",
              "X-Amzn-Bedrock-Invocation-Latency": "910", "X-Amzn-Bedrock-Output-Token-Count": "5",
              "X-Amzn-Bedrock-Input-Token-Count": "16"},
              "body": {"id": "msg_bdrk_014PWzgQkdaaC7T4eCe4Xo2F", "type": "message", "role": "assistant",
                       "model": "claude-3-5-haiku-20241022", "content": [{"type": "text", "text": "4"}],
                       "stop_reason": "end_turn", "usage": {"input_tokens": 16, "output_tokens": 5}}}}
# pydantic/pydantic-ai, tests/models/cassettes/test_bedrock/test_bedrock_throttling_error.yaml: a
# Converse call throttled; the error body names no model, the address does (it was stored with none)
THROTTLED = {"request": {"url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-micro-v1%3A0/converse",
                         "method": "POST", "body": {"messages": [{"role": "user", "content": [{"text": "hello"}]}]}},
             "response": {"status": 429, "headers": {"content-type": "application/json"},
                          "body": {"__type": "ThrottlingException", "message": "Rate exceeded"}}}


def test_a_captured_claude_call_takes_its_latency_from_bedrock_s_header(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "claude.jsonl", [CLAUDE]), enrichers=enrichers())
    (call,) = db.calls()
    assert (call["source_format"], call["model"], call["latency_ms"], call["cost_usd"]) == (
        "anthropic-messages", "anthropic.claude-3-5-haiku-20241022-v1:0", 910.0, Decimal("0.0000328"))


def test_a_throttled_converse_call_is_the_model_its_address_names(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "throttled.jsonl", [THROTTLED]), enrichers=enrichers())
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["status"], call["error_type"], call["http_status"]) == (
        "aws-bedrock", "us.amazon.nova-micro-v1:0", "error", "rate_limit", 429)
