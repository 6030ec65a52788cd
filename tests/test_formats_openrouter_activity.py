"""OpenRouter's activity export (CSV, one row per generation), read column by column.

The header is the export's, verbatim as other projects quote it (a ledger's plan in the code index
names all 24 columns; router-eval's and yanantin's tests parse files with it); the rows are
written here. Before, such a file failed whole: "cannot tell the log format"."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

HEADER = ("generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,byok_usage_inference,"
          "tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,provider_name,variant,"
          "cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,generation_time_ms,"
          "time_to_first_token_ms,api_key_disabled,api_key_name,app_name")
ROWS = [
    # 1,000 prompt tokens of which 200 cache reads, 300 completion of which 100 reasoning
    "gen-1788000000-paidA,2026-08-14 09:30:12.250,0.000315,0,0,0,0,1000,300,100,200,openai/gpt-4o-mini,OpenAI,"
    "standard,false,true,u-17,stop,stop,2140,380,false,prod-key,support-bot",
    # a free variant: no cost, and no paid model's rate either
    "gen-1788000060-freeB,2026-08-14 09:31:00.000,0,0,0,0,0,500,40,0,0,deepseek/deepseek-chat-v3.1,Chutes,free,"
    "false,false,,stop,stop,900,,false,prod-key,",
    # a cancelled stream is still a call, billed for what it produced; a web search's cost is a tag
    "gen-1788000120-cutC,2026-08-14 09:32:00.000,0.0050451,0.005,0,0,0,300,20,0,0,openai/gpt-4o-mini,Azure,"
    "standard,true,true,,,,450,120,false,prod-key,support-bot",
]


def _export(tmp_path, rows=ROWS):
    path = tmp_path / "openrouter_activity_2026-08.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_each_generation_is_a_call_with_openrouter_s_counts_and_logged_cost(db, tmp_path):
    (file,) = db.ingest(_export(tmp_path), enrichers=enrichers()).files
    assert (file.log_format, file.records, file.loaded, file.quarantined) == ("openrouter-activity", 3, 3, 0)
    paid, free, cut = (r for r in sorted(db.calls(), key=lambda r: r["call_id"]))
    assert (paid["ts"], paid["provider"], paid["model"], paid["model_key"]) == (
        datetime(2026, 8, 14, 9, 30, 12, 250000, tzinfo=UTC), "openai", "openai/gpt-4o-mini", "gpt-4o-mini")
    assert (paid["input_tokens"], paid["cached_input_tokens"], paid["output_tokens"], paid["reasoning_tokens"]) == (
        1000, 200, 300, 100)
    assert (paid["latency_ms"], paid["ttft_ms"], paid["status"], paid["is_batch"]) == (2140.0, 380.0, "ok", False)
    # gpt-4o-mini at $0.15 / $0.075 cached / $0.60 per 1M: 800 x 0.15 + 200 x 0.075 + 300 x 0.60 = $0.000315
    assert (paid["cost_usd"], paid["logged_cost_usd"]) == (Decimal("0.000315"), Decimal("0.000315"))
    assert paid["tags"] == {"gateway": "openrouter", "upstream_provider": "OpenAI", "finish_reason": "stop",
                            "streamed": "true", "user": "u-17", "api_key": "prod-key", "app": "support-bot"}
    assert (free["provider"], free["model"], free["model_key"], free["cost_usd"], free["logged_cost_usd"]) == (
        "chutes", "deepseek/deepseek-chat-v3.1:free", None, None, Decimal("0"))
    assert (cut["provider"], cut["tags"]["cancelled"], cut["tags"]["web_search_cost_usd"]) == ("azure", "true", "0.005")
    assert (cut["input_tokens"], cut["output_tokens"], cut["cost_usd"]) == (300, 20, Decimal("0.000057"))


def test_an_export_with_fewer_columns_is_read_and_the_cli_exits_0(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("generation_id,created_at,cost_total,tokens_prompt,tokens_completion,model_permaslug\n"
                    "gen-abc-2,2026-06-01T12:05:00Z,0.0007,40,20,openai/gpt-4o\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["ingest", str(path), "--db", str(tmp_path / "a.duckdb"), "--format", "json"])
    assert done.exit_code == 0, done.output
    (file,) = json.loads(done.stdout)["files"]
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("openrouter-activity", 1, 0)


def test_a_free_variant_in_a_chat_body_is_never_priced_at_the_paid_model_s_rate(db, tmp_path):
    """genai-prices' `deepseek-chat` matches every id that starts `deepseek-chat`: an OpenRouter
    answer from `deepseek/deepseek-chat-v3.1:free` was priced at DeepSeek's paid rate."""
    body = {"id": "gen-1788000200-dddd", "object": "chat.completion", "created": 1788000200, "provider": "Chutes",
            "model": "deepseek/deepseek-chat-v3.1:free",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 500, "completion_tokens": 40, "total_tokens": 540, "cost": 0}}
    db.ingest(write_jsonl(tmp_path / "or.jsonl", [body]), enrichers=enrichers())
    (call,) = db.calls()
    assert (call["model"], call["model_key"], call["cost_usd"], call["logged_cost_usd"]) == (
        "deepseek/deepseek-chat-v3.1:free", None, None, Decimal("0"))
