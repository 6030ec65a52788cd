"""xAI names a grok-3-mini answer after the reasoning effort it was asked for (`grok-3-mini-high`):
such calls are grok-3-mini's, at its price (mmaudit/data/pricing/aliases.yaml)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import write_jsonl

# charmbracelet/fantasy, providertests/testdata/TestOpenAICompatibleCommon/thinking-xai-grok-3-mini.yaml
# (commit 08a55bab0247d0a3e3f1c5e87bb703e5d7b15113), interactions 0 and 1: requests for `grok-3-mini`
# with `reasoning_effort: high` to api.x.ai, answered as `grok-3-mini-high` (bodies trimmed to the
# fields that price them)
URL = "https://api.x.ai/v1/chat/completions"
REQUEST = {"model": "grok-3-mini", "reasoning_effort": "high",
           "messages": [{"role": "user", "content": "What's the weather in Florence, Italy?"}]}


def answer(call_id: str, created: int, prompt: int, cached: int, completion: int, reasoning: int, total: int) -> dict:
    return {"request": {"url": URL, "method": "POST", "body": REQUEST},
            "response": {"status": 200, "body": {
                "id": call_id, "object": "chat.completion", "created": created, "model": "grok-3-mini-high",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total,
                          "prompt_tokens_details": {"text_tokens": prompt, "audio_tokens": 0, "image_tokens": 0,
                                                    "cached_tokens": cached},
                          "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                                        "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
                          "num_sources_used": 0},
                "system_fingerprint": "fp_a6fbae1a97"}}}


def test_a_grok_3_mini_call_named_after_its_effort_is_priced_as_grok_3_mini(tmp_path):
    db = tmp_path / "x.duckdb"
    logs = write_jsonl(tmp_path / "xai.jsonl", [
        answer("c252909e-30f3-f72d-b31e-96f598e4e7bc_us-east-1", 1758794759, 288, 4, 25, 532, 845),
        answer("0e8b2650-9b58-7a68-0546-5d76ffade4c2_us-east-1", 1758794765, 330, 283, 11, 319, 660),
    ])
    assert CliRunner().invoke(app, ["ingest", str(logs), "--db", str(db)]).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT model, model_key, output_tokens, cost_usd FROM calls ORDER BY ts").fetchall()
    # grok-3-mini at $0.30 in, $0.075 cached, $0.50 out per 1M, reasoning outside completion_tokens
    # (genai-prices' calc_price for grok-3-mini gives the same: 0.000364 and 0.000200325); both
    # calls were unpriced (model unknown)
    assert got == [("grok-3-mini-high", "grok-3-mini", 557, Decimal("0.000364")),
                   ("grok-3-mini-high", "grok-3-mini", 330, Decimal("0.000200325"))]
