"""A Together chat or completion body logged alone (no address to say who served it) carries
Together's echo of the prompt, `"prompt": []`, which no other OpenAI-compatible API writes: the
call is Together's, priced at Together's rate for the model, not at the model maker's."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

# traceloop/openllmetry packages/opentelemetry-instrumentation-together/tests/cassettes/test_chat/
# test_together_chat.yaml @ 0283e3a27ec11caee7c812fb1b60ae636f2224e2 (the recorded gzip body, decoded)
MIXTRAL = {"id": "88f9f271ac49904c-FRA", "object": "chat.completion", "created": 1717693105,
           "model": "mistralai/Mixtral-8x7B-Instruct-v0.1", "prompt": [],
           "choices": [{"finish_reason": "eos", "logprobs": None, "index": 0,
                        "message": {"role": "assistant", "content": " Why don't we ever hear secrets at a OpenTelemetry "
                                                                    "convention? Because it's an ex-spy place!"}}],
           "usage": {"prompt_tokens": 18, "completion_tokens": 35, "total_tokens": 53}}
# llama-stack's recording of a Together call (tests/integration/recordings/responses/4ca6152a0eb8.json,
# llama-stack mirror commit 563c8c231c5362d323c9df7b8f490c0306481d80), the body the SDK parsed
LLAMA_FREE = {"id": "oBUtaEp-62bZhn-9801a2718d0ed123", "object": "chat.completion", "created": 1758039032,
              "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo-Free", "service_tier": None, "system_fingerprint": None,
              "choices": [{"finish_reason": "stop", "index": 0, "logprobs": None,
                           "message": {"content": "The planet with rings around it that starts with the letter S is Saturn.",
                                       "role": "assistant", "tool_calls": []}}],
              "usage": {"completion_tokens": 34, "prompt_tokens": 49, "total_tokens": 83, "cached_tokens": 0},
              "prompt": []}


def test_a_together_body_is_togethers(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "together.jsonl", [MIXTRAL, LLAMA_FREE]), enrichers=enrichers())
    mixtral, free = db.calls()
    # before: provider mistral, $0.0000371 at Mistral's $0.70 per 1M; Together's is $0.90
    # (genai-prices' calc_price for provider together: $0.0000477)
    assert (mixtral["provider"], mixtral["cost_usd"]) == ("together", Decimal("0.0000477"))
    # (Together's free endpoint has no price on record: unpriced, never the paid model's rate)
    assert (free["provider"], free["cost_usd"]) == ("together", None)
