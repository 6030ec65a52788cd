"""`mmaudit categorize`: re-run categorisation over stored calls, train or adapt a model, evaluate it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mmaudit import store
from mmaudit.categorise import apply_categories, load_rules
from mmaudit.cli.common import DbOption, FormatOption, OutOption, emit, UNCHANGED, user_errors
from mmaudit.render import Column, OutputFormat, Report, Table

app = typer.Typer(help="Categorise calls by task and complexity; train, adapt and evaluate the categoriser.")

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


def _model_note(db_path: Path, use: bool, model: object) -> str:
    """Which model decided the calls: a trained model file is found by folder, so one trained for
    another database in the same folder is used too, and the table must say so."""
    from mmaudit.categorise.model import model_path_for

    path = model_path_for(db_path)
    if use and path.exists():
        return (f"Model: {path} (trained beside the database; it applies to every database in {path.parent})")
    if model is not None:
        return "Model: the bundled categoriser"
    return "Model: none (rules only)" + ("" if not use else ": the bundled categoriser could not be loaded")


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
            used = _model_beside(db_path, model)
            # the rules' answers, then the model's: one transaction, so a Ctrl-C between them
            # leaves the categories as they were, not the rules' alone
            con.execute("BEGIN TRANSACTION")
            try:
                apply_categories(con, "calls", loaded, used)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            rows = _counts(con)
        finally:
            con.close()
    columns = [Column("task", "Task"), Column("simple", "Simple", "int"), Column("moderate", "Moderate", "int"),
               Column("complex", "Complex", "int"), Column("calls", "Calls", "int"),
               Column("confidence", "Avg confidence", "float")]
    note = _model_note(db_path, model, used)
    emit(Report([Table("Calls by task and complexity", columns, rows, notes=[note])], {"tasks": rows, "model": note}),
         fmt, out)


@app.command("train")
def train_cmd(
    labelled: Annotated[Path, typer.Argument(help="Labelled JSONL (same format as the evaluation set).")],
    db: DbOption = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Train a TF-IDF + NB-weighted logistic regression model, store it beside the database, print CV accuracy.

    Needs scikit-learn: pip install 'scikit-learn>=1.9,<1.10'.
    """
    with user_errors():
        from mmaudit.categorise.model import MODEL_FILENAME
        from mmaudit.categorise.training import train

        # always the arrays format: once it exists it is used before a legacy .joblib beside it
        report = train(labelled, store.resolve_db_path(db).with_name(MODEL_FILENAME), folds=folds)
    rows = [{"true": lab, **{p: v for p, v in zip(report.labels, row)}} for lab, row in zip(report.labels, report.confusion)]
    columns = [Column("true", "True \\ predicted")] + [Column(lab, lab, "int") for lab in report.labels]
    table = Table("Confusion matrix (cross-validated)", columns, rows)
    cx = report.cv_complexity_accuracy
    notes = [f"{report.folds}-fold CV accuracy: {report.cv_accuracy:.1%} on {report.n} examples"
             + ("" if cx is None else f"; complexity {cx:.1%}"),
             f"temperature of the task probabilities (fitted on the out-of-fold logits): {report.temperature:.3f}",
             f"model: {report.path} (found by folder: every database in {report.path.parent} now uses it)"]
    emit(Report([table], {"cv_accuracy": report.cv_accuracy, "cv_complexity_accuracy": cx, "n": report.n,
                          "labels": report.labels, "confusion": report.confusion, "temperature": report.temperature,
                          "model": str(report.path)}, notes), fmt)


@app.command("adapt")
def adapt_cmd(
    labelled: Annotated[Path, typer.Argument(help="Labelled JSONL with `complexity` on at least 10 lines (the `categorize train` format).")],
    db: DbOption = None,
    model_file: Annotated[Optional[Path], typer.Option("--model-file", help="The model to adapt (.npz); default: the one beside the database, else the bundled one.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Where to write the adapted model; default: beside the database, where ingest and `categorize` use it.")] = None,
    rules: RulesOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Move the complexity cut points to your own labels (three biases; the task head is unchanged).

    Complexity is a convention: label a few dozen of your calls simple/moderate/complex and the
    model's levels follow yours. Accuracy after is cross-fitted: each line is scored by biases
    fitted without it.

    Examples:

      mmaudit categorize adapt my_labels.jsonl --db audit.duckdb

      mmaudit categorize adapt my_labels.jsonl --out adapted.npz --format json
    """
    with user_errors():
        from mmaudit.categorise.adapt import adapt
        from mmaudit.categorise.model import MODEL_FILENAME, bundled_model_path

        beside = store.resolve_db_path(db).with_name(MODEL_FILENAME)
        start = model_file or (beside if beside.exists() else bundled_model_path())
        source = str(model_file) if model_file else (str(beside) if beside.exists() else "the bundled model")
        report = adapt(labelled, start, out or beside, source, load_rules(rules))
    rows = [{"level": lv.level, "lines": lv.lines, "recall_before": lv.recall_before,
             "recall_after": lv.recall_after, "bias": lv.bias} for lv in report.levels]
    columns = [Column("level", "Level"), Column("lines", "Labelled lines", "int"),
               Column("recall_before", "Recall before", "share"), Column("recall_after", "Recall after (cross-fitted)", "share"),
               Column("bias", "Bias added", "float")]
    notes = [f"complexity accuracy on these {report.lines} lines: {report.accuracy_before:.1%} with {report.source}, "
             f"{report.accuracy_after:.1%} adapted (cross-fitted: each line scored by biases fitted without it)",
             f"adapted model written to {report.path}; the task head and its confidence are unchanged",
             f"measure it on other labelled calls: mmaudit categorize eval OTHER.jsonl --model-file {report.path}"]
    if report.skipped:
        notes.append(f"{report.skipped} line(s) not used: no complexity label, or a level the rules decide "
                     "(embedding, image or audio calls, a tags complexity, calls without text)")
    data = {"source": report.source, "model": str(report.path), "lines": report.lines, "skipped": report.skipped,
            "accuracy_before": report.accuracy_before, "accuracy_after_cross_fitted": report.accuracy_after,
            "levels": rows}
    total = {"level": "all levels (accuracy)", "lines": report.lines, "recall_before": report.accuracy_before,
             "recall_after": report.accuracy_after, "bias": None}
    emit(Report([Table("Complexity adapted to your labels", columns, rows, total)], data, notes), fmt)


@app.command("eval")
def eval_cmd(
    file: Annotated[Optional[Path], typer.Argument(help="Labelled JSONL (the `categorize train` format); default: the bundled eval set.", show_default=False)] = None,
    rules: RulesOption = None,
    model: ModelOption = True,
    model_file: Annotated[Optional[Path], typer.Option("--model-file", help="A model trained with `categorize train` instead of the bundled one.")] = None,
    labelled: Annotated[Optional[Path], typer.Option("--set", help="Same as FILE (kept for scripts).", hidden=True)] = None,
    threshold: Annotated[float, typer.Option("--threshold", min=0.0, max=1.0, help="Confidence threshold to describe (routing's below_confidence).")] = 0.6,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Measure the categoriser on a labelled file: accuracy, per-task precision/recall, confusion, calibration.

    Examples:

      mmaudit categorize eval my_labels.jsonl

      mmaudit categorize eval my_labels.jsonl --no-model --format json

      mmaudit categorize eval my_labels.jsonl --model-file mmaudit.categoriser.npz -f markdown
    """
    with user_errors(UNCHANGED):
        from mmaudit.categorise import default_model, default_model_note
        from mmaudit.categorise.evaluate import evaluate
        from mmaudit.categorise.model import load_model

        if model and model_file is not None:
            trained, mode = load_model(model_file), f"rules + model {model_file}"
            adapted = getattr(trained, "complexity_adapted_to", None)
            if adapted:
                mode += f" (complexity adapted to {adapted})"
        elif model:
            trained = default_model()
            mode = "rules + bundled model" if trained is not None else f"rules only ({default_model_note()})"
        else:
            trained, mode = None, "rules only"
        report = evaluate(load_rules(rules), trained, file or labelled, threshold=threshold)
    emit(eval_report(report, mode), fmt, out)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def eval_report(report, mode: str) -> Report:  # type: ignore[no-untyped-def]
    """The evaluation as tables: per task, task confusion, complexity confusion, reliability bins."""
    per_task = [{"task": s.task, "support": s.support, "predicted": s.predicted, "precision": s.precision,
                 "recall": s.recall} for s in report.per_task]
    confusion = [{"label": lab, **dict(zip(report.labels, row))} for lab, row in zip(report.labels, report.confusion)]
    cx_levels = ["simple", "moderate", "complex"]
    cx_confusion = [{"label": lab, **dict(zip(cx_levels, row))} for lab, row in zip(cx_levels, report.complexity_confusion)]
    bins = [{"confidence_from": b.low, "confidence_to": b.high, "calls": b.n, "mean_confidence": b.confidence,
             "accuracy": b.accuracy} for b in report.calibration]
    t = report.threshold
    threshold = {"threshold": t.threshold, "share_below": t.share_below, "accuracy_below": t.accuracy_below,
                 "accuracy_at_or_above": t.accuracy_above}
    tables = [
        Table("Per task (task accuracy {})".format(_pct(report.task_accuracy)),
              [Column("task", "Task"), Column("support", "Labelled", "int"), Column("predicted", "Predicted", "int"),
               Column("precision", "Precision", "float"), Column("recall", "Recall", "float")], per_task),
        Table("Task confusion (rows: label, columns: predicted)",
              [Column("label", "Label \\ predicted")] + [Column(x, x, "int") for x in report.labels], confusion),
    ]
    if report.complexity_accuracy is not None:
        tables.append(Table(f"Complexity confusion (accuracy {_pct(report.complexity_accuracy)})",
                            [Column("label", "Label \\ predicted")] + [Column(x, x, "int") for x in cx_levels], cx_confusion))
    tables.append(Table(f"Calibration of category_confidence (expected calibration error {report.ece:.3f})",
                        [Column("confidence_from", "From", "float"), Column("confidence_to", "To", "float"),
                         Column("calls", "Calls", "int"), Column("mean_confidence", "Mean confidence", "float"),
                         Column("accuracy", "Accuracy", "float")], bins))
    notes = [f"mode: {mode}", f"examples: {report.n}", f"task accuracy: {_pct(report.task_accuracy)}",
             "complexity accuracy: " + (f"{_pct(report.complexity_accuracy)} ({report.complexity_n} labelled)"
                                        if report.complexity_accuracy is not None else "n/a (no complexity labels)"),
             f"expected calibration error: {report.ece:.3f} (10 equal-width bins; mean confidence {report.mean_confidence:.3f})",
             f"below {t.threshold:g} confidence: {_pct(t.share_below)} of calls, accuracy {_pct(t.accuracy_below)}"
             f" (at or above: {_pct(t.accuracy_above)})"]
    data = {"mode": mode, "n": report.n, "task_accuracy": report.task_accuracy,
            "complexity_accuracy": report.complexity_accuracy, "complexity_n": report.complexity_n,
            "per_task": per_task, "labels": report.labels, "confusion": report.confusion,
            "complexity_labels": cx_levels, "complexity_confusion": report.complexity_confusion,
            "ece": report.ece, "mean_confidence": report.mean_confidence, "calibration": bins,
            "below_confidence": threshold}
    return Report(tables, data, notes)


def _attach_live_label() -> None:
    """`categorize label` (opt-in live runs; mmaudit/cli/live_cmd.py imports LiteLLM only when it runs)."""
    from mmaudit.cli import live_cmd

    app.command("label")(live_cmd.label)


_attach_live_label()
