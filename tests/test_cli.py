"""The command line through Typer's test runner: output, JSON purity and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from mmaudit.cli import app
from tests.conftest import write_jsonl
from tests.test_formats_openai_chat import BODY, ERROR_PAIR

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def test_ingest_then_calls_json(tmp_path):
    db = tmp_path / "cli.duckdb"
    log = write_jsonl(tmp_path / "a.jsonl", [BODY, ERROR_PAIR, "not json"])
    result = runner.invoke(app, ["ingest", str(log), "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == {"records": 3, "loaded": 2, "duplicates": 0, "upgraded": 0, "quarantined": 1, "skipped": 0, "purged": 0,
                             "estimated": 0}
    assert data["files"][0]["log_format"] == "openai-chat"

    result = runner.invoke(app, ["calls", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"]["calls"] == 2 and data["total"]["errors"] == 1
    assert {m["model"] for m in data["models"]} == {"gpt-4o-2024-08-06", "gpt-4o"}


def test_table_output_has_totals(tmp_path):
    db = tmp_path / "cli.duckdb"
    log = write_jsonl(tmp_path / "a.jsonl", [BODY])
    runner.invoke(app, ["ingest", str(log), "--db", str(db)])
    result = runner.invoke(app, ["calls", "--db", str(db)])
    assert result.exit_code == 0
    assert "Usage by model" in result.stdout and "Total" in result.stdout and "1,200" in result.stdout


def test_markdown_and_csv(tmp_path):
    db = tmp_path / "cli.duckdb"
    runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "a.jsonl", [BODY])), "--db", str(db)])
    md = runner.invoke(app, ["calls", "--db", str(db), "--format", "markdown"]).stdout
    assert "| Provider | Model |" in md and "| openai | gpt-4o-2024-08-06 | 1 |" in md
    csv_out = runner.invoke(app, ["calls", "--db", str(db), "--format", "csv"]).stdout
    assert csv_out.splitlines()[0].startswith("provider,model,calls")


def test_exit_codes(tmp_path):
    db = tmp_path / "cli.duckdb"
    missing = runner.invoke(app, ["ingest", str(tmp_path / "missing.jsonl"), "--db", str(db)])
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert "Traceback" not in missing.output
    unknown = runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "u.jsonl", [{"x": 1}])), "--db", str(db)])
    assert unknown.exit_code == 2
    strict = runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "s.jsonl", [BODY, "bad"])), "--db", str(db), "--strict"])
    assert strict.exit_code == 1
    no_db = runner.invoke(app, ["calls", "--db", str(tmp_path / "none.duckdb")])
    assert no_db.exit_code == 2 and "does not exist" in no_db.output


def test_usage_error_exits_2():
    # A real process: click's usage-error path is exercised exactly as a user meets it.
    done = subprocess.run([sys.executable, "-m", "mmaudit", "calls", "--format", "yaml"], capture_output=True, text=True)
    assert done.returncode == 2 and "yaml" in done.stderr and done.stdout == ""


def test_db_from_environment(tmp_path, monkeypatch):
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("MMAUDIT_DB", str(db))
    result = runner.invoke(app, ["ingest", str(write_jsonl(tmp_path / "a.jsonl", [BODY]))])
    assert result.exit_code == 0 and db.exists()


def test_generate_is_seeded(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(app, ["generate", str(a), "--calls", "300"]).exit_code == 0
    runner.invoke(app, ["generate", str(b), "--calls", "300"])
    for name in ("openai_chat.jsonl", "anthropic_messages.jsonl", "canonical.jsonl.gz"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    db = tmp_path / "g.duckdb"
    result = runner.invoke(app, ["ingest", str(a), "--db", str(db), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["total"]["loaded"] == 300 and data["total"]["quarantined"] == 0


def test_help_has_examples():
    result = runner.invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0 and "mmaudit ingest sample_logs/" in result.stdout


def test_help_shows_the_default_database():
    # Rich read `[default: ./mmaudit.duckdb]` as markup and dropped it: "DuckDB file to use ."
    out = runner.invoke(app, ["calls", "--help"], env={"COLUMNS": "200"}).stdout
    assert "(default: ./mmaudit.duckdb)" in out


def test_report_refuses_a_negative_drift_threshold(tmp_path):
    db = tmp_path / "d.duckdb"
    runner.invoke(app, ["ingest", str(ROOT / "sample_logs" / "openai_chat.jsonl"), "--db", str(db), "--no-model"])
    for bad in ("-1", "nan"):
        out = runner.invoke(app, ["report", "--db", str(db), "--drift-threshold", bad])
        assert out.exit_code == 2 and "--drift-threshold" in out.output, (bad, out.output)
