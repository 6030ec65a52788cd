"""Material swaps: fit-side training copies in which only the instruction keeps its meaning.

Why: a request that pastes a document and asks one thing of it ("boil this down to three
bullets", "what is the deadline?", "write the reply") is labelled by the instruction, but most of
its words are the document's. A bag-of-n-grams model then learns that contracts mean
summarization and logs mean code. A swap keeps a line's instruction and label and replaces its
material with another line's (same writer, a different task), so the material's words are seen
under other labels too. Swaps are added to the fit only, never scored: the CV figures and the
temperature are measured on real lines (chosen on the writer-held-out CV, docs/categorisation.md).

A line is split when its user message is blank-line-separated paragraphs of which exactly one end
is short (the instruction, < `INSTRUCTION_MAX_CHARS`) and the rest is long (the material,
>= `MATERIAL_MIN_CHARS`). Only lines with an `author` are swapped, and only within one author, so a
copy never carries material across the writer-held-out folds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

INSTRUCTION_MAX_CHARS = 250
MATERIAL_MIN_CHARS = 600
SWAP_WEIGHT = 0.5  # a copy counts half a real line in the fit


@dataclass(frozen=True)
class Split:
    """A user message cut into its instruction (at the `head` or `tail`) and its material."""

    where: str
    instruction: str
    material: str

    def with_material(self, material: str) -> str:
        if self.where == "head":
            return f"{self.instruction}\n\n{material}"
        return f"{material}\n\n{self.instruction}"


def split_instruction(user: str) -> Split | None:
    """The instruction and material of a pasted-document request; None when there is no single
    short end (a one-paragraph message, short at both ends, or too little material)."""
    paras = [p for p in user.split("\n\n") if p.strip()]
    if len(paras) < 2:
        return None
    head_rest, tail_rest = "\n\n".join(paras[1:]), "\n\n".join(paras[:-1])
    head = len(paras[0]) < INSTRUCTION_MAX_CHARS and len(head_rest) >= MATERIAL_MIN_CHARS
    tail = len(paras[-1]) < INSTRUCTION_MAX_CHARS and len(tail_rest) >= MATERIAL_MIN_CHARS
    if head == tail:
        return None
    return Split("head", paras[0], head_rest) if head else Split("tail", paras[-1], tail_rest)


def material_swaps(objs: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(index of the source line, its swapped copy) for each splittable line with an `author`.

    Each line takes the material of the next splittable line of the same author, in file order,
    whose task differs (cyclically), so the result is deterministic. The copy keeps the source's
    system prompt, shape and label, drops its complexity (the material's length changed), and
    weighs `SWAP_WEIGHT` times the source."""
    by_author: dict[str, list[tuple[int, dict[str, Any], Split]]] = defaultdict(list)
    for index, obj in enumerate(objs):
        user, author = obj.get("user"), obj.get("author")
        if isinstance(author, str) and author and isinstance(user, str):
            split = split_instruction(user)
            if split is not None:
                by_author[author].append((index, obj, split))
    swaps: list[tuple[int, dict[str, Any]]] = []
    for _author, rows in sorted(by_author.items()):
        for k, (index, obj, split) in enumerate(rows):
            later = rows[k + 1:] + rows[:k]  # the author's other lines, from the next one on, cyclically
            partner = next((row for row in later if row[1].get("task") != obj.get("task")), None)
            if partner is None:
                continue
            copy = {key: value for key, value in obj.items() if key not in ("complexity", "user", "weight", "family")}
            copy["user"] = split.with_material(partner[2].material)
            copy["weight"] = SWAP_WEIGHT * float(obj.get("weight", 1.0))
            copy["family"] = f"{obj.get('family')}-swap"
            swaps.append((index, copy))
    return swaps
