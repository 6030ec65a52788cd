"""Bring your own key through OpenRouter: the provider bills the inference to the team's own
account and OpenRouter charges only its fee, so a BYOK call's logged bill is the fee plus the
provider's (`usage.cost_details.upstream_inference_cost`, the activity export's
`byok_usage_inference`), not the fee alone.

The usage block is verbatim from real captured OpenRouter answers (a public repository's SQL seed
of run `serving-units-mcp-2026-09-25`, model openai/gpt-5.5); the id, object, provider and choices
around it are written here. OpenRouter's docs: `cost_details.upstream_inference_cost` is "the
actual cost charged by the upstream AI provider"; it is filled on other calls too (equal to
`cost`), so only `is_byok` says to add it.
"""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import rows, write_jsonl
from tests.test_formats_openrouter_activity import HEADER

USAGE = {"prompt_tokens": 4557, "completion_tokens": 638, "total_tokens": 5195, "cost": 0, "is_byok": True,
         "prompt_tokens_details": {"cached_tokens": 3840, "audio_tokens": 0, "video_tokens": 0},
         "cost_details": {"upstream_inference_cost": 0.024645, "upstream_inference_prompt_cost": 0,
                          "upstream_inference_completions_cost": 0},
         "completion_tokens_details": {"reasoning_tokens": 271, "image_tokens": 0},
         "cache_creation_input_tokens": 0, "market_cost": 0.024645}


def body(call_id: str, usage: dict) -> dict:
    return {"id": call_id, "provider": "OpenAI", "model": "openai/gpt-5.5", "object": "chat.completion",
            "created": 1758844000, "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant", "content": '{"required_units":[2]}'}}],
            "usage": usage}


def test_a_byok_call_logs_the_providers_bill_not_only_openrouters_fee(db, tmp_path):
    paid = {**USAGE, "is_byok": False, "cost": 0.024645}  # a credits call: upstream cost = cost, not added twice
    db.ingest(write_jsonl(tmp_path / "or.jsonl", [body("gen-byok", USAGE), body("gen-paid", paid)]),
              enrichers=enrichers())
    got = {r["call_id"]: r for r in rows(db.con, "SELECT call_id, logged_cost_usd, cost_usd, tags FROM calls")}
    assert got["gen-byok"]["logged_cost_usd"] == Decimal("0.024645")  # fee 0 + provider's 0.024645 (was 0)
    assert got["gen-byok"]["tags"]["byok"] == "true"
    assert got["gen-paid"]["logged_cost_usd"] == Decimal("0.024645")
    assert "byok" not in got["gen-paid"]["tags"]
    # the list price of the counts is the provider's bill: 717 x 5e-6 + 3840 x 0.5e-6 + 638 x 30e-6
    assert got["gen-byok"]["cost_usd"] == Decimal("0.024645")


def test_a_byok_row_of_the_activity_export_logs_the_providers_bill(db, tmp_path):
    row = ("gen-1788000200-byokD,2026-08-14 09:33:00.000,0.0006,0,0,0,0.012,1000,300,0,0,openai/gpt-4.1,OpenAI,"
           "standard,false,false,,stop,stop,900,,false,prod-key,")
    path = tmp_path / "openrouter_activity.csv"
    path.write_text("\n".join([HEADER, row]) + "\n", encoding="utf-8")
    db.ingest(path)
    (stored,) = rows(db.con, "SELECT logged_cost_usd, tags FROM calls")
    assert stored["logged_cost_usd"] == Decimal("0.0126")  # OpenRouter's 0.0006 fee + the provider's 0.012
    assert stored["tags"]["byok"] == "true"
