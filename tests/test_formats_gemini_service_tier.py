"""The Gemini API's Flex and Priority tiers: the tier that served a call is named only in the
`x-gemini-service-tier` response header (Google's Flex and Priority inference pages:
`response.sdk_http_response.headers.get("x-gemini-service-tier")`, `standard` when a Priority
request was downgraded), the request asks with its `service_tier`. mmaudit read neither, so every
flex call was charged the standard rate (twice its bill) and every priority call under it.

The answer is a real Gemini API response (tranphuc8a/gemini_proxy,
backend/fastapi/src/adapter/output/gemini/dto/sample_request_response_by_curl.md, commit
216d039a3f3d75b26d4a02c6d8c874808ec37861); only the tier header / request field is added, as
Google's pages show them, and the id and time changed per call.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from mmaudit.pricing import load_catalog, pricing_enricher
from mmaudit.pricing.apply import unpriced_calls
from tests.conftest import write_jsonl

URL = "https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent"
ANSWER = {"candidates": [{"content": {"parts": [{"text": "I apologize for that!"}], "role": "model"},
                          "finishReason": "STOP", "index": 0}],
          "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 87, "totalTokenCount": 255,
                            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 12}], "thoughtsTokenCount": 156},
          "modelVersion": "gemini-2.5-flash", "responseId": "4-4GafrNGoq52roPk_XSuAY"}
# gemini-2.5-flash standard: 12 x $0.30/1M + (87 + 156) x $2.50/1M = $0.0000036 + $0.0006075
STANDARD_25_FLASH = Decimal("0.0006111")


def _answer(call_id: str, model: str = "gemini-2.5-flash", prompt: int = 12, output: int = 87, thoughts: int = 156) -> dict:
    body = copy.deepcopy(ANSWER)
    body["responseId"], body["modelVersion"] = call_id, model
    body["usageMetadata"].update(promptTokenCount=prompt, candidatesTokenCount=output, thoughtsTokenCount=thoughts,
                                 totalTokenCount=prompt + output + thoughts,
                                 promptTokensDetails=[{"modality": "TEXT", "tokenCount": prompt}])
    return body


def _capture(call_id: str, headers: dict, asked: str | None = None, **counts) -> dict:
    """A captured exchange (`{request: {url, method, body}, response: {status, headers, body}}`)."""
    model = counts.get("model", "gemini-2.5-flash")
    request = {"contents": [{"role": "user", "parts": [{"text": "Hello"}]}]}
    if asked is not None:
        request["service_tier"] = asked
    return {"timestamp": "2026-11-20T10:00:00Z",
            "request": {"url": URL.format(model=model), "method": "POST", "body": request},
            "response": {"status": 200, "headers": {"content-type": "application/json; charset=UTF-8", **headers},
                         "body": _answer(call_id, **counts)}}


def _dump(call_id: str, served: str) -> dict:
    """The same answer as google-genai's `response.model_dump(mode="json")`: snake_case, the HTTP
    answer's headers kept in `sdk_http_response` (lower-cased names, as httpx gives them)."""
    return {"sdk_http_response": {"headers": {"content-type": "application/json; charset=UTF-8",
                                              "x-gemini-service-tier": served, "server": "scaffolding on HTTPServer2"},
                                  "body": None},
            "candidates": [{"content": {"parts": [{"text": "I apologize for that!"}], "role": "model"},
                            "finish_reason": "STOP", "index": 0}],
            "create_time": None, "model_version": "gemini-2.5-flash", "prompt_feedback": None, "response_id": call_id,
            "usage_metadata": {"prompt_token_count": 12, "candidates_token_count": 87, "total_token_count": 255,
                               "prompt_tokens_details": [{"modality": "TEXT", "token_count": 12}],
                               "thoughts_token_count": 156},
            "automatic_function_calling_history": [], "parsed": None}


def _ingest(db, tmp_path, name: str, records: list[dict]) -> dict:
    (file,) = db.ingest(write_jsonl(tmp_path / name, records), enrichers=(pricing_enricher(load_catalog()),)).files
    assert (file.log_format, file.loaded, file.quarantined) == ("gemini", len(records), 0)
    return {r[0]: r[1:] for r in db.con.execute(
        "SELECT call_id, service_tier, cost_usd, input_tokens, output_tokens FROM calls").fetchall()}


def test_the_served_tier_header_of_a_capture_prices_the_call(db, tmp_path):
    got = _ingest(db, tmp_path, "captures.jsonl", [
        _capture("flex-1", {"x-gemini-service-tier": "flex"}, asked="flex"),
        # a recorder keeping the header's name as sent and its values as a list (VCR)
        _capture("priority-1", {"X-Gemini-Service-Tier": ["priority"]}, asked="priority"),
        # a Priority request over its limit was served (and billed) at standard: the header wins
        _capture("downgraded-1", {"x-gemini-service-tier": "standard"}, asked="priority"),
        _capture("plain-1", {"x-gemini-service-tier": "standard"}),
        # only standard, flex and priority are tiers: a value of any other kind (a proxy's test
        # fixture shows `paid`) says nothing of the price, and the call keeps the standard reading
        _capture("other-1", {"x-gemini-service-tier": "paid"}),
    ])
    # genai-prices has no Flex or Priority rate for gemini-2.5-flash: unpriced and listed, never
    # the standard $0.0006111 (Flex is billed at half of it, Priority at 75-100% more)
    assert got["flex-1"] == ("flex", None, 12, 243)
    assert got["priority-1"] == ("priority", None, 12, 243)
    assert got["downgraded-1"] == ("standard", STANDARD_25_FLASH, 12, 243)
    assert got["plain-1"] == ("standard", STANDARD_25_FLASH, 12, 243)
    assert got["other-1"] == (None, STANDARD_25_FLASH, 12, 243)
    reasons = {(r["reason"], r["calls"]) for r in unpriced_calls(db.con)}
    assert reasons == {("no rate for service tier flex", 1), ("no rate for service tier priority", 1)}


def test_the_served_tier_header_of_a_google_genai_dump_prices_the_call(db, tmp_path):
    got = _ingest(db, tmp_path, "dumps.jsonl", [_dump("dump-priority", "priority"), _dump("dump-standard", "standard")])
    assert got["dump-priority"] == ("priority", None, 12, 243)
    assert got["dump-standard"] == ("standard", STANDARD_25_FLASH, 12, 243)


def test_a_tier_with_a_genai_prices_rate_is_charged_that_rate(db, tmp_path):
    # gemini-3.8-flash-lite-tts, 2026-11-20 (genai-prices 0.2.3, from 2026-10-15), per 1M in/out:
    # standard $0.50/$6, flex $0.25/$3, priority $0.90/$10.80. 1,200 in, 300 out:
    # standard 1,200 x 0.50 + 300 x 6 = $0.0024; flex 1,200 x 0.25 + 300 x 3 = $0.0012;
    # priority 1,200 x 0.90 + 300 x 10.80 = $0.00432
    tts = {"model": "gemini-3.8-flash-lite-tts", "prompt": 1200, "output": 300, "thoughts": 0}
    got = _ingest(db, tmp_path, "tts.jsonl", [
        _capture("tts-flex", {"x-gemini-service-tier": "flex"}, **tts),
        _capture("tts-priority", {"x-gemini-service-tier": "priority"}, **tts),
        _capture("tts-standard", {"x-gemini-service-tier": "standard"}, **tts),
    ])
    assert got["tts-flex"] == ("flex", Decimal("0.0012"), 1200, 300)
    assert got["tts-priority"] == ("priority", Decimal("0.00432"), 1200, 300)
    assert got["tts-standard"] == ("standard", Decimal("0.0024"), 1200, 300)


def test_without_the_header_the_request_names_the_tier(db, tmp_path):
    # a {request, response} pair (no headers kept): the tier asked for, in the REST spelling or the
    # SDK enum's (SERVICE_TIER_PRIORITY), camelCase too
    def pair(call_id: str, **asked) -> dict:
        return {"timestamp": "2026-11-20T10:00:00Z",
                "request": {"model": "gemini-2.5-flash", "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
                            **asked},
                "response": _answer(call_id)}
    got = _ingest(db, tmp_path, "pairs.jsonl", [
        pair("asked-flex", service_tier="flex"), pair("asked-priority", serviceTier="SERVICE_TIER_PRIORITY"),
        pair("asked-nothing")])
    assert got["asked-flex"][:2] == ("flex", None)
    assert got["asked-priority"][:2] == ("priority", None)
    assert got["asked-nothing"][:2] == (None, STANDARD_25_FLASH)
