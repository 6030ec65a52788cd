"""Token extraction checked against genai-prices' own reading of the same bodies.

genai-prices ships, per provider and API flavor, an extractor: the JSON paths of a response's
usage and which count each one adds to (`extract_usage`). That is an independent reading of every
shape mmaudit parses, kept by people who test it against the providers. Here, for each flavor
mmaudit reads, bodies set EVERY path the library's extractor maps to a random count (seeded, so a
path the library adds in a later release is exercised without editing this file), in the shape
the provider answers; after `ingest`, each call's stored tokens must equal the library's and,
where our rates are the library's (no curated history), its stored cost must equal `calc_price`.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from genai_prices import Usage, calc_price, data_snapshot, extract_usage
from genai_prices.types import ArrayMatch

from mmaudit import store
from mmaudit.enrich import enrichers
from mmaudit.ingest import IngestOptions, ingest_paths

SNAPSHOT = data_snapshot.get_snapshot()
START = datetime(2025, 10, 1, tzinfo=UTC)
PER_FLAVOR = 8
# (stored column, genai-prices Usage field)
TOKENS = (("input_tokens", "input_tokens"), ("cached_input_tokens", "cache_read_tokens"),
          ("cache_write_tokens", "cache_write_tokens"), ("cache_write_1h_tokens", "cache_write_1h_tokens"),
          ("output_tokens", "output_tokens"), ("reasoning_tokens", "output_reasoning_tokens"),
          ("input_audio_tokens", "input_audio_tokens"), ("cached_audio_tokens", "cache_audio_read_tokens"),
          ("output_audio_tokens", "output_audio_tokens"), ("input_image_tokens", "input_image_tokens"),
          ("cached_image_tokens", "cache_image_read_tokens"), ("output_image_tokens", "output_image_tokens"),
          ("web_searches", "web_searches"))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _chat(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(moment.timestamp()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": usage}


def _responses(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"id": f"resp_{n}", "object": "response", "created_at": int(moment.timestamp()), "model": model,
            "status": "completed", "usage": usage,
            "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}]}


def _anthropic(model: str, usage: dict, n: str, moment: datetime) -> dict:
    body = {"id": f"msg_{n}", "type": "message", "role": "assistant", "model": model, "usage": usage,
            "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn"}
    return {"timestamp": _stamp(moment), "response": body}


def _gemini(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
            "usageMetadata": usage, "modelVersion": model, "responseId": f"g-{n}", "createTime": _stamp(moment)}


def _converse(model: str, usage: dict, n: str, moment: datetime) -> dict:
    """A `{modelId, request, response}` pair: a Converse response does not name its model."""
    response = {"ResponseMetadata": {"RequestId": f"r-{n}", "HTTPStatusCode": 200}, "stopReason": "end_turn",
                "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}}, "usage": usage,
                "metrics": {"latencyMs": 300}}
    return {"timestamp": _stamp(moment), "modelId": model, "response": response,
            "request": {"modelId": model, "messages": [{"role": "user", "content": [{"text": "hi"}]}]}}


def _realtime(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"type": "response.done", "event_id": f"event_{n}", "response": {
        "object": "realtime.response", "id": f"resp_{n}", "status": "completed", "output": [], "usage": usage}}


def _images(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"created": int(moment.timestamp()), "data": [{"b64_json": "iVBORw0KGgo="}], "usage": usage, "model": model}


def _embeddings(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
            "model": model, "usage": usage, "id": f"emb-{n}", "created": int(moment.timestamp())}


def _cohere(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"id": f"co-{n}", "finish_reason": "COMPLETE", "usage": usage, "model": model, "timestamp": _stamp(moment),
            "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]}}


def _cursor(model: str, usage: dict, n: str, moment: datetime) -> dict:
    return {"timestamp": str(int(moment.timestamp() * 1000)), "model": model, "kind": "Usage-based", "maxMode": False,
            "isTokenBasedCall": True, "userEmail": f"{n}@example.com", "tokenUsage": usage}


@dataclasses.dataclass(frozen=True)
class Flavor:
    provider_id: str  # genai-prices' provider
    api_flavor: str
    model: str
    shape: Callable[[str, dict, str, datetime], dict]
    # the record names its provider as a gateway's log would (else told from the body or model)
    logged_provider: str | None = None
    # where the usage sits in the body handed to the library, when the record wraps it
    body_key: str | None = None
    # the stored cost is checked against calc_price: False where mmaudit's curated history is
    # newer than the library's (said per case below)
    cost: bool = True
    # a stream of events: the events before the one that carries usage
    preamble: tuple[dict, ...] = ()
    # stored columns where mmaudit departs from the library's reading on purpose (said per case)
    departs: tuple[str, ...] = ()
    # xAI's chat bodies carry total_tokens (= prompt + completion + reasoning) unless a log dropped it
    without_total: bool = False

    @property
    def id(self) -> str:
        return f"{self.provider_id}-{self.api_flavor}-{self.model}"


REALTIME_SESSION = {"type": "session.created", "event_id": "event_s", "session": {
    "object": "realtime.session", "id": "sess_1", "model": "gpt-realtime", "output_modalities": ["audio"]}}

FLAVORS = [
    Flavor("openai", "chat", "gpt-5", _chat),
    Flavor("openai", "responses", "gpt-5", _responses),
    Flavor("openai", "realtime", "gpt-realtime", _realtime, preamble=(REALTIME_SESSION,)),
    Flavor("openai", "images", "gpt-image-1", _images),
    Flavor("openai", "embeddings", "text-embedding-3-small", _embeddings),
    Flavor("azure", "chat", "gpt-4o", _chat, logged_provider="azure"),
    Flavor("anthropic", "default", "claude-sonnet-4-5-20250929", _anthropic, body_key="response"),
    Flavor("google", "anthropic", "claude-sonnet-4-5@20250929", _anthropic, logged_provider="vertex_ai", body_key="response"),
    Flavor("aws", "anthropic", "anthropic.claude-sonnet-4-5-20250929-v1:0", _anthropic, logged_provider="bedrock",
           body_key="response"),
    Flavor("aws", "default", "anthropic.claude-3-5-sonnet-20241022-v2:0", _converse, body_key="response"),
    Flavor("google", "default", "gemini-2.5-flash", _gemini),
    Flavor("google", "chat", "gemini-2.5-flash", _chat, logged_provider="gemini"),
    Flavor("x-ai", "chat", "grok-4", _chat),  # with xAI's total (prompt + completion + reasoning)
    Flavor("x-ai", "chat", "grok-4-0709", _chat, without_total=True),  # a log that dropped the total
    Flavor("x-ai", "responses", "grok-4", _responses),
    Flavor("groq", "default", "llama-3.3-70b-versatile", _chat, logged_provider="groq"),
    Flavor("mistral", "default", "mistral-small-latest", _chat),
    Flavor("moonshotai", "chat", "kimi-k2-0905-preview", _chat, logged_provider="moonshotai"),
    Flavor("zai", "chat", "glm-4.6", _chat, logged_provider="zai"),
    Flavor("cerebras", "chat", "llama3.1-8b", _chat, logged_provider="cerebras"),
    Flavor("cohere", "default", "command-a-03-2025", _cohere),
    Flavor("cursor", "usage-event", "composer-2.5", _cursor),
    # Cohere's `usage.cached_tokens` is no discount on its price list: kept as a tag, not as cache
    # reads (mmaudit/formats/cohere.py); the cost still agrees, the library finding no cache price
    Flavor("cohere", "tokens", "command-a-03-2025", _cohere, departs=("cached_input_tokens",)),
    # curated: DeepSeek's V3.2 prices of 2025-09-29 are newer than the library's snapshot
    Flavor("deepseek", "chat", "deepseek-chat", _chat, cost=False),
    # curated: OpenRouter passes OpenAI's cache-read discount on; the library bills them as input
    Flavor("openrouter", "chat", "openai/gpt-4o", _chat, logged_provider="openrouter", cost=False),
    # curated: Perplexity stopped billing citation tokens on 2025-04-18 (docs/pricing.md)
    Flavor("perplexity", "default", "sonar-pro", _chat, logged_provider="perplexity", cost=False),
]


def _extractor(flavor: Flavor):
    provider = next(p for p in SNAPSHOT.providers if p.id == flavor.provider_id)
    return next(e for e in provider.extractors if e.api_flavor == flavor.api_flavor)


def _put(tree: dict, path: str | list, value: int) -> None:
    """Set `value` at an extractor path (keys, and array items matched by one field)."""
    steps = [path] if isinstance(path, str) else list(path)
    node: Any = tree
    for i, step in enumerate(steps):
        if isinstance(step, ArrayMatch):
            node = next((x for x in node if x.get(step.field) == step.match.equals), None) or \
                _append(node, {step.field: step.match.equals})
        elif i == len(steps) - 1:
            node[step] = value
        else:
            node = node.setdefault(step, [] if isinstance(steps[i + 1], ArrayMatch) else {})


def _append(items: list, item: dict) -> dict:
    items.append(item)
    return item


_TOTALS = {"prompt_tokens", "input_tokens", "promptTokenCount", "inputTokens",
           "completion_tokens", "output_tokens", "candidatesTokenCount", "outputTokens"}


def _usage(flavor: Flavor, rng: random.Random) -> dict:
    """Every path the extractor maps, set to a count: totals in the thousands, parts below them
    (or zero), then made consistent the way providers report them."""
    extractor = _extractor(flavor)
    usage: dict = {}
    for mapping in extractor.mappings:
        leaf = mapping.path if isinstance(mapping.path, str) else mapping.path[-1]
        value = rng.randint(3_000, 9_000) if leaf in _TOTALS else rng.choice([0, rng.randint(1, 1_200)])
        _put(usage, mapping.path, value)
    usage = _consistent(flavor, usage)
    for key in reversed(_nested_root(flavor)):
        usage = {key: usage}
    return usage


def _nested_root(flavor: Flavor) -> list[str]:
    """The extractor's root below the key where the shapes put the usage dict (a realtime event's
    `response.usage`, the others' `usage` or `usageMetadata`): Cohere's `usage.billed_units`."""
    root = _extractor(flavor).root
    root = [root] if isinstance(root, str) else list(root)
    return root[2:] if root[0] == "response" else root[1:]


def _consistent(flavor: Flavor, usage: dict) -> dict:
    writes = usage.get("cache_creation")
    if isinstance(writes, dict):  # Anthropic: the TTL split adds up to the writes
        total = usage.get("cache_creation_input_tokens", 0)
        hour = min(writes.get("ephemeral_1h_input_tokens", 0), total)
        writes.update(ephemeral_1h_input_tokens=hour, ephemeral_5m_input_tokens=total - hour)
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
    prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
    if isinstance(details, dict) and isinstance(prompt, int):  # reads and writes are parts of the prompt
        if details.get("cached_tokens", 0) + details.get("cache_write_tokens", 0) > prompt:
            details["cache_write_tokens"] = 0
    if flavor.provider_id == "google" and flavor.api_flavor == "default":
        _consistent_gemini(usage)
    if flavor.api_flavor == "realtime":
        _consistent_realtime(usage)
    if flavor.provider_id == "x-ai" and flavor.api_flavor == "chat" and not flavor.without_total:
        # xAI's total counts reasoning apart
        reasoning = usage.get("completion_tokens_details", {}).get("reasoning_tokens", 0)
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
    return usage


def _consistent_gemini(usage: dict) -> None:
    """Per-modality details add up to their totals; cached ones fit under the prompt's. DOCUMENT
    details are left out: the library bills them as image tokens, a PDF's pages being images."""
    prompt = {x["modality"]: x["tokenCount"] for x in usage.get("promptTokensDetails", [])}
    for item in usage.get("cacheTokensDetails", []):
        item["tokenCount"] = min(item["tokenCount"], prompt.get(item["modality"], 0))
    for total, detail in (("promptTokenCount", "promptTokensDetails"), ("candidatesTokenCount", "candidatesTokensDetails"),
                          ("toolUsePromptTokenCount", "toolUsePromptTokensDetails"),
                          ("cachedContentTokenCount", "cacheTokensDetails")):
        if detail in usage:
            usage[total] = sum(x["tokenCount"] for x in usage[detail])


def _consistent_realtime(usage: dict) -> None:
    """Per-modality parts add up to their totals; cached parts fit under the cached total."""
    inputs, outputs = usage["input_token_details"], usage["output_token_details"]
    cached = inputs["cached_tokens_details"]
    for kind in ("text_tokens", "audio_tokens", "image_tokens"):
        cached[kind] = min(cached.get(kind, 0), inputs.get(kind, 0))
    inputs["cached_tokens"] = sum(cached.values())
    usage["input_tokens"] = sum(inputs.get(k, 0) for k in ("text_tokens", "audio_tokens", "image_tokens"))
    usage["output_tokens"] = sum(outputs.values())


def _oracle(flavor: Flavor, record: dict, moment: datetime) -> tuple[Usage, Decimal | None]:
    body = record["response"] if flavor.body_key or flavor.logged_provider else record
    usage = extract_usage(body, provider_id=flavor.provider_id, api_flavor=flavor.api_flavor).usage
    # a cache read of a prompt that also holds audio is ambiguous to the library (which modality
    # was cached?) and it declines to guess; mmaudit reads the reads as text, as a body without
    # the split says nothing more
    if _declined(usage, "cache_audio_read_tokens"):
        usage.cache_audio_read_tokens = 0
    if not flavor.cost:
        return usage, None
    return usage, calc_price(usage, flavor.model, provider_id=flavor.provider_id, genai_request_timestamp=moment).total_price


def _declined(usage: Usage, field: str) -> bool:
    try:
        getattr(usage, field)
    except ValueError:
        return True
    return False


def _records(flavor: Flavor, seed: int) -> list[tuple[dict, datetime]]:
    rng = random.Random(f"{flavor.id}-{seed}")
    out = []
    for i in range(PER_FLAVOR):
        moment = START + timedelta(days=i * 7, seconds=rng.randint(0, 86_399))
        record = flavor.shape(flavor.model, _usage(flavor, rng), f"{flavor.id}-{i}", moment)
        if flavor.logged_provider:
            record = {"provider": flavor.logged_provider,
                      **(record if flavor.body_key else {"timestamp": _stamp(moment), "response": record})}
        out.append((record, moment))
    return out


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> dict[str, tuple[list, list]]:
    """Every flavor's records ingested in one run: {flavor id: (records with times, stored rows)}."""
    root = tmp_path_factory.mktemp("oracle")
    cases = {f.id: _records(f, seed=1) for f in FLAVORS}
    paths = []
    for flavor in FLAVORS:
        path = root / f"{flavor.provider_id}-{flavor.api_flavor}-{len(paths)}.jsonl"
        lines = [*flavor.preamble, *(record for record, _ in cases[flavor.id])]
        path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
        paths.append(str(path))
    con = store.connect(root / "oracle.duckdb")
    try:
        result = ingest_paths(con, paths, IngestOptions(enrichers=enrichers()))
        assert result.total("quarantined") == 0
        columns = ", ".join(c for c, _ in TOKENS)
        stored = {}
        for flavor, path in zip(FLAVORS, paths, strict=True):
            stored[flavor.id] = con.execute(
                f"SELECT {columns}, cost_usd FROM calls WHERE source_file = ? ORDER BY ts", [path]).fetchall()
    finally:
        con.close()
    return {f.id: (cases[f.id], stored[f.id]) for f in FLAVORS}


@pytest.mark.parametrize("flavor", FLAVORS, ids=lambda f: f.id)
def test_stored_tokens_and_cost_equal_genai_prices_reading_of_the_body(ingested, flavor):
    records, rows = ingested[flavor.id]
    assert len(rows) == PER_FLAVOR, f"{flavor.id}: {len(rows)} calls stored of {PER_FLAVOR}"
    for (record, moment), row in zip(records, rows, strict=True):
        usage, price = _oracle(flavor, record, moment)
        theirs = {column: getattr(usage, field) or 0 for column, field in TOKENS if column not in flavor.departs}
        ours = {column: value or 0 for (column, _), value in zip(TOKENS, row, strict=False) if column not in flavor.departs}
        assert ours == theirs, json.dumps(record)[:600]
        if price is not None:
            assert row[-1] is not None and abs(row[-1] - price) <= Decimal("1e-9"), (row[-1], price, json.dumps(record)[:600])


def test_every_flavor_sets_every_path_its_extractor_maps():
    # the bodies are built from the library's mappings, so this guards the builder itself: a
    # mapping it could not place would leave the library's field unexercised
    for flavor in FLAVORS:
        usage = _get(_usage(flavor, random.Random(0)), _nested_root(flavor))
        for mapping in _extractor(flavor).mappings:
            assert _get(usage, mapping.path) is not None, (flavor.id, mapping.path)


def _get(tree: Any, path: str | list) -> Any:
    for step in [path] if isinstance(path, str) else path:
        if isinstance(step, ArrayMatch):
            tree = next((x for x in tree if x.get(step.field) == step.match.equals), None)
        else:
            tree = tree.get(step) if isinstance(tree, dict) else None
        if tree is None:
            return None
    return tree
