"""Planning a live evals run: what would be sent, and what it could cost. Nothing is sent here.

`plan_run` reads and checks the sample, resolves every model through the price aliases, works out
what is already done (a re-run resumes: an (item, candidate) graded under the same grader is
skipped, a candidate answer already paid for is judged without asking again, a pair that failed
for good is not asked again) and prices the rest twice: a projection and a worst case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from mmaudit.errors import InputError
from mmaudit.live import records
from mmaudit.live.budget import Pricer, input_bound
from mmaudit.live.grading import JUDGE_EXPECTED_TOKENS, JUDGE_MAX_TOKENS, Rubric, pairwise_messages
from mmaudit.live.items import Checked, Item, check_sample
from mmaudit.tokens import count_tokens

PAIRWISE_ROLES = ("judge_ab", "judge_ba")


@dataclass
class RunOptions:
    sample: Path
    models: list[str]
    judge: str | None = None
    rubric: Rubric | None = None
    max_usd: Decimal | None = None
    max_tokens: int = 1024
    concurrency: int = 4
    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 0.5


@dataclass
class Unit:
    item: Item
    model: str  # key
    name: str  # as given


@dataclass
class RunPlan:
    options: RunOptions
    checked: Checked
    candidates: dict[str, str]  # name as given -> model key
    judge: tuple[str, str] | None  # (name, key)
    grader: str
    todo: list[Unit]
    done: int  # (item, candidate) pairs already graded
    no_reference: list[str]  # pairwise needs a logged answer
    requests: int
    projected_usd: Decimal
    worst_case_usd: Decimal
    reusable: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    failed_before: int = 0  # candidate requests that failed for good in an earlier run

    @property
    def roles(self) -> tuple[str, ...]:
        if self.judge is None:
            return ()
        return rubric_roles(self.options.rubric) if self.options.rubric else PAIRWISE_ROLES


def rubric_roles(rubric: Rubric) -> tuple[str, ...]:
    """A rubric's verdicts are kept under its name: another rubric's are never reused for it."""
    return (f"rubric:{rubric.name}",)


def grader_name(judge_key: str | None, rubric: Rubric | None) -> str:
    if judge_key is None:
        return "none"
    return f"rubric:{rubric.name}:{judge_key}" if rubric else f"pairwise-logged:{judge_key}"


def _expected_output(item: Item, max_tokens: int) -> int:
    return min(max_tokens, item.logged_output_tokens or max_tokens)


def judge_messages(plan: RunPlan, item: Item, answer: str, role: str) -> list[dict[str, str]]:
    if plan.options.rubric is not None:
        return plan.options.rubric.messages(item.messages, answer)
    first, second = (answer, item.reference or "") if role == "judge_ab" else (item.reference or "", answer)
    return pairwise_messages(item.messages, first, second)


def _price_plan(plan: RunPlan, pricer: Pricer) -> None:
    """Projection and worst case of everything `plan.todo` still has to send, priced in one query each.

    Projection: input counted offline (tiktoken), output = the logged answer's length capped at
    max_tokens (max_tokens when unknown), a verdict of JUDGE_EXPECTED_TOKENS. Worst case: every
    input at its token bound, every output at its cap; a judged answer taken as at most 4 bytes a
    token (the reservation made when the judge request is built uses the answer itself).
    """
    max_tokens = plan.options.max_tokens
    send = [u for u in plan.todo if (u.item.key, "candidate", u.model, None) not in plan.reusable]
    judged = [
        (u, role)
        for u in plan.todo
        for role in plan.roles
        if (u.item.key, role, plan.judge[1], u.model) not in plan.reusable
    ]
    texts = ["\n".join(m["content"] for m in u.item.messages) for u in send]
    framings = ["\n".join(m["content"] for m in judge_messages(plan, u.item, "", role)) for u, role in judged]
    counts = count_tokens(texts + framings) if texts or framings else []
    projected = [(u.model, n, _expected_output(u.item, max_tokens)) for u, n in zip(send, counts)]
    worst = [(u.model, input_bound(u.item.messages), max_tokens) for u in send]
    stand_in = "x" * (4 * max_tokens)
    for (unit, role), n in zip(judged, counts[len(send) :]):
        projected.append((plan.judge[1], n + _expected_output(unit.item, max_tokens), JUDGE_EXPECTED_TOKENS))
        worst.append(
            (plan.judge[1], input_bound(judge_messages(plan, unit.item, stand_in, role)), JUDGE_MAX_TOKENS)
        )
    plan.requests = len(send) + len(judged)
    plan.projected_usd, plan.worst_case_usd = pricer.total(projected), pricer.total(worst)


def plan_run(con: duckdb.DuckDBPyConnection, pricer: Pricer, options: RunOptions) -> RunPlan:
    """Everything `execute_run` would send, priced; nothing sent, nothing stored."""
    candidates = {name: pricer.resolve(name) for name in options.models}
    keys = list(candidates.values())
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        names = [n for n, k in candidates.items() if k == twice[0]]
        raise InputError(f"--models {', '.join(names)} all resolve to {twice[0]}: give each candidate once")
    judge = (options.judge, pricer.resolve(options.judge)) if options.judge else None
    grader = grader_name(judge[1] if judge else None, options.rubric)
    checked = check_sample(con, options.sample)
    pairwise = judge is not None and options.rubric is None
    no_reference = [i.key for i in checked.items if pairwise and not i.reference]
    usable = [i for i in checked.items if not (pairwise and not i.reference)]
    done_pairs = records.graded(con, grader)
    roles = rubric_roles(options.rubric) if options.rubric else PAIRWISE_ROLES
    reusable = records.finished_requests(con, ("candidate", *roles), [i.key for i in usable])
    todo, done, failed = [], 0, 0
    for item in usable:
        for name, key in candidates.items():
            answer = reusable.get((item.key, "candidate", key, None))
            if (item.key, key) in done_pairs:
                done += 1
            elif answer is not None and answer["status"] == "failed":
                failed += 1  # failed for good earlier (a 4xx, or out of retries): not sent again
            else:
                todo.append(Unit(item, key, name))
    plan = RunPlan(
        options,
        checked,
        candidates,
        judge,
        grader,
        todo,
        done,
        no_reference,
        0,
        Decimal(0),
        Decimal(0),
        reusable,
        failed,
    )
    _price_plan(plan, pricer)
    return plan
