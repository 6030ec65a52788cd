"""A generated call as each log format writes it (OpenAI chat, Anthropic messages, canonical),
with or without its prompt and answer text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mmaudit.generate.prompts import Prompt


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _messages(p: Prompt) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": p.system}] if p.system else []
    return msgs + [{"role": "user", "content": p.user}]


def openai_chat(rec: dict[str, Any]) -> dict[str, Any]:
    p: Prompt = rec["prompt"]
    request = {"model": rec["model"].rsplit("-2024", 1)[0], "messages": _messages(p), "metadata": rec["tags"]}
    if p.task == "extraction":
        request["response_format"] = {"type": "json_object"}
    base = {"timestamp": _iso(rec["ts"]), "request": request, "latency_ms": rec["latency"]}
    if rec["error"]:
        status, kind = rec["error"]
        code = {"rate_limit": "rate_limit_exceeded", "server": "server_error", "timeout": "timeout"}[kind]
        return {**base, "status_code": status, "error": {"message": f"{kind} error", "type": kind, "code": code}}
    usage = {"prompt_tokens": rec["input_tokens"], "completion_tokens": rec["output_tokens"],
             "total_tokens": rec["input_tokens"] + rec["output_tokens"],
             "prompt_tokens_details": {"cached_tokens": rec["cached"]},
             "completion_tokens_details": {"reasoning_tokens": rec["reasoning"]}}
    response = {"id": f"chatcmpl-{rec['i']:09d}", "object": "chat.completion", "created": int(rec["ts"].timestamp()),
                "model": rec["model"], "choices": [{"index": 0, "message": {"role": "assistant", "content": p.answer},
                                                    "finish_reason": "stop"}], "usage": usage}
    return {**base, "status_code": 200, "response": response}


def anthropic_messages(rec: dict[str, Any]) -> dict[str, Any]:
    p: Prompt = rec["prompt"]
    request: dict[str, Any] = {"model": rec["model"], "max_tokens": 4096,
                               "messages": [{"role": "user", "content": p.user}], "metadata": rec["tags"]}
    if p.system:
        request["system"] = p.system
    base = {"timestamp": _iso(rec["ts"]), "request": request, "latency_ms": rec["latency"]}
    if rec["error"]:
        status, kind = rec["error"]
        etype = {"rate_limit": "rate_limit_error", "server": "overloaded_error", "timeout": "api_error"}[kind]
        return {**base, "status_code": status, "error": {"type": etype, "message": f"{kind} error"}}
    # Anthropic reports input EXCLUDING the cache: split the canonical total into its parts.
    write = rec["input_tokens"] // 10 if rec["cached"] == 0 and rec["input_tokens"] > 2048 else 0
    usage = {"input_tokens": rec["input_tokens"] - rec["cached"] - write, "output_tokens": rec["output_tokens"],
             "cache_read_input_tokens": rec["cached"], "cache_creation_input_tokens": write}
    response = {"id": f"msg_{rec['i']:09d}", "type": "message", "role": "assistant", "model": rec["model"],
                "content": [{"type": "text", "text": p.answer}], "stop_reason": "end_turn", "usage": usage}
    return {**base, "status_code": 200, "response": response, "ttft_ms": rec["ttft"]}


def canonical(rec: dict[str, Any]) -> dict[str, Any]:
    if rec.get("embedding"):
        return {"call_id": f"emb-{rec['i']:09d}", "ts": _iso(rec["ts"]), "provider": "openai", "model": rec["model"],
                "operation": "embedding", "input_tokens": rec["input_tokens"], "output_tokens": 0, "status": "ok",
                "latency_ms": 60 + rec["input_tokens"] // 20, "tags": rec["tags"]}
    p: Prompt = rec["prompt"]
    out = {"call_id": f"gen-{rec['i']:09d}", "ts": _iso(rec["ts"]), "provider": rec["provider"], "model": rec["model"],
           "operation": "chat", "system_prompt": p.system, "user_prompt": p.user, "tags": rec["tags"],
           "latency_ms": rec["latency"], "ttft_ms": rec["ttft"]}
    if rec["error"]:
        status, kind = rec["error"]
        return {**out, "status": "error", "error_type": kind, "http_status": status, "input_tokens": 0, "output_tokens": 0}
    return {**out, "status": "ok", "http_status": 200, "input_tokens": rec["input_tokens"],
            "cached_input_tokens": rec["cached"], "output_tokens": rec["output_tokens"],
            "reasoning_tokens": rec["reasoning"], "response_text": p.answer}


WRITERS = {"openai-chat": openai_chat, "anthropic-messages": anthropic_messages, "canonical": canonical}


def without_text(record: dict[str, Any]) -> dict[str, Any]:
    """The record as a metadata-only logger writes it: usage and status kept, no prompt or
    answer text (many teams log no bodies; OpenTelemetry records none by default)."""
    out = dict(record)
    for key in ("system_prompt", "user_prompt", "response_text"):  # canonical
        out.pop(key, None)
    if isinstance(out.get("request"), dict):
        out["request"] = {k: v for k, v in out["request"].items() if k not in ("messages", "system")}
    response = out.get("response")
    if isinstance(response, dict):
        response = dict(response)
        if "choices" in response:  # OpenAI
            response["choices"] = [{**c, "message": {"role": "assistant", "content": None}} for c in response["choices"]]
        if "content" in response:  # Anthropic
            response["content"] = []
        out["response"] = response
    return out
