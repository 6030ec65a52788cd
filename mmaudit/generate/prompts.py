"""The prompts the generator sends: templates whose wording fixes the task and complexity, and
slots (names, amounts, dates, tickets...) that the seeded RNG fills, so most prompt texts are
distinct while each keeps its label."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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
