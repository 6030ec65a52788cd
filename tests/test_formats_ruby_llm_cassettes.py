"""Calls crmne/ruby_llm recorded with VCR (spec/fixtures/vcr_cassettes), each interaction written
as the captured exchange it is (`{request: {url, method, body}, response: {status, body}}`), the
bodies trimmed to what the reading needs."""

from __future__ import annotations

import json
from decimal import Decimal

from mmaudit.pricing import load_catalog, pricing_enricher
from tests.conftest import write_jsonl


def ingest(db, tmp_path, name: str, records: list[dict]) -> dict[str, dict]:
    result = db.ingest(write_jsonl(tmp_path / name, records), enrichers=(pricing_enricher(load_catalog()),))
    assert result.files[0].quarantined == 0, db.quarantine()
    return {r["call_id"]: r for r in db.calls()}


def captured(url: str, request: dict, body: dict, status: int = 200) -> dict:
    return {"request": {"url": url, "method": "POST", "body": request},
            "response": {"status": status, "headers": {"Content-Type": "application/json"}, "body": body}}


# crmne/ruby_llm spec/fixtures/vcr_cassettes/chat_basic_chat_functionality_perplexity_sonar_can_have_a_basic_conversation.yml
# (commit 2bc6e98f7a1d7072e2a4f4dcb6f75c2c07081495): Perplexity's own bill is in usage.cost, an object
PERPLEXITY_SONAR = captured(
    "https://api.perplexity.ai/chat/completions",
    {"model": "sonar", "messages": [{"role": "user", "content": "What's 2 + 2?"}], "stream": False},
    {"id": "a6a0d346-4c05-414b-acb8-b09dfb8526ed", "model": "sonar", "created": 1775129203,
     "usage": {"prompt_tokens": 9, "completion_tokens": 59, "total_tokens": 68, "search_context_size": "low",
               "cost": {"input_tokens_cost": 0.00001, "output_tokens_cost": 0.00006, "request_cost": 0.005,
                        "total_cost": 0.00507}},
     "citations": ["https://www.youtube.com/watch?v=wLND9kOzQy8"], "object": "chat.completion",
     "choices": [{"index": 0, "message": {"role": "assistant", "content": "The answer to 2 + 2 is **4**."},
                  "delta": {"role": "assistant", "content": ""}, "finish_reason": "stop"}]})


def test_a_captured_perplexity_answer_is_perplexitys_at_its_search_context_size(db, tmp_path):
    # The capture names the provider (from the address) and Perplexity's usage.cost is set: that
    # was taken for an OpenRouter body (tagged gateway=openrouter), the search context size was
    # lost, and the request fee was the high-context $12/1k: $0.012068 for a call billed $0.00507.
    (call,) = ingest(db, tmp_path, "pplx.jsonl", [PERPLEXITY_SONAR]).values()
    assert call["provider"] == "perplexity" and call["model"] == "sonar"
    assert "gateway" not in (call["tags"] or {})
    assert call["tags"]["search_context_size"] == "low"
    assert (call["input_tokens"], call["output_tokens"]) == (9, 59)
    # $1/$1 per million tokens + the low-context request fee $5/1k (Perplexity's parts, rounded: $0.00507)
    assert db.con.execute("SELECT cost_usd FROM calls").fetchone()[0] == Decimal("0.005068")


# crmne/ruby_llm spec/fixtures/vcr_cassettes/chat_basic_chat_functionality_openrouter_claude-haiku-4-5_can_have_a_basic_conversation.yml
# (commit 162a7aa1177883fb14f4efecd90a40190ff2d3fc): OpenRouter keeps the connection alive with
# blank lines before the JSON of a non-streamed answer, and the recorder keeps them in the body
OPENROUTER_BODY = (
    "\n         \n\n         \n"
    '{"id":"gen-1768318777-NG1BH5KuEWEUvEWdEqvF","provider":"Amazon Bedrock","model":"anthropic/claude-haiku-4.5",'
    '"object":"chat.completion","created":1768318777,"choices":[{"logprobs":null,"finish_reason":"stop",'
    '"native_finish_reason":"stop","index":0,"message":{"role":"assistant","content":"2 + 2 = 4","refusal":null,'
    '"reasoning":null}}],"usage":{"prompt_tokens":16,"completion_tokens":13,"total_tokens":29,"cost":0.000081,'
    '"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0,"audio_tokens":0,"video_tokens":0},'
    '"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0.000016,'
    '"upstream_inference_completions_cost":0.000065},"completion_tokens_details":{"reasoning_tokens":0,"image_tokens":0}}}')


def test_an_answer_after_keep_alive_blank_lines_is_the_json_it_holds(db, tmp_path):
    # ltrim() took only spaces off: the body did not start with `{`, no format read it, and the
    # whole file was dropped
    line = {"request": {"url": "https://openrouter.ai/api/v1/chat/completions", "method": "POST",
                        "body": '{"model":"anthropic/claude-haiku-4.5","messages":[{"role":"user","content":"What\'s 2 + 2?"}]}'},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": OPENROUTER_BODY}}
    call = ingest(db, tmp_path, "openrouter.jsonl", [line])["gen-1768318777-NG1BH5KuEWEUvEWdEqvF"]
    assert (call["provider"], call["model"]) == ("aws-bedrock", "anthropic/claude-haiku-4.5")
    assert (call["input_tokens"], call["output_tokens"], call["logged_cost_usd"]) == (16, 13, Decimal("0.000081"))
    assert call["tags"]["gateway"] == "openrouter"


# crmne/ruby_llm spec/fixtures/vcr_cassettes/chat_basic_chat_functionality_gpustack_qwen3_can_have_a_basic_conversation.yml
# (commit 2bc6e98f7a1d7072e2a4f4dcb6f75c2c07081495): the recorder replaced the GPUStack server's
# address with a placeholder; the body's usage carries the server's own timings (llama-box writes
# time_to_first_token_ms, time_per_output_token_ms, tokens_per_second, draft_tokens)
GPUSTACK_BODY = {
    "choices": [{"finish_reason": "stop", "index": 0, "message": {"content": "\n\n2 + 2 equals **4**.",
                                                                  "reasoning_content": "\nOkay, ...", "role": "assistant"}}],
    "created": 1775129091, "id": "chatcmpl-6qapkycSqhM4DSQoK8MGLqXmluJWfeNw", "model": "qwen3", "object": "chat.completion",
    "usage": {"completion_tokens": 416, "completion_tokens_details": {"accepted_prediction_tokens": 0, "reasoning_tokens": 377,
                                                                     "rejected_prediction_tokens": 0},
              "draft_tokens": 0, "draft_tokens_acceptance": 0.0, "prompt_tokens": 16, "prompt_tokens_details": {"cached_tokens": 0},
              "prompt_tokens_per_second": 691.1148546499071, "time_per_output_token_ms": 12.921572115384615,
              "time_to_first_token_ms": 23.151, "tokens_per_second": 77.38996393553266, "total_tokens": 432}}


def test_a_gpustack_answer_is_self_hosted_by_its_servers_timings(db, tmp_path):
    # it was alibaba's (the model id's maker): unpriced for `qwen3`, but the same body naming
    # `deepseek-r1` took DeepSeek's cloud rate for a call on the team's own GPUs
    records = [captured("<GPUSTACK_API_BASE>/chat/completions",
                        {"model": "qwen3", "messages": [{"role": "user", "content": "What's 2 + 2?"}], "stream": False},
                        GPUSTACK_BODY),
               captured("<GPUSTACK_API_BASE>/chat/completions", {"model": "deepseek-r1", "messages": []},
                        {**GPUSTACK_BODY, "id": "chatcmpl-r1", "model": "deepseek-r1"})]
    calls = ingest(db, tmp_path, "gpustack.jsonl", records)
    qwen, r1 = calls["chatcmpl-6qapkycSqhM4DSQoK8MGLqXmluJWfeNw"], calls["chatcmpl-r1"]
    assert (qwen["provider"], r1["provider"]) == ("self-hosted", "self-hosted")
    assert (qwen["input_tokens"], qwen["output_tokens"], qwen["reasoning_tokens"]) == (16, 416, 377)
    costs = dict(db.con.execute("SELECT call_id, cost_usd FROM calls").fetchall())
    assert costs == {"chatcmpl-6qapkycSqhM4DSQoK8MGLqXmluJWfeNw": None, "chatcmpl-r1": None}  # unknown, never a cloud rate


# crmne/ruby_llm spec/fixtures/vcr_cassettes/embedding_basic_functionality_vertexai_text-embedding-004_can_handle_a_single_text.yml
# (commit 0c58ff1817a9fb5014cebeec3979a43fc0bf154c), interaction 2: Vertex AI's `:predict` answer
# for a text embedding (vector trimmed)
VERTEX_EMBED = captured(
    "https://aiplatform.googleapis.com/v1beta1/projects/<GOOGLE_CLOUD_PROJECT>/locations/<GOOGLE_CLOUD_LOCATION>"
    "/publishers/google/models/text-embedding-004:predict",
    {"instances": [{"content": "Ruby is a programmer's best friend"}]},
    {"predictions": [{"embeddings": {"values": [0.025784462690353394, -0.028988828882575035],
                                     "statistics": {"token_count": 10, "truncated": False}}}],
     "metadata": {"billableCharacterCount": 29}})


def test_a_vertex_embedding_prediction_is_a_call_with_its_tokens(db, tmp_path):
    # no format read a `predictions` body: the file was dropped whole, the call with it
    result = db.ingest(write_jsonl(tmp_path / "vertex.jsonl", [VERTEX_EMBED]),
                       enrichers=(pricing_enricher(load_catalog()),))
    assert result.files[0].loaded == 1, result.files[0]
    (call,) = db.calls()
    assert (call["provider"], call["model"], call["operation"]) == ("vertex", "text-embedding-004", "embedding")
    assert (call["input_tokens"], call["output_tokens"]) == (10, 0)
    assert call["tags"]["billable_characters"] == "29"  # what Vertex bills this model by
    # no price on record for text-embedding-004 (Vertex bills it per 1,000 characters): unknown, not $0
    assert db.con.execute("SELECT cost_usd FROM calls").fetchone()[0] is None


# crmne/ruby_llm spec/fixtures/vcr_cassettes/activerecord_actsas_replays_a_searched_gemini_interaction_from_its_record_without_the_suggestions.yml
# (commit 1b4267bdb1eaadab2faeebffc023884d9543d847), interaction 1: an Interactions API answer that
# searched with Google Search (signatures, the search result step and the model invocation
# breakdowns trimmed; stored with `store: false`, so it has no id)
INTERACTION_SEARCH = captured(
    "https://generativelanguage.googleapis.com/v1beta/interactions",
    {"model": "gemini-3.8-flash", "input": [{"type": "user_input", "content": [
        {"type": "text", "text": "Search the web: what is the latest stable Ruby version? Answer in one sentence."}]}],
     "stream": False, "store": False, "tools": [{"type": "google_search"}]},
    {"status": "completed",
     "usage": {"total_tokens": 224, "total_input_tokens": 60, "input_tokens_by_modality": [{"modality": "text", "tokens": 60}],
               "total_cached_tokens": 0, "total_output_tokens": 20, "total_tool_use_tokens": 0, "total_thought_tokens": 144,
               "grounding_tool_count": [{"type": "google_search", "count": 2, "search_query_count": 2}],
               "raw_prompt_token": 9464},
     "created": "2026-10-03T01:43:53Z", "updated": "2026-10-03T01:43:53Z", "service_tier": "standard",
     "steps": [{"id": "call_669822", "type": "google_search_call", "search_type": "web_search",
                "arguments": {"queries": ["ruby latest release", "latest stable Ruby version release"]}},
               {"type": "model_output", "content": [{"type": "text", "text": "The latest stable version of Ruby is 4.0.7."}]}],
     "object": "interaction", "model": "gemini-3.8-flash"})


def test_an_interaction_that_searched_counts_its_search_queries(db, tmp_path):
    # the queries were read from generateContent's groundingMetadata only: this call had no
    # search, and Gemini 3's $14 per 1,000 queries was missing from its cost
    (call,) = ingest(db, tmp_path, "interaction.jsonl", [INTERACTION_SEARCH]).values()
    assert (call["model"], call["input_tokens"], call["output_tokens"]) == ("gemini-3.8-flash", 60, 164)
    assert call["web_searches"] == 2
    # 60 x $0.75 + 164 x $3.75 per 1M, and 2 queries at $14 per 1,000
    assert db.con.execute("SELECT cost_usd FROM calls").fetchone()[0] == Decimal("0.00066") + Decimal("0.028")


# crmne/ruby_llm spec/fixtures/vcr_cassettes/image_basic_functionality_openrouter_google_gemini-2_5-flash-image_can_paint_images.yml
# (commit 2bc6e98f7a1d7072e2a4f4dcb6f75c2c07081495): an image made through OpenRouter (keep-alive
# blank lines before the JSON; the image's data trimmed)
OPENROUTER_IMAGE = {
    "id": "gen-1775129026-udx6s4g9tR9tJG8lRZQO", "object": "chat.completion", "created": 1775129026,
    "model": "google/gemini-2.5-flash-image", "provider": "Google", "system_fingerprint": None,
    "choices": [{"index": 0, "logprobs": None, "finish_reason": "stop", "native_finish_reason": "STOP",
                 "message": {"role": "assistant", "content": None, "refusal": None, "reasoning": None,
                             "images": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo"}}]}}],
    "usage": {"prompt_tokens": 4, "completion_tokens": 1290, "total_tokens": 1294, "cost": 0.0387012, "is_byok": False,
              "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0, "audio_tokens": 0, "video_tokens": 0},
              "cost_details": {"upstream_inference_cost": 0.0387012, "upstream_inference_prompt_cost": 0.0000012,
                               "upstream_inference_completions_cost": 0.0387},
              "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 1290, "audio_tokens": 0}}}


def test_an_image_made_through_openrouter_is_priced_as_image_output(db, tmp_path):
    # completion_tokens_details.image_tokens was not read: the 1,290 image tokens were priced at
    # gemini-2.5-flash-image's text output rate ($2.50 per 1M), $0.0032262 for a call billed $0.0387012
    line = {"request": {"url": "https://openrouter.ai/api/v1/chat/completions", "method": "POST",
                        "body": {"model": "google/gemini-2.5-flash-image", "modalities": ["image", "text"],
                                 "messages": [{"role": "user", "content": "a siamese cat"}]}},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                         "body": "\n         \n\n         \n" + json.dumps(OPENROUTER_IMAGE)}}
    call = ingest(db, tmp_path, "openrouter-image.jsonl", [line])["gen-1775129026-udx6s4g9tR9tJG8lRZQO"]
    assert (call["input_tokens"], call["output_tokens"], call["output_image_tokens"]) == (4, 1290, 1290)
    assert call["logged_cost_usd"] == Decimal("0.0387012")
    # 4 x $0.30 + 1,290 image tokens x $30 per 1M: what OpenRouter billed
    assert db.con.execute("SELECT cost_usd FROM calls").fetchone()[0] == Decimal("0.0387012")


# crmne/ruby_llm spec/fixtures/vcr_cassettes/transcription_basic_functionality_mistral_voxtral-mini-latest_can_transcribe_audio.yml
# (commit 39f5bac6d34dcabca4eeebf24eb03a1a6043e2c6): Mistral's transcription answer (the multipart
# request with the audio left out)
VOXTRAL = {"model": "voxtral-mini-latest", "text": "Ruby is a programming language designed for developer happiness.",
           "language": None, "segments": [],
           "usage": {"prompt_audio_seconds": 3, "prompt_tokens": 3, "total_tokens": 389, "completion_tokens": 11,
                     "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 375}, "service_tier": "standard"},
           "finish_reason": None}


def test_a_mistral_transcription_is_a_call_billed_by_its_audio_seconds(db, tmp_path):
    # no format read Mistral's `usage.prompt_audio_seconds`: the file was dropped whole
    line = {"request": {"url": "https://api.mistral.ai/v1/audio/transcriptions", "method": "POST", "body": "(multipart)"},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": VOXTRAL}}
    (call,) = ingest(db, tmp_path, "voxtral.jsonl", [line]).values()
    assert (call["provider"], call["model"], call["operation"]) == ("mistral", "voxtral-mini-latest", "transcription")
    assert call["tags"]["audio_seconds"] == "3.0"
    # billed per minute of audio, as whisper-1 is: not in the rate table, so unknown, never $0
    assert db.con.execute("SELECT cost_usd FROM calls").fetchone()[0] is None
