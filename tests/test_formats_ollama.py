"""Ollama's own API (/api/generate, /api/chat), as its documentation (ollama/ollama docs/api.md)
shows the answers: calls on the team's own hardware, counted, timed and never priced at a cloud
rate."""

from __future__ import annotations

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

# docs/api.md, "Generate a completion" (structured outputs) and "Chat" (no streaming)
GENERATE = {"model": "llama3.1:8b", "created_at": "2024-12-06T00:48:09.983619Z",
            "response": "{\n  \"age\": 22,\n  \"available\": true\n}", "done": True, "done_reason": "stop",
            "context": [1, 2, 3], "total_duration": 1075509083, "load_duration": 567678166, "prompt_eval_count": 28,
            "prompt_eval_duration": 236000000, "eval_count": 16, "eval_duration": 269000000}
CHAT = {"model": "llama3.2", "created_at": "2023-12-12T14:13:43.416799Z",
        "message": {"role": "assistant", "content": "Hello! How are you today?"}, "done": True,
        "total_duration": 5191566416, "load_duration": 2154458, "prompt_eval_count": 26,
        "prompt_eval_duration": 383809000, "eval_count": 298, "eval_duration": 4799921000}


def test_ollama_answers_are_self_hosted_calls_with_their_counts_and_duration(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "ollama.jsonl", [GENERATE, CHAT]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("ollama", 2, 0)
    got = {r["model"]: r for r in db.calls()}
    gen, chat = got["llama3.1:8b"], got["llama3.2"]
    assert (gen["provider"], gen["input_tokens"], gen["output_tokens"], gen["tags"]) == ("self-hosted", 28, 16, {"finish_reason": "stop"})
    assert gen["latency_ms"] == 1075.509083  # total_duration, nanoseconds
    assert (chat["input_tokens"], chat["output_tokens"], chat["response_text"]) == (26, 298, "Hello! How are you today?")
    assert str(chat["ts"]).startswith("2023-12-12 14:13:43")
    # no cloud seller's rate for an open model on the team's own machine: unknown until the
    # registry names it a self-hosted model
    assert gen["cost_usd"] is None and chat["cost_usd"] is None


def test_a_streamed_ollama_answer_is_its_closing_chunk(db, tmp_path):
    # docs/api.md, "Chat request (streaming)": chunks with done false and no counts, then the counts
    chunk = {"model": "llama3.2", "created_at": "2023-08-04T08:52:19.385406455-07:00",
             "message": {"role": "assistant", "content": "The", "images": None}, "done": False}
    final = {"model": "llama3.2", "created_at": "2023-08-04T19:22:45.499127Z", "message": {"role": "assistant", "content": ""},
             "done": True, "total_duration": 4883583458, "load_duration": 1334875, "prompt_eval_count": 26,
             "prompt_eval_duration": 342546000, "eval_count": 282, "eval_duration": 4535599000}
    (file,) = db.ingest(write_jsonl(tmp_path / "stream.jsonl", [chunk, chunk, final])).files
    assert (file.loaded, file.quarantined) == (1, 0)
    (call,) = db.calls()
    assert (call["input_tokens"], call["output_tokens"], call["tokens_estimated"]) == (26, 282, False)


def test_a_logged_request_gives_the_prompt(db, tmp_path):
    pair = {"request": {"model": "llama3.1:8b", "prompt": "Ollama is 22 years old and is busy saving the world.",
                        "format": "json", "stream": False}, "response": GENERATE}
    (file,) = db.ingest(write_jsonl(tmp_path / "pairs.jsonl", [pair])).files
    assert file.log_format == "ollama"
    (call,) = db.calls()
    assert (call["user_prompt"], call["input_tokens"], call["output_tokens"]) == (
        "Ollama is 22 years old and is busy saving the world.", 28, 16)


def test_a_pair_whose_response_is_plain_text_fails_no_file(db, tmp_path):
    """A {request, response} pair with the answer's text (not a JSON object) as `response`: Ollama's
    detection reads a pair's response as JSON, and on such text the statement failed, taking the
    file with it (a traceback). Now the line is only not an Ollama record: it is quarantined with
    its line number and the reason, and the good line beside it loads."""
    good = {"request": {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]},
            "response": {"model": "llama3.2", "created_at": "2023-12-12T14:13:43.416799Z",
                         "message": {"role": "assistant", "content": "Hello!"}, "done": True,
                         "prompt_eval_count": 26, "eval_count": 5}}
    text = {"request": {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]},
            "response": "Hello!", "status_code": 200}
    (file,) = db.ingest(write_jsonl(tmp_path / "pairs.jsonl", [good, text]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded) == ("ollama", 1)
    assert db.calls()[0]["output_tokens"] == 5
    (bad,) = db.quarantine()
    assert bad["source_line"] == 2 and bad["reason"].startswith("not an ollama record: expected `model`")
