"""A seeded generator of realistic LLM API logs, for the bundled samples, tests and benchmarks.

The traffic looks like a mid-size product team's: several models across providers, a mix of
tasks where most calls are simple, a premium model taking simple work it did not need, prompt
caching, repeated prompts, errors and 429 bursts, and an outage window on one provider. The same
seed always writes the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

START = datetime(2025, 4, 1, tzinfo=timezone.utc)
DAYS = 91  # 2025-Q2
OUTAGE_START = datetime(2025, 6, 10, 0, tzinfo=timezone.utc)  # an OpenAI incident in the logs
OUTAGE_HOURS = 12
RETRY_SHARE = 0.6  # failed calls the app retries at once on another model (observed fallbacks)


@dataclass(frozen=True)
class Prompt:
    task: str
    complexity: str
    system: str | None
    user: str
    answer: str
    out_tokens: tuple[int, int]


_TICKETS = [
    "My invoice shows two charges for March, please refund one",
    "The app crashes when I upload a PDF bigger than 10MB",
    "How do I change the email on my account?",
    "Your delivery was 3 days late and the box was damaged",
    "Can I upgrade to the team plan mid-cycle?",
    "I love the new dashboard, great work!",
]
_DOCS = [
    "Quarterly board meeting. Revenue grew 14% quarter over quarter, driven by enterprise renewals. "
    "Churn in the SMB segment rose to 3.1%. The board approved hiring 12 engineers and asked for a "
    "pricing review before Q4. Action items: CFO to model price increase scenarios; VP Sales to report "
    "on SMB churn drivers; CTO to present the infrastructure cost plan.",
    "Incident report: between 02:10 and 03:05 UTC the payments API returned 502 errors for 18% of "
    "requests. Root cause was a connection pool exhaustion after a config change. Mitigation: rollback "
    "and pool size increase. Follow-ups: add alerting on pool saturation, canary config changes.",
]

PROMPTS: list[Prompt] = [
    *[
        Prompt("classification", "simple",
               "You are a support triage assistant. Reply with exactly one label: billing, bug, account, shipping, sales, feedback.",
               t, label, (1, 3))
        for t, label in zip(_TICKETS, ["billing", "bug", "account", "shipping", "sales", "feedback"], strict=True)
    ],
    Prompt("classification", "simple", None,
           "Sentiment of this review (positive/negative/neutral): 'Battery life is great but the screen scratches easily.'",
           "neutral", (1, 2)),
    Prompt("extraction", "simple",
           "Extract the fields as JSON with keys vendor, date, total, currency.",
           "INVOICE #4471 — Acme Office Supplies — 12 March 2025 — Total due: EUR 1,284.50", '{"vendor": "Acme Office Supplies", "date": "2025-03-12", "total": 1284.5, "currency": "EUR"}', (30, 50)),
    Prompt("extraction", "moderate",
           "Return a JSON array of every person and organisation mentioned, with their role.",
           _DOCS[0], '[{"name": "CFO", "role": "model price scenarios"}]', (80, 160)),
    Prompt("summarization", "moderate", "Summarise for an executive in 3 bullet points.", _DOCS[0],
           "- Revenue +14% QoQ\n- SMB churn up to 3.1%\n- 12 engineering hires approved", (60, 120)),
    Prompt("summarization", "simple", None, "TL;DR of this incident: " + _DOCS[1],
           "A config change exhausted the payments API connection pool for an hour.", (25, 50)),
    Prompt("translation", "simple", None, "Translate to German: 'Your order has shipped and will arrive on Friday.'",
           "Ihre Bestellung wurde versandt und kommt am Freitag an.", (15, 25)),
    Prompt("translation", "simple", "Translate the user's message into French.", "Thanks for your patience, we are looking into it.",
           "Merci de votre patience, nous examinons la question.", (12, 20)),
    Prompt("qa", "simple", None, "What is the capital of Australia?", "Canberra.", (2, 6)),
    Prompt("qa", "simple", "Answer from the context only. Context: Refunds are issued within 14 days of a return being received.",
           "How long do refunds take?", "Within 14 days of receiving your return.", (8, 15)),
    Prompt("chat", "simple", "You are Ava, the friendly assistant of a meal-kit company.", "hey, what's on the menu this week?",
           "Hi! This week we have a Thai green curry, a mushroom risotto and salmon tacos.", (30, 80)),
    Prompt("chat", "moderate", "You are a patient customer support agent for a bank.",
           "I was charged a foreign transaction fee on a purchase in euros but my card says no FX fees. Can you explain and fix it?",
           "I'm sorry about that. Let me explain how the fee was applied...", (120, 250)),
    Prompt("writing", "moderate", "You write upbeat marketing copy.", "Write a product launch email for our new noise-cancelling earbuds, 150 words.",
           "Meet the quietest earbuds we've ever made...", (180, 260)),
    Prompt("writing", "simple", None, "Rewrite more politely: 'Send me the report now.'",
           "Could you please send me the report when you have a moment?", (12, 25)),
    Prompt("code", "moderate", "You are a senior Python engineer.",
           "Fix this function, it fails on empty lists:\n```python\ndef mean(xs):\n    return sum(xs) / len(xs)\n```",
           "```python\ndef mean(xs):\n    return sum(xs) / len(xs) if xs else 0.0\n```", (40, 120)),
    Prompt("code", "complex", "You are a staff engineer. Think about concurrency and failure modes.",
           "Design and implement a rate limiter for our API gateway in Go: token bucket per tenant, Redis-backed, "
           "with burst handling, and explain how it behaves when Redis is unavailable.",
           "Here is a design with a Lua script for atomic refill...", (600, 1400)),
    Prompt("reasoning", "complex", None,
           "A warehouse ships 3 product lines with different margins and capacity limits (see table). Find the "
           "production mix that maximises profit next quarter and explain each step of your reasoning.",
           "Let x, y, z be the units... The optimum is x=120, y=80, z=0.", (700, 2000)),
    Prompt("reasoning", "moderate", None, "If a train leaves at 14:05 and travels 230 km at 92 km/h, when does it arrive? Show your work.",
           "230/92 = 2.5 h, so it arrives at 16:35.", (40, 90)),
]

# (model, provider, log format, weight, output speed tokens/s, ttft ms)
MODELS = [
    ("gpt-4o-2024-08-06", "openai", "openai-chat", 34, 80, 450),
    ("gpt-4o-mini-2024-07-18", "openai", "openai-chat", 18, 110, 300),
    ("o1-2024-12-17", "openai", "openai-chat", 3, 60, 4000),
    ("claude-3-5-sonnet-20241022", "anthropic", "anthropic-messages", 20, 70, 600),
    ("claude-3-5-haiku-20241022", "anthropic", "anthropic-messages", 8, 120, 350),
    ("gemini-2.0-flash", "google", "canonical", 6, 180, 250),
    ("deepseek-reasoner", "deepseek", "canonical", 3, 40, 2500),
    ("text-embedding-3-small", "openai", "canonical", 8, 0, 80),
]
# The fallback each app configured for a model: another provider's model of the same class.
FALLBACKS = {
    "gpt-4o-2024-08-06": "claude-3-5-sonnet-20241022", "gpt-4o-mini-2024-07-18": "claude-3-5-haiku-20241022",
    "o1-2024-12-17": "deepseek-reasoner", "claude-3-5-sonnet-20241022": "gpt-4o-2024-08-06",
    "claude-3-5-haiku-20241022": "gpt-4o-mini-2024-07-18", "gemini-2.0-flash": "gpt-4o-mini-2024-07-18",
    "deepseek-reasoner": "o1-2024-12-17",
}
TEAMS = [("support", "helpdesk"), ("growth", "copywriter"), ("platform", "devtools"), ("data", "analytics")]


class _Gen:
    def __init__(self, seed: int, calls: int, only_format: str | None = None) -> None:
        self.rnd = random.Random(seed)
        self.calls = calls
        # One format for everything (benchmarks): only the models that format really carries.
        self.models = [m for m in MODELS if only_format in (None, "canonical", m[2])]
        self.weights = [m[3] for m in self.models]

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        span = DAYS * 86400
        retry: tuple[str, dict[str, Any]] | None = None
        for i in range(self.calls):
            if retry is not None:
                yield retry
                retry = None
                continue
            ts = START + timedelta(seconds=int(span * i / max(self.calls, 1)) + self.rnd.randint(0, 59))
            fmt, rec = self.one(i, ts)
            yield fmt, rec
            if rec.get("error") and self.rnd.random() < RETRY_SHARE:
                retry = self._retry(i + 1, rec)

    def _retry(self, i: int, failed: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The same prompt a few seconds later on another model, as apps with a fallback do."""
        others = [m for m in self.models if m[0] != failed["model"] and not m[0].startswith("text-embedding")]
        preferred = [m for m in others if m[0] == FALLBACKS.get(failed["model"])]
        model, provider, fmt, _w, speed, ttft = (preferred or others)[0]
        out = failed["output_tokens"]
        latency = ttft + (out / speed * 1000 if speed else 0)
        ts = failed["ts"] + timedelta(seconds=self.rnd.randint(2, 30))
        return fmt, {**failed, "i": i, "ts": ts, "model": model, "provider": provider, "error": None,
                     "latency": round(latency), "ttft": ttft}

    def one(self, i: int, ts: datetime) -> tuple[str, dict[str, Any]]:
        rnd = self.rnd
        model, provider, fmt, _w, speed, ttft = rnd.choices(self.models, self.weights)[0]
        team, app = rnd.choice(TEAMS)
        tags = {"team": team, "app": app, "environment": "prod" if rnd.random() < 0.9 else "staging"}
        if team == "data" and rnd.random() < 0.3:
            tags["data_class"] = "restricted"
        if model.startswith("text-embedding"):
            return fmt, self.embedding(i, ts, model, tags)
        prompt = self._prompt_for(model)
        in_tokens = 40 + len(prompt.user) // 4 + len(prompt.system or "") // 4 + rnd.randint(0, 300)
        if rnd.random() < 0.15:  # a long pasted document or history
            in_tokens += rnd.randint(2000, 20000)
        out_tokens = rnd.randint(*prompt.out_tokens)
        reasoning = 0
        if model.startswith(("o1", "deepseek-reasoner")):
            reasoning = rnd.randint(200, 3000)
            out_tokens += reasoning
        cached = (in_tokens * rnd.randint(50, 90) // 100) if rnd.random() < 0.25 and in_tokens > 1024 else 0
        latency = ttft + (out_tokens / speed * 1000 if speed else 0) + rnd.randint(0, 200)
        error = self._error(provider, ts)
        rec = dict(i=i, ts=ts, model=model, provider=provider, prompt=prompt, input_tokens=in_tokens,
                   output_tokens=out_tokens, reasoning=reasoning, cached=cached, latency=round(latency),
                   ttft=ttft + rnd.randint(0, 100), error=error, tags=tags)
        return fmt, rec

    def _prompt_for(self, model: str) -> Prompt:
        # Reasoning models mostly get hard work; everything else gets the product mix.
        if model.startswith(("o1", "deepseek-reasoner")) and self.rnd.random() < 0.7:
            return self.rnd.choice([p for p in PROMPTS if p.complexity == "complex"])
        return self.rnd.choice(PROMPTS)

    def _error(self, provider: str, ts: datetime) -> tuple[int, str] | None:
        rnd = self.rnd
        in_outage = provider == "openai" and OUTAGE_START <= ts < OUTAGE_START + timedelta(hours=OUTAGE_HOURS)
        if in_outage and rnd.random() < 0.85:
            return (503, "server") if rnd.random() < 0.5 else (429, "rate_limit")
        roll = rnd.random()
        if roll < 0.025:
            return 429, "rate_limit"
        if roll < 0.032:
            return (529, "server") if provider == "anthropic" else (500, "server")
        if roll < 0.035:
            return 408, "timeout"
        return None

    def embedding(self, i: int, ts: datetime, model: str, tags: dict[str, str]) -> dict[str, Any]:
        n = self.rnd.randint(8, 600)
        return dict(i=i, ts=ts, model=model, provider="openai", embedding=True, input_tokens=n, tags=tags)


# --------------------------------------------------------------------------- writers


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
FILE_NAMES = {"openai-chat": "openai_chat.jsonl", "anthropic-messages": "anthropic_messages.jsonl",
              "canonical": "canonical.jsonl.gz"}


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":  # mtime=0 keeps the bytes identical from run to run
        return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=6, mtime=0), encoding="utf-8")
    return open(path, "w", encoding="utf-8")


def generate(out: Path, calls: int, seed: int = 7, log_format: str | None = None) -> dict[str, int]:
    """Write `calls` records. With `log_format`, all of them as that format into the file `out`;
    without, each model in its natural format into files under the directory `out`.
    Returns records written per file."""
    gen = _Gen(seed, calls, log_format)
    counts: dict[str, int] = {}
    if log_format:
        writer = WRITERS[log_format]
        with _open(out) as fh:
            for _fmt, rec in gen.records():
                fh.write(json.dumps(writer(rec), separators=(",", ":")) + "\n")
                counts[str(out)] = counts.get(str(out), 0) + 1
        return counts
    out.mkdir(parents=True, exist_ok=True)
    handles = {fmt: _open(out / name) for fmt, name in FILE_NAMES.items()}
    try:
        for fmt, rec in gen.records():
            handles[fmt].write(json.dumps(WRITERS[fmt](rec), separators=(",", ":")) + "\n")
            counts[FILE_NAMES[fmt]] = counts.get(FILE_NAMES[fmt], 0) + 1
    finally:
        for fh in handles.values():
            fh.close()
    return counts
