"""What a live run says: the plan before sending, and the spend and findings after.

Builds `render.Report` objects (tables plus notes) from plans and results; the CLI only emits them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from mmaudit.live.budget import Budget
from mmaudit.live.engine import EngineResult
from mmaudit.live.labelling import LabelPlan, agreement
from mmaudit.live.runner import RunPlan, RunResult
from mmaudit.render import Column, Report, Table


def usd(value: Decimal | None) -> str:
    return "no limit" if value is None else f"${value:,.6f}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def plan_lines(plan: RunPlan) -> list[str]:
    checked = plan.checked
    lines = [f"sample: {len(checked.items)} prompts usable"]
    if checked.refused:
        shown = ", ".join(checked.refused[:5]) + (" ..." if len(checked.refused) > 5 else "")
        lines.append(f"refused: {len(checked.refused)} stored with --redact-text (never sent): {shown}")
    if checked.no_text:
        lines.append(f"skipped: {len(checked.no_text)} with no prompt text in the file or the database")
    if plan.no_reference:
        lines.append(
            f"skipped: {len(plan.no_reference)} with no logged answer to compare against (pairwise judge)"
        )
    if checked.duplicates:
        lines.append(f"skipped: {checked.duplicates} duplicate lines")
    if checked.not_logged:
        lines.append(
            f"note: {checked.not_logged} prompts are not among the logged calls (sent as the file gives them)"
        )
    if plan.failed_before:
        lines.append(f"failed for good earlier: {plan.failed_before} prompt x candidate pairs (not sent again; "
                     "see live_requests.error)")
    if plan.done:
        lines.append(f"already graded: {plan.done} prompt x candidate pairs (skipped; this run resumes)")
    models = ", ".join(f"{n} ({k})" if n != k else k for n, k in plan.candidates.items())
    judge = f"{plan.judge[0]} ({plan.grader})" if plan.judge else "none (answers stored, no score)"
    lines += [
        f"candidates: {models}",
        f"judge: {judge}",
        f"to send: {plan.requests} requests for {len(plan.todo)} prompt x candidate pairs",
        f"projected cost: {usd(plan.projected_usd)} (estimate: offline token counts, answers as long as the logged ones, short verdicts)",
        f"worst case: {usd(plan.worst_case_usd)} (every request at its token bound, max_tokens "
        f"{plan.options.max_tokens})",
        f"budget: {usd(plan.options.max_usd)}",
    ]
    if plan.options.max_usd is not None and plan.worst_case_usd > plan.options.max_usd:
        lines.append("the worst case is above the budget: the run stops before a request that could pass it")
    if plan.judge and plan.judge[1] in plan.candidates.values():
        lines.append("warning: the judge is also a candidate (judges tend to prefer their own answers)")
    return lines


def run_report(plan: RunPlan, result: RunResult) -> Report:
    rows = [{**r, "cost_usd": r["cost_usd"]} for r in result.spend]
    total = {
        "role": "total",
        "requests": sum(r["requests"] for r in rows),
        "ok": sum(r["ok"] for r in rows),
        "input_tokens": sum(r["input_tokens"] for r in rows),
        "output_tokens": sum(r["output_tokens"] for r in rows),
        "cost_usd": sum((r["cost_usd"] for r in rows), Decimal(0)),
    }
    columns = [
        Column("role", "Role"),
        Column("model", "Model"),
        Column("requests", "Requests", "int"),
        Column("ok", "OK", "int"),
        Column("input_tokens", "Input tok", "int"),
        Column("output_tokens", "Output tok", "int"),
        Column("cost_usd", "Cost (USD)", "usd"),
    ]
    judge_usd = sum((r["cost_usd"] for r in rows if r["role"] != "candidate"), Decimal(0))
    notes = [
        f"run {result.run_id}: {result.status}; {result.rows} evals rows stored (grader {plan.grader})",
        f"spent {usd(total['cost_usd'])} (priced by mmaudit's tables from the gateway's reported usage) "
        f"vs projected {usd(plan.projected_usd)}, worst case {usd(plan.worst_case_usd)}; judge {usd(judge_usd)}",
    ]
    bound = sum((r["bound_usd"] for r in rows), Decimal(0))
    if bound:
        notes.append(
            f"of the spend, {usd(bound)} is worst-case bounds: attempts that timed out or reported no usage "
            "(assumed, not measured)"
        )
    if result.judge_failures:
        notes.append(
            f"judge failures: {result.judge_failures} rows have no score (unreadable verdict; excluded, not 0)"
        )
    if result.inconsistent_verdicts:
        notes.append(
            f"position bias: {result.inconsistent_verdicts} pairs where the judge picked the same position in "
            "both orders (folded to a tie)"
        )
    if result.request_failures:
        notes.append(f"failed requests: {result.request_failures} (a 4xx; see live_requests.error)")
    if result.gave_up:
        notes.append(f"gave up after retries: {result.gave_up} requests (429, 5xx, timeouts; a re-run retries them)")
    if result.bound_broken:
        notes.append(f"warning: {result.bound_broken} replies cost more than their reserved bound")
    if plan.checked.refused:
        notes.append(f"refused: {len(plan.checked.refused)} redacted calls were not sent")
    data = {
        "run_id": result.run_id,
        "status": result.status,
        "rows": result.rows,
        "grader": plan.grader,
        "requests": total["requests"],
        "projected_usd": plan.projected_usd,
        "worst_case_usd": plan.worst_case_usd,
        "spent_usd": total["cost_usd"],
        "judge_spent_usd": judge_usd,
        "max_usd": plan.options.max_usd,
        "judge_failures": result.judge_failures,
        "inconsistent_verdicts": result.inconsistent_verdicts,
        "request_failures": result.request_failures,
        "gave_up": result.gave_up,
        "refused": plan.checked.refused,
        "spend": rows,
    }
    return Report([Table("Live run spend", columns, rows, total)], data, notes)


def label_report(
    plan: LabelPlan,
    result: EngineResult,
    budget: Budget,
    run_id: str | None,
    out: Path,
    written: int,
    unreadable: int,
    lines: list[dict[str, Any]],
) -> Report:
    task_agree, cx_agree, per_task = agreement(lines)
    columns = [
        Column("task", "Label (LLM)"),
        Column("labels", "Labels", "int"),
        Column("agree", "Categoriser agrees", "int"),
        Column("agreement", "Agreement", "share"),
    ]
    notes = [
        f"wrote {written} labels to {out} (review them, then: mmaudit categorize train {out})",
        f"agreement with the current categoriser: task {pct(task_agree)}, complexity {pct(cx_agree)} "
        f"on {written} prompts",
        f"spent {usd(budget.spent)} (run {run_id or 'none: all labels reused'})",
    ]
    if unreadable:
        notes.append(f"unreadable answers: {unreadable} (not a task of the taxonomy, or not JSON; left out)")
    data = {
        "run_id": run_id,
        "status": result.status,
        "written": written,
        "unreadable": unreadable,
        "out": str(out),
        "task_agreement": task_agree,
        "complexity_agreement": cx_agree,
        "per_task": per_task,
        "spent_usd": budget.spent,
        "projected_usd": plan.projected_usd,
        "worst_case_usd": plan.worst_case_usd,
    }
    return Report([Table("Labels by task", columns, per_task)], data, notes)
