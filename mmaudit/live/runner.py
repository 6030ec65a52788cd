"""Executing a planned live evals run: send, grade, store one `evals` row per prompt x candidate.

The plan (planning.py) lists the units; each unit asks the candidate (unless its answer is
already paid for), then the judge, and emits its row. Requests and rows are stored as they finish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from mmaudit.live import records
from mmaudit.live.budget import Budget, Pricer
from mmaudit.live.client import Client, Gateway
from mmaudit.live.engine import Engine, EngineResult, Sender
from mmaudit.live.grading import JUDGE_MAX_TOKENS, fold, inconsistent, parse_winner
from mmaudit.live.planning import RunOptions, RunPlan, Unit, judge_messages, plan_run
from mmaudit.live.sending import Request, RetryPolicy

__all__ = ["RunOptions", "RunPlan", "RunResult", "execute_run", "plan_run"]


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
                        judge_messages(plan, item, answer["response_text"] or "", role),
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
