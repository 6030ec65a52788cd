"""How far independent annotators agree with the dev sets' labels, and the model with both.

    python -m mmaudit.categorise.data.agreement

Why: a target such as "complexity >= 85% on dev set A" only means something next to how often two
careful people give the same label. Two annotators labelled both dev sets blind (they saw the
requests, the task table and the complexity rubric of the writers' brief, never the sets' labels,
the model's answers or each other's files); their labels are in `annotations/<set>.<name>.jsonl`,
one `{"id", "task", "complexity"}` per line, in the set's line order. They were not used to fit or
tune anything. Printed per set: the share of lines on which each pair of labellers (the set's
author, each annotator, the bundled model) gives the same task and the same complexity, and the
complexity confusion of the set's author against each annotator and the model.

The same annotators' brief also checked the writers' own labels: `annotations/writers_check.jsonl`
holds the 4,398 writer lines whose label (task or complexity) the model got wrong when their
writer was held out of the fit (the cross-validation of `compare_heads`), each labelled blind by
one of six annotators. Printed: on how many of those disputes the annotator sides with the writer,
with the model, or with neither, so a model error can be told from a labelling slip.
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mmaudit.categorise import default_model
from mmaudit.categorise.apply import apply_categories
from mmaudit.categorise.dataset import load_examples
from mmaudit.categorise.rules import load_rules
from mmaudit.errors import InputError
from mmaudit.jsonl import json_objects

HERE = Path(__file__).resolve().parent
ANNOTATIONS = HERE / "annotations"
SETS = ("dev_set", "dev_set_b")
LEVELS = ("simple", "moderate", "complex")

Labels = list[tuple[str, str | None]]
"""(task, complexity) per line, in the set's line order."""


@dataclass(frozen=True)
class Agreement:
    """Two labellers' shares of lines with the same task and the same complexity."""

    task: float
    complexity: float


def read_annotations(path: Path, n: int) -> Labels:
    """An annotator's labels; an error names the file when it does not cover the set line by line."""
    rows = [obj for _, obj in json_objects(path)]
    if len(rows) != n:
        raise InputError(f"{path}: {len(rows)} labels for a set of {n} lines")
    ids = [int(r["id"][1:]) for r in rows]
    if ids != list(range(n)):
        raise InputError(f"{path}: ids are not the set's lines in order")
    return [(r["task"], r["complexity"]) for r in rows]


def authors_and_model(set_path: Path) -> tuple[Labels, Labels]:
    """The set's own labels and the bundled categoriser's answers (rules + model), line by line."""
    con = duckdb.connect()
    try:
        load_examples(con, set_path)
        apply_categories(con, "examples", load_rules(), default_model())
        rows = con.execute(
            "SELECT label_task, label_complexity, task, complexity FROM examples ORDER BY example_id"
        ).fetchall()
    finally:
        con.close()
    return [(r[0], r[1]) for r in rows], [(r[2], r[3]) for r in rows]


def agreement(a: Labels, b: Labels) -> Agreement:
    """Shares of lines where `a` and `b` give the same task, and the same complexity."""
    n = len(a)
    return Agreement(sum(x[0] == y[0] for x, y in zip(a, b)) / n, sum(x[1] == y[1] for x, y in zip(a, b)) / n)


def complexity_confusion(truth: Labels, other: Labels) -> list[list[int]]:
    """Rows: `truth`'s level, columns: `other`'s (simple, moderate, complex)."""
    counts = Counter((t[1], o[1]) for t, o in zip(truth, other))
    return [[counts[(row, col)] for col in LEVELS] for row in LEVELS]


def labellers(name: str) -> dict[str, Labels]:
    """The set's author, its annotators and the model, by name."""
    author, model = authors_and_model(HERE / f"{name}.jsonl")
    found = {"author": author}
    for path in sorted(ANNOTATIONS.glob(f"{name}.*.jsonl")):
        found[path.name.split(".")[1]] = read_annotations(path, len(author))
    found["model"] = model
    return found


def disputes(records: list[dict], key: str) -> Counter[str]:
    """Of the records where the model's `key` (task or complexity) differs from the writer's: how
    many the annotator gives the writer's label, the model's, or a third one."""
    sides: Counter[str] = Counter()
    for r in records:
        writer, model, annotator = r["writer"][key], r["model"][key], r["annotator"][key]
        if model != writer:
            sides["writer" if annotator == writer else "model" if annotator == model else "neither"] += 1
    return sides


def print_writers_check(path: Path = ANNOTATIONS / "writers_check.jsonl") -> None:
    records = [obj for _, obj in json_objects(path)]
    print(f"writers' lines the held-out model disputes ({len(records)}): the blind annotator sides with")
    for key in ("task", "complexity"):
        sides = disputes(records, key)
        n = sum(sides.values())
        shares = ", ".join(f"{who} {sides[who]} ({sides[who] / n:.1%})" for who in ("writer", "model", "neither"))
        print(f"  {key:<11}{n:>5} disputed: {shares}")
        moves = Counter((r["writer"][key], r["model"][key]) for r in records
                        if r["writer"][key] != r["model"][key] == r["annotator"][key])
        print("    where it sides with the model (writer's -> model's):",
              ", ".join(f"{a} -> {b} {k}" for (a, b), k in moves.most_common(4)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=list(SETS), help="dev sets with annotations (default: both)")
    args = parser.parse_args(argv)
    for name in args.sets:
        labels = labellers(name)
        print(f"{name} ({len(labels['author'])} lines)      task  complexity")
        for (x, a), (y, b) in itertools.combinations(labels.items(), 2):
            pair = agreement(a, b)
            print(f"  {x + ' vs ' + y:<22}{pair.task:>8.1%}{pair.complexity:>10.1%}")
        print("  complexity, author's level (rows) against (columns simple/moderate/complex):")
        for other in (k for k in labels if k != "author"):
            print(f"    {other:<8}{complexity_confusion(labels['author'], labels[other])}")
    print_writers_check()


if __name__ == "__main__":
    main()
