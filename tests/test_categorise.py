"""Categorisation: signals in order, typical prompts per task, user rules, errors, model, eval, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from mmaudit.categorise import apply_categories, load_rules
from mmaudit.categorise.dataset import FEATURE_DDL
from mmaudit.errors import ConfigError

COLS = ["operation", "tags", "system_prompt", "user_prompt", "n_messages", "n_tools", "has_image",
        "response_format", "output_tokens", "reasoning_tokens"]


def categorise(rows: list[dict], rules_path: Path | None = None, model=None) -> list[tuple]:
    """Put rows in a calls-shaped table, categorise them set-based, return (task, complexity, conf, source)."""
    con = duckdb.connect()
    con.execute(FEATURE_DDL.format(table="calls_stage"))
    for i, row in enumerate(rows):
        values = [row.get(c) for c in COLS]
        con.execute(f"INSERT INTO calls_stage (example_id, {', '.join(COLS)}) VALUES (?, {', '.join('?' * len(COLS))})",
                    [i, *values])
    apply_categories(con, "calls_stage", load_rules(rules_path), model)
    return con.execute("SELECT task, complexity, category_confidence, category_source FROM calls_stage ORDER BY example_id").fetchall()


def task_of(user: str, **kw) -> str:
    return categorise([{"user_prompt": user, **kw}])[0][0]


def test_metadata_tags_win_with_full_confidence():
    (task, cx, conf, source), = categorise([{"user_prompt": "Translate to German: hello",
                                              "tags": {"task": "Summarise", "complexity": "complex"}}])
    assert (task, cx, conf, source) == ("summarization", "complex", 1.0, "metadata")


def test_operation_and_image_decide_embedding_and_vision():
    rows = categorise([{"operation": "embedding", "user_prompt": "classify this"},
                       {"has_image": True, "user_prompt": "what is this?"}])
    assert [(r[0], r[3]) for r in rows] == [("embedding", "operation"), ("vision", "operation")]
    assert rows[0][1] == "simple"


def test_route_tag_maps_to_task():
    (task, _, conf, source), = categorise([{"user_prompt": "blah", "tags": {"route": "/v1/classify-ticket"}}])
    assert (task, source) == ("classification", "tag") and conf == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("prompt", "kw", "expected"),
    [
        ("Ticket: 'refund not received'. Respond with one label from: billing, tech, sales.", {}, "classification"),
        ('Give me {"name": null, "iban": null} filled from: Pay Jo Bloggs, GB29NWBK60161331926819', {}, "extraction"),
        ("Here are the minutes of the board meeting. Give me the key takeaways.", {}, "summarization"),
        ("Translate into Spanish: the store opens at nine", {}, "translation"),
        ("who invented the telephone", {}, "qa"),
        ("hey there, how are you doing today", {}, "chat"),
        ("Write a LinkedIn post announcing our seed round, upbeat tone", {}, "writing"),
        ("```python\nprint(x\n```\nSyntaxError: '(' was never closed", {}, "code"),
        ("If a bus leaves at 9 and drives 150 km at 60 km/h, how long until it arrives?", {}, "reasoning"),
    ],
)
def test_typical_prompts(prompt: str, kw: dict, expected: str):
    assert task_of(prompt, **kw) == expected


def test_complexity_scales_with_length_instructions_and_reasoning():
    short = {"user_prompt": "capital of Peru?", "output_tokens": 3}
    big = {"system_prompt": "1. Must cite.\n2. Never guess.\n3. Ensure tables.\n4. Include risks.\n",
           "user_prompt": "Plan a migration step by step with trade-offs. " + "context " * 3000,
           "output_tokens": 2000, "reasoning_tokens": 9000}
    (s, *_), (b, *_) = [(r[1],) for r in categorise([short, big])]
    assert (s, b) == ("simple", "complex")


def test_user_rules_add_task_and_change_threshold(tmp_path: Path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "tasks:\n  moderation:\n    description: policy check\n    cues:\n"
        "      - {keywords: [policy violation, moderate this], weight: 5}\n"
        "complexity:\n  thresholds: {moderate: 0.0, complex: 100}\n"
    )
    (task, cx, _, source), = categorise([{"user_prompt": "Please moderate this comment for policy violation"}], rules)
    assert (task, cx, source) == ("moderation", "moderate", "rules")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("tasks:\n  code:\n    cues:\n      - {pattern: '(?<=x)y', weight: 1}\n", "tasks.code.cues.0.pattern"),
        ("complexity:\n  thresholds: {moderate: 5, complex: 1}\n", "complexity.thresholds"),
        ("tasks:\n  code:\n    cues:\n      - {weight: 1}\n", "tasks.code.cues.0"),
        ("tag_mappings:\n  - {tag: route, pattern: x, task: nosuch}\n", "nosuch"),
        ("scoring:\n  min_score: lots\n", "scoring.min_score"),
    ],
)
def test_invalid_rules_name_file_and_key(tmp_path: Path, text: str, needle: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert str(path) in str(err.value) and needle in str(err.value)



def test_a_rules_file_edited_between_two_ingests_in_one_process_takes_effect(tmp_path: Path):
    """The bundled rules and each categorisation plan are built once per process; the user's file
    is read again on every run, so an edit between two runs is what the second run applies."""
    from typer.testing import CliRunner

    from mmaudit.cli import app
    from tests.conftest import write_jsonl

    log = write_jsonl(tmp_path / "calls.jsonl", [{
        "call_id": "c-1", "ts": "2025-03-01 12:00:00", "model": "gpt-4o-mini", "input_tokens": 10,
        "output_tokens": 2, "status": "ok", "user_prompt": "blah", "tags": {"route": "/v1/zork"}}])
    rules = tmp_path / "rules.yaml"
    tasks = []
    for task in ("translation", "extraction"):
        rules.write_text(f"tag_mappings:\n  - {{tag: route, pattern: zork, task: {task}}}\n")
        db = tmp_path / f"{task}.duckdb"
        result = CliRunner().invoke(app, ["ingest", str(log), "--db", str(db), "--rules", str(rules), "--format", "json"])
        assert result.exit_code == 0, result.output
        with duckdb.connect(str(db), read_only=True) as con:
            tasks += con.execute("SELECT task, category_source FROM calls").fetchall()
    assert tasks == [("translation", "tag"), ("extraction", "tag")]

def test_bundled_rules_compile_in_re2():
    """Processes skip compiling the bundled rules' regexes at load; this is where they are compiled."""
    from mmaudit.categorise.rules import check_regexes, iter_patterns

    rules = load_rules()
    check_regexes(rules, "bundled")  # raises ConfigError naming the key path of any bad regex
    assert len(iter_patterns(rules)) > 80


def test_user_text_is_never_sql(tmp_path: Path):
    rules = tmp_path / "r.yaml"
    rules.write_text("tasks:\n  other:\n    cues:\n      - {keywords: [\"'); DROP TABLE calls_stage; --\"], weight: 9}\n")
    rows = categorise([{"user_prompt": "'); DROP TABLE calls_stage; --"}], rules)
    assert rows[0][0] == "other"


def _write_labelled(path: Path) -> None:
    lines = []
    for i in range(8):
        lines.append({"user": f"quack quack duck pond number {i}", "task": "reasoning", "complexity": "simple"})
        lines.append({"user": f"meow purr whiskers cat {i}", "task": "writing", "complexity": "simple"})
    path.write_text("\n".join(json.dumps(x) for x in lines))


def test_train_and_use_model(tmp_path: Path):
    pytest.importorskip("sklearn")
    from mmaudit.categorise.model import load_model
    from mmaudit.categorise.training import train

    data, out = tmp_path / "labels.jsonl", tmp_path / "mmaudit.categoriser.npz"
    _write_labelled(data)
    report = train(data, out, folds=4)
    assert report.cv_accuracy > 0.9 and report.labels == ["reasoning", "writing"]
    assert sum(map(sum, report.confusion)) == 16
    rows = categorise([{"user_prompt": "the duck swims in the pond quack"}], model=load_model(out))
    assert rows[0][0] == "reasoning" and rows[0][3] == "model"


def test_model_text_carries_the_rules_answer(tmp_path: Path):
    from mmaudit.categorise.training import labelled_texts

    data = tmp_path / "l.jsonl"
    data.write_text("\n".join(json.dumps(x) for x in [
        {"user": "Translate into Spanish: the store opens at nine", "task": "translation", "output_tokens": 12},
        {"user": "zzz qqq", "task": "other", "weight": 3, "family": "gen:1", "author": "ana"},
    ]))
    got = labelled_texts(data)
    assert "zzrule_translation zzsrc_rules" in got.texts[0] and "zzout1" in got.texts[0]
    assert "zzsrc_default" in got.texts[1]
    assert got.weights == [1.0, 3.0] and got.families == [None, "gen:1"] and got.authors == [None, "ana"]


def test_cv_holds_whole_template_families_out(tmp_path: Path):
    pytest.importorskip("sklearn")
    from mmaudit.categorise.training import Labelled, cv_splits

    families = [f"f{i % 7}" for i in range(42)]
    data = Labelled([f"text {i}" for i in range(42)], ["a", "b"] * 21, [1.0] * 42, families)
    k, splits = cv_splits(data, 5)
    assert k == 5
    for fit, dev in splits:
        assert not {families[i] for i in fit} & {families[i] for i in dev}


def test_cv_holds_whole_authors_out_over_their_families(tmp_path: Path):
    """A writer's lines never straddle a fold, whatever their families; lines without an author
    are still grouped by family."""
    pytest.importorskip("sklearn")
    from mmaudit.categorise.training import Labelled, cv_splits

    n = 60
    authors = [f"w{i % 6}" if i < 36 else None for i in range(n)]
    families = [f"f{i % 9}" for i in range(n)]  # every writer's lines span several families
    data = Labelled([f"text {i}" for i in range(n)], ["a", "b", "c"] * 20, [1.0] * n, families, authors=authors)
    k, splits = cv_splits(data, 5)
    assert k == 5
    def unauthored(idx) -> set[str]:
        return {families[i] for i in idx if authors[i] is None}

    for fit, dev in splits:
        assert not {authors[i] for i in fit if authors[i]} & {authors[i] for i in dev if authors[i]}
        assert not unauthored(fit) & unauthored(dev)


def test_version_1_models_still_load_and_apply(tmp_path: Path):
    pytest.importorskip("sklearn")
    import joblib

    from mmaudit.categorise.model import load_model
    from mmaudit.categorise.training import train

    data, out = tmp_path / "labels.jsonl", tmp_path / "m.joblib"
    _write_labelled(data)
    train(data, out, folds=2)
    blob = joblib.load(out)
    blob["format"] = 1
    joblib.dump(blob, out)
    model = load_model(out)
    assert model.text_version == 1
    rows = categorise([{"user_prompt": "the duck swims in the pond quack"}], model=model)
    assert rows[0][0] == "reasoning"


def test_eval_command_prints_accuracy(capsys):
    from mmaudit.categorise.evaluate import main

    main([])
    printed = capsys.readouterr().out
    assert "task accuracy:" in printed and "complexity accuracy:" in printed and "translation" in printed


def test_eval_set_is_large_and_labelled():
    from mmaudit.categorise.dataset import eval_set_path, read_examples

    rows = read_examples(eval_set_path())
    rules = load_rules()
    assert len(rows) >= 300 and {r["label_task"] for r in rows} <= set(rules.task_names)


def test_cli_categorize_over_stored_calls(tmp_path: Path):
    from typer.testing import CliRunner

    from mmaudit import store
    from mmaudit.cli import app

    db = tmp_path / "a.duckdb"
    con = store.connect(db)
    con.execute("INSERT INTO calls (call_id, status, operation, user_prompt) VALUES "
                "('1', 'ok', 'chat', 'Translate to French: good night'), ('2', 'ok', 'embedding', 'x')")
    con.close()
    result = CliRunner().invoke(app, ["categorize", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    tasks = {r["task"]: r["calls"] for r in json.loads(result.output)["tasks"]}
    assert tasks == {"translation": 1, "embedding": 1}


def test_non_ascii_keywords_match_without_word_boundaries(tmp_path: Path):
    rules = tmp_path / "r.yaml"
    rules.write_text("tasks:\n  other:\n    cues:\n      - {keywords: [要約, résumé], weight: 9}\n")
    rows = categorise([{"user_prompt": "この記事を要約して"}, {"user_prompt": "un résumé, vite"}], rules)
    assert [r[0] for r in rows] == ["other", "other"]


def test_instruction_field_ignores_the_middle_of_a_pasted_document(tmp_path: Path):
    rules = tmp_path / "r.yaml"
    rules.write_text("tasks:\n  other:\n    cues:\n      - {keywords: [zebra], field: instruction, weight: 9}\n")
    middle = "filler " * 200 + "zebra " + "filler " * 200
    rows = categorise([{"user_prompt": middle}, {"user_prompt": "zebra " + middle}], rules)
    assert rows[0][0] != "other" and rows[1][0] == "other"


def test_default_model_is_none_when_its_file_is_damaged(monkeypatch, tmp_path: Path):
    import mmaudit.categorise as cat
    from mmaudit.categorise import model as model_module

    damaged = tmp_path / "categoriser.npz"
    damaged.write_bytes(b"not a zip archive")
    monkeypatch.setattr(model_module, "bundled_model_path", lambda: damaged)
    cat.default_model.cache_clear()
    try:
        assert cat.default_model() is None
        note = cat.default_model_note() or ""
        assert "categoriser model skipped" in note and "not a categoriser model file" in note and "rules only" in note
    finally:
        cat.default_model.cache_clear()


def test_bundled_model_is_used_by_ingest_enricher(tmp_path: Path):
    pytest.importorskip("sklearn")
    from mmaudit.categorise import default_model
    from mmaudit.categorise.model import bundled_model_path

    assert bundled_model_path().exists() and bundled_model_path().stat().st_size < 6_000_000  # mostly 50k x 10 float64 weights
    model = default_model()
    assert model is not None
    labels, conf = model.predict(["Output exactly one of: billing, tech, sales", "Translate into German: good morning"])
    assert list(labels) == ["classification", "translation"] and (conf > 0).all()
    rows = categorise([{"user_prompt": "You are a ticket router. Reply with one label: billing | tech | sales.\nmy card was charged twice"}],
                      model=model)
    assert rows[0][0] == "classification"
    from mmaudit.enrich import _model_for

    assert _model_for(tmp_path / "fresh.duckdb") is model  # no model trained beside this db: the bundled one


def test_calls_logged_without_text_keep_the_rules_answer_with_a_model():
    """A usage-only record gives the model nothing to read: it must not get a confident task from
    shape tokens alone (before, an errored call without text came out `other` at 0.99)."""
    pytest.importorskip("sklearn")
    from mmaudit.categorise import default_model

    model = default_model()
    bare = {"n_messages": 1, "output_tokens": 0}
    calls = [bare, {**bare, "user_prompt": ""}, {**bare, "output_tokens": 900, "reasoning_tokens": 3000},
             {"user_prompt": "Translate into German: good morning"}]
    rows = categorise(calls, model=model)
    assert rows[:3] == categorise(calls[:3])  # exactly the rules-only answer
    assert [r[3] for r in rows[:3]] == ["default", "default", "rules"]
    assert rows[0][:3] == ("chat", "simple", 0.3)  # the rules' fallback, source `default`
    assert rows[2][0] == "reasoning"  # from the reasoning tokens
    assert rows[3][0] == "translation" and rows[3][3] == "model"


def test_training_corpus_is_large_and_covers_text_tasks():
    from importlib import resources

    from mmaudit.categorise.dataset import read_examples

    path = Path(str(resources.files("mmaudit.categorise").joinpath("data/train_set.jsonl")))
    rows = read_examples(path)
    tasks = {r["label_task"] for r in rows}
    assert len(rows) >= 1000
    assert {"classification", "extraction", "summarization", "translation", "qa", "chat", "writing", "code", "reasoning"} <= tasks
    assert {r["label_complexity"] for r in rows} == {"simple", "moderate", "complex"}


def test_a_legacy_joblib_model_is_used_until_train_writes_the_arrays_model(tmp_path: Path):
    pytest.importorskip("sklearn")
    from typer.testing import CliRunner

    from mmaudit.categorise.model import load_model, model_path_for
    from mmaudit.categorise.training import train
    from mmaudit.cli import app

    db = tmp_path / "m.duckdb"
    data = tmp_path / "labels.jsonl"
    _write_labelled(data)
    train(data, tmp_path / "mmaudit.categoriser.joblib", folds=2)  # what an earlier version wrote
    assert model_path_for(db).name == "mmaudit.categoriser.joblib"
    assert type(load_model(model_path_for(db))).__name__ == "TrainedModel"
    result = CliRunner().invoke(app, ["categorize", "train", str(data), "--db", str(db), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert model_path_for(db).name == "mmaudit.categoriser.npz"
    model = load_model(model_path_for(db))
    assert type(model).__name__ == "ArrayModel"
    rows = categorise([{"user_prompt": "the duck swims in the pond quack"}], model=model)
    assert rows[0][0] == "reasoning"
