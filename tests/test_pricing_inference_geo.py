"""Anthropic's data residency: a response whose `usage.inference_geo` is "us" ran only in the US and
is billed at 1.1x on every token category (Opus 4.6 and later models;
mmaudit/data/pricing/geo_rates.yaml, since genai-prices has no geography prices). Ingest keeps the
geography in tags['inference_geo'] in every Anthropic shape; prices come from the model's
`<tier>@us` rows (fast mode and batch included), and a replay keeps the geography on a model
that has its rates (another Claude model), not on one that has none (other providers).

Bodies follow anthropic-sdk-python's `types/usage.py` (`inference_geo`: "global", "us",
"not_available") and the Claude API's data-residency page."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.pricing import unpriced_calls
from tests.conftest import rows
from tests.test_pricing_fast_mode import FAST, STANDARD, ingest, message
from tests.test_simulate import _keep_and_move

US = Decimal("1.1")


def at(geo: str | None, call_id: str, model: str = "claude-opus-4-8", speed: str | None = None) -> dict:
    body = message(call_id, model, speed)
    u = {**body["usage"]}
    if geo is None:
        u.pop("inference_geo")
    else:
        u["inference_geo"] = geo
    return {**body, "usage": u}


def test_us_inference_is_billed_at_1_1x_in_every_anthropic_shape(tmp_path):
    start = {"type": "message_start", "message": {**at("us", "msg_S"), "usage": {**at("us", "msg_S")["usage"], "output_tokens": 1}}}
    delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2000}}
    claude_code = {"type": "assistant", "timestamp": "2026-11-02T10:00:00Z", "sessionId": "s1", "requestId": "req_C",
                   "uuid": "u1", "message": at("us", "msg_C")}
    batch = {"custom_id": "r1", "result": {"type": "succeeded", "message": at("us", "msg_B")}}
    con = ingest(tmp_path, {"m.jsonl": [at("us", "msg_US"), at("us", "msg_UF", speed="fast"), at("global", "msg_G"),
                                        at(None, "msg_N")],
                            "s.jsonl": [start, delta], "c.jsonl": [claude_code], "b.jsonl": [batch]})
    stored = {r["call_id"]: (r["geo"], r["cost_usd"])
              for r in rows(con, "SELECT call_id, tags['inference_geo'] AS geo, cost_usd FROM calls")}
    # batch: claude-opus-4-8's batch rates are half its standard ones, then 1.1x
    assert stored == {"msg_US": ("us", STANDARD * US), "msg_UF": ("us", FAST * US), "msg_S": ("us", STANDARD * US),
                      "cc:msg_C:req_C": ("us", STANDARD * US), "msg_B": ("us", STANDARD / 2 * US),
                      "msg_G": (None, STANDARD), "msg_N": (None, STANDARD)}
    assert STANDARD * US == Decimal("0.0601975")


def test_a_claude_code_message_pinned_to_the_us_keeps_its_1_1x_when_its_final_line_says_nothing(tmp_path):
    # Claude Code writes a streamed message on several lines: the partial ones say "us", the final
    # one (the full output, the version kept) says "" (real session: real-logs/claude-code/).
    def line(uuid: str, geo: str, output: int) -> dict:
        body = at(geo, "msg_P")
        return {"type": "assistant", "timestamp": "2026-11-02T10:00:00Z", "sessionId": "s1", "requestId": "req_P",
                "uuid": uuid, "message": {**body, "usage": {**body["usage"], "output_tokens": output}}}
    con = ingest(tmp_path, {"c.jsonl": [line("u1", "us", 10), line("u2", "", 2000)],
                            "g.jsonl": [{**line("u3", "global", 10), "requestId": "req_G"},
                                        {**line("u4", "", 2000), "requestId": "req_G"}]})
    stored = {r["call_id"]: (r["output_tokens"], r["geo"], r["cost_usd"])
              for r in rows(con, "SELECT call_id, output_tokens, tags['inference_geo'] AS geo, cost_usd FROM calls")}
    assert stored == {"cc:msg_P:req_P": (2000, "us", STANDARD * US), "cc:msg_P:req_G": (2000, None, STANDARD)}


def test_a_geography_without_rates_is_unpriced_with_its_reason(tmp_path):
    con = ingest(tmp_path, {"m.jsonl": [at("eu", "msg_EU"), at("not_available", "msg_NA", model="claude-sonnet-4-5")]})
    assert rows(con, "SELECT call_id, cost_usd IS NULL AS unpriced FROM calls ORDER BY call_id") == [
        {"call_id": "msg_EU", "unpriced": True}, {"call_id": "msg_NA", "unpriced": False}]
    [eu] = unpriced_calls(con)
    assert eu["reason"] == "no rate for service tier standard@eu"


def test_a_replay_keeps_the_geography_only_where_the_answering_model_prices_it(tmp_path):
    for sub in ("claude", "gpt", "gpt-global"):
        (tmp_path / sub).mkdir()
    us = at("us", "msg_US")
    claude = _keep_and_move(tmp_path / "claude", [us], "claude-opus-5")
    printed = (STANDARD * US).quantize(Decimal("0.000001"))  # simulate -f json prints dollars to 6 places
    assert Decimal(str(claude["keep"]["baseline_cost_usd"])) == printed
    assert claude["keep"]["projected_cost_usd"] == claude["keep"]["baseline_cost_usd"]
    # claude-opus-5 has claude-opus-4-8's prices ($5/$25...): the same bill, US premium included
    assert Decimal(str(claude["move"]["projected_cost_usd"])) == printed
    # gpt-5 has no US-only price: the call costs what a global one moved there costs
    gpt = _keep_and_move(tmp_path / "gpt", [us], "gpt-5")["move"]
    gpt_global = _keep_and_move(tmp_path / "gpt-global", [at("global", "msg_G")], "gpt-5")["move"]
    assert gpt["projected_cost_usd"] == gpt_global["projected_cost_usd"] > 0
