"""Streams a recorder saved as the response's text whose framing is not OpenAI's: Cohere v2's
server-sent events (`message-start` ... `message-end`), and the newline-delimited JSON of Cohere
v1 (`application/stream+json`, closed by `stream-end` with the whole response) and of Ollama
(`application/x-ndjson`, closed by the `done` chunk with the counts). Each is the one call its
stream makes (the files had no format). Records: OpenLLMetry's VCR cassettes of real calls
(traceloop/openllmetry), the middle chunks trimmed."""

from __future__ import annotations

import json
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl


def _sse(events):
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


def _ndjson(chunks):
    return "\n\n".join(json.dumps(c) for c in chunks) + "\n\n"


# packages/opentelemetry-instrumentation-cohere/tests/cassettes/test_chat/
# test_cohere_v2_chat_legacy_with_streaming.yaml @ 232c6522b2802f32b0e2e7fb71c79850edabe715
COHERE_V2 = {"capturedAt": "2025-09-14T01:59:14+00:00",
             "request": {"url": "https://api.cohere.com/v2/chat", "method": "POST",
                         "body": {"model": "command", "messages": [{"role": "user", "content": "Tell me a joke, pirate style"}],
                                  "stream": True}},
             "response": {"status": 200, "body": _sse([
                 {"id": "6cd6ce61-bb3b-46f6-907e-fcfab45e51b6", "type": "message-start",
                  "delta": {"message": {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}}},
                 {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
                 {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "Ar"}}}},
                 {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "rr, matey!"}}}},
                 {"type": "content-end", "index": 0},
                 {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": {
                     "billed_units": {"input_tokens": 7, "output_tokens": 109},
                     "tokens": {"input_tokens": 69, "output_tokens": 110}}}}])}}
# .../test_chat/test_cohere_chat_legacy_with_streaming.yaml @ 232c6522b2802f32b0e2e7fb71c79850edabe715
COHERE_V1 = {"capturedAt": "2025-09-14T01:29:39+00:00",
             "request": {"url": "https://api.cohere.com/v1/chat", "method": "POST",
                         "body": {"message": "Tell me a joke, pirate style", "model": "command", "stream": True}},
             "response": {"status": 200, "body": _ndjson([
                 {"is_finished": False, "event_type": "stream-start", "generation_id": "a7cd9d01-255f-44a2-a186-834f942bf61e"},
                 {"is_finished": False, "event_type": "text-generation", "text": "Ar"},
                 {"is_finished": True, "event_type": "stream-end", "finish_reason": "COMPLETE", "response": {
                     "response_id": "12c00d26-e3bb-48c0-8c49-262155b57d64", "text": "Arrrr, matey!",
                     "generation_id": "a7cd9d01-255f-44a2-a186-834f942bf61e", "finish_reason": "COMPLETE",
                     "meta": {"api_version": {"version": "1"}, "billed_units": {"input_tokens": 7, "output_tokens": 115},
                              "tokens": {"input_tokens": 69, "output_tokens": 116}}}}])}}
# packages/opentelemetry-instrumentation-ollama/tests/cassettes/test_generation/
# test_ollama_streaming_generation_with_events_with_no_content.yaml @ 8f6a8936f401093bd3dfad8e7596418df955bc53
OLLAMA = {"capturedAt": "2024-05-24T20:48:36+00:00",
          "request": {"url": "http://127.0.0.1:11434/api/generate", "method": "POST",
                      "body": {"model": "llama3", "prompt": "Tell me a joke about OpenTelemetry", "stream": True}},
          "response": {"status": 200, "body": _ndjson([
              {"model": "llama3", "created_at": "2024-05-24T20:48:36.231229Z", "response": "A", "done": False},
              {"model": "llama3", "created_at": "2024-05-24T20:48:36.26284Z", "response": " joke", "done": False},
              {"model": "llama3", "created_at": "2024-05-24T20:48:38.483408Z", "response": "", "done": True,
               "done_reason": "stop", "total_duration": 4218611084, "load_duration": 1797788834,
               "prompt_eval_count": 17, "prompt_eval_duration": 167135000, "eval_count": 71,
               "eval_duration": 2252182000}])}}


def test_cohere_and_ollama_streams_saved_as_text_are_one_call_each(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "v2.jsonl", [COHERE_V2]), write_jsonl(tmp_path / "v1.jsonl", [COHERE_V1]),
              write_jsonl(tmp_path / "ollama.jsonl", [OLLAMA]), enrichers=enrichers())
    assert db.quarantine() == []
    got = {r["source_file"].rsplit("/", 1)[1]: r for r in db.calls()}
    v2, v1, ollama = got["v2.jsonl"], got["v1.jsonl"], got["ollama.jsonl"]
    # Cohere bills the billed units; $1 / $2 per 1M on command (genai-prices' calc_price: the same)
    assert (v2["call_id"], v2["model"], v2["input_tokens"], v2["output_tokens"], v2["cost_usd"]) == (
        "6cd6ce61-bb3b-46f6-907e-fcfab45e51b6", "command", 7, 109, Decimal("0.000225"))
    assert v2["response_text"] == "Arrr, matey!"
    assert (v1["call_id"], v1["input_tokens"], v1["output_tokens"], v1["cost_usd"]) == (
        "12c00d26-e3bb-48c0-8c49-262155b57d64", 7, 115, Decimal("0.000237"))
    assert (ollama["provider"], ollama["model"], ollama["input_tokens"], ollama["output_tokens"]) == (
        "self-hosted", "llama3", 17, 71)
