"""PostHog: the audio and image token counts PostHog's ingestion writes onto `$ai_generation` events are
priced at their modality rates, as parts of `$ai_input_tokens` / `$ai_output_tokens`.

PostHog's ingestion (PostHog/posthog nodejs/src/ingestion/ai/costs/modality-tokens.ts,
`extractModalityTokens`) reads the raw usage the wrappers attach as `$ai_usage` (Gemini's
`promptTokensDetails` / `candidatesTokensDetails` / `cacheTokensDetails`, OpenAI's
`prompt_tokens_details.audio_tokens` and `cached_tokens_details.audio_tokens`), writes
`$ai_audio_input_tokens`, `$ai_image_input_tokens`, `$ai_image_output_tokens`,
`$ai_cache_read_audio_tokens` (and `$ai_text_*_tokens`), then deletes `$ai_usage`: an export keeps
only those properties. input-costs.ts / output-costs.ts bill them as subsets of the input and output
counts. Before, mmaudit read none of them and priced every such token as text."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

M = Decimal(10**6)

# A real gemini-2.5-flash-image answer (responseId HN2XapOEKtL8nsEP27CN0Q0, from the hunter's report
# /tmp/hunt4/obs.md finding 3: promptTokenCount 16 (TEXT 16), candidatesTokenCount 1296 (IMAGE 1290)),
# as PostHog stores its event: the Gemini wrapper's `$ai_input_tokens` = promptTokenCount and
# `$ai_output_tokens` = candidatesTokenCount, and modality-tokens.ts's `$ai_text_input_tokens` 16 and
# `$ai_image_output_tokens` 1290 (ids, time and latency made up).
GEMINI_IMAGE_EVENT = {
    "uuid": "0199a1b2-0000-7000-8000-000000000001", "event": "$ai_generation", "distinct_id": "user-1",
    "timestamp": "2026-01-10T10:00:00Z",
    "properties": {"$ai_provider": "gemini", "$ai_model": "gemini-2.5-flash-image", "$ai_input_tokens": 16,
                   "$ai_output_tokens": 1296, "$ai_text_input_tokens": 16, "$ai_image_output_tokens": 1290,
                   "$ai_cache_reporting_exclusive": False, "$ai_http_status": 200, "$ai_latency": 7.25,
                   "$ai_trace_id": "t1"}}
# the same answer as Gemini returned it
GEMINI_IMAGE_ANSWER = {
    "candidates": [{"content": {"parts": [{"text": "Here is your image: "},
                                          {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}],
                                "role": "model"}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 16, "candidatesTokenCount": 1296, "totalTokenCount": 1312,
                      "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 16}],
                      "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1290}],
                      "serviceTier": "standard"},
    "modelVersion": "gemini-2.5-flash-image", "responseId": "HN2XapOEKtL8nsEP27CN0Q0"}


def _event(uuid: str, props: dict) -> dict:
    return {"uuid": uuid, "event": "$ai_generation", "distinct_id": "user-2", "timestamp": "2026-01-10T11:00:00Z",
            "properties": props}


def _calls(db) -> dict:
    rows = db.con.execute("""SELECT call_id, input_tokens, cached_input_tokens, input_audio_tokens, cached_audio_tokens,
                                    input_image_tokens, output_tokens, output_audio_tokens, output_image_tokens, cost_usd
                             FROM calls""").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_gemini_image_generation_is_priced_at_the_image_output_rate(db, tmp_path):
    db.ingest(write_jsonl(tmp_path / "posthog.jsonl", [GEMINI_IMAGE_EVENT]), enrichers=enrichers())
    db.ingest(write_jsonl(tmp_path / "gemini.jsonl", [GEMINI_IMAGE_ANSWER]), enrichers=enrichers())
    got = {r["source_format"]: r for r in db.calls()}
    event = got["posthog"]
    # gemini-2.5-flash-image: 16 text in x $0.30 + 6 text out x $2.50 + 1,290 image out x $30 per 1M
    # = $0.0387198 (read as text it was 16 x 0.30 + 1,296 x 2.50 = $0.0032448)
    expected = (16 * Decimal("0.3") + 6 * Decimal("2.5") + 1290 * 30) / M
    assert (event["input_tokens"], event["output_tokens"], event["output_image_tokens"], event["input_image_tokens"]) == (
        16, 1296, 1290, 0)
    assert event["cost_usd"] == expected == Decimal("0.0387198")
    # the same answer read raw costs the same
    assert got["gemini"]["cost_usd"] == expected


def test_openai_audio_input_and_cached_audio_are_parts_of_the_input(db, tmp_path):
    # pydantic/pydantic-ai tests/models/cassettes/test_openai/test_openai_audio_url_input.yaml, a real
    # gpt-4o-audio-preview answer: prompt 81 (audio 69, text 12, cached 0), completion 72; as PostHog
    # stores the OpenAI wrapper's event (prompt_tokens as `$ai_input_tokens`, flagged inclusive) with
    # modality-tokens.ts's `$ai_audio_input_tokens` from prompt_tokens_details.audio_tokens
    spoken = {"$ai_provider": "openai", "$ai_model": "gpt-4o-audio-preview-2024-12-17", "$ai_input_tokens": 81,
              "$ai_output_tokens": 72, "$ai_cache_read_input_tokens": 0, "$ai_audio_input_tokens": 69,
              "$ai_cache_reporting_exclusive": False, "$ai_http_status": 200}
    # PostHog's own input-costs.test.ts event (cached audio): "1000 input, 300 cached (250 text + 50 audio),
    # 200 audio (150 uncached + 50 cached)"; its output-costs.test.ts event: 1,000 output of which 800 audio
    cached_audio = {"$ai_provider": "openai", "$ai_model": "gpt-audio-mini", "$ai_input_tokens": 1000,
                    "$ai_cache_read_input_tokens": 300, "$ai_audio_input_tokens": 200,
                    "$ai_cache_read_audio_tokens": 50}
    audio_out = {"$ai_provider": "openai", "$ai_model": "gpt-4o-audio-preview", "$ai_output_tokens": 1000,
                 "$ai_audio_output_tokens": 800}
    events = [_event("spoken", spoken), _event("cached-audio", cached_audio), _event("audio-out", audio_out)]
    db.ingest(write_jsonl(tmp_path / "posthog.jsonl", events), enrichers=enrichers())
    got = _calls(db)
    # (input, cached, audio in, cached audio, image in, output, audio out, image out, cost)
    # gpt-4o-audio-preview: 12 text x $2.50 + 69 audio x $40 + 72 text out x $10 per 1M = $0.00351
    # (what the raw answer costs read by openai-chat or Langfuse; as text it was $0.0009225)
    assert got["spoken"] == (81, 0, 69, 0, 0, 72, 0, 0, Decimal("0.00351"))
    assert Decimal("0.00351") == (12 * Decimal("2.5") + 69 * 40 + 72 * 10) / M
    # gpt-audio-mini ($0.60 text in, no cache price: reads at the input rate; audio $10 in; $2.40 out):
    # 550 uncached text + 250 cached text + 50 cached audio (no cached-audio price: the cache-read
    # part's rate) x $0.60 + 150 uncached audio x $10 = $0.00201 (all 200 audio at $10 before: $0.00248)
    assert got["cached-audio"] == (1000, 300, 200, 50, 0, None, 0, 0,
                                   ((550 + 250 + 50) * Decimal("0.6") + 150 * 10) / M)
    # gpt-4o-audio-preview: 200 text out x $10 + 800 audio out x $80 per 1M = $0.066 (PostHog's own figure)
    assert got["audio-out"] == (None, 0, 0, 0, 0, 1000, 800, 0, (200 * 10 + 800 * 80) / M)
    assert got["audio-out"][-1] == Decimal("0.066")
