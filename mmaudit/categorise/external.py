"""External checks nobody here wrote: MT Bench and GSM8K questions as labelled sets (evaluation only).

    python -m mmaudit.categorise.external [--corpus DIR] [--no-model] [--errors]

The questions come from the RouteLLM snapshot in `../shared/corpus/evals/routellm` (next to the
checkout; `MMAUDIT_CORPUS` or `--corpus` to override; see its PROVENANCE.md). They are never
copied into the project and never used for training or tuning: they are converted on the fly to
the labelled JSONL format and categorised by the real `apply_categories`.

MT Bench categories map to ours only roughly: writing -> writing, roleplay -> chat, reasoning and
math -> reasoning, coding -> code, extraction -> extraction, stem and humanities -> qa. Only the
first turn of each question is used (the second refers to an answer the file does not hold).
Every GSM8K test question is a math word problem: -> reasoning.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MT_BENCH_TASKS = {
    "writing": "writing", "roleplay": "chat", "reasoning": "reasoning", "math": "reasoning",
    "coding": "code", "extraction": "extraction", "stem": "qa", "humanities": "qa",
}
ROUTELLM = Path("evals/routellm/routellm/evals")
SETS = {"mt_bench": ROUTELLM / "mt_bench/question.jsonl", "gsm8k": ROUTELLM / "gsm8k/gsm8k_responses.csv"}


def corpus_root(override: Path | None = None) -> Path:
    """`--corpus`, else $MMAUDIT_CORPUS, else `../shared/corpus` beside the checkout."""
    if override is not None:
        return override
    env = os.environ.get("MMAUDIT_CORPUS")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def mt_bench(path: Path) -> Iterator[dict[str, Any]]:
    """First turn of each MT Bench question with its category mapped to our task."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            yield {"user": q["turns"][0], "task": MT_BENCH_TASKS[q["category"]], "source_category": q["category"],
                   "question_id": q["question_id"]}


def gsm8k(path: Path) -> Iterator[dict[str, Any]]:
    """Every GSM8K test question as a reasoning example."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {"user": row["prompt"], "task": "reasoning"}


def write_set(name: str, corpus: Path, out: Path) -> int:
    """Write external set `name` (mt_bench or gsm8k) as labelled JSONL to `out`; returns its size.
    FileNotFoundError when the corpus is not there."""
    source = corpus / SETS[name]
    if not source.exists():
        raise FileNotFoundError(source)
    rows = list(mt_bench(source) if name == "mt_bench" else gsm8k(source))
    out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    from mmaudit.categorise import default_model
    from mmaudit.categorise.evaluate import evaluate
    from mmaudit.categorise.rules import load_rules

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--errors", action="store_true", help="print every miss with its text")
    args = parser.parse_args(argv)
    corpus = corpus_root(args.corpus)
    model = None if args.no_model else default_model()
    with tempfile.TemporaryDirectory() as tmp:
        for name in SETS:
            path = Path(tmp) / f"{name}.jsonl"
            write_set(name, corpus, path)
            report = evaluate(load_rules(), model, path)
            print(f"== {name}")
            print(report.render())
            if args.errors:
                lines = path.read_text(encoding="utf-8").splitlines()
                for line, expected, got in report.errors:
                    obj = json.loads(lines[line - 1])
                    tag = obj.get("source_category", "")
                    print(f"  {tag:>10} {expected} -> {got}: {obj['user'][:110]!r}")


if __name__ == "__main__":
    main()
