"""Calls to servers a team runs itself, told by what their answers say (docs/formats.md, "Calls to
your own servers"): llama.cpp's and LM Studio's OpenAI-compatible bodies are `self-hosted`, never a
cloud seller's rate; a vLLM answer naming `openai/gpt-oss-*` by its repository id is counted as
priced on an assumed host; Ollama's `/api/embed` answers are read; Ollama's cloud models are no
self-hosted call. Real records, each with its source."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import rows, write_jsonl

M = Decimal(10**6)

# canonical/inference-snaps docs/tutorial/create-inference-snap.md (commit 25456c4f9865444dbbd5880bdb6c1e175707b9ae):
# `curl http://localhost:9090/v1/chat/completions` to llama-server (Gemma 3 1B GGUF), started with
# no alias: it answers with its default `gpt-3.5-turbo`, its build as fingerprint, its `timings`
LLAMA_CPP = {"choices": [{"finish_reason": "length", "index": 0, "message": {
    "role": "assistant", "content": "Okay, here are the 3 main tourist attractions in Paris:\n\n1.  **The Eiffel Tower:** "
    "Undoubtedly the most iconic landmark in the world"}}], "created": 1763044754, "model": "gpt-3.5-turbo",
    "system_fingerprint": "b1-6a746cf", "object": "chat.completion",
    "usage": {"completion_tokens": 30, "prompt_tokens": 28, "total_tokens": 58},
    "id": "chatcmpl-PLT9wXbZiJ6XXxHCQUBsTz9wj59y2KHU",
    "timings": {"prompt_n": 28, "prompt_ms": 90.995, "prompt_per_token_ms": 3.249821428571429,
                "prompt_per_second": 307.7092147920215, "predicted_n": 30, "predicted_ms": 833.198,
                "predicted_per_token_ms": 27.773266666666665, "predicted_per_second": 36.005847349609574}}
# the last two chunks of a llama-server stream (`stream_options.include_usage`), quoted in a
# llama-server benchmark script's comments (code index file 56261897329)
_STREAM_ID = "chatcmpl-nFCxRKKHfmmnVXEHbeKtPcEqHXBZvQCr"
LLAMA_CPP_STREAM = [
    {"choices": [{"finish_reason": "tool_calls", "index": 0, "delta": {}}], "created": 1779349198, "id": _STREAM_ID,
     "model": "Qwen3.5-9B-Q4_K_M.gguf", "system_fingerprint": "b9251-e2b129e1b", "object": "chat.completion.chunk"},
    {"choices": [], "created": 1779349198, "id": _STREAM_ID, "model": "Qwen3.5-9B-Q4_K_M.gguf",
     "system_fingerprint": "b9251-e2b129e1b", "object": "chat.completion.chunk",
     "usage": {"completion_tokens": 665, "prompt_tokens": 808, "total_tokens": 1473,
               "prompt_tokens_details": {"cached_tokens": 804}},
     "timings": {"cache_n": 804, "prompt_n": 4, "prompt_ms": 128.301, "prompt_per_token_ms": 32.07525,
                 "prompt_per_second": 31.17668607415375, "predicted_n": 665, "predicted_ms": 20629.211,
                 "predicted_per_token_ms": 31.021369924812028, "predicted_per_second": 32.235842660196745,
                 "draft_n": 604, "draft_n_accepted": 515}}]
# OpenAI's API reference, "Create chat completion" response: OpenAI's fingerprints are `fp_<hex>`
OPENAI = {"id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "gpt-4o-mini",
          "system_fingerprint": "fp_44709d6fcb",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "\n\nHello there, how may I assist you today?"},
                       "logprobs": None, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}}
# `vllm serve openai/gpt-oss-120b` on a cluster node, its answer pasted in a README (LeRobot
# instruction-augmentation tool; code index file 12182004432): no fingerprint, vLLM's null fields
VLLM_GPT_OSS = {"id": "chatcmpl-bcd524af9a884fc88fba39f6b6a94551", "object": "chat.completion", "created": 1769329277,
                "model": "openai/gpt-oss-120b",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "日本の首都は東京（とうきょう）です。",
                                                     "refusal": None, "annotations": None, "audio": None,
                                                     "function_call": None, "tool_calls": [],
                                                     "reasoning_content": "The user asks in Japanese. Answer: Tokyo."},
                             "logprobs": None, "finish_reason": "stop", "stop_reason": None}],
                "service_tier": None, "system_fingerprint": None,
                "usage": {"prompt_tokens": 77, "total_tokens": 138, "completion_tokens": 61, "prompt_tokens_details": None},
                "prompt_logprobs": None, "kv_transfer_params": None}
# an LM Studio server log line `[openai/gpt-oss-20b] Generated prediction: {...}` in an Obsidian
# app's docs (code index file 15831085582; the answer's text shortened): `stats` and a fingerprint
# that is the model id, as in every LM Studio answer found
LM_STUDIO = {"id": "chatcmpl-y3l0el65ebqdz9zd4jkl8", "object": "chat.completion", "created": 1760454528,
             "model": "openai/gpt-oss-20b",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "Here's a quick snapshot of your vault ...",
                                                  "reasoning": "We need to present list.", "tool_calls": []},
                          "logprobs": None, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 11089, "completion_tokens": 206, "total_tokens": 11295},
             "stats": {}, "system_fingerprint": "openai/gpt-oss-20b"}

# Ollama's API documentation, /api/embed "Response" (ollama/ollama docs/api.md, commit
# 9fbfa74219fa74d030c816cc99d3bee0d1c1923d): no `created_at`, no `done`
OLLAMA_EMBED = {"model": "all-minilm", "embeddings": [[0.010071029, -0.0017594862, 0.05007221, 0.04692972, 0.054916814,
                                                       0.008599704, 0.105441414, -0.025878139, 0.12958129, 0.031952348]],
                "total_duration": 14143917, "load_duration": 1019500, "prompt_eval_count": 8}
# A user's setup notes (code index file 57367055813): `curl localhost:11434/api/generate` of
# `minimax-m2.5:cloud`, which the daemon relayed to ollama.com (first chunk and last two), and of a
# local `gpt-oss:20b` on a Mac mini (its `context` array shortened)
_CLOUD = {"model": "minimax-m2.5:cloud", "remote_model": "minimax-m2.5", "remote_host": "https://ollama.com:443"}
OLLAMA_CLOUD = [
    {**_CLOUD, "created_at": "2026-02-24T01:51:49.106945424Z", "response": "", "thinking": "The user", "done": False},
    {**_CLOUD, "created_at": "2026-02-24T01:51:59.260522453Z", "response": "", "done": False},
    {**_CLOUD, "created_at": "2026-02-24T01:51:59.309664628Z", "response": "", "done": True, "done_reason": "stop",
     "total_duration": 12316299237, "prompt_eval_count": 56, "eval_count": 376}]
OLLAMA_LOCAL = {"model": "gpt-oss:20b", "created_at": "2026-03-23T04:01:22.68395Z", "response": "", "done": True,
                "done_reason": "stop", "context": [200006, 17360, 200008], "total_duration": 5973176709,
                "load_duration": 3409109542, "prompt_eval_count": 72, "prompt_eval_duration": 347428958, "eval_count": 109,
                "eval_duration": 2141209880}


def ingest(tmp_path, name: str, records: list[dict], *extra: str) -> tuple[dict, list[dict]]:
    """`mmaudit ingest` of `records` into a new database: its JSON summary and the stored calls."""
    db = tmp_path / f"{name}.duckdb"
    done = CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / f"{name}.jsonl", records)), "--db", str(db),
                                    "--format", "json", *extra])
    assert done.exit_code == 0, done.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        return json.loads(done.stdout), rows(con)
    finally:
        con.close()


def cli_json(*args: str) -> dict:
    done = CliRunner().invoke(app, [*args, "--format", "json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_a_llama_cpp_answer_is_self_hosted_never_openais_rate(tmp_path):
    _, calls = ingest(tmp_path, "l", [LLAMA_CPP, *LLAMA_CPP_STREAM, OPENAI])
    got = {c["call_id"]: (c["provider"], c["model"], c["input_tokens"], c["cached_input_tokens"], c["output_tokens"],
                          c["cost_usd"]) for c in calls}
    # before: openai at gpt-3.5-turbo's $0.50 / $1.50 per 1M, 28 x 0.5 + 30 x 1.5 = $0.000059 OpenAI never
    # billed; the stream's call was `alibaba` (a Qwen model's maker). Now both are the team's own
    # server: unpriced until a self-hosted registry entry names them
    assert got["chatcmpl-PLT9wXbZiJ6XXxHCQUBsTz9wj59y2KHU"] == ("self-hosted", "gpt-3.5-turbo", 28, 0, 30, None)
    assert got[_STREAM_ID] == ("self-hosted", "Qwen3.5-9B-Q4_K_M.gguf", 808, 804, 665, None)
    # OpenAI's own answer (`fp_<hex>`) is OpenAI's: 9 x $0.15 + 12 x $0.60 per 1M = $0.00000855
    assert got["chatcmpl-123"] == ("openai", "gpt-4o-mini", 9, 0, 12, (9 * Decimal("0.15") + 12 * Decimal("0.60")) / M)
    unknown = cli_json("prices", "unknown", "--db", str(tmp_path / "l.duckdb"))["unknown_models"]
    reasons = {u["model"]: u["reason"] for u in unknown}
    assert set(reasons) == {"gpt-3.5-turbo", "Qwen3.5-9B-Q4_K_M.gguf"}
    assert all("your own server" in why and "self-hosted" in why for why in reasons.values()), reasons


def test_lm_studio_is_self_hosted_and_vllms_gpt_oss_repository_id_says_its_host_is_assumed(tmp_path):
    # (OpenRouter's and LiteLLM's `openai/gpt-4o-mini` is OpenAI's API model, not a repository id)
    prefixed = {**OPENAI, "id": "chatcmpl-prefixed", "model": "openai/gpt-4o-mini"}
    _, calls = ingest(tmp_path, "g", [VLLM_GPT_OSS, LM_STUDIO, OPENAI, prefixed])
    got = {c["model"]: (c["provider"], c["model_key"], c["cost_usd"]) for c in calls}
    # LM Studio (`stats`, fingerprint = model id) is the team's own machine: before, `openai` at
    # genai-prices' gpt-oss-20b row, 11,089 x $0.029 + 206 x $0.14 per 1M = $0.000350421
    assert got["openai/gpt-oss-20b"] == ("self-hosted", None, None)
    # vLLM's body has no mark it can be told by (its fields are null): priced as before at
    # genai-prices' `openai` gpt-oss-120b row, 77 x $0.039 + 61 x $0.18 per 1M = $0.000013983...
    assert got["openai/gpt-oss-120b"] == ("openai", "gpt-oss-120b", (77 * Decimal("0.039") + 61 * Decimal("0.18")) / M)
    # ...but OpenAI's API never serves gpt-oss: the repository id says a host the log does not
    # name served it, and the audit counts it (before: 0). OpenAI's gpt-4o-mini, prefixed or not, is
    # no such call: 9 x $0.15 + 12 x $0.60 per 1M each
    assert got["openai/gpt-4o-mini"] == ("openai", "gpt-4o-mini", (9 * Decimal("0.15") + 12 * Decimal("0.60")) / M)
    audit = cli_json("audit", "--db", str(tmp_path / "g.duckdb"))
    assert audit["pricing_assumptions"]["host_assumed"] == 1


def test_ollama_embed_answers_are_embedding_calls(tmp_path):
    pair = {"request": {"model": "all-minilm", "input": "Why is the sky blue?"}, "response": OLLAMA_EMBED}
    summary, calls = ingest(tmp_path, "e", [OLLAMA_EMBED, {**pair, "timestamp": "2026-03-01T10:00:00Z"}])
    # before: `cannot tell the log format`, exit 2, nothing loaded
    (file,) = summary["files"]
    assert (file["log_format"], file["loaded"], file["quarantined"]) == ("ollama", 2, 0)
    got = [(c["provider"], c["model"], c["operation"], c["input_tokens"], c["output_tokens"], c["latency_ms"],
            c["cost_usd"]) for c in calls]
    # prompt_eval_count the input, no output, total_duration 14,143,917 ns = 14.143917 ms; unpriced
    assert got == [("self-hosted", "all-minilm", "embedding", 8, 0, 14.143917, None)] * 2


def test_an_ollama_cloud_model_is_no_self_hosted_call(tmp_path):
    _, calls = ingest(tmp_path, "c", [*OLLAMA_CLOUD, OLLAMA_LOCAL])
    got = {c["model"]: (c["provider"], c["input_tokens"], c["output_tokens"], c["latency_ms"], c["cost_usd"], c["tags"])
           for c in calls}
    # ollama.com ran it (before: `self-hosted`); unpriced (Ollama's cloud is sold by plan), never $0
    assert got["minimax-m2.5:cloud"] == ("ollama-cloud", 56, 376, 12316.299237, None, {
        "finish_reason": "stop", "remote_model": "minimax-m2.5", "remote_host": "https://ollama.com:443"})
    assert got["gpt-oss:20b"] == ("self-hosted", 72, 109, 5973.176709, None, {"finish_reason": "stop"})
    reasons = {u["model"]: u["reason"]
               for u in cli_json("prices", "unknown", "--db", str(tmp_path / "c.duckdb"))["unknown_models"]}
    # no advice to register ollama.com's model as the team's own server
    assert "own server" not in reasons["minimax-m2.5:cloud"]
    assert reasons["minimax-m2.5:cloud"].startswith("ran on Ollama's cloud (ollama.com), sold by plan")
    assert "own server" in reasons["gpt-oss:20b"]


def test_a_quarantined_line_names_its_format_with_the_right_article(tmp_path):
    # a pair whose `response` is the answer's text, forced as ollama (tests/test_formats_ollama.py)
    text = {"request": {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}, "response": "Hello!",
            "status_code": 200}
    db = tmp_path / "q.duckdb"
    assert CliRunner().invoke(app, ["ingest", str(write_jsonl(tmp_path / "q.jsonl", [text])), "--db", str(db),
                                    "--log-format", "ollama"]).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        (reason,) = con.execute("SELECT reason FROM quarantine").fetchall()[0]
    finally:
        con.close()
    assert reason.startswith("not an ollama record: expected `model`")  # before: "not a ollama record"
