"""LangSmith runs (Client.list_runs): llm runs are calls, chain and tool runs are skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.conftest import write_jsonl

TRACE = "1f0c2b5e-0000-4000-8000-000000000001"


def lc(kind, content):
    """A message as LangChain serialises it into a run's inputs."""
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", kind],
            "kwargs": {"content": content, "type": {"HumanMessage": "human", "SystemMessage": "system", "AIMessage": "ai"}[kind]}}


CHAIN = {"id": "run-chain", "name": "RunnableSequence", "run_type": "chain", "trace_id": TRACE,
         "dotted_order": "20250502T100000000000Zrun-chain", "start_time": "2025-05-02T10:00:00",
         "end_time": "2025-05-02T10:00:03", "status": "success", "inputs": {"question": "x"}, "outputs": {"output": "y"},
         "prompt_tokens": 5300, "completion_tokens": 80, "total_tokens": 5380}
CHAT = {"id": "run-llm-1", "name": "ChatAnthropic", "run_type": "llm", "trace_id": TRACE, "parent_run_id": "run-chain",
        "dotted_order": "20250502T100000000000Zrun-chain.20250502T100000100000Zrun-llm-1",
        "start_time": "2025-05-02T10:00:00.100000", "end_time": "2025-05-02T10:00:02.600000",
        "first_token_time": "2025-05-02T10:00:00.500000", "status": "success", "error": None,
        "prompt_tokens": 5300, "completion_tokens": 80, "total_tokens": 5380,
        "prompt_token_details": {"cache_read": 4000, "cache_creation": 1000},
        "completion_token_details": {"reasoning": 0}, "total_cost": "0.0045", "tags": ["prod", "rag"],
        "extra": {"invocation_params": {"model": "claude-3-5-haiku-20241022", "_type": "anthropic-chat",
                                        "tools": [{"name": "search"}]},
                  "metadata": {"ls_provider": "anthropic", "ls_model_name": "claude-3-5-haiku-20241022"}},
        "inputs": {"messages": [[lc("SystemMessage", "You answer from the docs."),
                                 lc("HumanMessage", "Summarise the attached release notes in two lines.")]]},
        "outputs": {"generations": [[{"text": "v2 adds dark mode.", "type": "ChatGeneration"}]],
                    "llm_output": {"model_name": "claude-3-5-haiku-20241022"}}}
WRAPPED = {"id": "run-llm-2", "name": "ChatOpenAI", "run_type": "llm", "trace_id": "t2", "start_time": "2025-05-02T10:01:00Z",
           "end_time": "2025-05-02T10:01:01Z", "status": "success", "prompt_tokens": 120, "completion_tokens": 700,
           "completion_token_details": {"reasoning": 512}, "total_cost": None,
           "extra": {"invocation_params": {"model": "o4-mini"}, "metadata": {"ls_provider": "openai"}},
           "inputs": {"messages": [{"role": "user", "content": "Is 221 prime?"}], "model": "o4-mini"},
           "outputs": {"choices": [{"message": {"role": "assistant", "content": "No: 13 x 17."}}]}}
FAILED = {"id": "run-llm-3", "name": "ChatOpenAI", "run_type": "llm", "trace_id": "t3", "start_time": "2025-05-02T10:02:00Z",
          "end_time": "2025-05-02T10:02:00.400Z", "status": "error",
          "error": "RateLimitError('Error code: 429 - {\\'error\\': {\\'message\\': \\'Rate limit reached\\'}}')",
          "extra": {"invocation_params": {"model_name": "gpt-4o"}, "metadata": {"ls_provider": "openai"}},
          "inputs": {"messages": [[lc("HumanMessage", "hi")]]}, "outputs": None}
EMBED = {"id": "run-emb-1", "name": "OpenAIEmbeddings", "run_type": "embedding", "trace_id": "t4",
         "start_time": "2025-05-02T10:03:00Z", "end_time": "2025-05-02T10:03:00.200Z", "status": "success",
         "prompt_tokens": 64, "completion_tokens": 0,
         "extra": {"invocation_params": {"model": "text-embedding-3-small"}, "metadata": {"ls_provider": "openai"}}}
TOOL = {"id": "run-tool", "name": "search", "run_type": "tool", "trace_id": TRACE, "start_time": "2025-05-02T10:00:01Z",
        "status": "success"}

def test_langsmith_runs(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "runs.jsonl", [CHAIN, CHAT, WRAPPED, FAILED, EMBED, TOOL]))
    (file,) = result.files
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("langsmith", 4, 2, 0)
    rows = {r["call_id"]: r for r in db.calls()}
    chat = rows["run-llm-1"]
    # prompt_tokens already holds the 4000 cache reads and 1000 cache writes
    assert (chat["provider"], chat["model"], chat["operation"]) == ("anthropic", "claude-3-5-haiku-20241022", "chat")
    assert (chat["input_tokens"], chat["cached_input_tokens"], chat["cache_write_tokens"], chat["output_tokens"]) == (
        5300, 4000, 1000, 80)
    assert (chat["latency_ms"], chat["ttft_ms"], float(chat["logged_cost_usd"])) == (2500.0, 400.0, 0.0045)
    assert chat["ts"] == datetime(2025, 5, 2, 10, 0, 0, 100000, tzinfo=UTC)
    assert (chat["system_prompt"], chat["user_prompt"], chat["response_text"]) == (
        "You answer from the docs.", "Summarise the attached release notes in two lines.", "v2 adds dark mode.")
    assert (chat["n_messages"], chat["n_tools"]) == (2, 1)
    assert chat["tags"] == {"trace_id": TRACE, "run_name": "ChatAnthropic", "tags": "prod,rag"}
    wrapped = rows["run-llm-2"]
    assert (wrapped["model"], wrapped["output_tokens"], wrapped["reasoning_tokens"], wrapped["logged_cost_usd"]) == (
        "o4-mini", 700, 512, None)
    assert (wrapped["user_prompt"], wrapped["response_text"], wrapped["n_messages"]) == ("Is 221 prime?", "No: 13 x 17.", 1)
    failed = rows["run-llm-3"]
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["model"]) == (
        "error", "rate_limit", 429, "gpt-4o")
    assert (failed["input_tokens"], failed["output_tokens"]) == (0, 0)
    embed = rows["run-emb-1"]
    assert (embed["operation"], embed["model"], embed["input_tokens"], embed["output_tokens"]) == (
        "embedding", "text-embedding-3-small", 64, 0)


def test_counts_from_the_answer_and_a_runs_page(db, tmp_path):
    # a run exported before LangSmith filled in its counts: LangChain's usage metadata on the answer;
    # and the REST API's page shape, {"runs": [...], "cursors": {...}}, saved as one JSON document
    usage = {"input_tokens": 900, "output_tokens": 40, "total_tokens": 940,
             "input_token_details": {"cache_read": 512}, "output_token_details": {"reasoning": 0}}
    run = {**WRAPPED, "id": "run-llm-9", "prompt_tokens": None, "completion_tokens": None, "completion_token_details": None,
           "outputs": {"generations": [[{"text": "ok", "message": {"lc": 1, "type": "constructor",
                                                                  "id": ["langchain", "schema", "messages", "AIMessage"],
                                                                  "kwargs": {"content": "ok", "usage_metadata": usage}}}]]}}
    page = tmp_path / "runs.json"
    page.write_text(json.dumps({"runs": [run, TOOL], "cursors": {"next": None}}, indent=2))
    (file,) = db.ingest(page).files
    assert (file.log_format, file.loaded, file.skipped) == ("langsmith", 1, 1)
    (row,) = db.calls()
    assert (row["input_tokens"], row["cached_input_tokens"], row["output_tokens"], row["response_text"]) == (900, 512, 40, "ok")


def test_the_shares_of_the_counts_from_the_answers_usage_or_the_providers(db, tmp_path):
    # langsmith-sdk's wrap_openai test data (test_data/wrap_openai_chat_complex_usage.json), as
    # LangSmith stores the run: only `outputs.usage_metadata`, whose reasoning share is 2,176 of
    # o1-mini's 3,171 output tokens; and a run with only the provider's token_usage (OpenAI's names)
    usage = {"input_tokens": 43, "output_tokens": 3171, "total_tokens": 3214,
             "input_token_details": {"cache_read": 0}, "output_token_details": {"reasoning": 2176}}
    blank = {"prompt_tokens": None, "completion_tokens": None, "completion_token_details": None, "prompt_token_details": None}
    wrapped = {**WRAPPED, **blank, "id": "run-o1", "outputs": {"object": "chat.completion", "usage_metadata": usage}}
    token_usage = {"prompt_tokens": 2000, "completion_tokens": 700, "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                   "completion_tokens_details": {"reasoning_tokens": 600, "audio_tokens": 0}}
    legacy = {**WRAPPED, **blank, "id": "run-legacy", "outputs": {"llm_output": {"token_usage": token_usage}}}
    db.ingest(write_jsonl(tmp_path / "runs.jsonl", [wrapped, legacy]))
    got = {r["call_id"]: (r["input_tokens"], r["cached_input_tokens"], r["output_tokens"], r["reasoning_tokens"]) for r in db.calls()}
    assert got == {"run-o1": (43, 0, 3171, 2176), "run-legacy": (2000, 1024, 700, 600)}


def test_a_runs_latency_keeps_its_microseconds(db, tmp_path):
    # langsmith-sdk's o1-mini run above: 23:20:28.777718 to 23:20:46.503656 is 17,725.938 ms
    # (whole milliseconds of each end were subtracted before: 17,726)
    run = {**WRAPPED, "id": "run-us", "start_time": "2024-10-08T23:20:28.777718+00:00",
           "end_time": "2024-10-08T23:20:46.503656+00:00"}
    db.ingest(write_jsonl(tmp_path / "runs.jsonl", [run]))
    assert db.calls()[0]["latency_ms"] == 17725.938
