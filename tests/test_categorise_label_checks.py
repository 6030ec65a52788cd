"""The blind label check's corrections of writers' labels (`data/label_checks.jsonl`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmaudit.categorise.data import build_train as bt


def _writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checks: list[dict]) -> None:
    (tmp_path / "writers").mkdir()
    lines = [{"user": "What is the capital of Peru?", "task": "qa", "complexity": "simple"},
             {"user": "Is this review positive? 'Loved it'", "task": "qa", "complexity": "moderate"}]
    (tmp_path / "writers" / "someone.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    (tmp_path / "label_checks.jsonl").write_text("".join(json.dumps(c) + "\n" for c in checks))
    monkeypatch.setattr(bt, "HERE", tmp_path)
    monkeypatch.setattr(bt, "LABEL_CHECKS", tmp_path / "label_checks.jsonl")


def test_a_check_relabels_its_line_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _writer(tmp_path, monkeypatch, [{"author": "someone", "line": 2, "task": "classification", "complexity": "simple",
                                     "writer": {"task": "qa", "complexity": "moderate"}}])
    rows = bt._writers()
    assert [(r["task"], r["complexity"]) for r in rows] == [("qa", "simple"), ("classification", "simple")]


def test_a_stale_check_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _writer(tmp_path, monkeypatch, [{"author": "someone", "line": 1, "task": "reasoning", "complexity": "simple",
                                     "writer": {"task": "chat", "complexity": "simple"}}])
    with pytest.raises(ValueError, match="someone.jsonl line 1 no longer has the labels the check saw"):
        bt._writers()


def test_a_check_without_its_line_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _writer(tmp_path, monkeypatch, [{"author": "someone", "line": 9, "task": "qa", "complexity": "simple",
                                     "writer": {"task": "qa", "complexity": "simple"}}])
    with pytest.raises(ValueError, match="no writer line"):
        bt._writers()
