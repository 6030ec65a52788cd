"""W&B Weave calls (`CallSchema` as `/calls/stream_query` streams them), read column by column.

The shapes are Weave's own: `CallSchema` (weave/trace_server/trace_server_interface.py), the
client's `finish_call` usage (`{<output.model>: {"requests": 1, **usage}}`, a parent's summary the
sum of its children's), the Google GenAI integration's entry (prompt/completion/total from
`usage_metadata`), the Anthropic integration's tests (a net `input_tokens` in older clients, the
gross count in newer ones, the raw usage on the answer), the server's cost entry
(`summary.weave.costs[model]`, `*_total_cost`) and the exception JSON (`exception_to_json_str`).
Before, such files had no format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

PROJECT = "acme/support-bot"
TRACE = "019a0c5e-3b1f-7d42-9c1e-5f0a2b7d4e11"


def _op(name: str, digest: str = "gJ4bX2kQ9mVwPz1sLhTn0cRyAeUoIfDk8jWqZx5vB3E") -> str:
    return f"weave:///{PROJECT}/op/{name}:{digest}"


def _call(call_id, op, parent, started, ended, *, inputs=None, output=None, usage=None, costs=None, exception=None):
    weave = {"status": "error" if exception else "success", "trace_name": "answer_ticket", "latency_ms": 0}
    if costs:
        weave["costs"] = costs
    summary = {"weave": weave, **({"usage": usage} if usage else {})}
    return {"id": call_id, "project_id": "UHJvamVjdEludGVybmFsSWQ6NDI=", "op_name": _op(op), "display_name": None,
            "trace_id": TRACE, "parent_id": parent, "thread_id": "ticket-4821", "turn_id": None,
            "started_at": started, "ended_at": ended, "exception": exception,
            "attributes": {"weave": {"client_version": "0.51.56", "source": "python-sdk"}},
            "inputs": inputs or {}, "output": output, "summary": summary, "wb_user_id": "VXNlcjo0NTI1NDQ=",
            "wb_run_id": None, "deleted_at": None}


GPT = "gpt-4o-2024-08-06"
SONNET = "claude-sonnet-4-5-20250929"
OPENAI_USAGE = {"requests": 1, "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
                "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                             "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
# the newest client's gross count (12 uncached + 9,000 read + 500 written), the raw usage on the answer
SONNET_USAGE = {"requests": 1, "input_tokens": 9512, "output_tokens": 180, "cache_read_input_tokens": 9000,
                "cache_creation_input_tokens": 500}
ROOT = _call("019a0c5e-3b20-7a11-8e55-0c9d7f1a2b01", "answer_ticket", None,
             "2025-10-20T09:15:00.100000Z", "2025-10-20T09:15:09.900000Z",
             inputs={"ticket": "Order 4821 never arrived"}, output="Refund issued.",
             # the rollup of its children: two models, three requests
             usage={GPT: {**OPENAI_USAGE, "requests": 2}, SONNET: SONNET_USAGE})
OPENAI = _call("019a0c5e-3b21-7c3e-b4a0-2e6f5d8c9a02", "openai.chat.completions.create", ROOT["id"],
               "2025-10-20T09:15:00.200000Z", "2025-10-20T09:15:02.650000Z",
               inputs={"model": "gpt-4o", "messages": [
                   {"role": "system", "content": "You are a support agent for Acme."},
                   {"role": "user", "content": "Order 4821 never arrived. What now?"}],
                   "tools": [{"type": "function", "function": {"name": "lookup_order"}}]},
               output={"id": "chatcmpl-BzQ1", "object": "chat.completion", "model": GPT, "choices": [
                   {"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "Let me look that order up."}}],
                   "usage": OPENAI_USAGE},
               usage={GPT: OPENAI_USAGE},
               # the server's reckoning: 1,200 x $2.5 + 300 x $10 per 1M (its price row has no cache rate)
               costs={GPT: {**OPENAI_USAGE, "prompt_tokens_total_cost": 0.003, "completion_tokens_total_cost": 0.003,
                            "prompt_token_cost": 2.5e-06, "completion_token_cost": 1e-05,
                            "prompt_token_cost_unit": "USD", "completion_token_cost_unit": "USD",
                            "effective_date": "2024-08-06 00:00:00", "provider_id": "openai",
                            "pricing_level": "default", "pricing_level_id": "default"}})
TOOL = _call("019a0c5e-3b22-7d10-a9c4-11d2e3f4a503", "lookup_order", ROOT["id"],
             "2025-10-20T09:15:02.700000Z", "2025-10-20T09:15:02.900000Z",
             inputs={"order_id": "4821"}, output={"status": "lost in transit"})
# a user's op around exactly one Anthropic call: the same single-request usage as its child
WRAPPER = _call("019a0c5e-3b23-7e77-8f01-9a8b7c6d5e04", "draft_reply", ROOT["id"],
                "2025-10-20T09:15:03.000000Z", "2025-10-20T09:15:09.800000Z",
                inputs={"facts": "lost in transit"}, output="Sorry, we have refunded you.",
                usage={SONNET: SONNET_USAGE})
SONNET_CALL = _call("019a0c5e-3b24-7f21-b2c3-d4e5f6a7b805", "anthropic.Messages.create", WRAPPER["id"],
                    "2025-10-20T09:15:03.050000Z", "2025-10-20T09:15:09.750000Z",
                    inputs={"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "Write short, kind replies.",
                            "messages": [{"role": "user", "content": "Draft a reply: parcel lost in transit."}]},
                    output={"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
                            "model": SONNET, "content": [{"type": "text", "text": "Sorry, we have refunded you."}],
                            "stop_reason": "end_turn", "stop_sequence": None,
                            "usage": {"input_tokens": 12, "output_tokens": 180, "cache_read_input_tokens": 9000,
                                      "cache_creation_input_tokens": 500, "service_tier": "standard"}},
                    usage={SONNET: SONNET_USAGE},
                    costs={SONNET: {"prompt_tokens_total_cost": 3.6e-05, "completion_tokens_total_cost": 0.0027,
                                    "cache_read_input_tokens_total_cost": 0.0027,
                                    "cache_creation_input_tokens_total_cost": 0.001875}})
# an older client: Anthropic's net input_tokens in the summary, a streamed answer without its usage;
# the server's cost of that count is negative ((3 - 2,000) x $3 per 1M + ...)
OLD_SONNET = _call("019a0c5f-0a01-7b3c-8d9e-0f1a2b3c4d06", "anthropic.Messages.create", None,
                   "2025-10-20T10:02:11.000000Z", "2025-10-20T10:02:13.500000Z",
                   inputs={"model": "claude-sonnet-4-5", "stream": True,
                           "messages": [{"role": "user", "content": "Summarise ticket 4822."}]},
                   output={"id": "msg_01Q", "type": "message", "role": "assistant", "model": SONNET,
                           "content": [{"type": "text", "text": "Customer wants a refund."}],
                           "usage": {"input_tokens": 3, "output_tokens": 50}},
                   usage={SONNET: {"requests": 1, "input_tokens": 3, "output_tokens": 50,
                                   "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 0}},
                   costs={SONNET: {"prompt_tokens_total_cost": -0.005991, "completion_tokens_total_cost": 0.00075,
                                   "cache_read_input_tokens_total_cost": 0.0006,
                                   "cache_creation_input_tokens_total_cost": 0.0}})
# Google GenAI: completion_tokens is candidates_token_count, total_tokens counts 400 thinking tokens more
GEMINI = _call("019a0c5f-1b02-7c4d-9e0f-1a2b3c4d5e07", "google.genai.models.Models.generate_content", None,
               "2025-10-20T10:05:00.000000Z", "2025-10-20T10:05:04.000000Z",
               inputs={"model": "gemini-2.5-flash", "contents": "Classify ticket 4823: billing or shipping?"},
               output={"candidates": [{"content": {"parts": [{"text": "shipping"}], "role": "model"}}],
                       "usage_metadata": {"prompt_token_count": 800, "candidates_token_count": 150,
                                          "thoughts_token_count": 400, "total_token_count": 1350}},
               usage={"gemini-2.5-flash": {"requests": 1, "prompt_tokens": 800, "completion_tokens": 150,
                                           "total_tokens": 1350}})
# a call that raised: the client records no usage (no output), only the exception
FAILED = _call("019a0c5f-2c03-7d5e-a0f1-2b3c4d5e6f08", "openai.chat.completions.create", None,
               "2025-10-20T10:06:00.000000Z", "2025-10-20T10:06:00.350000Z",
               inputs={"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]},
               exception=json.dumps({"type": "RateLimitError", "message": "Error code: 429 - {'error': {'message': "
                                     "'Rate limit reached for gpt-4o', 'type': 'requests', 'code': 'rate_limit_exceeded'}}",
                                     "traceback": []}))


def test_leaf_model_calls_are_calls_and_rollups_are_not(db, tmp_path):
    path = write_jsonl(tmp_path / "calls.jsonl",
                       [ROOT, OPENAI, TOOL, WRAPPER, SONNET_CALL, OLD_SONNET, GEMINI, FAILED])
    (file,) = db.ingest(path, enrichers=enrichers()).files
    # skipped: the root's rollup (two models), the tool, and the wrapper whose usage is its child's
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("weave", 5, 3, 0)
    calls = {c["call_id"]: c for c in db.calls()}
    assert set(calls) == {OPENAI["id"], SONNET_CALL["id"], OLD_SONNET["id"], GEMINI["id"], FAILED["id"]}

    gpt = calls[OPENAI["id"]]
    assert (gpt["ts"], gpt["provider"], gpt["model"], gpt["model_key"]) == (
        datetime(2025, 10, 20, 9, 15, 0, 200000, tzinfo=UTC), "openai", GPT, "gpt-4o-2024-08-06")
    assert (gpt["input_tokens"], gpt["cached_input_tokens"], gpt["cache_write_tokens"]) == (1200, 1024, 0)
    assert (gpt["output_tokens"], gpt["reasoning_tokens"], gpt["latency_ms"]) == (300, 0, 2450.0)
    assert (gpt["status"], gpt["http_status"], gpt["error_type"]) == ("ok", 200, None)
    # gpt-4o-2024-08-06: 176 x $2.5 + 1,024 x $1.25 + 300 x $10 per 1M; Weave priced all 1,200 at $2.5
    assert (gpt["cost_usd"], gpt["logged_cost_usd"]) == (Decimal("0.00472"), Decimal("0.006"))
    assert (gpt["system_prompt"], gpt["user_prompt"], gpt["response_text"]) == (
        "You are a support agent for Acme.", "Order 4821 never arrived. What now?", "Let me look that order up.")
    assert (gpt["n_messages"], gpt["n_tools"]) == (2, 1)
    assert gpt["tags"] == {"app": "weave", "trace_id": TRACE, "op": "openai.chat.completions.create",
                           "thread_id": "ticket-4821", "project_id": "UHJvamVjdEludGVybmFsSWQ6NDI="}

    sonnet = calls[SONNET_CALL["id"]]
    assert (sonnet["provider"], sonnet["model"], sonnet["model_key"]) == ("anthropic", SONNET, "claude-sonnet-4-5")
    assert (sonnet["input_tokens"], sonnet["cached_input_tokens"], sonnet["cache_write_tokens"]) == (9512, 9000, 500)
    assert sonnet["output_tokens"] == 180
    # Sonnet 4.5: 12 x $3 + 9,000 x $0.30 + 500 x $3.75 + 180 x $15 per 1M; Weave's four parts agree
    assert (sonnet["cost_usd"], sonnet["logged_cost_usd"]) == (Decimal("0.007311"), Decimal("0.007311"))
    assert (sonnet["system_prompt"], sonnet["response_text"]) == ("Write short, kind replies.",
                                                                  "Sorry, we have refunded you.")

    old = calls[OLD_SONNET["id"]]
    # a net 3 next to 2,000 cache reads cannot be the gross count: the reads are added back
    assert (old["input_tokens"], old["cached_input_tokens"], old["output_tokens"]) == (2003, 2000, 50)
    # 3 x $3 + 2,000 x $0.30 + 50 x $15 per 1M; Weave's negative reckoning is no logged cost
    assert (old["cost_usd"], old["logged_cost_usd"]) == (Decimal("0.001359"), None)

    gemini = calls[GEMINI["id"]]
    assert (gemini["provider"], gemini["model"], gemini["user_prompt"], gemini["response_text"]) == (
        "google", "gemini-2.5-flash", "Classify ticket 4823: billing or shipping?", "shipping")
    # the total's 400 tokens beyond prompt + completion are the thinking: output 550, reasoning 400
    assert (gemini["input_tokens"], gemini["output_tokens"], gemini["reasoning_tokens"]) == (800, 550, 400)
    # gemini-2.5-flash: 800 x $0.30 + 550 x $2.50 per 1M
    assert gemini["cost_usd"] == Decimal("0.001615")

    failed = calls[FAILED["id"]]
    assert (failed["status"], failed["error_type"], failed["http_status"]) == ("error", "rate_limit", 429)
    assert (failed["model"], failed["provider"], failed["input_tokens"], failed["output_tokens"]) == (
        "gpt-4o", "openai", 0, 0)
    assert failed["tags"]["error"] == "RateLimitError"


def test_a_calls_page_is_read_and_a_bad_count_is_quarantined(db, tmp_path):
    bad = {**GEMINI, "id": "019a0c5f-3d04-7e6f-b102-3c4d5e6f7a09",
           "summary": {"usage": {"gemini-2.5-flash": {"requests": 1, "prompt_tokens": "lots", "completion_tokens": 5}}}}
    # a page of `/calls/query`; the wrapper exported without its child still stands for its one request
    path = write_jsonl(tmp_path / "calls_query.jsonl", [{"calls": [OPENAI, TOOL, WRAPPER]}, bad])
    (file,) = db.ingest(path, enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("weave", 2, 0, 1)
    gpt, wrapper = sorted(db.calls(), key=lambda c: c["call_id"])
    assert (gpt["call_id"], gpt["input_tokens"], gpt["output_tokens"]) == (OPENAI["id"], 1200, 300)
    assert (wrapper["call_id"], wrapper["model"], wrapper["input_tokens"], wrapper["tags"]["op"]) == (
        WRAPPER["id"], SONNET, 9512, "draft_reply")
    (row,) = db.quarantine()
    assert "for_model.usage.prompt_tokens is lots, not a token count" in row["reason"]
