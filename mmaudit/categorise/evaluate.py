"""Measure the categoriser (rules, optionally a model) against any labelled file.

Run `python -m mmaudit.categorise.evaluate [--rules FILE] [--model FILE | --no-model] [--set FILE]`
or `mmaudit categorize eval [FILE]` (default: the bundled model when scikit-learn is installed, as
ingest does). The set is loaded into a DuckDB table with the calls feature columns and categorised by
the real `apply_categories`, so the figures describe exactly what ingest does.

Reported: task accuracy, per-task precision and recall, the task confusion matrix, complexity
accuracy (over the lines that carry a `complexity` label) and its confusion, and calibration of
`category_confidence` - expected calibration error over ten equal-width bins, the reliability table,
and what the `below_confidence` threshold means (share of calls under it, accuracy under and over).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from mmaudit.categorise.apply import apply_categories
from mmaudit.categorise.dataset import eval_set_path, load_examples
from mmaudit.categorise.rules import Rules, load_rules

if TYPE_CHECKING:
    from mmaudit.categorise.model import TrainedModel

COMPLEXITY_LEVELS = ["simple", "moderate", "complex"]
CALIBRATION_BINS = 10
BELOW_CONFIDENCE = 0.6  # the `uncertain: below_confidence` default of routing policies


@dataclass
class TaskScore:
    task: str
    support: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 0.0


@dataclass
class CalibrationBin:
    """Calls whose confidence is in [low, high): how many, their mean confidence, how many were right."""

    low: float
    high: float
    n: int
    confidence: float
    accuracy: float


@dataclass
class Threshold:
    """What a confidence threshold means: share of calls under it and the accuracy on each side."""

    threshold: float
    share_below: float
    accuracy_below: float | None
    accuracy_above: float | None


@dataclass
class EvalReport:
    """Overall accuracies, per-task precision/recall, confusions, calibration and the misses."""

    n: int
    task_accuracy: float
    complexity_accuracy: float | None  # None when no line carries a complexity label
    per_task: list[TaskScore]
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, expected, got)
    complexity_errors: list[int] = field(default_factory=list)  # example ids (line numbers)
    labels: list[str] = field(default_factory=list)  # rows and columns of `confusion`
    confusion: list[list[int]] = field(default_factory=list)  # [true][predicted]
    complexity_n: int = 0
    complexity_confusion: list[list[int]] = field(default_factory=list)  # COMPLEXITY_LEVELS order
    ece: float = 0.0
    calibration: list[CalibrationBin] = field(default_factory=list)
    threshold: Threshold | None = None
    mean_confidence: float = 0.0

    def render(self) -> str:
        """Plain-text summary for the terminal and the docs."""
        lines = [f"{'task':<15}{'support':>8}{'precision':>11}{'recall':>8}"]
        for s in self.per_task:
            lines.append(f"{s.task:<15}{s.support:>8}{s.precision:>11.2f}{s.recall:>8.2f}")
        width = max([len(x) for x in self.labels] + [4]) + 1
        lines.append("confusion (rows: label, columns: predicted)")
        lines.append(" " * width + "".join(f"{x[:6]:>7}" for x in self.labels))
        for lab, row in zip(self.labels, self.confusion):
            lines.append(f"{lab:<{width}}" + "".join(f"{v:>7}" for v in row))
        lines.append(f"examples: {self.n}")
        lines.append(f"task accuracy: {self.task_accuracy:.1%}")
        if self.complexity_accuracy is None:
            lines.append("complexity accuracy: n/a (no complexity labels)")
        else:
            lines.append(f"complexity accuracy: {self.complexity_accuracy:.1%} ({self.complexity_n} labelled)")
        lines.append(f"expected calibration error: {self.ece:.3f} (mean confidence {self.mean_confidence:.3f})")
        t = self.threshold
        if t is not None:
            lines.append(f"below {t.threshold:g} confidence: {t.share_below:.1%} of calls, accuracy {_pct(t.accuracy_below)}"
                         f" (at or above: {_pct(t.accuracy_above)})")
        return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _scores(con: duckdb.DuckDBPyConnection) -> list[TaskScore]:
    rows = con.execute(
        """
        WITH tasks AS (SELECT label_task AS t FROM examples UNION SELECT task FROM examples)
        SELECT t,
               (SELECT count(*) FROM examples WHERE label_task = t),
               (SELECT count(*) FROM examples WHERE task = t),
               (SELECT count(*) FROM examples WHERE task = t AND label_task = t)
        FROM tasks ORDER BY t"""
    ).fetchall()
    return [TaskScore(*row) for row in rows]


def _confusion(con: duckdb.DuckDBPyConnection, truth: str, got: str, labels: list[str]) -> list[list[int]]:
    counts = {(a, b): n for a, b, n in con.execute(
        f"SELECT {truth}, {got}, count(*) FROM examples WHERE {truth} IS NOT NULL GROUP BY ALL").fetchall()}
    return [[counts.get((a, b), 0) for b in labels] for a in labels]


def _calibration(con: duckdb.DuckDBPyConnection, bins: int) -> tuple[float, list[CalibrationBin], float]:
    """ECE = sum over equal-width bins of (calls in bin / all) * |accuracy - mean confidence|."""
    rows = con.execute(
        "SELECT least(floor(category_confidence * $1), $1 - 1)::INTEGER AS b, count(*),"
        " avg(category_confidence), avg(CASE WHEN task = label_task THEN 1.0 ELSE 0.0 END)"
        " FROM examples GROUP BY b ORDER BY b", [bins]
    ).fetchall()
    total = sum(r[1] for r in rows)
    table = [CalibrationBin(b / bins, (b + 1) / bins, n, conf, acc) for b, n, conf, acc in rows]
    ece = sum(c.n / total * abs(c.accuracy - c.confidence) for c in table) if total else 0.0
    mean = sum(c.n * c.confidence for c in table) / total if total else 0.0
    return ece, table, mean


def _threshold(con: duckdb.DuckDBPyConnection, threshold: float) -> Threshold:
    n, below, ok_below, ok_above = con.execute(
        "SELECT count(*), count(*) FILTER (category_confidence < $1),"
        " count(*) FILTER (category_confidence < $1 AND task = label_task),"
        " count(*) FILTER (category_confidence >= $1 AND task = label_task) FROM examples", [threshold]
    ).fetchall()[0]
    return Threshold(threshold, below / n if n else 0.0, ok_below / below if below else None,
                     ok_above / (n - below) if n - below else None)


def evaluate(rules: Rules, model: "TrainedModel | None" = None, path: Path | None = None,
             threshold: float = BELOW_CONFIDENCE) -> EvalReport:
    """Categorise a labelled file (default: the bundled eval set) and compare with its labels."""
    con = duckdb.connect()
    try:
        load_examples(con, path or eval_set_path())
        apply_categories(con, "examples", rules, model)
        n, task_ok, cx_n, cx_ok = con.execute(
            "SELECT count(*), count(*) FILTER (task = label_task), count(label_complexity),"
            " count(*) FILTER (complexity = label_complexity) FROM examples"
        ).fetchall()[0]
        errors = con.execute(
            "SELECT example_id, label_task, task FROM examples WHERE task <> label_task ORDER BY example_id"
        ).fetchall()
        cx_errors = [r[0] for r in con.execute(
            "SELECT example_id FROM examples WHERE label_complexity IS NOT NULL"
            " AND complexity IS DISTINCT FROM label_complexity ORDER BY example_id"
        ).fetchall()]
        per_task = _scores(con)
        labels = [s.task for s in per_task]
        ece, bins, mean = _calibration(con, CALIBRATION_BINS)
        return EvalReport(
            n, task_ok / n, cx_ok / cx_n if cx_n else None, per_task, errors, cx_errors,
            labels, _confusion(con, "label_task", "task", labels),
            cx_n, _confusion(con, "label_complexity", "complexity", COMPLEXITY_LEVELS) if cx_n else [],
            ece, bins, _threshold(con, threshold), mean,
        )
    finally:
        con.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, help="user rules file merged over the defaults")
    parser.add_argument("--model", type=Path, help="a trained model file (default: the bundled one; needs scikit-learn)")
    parser.add_argument("--no-model", action="store_true", help="rules only")
    parser.add_argument("--set", type=Path, help="labelled JSONL (default: the bundled eval set)")
    parser.add_argument("--errors", action="store_true", help="list misclassified examples")
    args = parser.parse_args(argv)
    model = None
    if args.model and not args.no_model:
        from mmaudit.categorise.model import load_model

        model = load_model(args.model)
        mode = f"rules + model {args.model}"
    elif not args.no_model:
        from mmaudit.categorise import default_model, default_model_note

        model = default_model()
        mode = "rules + bundled model" if model is not None else f"rules only ({default_model_note()})"
    else:
        mode = "rules only"
    report = evaluate(load_rules(args.rules), model, args.set)
    print(f"mode: {mode}")
    print(report.render())
    if args.errors:
        for line, expected, got in report.errors:
            print(f"line {line}: expected {expected}, got {got}")


if __name__ == "__main__":
    main()
