"""The annotator-agreement check of the dev sets (`python -m mmaudit.categorise.data.agreement`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmaudit.categorise.data import agreement as ag
from mmaudit.errors import InputError

TASKS = {"classification", "extraction", "summarization", "translation", "qa", "chat", "writing", "code",
         "reasoning", "embedding", "vision", "other"}


def test_agreement_counts_task_and_complexity_separately() -> None:
    a = [("qa", "simple"), ("code", "moderate"), ("chat", "simple"), ("writing", "complex")]
    b = [("qa", "moderate"), ("code", "moderate"), ("qa", "simple"), ("writing", "complex")]
    pair = ag.agreement(a, b)
    assert (pair.task, pair.complexity) == (0.75, 0.75)
    assert ag.complexity_confusion(a, b) == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_annotations_must_cover_the_set_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "dev_set.someone.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"A{i:04d}", "task": "qa", "complexity": "simple"}) for i in (0, 2)))
    with pytest.raises(InputError, match="not the set's lines in order"):
        ag.read_annotations(path, 2)
    with pytest.raises(InputError, match="2 labels for a set of 3 lines"):
        ag.read_annotations(path, 3)


@pytest.mark.parametrize("name", ag.SETS)
def test_shipped_annotations_are_complete_and_valid(name: str) -> None:
    n = sum(1 for line in (ag.HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    files = sorted(ag.ANNOTATIONS.glob(f"{name}.*.jsonl"))
    assert len(files) == 2
    for path in files:
        labels = ag.read_annotations(path, n)
        assert {t for t, _ in labels} <= TASKS and {c for _, c in labels} <= set(ag.LEVELS)


def test_report_prints_each_pair(capsys: pytest.CaptureFixture[str]) -> None:
    ag.main(["dev_set"])
    out = capsys.readouterr().out
    # the annotators' agreement with dev set A's author, counted by hand from the files:
    # task 242/243, complexity 204/243 (ann1) and 209/243 (ann2)
    assert "author vs ann1           99.6%     84.0%" in out
    assert "author vs ann2           99.6%     86.0%" in out
    assert "author vs model" in out and "ann1 vs ann2" in out


def test_disputes_count_whom_the_annotator_sides_with() -> None:
    def rec(writer: str, model: str, annotator: str) -> dict:
        return {k: {"task": v, "complexity": "simple"} for k, v in
                (("writer", writer), ("model", model), ("annotator", annotator))}

    records = [rec("qa", "code", "qa"), rec("qa", "code", "code"), rec("qa", "chat", "writing"), rec("qa", "qa", "code")]
    assert ag.disputes(records, "task") == {"writer": 1, "model": 1, "neither": 1}  # the last is no dispute
    assert ag.disputes(records, "complexity") == {}


def test_shipped_writers_check_is_a_record_of_disputes() -> None:
    records = [json.loads(line) for line in (ag.ANNOTATIONS / "writers_check.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4398
    files: dict[str, list[str]] = {}
    for r in records:
        if r["author"] not in files:
            files[r["author"]] = (ag.HERE / "writers" / f"{r['author']}.jsonl").read_text(encoding="utf-8").splitlines()
        line = json.loads(files[r["author"]][r["line"] - 1])  # the writer's own line, as checked
        assert (line["task"], line["complexity"]) == (r["writer"]["task"], r["writer"]["complexity"])
        assert r["model"]["task"] != r["writer"]["task"] or r["model"]["complexity"] != r["writer"]["complexity"]
        assert {r[k]["task"] for k in ("writer", "model", "annotator")} <= TASKS
    assert sum(ag.disputes(records, "task").values()) == 2163
