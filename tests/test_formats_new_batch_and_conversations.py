"""Two log formats mmaudit could not read: Amazon Bedrock batch inference output (`.jsonl.out`) and
Mistral's Conversations / Agents API answers (`object: conversation.response`). Before them, a
file of either failed whole ("cannot tell the log format", exit 2) and every call in it was lost."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl
from tests.test_formats_helpers import ANY, assert_calls


def ingest(tmp_path, name: str, records: list) -> tuple[dict, list[dict], dict]:
    """`mmaudit ingest` of one file as a user runs it (priced): the file's report, the stored calls
    in line order, and what `mmaudit prices unknown` says of them."""
    db = str(tmp_path / "t.duckdb")
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / name, records)), "--db", db, "--format", "json"])
    assert done.exit_code == 0, done.output
    (file,) = json.loads(done.stdout)["files"]
    unknown = CliRunner().invoke(app, ["prices", "unknown", "--db", db, "--format", "json"])
    assert unknown.exit_code == 0, unknown.output
    con = duckdb.connect(db, read_only=True)
    try:
        return file, rows(con), json.loads(unknown.stdout)
    finally:
        con.close()

# --- Bedrock batch inference output -----------------------------------------------------------

# A real output line for Claude 3 Haiku (msg_bdrk_ id), quoted as the "inference output schema" in
# ybalbert001/intelligent-bedrock-batch-inference, glue_bedrock_batch_inference.py (commit
# 1338fe7807ba57735ba6efba94ed5b1e5b7b9b00), a one-line comment whose leading `# ` was removed.
CLAUDE_LINE = (
    '{"modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":2048,"stop_sequences":["</translation>"],'
    '"messages":[{"role":"user","content":[{"type":"text","text":"你是一位翻译专家，擅长翻译商品title。请精准的把<src>中的商品Title翻译为ru-ru, '
    '输出到<translation> xml tag中。\\n<src>HANSGO Egg Holder for Refrigerator, Deviled Eggs Dispenser Egg Storage '
    'Stackable Plastic Egg Containers Hold ups to 10 Eggs</src>\\n"}]},{"role":"assistant","content":[{"type":"text",'
    '"text":"<translation>"}]}]},"modelOutput":{"id":"msg_bdrk_018FaiigbPq6PehfhWM2GMBv","type":"message",'
    '"role":"assistant","model":"claude-3-haiku-20240307","content":[{"type":"text","text":"HANSGO Держатель для яиц '
    'для холодильника, диспенсер для яиц в горшочках, стопки для хранения яиц, пластиковые контейнеры для яиц, '
    'вмещающие до 10 яиц"}],"stop_reason":"stop_sequence","stop_sequence":"</translation>",'
    '"usage":{"input_tokens":111,"output_tokens":73}},"recordId":"meta_Appliances_0_0"}'
)
# Verbatim from the example output file of AWS's "View the results of a batch inference job"
# (docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-results.html): a Titan line and an
# error line ("an error object replaces the modelOutput field").
TITAN_LINE = ('{ "recordId" : "3223593EFGH", "modelInput" : {"inputText": "Roses are red, violets are"}, '
              '"modelOutput" : {"inputTextTokenCount": 8, "results": [{"tokenCount": 3, "outputText": "blue\\n", '
              '"completionReason": "FINISH"}]}}')
ERROR_LINE = ('{ "recordId" : "1223213ABCD", "modelInput" : {"inputText": "Hello world"}, '
              '"error" : {"errorCode" : 400, "errorMessage" : "bad request" }}')

BATCH = {"provider": "aws-bedrock", "ts": None, "is_batch": True, "operation": "chat", "latency_ms": None,
         "cached_input_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0, "ttft_ms": None, "logged_cost_usd": None}


def test_bedrock_batch_output_every_line_is_a_batch_call(tmp_path):
    file, calls, unknown = ingest(tmp_path, "meta_Appliances_0.jsonl.out", [CLAUDE_LINE, TITAN_LINE, ERROR_LINE])
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("bedrock-batch", 3, 0)
    assert_calls(calls, [
        # the Claude body names its model; its usage has the cache outside input_tokens (none here): 111 / 73
        {**BATCH, "call_id": "msg_bdrk_018FaiigbPq6PehfhWM2GMBv", "model": "claude-3-haiku-20240307",
         "input_tokens": 111, "output_tokens": 73, "status": "ok", "http_status": 200, "error_type": None,
         "tags": {"record_id": "meta_Appliances_0_0"}, "prompt_hash": ANY, "n_messages": 2, "prompt_chars": 226,
         "user_prompt": json.loads(CLAUDE_LINE)["modelInput"]["messages"][0]["content"][0]["text"],
         "response_text": json.loads(CLAUDE_LINE)["modelOutput"]["content"][0]["text"]},
        # Titan: inputTextTokenCount 8 in, results[].tokenCount 3 out; no body names the job's model
        {**BATCH, "call_id": calls[1]["call_id"], "model": None, "input_tokens": 8, "output_tokens": 3,
         "status": "ok", "http_status": 200, "error_type": None, "tags": {"record_id": "3223593EFGH"},
         "prompt_hash": ANY, "n_messages": 1, "prompt_chars": 26, "user_prompt": "Roses are red, violets are",
         "response_text": "blue\n"},
        # the error line: a failed call, errorCode 400 its HTTP status, no tokens
        {**BATCH, "call_id": calls[2]["call_id"], "model": None, "input_tokens": 0, "output_tokens": 0,
         "status": "error", "error_type": "client", "http_status": 400, "tags": {"record_id": "1223213ABCD"},
         "prompt_hash": ANY, "n_messages": 1, "prompt_chars": 11, "user_prompt": "Hello world"},
    ])
    # a recordId is unique within one job only: the id also holds the line's hash
    assert calls[1]["call_id"].startswith("bedrock-batch:3223593EFGH:")
    assert calls[2]["call_id"].startswith("bedrock-batch:1223213ABCD:")
    # Claude 3 Haiku on Bedrock resolves to its Bedrock price row, and as a batch call it is charged
    # Bedrock's batch rate, half the on-demand (data/pricing/batch_rules.yaml): 111 x $0.125/M +
    # 73 x $0.625/M = $0.0000595, never the on-demand $0.000119
    haiku = calls[0]
    assert haiku["model_key"] == "aws/regional.anthropic.claude-3-haiku-20240307-v1:0"
    assert haiku["cost_usd"] == Decimal("0.0000595")
    assert unknown["unpriced_calls"] == []
    # the Titan and failed calls name no model: unpriced and reported, never $0
    assert calls[1]["cost_usd"] is None and calls[2]["cost_usd"] is None
    assert [(u["model"], u["calls"], u["reason"]) for u in unknown["unknown_models"]] == [
        ("(none)", 2, "the log names no model")]

# Other models' InvokeModel bodies, in the shapes AWS documents for each family's response (Meta
# Llama: generation, prompt_token_count, generation_token_count; Amazon Nova: output.message,
# usage.inputTokens/outputTokens with cacheReadInputTokenCount; Titan embeddings: embedding,
# inputTextTokenCount); the values are ours. A Claude body with a cache read and write, and an
# error whose errorCode is an exception name (aws-samples' BedrockBatchItem types it `str`).
LLAMA = {"recordId": "REC00000001", "modelInput": {"prompt": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"},
         "modelOutput": {"generation": "Hello!", "prompt_token_count": 12, "generation_token_count": 3, "stop_reason": "stop"}}
NOVA = {"recordId": "REC00000002", "modelInput": {"system": [{"text": "Be brief."}], "messages": [{"role": "user", "content": [{"text": "Hi"}]}]},
        "modelOutput": {"output": {"message": {"role": "assistant", "content": [{"text": "Hello."}]}}, "stopReason": "end_turn",
                        "usage": {"inputTokens": 20, "outputTokens": 4, "totalTokens": 124, "cacheReadInputTokenCount": 100,
                                  "cacheWriteInputTokenCount": 0}}}
EMBED = {"recordId": "REC00000003", "modelInput": {"inputText": "Hello world"},
         "modelOutput": {"embedding": [0.1, -0.2], "inputTextTokenCount": 3}}
CLAUDE_CACHED = {"recordId": "REC00000004", "modelInput": {"messages": [{"role": "user", "content": "Hi"}]},
                 "modelOutput": {"id": "msg_bdrk_01", "type": "message", "model": "claude-3-5-haiku-20241022",
                                 "content": [{"type": "text", "text": "Hello."}],
                                 "usage": {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 2000,
                                           "cache_creation_input_tokens": 300}}}
THROTTLED = {"recordId": "REC00000005", "modelInput": {"inputText": "Hi"},
             "error": {"errorCode": "ThrottlingException", "errorMessage": "Too many requests"}}


def test_bedrock_batch_other_model_bodies(tmp_path):
    file, calls, _ = ingest(tmp_path, "job.jsonl.out", [LLAMA, NOVA, EMBED, CLAUDE_CACHED, THROTTLED])
    assert (file["loaded"], file["quarantined"]) == (5, 0)
    text = {"prompt_hash": ANY, "n_messages": 1}
    assert_calls(calls, [
        # Llama: prompt_token_count / generation_token_count; the template's user turn is the prompt
        {**BATCH, **text, "call_id": calls[0]["call_id"], "model": None, "input_tokens": 12, "output_tokens": 3,
         "status": "ok", "http_status": 200, "error_type": None, "tags": {"record_id": "REC00000001"},
         "user_prompt": "Hi", "response_text": "Hello!", "prompt_chars": 71},
        # Nova: the cache read is added to inputTokens, as the bedrock format adds it: 20 + 100
        {**BATCH, **text, "call_id": calls[1]["call_id"], "model": None, "input_tokens": 120, "cached_input_tokens": 100,
         "output_tokens": 4, "status": "ok", "http_status": 200, "error_type": None, "tags": {"record_id": "REC00000002"},
         "system_prompt": "Be brief.", "user_prompt": "Hi", "response_text": "Hello.", "prompt_chars": 12},
        # Titan embeddings: 3 in, nothing out
        {**BATCH, **text, "call_id": calls[2]["call_id"], "model": None, "operation": "embedding", "input_tokens": 3,
         "output_tokens": 0, "status": "ok", "http_status": 200, "error_type": None, "tags": {"record_id": "REC00000003"},
         "user_prompt": "Hello world", "prompt_chars": 11},
        # Claude: 10 + 2,000 cache reads + 300 cache writes
        {**BATCH, **text, "call_id": "msg_bdrk_01", "model": "claude-3-5-haiku-20241022", "input_tokens": 2310,
         "cached_input_tokens": 2000, "cache_write_tokens": 300, "output_tokens": 5, "status": "ok", "http_status": 200,
         "error_type": None, "tags": {"record_id": "REC00000004"}, "user_prompt": "Hi", "response_text": "Hello.",
         "prompt_chars": 2},
        # an exception name as errorCode: its HTTP status as Bedrock answers it
        {**BATCH, **text, "call_id": calls[4]["call_id"], "model": None, "input_tokens": 0, "output_tokens": 0,
         "status": "error", "error_type": "rate_limit", "http_status": 429, "tags": {"record_id": "REC00000005"},
         "user_prompt": "Hi", "prompt_chars": 2},
    ])
    # the Claude call at Bedrock's batch rate, half of Claude 3.5 Haiku's $0.80 / $4 (cache reads
    # $0.08, writes $1): 10 x 0.4 + 2,000 x 0.04 + 300 x 0.5 + 5 x 2 = 244 per 1M; the calls whose
    # model the job's output does not name are unpriced, never $0
    assert [c["cost_usd"] for c in calls] == [None, None, None, Decimal("0.000244"), None]



def test_jsonl_out_files_are_found_in_a_directory(db, tmp_path):
    # the job's S3 output prefix as downloaded: the output file and the job's manifest (totals only)
    job = tmp_path / "output" / "job-id"
    job.mkdir(parents=True)
    write_jsonl(job / "meta_Appliances_0.jsonl.out", [CLAUDE_LINE, TITAN_LINE, ERROR_LINE])
    (job / "manifest.json.out").write_text(json.dumps(
        {"totalRecordCount": 3, "processedRecordCount": 3, "successRecordCount": 2, "errorRecordCount": 1,
         "inputTokenCount": 119, "outputTokenCount": 76}) + "\n")
    (file,) = db.ingest(tmp_path / "output").files
    assert file.path.endswith("meta_Appliances_0.jsonl.out") and file.loaded == 3
    assert len(db.calls()) == 3


def test_bedrock_batch_input_file_is_refused(db, tmp_path):
    lines = [{"recordId": "3223593EFGH", "modelInput": {"inputText": "Roses are red, violets are"}}]
    (file,) = db.ingest(write_jsonl(tmp_path / "input.jsonl", lines)).files
    assert file.status == "failed" and "batch input file" in file.message


# --- Mistral Conversations / Agents API ---------------------------------------------------------

# A real answer: an agent on mistral-medium-latest, 2026-03-02, pasted as a comment below a PHP
# client's curl_exec (find_string id 53257892838; the comment's line breaks joined, a stray `k`
# after the closing brace dropped).
AGENT_LINE = (
    '{"object":"conversation.response","conversation_id":"conv_019caeab2a14717f98fa1d9f6d3d1c3e","outputs":[{"object":'
    '"entry","type":"message.output","created_at":"2026-03-02T13:09:39.230436Z","completed_at":"2026-03-02T13:09:39.498332Z",'
    '"agent_id":"ag_019c72abc7447066a80fb494889902a3","model":"mistral-medium-latest","id":"msg_019caeab2b1e7554afbc12f4fc750127",'
    '"role":"assistant","content":"Dazu kann ich nichts sagen. Wie kann ich dir bei kulturellen Angeboten oder Initiativen in '
    'Karlsruhe helfen?"}],"usage":{"prompt_tokens":429,"completion_tokens":24,"total_tokens":453}}'
)
# The code-interpreter example output on Mistral's docs (docs.mistral.ai/agents/connectors/code_interpreter)
CODE_LINE = (
    '{"conversation_id": "conv_06835b9dc0c7749180001958779d13c5", "outputs": [{"content": "Sure, I can help with that. '
    'Here\'s a simple Python function to generate the first 20 Fibonacci numbers.", "object": "entry", "type": "message.output", '
    '"created_at": "2025-05-27T13:10:52.208822Z", "completed_at": "2025-05-27T13:10:52.470589Z", "id": '
    '"msg_06835b9dc35772be800073298138bacc", "agent_id": "ag_06835b9dbded7f39800034281a63e4f0", "model": "mistral-medium-2505", '
    '"role": "assistant"}, {"name": "code_interpreter", "object": "entry", "type": "tool.execution", "created_at": '
    '"2025-05-27T13:10:52.561656Z", "completed_at": "2025-05-27T13:10:54.431304Z", "id": "tool_exec_06835b9dc8fc763880004b7aa94286d8", '
    '"info": {"code": "def fibonacci(n):\\n    fib_sequence = [0, 1]\\n    for i in range(2, n):\\n        fib_sequence.append('
    'fib_sequence[-1] + fib_sequence[-2])\\n    return fib_sequence[:n]\\n\\nfibonacci_20 = fibonacci(20)\\nfibonacci_20", '
    '"code_output": "[0,\\n 1,\\n 1,\\n 2,\\n 3,\\n 5,\\n 8,\\n 13,\\n 21,\\n 34,\\n 55,\\n 89,\\n 144,\\n 233,\\n 377,\\n 610,\\n '
    '987,\\n 1597,\\n 2584,\\n 4181]\\n"}}, {"content": "The first 20 values of the Fibonacci sequence are:\\n\\n[0, 1, 1, 2, 3, 5, 8, '
    '13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181]", "object": "entry", "type": "message.output", "created_at": '
    '"2025-05-27T13:10:54.517935Z", "completed_at": "2025-05-27T13:10:55.314698Z", "id": "msg_06835b9de84974fa8000f1a97be62f2e", '
    '"agent_id": "ag_06835b9dbded7f39800034281a63e4f0", "model": "mistral-medium-2505", "role": "assistant"}], "usage": '
    '{"prompt_tokens": 95, "completion_tokens": 209, "total_tokens": 399, "connector_tokens": 95, "connectors": '
    '{"code_interpreter": 1}}, "object": "conversation.response"}'
)

MISTRAL = {"provider": "mistral", "operation": "chat", "status": "ok", "http_status": 200, "error_type": None, "is_batch": False,
           "web_searches": 0, "reasoning_tokens": 0, "ttft_ms": None, "logged_cost_usd": None, "cached_input_tokens": 0,
           "cache_write_tokens": 0}


def test_mistral_conversation_answers(tmp_path):
    file, calls, unknown = ingest(tmp_path, "agent.jsonl", [AGENT_LINE, CODE_LINE])
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("mistral-conversations", 2, 0)
    code_text = [e["content"] for e in json.loads(CODE_LINE)["outputs"] if e["type"] == "message.output"]
    assert_calls(calls, [
        {**MISTRAL, "model": "mistral-medium-latest",
         "call_id": "conv_019caeab2a14717f98fa1d9f6d3d1c3e:msg_019caeab2b1e7554afbc12f4fc750127",
         "ts": ANY, "input_tokens": 429, "output_tokens": 24, "latency_ms": 267.896,  # 39.498332 - 39.230436 s
         "response_text": json.loads(AGENT_LINE)["outputs"][0]["content"],
         "tags": {"conversation_id": "conv_019caeab2a14717f98fa1d9f6d3d1c3e", "agent_id": "ag_019c72abc7447066a80fb494889902a3"}},
        {**MISTRAL, "model": "mistral-medium-2505",
         "call_id": "conv_06835b9dc0c7749180001958779d13c5:msg_06835b9de84974fa8000f1a97be62f2e",
         # input: 95 prompt + 95 connector (the code's output the model read; total_tokens 399 = 95 + 209 + 95)
         "ts": ANY, "input_tokens": 190, "output_tokens": 209, "latency_ms": 3105.876,  # 13:10:52.208822 to :55.314698
         "response_text": "\n".join(code_text),
         "tags": {"conversation_id": "conv_06835b9dc0c7749180001958779d13c5", "agent_id": "ag_06835b9dbded7f39800034281a63e4f0",
                  "connector_tokens": "95", "connectors": '{"code_interpreter":1}'}},
    ])
    agent, code = calls
    assert agent["ts"].isoformat() == "2026-03-02T13:09:39.230436+00:00"
    assert code["ts"].isoformat() == "2025-05-27T13:10:52.208822+00:00"
    # 429 x $0.40/M + 24 x $2/M (mistral-medium-latest on 2026-03-02)
    assert agent["cost_usd"] == Decimal("0.0002196")
    # 190 x $0.40/M + 209 x $2/M; the code interpreter's own fee has no rate here (its count is in tags)
    assert code["cost_usd"] == Decimal("0.000494")
    assert unknown["unknown_models"] == [] and unknown["unpriced_calls"] == []



# A web-search answer (mistral-small-latest) quoted in dotnet/extensions discussion #7181
# ("MEAI representation for Mistral built-in tools"); the quote is cut after `connector_tokens`,
# so the usage here ends there (its `connectors` object is not known).
SEARCH = {
    "object": "conversation.response", "conversation_id": "conv_019b655c73d575a4b026a57753826cf8",
    "outputs": [
        {"object": "entry", "type": "tool.execution", "created_at": "2025-12-28T14:28:36.565958Z",
         "completed_at": "2025-12-28T14:28:37.153563Z", "id": "tool_exec_019b655c74557142bf221e736c80708a",
         "name": "web_search", "arguments": "{\"query\": \"Mistral AI\"}", "function": "web_search", "info": {}},
        {"object": "entry", "type": "message.output", "created_at": "2025-12-28T14:28:37.304953Z",
         "completed_at": "2025-12-28T14:28:38.278256Z", "id": "msg_019b655c77387030959b66a714ecc98d",
         "model": "mistral-small-latest", "role": "assistant", "content": [
             {"type": "text", "text": "The first result from the web search for \"Mistral AI\" is their official website..."},
             {"type": "tool_reference", "tool": "web_search", "title": "Frontier AI LLMs, assistants, agents, services | Mistral AI",
              "url": "https://mistral.ai/", "favicon": None, "description": "The most powerful AI platform for enterprises..."},
             {"type": "text", "text": "."}]}],
    "usage": {"prompt_tokens": 177, "completion_tokens": 134, "total_tokens": 4240, "connector_tokens": 3929},
}


def test_mistral_web_search_is_counted_and_never_priced_without_its_fee(tmp_path):
    _, (call,), unknown = ingest(tmp_path, "search.jsonl", [SEARCH])
    # 177 + 3,929 search-result tokens in (total 4,240 = 177 + 134 + 3,929); one web_search entry
    assert (call["model"], call["input_tokens"], call["output_tokens"], call["web_searches"]) == (
        "mistral-small-latest", 4106, 134, 1)
    assert call["tags"] == {"conversation_id": "conv_019b655c73d575a4b026a57753826cf8", "connector_tokens": "3929"}
    # no Mistral web-search rate on record: reported, not priced on its tokens alone
    assert call["cost_usd"] is None
    assert [(u["model"], u["reason"]) for u in unknown["unpriced_calls"]] == [
        ("mistral-small-latest", "no web-search rate (the call ran server-side web searches)")]


def test_mistral_conversation_in_a_pair(tmp_path):
    # the real agent answer as a logger wraps it, with the request it answered (the request is ours)
    pair = {"timestamp": "2026-03-02T13:09:39Z", "request": {"agent_id": "ag_019c72abc7447066a80fb494889902a3",
                                                            "inputs": [{"role": "user", "content": "Was kostet ein Döner?"}]},
            "response": json.loads(AGENT_LINE)}
    _, (call,), _ = ingest(tmp_path, "pairs.jsonl", [pair])
    assert (call["model"], call["input_tokens"], call["output_tokens"], call["user_prompt"], call["n_messages"]) == (
        "mistral-medium-latest", 429, 24, "Was kostet ein Döner?", 1)
    assert call["ts"].isoformat() == "2026-03-02T13:09:39+00:00"
    assert call["cost_usd"] == Decimal("0.0002196")


def test_a_reserialised_copy_of_a_batch_output_adds_no_calls(tmp_path):
    """Lines without a body id are keyed on the record without its layout: the same job's output
    saved again as a JSON array is the same calls."""
    db = tmp_path / "r.duckdb"
    (tmp_path / "job.jsonl.out").write_text(f"{TITAN_LINE}\n{ERROR_LINE}\n", encoding="utf-8")
    (tmp_path / "again.json").write_text(json.dumps([json.loads(TITAN_LINE), json.loads(ERROR_LINE)], indent=2),
                                         encoding="utf-8")
    for name in ("job.jsonl.out", "again.json"):
        assert CliRunner().invoke(app, ["ingest", str(tmp_path / name), "--db", str(db)]).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM calls").fetchall() == [(2,)]
    finally:
        con.close()
