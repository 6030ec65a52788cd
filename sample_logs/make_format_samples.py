"""Writes the small per-format sample logs in this directory (seeded, so reruns are identical).

Run: python sample_logs/make_format_samples.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
T0 = 1746090000  # 2025-05-01T09:00:00Z
rng = random.Random(20250501)


def iso(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def write(name: str, records: list[dict]) -> None:
    (HERE / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def responses(n: int = 30) -> list[dict]:
    out = []
    for i in range(n):
        t = T0 + i * 600
        if i % 10 == 7:
            out.append({"id": f"resp_s{i}", "object": "response", "created_at": t, "model": "o4-mini-2025-04-16",
                        "status": "failed", "usage": None, "output": [],
                        "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached"}})
            continue
        inp, cached, reasoning = rng.randint(200, 4000), 0, rng.choice([0, 128, 512])
        cached = (inp // 1024) * 1024 if i % 3 == 0 else 0
        out.append({"id": f"resp_s{i}", "object": "response", "created_at": t, "completed_at": t + rng.randint(1, 9),
                    "model": rng.choice(["o4-mini-2025-04-16", "gpt-4.1-mini-2025-04-14"]), "status": "completed",
                    "output": [{"type": "message", "content": [{"type": "output_text", "text": "ok"}]}],
                    "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": cached},
                              "output_tokens": reasoning + rng.randint(10, 300),
                              "output_tokens_details": {"reasoning_tokens": reasoning}},
                    "metadata": {"team": rng.choice(["search", "support"])}})
    return out


def bedrock(n: int = 30) -> list[dict]:
    out = []
    models = ["us.anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0",
              "amazon.nova-lite-v1:0"]
    for i in range(n):
        rec = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": iso(T0 + i * 900),
               "accountId": "123456789012", "region": "us-east-1", "requestId": f"br-{i:04d}",
               "operation": "Converse", "modelId": models[i % 3]}
        if i % 12 == 5:
            rec.update(errorCode="ThrottlingException", input={"inputTokenCount": 0}, output={})
        else:
            read = rng.choice([0, 0, 2048])
            rec["input"] = {"inputTokenCount": rng.randint(50, 900), "cacheReadInputTokenCount": read,
                            "cacheWriteInputTokenCount": 0}
            rec["output"] = {"outputTokenCount": rng.randint(20, 400),
                             "outputBodyJson": {"metrics": {"latencyMs": rng.randint(300, 4000)}}}
        out.append(rec)
    return out


def gemini(n: int = 30) -> list[dict]:
    out = []
    for i in range(n):
        if i % 9 == 4:
            out.append({"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"}})
            continue
        thoughts = rng.choice([0, 300, 900])
        prompt = rng.randint(100, 6000)
        out.append({"candidates": [{"content": {"role": "model", "parts": [{"text": "done"}]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": prompt, "cachedContentTokenCount": prompt // 2 if i % 4 == 0 else 0,
                                      "candidatesTokenCount": rng.randint(5, 300), "thoughtsTokenCount": thoughts},
                    "modelVersion": rng.choice(["gemini-2.5-flash", "gemini-2.5-pro"]), "responseId": f"gem-s{i}",
                    "createTime": iso(T0 + i * 700)})
    return out


def litellm(n: int = 30) -> list[dict]:
    out = []
    for i in range(n):
        t = T0 + i * 500.0
        rec = {"id": f"llm-s{i}", "call_type": "acompletion", "stream": False, "status": "success",
               "custom_llm_provider": "openai", "model": "gpt-4o-mini", "model_group": "default",
               "prompt_tokens": rng.randint(100, 3000), "completion_tokens": rng.randint(10, 400),
               "startTime": t, "endTime": t + rng.random() * 3, "completionStartTime": t + 1,
               "response_cost": round(rng.random() / 1000, 8), "cache_hit": i % 8 == 3,
               "request_tags": ["app:helpdesk"], "metadata": {"user_api_key_team_alias": "support"}}
        if i % 10 == 6:
            rec.update(status="failure", prompt_tokens=0, completion_tokens=0, response_cost=0,
                       error_information={"error_code": "429", "error_class": "RateLimitError"})
        out.append(rec)
    return out


def helicone(n: int = 30) -> list[dict]:
    out = []
    for i in range(n):
        status = 529 if i % 11 == 2 else 200
        out.append({"request_id": f"hc-s{i}", "request_created_at": iso(T0 + i * 800), "response_status": status,
                    "delay_ms": rng.randint(200, 5000), "time_to_first_token": rng.randint(80, 600),
                    "provider": "ANTHROPIC", "model": "claude-3-5-haiku-20241022",
                    "prompt_tokens": 0 if status != 200 else rng.randint(5, 200),
                    "prompt_cache_read_tokens": 0 if status != 200 else rng.choice([0, 4096]),
                    "prompt_cache_write_tokens": 0, "completion_tokens": 0 if status != 200 else rng.randint(10, 300),
                    "cost": round(rng.random() / 500, 8), "request_user_id": f"u-{i % 5}",
                    "request_properties": {"app": "assistant"}})
    return out


def openrouter(n: int = 30) -> list[dict]:
    out = []
    for i in range(n):
        if i % 10 == 9:
            out.append({"error": {"code": 429, "message": "Rate limit exceeded"}})
            continue
        prompt = rng.randint(50, 2000)
        out.append({"data": {"id": f"gen-s{i}", "created_at": iso(T0 + i * 650), "model": "anthropic/claude-3.5-haiku",
                             "provider_name": "Anthropic", "latency": rng.randint(300, 3000),
                             "generation_time": rng.randint(200, 2500), "finish_reason": "stop",
                             "tokens_prompt": prompt - 20, "tokens_completion": 100, "native_tokens_prompt": prompt,
                             "native_tokens_completion": 110, "native_tokens_reasoning": 0,
                             "native_tokens_cached": 0, "total_cost": round(prompt * 8e-7, 8)}})
    return out


def claude_code() -> list[dict]:
    out = [{"type": "summary", "summary": "Refactor ingest", "leafUuid": "x"}]
    common = {"sessionId": "sess-sample", "version": "1.0.83", "cwd": "/repo", "isSidechain": False}
    for turn in range(10):
        t = T0 + turn * 120
        out.append({**common, "type": "user", "uuid": f"u{turn}", "timestamp": iso(t),
                    "message": {"role": "user", "content": f"step {turn}"}})
        usage = {"input_tokens": rng.randint(3, 40), "cache_read_input_tokens": 12000 + turn * 800,
                 "cache_creation_input_tokens": rng.randint(100, 1500), "output_tokens": rng.randint(20, 600)}
        for block in range(2):  # the same message written on two lines
            out.append({**common, "type": "assistant", "uuid": f"a{turn}-{block}", "timestamp": iso(t + 5),
                        "requestId": f"req_{turn:03d}",
                        "message": {"id": f"msg_{turn:03d}", "model": "claude-sonnet-4-20250514",
                                    "content": [{"type": "text", "text": "working"}], "usage": usage}})
    return out


if __name__ == "__main__":
    write("openai_responses.jsonl", responses())
    write("bedrock_invocations.jsonl", bedrock())
    write("gemini.jsonl", gemini())
    write("litellm_payloads.jsonl", litellm())
    write("helicone.jsonl", helicone())
    write("openrouter_generations.jsonl", openrouter())
    write("claude_code_session.jsonl", claude_code())
