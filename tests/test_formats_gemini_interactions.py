"""Gemini's Interactions API (`POST /v1beta/interactions`): an answer is `object: "interaction"` with
its own `usage` totals, read with generateContent's semantics (`gemini` format).

Records from Arize-ai/openinference, python/instrumentation/openinference-instrumentation-google-genai/
tests/cassettes/test_interactions_instrumentation/ (VCR recordings of live calls; signatures and
the image's base64 trimmed):
- test_generate_interactions_simple_message[False].yaml @ 8f49a47d93d221852bc0873b4bc40005bd00ac43
- test_interactions_with_thinking_stream.yaml @ 046714fd44296fa2103d4a9fbbd0448d602dcab8
- test_generate_interactions_multi_model_messages[False].yaml @ 5b3702e16c646e32a52a39a63becd3ee8d834caf
- test_generate_interactions_simple_message[True].yaml @ 2dd95028fe3f7fcbc943da07e74de44fbcb8b6fa (a stream
  of the earlier event names: content.delta, interaction.complete)
Before, none of them loaded: the file's format could not be told, and every call was dropped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

_URL = "https://generativelanguage.googleapis.com/v1beta/interactions"
_ID = "v1_ChdvNXFmYWVMS09LanF6N0lQNzRpdzJBMBIXbzVxZmFlTEtPS2pxejdJUDc0aXcyQTA"
JOKE = {"created": "2026-02-26T00:58:13Z", "id": _ID, "model": "gemini-2.5-flash", "object": "interaction",
        "outputs": [{"signature": "Cv0F", "type": "thought"},
                    {"text": "Why do programmers prefer dark mode?\n\nBecause light attracts bugs!", "type": "text"}],
        "role": "model", "status": "completed", "updated": "2026-02-26T00:58:13Z",
        "usage": {"input_tokens_by_modality": [{"modality": "text", "tokens": 9}], "total_cached_tokens": 0,
                  "total_input_tokens": 9, "total_output_tokens": 13, "total_thought_tokens": 203,
                  "total_tokens": 225, "total_tool_use_tokens": 0}}
JOKE_ASK = {"input": "Tell me a short joke about programming.", "model": "gemini-2.5-flash",
            "generation_config": {"temperature": 0.7, "max_output_tokens": 500, "thinking_level": "low"}, "stream": False}

_SKY = "v1_Chc0UWdqYXJtSkt2T21qdU1QNF8zRzJBcxIXNFFnamFybUpLdk9tanVNUDRfM0cyQXM"


def _usage(output: int, thought: int, total: int) -> dict:
    return {"total_tokens": total, "total_input_tokens": 11, "input_tokens_by_modality": [{"modality": "text", "tokens": 11}],
            "total_cached_tokens": 0, "total_output_tokens": output, "total_tool_use_tokens": 0, "total_thought_tokens": thought}


_EVENTS = [
    ("interaction.created", {"interaction": {"id": _SKY, "status": "in_progress", "object": "interaction",
                                             "model": "gemini-2.5-flash"}, "event_type": "interaction.created",
                             "metadata": {"usage": _usage(0, 68, 79)}}),
    ("step.start", {"index": 0, "step": {"type": "thought"}, "event_type": "step.start"}),
    ("step.delta", {"index": 0, "delta": {"content": {"text": "**Clarifying the Explanation**", "type": "text"},
                                          "type": "thought_summary"}, "event_type": "step.delta"}),
    ("step.stop", {"index": 0, "event_type": "step.stop"}),
    ("step.start", {"index": 1, "step": {"type": "model_output"}, "event_type": "step.start"}),
    ("step.delta", {"index": 1, "delta": {"text": "The sky is blue because tiny air molecules scatter blue light more "
                                                  "effectively than other colors, a phenomenon called Rayleigh scattering. "
                                                  "This scattered blue light then reaches our eyes from all directions, making",
                                          "type": "text"}, "event_type": "step.delta"}),
    ("step.delta", {"index": 1, "delta": {"text": " the sky appear blue.", "type": "text"}, "event_type": "step.delta",
                    "metadata": {"usage": _usage(42, 126, 179)}}),
    ("step.stop", {"index": 1, "event_type": "step.stop"}),
    ("interaction.completed", {"interaction": {"id": _SKY, "status": "completed", "usage": _usage(42, 126, 179),
                                               "created": "2026-06-05T17:35:35Z", "updated": "2026-06-05T17:35:35Z",
                                               "service_tier": "standard", "object": "interaction",
                                               "model": "gemini-2.5-flash"}, "event_type": "interaction.completed"}),
]
SKY_STREAM = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in _EVENTS) + "event: done\ndata: [DONE]\n\n"
SKY_ASK = {"input": "Explain why the sky is blue in two sentences.", "model": "gemini-2.5-flash",
           "generation_config": {"temperature": 0.7, "max_output_tokens": 1024, "thinking_level": "low",
                                 "thinking_summaries": "auto"}, "stream": True}

IMAGE = {"id": "v1_ChdtdUFFYXQyYUM4UHdqckVQeHVMLTRBRRIXbXVBRWF0MmFDOFB3anJFUHh1TC00QUU", "status": "incomplete",
         "usage": {"total_tokens": 327, "total_input_tokens": 267,
                   "input_tokens_by_modality": [{"modality": "text", "tokens": 9}, {"modality": "image", "tokens": 258}],
                   "total_cached_tokens": 0, "total_output_tokens": 3, "total_tool_use_tokens": 0, "total_thought_tokens": 57},
         "created": "2026-05-13T20:35:38Z", "updated": "2026-05-13T20:35:38Z", "service_tier": "standard",
         "steps": [{"signature": "CosC", "type": "thought"},
                   {"content": [{"text": "The image displays", "type": "text"}], "type": "model_output"}],
         "object": "interaction", "model": "gemini-2.5-flash-lite"}
IMAGE_ASK = {"input": [{"type": "text", "text": "Describe the image in one sentence."},
                       {"type": "image", "data": "iVBORw0KGgo=", "mime_type": "image/png", "resolution": "low"}],
             "model": "gemini-2.5-flash-lite", "stream": False}


_OLD_ID = "v1_ChdwcHFmYWIzS0M3R0h6N0lQNXZ1VHdBMBIXcHBxZmFiM0tDN0dIejdJUDV2dVR3QTA"
_OLD_EVENTS = [
    {"event_type": "interaction.start", "interaction": {"id": _OLD_ID, "model": "gemini-2.5-flash", "object": "interaction",
                                                        "status": "in_progress"}},
    {"content": {"type": "thought"}, "event_type": "content.start", "index": 0},
    {"delta": {"signature": "CiUB", "type": "thought_signature"}, "event_type": "content.delta", "index": 0},
    {"event_type": "content.stop", "index": 0},
    {"content": {"type": "text"}, "event_type": "content.start", "index": 1},
    {"delta": {"text": "Why do programmers prefer dark mode?\n\nBecause", "type": "text"}, "event_type": "content.delta",
     "index": 1},
    {"delta": {"text": " light attracts bugs!", "type": "text"}, "event_type": "content.delta", "index": 1},
    {"event_type": "content.stop", "index": 1},
    {"event_type": "interaction.complete", "interaction": {
        "created": "2026-02-26T00:58:16Z", "id": _OLD_ID, "model": "gemini-2.5-flash", "object": "interaction", "role": "model",
        "status": "completed", "updated": "2026-02-26T00:58:16Z",
        "usage": {"input_tokens_by_modality": [{"modality": "text", "tokens": 9}], "total_cached_tokens": 0,
                  "total_input_tokens": 9, "total_output_tokens": 13, "total_thought_tokens": 204, "total_tokens": 226,
                  "total_tool_use_tokens": 0}}},
]
OLD_STREAM = "".join(f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n" for e in _OLD_EVENTS) + "event: done\ndata: [DONE]\n\n"


def _pair(ask: dict, answer: dict | str) -> dict:
    return {"request": {"url": _URL, "method": "POST", "body": ask}, "response": {"status": 200, "body": answer}}


def test_interactions_load_with_gemini_token_semantics(db, tmp_path):
    lines = [_pair(JOKE_ASK, JOKE), _pair(SKY_ASK, SKY_STREAM), _pair(IMAGE_ASK, IMAGE)]
    (file,) = db.ingest(write_jsonl(tmp_path / "interactions.jsonl", lines), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined, file.estimated) == ("gemini", 3, 0, 0)
    got = {r["call_id"]: r for r in db.calls()}
    joke, sky, image = got[_ID], got[_SKY], got[IMAGE["id"]]
    # thoughts are outside total_output_tokens (total 225 = 9 + 13 + 203): output = 13 + 203,
    # 9 x $0.30 + 216 x $2.50 per 1M
    assert (joke["provider"], joke["model"], joke["input_tokens"], joke["output_tokens"], joke["reasoning_tokens"],
            joke["cost_usd"]) == ("google", "gemini-2.5-flash", 9, 216, 203, Decimal("0.0005427"))
    assert joke["ts"] == datetime(2026, 2, 26, 0, 58, 13, tzinfo=UTC)
    assert (joke["user_prompt"], joke["response_text"]) == (
        "Tell me a short joke about programming.", "Why do programmers prefer dark mode?\n\nBecause light attracts bugs!")
    # a stream: its closing interaction.completed holds the totals (179 = 11 + 42 + 126), the
    # text deltas the answer: 11 x $0.30 + 168 x $2.50 per 1M
    assert (sky["input_tokens"], sky["output_tokens"], sky["reasoning_tokens"], sky["cost_usd"], sky["tokens_estimated"]) == (
        11, 168, 126, Decimal("0.0004233"), False)
    assert sky["response_text"].endswith("making the sky appear blue.")
    # the image's share of the input by its modality breakdown; the text of its model_output step:
    # 267 x $0.10 + 60 x $0.40 per 1M
    assert (image["model"], image["input_tokens"], image["input_image_tokens"], image["output_tokens"],
            image["cost_usd"], image["response_text"]) == (
        "gemini-2.5-flash-lite", 267, 258, 60, Decimal("0.0000507"), "The image displays")


def test_a_stream_of_the_earlier_event_names(db, tmp_path):
    ask = {**JOKE_ASK, "stream": True}
    (file,) = db.ingest(write_jsonl(tmp_path / "old.jsonl", [_pair(ask, OLD_STREAM)]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded) == ("gemini", 1)
    (call,) = db.calls()
    # 9 x $0.30 + (13 + 204) x $2.50 per 1M
    assert (call["call_id"], call["input_tokens"], call["output_tokens"], call["cost_usd"], call["response_text"]) == (
        _OLD_ID, 9, 217, Decimal("0.0005452"), "Why do programmers prefer dark mode?\n\nBecause light attracts bugs!")


def test_a_bare_interaction_is_detected(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "bare.jsonl", [JOKE])).files
    assert (file.log_format, file.loaded) == ("gemini", 1)
    (call,) = db.calls()
    assert (call["call_id"], call["model"], call["input_tokens"], call["output_tokens"]) == (_ID, "gemini-2.5-flash", 9, 216)
