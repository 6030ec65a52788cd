"""Perplexity's legacy pricing: until 2025-04-18 the search context size was opt-in, and a Sonar or
Sonar Pro request that named none paid $5 per 1,000 requests (mmaudit/data/pricing/request_fees.yaml
`legacy`), not genai-prices' fee (the highest of the later schedule, $12 and $14)."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import write_jsonl

# Perplexity's own sample response on its sonar model page (docs.perplexity.ai/guides/models/sonar,
# "Sample Response Metadata"), recorded 2025-04-01 under the legacy default: 9 tokens in, 384 out,
# no search context size
SAMPLE = {"id": "ad748e84-a4bb-4665-afc9-40aac3b39e3c", "model": "sonar", "created": 1743529296,
          "usage": {"prompt_tokens": 9, "completion_tokens": 384, "total_tokens": 393},
          "object": "chat.completion",
          "choices": [{"index": 0, "finish_reason": "stop",
                       "message": {"role": "assistant", "content": "Here are some of the latest developments"}}]}


def test_a_sonar_request_before_2025_04_18_that_named_no_size_pays_the_legacy_fee(tmp_path):
    db = tmp_path / "p.duckdb"
    later = {**SAMPLE, "id": "later", "created": 1760000000}  # the same answer in October 2025
    sized = {**SAMPLE, "id": "sized", "usage": {**SAMPLE["usage"], "search_context_size": "high"}}  # opted in
    logs = write_jsonl(tmp_path / "pplx.jsonl", [SAMPLE, later, sized])
    assert CliRunner().invoke(app, ["ingest", str(logs), "--db", str(db)]).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        got = dict(con.execute("SELECT call_id, cost_usd FROM calls").fetchall())
    tokens = Decimal(9 + 384) / 10**6  # $1 per 1M in and out
    assert got[SAMPLE["id"]] == tokens + Decimal("0.005")  # legacy: $5 per 1,000 requests (it was $0.012393)
    assert got["later"] == tokens + Decimal("0.012")  # no size logged after the legacy pricing: the highest, as before
    assert got["sized"] == tokens + Decimal("0.012")  # a request that opted in pays its size's fee
    # the legacy call's fee is what Perplexity billed, not an assumption; the later one's is
    audit = CliRunner().invoke(app, ["audit", "--db", str(db), "--format", "json"])
    assert json.loads(audit.stdout)["pricing_assumptions"]["search_context_assumed"] == 1
