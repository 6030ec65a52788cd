"""Costs that rest on an assumption say so next to the figure: `audit` and `report` count the
Perplexity calls that did not log their search context size (charged the highest request fee)
and the grounded Gemini calls (charged with none of Google's free allowance deducted)."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import write_jsonl
from tests.test_pricing_grounding import grounded


def sonar(call_id: str, size: str | None) -> dict:
    usage = {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30, "num_search_queries": 1,
             "citation_tokens": 0}
    if size:
        usage["search_context_size"] = size
    return {"id": call_id, "object": "chat.completion", "created": 1793613600, "model": "sonar",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}],
            "usage": usage}


def test_audit_and_report_name_the_calls_priced_on_an_assumption(tmp_path):
    db = tmp_path / "a.duckdb"
    records = [sonar("p-low", "low"), sonar("p-none", None), sonar("p-none-2", None),
               grounded("g-25", "gemini-2.5-flash", ["q1", "q2"]), grounded("g-plain", "gemini-2.5-flash", [])]
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "r.jsonl", records)), "--db", str(db)]).exit_code == 0
    audit = runner.invoke(app, ["audit", "--db", str(db), "-f", "json"])
    assert audit.exit_code == 0, audit.output
    assert json.loads(audit.stdout)["pricing_assumptions"] == {"search_context_assumed": 2, "grounding_allowance_ignored": 1,
                                                           "provisioned_on_demand": 0, "advisor_not_priced": 0,
                                                           "host_assumed": 0, "seller_assumed": 0}
    text = runner.invoke(app, ["audit", "--db", str(db), "-f", "markdown"]).stdout
    assert ("2 Perplexity call(s) did not log their search context size and were charged the highest request fee; "
            "1 grounded Gemini call(s) were charged the search fee with none of Google's free allowance deducted") in text
    report = runner.invoke(app, ["report", "--db", str(db), "-f", "json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["summary"]["pricing_assumptions"]["search_context_assumed"] == 2


def test_no_assumption_no_note(tmp_path):
    db = tmp_path / "b.duckdb"
    runner = CliRunner()
    records = [sonar("p-low", "low"), grounded("g-plain", "gemini-2.5-flash", [])]
    assert runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "r.jsonl", records)), "--db", str(db)]).exit_code == 0
    text = runner.invoke(app, ["audit", "--db", str(db), "-f", "markdown"]).stdout
    assert "Priced on an assumption" not in text


def audit_after_ingest(tmp_path, records: list[dict]) -> tuple[dict, str]:
    """Ingest `records` into a new database; `audit` of it as JSON and as markdown (spaces folded)."""
    db = tmp_path / "audited.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "audited.jsonl", records)), "--db", str(db)]).exit_code == 0
    audit = runner.invoke(app, ["audit", "--db", str(db), "-f", "json"])
    assert audit.exit_code == 0, audit.output
    text = runner.invoke(app, ["audit", "--db", str(db), "-f", "markdown"]).stdout
    return json.loads(audit.stdout), " ".join(text.split())


def _chat(call_id: str, model: str, provider: str | None = None) -> dict:
    body = {"id": call_id, "object": "chat.completion", "created": 1767665333, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 6, "completion_tokens": 165, "total_tokens": 171}}
    return {"provider": provider, "response": body} if provider else body


def test_an_open_weight_model_named_by_its_repository_id_says_its_host_is_assumed(tmp_path):
    # a pydantic-ai cassette of the Hugging Face router (served by Nebius): DeepSeek's own API never
    # answers `deepseek-ai/DeepSeek-R1-0528`, so some host served it at its own rates; it is priced
    # at DeepSeek's, and the audit says so. A call whose log names its host, or DeepSeek's own id, is not counted.
    audit, text = audit_after_ingest(tmp_path, [
        _chat("hf-1", "deepseek-ai/DeepSeek-R1-0528"), _chat("ds-1", "deepseek-reasoner"),
        _chat("tg-1", "deepseek-ai/DeepSeek-R1", provider="together")])
    assert audit["pricing_assumptions"]["host_assumed"] == 1
    assert ("1 call(s) name an open-weight model by its repository id and no host: a third-party host served them, "
            "and they were charged the model maker's own API rates") in text


def test_a_host_charged_at_another_sellers_rate_says_so_until_its_own_rate_is_given(tmp_path):
    # the AWS observability guide's sample invocation log: Cohere's Command R+ on Bedrock, which
    # genai-prices lists at Cohere (its own API) but not at AWS: charged Cohere's rate, and said so;
    # a Bedrock model genai-prices lists at AWS is not counted
    audit, text = audit_after_ingest(tmp_path, [
        _chat("br-cohere", "cohere.command-r-plus-v1:0", provider="bedrock"),
        _chat("br-nova", "amazon.nova-micro-v1:0", provider="bedrock")])
    assert audit["pricing_assumptions"]["seller_assumed"] == 1
    assert ("1 call(s) ran on a host with no list price of its own for their model and were charged another seller's "
            "rate (tags['priced_as'])") in text
    db = tmp_path / "audited.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT call_id, tags['priced_as'] FROM calls ORDER BY 1").fetchall() == [
            ("br-cohere", "cohere"), ("br-nova", None)]
    # the user's own Bedrock rate for it (a table of provider aws) takes the assumption away
    table = tmp_path / "bedrock.yaml"
    table.write_text("effective_from: 2024-04-30\nsource: our AWS invoice\ncurrency: USD\nmodels:\n"
                     "  cohere.command-r-plus-v1:0:\n    provider: aws\n    input: 3\n    output: 15\n")
    assert CliRunner().invoke(app, ["prices", "reprice", "--prices", str(table), "--db", str(db)]).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT tags['priced_as'], cost_usd FROM calls WHERE call_id = 'br-cohere'").fetchall() == [
            (None, Decimal(6 * 3 + 165 * 15) / 10**6)]
