"""A dated snapshot keeps its own price: `mistral-small-2503` (Mistral Small 3.1) is not
`mistral-small-latest`, the alias that moves to each newer Small and from 2026-03-16 carries
Small 4's $0.15 / $0.60 (docs/pricing.md, "Resolving a logged model id")."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import write_jsonl

# Skrebnevf/crystal-mistral, spec/mock_data.cr (commit 005d6ec9acbd12a8e5bc69251f14ec23b8204265):
# CHAT_RESPONSE, an answer of api.mistral.ai for `mistral-small-2503` (created 2025-06-26), and
# CODE_COMPLETATION_RESPONSE for `codestral-2501`; message content trimmed.


def answer(call_id: str, created: int, model: str, prompt: int, completion: int) -> dict:
    return {"id": call_id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "..."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}}


def test_a_dated_mistral_small_snapshot_never_takes_the_moving_latest_alias_price(tmp_path):
    db = tmp_path / "m.duckdb"
    logs = write_jsonl(tmp_path / "mistral.jsonl", [
        answer("b5fcb244d8304a9f89765abf357031a4", 1750957661, "mistral-small-2503", 12, 70),
        # the same answer dated 2026-04-01, after mistral-small-latest became Small 4
        answer("b5fcb244d8304a9f89765abf357031a5", 1775044800, "mistral-small-2503", 12, 70),
        answer("814608aa6bf04d349fc8f87f45791a96", 1750960722, "codestral-2501", 23, 57),
    ])
    assert CliRunner().invoke(app, ["ingest", str(logs), "--db", str(db)]).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT model, model_key, cost_usd FROM calls ORDER BY ts").fetchall()
    # mistral-small-2503 was resolved by cutting its date to the registry name `mistral-small`,
    # i.e. mistral-small-latest: $0.0000222 in 2025 but Small 4's $0.0000438 from 2026-03-16.
    # Neither genai-prices nor a curated table prices Small 3.1 itself, so it is unknown (NULL,
    # listed by `prices unknown`), not a later model's rate. codestral-2501 is genai-prices'
    # codestral ($0.30 / $0.90), as before.
    assert got == [("mistral-small-2503", None, None), ("codestral-2501", "codestral", Decimal("0.0000582")),
                   ("mistral-small-2503", None, None)]


def test_a_dated_id_of_an_alias_whose_price_never_moved_still_resolves():
    from mmaudit.pricing import load_catalog, register_prices
    from mmaudit.store import connect

    con = connect(":memory:")
    register_prices(con, load_catalog())
    # OpenRouter's served id for OpenAI's chat-latest: the alias has had one price, so cutting the
    # date stays right
    got = con.execute("SELECT mm_resolution('openai', 'openai/gpt-chat-latest-20260505')").fetchall()[0][0]
    assert got.split("\t")[0] == "gpt-chat-latest"
    # logged with OpenRouter as the seller, it is OpenRouter's own listing of the id (same $5 / $30)
    got = con.execute("SELECT mm_resolution('openrouter', 'openai/gpt-chat-latest-20260505')").fetchall()[0][0]
    assert got.split("\t")[0] == "openrouter/openai/gpt-chat-latest"
