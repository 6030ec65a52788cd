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
                                                           "host_assumed": 0, "seller_assumed": 0,
                                                           "container_not_priced": 0, "guardrail_not_priced": 0,
                                                           "cache_ttl_unknown": 0}
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


def _responses(call_id: str, model: str, tools: list, output: list, usage: tuple[int, int, int, int]) -> dict:
    inp, cached, out, reasoning = usage
    return {"request": {"model": model, "input": "hi", "tools": tools},
            "response": {"object": "response", "id": call_id, "created_at": 1758313914, "model": model,
                         "status": "completed", "service_tier": "default", "output": output,
                         "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": cached},
                                   "output_tokens": out, "output_tokens_details": {"reasoning_tokens": reasoning}}}}


def test_a_call_on_openais_hosted_containers_says_their_sessions_are_not_in_the_cost(tmp_path):
    # pydantic/pydantic-ai tests/models/cassettes/test_openai_responses/
    # test_openai_responses_code_execution_return_image.yaml (commit 58772e6e938f499bb35e786f1823b3f1e5a38746):
    # gpt-5 ran one code_interpreter_call in an `auto` container; and
    # test_openai_responses_hosted_shell_with_uploaded_file.yaml (68afe786fbc2c16fa0c90dd62694695433193fba):
    # gpt-5.2's hosted shell (`container_auto`; the answer names the container it made). OpenAI bills
    # the containers apart ($0.03 a 20-minute 1 GB session; per minute since 2026-06-02), which the
    # answers do not show: the tokens are the cost, and the audit says the container is missing.
    ci = _responses("resp_68cdbdba", "gpt-5", [{"type": "code_interpreter", "container": {"type": "auto"}}],
                    [{"type": "reasoning", "id": "rs_1", "summary": []},
                     {"type": "code_interpreter_call", "id": "ci_68cdbdc3", "status": "completed", "code": "import numpy",
                      "container_id": "cntr_68cdbdbe063c8191af49ce89afa31212058dc53483a314bd"}],
                    (2687, 1920, 699, 448))
    shell = _responses("resp_0d66f6a1", "gpt-5.2",
                       [{"type": "shell", "environment": {"type": "container_auto", "file_ids": ["file-Kef7"]}}],
                       [{"type": "shell_call", "id": "sh_0d66", "call_id": "call_LLTm", "status": "completed",
                         "environment": {"type": "container_reference",
                                         "container_id": "cntr_69ad9b6b67b081988faeac9ccd1f89980b63242b06aab4d9"}}],
                       (963, 0, 108, 103))
    # a shell the caller runs on its own machine, and a call with no tool, are no container
    local = _responses("resp_local", "gpt-5.2", [{"type": "shell", "environment": {"type": "local"}}], [], (963, 0, 108, 103))
    plain = _responses("resp_plain", "gpt-5", [], [], (2687, 1920, 699, 448))
    audit, text = audit_after_ingest(tmp_path, [ci, shell, local, plain])
    assert audit["pricing_assumptions"]["container_not_priced"] == 2
    assert ("2 call(s) offered OpenAI's hosted containers (code interpreter, hosted shell): the container sessions, "
            "billed apart by memory size and minute, are not in the cost") in text
    with duckdb.connect(str(tmp_path / "audited.duckdb"), read_only=True) as con:
        assert con.execute("SELECT call_id, tags['container_tool'], tags['container_id'], cost_usd FROM calls "
                           "ORDER BY 1").fetchall() == [
            ("resp_0d66f6a1", "shell", "cntr_69ad9b6b67b081988faeac9ccd1f89980b63242b06aab4d9", Decimal("0.00319725")),
            ("resp_68cdbdba", "code_interpreter", "cntr_68cdbdbe063c8191af49ce89afa31212058dc53483a314bd",
             Decimal("0.00818875")),
            ("resp_local", None, None, Decimal("0.00319725")),
            ("resp_plain", None, None, Decimal("0.00818875"))]


def _bedrock(request_id: str, trace: dict | None, blocked: bool = False) -> dict:
    """A CloudWatch Bedrock invocation log line, shaped as real-logs/bedrock/cloudwatch-invocation-logs.jsonl."""
    body: dict = {"output": {"message": {"content": [{"text": "ok"}]}}, "stopReason": "end_turn",
                  "usage": {"inputTokens": 0 if blocked else 219, "outputTokens": 0 if blocked else 109}}
    if blocked:
        body = {"amazon-bedrock-guardrailAction": "INTERVENED", "stopReason": "guardrail_intervened"}
    if trace is not None:
        body["amazon-bedrock-trace"] = trace
    return {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2025-08-22T10:00:00Z",
            "accountId": "1", "region": "us-east-1", "requestId": request_id, "operation": "Converse",
            "modelId": "us.anthropic.claude-sonnet-4-20250514-v1:0",
            "input": {"inputContentType": "application/json", "inputTokenCount": 0 if blocked else 219},
            "output": {"outputContentType": "application/json", "outputTokenCount": 0 if blocked else 109,
                       "outputBodyJson": body}}


def test_bedrock_guardrail_units_are_tagged_and_the_cost_says_it_leaves_them_out(tmp_path):
    units = {"topicPolicyUnits": 1, "contentPolicyUnits": 1, "wordPolicyUnits": 1, "sensitiveInformationPolicyUnits": 1,
             "contextualGroundingPolicyUnits": 0, "automatedReasoningPolicyUnits": 0}
    metrics = {"g1": {"invocationMetrics": {"guardrailProcessingLatency": 281, "usage": units}}}
    both = {"guardrail": {"input": metrics, "outputs": [metrics], "actionReason": "No action."}}
    audit, text = audit_after_ingest(tmp_path, [_bedrock("r-both", both), _bedrock("r-blocked", {"guardrail": {"input": metrics}},
                                                                                   blocked=True), _bedrock("r-none", None)])
    assert audit["pricing_assumptions"]["guardrail_not_priced"] == 2
    assert "2 Bedrock call(s) ran guardrail policies, which AWS bills apart per text unit: not in the cost" in text
    with duckdb.connect(str(tmp_path / "audited.duckdb"), read_only=True) as con:
        # billed units: topic, content and sensitive information (word filters are free), on the request and the answer
        assert con.execute("SELECT call_id, tags['guardrail_units'] FROM calls ORDER BY 1").fetchall() == [
            ("r-blocked", "3"), ("r-both", "6"), ("r-none", None)]
    # `calls`, the first table a reviewer reads, says it too (it said nothing of any assumption)
    calls = CliRunner().invoke(app, ["calls", "--db", str(tmp_path / "audited.duckdb"), "-f", "json"])
    assert json.loads(calls.stdout)["pricing_assumptions"]["guardrail_not_priced"] == 2
    shown = CliRunner().invoke(app, ["calls", "--db", str(tmp_path / "audited.duckdb")], env={"COLUMNS": "200"}).stdout
    assert "2 Bedrock call(s) ran guardrail policies" in shown
