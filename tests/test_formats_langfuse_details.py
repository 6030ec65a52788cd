"""Langfuse: usage details split off `input`/`output` are added back; a GENERATION that wraps another is not counted."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

# pydantic/pydantic-ai tests/models/cassettes/test_openai/test_openai_audio_url_input.yaml
# (f077d56ce09d88b03c046985161230fad796aa0d), a real gpt-4o-audio-preview answer: prompt 81 (audio 69,
# text 12, cached 0, image 0), completion 72 (text 72, audio 0, reasoning 0, accepted/rejected
# prediction 0), total 153; stored as Langfuse's server stores it (OpenAICompletionUsageSchema: each
# detail becomes input_<key> / output_<key> and is subtracted from input / output, floored at 0).
# Envelope (ids, times) as the observations API returns it.
AUDIO = {"id": "chatcmpl-BQFlHSj56WMjKA8bTAEuRxfL5V9zm", "traceId": "trace-audio-1", "type": "GENERATION",
         "name": "OpenAI-generation", "startTime": "2025-04-25T16:00:10.000Z", "endTime": "2025-04-25T16:00:15.000Z",
         "model": "gpt-4o-audio-preview-2024-12-17", "level": "DEFAULT",
         "usageDetails": {"input": 0, "input_audio_tokens": 69, "input_cached_tokens": 0, "input_image_tokens": 0,
                          "input_text_tokens": 12, "output": 0, "output_accepted_prediction_tokens": 0,
                          "output_audio_tokens": 0, "output_reasoning_tokens": 0,
                          "output_rejected_prediction_tokens": 0, "output_text_tokens": 72, "total": 153}}


def test_openai_details_langfuse_split_off_are_counted_and_audio_priced_as_audio(db, tmp_path):
    # the same usage from a producer that sends no total is read as documented: the parts on top
    no_total = {**AUDIO, "id": "obs-no-total",
                "usageDetails": {k: v for k, v in AUDIO["usageDetails"].items() if k != "total"}}
    db.ingest(write_jsonl(tmp_path / "obs.jsonl", [AUDIO, no_total]), enrichers=enrichers())
    got = db.con.execute("""SELECT call_id, input_tokens, cached_input_tokens, input_audio_tokens, input_image_tokens,
                                   output_tokens, output_audio_tokens, reasoning_tokens, cost_usd
                            FROM calls ORDER BY call_id""").fetchall()
    # 12 text x $2.50/M + 69 audio x $40/M + 72 text out x $10/M = 0.00003 + 0.00276 + 0.00072 = $0.00351
    # (what the raw body costs read by openai-chat); the record's own total: 81 + 72 = 153
    assert got == [
        ("chatcmpl-BQFlHSj56WMjKA8bTAEuRxfL5V9zm", 81, 0, 69, 0, 72, 0, 0, Decimal("0.00351")),
        ("obs-no-total", 81, 0, 69, 0, 72, 0, 0, Decimal("0.00351")),
    ]


def test_parts_that_overlap_are_read_through_the_total(db, tmp_path):
    # Anthropic's usage as Langfuse's own OtelIngestionProcessor quotes it (input_tokens 7,
    # cache_creation_input_tokens 2089, cache_read_input_tokens 16399, cache_creation.ephemeral_5m
    # 2089 / 1h 0, output_tokens 445), through langchain-anthropic's _create_usage_metadata (input
    # 7 + 16399 + 2089 = 18495, total 18940, input_token_details {cache_read, cache_creation,
    # ephemeral_1h_input_tokens, ephemeral_5m_input_tokens}: the lifetime split repeats the writes)
    # and Langfuse's LangChain CallbackHandler (_parse_usage_model: each detail to input_<key>,
    # subtracted from input: 18495 - 16399 - 2089 - 0 - 2089 < 0, floored at 0).
    langchain = {"id": "obs-lc", "traceId": "tr-lc", "type": "GENERATION", "name": "ChatAnthropic",
                 "startTime": "2025-09-01T10:00:00Z", "model": "claude-sonnet-4-5-20250929", "level": "DEFAULT",
                 "usageDetails": {"input": 0, "input_cache_read": 16399, "input_cache_creation": 2089,
                                  "input_ephemeral_1h_input_tokens": 0, "input_ephemeral_5m_input_tokens": 2089,
                                  "output": 445, "total": 18940}}
    db.ingest(write_jsonl(tmp_path / "obs.jsonl", [langchain]))
    got = db.con.execute("""SELECT input_tokens, cached_input_tokens, cache_write_tokens, output_tokens
                            FROM calls""").fetchall()
    # every part on top (0 + 16399 + 2089 + 2089 in, 445 out = 21,022) overshoots the total 18,940:
    # the input is what the total leaves after the output, 18,940 - 445 = 18,495 = 7 + 16,399 + 2,089
    # (read as input + cache only it was 18,488: the 7 uncached tokens were lost to the floor)
    assert got == [(18495, 16399, 2089, 445)]


# langfuse/langfuse#14754 (Vercel AI SDK 7, fixed by PR #14808): the `invoke_agent` GENERATION
# carries the summed usage of its `chat` generations, "the same numbers again"; shaped as the
# observations API returns it (ids and times are ours, one chat step for brevity)
AGENT = {"id": "obs-agent", "traceId": "tr-aisdk7", "type": "GENERATION", "name": "invoke_agent gpt-5.1",
         "parentObservationId": None, "startTime": "2026-07-03T10:00:00.000Z", "endTime": "2026-07-03T10:00:09.000Z",
         "model": "gpt-5.1", "usageDetails": {"input": 14426, "output": 771, "total": 15197},
         "costDetails": {"total": 0.09526}, "level": "DEFAULT"}
CHAT = {**AGENT, "id": "obs-chat", "name": "chat gpt-5.1", "parentObservationId": "obs-agent",
        "startTime": "2026-07-03T10:00:00.100Z", "endTime": "2026-07-03T10:00:08.900Z"}


def test_a_generation_that_wraps_another_is_not_counted_again(db, tmp_path):
    # a generation under a SPAN (a user's @observe) is a call; so is the blob export's snake_case shape
    span = {"id": "obs-span", "traceId": "tr-2", "type": "SPAN", "name": "handler", "startTime": "2026-07-03T11:00:00Z"}
    under_span = {**CHAT, "id": "obs-under-span", "traceId": "tr-2", "parentObservationId": "obs-span"}
    blob_outer = {"id": "obs-b1", "trace_id": "tr-3", "type": "GENERATION", "level": "DEFAULT",
                  "start_time": "2026-07-03 12:00:00", "provided_model_name": "gpt-5.1",
                  "parent_observation_id": None, "usage_details": {"input": 100, "output": 10, "total": 110}}
    blob_inner = {**blob_outer, "id": "obs-b2", "parent_observation_id": "obs-b1"}
    # the same id in another trace parents nothing here
    other_trace = {**CHAT, "id": "obs-other", "traceId": "tr-4", "parentObservationId": "obs-agent"}
    result = db.ingest(write_jsonl(tmp_path / "obs.jsonl",
                                   [AGENT, CHAT, span, under_span, blob_outer, blob_inner, other_trace]),
                       enrichers=enrichers())
    (file,) = result.files
    assert (file.loaded, file.skipped) == (4, 3)  # the rollups and the SPAN are skipped
    got = db.con.execute("SELECT call_id, input_tokens, output_tokens, cost_usd FROM calls ORDER BY call_id").fetchall()
    # 14,426 x $1.25/M + 771 x $10/M = 0.0180325 + 0.00771 = $0.0257425 (once, not twice)
    assert got == [("obs-b2", 100, 10, Decimal("0.000225")),  # 100 x $1.25/M + 10 x $10/M
                   ("obs-chat", 14426, 771, Decimal("0.0257425")),
                   ("obs-other", 14426, 771, Decimal("0.0257425")),
                   ("obs-under-span", 14426, 771, Decimal("0.0257425"))]


def test_a_generation_whose_child_is_an_embedding_is_still_a_call(db, tmp_path):
    # a generation that embedded a text on the way is no rollup: both are calls
    embed = {**CHAT, "id": "obs-embed", "type": "EMBEDDING", "name": "embed", "model": "text-embedding-3-small",
             "usageDetails": {"input": 12, "total": 12}, "costDetails": {"total": 0.00000024}}
    db.ingest(write_jsonl(tmp_path / "obs.jsonl", [AGENT, embed]))
    assert sorted(c["call_id"] for c in db.calls()) == ["obs-agent", "obs-embed"]
