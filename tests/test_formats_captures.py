"""HTTP exchanges captured whole (`{request: {url, method, body}, response: {status, headers,
body}}`, as a logging proxy or vercel/ai's live-call recorder writes them) read as the pairs they
hold; an OpenAI Batch output line, whose `response` also has a `body`, stays a batch line."""

from __future__ import annotations

import json
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

GEMINI = {"capturedAt": "2026-07-08T12:10:59.613Z", "model": "gemini-2.5-flash",
          "request": {"url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
                      "method": "POST", "body": {"contents": [{"role": "user", "parts": [{"text": "Say OK."}]}]}},
          "response": {"status": 200, "headers": {"content-type": "application/json"},
                       "body": {"candidates": [{"content": {"role": "model", "parts": [{"text": "OK."}]}, "finishReason": "STOP"}],
                                "usageMetadata": {"promptTokenCount": 6, "candidatesTokenCount": 2, "thoughtsTokenCount": 20,
                                                  "totalTokenCount": 28},
                                "modelVersion": "gemini-2.5-flash", "responseId": "Uz5O"}}}
CLAUDE = {"issue": 14707, "requestBody": {"model": "claude-opus-4-7", "max_tokens": 16,
                                          "messages": [{"role": "user", "content": "Reply with exactly OK"}]},
          "response": {"status": 200, "statusText": "OK", "headers": {"request-id": "req_011"},
                       "body": {"id": "msg_011", "type": "message", "role": "assistant", "model": "claude-opus-4-7",
                                "content": [{"type": "text", "text": "OK"}], "stop_reason": "end_turn",
                                "usage": {"input_tokens": 21, "output_tokens": 6}}}}
FAILED = {**CLAUDE, "response": {"status": 429, "body": {"type": "error", "error": {"type": "rate_limit_error",
                                                                                 "message": "Rate limited"}}}}


def test_captured_exchanges_are_read_as_their_pairs(db, tmp_path):
    (gemini,) = db.ingest(write_jsonl(tmp_path / "gemini.jsonl", [GEMINI])).files
    (claude,) = db.ingest(write_jsonl(tmp_path / "claude.jsonl", [CLAUDE, FAILED])).files
    assert (gemini.log_format, gemini.loaded, claude.log_format, claude.loaded) == ("gemini", 1, "anthropic-messages", 2)
    got = {r["call_id"]: r for r in db.calls()}
    g = got["Uz5O"]
    assert (g["model"], g["input_tokens"], g["output_tokens"], g["user_prompt"]) == ("gemini-2.5-flash", 6, 22, "Say OK.")
    assert str(g["ts"]).startswith("2026-07-08 12:10:59")  # the capture's time
    c = got["msg_011"]
    assert (c["model"], c["input_tokens"], c["output_tokens"], c["user_prompt"]) == ("claude-opus-4-7", 21, 6, "Reply with exactly OK")
    (failed,) = [r for r in got.values() if r["status"] == "error"]
    assert (failed["error_type"], failed["http_status"]) == ("rate_limit", 429)


def test_an_openai_batch_line_is_not_taken_for_a_capture(db, tmp_path):
    line = {"id": "batch_req_1", "custom_id": "r-1",
            "response": {"status_code": 200, "request_id": "req_1",
                         "body": {"id": "chatcmpl-1", "object": "chat.completion", "created": 1711652795, "model": "gpt-4o-mini",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
                                  "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}},
            "error": None}
    (file,) = db.ingest(write_jsonl(tmp_path / "batch.jsonl", [line])).files
    assert (file.log_format, file.loaded) == ("openai-batch", 1)
    assert db.calls()[0]["tags"]["custom_id"] == "r-1"


def test_the_address_names_bedrocks_model_and_azures_host(db, tmp_path):
    # Mirascope's recorded e2e calls (python/tests/e2e/output/cassettes): a Bedrock Converse body
    # names no model (only the address does, URL-encoded), and an Azure Responses call's body looks
    # like OpenAI's; a body that is an error is one whatever status the exchange had
    converse = {"request": {"url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-micro-v1%3A0/converse",
                            "method": "POST", "body": {"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}},
                "response": {"status": 200, "body": {"metrics": {"latencyMs": 298}, "output": {"message": {
                    "role": "assistant", "content": [{"text": "Hello!"}]}}, "stopReason": "end_turn",
                    "usage": {"inputTokens": 12, "outputTokens": 63, "totalTokens": 75}}}}
    azure = {"request": {"url": "https://dummy.openai.azure.com/openai/responses?api-version=2025-04-01-preview",
                         "method": "POST", "body": {"model": "gpt-4o-mini", "input": "Hi"}},
             "response": {"status": 200, "body": {"id": "resp_1", "object": "response", "created_at": 1751000000,
                                                  "model": "gpt-4o-mini", "status": "completed", "output": [],
                                                  "usage": {"input_tokens": 16, "output_tokens": 11, "total_tokens": 27}}}}
    error = {"request": {"url": "https://api.anthropic.com/v1/messages", "method": "POST"},
             "response": {"status": 200, "body": {"type": "error", "request_id": "req_011", "error": {
                 "type": "invalid_request_error", "message": "unexpected `tool_use_id` found in `tool_result` blocks"}}}}
    db.ingest(write_jsonl(tmp_path / "converse.jsonl", [converse]), write_jsonl(tmp_path / "azure.jsonl", [azure]),
              write_jsonl(tmp_path / "mixed.jsonl", [CLAUDE, error]))
    got = {r["source_file"].rsplit("/", 1)[1] + f":{r['source_line']}": r for r in db.calls()}
    nova, resp, failed = got["converse.jsonl:1"], got["azure.jsonl:1"], got["mixed.jsonl:2"]
    assert (nova["provider"], nova["model"], nova["input_tokens"], nova["output_tokens"]) == (
        "aws-bedrock", "amazon.nova-micro-v1:0", 12, 63)
    assert (resp["provider"], resp["model"]) == ("azure", "gpt-4o-mini")
    assert (failed["provider"], failed["status"], failed["error_type"]) == ("anthropic", "error", "client")
    assert db.quarantine() == []


def _sse(events: list, named: bool = True) -> str:
    """A stream's text as the server sent it: `event:` (when `named`) and `data:` lines."""
    out = ""
    for e in events:
        if named and isinstance(e, dict):
            out += f"event: {e['type']}\n"
        out += "data: " + (e if isinstance(e, str) else json.dumps(e, separators=(",", ":"))) + "\n\n"
    return out


def _chunk(delta, finish=None, usage=None):
    return {"id": "chatcmpl-CpZ11ZL9Budfk2U1ACJ5Mr3AvSgmu", "object": "chat.completion.chunk", "created": 1766405363,
            "model": "gpt-5-mini-2025-08-07", "service_tier": "default",
            "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": usage}


def _gemini(text, candidates, total, finish=None):
    return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "index": 0,
                            **({"finishReason": finish} if finish else {})}],
            "usageMetadata": {"promptTokenCount": 13, "candidatesTokenCount": candidates, "totalTokenCount": total,
                              "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 13}], "thoughtsTokenCount": 75},
            "modelVersion": "gemini-2.5-flash", "responseId": "VJfyaP7eE_6zmtkP4qLV6Ao"}


_ASK = "What is 4200 + 42?"
_RESPONSE = {"id": "resp_0360bd4572", "object": "response", "created_at": 1761175204, "status": "in_progress",
             "model": "gpt-4o-2024-08-06", "output": [], "service_tier": "auto", "usage": None}
# Streamed calls a recorder saved whole, the stream as the body's text (Mirascope's e2e cassettes,
# python/tests/e2e/output/cassettes/test_call/*/stream.yaml: values kept, events shortened)
STREAMS = [
    {"request": {"url": "https://api.anthropic.com/v1/messages", "method": "POST",
                 "body": {"max_tokens": 16000, "messages": [{"role": "user", "content": _ASK}], "model": "claude-sonnet-4-0",
                          "stream": True}},
     "response": {"status": 200, "headers": {"Content-Type": "text/event-stream; charset=utf-8"}, "body": _sse([
         {"type": "message_start", "message": {
             "model": "claude-sonnet-4-20250514", "id": "msg_01HzgV2Brs32FVDgM7Wzwe44", "type": "message", "role": "assistant",
             "content": [], "stop_reason": None, "usage": {
                 "input_tokens": 17, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                 "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}, "output_tokens": 1,
                 "service_tier": "standard"}}},
         {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
         {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "4200 + 42 ="}},
         {"type": "ping"},
         {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " 4242"}},
         {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
          "usage": {"input_tokens": 17, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 15}},
         {"type": "message_stop"}])}},
    {"request": {"url": "https://api.openai.com/v1/chat/completions", "method": "POST",
                 "body": {"messages": [{"role": "user", "content": _ASK}], "model": "gpt-5-mini", "stream": True,
                          "stream_options": {"include_usage": True}}},
     "response": {"status": 200, "body": _sse([
         _chunk({"role": "assistant", "content": ""}), _chunk({"content": "424"}), _chunk({"content": "2"}), _chunk({}, "stop"),
         _chunk(None, usage={"prompt_tokens": 15, "completion_tokens": 11, "total_tokens": 26,
                             "completion_tokens_details": {"reasoning_tokens": 0}}), "[DONE]"], named=False)}},
    {"request": {"url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                 "method": "POST", "body": {"contents": [{"parts": [{"text": _ASK}], "role": "user"}]}},
     "response": {"status": 200, "body": _sse([_gemini("To find the sum: 4200 + 42 = 42", 50, 138),
                                               _gemini("42.", 63, 151, "STOP")], named=False).replace("\n", "\r\n")}},
    {"request": {"url": "https://api.openai.com/v1/responses", "method": "POST",
                 "body": {"input": [{"content": _ASK, "role": "user"}], "model": "gpt-4o", "stream": True}},
     "response": {"status": 200, "body": _sse([
         {"type": "response.created", "sequence_number": 0, "response": _RESPONSE},
         {"type": "response.output_text.delta", "sequence_number": 4, "output_index": 0, "delta": "420"},
         {"type": "response.completed", "sequence_number": 17, "response": {
             **_RESPONSE, "status": "completed", "service_tier": "default",
             "output": [{"id": "msg_0360", "type": "message", "status": "completed", "role": "assistant",
                         "content": [{"type": "output_text", "annotations": [], "text": "4200 + 42 equals 4242."}]}],
             "usage": {"input_tokens": 16, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 11,
                       "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 27}}}])}},
]


def test_a_stream_saved_as_the_bodys_text_is_one_call_with_its_final_counts(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "streams.jsonl", STREAMS), enrichers=enrichers()).files
    assert file.loaded == 4 and db.quarantine() == []
    got = {r["call_id"]: r for r in db.calls()}
    claude, chat = got["msg_01HzgV2Brs32FVDgM7Wzwe44"], got["chatcmpl-CpZ11ZL9Budfk2U1ACJ5Mr3AvSgmu"]
    gemini, responses = got["VJfyaP7eE_6zmtkP4qLV6Ao"], got["resp_0360bd4572"]
    # the closing delta's output count (15), not the start's provisional 1: 17 x $3 + 15 x $15 per 1M
    assert (claude["input_tokens"], claude["output_tokens"], claude["cost_usd"]) == (17, 15, Decimal("0.000276"))
    assert (claude["response_text"], claude["user_prompt"], claude["tokens_estimated"]) == ("4200 + 42 = 4242", _ASK, False)
    # the chunk with usage: 15 x $0.25 + 11 x $2 per 1M
    assert (chat["model"], chat["input_tokens"], chat["output_tokens"], chat["cost_usd"]) == (
        "gpt-5-mini-2025-08-07", 15, 11, Decimal("0.00002575"))
    assert chat["response_text"] == "4242"
    # the last chunk's totals, thinking included: 13 x $0.30 + (63 + 75) x $2.50 per 1M
    assert (gemini["input_tokens"], gemini["output_tokens"], gemini["reasoning_tokens"], gemini["cost_usd"]) == (
        13, 138, 75, Decimal("0.0003489"))
    assert gemini["response_text"] == "To find the sum: 4200 + 42 = 4242."
    # response.completed holds the whole response: 16 x $2.50 + 11 x $10 per 1M
    assert (responses["input_tokens"], responses["output_tokens"], responses["cost_usd"]) == (16, 11, Decimal("0.00015"))


def test_an_azure_stream_saved_whole_is_azures_by_its_opening_chunk(db, tmp_path):
    # crewAI's recorded call (lib/crewai/tests/cassettes/llms/TestAzureToolCallStreaming*.yaml), the
    # address left out: Azure opens with a chunk of the prompt's filter verdicts, empty id and object
    def chunk(delta, finish=None, usage=None):
        return {"choices": [] if delta is None else [{"content_filter_results": {}, "delta": delta, "finish_reason": finish,
                                                     "index": 0}],
                "created": 1769120025, "id": "chatcmpl-D0xDteB9TqwARsHB5bH9ZTfPFbxuq", "model": "gpt-4o-mini-2024-07-18",
                "object": "chat.completion.chunk", "system_fingerprint": "fp_f97eff32c5", "usage": usage}
    opening = {"choices": [], "created": 0, "id": "", "model": "", "object": "", "prompt_filter_results": [
        {"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}}]}
    stream = _sse([opening, chunk({"role": "assistant", "tool_calls": [{"function": {"arguments": "", "name": "get_current_temperature"},
                                                                        "id": "call_zcFx", "index": 0, "type": "function"}]}),
                   chunk({}, "tool_calls"),
                   chunk(None, usage={"completion_tokens": 17, "prompt_tokens": 66, "total_tokens": 83,
                                      "prompt_tokens_details": {"cached_tokens": 0}}), "[DONE]"], named=False)
    line = {"request": {"body": {"messages": [{"role": "user", "content": "What is the temperature in Paris?"}], "stream": True}},
            "response": {"status": 200, "body": stream}}
    db.ingest(write_jsonl(tmp_path / "azure.jsonl", [line]), enrichers=enrichers())
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["input_tokens"], call["output_tokens"]) == ("azure", "gpt-4o-mini-2024-07-18", 66, 17)
    assert call["cost_usd"] == (66 * Decimal("0.15") + 17 * Decimal("0.60")) / 10**6


def test_a_gemini_stream_answered_as_a_json_list_is_one_call(db, tmp_path):
    # without `alt=sse`, streamGenerateContent answers one JSON list of the chunks (the same
    # chunks as above): the one call they make, with the last chunk's totals
    chunks = [_gemini("To find the sum: 4200 + 42 = 42", 50, 138), _gemini("42.", 63, 151, "STOP")]
    listed = {"request": {"url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                          "method": "POST", "body": {"contents": [{"parts": [{"text": _ASK}], "role": "user"}]}},
              "response": {"status": 200, "body": chunks}}
    (file,) = db.ingest(write_jsonl(tmp_path / "listed.jsonl", [listed])).files
    assert (file.log_format, file.loaded) == ("gemini", 1)
    (call,) = db.calls()
    assert (call["input_tokens"], call["output_tokens"], call["response_text"]) == (13, 138, "To find the sum: 4200 + 42 = 4242.")


def test_a_body_saved_as_text_is_read_for_what_it_holds(db, tmp_path):
    ask = {"url": "https://api.openai.com/v1/chat/completions", "body": {"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": "Hi"}]}}
    answer = {"id": "chatcmpl-x", "object": "chat.completion", "created": 1766405363, "model": "gpt-4o-mini",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10}}
    no_usage = {**STREAMS[1], "response": {"status": 200, "body": "".join(
        part + "\n\n" for part in STREAMS[1]["response"]["body"].split("\n\n") if part and '"usage":{' not in part)}}
    lines = [{"request": ask, "response": {"status": 200, "body": json.dumps(answer)}},
             {"request": ask, "response": {"status": 502, "body": "<html><body>502 Bad Gateway</body></html>"}},
             no_usage]
    db.ingest(write_jsonl(tmp_path / "text.jsonl", lines))
    got = {r["source_line"]: r for r in db.calls()}
    assert (got[1]["input_tokens"], got[1]["output_tokens"], got[1]["response_text"]) == (8, 2, "Hello")
    assert (got[2]["status"], got[2]["error_type"], got[2]["http_status"]) == ("error", "server", 502)
    # a stream without a usage chunk: its text is kept and its counts are estimated (and say so)
    assert (got[3]["response_text"], got[3]["tokens_estimated"]) == ("4242", True)
    assert got[3]["input_tokens"] > 0 and got[3]["output_tokens"] > 0


def test_a_gemini_address_names_the_model_its_body_does_not(db, tmp_path):
    # crewAI's recorded call (lib/crewai/tests/cassettes/llms/google/test_google_streaming_returns_usage_metrics.yaml):
    # a 400 whose body and request name no model; the address does
    failed = {"request": {"url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash-exp:"
                                 "streamGenerateContent?alt=sse",
                          "body": {"contents": [{"parts": [{"text": "What is the capital of Japan?"}], "role": "user"}]}},
              "response": {"status": 400, "body": {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                                             "status": "INVALID_ARGUMENT"}}}}
    db.ingest(write_jsonl(tmp_path / "gemini.jsonl", [failed, STREAMS[2]]))
    got = {r["source_line"]: r for r in db.calls()}
    assert (got[1]["provider"], got[1]["model"], got[1]["error_type"], got[1]["http_status"]) == (
        "google", "gemini-2.0-flash-exp", "client", 400)
    assert got[2]["model"] == "gemini-2.5-flash"  # the body's own modelVersion first


def test_a_bedrock_invoke_whose_body_has_no_usage_is_read_as_its_invocation_log(db, tmp_path):
    # traceloop/openllmetry packages/opentelemetry-instrumentation-bedrock/tests: the recorded
    # InvokeModel calls of Titan (traces/cassettes/test_titan_completion.yaml @63078d99), Llama 3
    # (cassettes/test_meta/test_meta_llama3_completion.yaml @7475bad0) and Cohere
    # (traces/cassettes/test_cohere/test_cohere_completion_with_events_with_no_content.yaml @b11aeb41),
    # trimmed. Their bodies carry no `usage` no format reads, so each call was quarantined (or the
    # file failed); Bedrock gives the billed counts in the response headers (VCR keeps each header
    # as a list), the Llama and Titan bodies their own.
    def capture(model, asked, headers, body):
        return {"request": {"url": f"https://bedrock-runtime.us-east-1.amazonaws.com/model/{model}/invoke",
                            "method": "POST", "body": json.dumps(asked)},
                "response": {"status": 200, "headers": headers, "body": json.dumps(body)}}
    titan = capture("amazon.titan-text-express-v1", {"inputText": "Translate to spanish: 'Amazon Bedrock'."},
                    {"Date": ["Mon, 06 Jan 2025 19:26:04 GMT"], "X-Amzn-Bedrock-Input-Token-Count": ["30"],
                     "X-Amzn-Bedrock-Output-Token-Count": ["29"], "x-amzn-RequestId": ["3bf9bfad-b82b-4b19-aa8f-bc085be537c4"]},
                    {"inputTextTokenCount": 30, "results": [{"tokenCount": 29, "outputText": "Amazon Bedrock es",
                                                             "completionReason": "FINISH"}]})
    llama = capture("meta.llama3-70b-instruct-v1%3A0", {"prompt": "Tell me a joke about opentelemetry", "max_gen_len": 128},
                    {},  # (headers stripped: the body's own counts)
                    {"generation": "Why did the span go to therapy?", "prompt_token_count": 8,
                     "generation_token_count": 35, "stop_reason": "stop"})
    cohere = capture("cohere.command-text-v14", {"prompt": "Tell me a joke about opentelemetry", "max_tokens": 200},
                     {"x-amzn-bedrock-input-token-count": "9", "x-amzn-bedrock-output-token-count": "112",
                      "x-amzn-requestid": "3266ca30-473c-4491-b6ef-5b1f033798d2"},
                     {"id": "3266ca30-473c-4491-b6ef-5b1f033798d2", "generations": [{"text": " What does", "finish_reason": "COMPLETE"}],
                      "prompt": "Tell me a joke about opentelemetry"})
    (file,) = db.ingest(write_jsonl(tmp_path / "invoke.jsonl", [titan, llama, cohere]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("bedrock", 3, 0)
    got = {r["model"]: r for r in db.calls()}
    t = got["amazon.titan-text-express-v1"]
    assert (t["provider"], t["call_id"], t["input_tokens"], t["output_tokens"]) == (
        "aws-bedrock", "3bf9bfad-b82b-4b19-aa8f-bc085be537c4", 30, 29)
    assert str(t["ts"]).startswith("2025-01-06 19:26:04")  # the Date header
    assert t["cost_usd"] == Decimal("0.0000234")  # genai-prices' calc_price of the same counts
    m = got["meta.llama3-70b-instruct-v1:0"]
    assert (m["input_tokens"], m["output_tokens"], m["cost_usd"]) == (8, 35, Decimal("0.0001437"))
    assert m["user_prompt"] == "Tell me a joke about opentelemetry" and m["response_text"].startswith("Why did")
    c = got["cohere.command-text-v14"]
    assert (c["input_tokens"], c["output_tokens"], c["cost_usd"]) == (9, 112, None)  # no Bedrock price: unpriced


def test_a_claude_answer_on_bedrock_takes_the_model_id_its_address_names(db, tmp_path):
    # Arize-ai/openinference python/instrumentation/openinference-instrumentation-bedrock/tests/
    # openinference/instrumentation/bedrock/cassettes/TestClaudeInvokeModelMessageApi.test_invoke_model.yaml
    # @f37d4ada (trimmed): the body names `claude-3-haiku-20240307`, the address the Bedrock id.
    # The address's id is the one Bedrock bills by: a `global.` profile of Claude 4.5 costs 10% less
    # than a `us.` one (AWS, "Global cross-Region inference"), and the body names neither.
    line = {"request": {"url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
                        "method": "POST",
                        "body": json.dumps({"messages": [{"role": "user", "content": "Can you explain LLMs in plain English?"}],
                                            "max_tokens": 1000, "anthropic_version": "bedrock-2023-05-31"})},
            "response": {"status": 200, "headers": {"X-Amzn-Bedrock-Input-Token-Count": ["38"],
                                                    "X-Amzn-Bedrock-Output-Token-Count": ["246"]},
                         "body": json.dumps({"id": "msg_bdrk_01XwpES7uwPrhtHvHZsW2zCr", "type": "message", "role": "assistant",
                                             "model": "claude-3-haiku-20240307",
                                             "content": [{"type": "text", "text": "Sure, I'd be happy to explain."}],
                                             "stop_reason": "end_turn", "stop_sequence": None,
                                             "usage": {"input_tokens": 38, "output_tokens": 246}})}}
    (file,) = db.ingest(write_jsonl(tmp_path / "claude.jsonl", [line]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded) == ("anthropic-messages", 1)
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["input_tokens"], call["output_tokens"]) == (
        "aws-bedrock", "anthropic.claude-3-haiku-20240307-v1:0", 38, 246)
    assert call["cost_usd"] == Decimal("0.000317")  # $0.25 / $1.25 per 1M (genai-prices' calc_price)


def test_a_bedrock_converse_stream_kept_as_its_events_is_the_call_they_make(db, tmp_path):
    # crmne/ruby_llm spec/fixtures/vcr_cassettes/activerecord_actsas_extended_thinking_persistence_
    # bedrock_claude-haiku-4-5_persists_thinking_data_and_replays_it_across_turns.yml @2bc6e98f,
    # interaction 1 (trimmed): VCR keeps the ConverseStream answer as binary event-stream frames;
    # their payloads, keyed by each frame's `:event-type` as the SDK yields them, are a list of
    # events that closes with `metadata` (the usage). Such a capture was no format: the call was dropped.
    events = [{"messageStart": {"role": "assistant"}},
              {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "This is a clever"}}}},
              {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"text": "I'd ask"}}},
              {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"text": " a question."}}},
              {"contentBlockStop": {"contentBlockIndex": 1}},
              {"messageStop": {"stopReason": "end_turn"}},
              {"metadata": {"metrics": {"latencyMs": 8490},
                            "usage": {"inputTokens": 80, "outputTokens": 625, "serverToolUsage": {}, "totalTokens": 705}}}]
    line = {"capturedAt": "2026-04-02T11:24:55Z",
            "request": {"url": "https://bedrock-runtime.us-west-2.amazonaws.com/model/"
                               "us.anthropic.claude-haiku-4-5-20251001-v1:0/converse-stream", "method": "POST",
                        "body": {"messages": [{"role": "user", "content": [{"text": "If a magic mirror..."}]}],
                                 "additionalModelRequestFields": {"reasoning_config": {"type": "enabled", "budget_tokens": 1024}}}},
            "response": {"status": 200, "headers": {"Content-Type": ["application/vnd.amazon.eventstream"]}, "body": events}}
    (file,) = db.ingest(write_jsonl(tmp_path / "stream.jsonl", [line]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("bedrock-converse", 1, 0)
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["input_tokens"], call["output_tokens"], call["response_text"]) == (
        "aws-bedrock", "us.anthropic.claude-haiku-4-5-20251001-v1:0", 80, 625, "I'd ask a question.")
    assert call["latency_ms"] == 8490 and call["tags"]["stop_reason"] == "end_turn"
    assert call["cost_usd"] == Decimal("0.0035255")  # us. profile: $1.10 / $5.50 per 1M


def test_a_bedrock_invoke_stream_kept_as_its_chunks_is_the_claude_call_they_make(db, tmp_path):
    # crmne/ruby_llm spec/fixtures/vcr_cassettes/chat_complete_with_prompt_caching_with_bedrock_provider_
    # anthropic_claude-3-5-haiku-20241022-v1_0_with_streaming_reports_cached_tokens.yml @2c88266f,
    # interaction 1 (text deltas trimmed): InvokeModelWithResponseStream's event-stream frames each
    # carry `{"bytes": <base64 of one Messages stream event>}` under `:event-type` chunk; the last
    # event's invocation metrics (4 in, 20 out, 2,744 cache writes) agree with the Messages usage.
    # Such a capture had no format: the call, and its cache write, were dropped.
    import base64

    claude = [{"type": "message_start", "message": {
                  "id": "msg_bdrk_01LNBiFHy2Hr2Ekrv8hZ2FGa", "type": "message", "role": "assistant",
                  "model": "claude-3-5-haiku-20241022", "content": [], "stop_reason": None, "stop_sequence": None,
                  "usage": {"input_tokens": 4, "cache_creation_input_tokens": 2744, "cache_read_input_tokens": 0,
                            "output_tokens": 2}}},
              {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
              {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Here's"}},
              {"type": "content_block_stop", "index": 0},
              {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
               "usage": {"output_tokens": 20}},
              {"type": "message_stop", "amazon-bedrock-invocationMetrics": {
                  "inputTokenCount": 4, "outputTokenCount": 20, "invocationLatency": 1382, "firstByteLatency": 1378,
                  "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 2744}}]
    chunks = [{"chunk": {"bytes": base64.b64encode(json.dumps(e, separators=(",", ":")).encode()).decode()}} for e in claude]
    line = {"capturedAt": "2025-07-29T01:22:25Z",
            "request": {"url": "https://bedrock-runtime.us-west-2.amazonaws.com/model/"
                               "anthropic.claude-3-5-haiku-20241022-v1:0/invoke-with-response-stream", "method": "POST",
                        "body": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 4096, "messages": [
                            {"role": "user", "content": [{"type": "text", "text": "aaaa\n\nCount from 1 to 3",
                                                          "cache_control": {"type": "ephemeral"}}]}]}},
            "response": {"status": 200, "headers": {"Content-Type": ["application/vnd.amazon.eventstream"]}, "body": chunks}}
    (file,) = db.ingest(write_jsonl(tmp_path / "stream.jsonl", [line]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("anthropic-messages", 1, 0)
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["input_tokens"], call["cache_write_tokens"], call["output_tokens"],
            call["response_text"]) == ("aws-bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", 2748, 2744, 20, "Here's")
    assert call["cost_usd"] == Decimal("0.0028272")  # $0.80 in, $1.00 cache write, $4 out per 1M


def test_an_answer_with_no_time_of_its_own_takes_the_responses_date_header(db, tmp_path):
    # tmc/langchaingo's httprr recordings (commit 064f09155cb95bdde8fcd3867ab873f0eed40cb4,
    # llms/googleai/testdata/TestGoogleAI_ImplicitCaching.httprr, exchange 2; commit
    # aa2dd71269cd7ac9917b95b0910a1aa8e2d5b492, embeddings/voyageai/testdata/TestVoyageAI_WithModel.httprr;
    # commit 94499cf5f2d3af80af57e99b91f57d9ad88892da, llms/openai/testdata/TestMultiContentText-xai-grok-4.5.httprr),
    # trimmed: a Gemini or Voyage body names no time, so such a call was undated and took the
    # price of the day it was priced; the server's Date header says when it answered. A body
    # with its own time (`created`) keeps it.
    gemini = {"request": {"url": "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
                          "method": "POST", "body": {"contents": [{"parts": [{"text": "Say 'hello'"}], "role": "user"}]}},
              "response": {"status": 200, "headers": {"Content-Type": "application/json; charset=UTF-8",
                                                      "Date": "Mon, 26 Jan 2026 10:10:26 GMT"},
                           "body": {"candidates": [{"content": {"parts": [{"text": "hello"}], "role": "model"},
                                                    "finishReason": "STOP", "index": 0}],
                                    "usageMetadata": {"promptTokenCount": 7506, "candidatesTokenCount": 1,
                                                      "totalTokenCount": 7522, "cachedContentTokenCount": 7143,
                                                      "thoughtsTokenCount": 15},
                                    "modelVersion": "gemini-2.5-flash", "responseId": "kj13adu-HpCj_uMPjoKmyQ0"}}}
    voyage = {"request": {"url": "https://api.voyageai.com/v1/embeddings", "method": "POST",
                          "body": {"model": "voyage-4-large", "input": "Test query with different model", "input_type": "query"}},
              "response": {"status": 200, "headers": {"Content-Type": "application/json",
                                                      "Date": ["Thu, 22 Jan 2026 12:23:39 GMT"]},  # (VCR keeps a list)
                           "body": {"object": "list", "data": [{"object": "embedding", "embedding": [0.0186, -0.0324], "index": 0}],
                                    "model": "voyage-4-large", "usage": {"total_tokens": 4}}}}
    xai = {"request": {"url": "https://api.x.ai/v1/chat/completions", "method": "POST",
                       "body": {"model": "grok-4.5", "messages": [{"role": "user", "content": "What kind of mammal am I?"}]}},
           "response": {"status": 200, "headers": {"Date": "Mon, 03 Aug 2026 20:10:12 GMT"},
                        "body": {"id": "440a9c6c-8327-9c58-bd9d-8dfe913c36e5", "object": "chat.completion",
                                 "created": 1785787811, "model": "grok-4.5",
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "You are a dog."},
                                              "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 218, "completion_tokens": 16, "total_tokens": 316,
                                           "prompt_tokens_details": {"cached_tokens": 128},
                                           "completion_tokens_details": {"reasoning_tokens": 82}}}}}
    db.ingest(write_jsonl(tmp_path / "gemini.jsonl", [gemini]))
    db.ingest(write_jsonl(tmp_path / "voyage.jsonl", [voyage]))
    db.ingest(write_jsonl(tmp_path / "xai.jsonl", [xai]))
    got = {r["model"]: str(r["ts"]) for r in db.calls()}
    assert got["gemini-2.5-flash"].startswith("2026-01-26 10:10:26")
    assert got["voyage-4-large"].startswith("2026-01-22 12:23:39")
    assert got["grok-4.5"].startswith("2026-08-03 20:10:11")  # its `created`, not the header's second


def test_a_multipart_upload_names_its_model_in_the_form(db, tmp_path):
    # crmne/ruby_llm spec/fixtures/vcr_cassettes (trimmed: the file parts' bytes cut):
    # RubyLLM_Image/edit_functionality_OpenAI_/with_local_files/customizes_image_output.yml
    # @000dd0ece2dd8b5bbaf89e4a7aeeb4c66d9f3624 and
    # transcription_basic_functionality_openai_gpt-4o-transcribe-diarize_can_transcribe_audio.yml
    # @162a7aa1177883fb14f4efecd90a40190ff2d3fc. An edit and a transcription are multipart uploads:
    # the answer names no model, the form's `model` field does; both calls were unpriced.
    def form(boundary: str, fields: list[tuple[str, str]], upload: str) -> str:
        parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n" for name, value in fields]
        parts.insert(1, f"--{boundary}\r\nContent-Disposition: form-data; name=\"{upload}\"; filename=\"ruby.bin\"\r\n"
                        "Content-Length: 15941\r\nContent-Type: application/octet-stream\r\n\r\n...\r\n")
        return "".join(parts) + f"--{boundary}--\r\n"

    b = "-----------RubyMultipartPost-8db2457daa50461bc8d33af298595292"
    edit = {"request": {"url": "https://api.openai.com/v1/images/edits", "method": "POST",
                        "headers": {"Content-Type": f"multipart/form-data; boundary={b}"},
                        "body": form(b, [("size", "1024x1024"), ("quality", "low"), ("model", "gpt-image-1"),
                                         ("prompt", "turn the logo to green"), ("n", "1")], "image[]")},
            "response": {"status": 200, "body": {"created": 1746433066, "data": [{"b64_json": "iVBORw0KGgo="}],
                                                 "usage": {"input_tokens": 221, "output_tokens": 272, "total_tokens": 493,
                                                           "input_tokens_details": {"image_tokens": 194, "text_tokens": 27}}}}}
    b = "-----------RubyMultipartPost-b4b047da1ee6e0c8ffd9f0c8d4c40de9"
    transcription = {
        "request": {"url": "https://api.openai.com/v1/audio/transcriptions", "method": "POST",
                    "headers": {"Content-Type": f"multipart/form-data; boundary={b}"},
                    "body": form(b, [("model", "gpt-4o-transcribe-diarize"), ("chunking_strategy", "auto"),
                                     ("response_format", "diarized_json")], "file")},
        "response": {"status": 200, "headers": {"Date": "Tue, 13 Jan 2026 15:49:01 GMT"},
                     "body": {"text": "Ruby.", "segments": [{"type": "transcript.text.segment", "text": " Ruby.", "speaker": "A",
                                                             "start": 0.0, "end": 0.6, "id": "seg_0"}],
                              "usage": {"type": "tokens", "total_tokens": 88, "input_tokens": 11,
                                        "input_token_details": {"text_tokens": 0, "audio_tokens": 11}, "output_tokens": 77}}}}
    files = db.ingest(write_jsonl(tmp_path / "edit.jsonl", [edit]), write_jsonl(tmp_path / "audio.jsonl", [transcription]),
                      enrichers=enrichers()).files
    assert sorted((f.log_format, f.loaded) for f in files) == [("openai-audio", 1), ("openai-images", 1)]
    got = {r["operation"]: r for r in db.calls()}
    image, audio = got["image"], got["transcription"]
    assert (image["provider"], image["model"], image["input_image_tokens"], image["output_tokens"]) == (
        "openai", "gpt-image-1", 194, 272)
    assert image["cost_usd"] == Decimal("0.012955")  # 27 text x $5 + 194 image x $10 + 272 x $40 per 1M
    assert (audio["model"], audio["input_audio_tokens"], audio["output_tokens"]) == ("gpt-4o-transcribe-diarize", 11, 77)
    assert audio["cost_usd"] == Decimal("0.000836")  # 11 audio x $6 + 77 x $10 per 1M (gpt-4o-transcribe's rates)


def test_a_captured_batch_output_download_holds_each_call_of_the_batch(db, tmp_path):
    # crmne/ruby_llm spec/fixtures/vcr_cassettes/batch_with_openai_gpt-5-nano_answers_staged_chats_and_appends_
    # the_answers_to_their_conversations.yml @39f5bac6d34dcabca4eeebf24eb03a1a6043e2c6 (trimmed): the last poll
    # of the batch and the download of its output file, whose body is the file's JSONL text, one line per
    # request. The download was read as no call at all (a file of such exchanges failed whole); the
    # poll's `usage` is the batch's total and is no call of its own.
    def answer(rid: str, resp: str, text: str, out: int, reasoning: int) -> dict:
        return {"id": rid, "custom_id": rid[-1], "error": None, "response": {"status_code": 200, "body": {
            "id": resp, "object": "response", "created_at": 1788957108, "status": "completed", "model": "gpt-5-nano-2025-08-07",
            "service_tier": "default", "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}],
            "usage": {"input_tokens": 18, "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0}, "output_tokens": out,
                      "output_tokens_details": {"reasoning_tokens": reasoning}, "total_tokens": 18 + out}}}}

    batch = "batch_6aa151873e98819080407a06f426d139"
    poll = {"request": {"url": f"https://api.openai.com/v1/batches/{batch}", "method": "GET", "body": ""},
            "response": {"status": 200, "body": {
                "id": batch, "object": "batch", "endpoint": "/v1/responses", "model": "gpt-5-nano-2025-08-07", "status": "completed",
                "output_file_id": "file-314FMnvRAMWTHco9KDCAUv", "request_counts": {"total": 2, "completed": 2, "failed": 0},
                "usage": {"input_tokens": 36, "output_tokens": 212, "total_tokens": 248, "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens_details": {"reasoning_tokens": 128}}}}}
    lines = [answer("batch_req_6aa151d09b9881908338f0de5bd5dd60", "resp_05c72a97b1f5", "4", 64, 0),
             answer("batch_req_6aa151d07ea8819088575385a59a0711", "resp_05ac880326ee", "Jupiter", 148, 128)]
    download = {"request": {"url": "https://api.openai.com/v1/files/file-314FMnvRAMWTHco9KDCAUv/content", "method": "GET", "body": ""},
                "response": {"status": 200, "headers": {"Content-Type": "application/octet-stream"},
                             "body": "".join(json.dumps(line) + "\n" for line in lines)}}
    (file,) = db.ingest(write_jsonl(tmp_path / "session.jsonl", [poll, download]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("openai-batch", 2, 1, 0)  # the poll is no call
    got = sorted(db.calls(), key=lambda r: r["output_tokens"])
    assert [(r["model"], r["is_batch"], r["input_tokens"], r["output_tokens"], r["reasoning_tokens"]) for r in got] == [
        ("gpt-5-nano-2025-08-07", True, 18, 64, 0), ("gpt-5-nano-2025-08-07", True, 18, 148, 128)]
    # gpt-5-nano's batch rates, $0.025 in / $0.20 out per 1M (half the $0.05 / $0.40)
    assert [r["cost_usd"] for r in got] == [Decimal("0.00001325"), Decimal("0.00003005")]
