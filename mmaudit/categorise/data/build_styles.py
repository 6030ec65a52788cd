"""Training examples in other people's styles, composed from `style_pools.py` (seeded, reproducible).

Why: the first corpus taught the model the project's own phrasing; prompts from other teams were
misread, mostly as summarization whenever a document was pasted. These examples vary what that
corpus held fixed:
- a pasted document with a one-line instruction before or after it, in ten layouts (quotes, XML
  tags, "### Instruction" headers, code fences): the same document appears under instructions of
  every task, so only the instruction can decide;
- the same standalone request bare, under a general-purpose assistant system prompt (which says
  nothing about the task), or at the end of a short multi-turn thread;
- instructions in seven languages, sometimes in another language than the document (code-mixed);
- role-play set-ups (chat), explanation questions (qa) and multi-step word problems without any
  "calculate" verb (reasoning), the boundaries the first corpus left open.
Every example records its `family` (the instruction or request it was composed from) so the
family-held-out CV never sees the same instruction in fit and dev folds.
"""

from __future__ import annotations

import random

from mmaudit.categorise.data.style_pools import (
    DOC_INSTRUCTIONS,
    DOCS,
    GENERIC_SYSTEMS,
    LAYOUTS,
    OPENERS,
    PAYLOADS,
    REQUESTS,
    REQUESTS_BOUNDARY,
    REQUESTS_MORE,
    TASK_SYSTEMS,
    word_problem_extra,
)

SEED = 20251130
OUTPUT_TOKENS = {"simple": (1, 60), "moderate": (60, 500), "complex": (400, 2000)}
SHORT_OUTPUT = {"classification": (1, 12), "extraction": (10, 200), "qa": (5, 250)}


class _Builder:
    def __init__(self, seed: int = SEED):
        self.r = random.Random(seed)
        self.out: list[dict] = []

    def out_tokens(self, task: str, cx: str) -> int | None:
        if self.r.random() < 0.3:  # many logs carry no usage for the example, or it is not trusted
            return None
        lo, hi = SHORT_OUTPUT.get(task, OUTPUT_TOKENS[cx]) if cx == "simple" else OUTPUT_TOKENS[cx]
        return self.r.randint(lo, hi)

    def wrap(self, task: str, cx: str, user: str, family: str, system: str | None = None) -> None:
        """Bare, under a generic system prompt, or after a short thread; then stored."""
        r = self.r
        ex: dict = {}
        mode = r.random()
        if system is None and mode < 0.45:
            system = r.choice(GENERIC_SYSTEMS)
        if system:
            ex["system"] = system
        if r.random() < 0.18:
            msgs = []
            for u, a in r.sample(OPENERS, r.randint(1, 2)):
                msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
            ex["messages"] = msgs + [{"role": "user", "content": user}]
        else:
            ex["user"] = user
        ex["task"], ex["complexity"] = task, cx
        out = self.out_tokens(task, cx)
        if out is not None:
            ex["output_tokens"] = out
        ex["family"] = family
        self.out.append(ex)

    def documents(self, per_instruction: int = 3) -> None:
        r = self.r
        for i, (task, cx, ins, kinds) in enumerate(DOC_INSTRUCTIONS):
            fits = [d for d in DOCS if kinds == "*" or d[0] in kinds.split()]
            for kind, doc in r.sample(fits, min(per_instruction, len(fits))):
                text, level = doc, cx
                if r.random() < 0.2:  # a long paste: the same kind of text several times over
                    others = [d for k, d in DOCS if k != kind]
                    text = "\n\n".join([doc] + r.sample(others, 4))
                    if task in ("summarization", "translation", "writing", "extraction") and cx == "moderate":
                        level = "complex" if task == "translation" else cx
                if r.random() < 0.25 and task not in ("qa",):
                    # the instruction as the system prompt, the document alone as the user message
                    self.wrap(task, level, text, f"style:doc:{i}", system=ins)
                else:
                    layout = r.choice(LAYOUTS)
                    self.wrap(task, level, layout.format(doc=text, ins=ins), f"style:doc:{i}")

    def requests(self, copies: int = 2) -> None:
        for i, (task, cx, text) in enumerate(REQUESTS + REQUESTS_MORE + REQUESTS_BOUNDARY):
            for _ in range(copies):
                self.wrap(task, cx, text, f"style:req:{i}")

    def task_systems(self, per_system: int = 4) -> None:
        """A system prompt that defines the job; the user message is only the material."""
        for i, (task, cx, system) in enumerate(TASK_SYSTEMS):
            for payload in self.r.sample(PAYLOADS, per_system):
                self.wrap(task, cx, payload, f"style:sys:{i}", system=system)

    def word_problems(self, n: int = 110) -> None:
        for j in range(n):
            text, family = word_problem(self.r)
            self.wrap("reasoning", "moderate", text, f"style:wp:{family}")


NAMES = ["Keisha", "Tomás", "Wen", "Olu", "Greta", "Ravi", "Maeve", "Jonah", "Aiko", "Bongani", "Lucía", "Piotr",
         "Fatima", "Dmitri", "Hannah", "Kofi", "Isla", "Mateo", "Noor", "Elliot"]


def word_problem(r: random.Random) -> tuple[str, int]:
    """A multi-step word problem with no instruction verb: a story, some quantities, a question."""
    n, m = r.choice(NAMES), r.choice(NAMES)
    a, b, c = r.randint(3, 40), r.randint(2, 12), r.randint(2, 9)
    price = r.choice([1.5, 2, 2.25, 3, 4.5, 5, 7.5, 12])
    k = r.randrange(28)
    if k >= 16:
        return word_problem_extra(r, n, m, a, b, c, k - 16), k
    stories = [
        f"{n} bakes {a} cookies every day and gives {b} to her neighbour. She sells the rest for ${price} each. How much money does she make in a week?",
        f"A school bus holds {a} students. There are {a * c + b} students going on a trip. How many buses are needed?",
        f"{n} reads {b} pages on weekdays and twice as many on each weekend day. How many pages does {n} read in {c} weeks?",
        f"{n} has {a} marbles. {m} has {b} more than three times as many. How many marbles do they have together?",
        f"A shirt costs ${a}. It is on sale for {c * 5}% off, and {n} has a coupon for another ${b} off the sale price. What does {n} pay?",
        f"{n} walks {b} km in the morning and {c} km in the evening, {c + 2} days a week. How many kilometres is that in a 4-week month?",
        f"The tank holds {a * 10} litres. It leaks {b} litres an hour and is refilled with {c} litres an hour. How long until it is empty?",
        f"{n} is {a} years old. In {b} years {n} will be twice as old as {m} is now. How old is {m}?",
        f"A farmer has {a} chickens and {b} cows. How many legs are there on the farm in total?",
        f"{n} earns ${a} an hour and works {c} hours a day, 5 days a week. After paying ${b * 10} rent per week, how much is left each week?",
        f"There are {a} apples in a basket. {n} takes a third of them rounded down, then {m} takes {b}. How many are left?",
        f"{n} saves ${b} in the first week and ${c} more each week than the week before. How much has {n} saved after {c + 3} weeks?",
        f"A recipe needs {b} eggs for {c} pancakes. How many eggs are needed for {c * a} pancakes?",
        f"{n} ha comprado {a} cuadernos a {price} euros cada uno y ha pagado con un billete de 100 euros. ¿Cuánto le devuelven?",
        f"{n} fährt mit dem Rad {b} km zur Arbeit und zurück, an {c} Tagen pro Woche. Wie viele Kilometer sind das in einem Jahr mit 46 Arbeitswochen?",
        f"{n} achète {b} baguettes à {price} € et {c} croissants à 1,20 €. Combien paie-t-il au total ?",
    ]
    return stories[k], k


def build(seed: int = SEED) -> list[dict]:
    """All style examples, in a fixed order for a given seed."""
    b = _Builder(seed)
    b.documents()
    b.requests()
    b.task_systems()
    b.word_problems()
    return b.out
