"""A seeded generator of realistic LLM API logs, for the bundled samples, tests and benchmarks.

The traffic looks like a mid-size product team's: several models across providers, a mix of
tasks where most calls are simple, a premium model taking simple work it did not need, prompt
caching, repeated prompts, errors and 429 bursts, and an outage window on one provider. The same
seed always writes the same bytes.

Prompts are templates with slots (ticket numbers, names, products, amounts, dates, short
sentences) filled by the seeded RNG, as production traffic is: most prompt texts are distinct, so
benchmarks pay for categorising real, mostly unique prompts. Exact repeats come from where they
come from in production: FAQ-type questions sent verbatim (a few templates with small slot
pools), users re-sending a recent prompt, and retries of failed calls on a fallback model. Filling
a slot never changes what task a template is: the slots carry content, the wording carries the job.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

START = datetime(2025, 4, 1, tzinfo=UTC)
DAYS = 91  # 2025-Q2
OUTAGE_START = datetime(2025, 6, 10, 0, tzinfo=UTC)  # an OpenAI incident in the logs
OUTAGE_HOURS = 12
RETRY_SHARE = 0.6  # failed calls the app retries at once on another model (observed fallbacks)
RESEND_SHARE = 0.01  # calls that re-send one of the last RECENT prompts verbatim (regenerate, double submit)
RECENT = 32


@dataclass(frozen=True)
class Prompt:
    """One filled prompt: what a call sends and what it gets back."""

    task: str
    complexity: str
    system: str | None
    user: str
    answer: str
    out_tokens: tuple[int, int]


Slots = dict[str, str]

_FIRST = ["Alex", "Maria", "Sam", "Priya", "Jonas", "Chen", "Fatima", "Luca", "Emma", "Diego", "Aiko", "Noah",
          "Olga", "Kwame", "Sofia", "Ibrahim", "Hannah", "Mateo", "Yuki", "Grace"]
_LAST = ["Smith", "Garcia", "Müller", "Rossi", "Kim", "Okafor", "Nguyen", "Silva", "Kowalski", "Dubois", "Tanaka",
         "Haddad", "Johansson", "Patel", "O'Brien", "Novak"]
_COMPANIES = ["Acme Office Supplies", "Northwind Traders", "Globex Logistics", "Initech Software", "Umbrella Catering",
              "Blue Harbor Print", "Stark Facilities", "Wayne Cleaning Co", "Hooli Cloud", "Vandelay Imports",
              "Pied Piper Hosting", "Soylent Foods", "Tyrell Electronics", "Cyberdyne Parts", "Oceanic Travel"]
_PRODUCTS = ["noise-cancelling earbuds", "standing desk", "espresso machine", "trail running shoes", "4K monitor",
             "smart thermostat", "carry-on suitcase", "mechanical keyboard", "air purifier", "yoga mat",
             "e-bike battery", "robot vacuum", "webcam", "electric kettle", "gaming chair"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_WEEKDAYS = [("Monday", "Montag"), ("Tuesday", "Dienstag"), ("Wednesday", "Mittwoch"), ("Thursday", "Donnerstag"),
             ("Friday", "Freitag"), ("Saturday", "Samstag")]
_CURRENCIES = ["EUR", "USD", "GBP", "CHF"]
_CITIES = ["Lisbon", "Berlin", "Tokyo", "Toronto", "Nairobi", "Madrid", "Seoul", "Oslo", "Chicago", "Milan"]
_COUNTRIES = [("Australia", "Canberra"), ("Canada", "Ottawa"), ("Brazil", "Brasília"), ("Japan", "Tokyo"),
              ("Kenya", "Nairobi"), ("Germany", "Berlin"), ("Turkey", "Ankara"), ("Switzerland", "Bern"),
              ("New Zealand", "Wellington"), ("Morocco", "Rabat"), ("Vietnam", "Hanoi"), ("Peru", "Lima")]
_DEVICES = ["my iPhone", "a Pixel 8", "Windows 11", "my MacBook", "the web app in Firefox", "an iPad", "Android 14"]
_FEATURES = ["dashboard", "dark mode", "export to CSV", "search bar", "mobile app", "onboarding flow", "reports page"]
_PRAISE = [" It saves me an hour a week.", " My whole team noticed.", " So much faster than before.",
           " Exactly what we asked for.", " Please keep it this way.", ""]
_PLANS = ["team", "business", "enterprise", "pro"]
_ASPECTS = ["Battery life", "The sound", "Setup", "The build quality", "Delivery", "The price", "The app"]
_GOOD = ["is great", "is excellent", "is solid", "feels premium", "is better than expected", "is fine"]
_BAD = ["the screen scratches easily", "the strap broke after a week", "the manual is useless",
        "support never answered", "it runs hot", "the lid squeaks"]
_DOCS_NEEDED = ["report", "slides", "budget sheet", "contract draft", "test results", "roadmap", "invoice"]
_FUNCTIONS = ["mean", "average", "avg_latency", "mean_price", "score_mean", "ratio"]
_ARGS = ["xs", "values", "items", "prices", "samples", "data"]
_MODULES = ["stats", "metrics", "pricing", "report", "utils", "analytics", "billing", "export", "ranking", "forecast",
            "kpi", "summary"]
_SERVICES = ["API gateway", "public REST API", "webhook ingress", "GraphQL endpoint", "search service"]
_LANGS = ["Go", "Rust", "Java", "Python", "TypeScript"]
_TENANT_UNITS = ["tenant", "API key", "user", "IP address"]
_STORES = ["Redis", "Memcached", "DynamoDB", "Postgres"]
_API_NAMES = ["payments", "checkout", "search", "login", "notifications", "inventory"]
_CAUSES = ["connection pool exhaustion after a config change", "a certificate that expired overnight",
           "a bad deploy of the routing layer", "a full disk on the primary database", "a DNS misconfiguration"]
# FAQ bots and quick-question widgets send a handful of questions verbatim, over and over.
_REFUND_FAQ = ["How long do refunds take?", "When will I get my money back?", "How long until my refund arrives?",
               "Do refunds take long?", "how long do refunds take"]
_MENU_FAQ = ["hey, what's on the menu this week?", "what's on the menu this week?", "hi! menu for this week?",
             "What can I order this week?", "whats for dinner this week"]
_SIGNOFFS = ["", "", "\n\nThanks, {}", " - {}", "\n\nBest regards,\n{}"]


def _pick(r: random.Random, pool: list[Any]) -> Any:
    """`r.choice` at a fraction of its cost (one float draw); slots draw millions of times."""
    return pool[int(r.random() * len(pool))]


def _num(r: random.Random, low: int, high: int) -> int:
    """`r.randint` at a fraction of its cost (the tiny float bias is irrelevant for log content)."""
    return low + int(r.random() * (high - low + 1))


def _person(r: random.Random) -> Slots:
    first, last = _pick(r, _FIRST), _pick(r, _LAST)
    return {"first": first, "name": f"{first} {last}", "signoff": _pick(r, _SIGNOFFS).format(first)}


def _money(r: random.Random) -> Slots:
    units, cents = _num(r, 5, 4999), _num(r, 0, 99)
    return {"currency": _pick(r, _CURRENCIES), "amount": f"{units:,}.{cents:02d}", "amount_num": f"{units}.{cents:02d}"}


def _date(r: random.Random) -> Slots:
    month, day = _num(r, 0, 11), _num(r, 1, 28)
    return {"date": f"{day} {_MONTHS[month]} 2025", "iso_date": f"2025-{month + 1:02d}-{day:02d}", "month": _MONTHS[month]}


def _weekday(r: random.Random) -> Slots:
    en, de = _pick(r, _WEEKDAYS)
    return {"weekday": en, "wochentag": de}


def _country(r: random.Random) -> Slots:
    country, capital = _pick(r, _COUNTRIES)
    return {"country": country, "capital": capital}


def _review(r: random.Random) -> Slots:
    text = f"{_pick(r, _ASPECTS)} {_pick(r, _GOOD)} but {_pick(r, _BAD)}."
    return {"review": f"{text} ({_pick(r, _PRODUCTS)}, bought in {_pick(r, _CITIES)}, {_num(r, 1, 52)} weeks ago)"}


def _board(r: random.Random) -> Slots:
    return {"growth": str(_num(r, 3, 40)), "churn": f"{_num(r, 10, 79) / 10:.1f}", "hires": str(_num(r, 2, 60)),
            "quarter": f"Q{_num(r, 1, 4)}", "segment": _pick(r, ["SMB", "mid-market", "public sector", "EMEA"])}


def _incident(r: random.Random) -> Slots:
    h, m, dur = _num(r, 0, 22), _num(r, 0, 59), _num(r, 5, 110)
    end = h * 60 + m + dur
    return {"start": f"{h:02d}:{m:02d}", "end": f"{end // 60 % 24:02d}:{end % 60:02d}", "api": _pick(r, _API_NAMES),
            "failed": str(_num(r, 2, 95)), "cause": _pick(r, _CAUSES)}


def _train(r: random.Random) -> Slots:
    h, m, speed, quarters = _num(r, 5, 21), _num(r, 0, 59), 4 * _num(r, 15, 75), _num(r, 2, 16)
    km = speed * quarters // 4  # whole quarter hours, so the worked answer stays exact
    arrive = h * 60 + m + quarters * 15
    return {"dep": f"{h:02d}:{m:02d}", "km": str(km), "speed": str(speed), "hours": f"{quarters / 4:g}",
            "arr": f"{arrive // 60 % 24:02d}:{arrive % 60:02d}"}


def _mix(r: random.Random) -> Slots:
    lines = _num(r, 2, 5)
    rows = "; ".join(f"line {chr(65 + i)}: margin {_num(r, 4, 60)} EUR/unit, max {_num(r, 5, 40) * 10} units"
                     for i in range(lines))
    return {"lines": str(lines), "table": rows, "hours_cap": str(_num(r, 8, 60) * 100)}


def _one_of(key: str, pool: list[str]) -> Callable[[random.Random], Slots]:
    """A slot drawn from a pool (kept small for FAQ-type prompts that repeat verbatim)."""
    return lambda r: {key: _pick(r, pool)}


def _number(key: str, low: int, high: int) -> Callable[[random.Random], Slots]:
    return lambda r: {key: str(_num(r, low, high))}


SLOTS: dict[str, Callable[[random.Random], Slots]] = {
    "person": _person, "money": _money, "date": _date, "weekday": _weekday, "country": _country,
    "review": _review, "board": _board, "incident": _incident, "train": _train, "mix": _mix,
    "ticket": _number("ticket", 1_000_000, 9_999_999), "order": _number("order", 100_000, 999_999),
    "invoice": _number("invoice", 1000, 99_999), "account": _number("account", 10_000, 99_999),
    "mb": _number("mb", 11, 500), "days": _number("days", 2, 9), "seats": _number("seats", 3, 400),
    "words": _number("words", 8, 30), "line": _number("line", 3, 4999), "rps": _number("rps", 50, 5000),
    "company": _one_of("company", _COMPANIES), "company2": _one_of("company2", _COMPANIES),
    "product": _one_of("product", _PRODUCTS), "city": _one_of("city", _CITIES), "device": _one_of("device", _DEVICES),
    "feature": _one_of("feature", _FEATURES), "praise": _one_of("praise", _PRAISE), "plan": _one_of("plan", _PLANS),
    "doc": _one_of("doc", _DOCS_NEEDED), "fn": _one_of("fn", _FUNCTIONS), "arg": _one_of("arg", _ARGS),
    "module": _one_of("module", _MODULES), "service": _one_of("service", _SERVICES), "lang": _one_of("lang", _LANGS),
    "unit": _one_of("unit", _TENANT_UNITS), "store": _one_of("store", _STORES),
    "refund_q": _one_of("q", _REFUND_FAQ), "menu_q": _one_of("q", _MENU_FAQ),
}


@dataclass(frozen=True)
class Template(Prompt):
    """A prompt with `{slot}` fields; `slots` names the SLOTS groups that fill them. The wording
    fixes the task and complexity, the slots only vary content (literal braces are doubled)."""

    slots: tuple[str, ...] = ()

    def fill(self, r: random.Random) -> Prompt:
        if not self.slots:
            return Prompt(self.task, self.complexity, self.system, self.user, self.answer, self.out_tokens)
        values: Slots = {}
        for name in self.slots:
            values.update(SLOTS[name](r))
        return Prompt(self.task, self.complexity, self.system, self.user.format_map(values),
                      self.answer.format_map(values), self.out_tokens)


_TRIAGE = ("You are a support triage assistant. Reply with exactly one label: billing, bug, account, shipping, "
           "sales, feedback.")
_TICKETS = [
    ("My invoice #{invoice} shows two charges for {month}, please refund one", ("invoice", "date"), "billing"),
    ("The app crashes when I upload a PDF bigger than {mb}MB on {device}", ("mb", "device"), "bug"),
    ("How do I change the email on my account? Account number {account}", ("account",), "account"),
    ("Your delivery of order {order} was {days} days late and the box was damaged", ("order", "days"), "shipping"),
    ("Can I upgrade to the {plan} plan mid-cycle? We are {seats} seats now", ("plan", "seats"), "sales"),
    ("I love the new {feature}, great work!{praise}", ("feature", "praise"), "feedback"),
]
_BOARD = ("Quarterly board meeting. Revenue grew {growth}% quarter over quarter, driven by enterprise renewals. "
          "Churn in the {segment} segment rose to {churn}%. The board approved hiring {hires} engineers and asked for "
          "a pricing review before {quarter}. Action items: CFO to model price increase scenarios; VP Sales to report "
          "on {segment} churn drivers; CTO to present the infrastructure cost plan.")
_INCIDENT = ("Incident report: between {start} and {end} UTC the {api} API returned 502 errors for {failed}% of "
             "requests. Root cause was {cause}. Mitigation: rollback and capacity increase. Follow-ups: add alerting "
             "on saturation, canary config changes.")

TEMPLATES: list[Template] = [
    *[
        Template("classification", "simple", _TRIAGE, f"Ticket #{{ticket}} from {{name}}: {text}{{signoff}}", label,
                 (1, 3), ("ticket", "person", *slots))
        for text, slots, label in _TICKETS
    ],
    Template("classification", "simple", None, "Sentiment of this review (positive/negative/neutral): '{review}'",
             "neutral", (1, 2), ("review",)),
    Template("extraction", "simple", "Extract the fields as JSON with keys vendor, date, total, currency.",
             "INVOICE #{invoice} — {company} — {date} — Total due: {currency} {amount}",
             '{{"vendor": "{company}", "date": "{iso_date}", "total": {amount_num}, "currency": "{currency}"}}',
             (30, 50), ("invoice", "company", "date", "money")),
    Template("extraction", "moderate", "Return a JSON array of every person and organisation mentioned, with their role.",
             _BOARD, '[{{"name": "CFO", "role": "model price scenarios"}}]', (80, 160), ("board",)),
    Template("summarization", "moderate", "Summarise for an executive in 3 bullet points.", _BOARD,
             "- Revenue +{growth}% QoQ\n- {segment} churn up to {churn}%\n- {hires} engineering hires approved",
             (60, 120), ("board",)),
    Template("summarization", "simple", None, "TL;DR of this incident: " + _INCIDENT,
             "{cause} broke the {api} API for a while.", (25, 50), ("incident",)),
    Template("translation", "simple", None,
             "Translate to German: 'Your order {order} has shipped and will arrive on {weekday}.'",
             "Ihre Bestellung {order} wurde versandt und kommt am {wochentag} an.", (15, 25), ("order", "weekday")),
    Template("translation", "simple", "Translate the user's message into French.",
             "Thanks for your patience, {first}, we are looking into ticket {ticket}.",
             "Merci de votre patience, {first}, nous examinons le ticket {ticket}.", (12, 20), ("person", "ticket")),
    Template("qa", "simple", None, "What is the capital of {country}?", "{capital}.", (2, 6), ("country",)),
    Template("qa", "simple", "Answer from the context only. Context: Refunds are issued within 14 days of a return being received.",
             "{q}", "Within 14 days of receiving your return.", (8, 15), ("refund_q",)),
    Template("chat", "simple", "You are Ava, the friendly assistant of a meal-kit company.", "{q}",
             "Hi! This week we have a Thai green curry, a mushroom risotto and salmon tacos.", (30, 80), ("menu_q",)),
    Template("chat", "moderate", "You are a patient customer support agent for a bank.",
             "I was charged a foreign transaction fee on a purchase of {currency} {amount} in {city} on {date} but my "
             "card says no FX fees. Can you explain and fix it?",
             "I'm sorry about that. Let me explain how the fee was applied...", (120, 250), ("money", "city", "date")),
    Template("writing", "moderate", "You write upbeat marketing copy.",
             "Write a product launch email for our new {product}, {words}0 words. It ships on {date} at "
             "{currency} {amount}.", "Meet the {product} we've always wanted to make...", (180, 260),
             ("product", "words", "date", "money")),
    Template("writing", "simple", None, "Rewrite more politely: '{first}, send me the {doc} for {company} now.'",
             "Could you please send me the {doc} for {company} when you have a moment?", (12, 25),
             ("person", "doc", "company")),
    Template("code", "moderate", "You are a senior Python engineer.",
             "Fix this function, it fails on empty lists (ZeroDivisionError in {module}.py line {line}):\n```python\n"
             "def {fn}({arg}):\n    return sum({arg}) / len({arg})\n```",
             "```python\ndef {fn}({arg}):\n    return sum({arg}) / len({arg}) if {arg} else 0.0\n```", (40, 120),
             ("module", "line", "fn", "arg")),
    Template("code", "complex", "You are a staff engineer. Think about concurrency and failure modes.",
             "Design and implement a rate limiter for our {service} in {lang}: token bucket per {unit}, {store}-backed, "
             "with bursts up to {rps} requests per second, and explain how it behaves when {store} is unavailable.",
             "Here is a design with an atomic refill in {store}...", (600, 1400),
             ("service", "lang", "unit", "store", "rps")),
    Template("reasoning", "complex", None,
             "A warehouse ships {lines} product lines with different margins and capacity limits ({table}; "
             "{hours_cap} machine hours in total). Find the production mix that maximises profit next quarter and "
             "explain each step of your reasoning.",
             "Let x, y, z be the units... The optimum uses all {hours_cap} hours.", (700, 2000), ("mix",)),
    Template("reasoning", "moderate", None,
             "If a train leaves at {dep} and travels {km} km at {speed} km/h, when does it arrive? Show your work.",
             "{km}/{speed} = {hours} h, so it arrives at {arr}.", (40, 90), ("train",)),
]
_COMPLEX = [t for t in TEMPLATES if t.complexity == "complex"]

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
FILE_NAMES = {"openai-chat": "openai_chat.jsonl", "anthropic-messages": "anthropic_messages.jsonl",
              "canonical": "canonical.jsonl.gz"}


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":  # mtime=0 keeps the bytes identical from run to run
        return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=6, mtime=0), encoding="utf-8")
    return open(path, "w", encoding="utf-8")


def generate(out: Path, calls: int, seed: int = 7, log_format: str | None = None, text_share: float = 1.0) -> dict[str, int]:
    """Write `calls` records. With `log_format`, all of them as that format into the file `out`;
    without, each model in its natural format into files under the directory `out`.
    `text_share` of the records keep their prompt and answer text, the rest are metadata-only
    (picked by their own seeded draw, so every other field is the same whatever the share).
    Returns records written per file."""
    gen = _Gen(seed, calls, log_format)
    keep_text = random.Random(f"{seed}:text")
    counts: dict[str, int] = {}

    def write(fh: Any, fmt: str, rec: dict[str, Any]) -> None:
        record = WRITERS[fmt](rec)
        if text_share < 1.0 and keep_text.random() >= text_share:
            record = without_text(record)
        fh.write(json.dumps(record, separators=(",", ":")) + "\n")

    if log_format:
        with _open(out) as fh:
            for _fmt, rec in gen.records():
                write(fh, log_format, rec)
                counts[str(out)] = counts.get(str(out), 0) + 1
        return counts
    out.mkdir(parents=True, exist_ok=True)
    handles = {fmt: _open(out / name) for fmt, name in FILE_NAMES.items()}
    try:
        for fmt, rec in gen.records():
            write(handles[fmt], fmt, rec)
            counts[FILE_NAMES[fmt]] = counts.get(FILE_NAMES[fmt], 0) + 1
    finally:
        for fh in handles.values():
            fh.close()
    return counts
