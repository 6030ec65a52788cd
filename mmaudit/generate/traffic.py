"""The traffic itself: which model each call goes to, when, with what prompt, and what goes wrong
(errors, 429 bursts, an outage window, retries on the fallback model, re-sent prompts)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from mmaudit.generate.prompts import _COMPLEX, TEMPLATES, Prompt

START = datetime(2025, 4, 1, tzinfo=UTC)
DAYS = 91  # 2025-Q2
OUTAGE_START = datetime(2025, 6, 10, 0, tzinfo=UTC)  # an OpenAI incident in the logs
OUTAGE_HOURS = 12
RETRY_SHARE = 0.6  # failed calls the app retries at once on another model (observed fallbacks)
RESEND_SHARE = 0.01  # calls that re-send one of the last RECENT prompts verbatim (regenerate, double submit)
RECENT = 32


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
        self.recent: list[Prompt] = []  # ring of the last RECENT filled prompts, for re-sends
        self.filled = 0

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
        rec = {"i": i, "ts": ts, "model": model, "provider": provider, "prompt": prompt, "input_tokens": in_tokens,
                   "output_tokens": out_tokens, "reasoning": reasoning, "cached": cached, "latency": round(latency),
                   "ttft": ttft + rnd.randint(0, 100), "error": error, "tags": tags}
        return fmt, rec

    def _prompt_for(self, model: str) -> Prompt:
        """A freshly filled template, or now and then a recent prompt re-sent verbatim."""
        rnd = self.rnd
        if self.recent and rnd.random() < RESEND_SHARE:
            return rnd.choice(self.recent)
        # Reasoning models mostly get hard work; everything else gets the product mix.
        if model.startswith(("o1", "deepseek-reasoner")) and rnd.random() < 0.7:
            prompt = rnd.choice(_COMPLEX).fill(rnd)
        else:
            prompt = rnd.choice(TEMPLATES).fill(rnd)
        if len(self.recent) < RECENT:
            self.recent.append(prompt)
        else:
            self.recent[self.filled % RECENT] = prompt
        self.filled += 1
        return prompt

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
        return {"i": i, "ts": ts, "model": model, "provider": "openai", "embedding": True, "input_tokens": n, "tags": tags}
