"""OpenCode wrote its token counts differently by version, and a message carries no version: the
date (and the record's own `total`) decides how they are read (anomalyco/opencode's getUsage
history: #4256, 1.0.62 on 2025-11-13; #21047, 1.3.16 on 2026-04-06)."""

from __future__ import annotations

from tests.test_formats_opencode import _session

# A real OpenCode log of 16 Sep 2025 (a committed server log's "Prompt response" line, model
# grok-code via Zen): the ~9.6k-token system prompt, read from cache, and a one-word question
GROK = {"id": "msg_95521bfdd001ZM07GcDYAneK54", "role": "assistant", "mode": "build", "cost": 0,
        "tokens": {"input": 9640, "output": 12, "reasoning": 266, "cache": {"write": 0, "read": 9600}},
        "modelID": "grok-code", "providerID": "opencode", "time": {"created": 1758069899229, "completed": 1758069901481},
        "sessionID": "ses_6aade4081ffe216ygZUgcUQdR1"}
# an OpenAI model before 1.3.16: its output is the AI SDK's outputTokens, reasoning included
GPT = {"id": "msg_a000000000001", "role": "assistant", "cost": 0.01, "sessionID": "ses_a0000000001",
       "tokens": {"input": 1000, "output": 500, "reasoning": 300, "cache": {"write": 0, "read": 4000}},
       "modelID": "gpt-5", "providerID": "openai", "time": {"created": 1767225600000, "completed": 1767225605000}}
# the same counts after 1.3.16 (2026-05-01): output excludes the reasoning, input the cache
GPT_NOW = {**GPT, "id": "msg_a000000000002", "time": {"created": 1777593600000, "completed": 1777593605000}}
# a record whose own total says the reasoning is apart (1,000 + 4,000 + 500 + 300)
GPT_TOTAL = {**GPT, "id": "msg_a000000000003", "tokens": {**GPT["tokens"], "total": 5800}}


def test_each_versions_counts_are_read_as_that_version_wrote_them(db, tmp_path):
    db.ingest(_session(tmp_path, [GROK, GPT, GPT_NOW, GPT_TOTAL]))
    got = {c["call_id"]: (c["input_tokens"], c["cached_input_tokens"], c["output_tokens"], c["reasoning_tokens"],
                          c["tags"].get("input_basis"), c["tags"].get("output_basis")) for c in db.calls()}
    # before 1.0.62 the cache reads were inside `input`: 9,640, not 19,240; reasoning above the output is apart
    assert got["msg_95521bfdd001ZM07GcDYAneK54"] == (9640, 9600, 278, 266, "total", None)
    # 2026-01-01: input uncached (5,000 in all), output holds its reasoning (500, not 800)
    assert got["msg_a000000000001"] == (5000, 4000, 500, 300, None, "includes_reasoning")
    assert got["msg_a000000000002"] == (5000, 4000, 800, 300, None, None)
    assert got["msg_a000000000003"] == (5000, 4000, 800, 300, None, None)
