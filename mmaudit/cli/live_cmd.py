"""Opt-in live runs: `mmaudit evals run` and `mmaudit categorize label`.

The only commands that talk to models, and only after showing what they will send and what it
can cost. `run` and `label` are attached to the `evals` and `categorize` groups in cli/__init__.py;
the sample they read comes from `mmaudit evals sample` (mmaudit/evals/sample.py).
"""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mmaudit import store
from mmaudit.cli.common import INTERRUPTED, DbOption, FormatOption, emit, quiet, stderr, user_errors
from mmaudit.errors import InputError
from mmaudit.render import OutputFormat

YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Send without asking (needed when there is no terminal).")
]
MaxUsdOption = Annotated[
    str | None,
    typer.Option("--max-usd", help="Budget in USD for everything the run sends (candidates and judge)."),
]
PricesOption = Annotated[list[Path] | None, typer.Option("--prices", help="Extra price table(s) (YAML).")]
ConcurrencyOption = Annotated[
    int, typer.Option("--concurrency", min=1, max=64, help="Requests in flight at once.")
]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=1, help="Seconds allowed per request.")]
RetriesOption = Annotated[
    int, typer.Option("--retries", min=0, max=10, help="Retries after a 429, 5xx or timeout.")
]


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
    from mmaudit.live.client import INSTALL_HINT, MissingLiveExtraError

    if importlib.util.find_spec("litellm") is None:
        raise MissingLiveExtraError(f"live runs need LiteLLM's SDK: {INSTALL_HINT}")


def _open(db: Path | None):  # type: ignore[no-untyped-def]
    """The store, opened for writing; a database that does not exist is an input error (a live run
    re-checks every prompt against the logged calls, so it needs them)."""
    path = store.resolve_db_path(db)
    if str(path) != ":memory:" and not path.exists():
        raise InputError(f"database {path} does not exist: run `mmaudit ingest` first")
    return store.connect(path)


def _confirm(yes: bool, question: str) -> bool:
    """--yes, else ask on a terminal; with stdin closed or not a terminal the answer is no."""
    if yes:
        return True
    if sys.stdin is None or sys.stdin.closed or not sys.stdin.isatty():
        stderr.print("no terminal to confirm on: nothing sent, nothing stored (pass --yes to send)")
        return False
    return typer.confirm(question, default=False, err=True)


class _Bar:
    """A progress bar on stderr with the spend so far (silent when output is machine-read)."""

    def __init__(self, total: int, limit: Decimal | None, enabled: bool) -> None:
        self.limit, self.done = limit, 0
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=stderr,
            disable=not enabled,
            transient=False,
        )
        self.task = self.progress.add_task("sending", total=total)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def update(self, budget: Any) -> None:
        self.done += 1
        spent = f"spent ${budget.spent:.6f}" + (f" of ${self.limit}" if self.limit is not None else "")
        self.progress.update(
            self.task, completed=min(self.done, self.progress.tasks[0].total or self.done), description=spent
        )


# How a live run that did not finish ends: (label, what to say after the message, exit code).
_ENDINGS: dict[str, tuple[str, str, int]] = {
    "budget_stopped": ("[bold yellow]budget reached:[/bold yellow] {message}",
                       "; finished rows are kept, raise --max-usd and run the same command again to continue", 1),
    "incomplete": ("[bold yellow]incomplete:[/bold yellow] {message}",
                   " (429, 5xx or timeouts); finished rows are kept, run the same command again to retry them", 1),
    "auth_failed": ("[bold red]error:[/bold red] the gateway refused the credentials, nothing more was sent: {message}",
                    "", 2),
    "interrupted": ("[bold red]interrupted:[/bold red] requests that finished are stored",
                    "; run the same command again to continue (nothing done is sent twice)", INTERRUPTED),
}


def _finish(status: str, message: str | None) -> None:
    """Say why a run stopped early (on stderr) and exit with its code; a finished run returns."""
    if status not in _ENDINGS:
        return
    head, tail, code = _ENDINGS[status]
    stderr.print(head.format(message=escape(message or "")) + tail, highlight=False)
    raise typer.Exit(code)


def run(
    sample: Annotated[Path, typer.Option("--sample", help="Sample JSONL (`mmaudit evals sample`).")],
    models: Annotated[
        str, typer.Option("--models", help="Candidate models, comma-separated (bare or provider/model).")
    ],
    judge: Annotated[
        str | None, typer.Option("--judge", help="Judge model (pairwise vs the logged answer, both orders).")
    ] = None,
    rubric: Annotated[
        Path | None, typer.Option("--rubric", help="Rubric YAML with a declared scale (needs --judge).")
    ] = None,
    max_usd: MaxUsdOption = None,
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", min=1, help="Cap on each candidate answer's tokens.")
    ] = 1024,
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
    from mmaudit.live.summary import plan_lines, run_report, usd
    from mmaudit.pricing import load_catalog

    with user_errors():
        names = [m.strip() for m in models.split(",") if m.strip()]
        if not names:
            raise InputError("--models needs at least one model name")
        if rubric is not None and judge is None:
            raise InputError("--rubric needs --judge (the model that grades against it)")
        options = RunOptions(
            sample,
            list(dict.fromkeys(names)),
            judge,
            load_rubric(rubric) if rubric else None,
            _money(max_usd),
            max_tokens,
            concurrency,
            timeout,
            retries,
        )
        _need_extra()
        con = _open(db)
        pricer = Pricer(load_catalog(list(prices or [])))
        try:
            plan = plan_run(con, pricer, options)
            for line in plan_lines(plan):
                stderr.print(line, highlight=False, markup=False)
            if not plan.todo:
                # the pairs that failed for good are not graded: say so, not "every pair is graded"
                stderr.print(
                    "nothing left to do: every prompt x candidate is graded"
                    + (f" or failed for good earlier ({plan.failed_before}: to send them again once the cause "
                       "is fixed, delete their rows: DELETE FROM live_requests WHERE status = 'failed')"
                       if plan.failed_before else ""),
                    highlight=False,
                )
                return
            if not _confirm(yes, f"Send {plan.requests} requests (up to {usd(plan.worst_case_usd)})?"):
                raise typer.Exit(1)
            with _Bar(plan.requests, options.max_usd, not quiet(fmt)) as bar:
                result = execute_run(con, plan, pricer, bar.update)
        finally:
            pricer.close()
            con.close()
    emit(run_report(plan, result), fmt)
    _finish(result.status, result.message)




def label(
    model: Annotated[str, typer.Option("--model", help="The model that labels (bare or provider/model).")],
    n: Annotated[int, typer.Option("--sample", help="Label up to this many distinct logged prompts.")] = 200,
    out: Annotated[Path, typer.Option("--out", "-o", help="Labelled JSONL for `categorize train`.")] = Path(
        "labels.jsonl"
    ),
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rules YAML merged over the defaults (the taxonomy).")
    ] = None,
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
    from mmaudit.live.labelling import execute_labels, plan_labels, write_labels
    from mmaudit.live.summary import label_report, usd
    from mmaudit.pricing import load_catalog

    with user_errors():
        limit = _money(max_usd)
        loaded = load_rules(rules)
        _need_extra()
        con = _open(db)
        pricer = Pricer(load_catalog(list(prices or [])))
        try:
            plan = plan_labels(con, pricer, loaded, model, n)
            for line in [
                f"prompts: {len(plan.prompts)} distinct logged prompts (text kept; redacted calls never sent)",
                f"already labelled: {len(plan.prompts) - plan.requests} (reused)",
                f"labeller: {model} ({plan.model[1]})",
                f"to send: {plan.requests} requests",
                f"projected cost: {usd(plan.projected_usd)}; worst case: {usd(plan.worst_case_usd)}; "
                f"budget: {usd(limit)}",
            ]:
                stderr.print(line, highlight=False, markup=False)
            if plan.requests and not _confirm(
                yes, f"Send {plan.requests} requests (up to {usd(plan.worst_case_usd)})?"
            ):
                raise typer.Exit(1)
            with _Bar(plan.requests, limit, not quiet(fmt) and plan.requests > 0) as bar:
                run_id, result, budget = execute_labels(
                    con,
                    plan,
                    pricer,
                    limit,
                    {"timeout_s": timeout, "retries": retries, "concurrency": concurrency},
                    bar.update,
                )
            written, unreadable, lines = write_labels(plan, loaded, out)
        finally:
            pricer.close()
            con.close()
    emit(label_report(plan, result, budget, run_id, out, written, unreadable, lines), fmt)
    _finish(result.status, result.message)
