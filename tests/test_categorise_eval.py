"""`mmaudit categorize eval FILE`: accuracy, per-task precision/recall, confusion, calibration; external sets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mmaudit.categorise.evaluate import _calibration, _threshold
from mmaudit.cli import app

CORPUS = Path(os.environ.get("MMAUDIT_CORPUS") or Path(__file__).resolve().parents[1].parent / "shared" / "corpus")


def _labelled(tmp_path: Path) -> Path:
    rows = [
        {"user": "Translate into Spanish: the store opens at nine", "task": "translation", "complexity": "simple"},
        {"user": "who invented the telephone", "task": "qa", "complexity": "simple"},
        {"user": "Write a LinkedIn post announcing our seed round, upbeat tone", "task": "writing", "complexity": "moderate"},
        {"user": "hey there, how are you doing today", "task": "code"},  # wrong on purpose, no complexity label
        {"operation": "embedding", "user": "x", "task": "embedding", "complexity": "simple"},
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_eval_file_json_has_every_figure(tmp_path: Path):
    result = CliRunner().invoke(app, ["categorize", "eval", str(_labelled(tmp_path)), "--no-model", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n"] == 5 and data["mode"] == "rules only"
    assert sum(map(sum, data["confusion"])) == 5
    per = {r["task"]: r for r in data["per_task"]}
    assert per["code"]["support"] == 1 and per["code"]["recall"] == 0.0  # the chat greeting is not code
    assert per["embedding"]["precision"] == 1.0 and per["embedding"]["recall"] == 1.0
    assert data["complexity_n"] == 4 and sum(map(sum, data["complexity_confusion"])) == 4
    assert data["task_accuracy"] == pytest.approx(sum(data["confusion"][i][i] for i in range(len(data["labels"]))) / 5)
    assert 0.0 <= data["ece"] <= 1.0 and sum(b["calls"] for b in data["calibration"]) == 5
    assert set(data["below_confidence"]) == {"threshold", "share_below", "accuracy_below", "accuracy_at_or_above"}


def test_eval_file_markdown_and_table(tmp_path: Path):
    path = _labelled(tmp_path)
    md = CliRunner().invoke(app, ["categorize", "eval", str(path), "--no-model", "-f", "markdown"])
    assert md.exit_code == 0 and "| translation" in md.output and "expected calibration error" in md.output
    table = CliRunner().invoke(app, ["categorize", "eval", str(path), "--no-model"])
    assert table.exit_code == 0 and "Task confusion" in table.output and "Calibration" in table.output


def test_eval_bad_file_is_a_usage_error(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"user": "hi", "task": "chat"}\nnot json\n')
    result = CliRunner().invoke(app, ["categorize", "eval", str(bad), "--no-model"])
    assert result.exit_code == 2 and "bad.jsonl:2" in result.output


@pytest.mark.parametrize(("line", "message"), [
    # a misspelt task was scored (accuracy 0%, a `chatt` row) and trained as a class of its own
    ('{"user": "hi", "task": "chatt"}', "unknown task 'chatt' (did you mean 'chat'?)"),
    ('{"user": "hi", "task": ""}', "unknown task ''"),
    # wrong field types were tracebacks (AttributeError, a DuckDB ConversionException)
    ('{"messages": "hello", "task": "chat"}', "'messages' must be a list of {role, content} objects, found 'hello'"),
    ('{"user": "hi", "task": "chat", "output_tokens": "lots"}', "'output_tokens' must be a whole number >= 0, found 'lots'"),
    ('{"user": ["hi"], "task": "chat"}', "'user' must be a string"),
    ('{"user": "hi", "task": "chat", "has_image": "yes"}', "'has_image' must be true or false"),
])
def test_a_labelled_line_with_a_bad_task_or_field_is_named_with_its_line(tmp_path: Path, line: str, message: str):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"user": "hello", "task": "chat", "output_tokens": 12.0}\n' + line + "\n")
    result = CliRunner().invoke(app, ["categorize", "eval", str(path), "--no-model"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert f"labels.jsonl:2: {message}" in result.output


def test_expected_calibration_error_by_hand():
    con = duckdb.connect()
    con.execute("CREATE TABLE examples AS SELECT * FROM (VALUES (0.95, 'a', 'a'), (0.95, 'a', 'b'), (0.55, 'c', 'c'),"
                " (0.15, 'a', 'b')) AS v(category_confidence, task, label_task)")
    ece, bins, mean = _calibration(con, 10)
    # bin 0.9-1.0: 2 calls, confidence 0.95, accuracy 0.5; bin 0.5-0.6: 0.55 vs 1; bin 0.1-0.2: 0.15 vs 0
    assert ece == pytest.approx(2 / 4 * 0.45 + 1 / 4 * 0.45 + 1 / 4 * 0.15)
    assert [(b.low, b.n) for b in bins] == [(0.1, 1), (0.5, 1), (0.9, 2)]
    assert mean == pytest.approx((0.95 * 2 + 0.55 + 0.15) / 4)
    t = _threshold(con, 0.6)
    assert (t.share_below, t.accuracy_below, t.accuracy_above) == (0.5, 0.5, 0.5)


def test_model_keeps_a_complexity_tag(tmp_path: Path):
    pytest.importorskip("sklearn")
    from mmaudit.categorise import default_model
    from tests.test_categorise import categorise

    model = default_model()
    rows = categorise([{"user_prompt": "capital of Peru?", "tags": {"complexity": "complex"}},
                       {"user_prompt": "capital of Peru?"}], model=model)
    assert rows[0][1] == "complex" and rows[0][3] == "model" and rows[1][1] == "simple"


@pytest.mark.parametrize(("name", "size"), [("dev_set.jsonl", 240), ("dev_set_b.jsonl", 320)])
def test_dev_set_is_separate_and_labelled(name: str, size: int):
    from mmaudit.categorise.dataset import eval_set_path, read_examples
    from mmaudit.categorise.rules import load_rules

    dev = read_examples(eval_set_path().with_name(name))
    train = read_examples(eval_set_path().with_name("train_set.jsonl"))
    assert len(dev) >= size and {r["label_task"] for r in dev} <= set(load_rules().task_names)
    assert all(r["label_complexity"] in ("simple", "moderate", "complex") for r in dev)
    seen = {(r["system_prompt"], r["user_prompt"]) for r in train}
    shared = [r["user_prompt"] for r in dev if (r["system_prompt"], r["user_prompt"]) in seen]
    # only one-liners both authors wrote independently ("ping", "hello world") may coincide
    assert len(shared) <= 5 and all(len(u) < 50 for u in shared), shared  # one-liners twelve writers may all write


def _external(name: str, tmp_path: Path) -> Path:
    from mmaudit.categorise.external import SETS, write_set

    if not (CORPUS / SETS[name]).exists():
        pytest.skip(f"../shared/corpus not present (fresh clone): {CORPUS / SETS[name]} is missing")
    out = tmp_path / f"{name}.jsonl"
    write_set(name, CORPUS, out)
    return out


def test_mt_bench_categories_map_to_tasks(tmp_path: Path):
    rows = [json.loads(x) for x in _external("mt_bench", tmp_path).read_text().splitlines()]
    assert len(rows) == 80
    by_source = {(r["source_category"], r["task"]) for r in rows}
    assert by_source == {("writing", "writing"), ("roleplay", "chat"), ("reasoning", "reasoning"), ("math", "reasoning"),
                         ("coding", "code"), ("extraction", "extraction"), ("stem", "qa"), ("humanities", "qa")}


def test_gsm8k_questions_are_reasoning(tmp_path: Path):
    pytest.importorskip("sklearn")
    from mmaudit.categorise import default_model
    from mmaudit.categorise.evaluate import evaluate
    from mmaudit.categorise.rules import load_rules

    path = _external("gsm8k", tmp_path)
    report = evaluate(load_rules(), default_model(), path)
    assert report.n == 1319
    assert report.task_accuracy >= 0.90  # the bar (88% before the style corpus)


def test_an_unknown_complexity_level_is_named_with_its_line(tmp_path: Path):
    """Train and eval read labels the same way: 'Moderate' would otherwise become a fourth level
    in a trained head, or a label no prediction can match."""
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"user": "who invented the telephone", "task": "qa", "complexity": "simple"}) + "\n"
                    + json.dumps({"user": "plan a product launch", "task": "reasoning", "complexity": "Moderate"}) + "\n")
    for args in (["categorize", "eval", str(path), "--no-model"], ["categorize", "train", str(path), "--db", str(tmp_path / "x.duckdb")]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "labels.jsonl:2: 'complexity' must be simple, moderate or complex" in result.output
        assert "(did you mean 'moderate'?)" in result.output


# The docs' "what the levels mean" table cites writers' lines; each must carry that level in the
# writers' file and get it from the bundled model, or the table describes a convention nobody uses.
_DOC_EXAMPLES = {
    "What does 'ruffing' mean in bridge?": "simple",
    "make this sound nicer for a report card": "simple",
    "what is this letter saying in plain english": "simple",
    "Write a JSON Schema for a 'report a pothole' submission": "moderate",
    "replication lag on our replica spikes to 40s": "moderate",
    "help me write the appeal. i was in hospital": "moderate",
    "Draft the 'Scope of Services' section of an RFP": "complex",
    "Notre monolith Rails commence à souffrir": "complex",
}


def test_docs_complexity_examples_are_writers_lines_the_model_agrees_with(tmp_path: Path):
    docs = (Path(__file__).resolve().parents[1] / "docs" / "categorisation.md").read_text()
    table = docs.split("| level | what the bundled model calls it", 1)[1].split("\n\n", 1)[0]
    levels_in_docs = [line.split("|")[1].strip() for line in table.splitlines()[2:]]
    assert levels_in_docs == ["simple", "moderate", "complex"]
    writers = Path(__file__).resolve().parents[1] / "mmaudit" / "categorise" / "data" / "writers"
    found = {}
    for path in sorted(writers.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            for needle in _DOC_EXAMPLES:
                if needle in str(row.get("user", "")):
                    found[needle] = row
    assert set(found) == set(_DOC_EXAMPLES)
    assert {k: r["complexity"] for k, r in found.items()} == _DOC_EXAMPLES
    labelled = tmp_path / "examples.jsonl"
    labelled.write_text("".join(json.dumps(found[k]) + "\n" for k in _DOC_EXAMPLES))
    result = CliRunner().invoke(app, ["categorize", "eval", str(labelled), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["complexity_n"] == len(_DOC_EXAMPLES) and data["complexity_accuracy"] == 1.0


def test_categorize_says_which_model_decided_the_calls(tmp_path: Path):
    """A model file is found by folder: one trained for another database there decided these calls
    too, and nothing said so."""
    import shutil

    from mmaudit.categorise.model import MODEL_FILENAME, bundled_model_path

    log = tmp_path / "c.jsonl"
    log.write_text(json.dumps({"call_id": "a", "ts": "2025-06-01T10:00:00Z", "model": "gpt-4o-mini", "status": "ok",
                               "input_tokens": 10, "output_tokens": 2, "user_prompt": "Translate 'hello' to French"}) + "\n")
    db = tmp_path / "a.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(log), "--db", str(db)]).exit_code == 0
    bundled = runner.invoke(app, ["categorize", "--db", str(db), "--format", "json"])
    assert json.loads(bundled.stdout)["model"] == "Model: the bundled categoriser"
    rules = runner.invoke(app, ["categorize", "--db", str(db), "--no-model"], env={"COLUMNS": "200"})
    assert "Model: none (rules only)" in rules.stdout
    shutil.copy(bundled_model_path(), tmp_path / MODEL_FILENAME)  # as `categorize train --db other.duckdb` leaves it
    beside = runner.invoke(app, ["categorize", "--db", str(db)], env={"COLUMNS": "300"})
    assert (f"Model: {tmp_path / MODEL_FILENAME} (trained beside the database; it applies to every database in "
            f"{tmp_path})") in beside.stdout
