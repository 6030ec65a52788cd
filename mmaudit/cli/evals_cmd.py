"""`mmaudit evals import|hash|sample`: outcome matrices in, prompts for a team's own evals out."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from mmaudit import store
from mmaudit.cli.common import DbOption, FormatOption, emit, UNCHANGED, user_errors
from mmaudit.errors import InputError
from mmaudit.evals.hashing import prompt_hashes
from mmaudit.evals.importer import ImportResult, import_file
from mmaudit.evals.sample import per_cell_for_width, sample_prompts
from mmaudit.evals.spec import parse_scale
from mmaudit.formats import macros
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.render import Column, OutputFormat, Report, Table

app = typer.Typer(help="Outcome matrices: import model scores per prompt, hash prompts, sample prompts to evaluate.",
                  no_args_is_help=True)

IMPORT_COLUMNS = [
    Column("file", "File"), Column("rows", "Rows", "int"), Column("loaded", "Loaded", "int"),
    Column("duplicates", "Duplicates", "int"), Column("conflicts", "Conflicts", "int"),
    Column("rejected", "Rejected", "int"), Column("judge_failures", "Judge failures", "int"),
    Column("items", "Items", "int"), Column("items_matching_calls", "Items matching calls", "int"),
]


def import_report(results: list[ImportResult]) -> Report:
    rows = [dataclasses.asdict(r) for r in results]
    notes = []
    for r in results:
        notes.append(f"{r.file}: eval set {r.eval_set!r}, scale {r.scale['min']:g}-{r.scale['max']:g} mapped to 0-1, "
                     f"success when score >= {r.success_threshold:g}; models: {', '.join(r.models) or 'none'}.")
        if r.unknown_models:
            notes.append(f"{r.file}: no price for {', '.join(r.unknown_models)}: kept, but simulate cannot use them "
                         "(add an alias or a price table, see docs/pricing.md).")
        if r.judge_failures:
            notes.append(f"{r.file}: {r.judge_failures} judge failure(s) (score outside the scale): stored, excluded "
                         "from every figure, never read as 0.")
        if r.conflicts:
            notes.append(f"{r.file}: {r.conflicts} row(s) conflict (one item, model, sample and grader, different "
                         "scores): none loaded, see the quarantine table.")
        if r.mixed_grader_cells:
            notes.append(f"{r.mixed_grader_cells} item x model outcome(s) are scored by more than one grader.")
        for p in r.problems:
            notes.append(f"{r.file}:{p['line']}: {p['reason']}")
    data = {"files": rows}
    return Report([Table("Evals import", IMPORT_COLUMNS, rows, None, notes)], data)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Outcome files: .jsonl, .csv or .parquet, one row per item x model.")],
    db: DbOption = None,
    prices: Annotated[Optional[list[Path]], typer.Option("--prices", help="Extra price table(s) (YAML) naming the models.")] = None,
    scale: Annotated[Optional[str], typer.Option(help="Score scale MIN-MAX, e.g. 1-10 (mapped to 0-1). Default 0-1.")] = None,
    success_threshold: Annotated[Optional[float], typer.Option(help="Raw score counted as a success (default: mid-scale).")] = None,
    eval_set: Annotated[Optional[str], typer.Option(help="Name of the evaluation (default: the file name).")] = None,
    grader: Annotated[Optional[str], typer.Option(help="Grader for rows that do not name one.")] = None,
    spec: Annotated[Optional[Path], typer.Option(help="Sidecar YAML (default: FILE.meta.yaml when present).")] = None,
    keep_text: Annotated[bool, typer.Option("--keep-text", help="Store the prompt text (default: only its hash).")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Import outcome matrices into the `evals` table (docs/evals.md).

    Each row: `model`, `score`, and the item as `call_id`, `prompt_hash`, `prompt` or `messages`;
    optional `success`, `sample`, `grader`, `task`, `complexity`, `input_tokens`,
    `output_tokens`, `cost_usd`, `latency_ms`, `ttft_ms`, `eval_set`.

    Examples:

      mmaudit evals import outcomes.jsonl

      mmaudit evals import judgements.jsonl --scale 1-10 --success-threshold 8 --grader gpt-4
    """
    with user_errors():
        overrides = {"scale": parse_scale(scale).model_dump() if scale else None, "success_threshold": success_threshold,
                     "eval_set": eval_set, "grader": grader}
        con = store.connect(db)
        macros.install(con)
        register_prices(con, load_catalog(list(prices or [])))
        results = [import_file(con, f, overrides, spec, keep_text) for f in files]
        con.close()
    emit(import_report(results), fmt)
    if any(r.rejected or r.conflicts for r in results):
        raise typer.Exit(1)


@app.command("hash")
def hash_(
    texts: Annotated[Optional[list[str]], typer.Argument(help="Prompt texts; none: one per line on stdin.")] = None,
    messages: Annotated[bool, typer.Option("--messages", help="Each text is a chat messages JSON array.")] = False,
) -> None:
    """Print the prompt hash ingest stores in calls.prompt_hash.

    Use it as `prompt_hash` in an outcome file (the recipe is in docs/evals.md).

    Examples:

      mmaudit evals hash "What is the capital of France?"

      mmaudit evals hash --messages '[{"role": "user", "content": "Hi"}]'
    """
    with user_errors(UNCHANGED):
        values = list(texts) if texts else [line.rstrip("\r\n") for line in sys.stdin]
        if not values:
            raise InputError("give prompt texts as arguments or on stdin")
        for h in prompt_hashes(values, messages):
            typer.echo(h if h is not None else "")


SAMPLE_COLUMNS = [Column("task", "Task"), Column("complexity", "Complexity"), Column("calls", "Calls", "int"),
                  Column("eligible", "With text", "int"), Column("sampled", "Sampled", "int"),
                  Column("spend_share", "Spend share", "share")]


@app.command("sample")
def sample(
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file to write (not overwritten).")],
    db: DbOption = None,
    per_cell: Annotated[Optional[int], typer.Option(help="Prompts per task x complexity cell.")] = None,
    width: Annotated[float, typer.Option(help="Without --per-cell: size each cell for a 95% interval this wide "
                                             "on a success rate (worst case).")] = 0.2,
    seed: Annotated[str, typer.Option(help="Seed of the draw; two runs with one seed agree.")] = "mmaudit",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write a stratified sample of logged prompts to run on candidate models.

    Task x complexity cells, drawn weighted by spend, one call per distinct prompt; import the
    grades back with `mmaudit evals import` (by call_id or prompt_hash). Calls ingested with
    --redact-text, or without a known text_redacted flag, are never exported.

    Examples:

      mmaudit evals sample --per-cell 50 --out prompts.jsonl

      mmaudit evals sample --width 0.1 --out prompts.jsonl
    """
    with user_errors():
        n = per_cell if per_cell is not None else per_cell_for_width(width)
        con = store.connect(db, read_only=True)
        result = sample_prompts(con, out, n, seed)
        con.close()
    rows = [dataclasses.asdict(c) for c in result.cells]
    notes = [f"wrote {result.sampled:,} prompts to {result.out} ({result.per_cell} per cell at most, one per distinct prompt)."]
    if result.redacted_excluded:
        notes.append(f"{result.redacted_excluded:,} calls not exported: text redacted, unknown, or absent.")
    emit(Report([Table("Evals sample", SAMPLE_COLUMNS, rows, None, notes)], dataclasses.asdict(result)), fmt)


def _attach_live_run() -> None:
    """`evals run` (opt-in live runs; mmaudit/cli/live_cmd.py imports LiteLLM only when it runs)."""
    from mmaudit.cli import live_cmd

    app.command("run")(live_cmd.run)


_attach_live_run()
