"""Measure a rule set (and optionally a model) against the labelled evaluation set.

Run `python -m mmaudit.categorise.evaluate [--rules FILE] [--model FILE | --no-model] [--set FILE]`
(default: the bundled model when scikit-learn is installed, as ingest does). The set is
loaded into a DuckDB table with the calls feature columns and categorised by the real
`apply_categories`, so the figures describe exactly what ingest does.
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
class EvalReport:
    """Overall accuracies, per-task precision/recall and the misclassified examples."""

    n: int
    task_accuracy: float
    complexity_accuracy: float
    per_task: list[TaskScore]
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, expected, got)
    complexity_errors: list[int] = field(default_factory=list)  # example ids (line numbers)

    def render(self) -> str:
        """Plain-text table for the terminal and the docs."""
        lines = [f"{'task':<15}{'support':>8}{'precision':>11}{'recall':>8}"]
        for s in self.per_task:
            lines.append(f"{s.task:<15}{s.support:>8}{s.precision:>11.2f}{s.recall:>8.2f}")
        lines.append(f"examples: {self.n}")
        lines.append(f"task accuracy: {self.task_accuracy:.1%}")
        lines.append(f"complexity accuracy: {self.complexity_accuracy:.1%}")
        return "\n".join(lines)


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


def evaluate(rules: Rules, model: "TrainedModel | None" = None, path: Path | None = None) -> EvalReport:
    """Categorise the evaluation set with `rules` (and `model`) and compare with the labels."""
    con = duckdb.connect()
    try:
        load_examples(con, path or eval_set_path())
        apply_categories(con, "examples", rules, model)
        n, task_ok, cx_ok = con.execute(
            "SELECT count(*), count(*) FILTER (task = label_task),"
            " count(*) FILTER (complexity = label_complexity) FROM examples"
        ).fetchall()[0]
        errors = con.execute(
            "SELECT example_id, label_task, task FROM examples WHERE task <> label_task ORDER BY example_id"
        ).fetchall()
        cx_errors = [r[0] for r in con.execute(
            "SELECT example_id FROM examples WHERE complexity IS DISTINCT FROM label_complexity ORDER BY example_id"
        ).fetchall()]
        return EvalReport(n, task_ok / n, cx_ok / n, _scores(con), errors, cx_errors)
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
