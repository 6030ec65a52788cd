"""Vercel AI SDK spans of Anthropic and Bedrock calls with prompt caching (otel-genai).

The usage values are Anthropic's own answers, recorded by PostHog/posthog-js in
`packages/ai/harness/fixtures/` (claude-haiku-4-5-20251001): `anthropic-cache-5m-write.json`
(msg_011CfC52TydrwwmpasADdWpw: input 10, cache writes 9,650 all 5-minute, reads 0, output 5),
`anthropic-cache-1h-write.json` (msg_011Cf6TzgSpqueVeR8rgZ9qm: input 10, writes 9,649 all
1-hour, output 5) and `anthropic-cache-mixed-hit.json` (msg_011Cf6Tzvc84tVph74gW9zhY: input 11,
reads 11,149, output 5). The spans carry them the way each AI SDK version writes them (vercel/ai
source; attribute names as in the AI SDK 5.0.76 doGenerate span of langfuse/langfuse
`worker/src/__tests__/chatml/framework-traces/vercel-aisdk-2025-11-17.trace.json`):

- AI SDK 4 (@ai-sdk/anthropic, LanguageModelV1): `ai.usage.promptTokens` = Anthropic's
  `input_tokens`, the uncached part; the cache only in `ai.response.providerMetadata` as
  `anthropic.cacheCreationInputTokens` / `cacheReadInputTokens` (LangSmith's AI SDK exporter
  reads these "AI SDK 4 fields" the same way).
- AI SDK 5 (LanguageModelV2): `ai.usage.inputTokens` = `input_tokens`, `ai.usage.cachedInputTokens`
  = `cache_read_input_tokens`; the writes only in providerMetadata (`anthropic.usage`, the raw
  usage, and `anthropic.cacheCreationInputTokens`). A stream's raw usage is message_start's
  merged with message_delta's.
- AI SDK 6 (LanguageModelV3): `ai.usage.inputTokens` = the total (convertAnthropicMessagesUsage:
  input + cache writes + cache reads) and the breakdown `ai.usage.inputTokenDetails.noCacheTokens|
  cacheReadTokens|cacheWriteTokens`.

claude-haiku-4-5 per 1M tokens: $1 input, $0.10 cache reads, $1.25 5-minute writes, $2 1-hour
writes, $5 output.
"""

from __future__ import annotations

import json
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

T0 = 1789787684_000_000_000
M = Decimal(10**6)


def a(key, **value):
    return {"key": key, "value": value}


def s(key, value):
    return a(key, stringValue=value)


def n(key, value):
    return a(key, intValue=str(value))


def raw_usage(uncached, write, read, *, h1=0, output=5):
    return {"input_tokens": uncached, "cache_creation_input_tokens": write, "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": write - h1, "ephemeral_1h_input_tokens": h1},
            "output_tokens": output, "service_tier": "standard", "inference_geo": "not_available"}


def ai_sdk_span(span_id, operation, provider, model, counts, metadata):
    """An AI SDK doGenerate / doStream span: the `ai.*` attributes, and the `gen_ai.*` ones the SDK
    writes beside them (`gen_ai.usage.input_tokens` is the same number as its own input count)."""
    own_input = counts.get("ai.usage.inputTokens", counts.get("ai.usage.promptTokens"))
    own_output = counts.get("ai.usage.outputTokens", counts.get("ai.usage.completionTokens"))
    attrs = [s("operation.name", operation), s("ai.operationId", operation), s("ai.model.provider", provider),
             s("ai.model.id", model), s("gen_ai.system", provider), s("gen_ai.request.model", model),
             s("gen_ai.response.model", model), s("ai.response.model", model),
             s("ai.response.providerMetadata", json.dumps(metadata)),
             *(n(k, v) for k, v in counts.items()),
             n("gen_ai.usage.input_tokens", own_input), n("gen_ai.usage.output_tokens", own_output)]
    return {"traceId": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "spanId": span_id, "name": operation,
            "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0 + 1_000_000_000), "attributes": attrs,
            "status": {}}


def load(db, tmp_path, spans):
    batch = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "ai"}, "spans": spans}]}]}
    db.ingest(write_jsonl(tmp_path / "spans.jsonl", [batch]), enrichers=enrichers(db=db.db))
    got = db.con.execute("""SELECT split_part(call_id, ':', 2), provider, input_tokens, cached_input_tokens,
                                   cache_write_tokens, cache_write_1h_tokens, output_tokens, cost_usd
                            FROM calls ORDER BY call_id""").fetchall()
    return {row[0]: row[1:] for row in got}


HAIKU = "claude-haiku-4-5-20251001"
GENERATE, STREAM = "ai.generateText.doGenerate", "ai.streamText.doStream"


def test_ai_sdk_5_anthropic_spans_count_the_cache_anthropic_reports_beside_the_input(db, tmp_path):
    write_5m = ai_sdk_span("a5w5m", GENERATE, "anthropic.messages", HAIKU, {
        "ai.usage.inputTokens": 10, "ai.usage.outputTokens": 5, "ai.usage.totalTokens": 15,
        "ai.usage.cachedInputTokens": 0,
    }, {"anthropic": {"usage": raw_usage(10, 9650, 0), "cacheCreationInputTokens": 9650}})
    write_1h = ai_sdk_span("a5w1h", STREAM, "anthropic.messages", HAIKU, {
        "ai.usage.inputTokens": 10, "ai.usage.outputTokens": 5, "ai.usage.totalTokens": 15,
        "ai.usage.cachedInputTokens": 0,
    }, {"anthropic": {"usage": raw_usage(10, 9649, 0, h1=9649), "cacheCreationInputTokens": 9649}})
    # reads in the SDK's own cachedInputTokens (beside the input, not inside it): added once
    hit = ai_sdk_span("a5hit", GENERATE, "anthropic.messages", HAIKU, {
        "ai.usage.inputTokens": 11, "ai.usage.outputTokens": 5, "ai.usage.totalTokens": 16,
        "ai.usage.cachedInputTokens": 11149,
    }, {"anthropic": {"usage": raw_usage(11, 0, 11149), "cacheCreationInputTokens": 0}})
    # the OpenAI provider passes prompt_tokens (cached tokens inside) through, and its
    # providerMetadata has no anthropic entry: its reads are not added again
    openai = ai_sdk_span("o5", GENERATE, "openai.chat", "gpt-4o-mini-2024-07-18", {
        "ai.usage.inputTokens": 420, "ai.usage.outputTokens": 35, "ai.usage.cachedInputTokens": 256,
    }, {"openai": {"cachedPromptTokens": 256}})
    got = load(db, tmp_path, [write_5m, write_1h, hit, openai])
    # 10 x $1 + 9,650 x $1.25 + 5 x $5 = $0.0120975 (was 10 input tokens and $0.000035)
    assert got["a5w5m"] == ("anthropic", 9660, 0, 9650, 0, 5, (10 + 9650 * Decimal("1.25") + 5 * 5) / M)
    # 10 x $1 + 9,649 x $2 (1-hour writes) + 5 x $5 = $0.019333
    assert got["a5w1h"] == ("anthropic", 9659, 0, 9649, 9649, 5, (10 + 9649 * 2 + 5 * 5) / M)
    # 11 x $1 + 11,149 x $0.10 + 5 x $5 = $0.0011509
    assert got["a5hit"] == ("anthropic", 11160, 11149, 0, 0, 5, (11 + 11149 * Decimal("0.10") + 5 * 5) / M)
    assert got["o5"][:4] == ("openai", 420, 256, 0)


def test_ai_sdk_4_anthropic_spans_read_both_cache_counts_from_the_provider_metadata(db, tmp_path):
    # AI SDK 4 writes no cachedInputTokens: reads and writes are only in providerMetadata
    hit = ai_sdk_span("a4hit", GENERATE, "anthropic.messages", HAIKU, {
        "ai.usage.promptTokens": 11, "ai.usage.completionTokens": 5,
    }, {"anthropic": {"cacheCreationInputTokens": 0, "cacheReadInputTokens": 11149}})
    write = ai_sdk_span("a4w5m", STREAM, "vertex.anthropic.messages", HAIKU, {
        "ai.usage.promptTokens": 10, "ai.usage.completionTokens": 5,
    }, {"anthropic": {"cacheCreationInputTokens": 9650, "cacheReadInputTokens": 0}})
    got = load(db, tmp_path, [hit, write])
    # was 11 input tokens, no reads: $0.000036 for a call of $0.0011509
    assert got["a4hit"][1:] == (11160, 11149, 0, 0, 5, (11 + 11149 * Decimal("0.10") + 5 * 5) / M)
    assert got["a4w5m"][1:6] == (9660, 0, 9650, 0, 5)


def test_ai_sdk_6_spans_price_the_cache_writes_of_their_input_breakdown(db, tmp_path):
    # inputTokens is already the total: the breakdown says which part was written to the cache
    def v6(span_id, uncached, write, read, h1=0):
        return ai_sdk_span(span_id, GENERATE, "anthropic.messages", HAIKU, {
            "ai.usage.inputTokens": uncached + write + read, "ai.usage.inputTokenDetails.noCacheTokens": uncached,
            "ai.usage.inputTokenDetails.cacheReadTokens": read, "ai.usage.inputTokenDetails.cacheWriteTokens": write,
            "ai.usage.outputTokens": 5, "ai.usage.totalTokens": uncached + write + read + 5,
            "ai.usage.cachedInputTokens": read,
        }, {"anthropic": {"usage": raw_usage(uncached, write, read, h1=h1), "cacheCreationInputTokens": write}})

    got = load(db, tmp_path, [v6("a6w5m", 10, 9650, 0), v6("a6w1h", 10, 9649, 0, h1=9649), v6("a6hit", 11, 0, 11149)])
    # was priced as 9,660 plain input tokens: $0.009685, not $0.0120975
    assert got["a6w5m"][1:] == (9660, 0, 9650, 0, 5, (10 + 9650 * Decimal("1.25") + 5 * 5) / M)
    assert got["a6w1h"][1:] == (9659, 0, 9649, 9649, 5, (10 + 9649 * 2 + 5 * 5) / M)
    assert got["a6hit"][1:] == (11160, 11149, 0, 0, 5, (11 + 11149 * Decimal("0.10") + 5 * 5) / M)


def test_ai_sdk_5_bedrock_spans_add_the_cache_bedrock_reports_beside_the_input(db, tmp_path):
    # @ai-sdk/amazon-bedrock 5 (bedrock-chat-language-model.ts): inputTokens = Converse's
    # `inputTokens` (without the cache, as AI SDK 6's convertBedrockUsage shows by adding it back),
    # cachedInputTokens = `cacheReadInputTokens`, the writes only in providerMetadata
    # `bedrock.usage.cacheWriteInputTokens`. The counts are the 5-minute write answer's above, as
    # Bedrock reports a Claude call's (no verbatim Bedrock span with cache writes was found).
    model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    write = ai_sdk_span("b5w5m", GENERATE, "amazon-bedrock", model, {
        "ai.usage.inputTokens": 10, "ai.usage.outputTokens": 5, "ai.usage.totalTokens": 15,
    }, {"bedrock": {"usage": {"cacheWriteInputTokens": 9650}}})
    got = load(db, tmp_path, [write])
    assert got["b5w5m"][:6] == ("aws-bedrock", 9660, 0, 9650, 0, 5)
