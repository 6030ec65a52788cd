"""`mmaudit categorize`: re-run categorisation over stored calls, train a model, evaluate the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mmaudit import store
from mmaudit.categorise import apply_categories, load_rules
from mmaudit.cli.common import DbOption, FormatOption, OutOption, emit, user_errors
from mmaudit.render import Column, OutputFormat, Report, Table

app = typer.Typer(help="Categorise calls by task and complexity; train and evaluate the categoriser.")

RulesOption = Annotated[
    Optional[Path], typer.Option("--rules", help="Rules YAML merged over the defaults (add tasks, cues, thresholds).")
]
ModelOption = Annotated[
    bool, typer.Option("--model/--no-model", help="Use the model trained beside the database, else the bundled one (needs scikit-learn).")
]


def _model_beside(db_path: Path, use: bool):  # type: ignore[no-untyped-def]
    """The trained model stored beside the database if present, else the bundled default model
    (None without scikit-learn); None when --no-model."""
    from mmaudit.categorise import default_model
    from mmaudit.categorise.model import load_model, model_path_for

    if not use:
        return None
    path = model_path_for(db_path)
    return load_model(path) if path.exists() else default_model()


def _counts(con) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = con.execute(
        "SELECT task, count(*) FILTER (complexity = 'simple'), count(*) FILTER (complexity = 'moderate'),"
        " count(*) FILTER (complexity = 'complex'), count(*), avg(category_confidence) FROM calls"
        " GROUP BY task ORDER BY count(*) DESC, task"
    ).fetchall()
    keys = ["task", "simple", "moderate", "complex", "calls", "confidence"]
    return [dict(zip(keys, r)) for r in rows]


@app.callback(invoke_without_command=True)
def categorize(
    ctx: typer.Context,
    rules: RulesOption = None,
    db: DbOption = None,
    model: ModelOption = True,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Re-run categorisation over the stored calls and print counts by task x complexity.

    Example:

      mmaudit categorize --rules my_rules.yaml --db audit.duckdb
    """
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        loaded = load_rules(rules)
        db_path = store.resolve_db_path(db)
        con = store.connect(db)
        try:
            apply_categories(con, "calls", loaded, _model_beside(db_path, model))
            rows = _counts(con)
        finally:
            con.close()
    columns = [Column("task", "Task"), Column("simple", "Simple", "int"), Column("moderate", "Moderate", "int"),
               Column("complex", "Complex", "int"), Column("calls", "Calls", "int"),
               Column("confidence", "Avg confidence", "float")]
    emit(Report([Table("Calls by task and complexity", columns, rows)], {"tasks": rows}), fmt, out)


@app.command("train")
def train_cmd(
    labelled: Annotated[Path, typer.Argument(help="Labelled JSONL (same format as the evaluation set).")],
    db: DbOption = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Train a TF-IDF + logistic regression model, store it beside the database, print CV accuracy.

    Needs scikit-learn: pip install 'scikit-learn>=1.9,<1.10'.
    """
    with user_errors():
        from mmaudit.categorise.model import model_path_for
        from mmaudit.categorise.training import train

        report = train(labelled, model_path_for(store.resolve_db_path(db)), folds=folds)
    rows = [{"true": lab, **{p: v for p, v in zip(report.labels, row)}} for lab, row in zip(report.labels, report.confusion)]
    columns = [Column("true", "True \\ predicted")] + [Column(lab, lab, "int") for lab in report.labels]
    table = Table("Confusion matrix (cross-validated)", columns, rows)
    notes = [f"{report.folds}-fold CV accuracy: {report.cv_accuracy:.1%} on {report.n} examples", f"model: {report.path}"]
    emit(Report([table], {"cv_accuracy": report.cv_accuracy, "n": report.n, "labels": report.labels,
                          "confusion": report.confusion, "model": str(report.path)}, notes), fmt)


@app.command("eval")
def eval_cmd(
    rules: RulesOption = None,
    model: ModelOption = True,
    labelled: Annotated[Optional[Path], typer.Option("--set", help="Labelled JSONL [default: bundled eval set].")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Measure the rules on the labelled evaluation set: per-task precision/recall and accuracies."""
    with user_errors():
        from mmaudit.categorise import default_model, default_model_note
        from mmaudit.categorise.evaluate import evaluate

        trained = default_model() if model else None
        report = evaluate(load_rules(rules), trained, labelled)
    rows = [{"task": s.task, "support": s.support, "precision": s.precision, "recall": s.recall} for s in report.per_task]
    columns = [Column("task", "Task"), Column("support", "Support", "int"),
               Column("precision", "Precision", "float"), Column("recall", "Recall", "float")]
    notes = [f"task accuracy: {report.task_accuracy:.1%}", f"complexity accuracy: {report.complexity_accuracy:.1%}",
             f"examples: {report.n}",
             "mode: rules + bundled model" if trained is not None else f"mode: rules only{' (' + default_model_note() + ')' if model and default_model_note() else ''}"]
    emit(Report([Table("Categoriser evaluation", columns, rows)],
                {"task_accuracy": report.task_accuracy, "complexity_accuracy": report.complexity_accuracy,
                 "n": report.n, "per_task": rows}, notes), fmt)
