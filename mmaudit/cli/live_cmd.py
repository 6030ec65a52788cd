"""Opt-in live runs: `mmaudit evals run`, `mmaudit evals sample` and `mmaudit categorize label`.

The only commands that talk to models, and only after showing what they will send and what it
can cost. `evals_app` is a small `evals` group for this branch; the functions `run`, `sample`
and `label` are what the main CLI attaches to its `evals` and `categorize` groups.
"""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mmaudit import store
from mmaudit.cli.common import INTERRUPTED, DbOption, FormatOption, emit, quiet, stderr, user_errors
from mmaudit.errors import InputError
from mmaudit.live.budget import Budget
from mmaudit.live.client import INSTALL_HINT, MissingLiveExtraError
from mmaudit.render import Column, OutputFormat, Report, Table

evals_app = typer.Typer(help="Outcome matrices: sample logged prompts, run them live on candidate models.")

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Send without asking (needed when there is no terminal).")]
MaxUsdOption = Annotated[
    Optional[str], typer.Option("--max-usd", help="Budget in USD for everything the run sends (candidates and judge).")
]
PricesOption = Annotated[Optional[list[Path]], typer.Option("--prices", help="Extra price table(s) (YAML).")]
ConcurrencyOption = Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Requests in flight at once.")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=1, help="Seconds allowed per request.")]
RetriesOption = Annotated[int, typer.Option("--retries", min=0, max=10, help="Retries after a 429, 5xx or timeout.")]


def _money(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InputError(f"--max-usd must be a number of dollars (found {text!r})") from None
    if not value.is_finite() or value <= 0:
        raise InputError(f"--max-usd must be above 0 (found {text})")
    return value


def _need_extra() -> None:
    """Fail before asking anything when LiteLLM is missing (it is imported only when sending)."""
    if importlib.util.find_spec("litellm") is None:
        raise MissingLiveExtraError(f"live runs need LiteLLM's SDK: {INSTALL_HINT}")


def _confirm(yes: bool, question: str) -> bool:
    """--yes, else ask on a terminal; with stdin closed or not a terminal the answer is no."""
    if yes:
        return True
    if sys.stdin is None or sys.stdin.closed or not sys.stdin.isatty():
        stderr.print("no terminal to confirm on: nothing sent, nothing stored (pass --yes to send)")
        return False
    return typer.confirm(question, default=False, err=True)


def _usd(value: Decimal | None) -> str:
    return "no limit" if value is None else f"${value:,.6f}"


class _Bar:
    """A progress bar on stderr with the spend so far (silent when output is machine-read)."""

    def __init__(self, total: int, limit: Decimal | None, enabled: bool) -> None:
        self.limit, self.done = limit, 0
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                 TimeElapsedColumn(), console=stderr, disable=not enabled, transient=False)
        self.task = self.progress.add_task("sending", total=total)

    def __enter__(self) -> "_Bar":
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def update(self, budget: Budget) -> None:
        self.done += 1
        spent = f"spent ${budget.spent:.6f}" + (f" of ${self.limit}" if self.limit is not None else "")
        self.progress.update(self.task, completed=min(self.done, self.progress.tasks[0].total or self.done),
                             description=spent)


def _plan_lines(plan: Any) -> list[str]:
    checked = plan.checked
    lines = [f"sample: {len(checked.items)} prompts usable"]
    if checked.refused:
        shown = ", ".join(checked.refused[:5]) + (" ..." if len(checked.refused) > 5 else "")
        lines.append(f"refused: {len(checked.refused)} stored with --redact-text (never sent): {shown}")
    if checked.no_text:
        lines.append(f"skipped: {len(checked.no_text)} with no prompt text in the file or the database")
    if plan.no_reference:
        lines.append(f"skipped: {len(plan.no_reference)} with no logged answer to compare against (pairwise judge)")
    if checked.duplicates:
        lines.append(f"skipped: {checked.duplicates} duplicate lines")
    if checked.not_logged:
        lines.append(f"note: {checked.not_logged} prompts are not among the logged calls (sent as the file gives them)")
    if plan.done:
        lines.append(f"already graded: {plan.done} prompt x candidate pairs (skipped; this run resumes)")
    models = ", ".join(f"{n} ({k})" if n != k else k for n, k in plan.candidates.items())
    judge = f"{plan.judge[0]} ({plan.grader})" if plan.judge else "none (answers stored, no score)"
    lines += [f"candidates: {models}", f"judge: {judge}",
              f"to send: {plan.requests} requests for {len(plan.todo)} prompt x candidate pairs",
              f"projected cost: {_usd(plan.projected_usd)} (estimate: offline token counts, answers as long as the logged ones, short verdicts)",
              f"worst case: {_usd(plan.worst_case_usd)} (every request at its token bound, max_tokens "
              f"{plan.options.max_tokens})",
              f"budget: {_usd(plan.options.max_usd)}"]
    if plan.options.max_usd is not None and plan.worst_case_usd > plan.options.max_usd:
        lines.append("the worst case is above the budget: the run stops before a request that could pass it")
    if plan.judge and plan.judge[1] in plan.candidates.values():
        lines.append("warning: the judge is also a candidate (judges tend to prefer their own answers)")
    return lines


def _run_report(plan: Any, result: Any) -> Report:
    rows = [{**r, "cost_usd": r["cost_usd"]} for r in result.spend]
    total = {"role": "total", "requests": sum(r["requests"] for r in rows), "ok": sum(r["ok"] for r in rows),
             "input_tokens": sum(r["input_tokens"] for r in rows), "output_tokens": sum(r["output_tokens"] for r in rows),
             "cost_usd": sum((r["cost_usd"] for r in rows), Decimal(0))}
    columns = [Column("role", "Role"), Column("model", "Model"), Column("requests", "Requests", "int"),
               Column("ok", "OK", "int"), Column("input_tokens", "Input tok", "int"),
               Column("output_tokens", "Output tok", "int"), Column("cost_usd", "Cost (USD)", "usd")]
    judge_usd = sum((r["cost_usd"] for r in rows if r["role"] != "candidate"), Decimal(0))
    notes = [f"run {result.run_id}: {result.status}; {result.rows} evals rows stored (grader {plan.grader})",
             f"spent {_usd(total['cost_usd'])} (priced by mmaudit's tables from the gateway's reported usage) "
             f"vs projected {_usd(plan.projected_usd)}, worst case {_usd(plan.worst_case_usd)}; judge {_usd(judge_usd)}"]
    bound = sum((r["bound_usd"] for r in rows), Decimal(0))
    if bound:
        notes.append(f"of the spend, {_usd(bound)} is worst-case bounds: attempts that timed out or reported no usage "
                     "(assumed, not measured)")
    if result.judge_failures:
        notes.append(f"judge failures: {result.judge_failures} rows have no score (unreadable verdict; excluded, not 0)")
    if result.inconsistent_verdicts:
        notes.append(f"position bias: {result.inconsistent_verdicts} pairs where the judge picked the same position in "
                     "both orders (folded to a tie)")
    if result.request_failures:
        notes.append(f"failed requests: {result.request_failures} (see live_requests.error)")
    if result.bound_broken:
        notes.append(f"warning: {result.bound_broken} replies cost more than their reserved bound")
    if plan.checked.refused:
        notes.append(f"refused: {len(plan.checked.refused)} redacted calls were not sent")
    data = {"run_id": result.run_id, "status": result.status, "rows": result.rows, "grader": plan.grader,
            "requests": total["requests"], "projected_usd": plan.projected_usd, "worst_case_usd": plan.worst_case_usd,
            "spent_usd": total["cost_usd"], "judge_spent_usd": judge_usd, "max_usd": plan.options.max_usd,
            "judge_failures": result.judge_failures, "inconsistent_verdicts": result.inconsistent_verdicts,
            "request_failures": result.request_failures, "refused": plan.checked.refused, "spend": rows}
    return Report([Table("Live run spend", columns, rows, total)], data, notes)


def _finish(status: str, message: str | None) -> None:
    if status == "budget_stopped":
        stderr.print(f"[bold yellow]budget reached:[/bold yellow] {message}; finished rows are kept, raise "
                     "--max-usd and run the same command again to continue", highlight=False)
        raise typer.Exit(1)
    if status == "interrupted":
        stderr.print("[bold red]interrupted:[/bold red] requests that finished are stored; run the same command "
                     "again to continue (nothing done is sent twice)", highlight=False)
        raise typer.Exit(INTERRUPTED)


def run(
    sample: Annotated[Path, typer.Option("--sample", help="Sample JSONL (`mmaudit evals sample`).")],
    models: Annotated[str, typer.Option("--models", help="Candidate models, comma-separated (bare or provider/model).")],
    judge: Annotated[Optional[str], typer.Option("--judge", help="Judge model (pairwise vs the logged answer, both orders).")] = None,
    rubric: Annotated[Optional[Path], typer.Option("--rubric", help="Rubric YAML with a declared scale (needs --judge).")] = None,
    max_usd: MaxUsdOption = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=1, help="Cap on each candidate answer's tokens.")] = 1024,
    concurrency: ConcurrencyOption = 4,
    timeout: TimeoutOption = 60.0,
    retries: RetriesOption = 4,
    yes: YesOption = False,
    prices: PricesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Send each sampled prompt to each candidate model, grade the answers, store `evals` rows.

    The gateway is the providers' own configuration: OPENAI_BASE_URL (or OPENAI_API_BASE) and OPENAI_API_KEY for an OpenAI-compatible gateway, else each provider's variables. Shows what will be sent with its projected and worst-case cost, then asks (unless --yes). A re-run resumes: what is graded is skipped. Needs pip install 'mmaudit\\[live]'.

    Example:

      mmaudit evals run --sample prompts.jsonl --models gpt-4o-mini,claude-3-5-haiku --judge gpt-4o --max-usd 5
    """
    from mmaudit.live.budget import Pricer
    from mmaudit.live.grading import load_rubric
    from mmaudit.live.runner import RunOptions, execute_run, plan_run
    from mmaudit.pricing import load_catalog

    with user_errors():
        names = [m.strip() for m in models.split(",") if m.strip()]
        if not names:
            raise InputError("--models needs at least one model name")
        if rubric is not None and judge is None:
            raise InputError("--rubric needs --judge (the model that grades against it)")
        options = RunOptions(sample, list(dict.fromkeys(names)), judge, load_rubric(rubric) if rubric else None,
                             _money(max_usd), max_tokens, concurrency, timeout, retries)
        _need_extra()
        con = store.connect(db)
        pricer = Pricer(load_catalog(list(prices or [])))
        try:
            plan = plan_run(con, pricer, options)
            for line in _plan_lines(plan):
                stderr.print(line, highlight=False, markup=False)
            if not plan.todo:
                stderr.print("nothing left to do: every prompt x candidate is already graded", highlight=False)
                return
            if not _confirm(yes, f"Send {plan.requests} requests (up to {_usd(plan.worst_case_usd)})?"):
                raise typer.Exit(1)
            with _Bar(plan.requests, options.max_usd, not quiet(fmt)) as bar:
                result = execute_run(con, plan, pricer, bar.update)
        finally:
            pricer.close()
            con.close()
    emit(_run_report(plan, result), fmt)
    _finish(result.status, result.budget_message)


def sample(
    per_cell: Annotated[int, typer.Option("--per-cell", help="At most this many calls per task x complexity.")] = 20,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the sample (JSONL).")] = Path("prompts.jsonl"),
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write a sample of logged prompts (call_id, prompt_hash, text) for `mmaudit evals run`.

    Redacted calls are never exported. Example:

      mmaudit evals sample --per-cell 20 --out prompts.jsonl
    """
    from mmaudit.live.sample import write_sample

    with user_errors():
        con = store.connect(db, read_only=True)
        try:
            result = write_sample(con, per_cell, out)
        finally:
            con.close()
    rows = [{"task": t, "complexity": c, "prompts": n} for (t, c), n in result.cells.items()]
    columns = [Column("task", "Task"), Column("complexity", "Complexity"), Column("prompts", "Prompts", "int")]
    notes = [f"wrote {result.lines} prompts to {out}",
             f"{result.excluded_redacted} calls stored without their text (--redact-text or older) were not eligible"]
    emit(Report([Table("Sampled prompts", columns, rows, {"task": "total", "prompts": result.lines})],
                {"lines": result.lines, "out": str(out), "cells": rows}, notes), fmt)


evals_app.command("run")(run)
evals_app.command("sample")(sample)


def label(
    model: Annotated[str, typer.Option("--model", help="The model that labels (bare or provider/model).")],
    n: Annotated[int, typer.Option("--sample", help="Label up to this many distinct logged prompts.")] = 200,
    out: Annotated[Path, typer.Option("--out", "-o", help="Labelled JSONL for `categorize train`.")] = Path("labels.jsonl"),
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Rules YAML merged over the defaults (the taxonomy).")] = None,
    max_usd: MaxUsdOption = None,
    concurrency: ConcurrencyOption = 4,
    timeout: TimeoutOption = 60.0,
    retries: RetriesOption = 4,
    yes: YesOption = False,
    prices: PricesOption = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Label sampled logged prompts with an LLM, write them for `categorize train`, report agreement.

    The taxonomy and its definitions go in the prompt; the answer is a JSON task and complexity. Review the file (each line shows the current categoriser's answer beside the label), then train on it: mmaudit categorize train labels.jsonl. Needs pip install 'mmaudit\\[live]'.

    Example:

      mmaudit categorize label --model gpt-4o-mini --sample 500 --out labels.jsonl --max-usd 2
    """
    from mmaudit.categorise import load_rules
    from mmaudit.live.budget import Pricer
    from mmaudit.live.labelling import agreement, execute_labels, plan_labels, write_labels
    from mmaudit.pricing import load_catalog

    with user_errors():
        limit = _money(max_usd)
        loaded = load_rules(rules)
        _need_extra()
        con = store.connect(db)
        pricer = Pricer(load_catalog(list(prices or [])))
        try:
            plan = plan_labels(con, pricer, loaded, model, n)
            for line in [f"prompts: {len(plan.prompts)} distinct logged prompts (text kept; redacted calls never sent)",
                         f"already labelled: {len(plan.prompts) - plan.requests} (reused)",
                         f"labeller: {model} ({plan.model[1]})", f"to send: {plan.requests} requests",
                         f"projected cost: {_usd(plan.projected_usd)}; worst case: {_usd(plan.worst_case_usd)}; "
                         f"budget: {_usd(limit)}"]:
                stderr.print(line, highlight=False, markup=False)
            if plan.requests and not _confirm(yes, f"Send {plan.requests} requests (up to {_usd(plan.worst_case_usd)})?"):
                raise typer.Exit(1)
            with _Bar(plan.requests, limit, not quiet(fmt) and plan.requests > 0) as bar:
                run_id, result, budget = execute_labels(con, plan, pricer, limit,
                                                        {"timeout_s": timeout, "retries": retries,
                                                         "concurrency": concurrency}, bar.update)
            written, unreadable, lines = write_labels(plan, loaded, out)
        finally:
            pricer.close()
            con.close()
    task_agree, cx_agree, per_task = agreement(lines)
    columns = [Column("task", "Label (LLM)"), Column("labels", "Labels", "int"), Column("agree", "Categoriser agrees", "int"),
               Column("agreement", "Agreement", "share")]
    notes = [f"wrote {written} labels to {out} (review them, then: mmaudit categorize train {out})",
             f"agreement with the current categoriser: task {_pct(task_agree)}, complexity {_pct(cx_agree)} "
             f"on {written} prompts", f"spent {_usd(budget.spent)} (run {run_id or 'none: all labels reused'})"]
    if unreadable:
        notes.append(f"unreadable answers: {unreadable} (not a task of the taxonomy, or not JSON; left out)")
    data = {"run_id": run_id, "status": result.status, "written": written, "unreadable": unreadable, "out": str(out),
            "task_agreement": task_agree, "complexity_agreement": cx_agree, "per_task": per_task,
            "spent_usd": budget.spent, "projected_usd": plan.projected_usd, "worst_case_usd": plan.worst_case_usd}
    emit(Report([Table("Labels by task", columns, per_task)], data, notes), fmt)
    _finish(result.status, result.budget_message)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
