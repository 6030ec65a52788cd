"""`mmaudit categorize label` -> `categorize train` -> `ingest` uses the trained model (mock gateway)."""

from __future__ import annotations

import json
from pathlib import Path

from live_fixtures import gateway, invoke, write_log  # noqa: F401 (fixtures)
from test_live_run import query

ZORB = [
    (
        None,
        f"zorblax ledger {i}: pull vendor, amount and date from 'ACME {i}00 EUR 2025-0{i % 9 + 1}-01'",
        "{}",
    )
    for i in range(8)
]
POEM = [
    (None, f"quixotic verses {i}: compose a sonnet about lighthouse number {i}", "A sonnet") for i in range(8)
]


def labeller(prompt: str) -> str:
    task = "extraction" if "zorblax" in prompt else "writing"
    return json.dumps({"task": task, "complexity": "simple" if task == "extraction" else "moderate"})


def labelled_db(tmp_path: Path) -> Path:
    db = tmp_path / "audit.duckdb"
    log = write_log(tmp_path / "traffic.jsonl", ZORB + POEM, 0)
    assert invoke("ingest", str(log), "--db", str(db), "--no-model").exit_code == 0
    return db


def test_label_writes_the_train_format_and_reports_agreement(tmp_path, gateway):
    gateway.labeller = labeller
    db, out = labelled_db(tmp_path), tmp_path / "labels.jsonl"
    result = invoke(
        "categorize",
        "label",
        "--model",
        "gpt-4o-mini",
        "--sample",
        "12",
        "--out",
        str(out),
        "--db",
        str(db),
        "--yes",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert data["written"] == len(lines) == 12 == len(gateway.sent("label"))
    assert {line["task"] for line in lines} <= {"extraction", "writing"}
    assert all(line["task"] == json.loads(labeller(line["user"]))["task"] for line in lines)
    # the taxonomy and its definitions are in the prompt
    system = gateway.sent("label")[0]["messages"][0]["content"]
    assert "extraction: Pull fields" in system and "complexity" in system
    # agreement = share of labels the stored categoriser gives too, computed by hand
    agree = sum(line["task"] == line["categoriser_task"] for line in lines) / len(lines)
    assert data["task_agreement"] == agree
    # a re-run reuses every label: nothing sent
    again = invoke(
        "categorize",
        "label",
        "--model",
        "gpt-4o-mini",
        "--sample",
        "12",
        "--out",
        str(out),
        "--db",
        str(db),
        "--yes",
        "--format",
        "json",
    )
    assert again.exit_code == 0 and len(gateway.sent("label")) == 12
    assert json.loads(again.stdout)["written"] == 12


def test_label_then_train_then_ingest_uses_the_trained_model(tmp_path, gateway):
    gateway.labeller = labeller
    db, out = labelled_db(tmp_path), tmp_path / "labels.jsonl"
    assert (
        invoke(
            "categorize",
            "label",
            "--model",
            "gpt-4o-mini",
            "--sample",
            "16",
            "--out",
            str(out),
            "--db",
            str(db),
            "--yes",
        ).exit_code
        == 0
    )
    trained = invoke("categorize", "train", str(out), "--db", str(db), "--folds", "2")
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "mmaudit.categoriser.npz").exists()
    fresh = write_log(
        tmp_path / "fresh.jsonl",
        [(None, "zorblax ledger 99: pull vendor, amount and date from 'GLOBEX 990 EUR 2025-09-09'", "{}")],
        59,
    )
    assert invoke("ingest", str(fresh), "--db", str(db)).exit_code == 0
    row = query(db, "SELECT task, category_source FROM calls WHERE user_prompt LIKE 'zorblax ledger 99%'")
    assert row == [("extraction", "model")]
