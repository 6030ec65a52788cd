"""The real provider bodies of ../shared/corpus/real-logs, read by mmaudit and by genai-prices.

Every body there that carries a usage (SDK cassettes' bodies and pairs, batch results) is read by
genai-prices' own extractor for its API (`extract_usage`), and the call mmaudit stored for it must
hold the same token counts: two independent readings of records no one here wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from genai_prices import extract_usage

from tests.test_real_logs import REAL

# (file, genai-prices provider and flavor, the body in a line, the stored call's id for a line)
Body = Callable[[dict], dict | None]
FILES: list[tuple[str, str, str, Body, Callable[[dict], str]]] = [
    ("openai-chat/pydantic-ai-bodies.jsonl", "openai", "chat", lambda x: x, lambda x: x["id"]),
    ("openai-chat/pydantic-ai-pairs.jsonl", "openai", "chat", lambda x: x.get("response"), lambda x: x["response"]["id"]),
    ("openai-responses/pydantic-ai-bodies.jsonl", "openai", "responses", lambda x: x, lambda x: x["id"]),
    ("anthropic-messages/pydantic-ai-bodies.jsonl", "anthropic", "default", lambda x: x, lambda x: x["id"]),
    ("gemini/pydantic-ai-bodies.jsonl", "google", "default", lambda x: x, lambda x: x["responseId"]),
    ("anthropic-batch/docs-results.jsonl", "anthropic", "default",
     lambda x: x["result"].get("message"), lambda x: x["result"]["message"]["id"]),
    ("openai-batch/docs-and-blog-output.jsonl", "openai", "chat",
     lambda x: (x.get("response") or {}).get("body"), lambda x: x["id"]),  # a batch line's own id
]
# OpenAI's Responses usage has no search count: mmaudit counts the `web_search_call` output items
# (each billed per call), which genai-prices' extractor does not read
NOT_IN_USAGE = {"openai-responses/pydantic-ai-bodies.jsonl": ("web_searches",)}
TOKENS = (("input_tokens", "input_tokens"), ("cached_input_tokens", "cache_read_tokens"),
          ("cache_write_tokens", "cache_write_tokens"), ("cache_write_1h_tokens", "cache_write_1h_tokens"),
          ("output_tokens", "output_tokens"), ("reasoning_tokens", "output_reasoning_tokens"),
          ("input_audio_tokens", "input_audio_tokens"), ("output_audio_tokens", "output_audio_tokens"),
          ("web_searches", "web_searches"))

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"../shared/corpus not present (fresh clone): {REAL} has no real logs; set MMAUDIT_CORPUS to run")


@pytest.mark.parametrize(("name", "provider_id", "flavor", "body_of", "id_of"), FILES, ids=[f[0] for f in FILES])
def test_each_real_body_is_stored_with_genai_prices_reading_of_its_usage(db, name, provider_id, flavor, body_of, id_of):
    path: Path = REAL / name
    db.ingest(path)
    stored = {r["call_id"]: r for r in db.calls()}
    checked = 0
    skip = NOT_IN_USAGE.get(name, ())
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = json.loads(text)
        body = body_of(line)
        if not body or not (body.get("usage") or body.get("usageMetadata")):
            continue  # an error body: no usage to read
        # (without its model: genai-prices lists not every id, and the counts do not depend on it)
        bare = {k: v for k, v in body.items() if k not in ("model", "modelVersion")}
        usage = extract_usage(bare, provider_id=provider_id, api_flavor=flavor).usage
        row = stored[id_of(line)]
        theirs = {column: getattr(usage, field, 0) or 0 for column, field in TOKENS if column not in skip}
        assert {column: row[column] or 0 for column, _ in TOKENS if column not in skip} == theirs, f"{name}:{number}"
        checked += 1
    assert checked, f"{name}: no body with a usage"
