"""Grading a candidate's answer: a pairwise judge against the logged answer, or a rubric.

LLM judges have known biases: they favour the answer shown first (position bias) and the longer
answer (verbosity bias). The pairwise judge is therefore asked twice, once with the candidate as
answer A and once as answer B; the two verdicts fold into one score for the candidate (win 1,
tie 0.5, loss 0, averaged), so a judge that always picks "A" yields 0.5, not a win. The prompts
tell the judge to ignore order and length; nothing removes verbosity bias entirely (docs/evals.md).
A verdict that cannot be read is a judge failure: the score is NULL, never 0.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mmaudit.errors import ConfigError

JUDGE_MAX_TOKENS = 256
JUDGE_EXPECTED_TOKENS = 40  # a verdict and one sentence: what the projection assumes
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

PAIRWISE_SYSTEM = (
    "You are an impartial judge comparing two answers to the same request. Judge which answer serves "
    "the request better: correctness first, then completeness and following the instructions. The order "
    "of the answers is random: do not prefer an answer for its position. Do not prefer an answer for being "
    'longer. Reply with JSON only: {"winner": "A" | "B" | "tie", "reason": "<one sentence>"}.'
)
RUBRIC_SYSTEM = (
    "You grade the answer to a request against a rubric. Do not reward length for its own sake. "
    'Reply with JSON only: {{"score": <a number from {lo:g} to {hi:g}>, "reason": "<one sentence>"}}.\n\n'
    "Rubric:\n{criteria}"
)


def request_text(messages: list[dict[str, str]]) -> str:
    return "\n\n".join(f"[{m['role']}]\n{m.get('content') or ''}" for m in messages)


def pairwise_messages(request: list[dict[str, str]], first: str, second: str) -> list[dict[str, str]]:
    user = f"[Request]\n{request_text(request)}\n\n[Answer A]\n{first}\n\n[Answer B]\n{second}"
    return [{"role": "system", "content": PAIRWISE_SYSTEM}, {"role": "user", "content": user}]


def json_object(text: str) -> dict[str, Any] | None:
    match = _OBJECT.search(text or "")
    if not match:
        return None
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def parse_winner(text: str) -> str | None:
    """'A', 'B' or 'tie' from a judge's reply; None when it cannot be read."""
    obj = json_object(text)
    raw = obj.get("winner") if obj else (text or "").strip().strip(".")
    if not isinstance(raw, str):
        return None
    value = raw.strip().lower()
    return {"a": "A", "b": "B", "tie": "tie"}.get(value)


def fold(candidate_first: str | None, candidate_second: str | None) -> float | None:
    """The candidate's score from both orders: as answer A, then as answer B (None if either failed)."""
    if candidate_first is None or candidate_second is None:
        return None
    as_a = {"A": 1.0, "tie": 0.5, "B": 0.0}[candidate_first]
    as_b = {"B": 1.0, "tie": 0.5, "A": 0.0}[candidate_second]
    return (as_a + as_b) / 2


def inconsistent(candidate_first: str | None, candidate_second: str | None) -> bool:
    """The same position won both times: the verdict followed the order, not the answers."""
    return candidate_first is not None and candidate_first == candidate_second and candidate_first != "tie"


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"scale.max ({self.max:g}) must be above scale.min ({self.min:g})")
        return self


class Rubric(BaseModel):
    """A rubric file: the criteria and the scale the judge answers on (mapped to 0..1)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    scale: Scale
    success_threshold: float
    criteria: str

    @model_validator(mode="after")
    def _threshold_on_scale(self) -> Rubric:
        if not self.scale.min <= self.success_threshold <= self.scale.max:
            raise ValueError(
                f"success_threshold {self.success_threshold:g} is outside the scale "
                f"{self.scale.min:g}..{self.scale.max:g}"
            )
        return self

    def messages(self, request: list[dict[str, str]], answer: str) -> list[dict[str, str]]:
        system = RUBRIC_SYSTEM.format(lo=self.scale.min, hi=self.scale.max, criteria=self.criteria)
        user = f"[Request]\n{request_text(request)}\n\n[Answer]\n{answer}"
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def parse(self, text: str) -> tuple[float | None, bool | None]:
        """(score mapped to 0..1, success) from the judge's reply; (None, None) when unreadable
        or outside the declared scale."""
        obj = json_object(text)
        raw = obj.get("score") if obj else None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return None, None
        if not self.scale.min <= raw <= self.scale.max:
            return None, None
        return (raw - self.scale.min) / (self.scale.max - self.scale.min), raw >= self.success_threshold


def load_rubric(path: Path) -> Rubric:
    """Read and validate a rubric YAML file; errors name the file and the key path."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']} (found {e.get('input')!r})"
            for e in exc.errors()
        )
        raise ConfigError(
            f"{path}: {problems}; expected keys name, scale {{min, max}}, success_threshold, criteria"
        ) from None
