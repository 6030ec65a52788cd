"""`mmaudit evals run`: send sampled prompts to candidate models, grade the answers, store `evals` rows.

`plan_run` reads and checks the sample, resolves every model through the price aliases, works out
what is already done (a re-run resumes: an (item, candidate) graded under the same grader is
skipped, a candidate answer already paid for is judged without asking again) and prices the rest
twice: a projection (offline token counts, the logged answer's length as the expected output) and
a worst case (every request at its token bound). Nothing is sent until `execute_run`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from mmaudit.errors import InputError
from mmaudit.live import records
from mmaudit.live.budget import Budget, Pricer, input_bound
from mmaudit.live.client import Client, Gateway
from mmaudit.live.engine import Engine, EngineResult, Sender
from mmaudit.live.grading import (
    JUDGE_EXPECTED_TOKENS,
    JUDGE_MAX_TOKENS,
    Rubric,
    fold,
    inconsistent,
    pairwise_messages,
    parse_winner,
)
from mmaudit.live.items import Checked, Item, check_sample
from mmaudit.live.sending import Request, RetryPolicy
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
    failed_before: int = 0               # candidate requests that failed for good in an earlier run

    @property
    def roles(self) -> tuple[str, ...]:
        if self.judge is None:
            return ()
        return rubric_roles(self.options.rubric) if self.options.rubric else PAIRWISE_ROLES


@dataclass
class RunResult:
    run_id: str
    status: str  # complete | incomplete (requests gave up) | budget_stopped | auth_failed | interrupted
    message: str | None
    rows: int
    judge_failures: int
    inconsistent_verdicts: int
    request_failures: int  # failed for good (a 4xx)
    gave_up: int  # 429/5xx/timeouts past the retries: a re-run sends them again
    spend: list[dict[str, Any]]
    spent_usd: Decimal
    bound_broken: int


def rubric_roles(rubric: Rubric) -> tuple[str, ...]:
    """A rubric's verdicts are kept under its name: another rubric's are never reused for it."""
    return (f"rubric:{rubric.name}",)


def grader_name(judge_key: str | None, rubric: Rubric | None) -> str:
    if judge_key is None:
        return "none"
    return f"rubric:{rubric.name}:{judge_key}" if rubric else f"pairwise-logged:{judge_key}"


def _expected_output(item: Item, max_tokens: int) -> int:
    return min(max_tokens, item.logged_output_tokens or max_tokens)


def _judge_messages(plan: RunPlan, item: Item, answer: str, role: str) -> list[dict[str, str]]:
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
    framings = [
        "\n".join(m["content"] for m in _judge_messages(plan, u.item, "", role)) for u, role in judged
    ]
    counts = count_tokens(texts + framings) if texts or framings else []
    projected = [(u.model, n, _expected_output(u.item, max_tokens)) for u, n in zip(send, counts)]
    worst = [(u.model, input_bound(u.item.messages), max_tokens) for u in send]
    stand_in = "x" * (4 * max_tokens)
    for (unit, role), n in zip(judged, counts[len(send) :]):
        projected.append((plan.judge[1], n + _expected_output(unit.item, max_tokens), JUDGE_EXPECTED_TOKENS))
        worst.append(
            (plan.judge[1], input_bound(_judge_messages(plan, unit.item, stand_in, role)), JUDGE_MAX_TOKENS)
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


def _cached_outcome(plan: RunPlan, key: tuple) -> dict[str, Any] | None:
    return plan.reusable.get(key)


def _unit_work(plan: RunPlan, unit: Unit) -> Callable[[Sender], None]:
    """One prompt x candidate: the answer (reused if paid for), then the grading, then its row."""
    options, item = plan.options, unit.item

    def work(sender: Sender) -> None:
        answer = _cached_outcome(plan, (item.key, "candidate", unit.model, None))
        if answer is None:
            outcome = sender.send(
                Request(item.key, unit.model, unit.name, "candidate", item.messages, options.max_tokens)
            )
            if outcome.status != "ok":
                return
            reply = outcome.reply
            answer = {
                "status": "ok",
                "response_text": reply.text,
                "input_tokens": reply.input_tokens,
                "output_tokens": reply.output_tokens,
                "cost_usd": outcome.answer_cost,
                "latency_ms": reply.latency_ms,
                "ttft_ms": reply.ttft_ms,
            }
        if answer["status"] != "ok":
            return
        verdicts: dict[str, str | None] = {}
        for role in plan.roles:
            cached = _cached_outcome(plan, (item.key, role, plan.judge[1], unit.model))
            if cached is None:
                outcome = sender.send(
                    Request(
                        item.key,
                        plan.judge[1],
                        plan.judge[0],
                        role,
                        _judge_messages(plan, item, answer["response_text"] or "", role),
                        JUDGE_MAX_TOKENS,
                        candidate=unit.model,
                    )
                )
                verdicts[role] = outcome.reply.text if outcome.status == "ok" else None
            else:
                verdicts[role] = cached["response_text"] if cached["status"] == "ok" else None
        sender.emit("eval", _eval_row(plan, unit, answer, verdicts))

    return work


def _eval_row(
    plan: RunPlan, unit: Unit, answer: dict[str, Any], verdicts: dict[str, str | None]
) -> dict[str, Any]:
    score: float | None
    success: bool | None
    flags = {"judge_failed": False, "inconsistent": False}
    if plan.judge is None:
        score, success = None, None
    elif plan.options.rubric is not None:
        text = verdicts.get(plan.roles[0])
        score, success = plan.options.rubric.parse(text) if text is not None else (None, None)
        flags["judge_failed"] = score is None
    else:
        first = parse_winner(verdicts["judge_ab"]) if verdicts.get("judge_ab") is not None else None
        second = parse_winner(verdicts["judge_ba"]) if verdicts.get("judge_ba") is not None else None
        score = fold(first, second)
        success = None if score is None else score >= 0.5
        flags = {"judge_failed": score is None, "inconsistent": inconsistent(first, second)}
    item = unit.item
    return {
        "model": unit.model,
        "score": score,
        "success": success,
        "call_id": item.call_id,
        "prompt_hash": item.prompt_hash,
        "task": item.task,
        "complexity": item.complexity,
        "input_tokens": answer["input_tokens"],
        "output_tokens": answer["output_tokens"],
        "cost_usd": answer["cost_usd"],
        "latency_ms": answer["latency_ms"],
        "ttft_ms": answer["ttft_ms"],
        "sample": 0,
        "grader": plan.grader,
        "eval_set": f"live:{plan.options.sample.name}",
        "_flags": flags,
    }


def execute_run(
    con: duckdb.DuckDBPyConnection,
    plan: RunPlan,
    pricer: Pricer,
    on_progress: Callable[[Budget], None] | None = None,
) -> RunResult:
    """Send what `plan` lists (after confirmation), storing every finished request and row."""
    options = plan.options
    gateway = Gateway.from_env()
    client = Client(gateway, options.timeout_s)
    budget = Budget(options.max_usd)
    run_id = records.new_run_id()
    records.start_run(
        con,
        records.RunRow(
            run_id,
            "evals",
            str(options.sample),
            sorted(set(plan.candidates.values())),
            plan.judge[1] if plan.judge else None,
            plan.grader,
            gateway.describe(),
            options.max_tokens,
            options.max_usd,
            plan.projected_usd,
            plan.worst_case_usd,
        ),
    )
    counts = {"rows": 0, "judge_failures": 0, "inconsistent": 0, "request_failures": 0, "gave_up": 0}

    def record(kind: str, payload: Any) -> None:
        if kind == "request":
            records.record_request(con, run_id, payload)
            counts["request_failures"] += payload.status == "failed"
            counts["gave_up"] += payload.status == "gave_up"
            if on_progress is not None:
                on_progress(budget)  # the bar counts requests
        else:
            flags = payload.pop("_flags")
            records.record_eval(con, {**payload, "run_id": run_id})
            counts["rows"] += 1
            counts["judge_failures"] += flags["judge_failed"]
            counts["inconsistent"] += flags["inconsistent"]

    engine = Engine(
        client, pricer, budget, RetryPolicy(options.retries, options.backoff_s), options.concurrency
    )
    result = EngineResult("interrupted")
    try:
        result = engine.run([_unit_work(plan, u) for u in plan.todo], record)
        if result.status == "complete" and counts["gave_up"]:
            result = EngineResult("incomplete", f"{counts['gave_up']} requests gave up after their retries")
    finally:
        records.finish_run(con, run_id, result.status)
    return RunResult(
        run_id,
        result.status,
        result.message,
        counts["rows"],
        counts["judge_failures"],
        counts["inconsistent"],
        counts["request_failures"],
        counts["gave_up"],
        records.spend(con, run_id),
        budget.spent,
        budget.bound_broken,
    )
