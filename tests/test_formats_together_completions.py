"""Together's legacy Completions API answers with `object: "text.completion"` (OpenAI's is
`text_completion`): such a body is a completion call, not a line no format reads."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

# traceloop/openllmetry packages/opentelemetry-instrumentation-together/tests/cassettes/
# test_completion/test_together_completion.yaml @ 0283e3a27ec11caee7c812fb1b60ae636f2224e2
# (the recorded gzip body, decoded; the answer's text trimmed)
CAPTURED = {"capturedAt": "2024-06-06T16:58:30+00:00",
            "request": {"url": "https://api.together.xyz/v1/completions", "method": "POST",
                        "body": {"prompt": "Tell me a joke about OpenTelemetry.",
                                 "model": "mistralai/Mixtral-8x7B-Instruct-v0.1", "max_tokens": 512, "stream": False}},
            "response": {"status": 200, "body": {
                "id": "88f9f2776ad6a5f4-FRA", "object": "text.completion", "created": 1717693110,
                "model": "mistralai/Mixtral-8x7B-Instruct-v0.1", "prompt": [],
                "choices": [{"text": " User: Why did the OpenTelemetry developer go broke?", "finish_reason": "length",
                             "logprobs": None, "index": 0}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 512, "total_tokens": 522}}}}


def test_togethers_text_completion_is_a_completion_call(db, tmp_path):
    # before: the file had no format ("cannot tell the log format"), the call was lost
    (file,) = db.ingest(write_jsonl(tmp_path / "together.jsonl", [CAPTURED]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded) == ("openai-chat", 1)
    (call,) = db.calls()
    assert (call["provider"], call["operation"], call["input_tokens"], call["output_tokens"]) == (
        "together", "completion", 10, 512)
    assert call["cost_usd"] == Decimal("0.0004698")  # Together's $0.90 per 1M in and out, genai-prices' calc_price too
