"""Privacy: `--redact-text` keeps no text (checked in the file bytes), the database and its WAL are
owner-only, `mmaudit purge` removes old text from the file for good, and nothing uses the network."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from mmaudit import tokens
from mmaudit.cli import app

REPO = Path(__file__).resolve().parents[1]
SECRET = "canary-7f3a9c-SECRET-do-not-store"
runner = CliRunner()


def chat(i: int, when: str, secret: bool = True) -> dict[str, Any]:
    """An OpenAI request/response pair whose system prompt, user prompt and answer carry SECRET."""
    word = SECRET if secret else "nothing"
    return {"timestamp": when, "request": {"model": "gpt-4o-mini", "messages": [
                {"role": "system", "content": f"You are helpful. Internal code {word}."},
                {"role": "user", "content": f"Question {i}: what is {word}? ({i * 7919})"}]},
            "response": {"id": f"chatcmpl-{i}", "object": "chat.completion", "model": "gpt-4o-mini",
                         "choices": [{"message": {"role": "assistant", "content": f"It is {word} #{i}"}}],
                         "usage": {"prompt_tokens": 30 + i, "completion_tokens": 5}}}


def write_log(path: Path, records: list[dict[str, Any]], bad_line: str | None = None) -> Path:
    text = "".join(json.dumps(r) + "\n" for r in records)
    path.write_text(text + (bad_line + "\n" if bad_line else ""), encoding="utf-8")
    return path


def secret_hits(db: Path) -> dict[str, int]:
    """Occurrences of SECRET in the database file and its WAL (read as bytes, with nothing open)."""
    found = {}
    for part in (db, Path(str(db) + ".wal")):
        if part.exists():
            found[part.name] = part.read_bytes().count(SECRET.encode())
    return found


def ingest(db: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["ingest", *args, "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


BAD_LINE = '{"request": {"messages": [{"role": "user", "content": "' + SECRET  # cut short


@pytest.mark.parametrize("redact", [False, True], ids=["control", "redacted"])
def test_redact_text_leaves_no_text_in_the_file(tmp_path, redact):
    """The control run proves the scan sees stored text; the redacted run must leave none."""
    log = write_log(tmp_path / "calls.jsonl", [chat(i, "2025-05-01T10:00:00Z") for i in range(50)], BAD_LINE)
    db = tmp_path / "p.duckdb"
    data = ingest(db, str(log), *(["--redact-text"] if redact else []))
    assert data["total"]["loaded"] == 50 and data["total"]["quarantined"] == 1
    hits = sum(secret_hits(db).values())
    if not redact:
        assert hits > 0
        return
    assert hits == 0, secret_hits(db)
    con = duckdb.connect(str(db), read_only=True)
    try:  # derived features survive: hashes, sizes, categories
        row = con.execute("SELECT count(prompt_hash), min(prompt_chars), count(task), count(user_prompt), "
                          "count(response_text) FROM calls").fetchall()[0]
        assert row[0] == 50 and row[1] > 0 and row[2] == 50 and row[3:] == (0, 0)
        assert con.execute("SELECT raw, raw_hash IS NOT NULL FROM quarantine").fetchall() == [(None, True)]
    finally:
        con.close()


def test_database_and_wal_are_owner_only(tmp_path):
    """Created under a permissive umask: the file and the WAL DuckDB writes later are both 0600."""
    db = tmp_path / "perm.duckdb"
    code = ("import os; os.umask(0o022); from mmaudit import store; "
            f"c = store.connect({str(db)!r}); "
            "c.execute(\"INSERT INTO quarantine (source_file, reason) VALUES ('f', 'r')\"); "
            "os._exit(0)")  # no close, no checkpoint: the WAL stays on disk
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)
    wal = Path(str(db) + ".wal")
    assert wal.exists()
    for part in (db, wal):
        assert stat.S_IMODE(part.stat().st_mode) == 0o600, part


def test_purge_deletes_old_calls_and_their_quarantine_from_the_file_bytes(tmp_path):
    old = write_log(tmp_path / "old.jsonl", [chat(i, "2024-03-01T10:00:00Z") for i in range(40)], BAD_LINE)
    new = write_log(tmp_path / "new.jsonl", [chat(100 + i, "2025-06-01T10:00:00Z", secret=False) for i in range(30)])
    db = tmp_path / "p.duckdb"
    ingest(db, str(old), str(new))
    assert sum(secret_hits(db).values()) > 0  # control: the text is in the file before the purge

    result = runner.invoke(app, ["purge", "--before", "2025-01-01", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deleted"] == {"calls": 40, "quarantine": 1, "ingested_files": 0}
    assert data["calls_left"] == 30
    assert sum(secret_hits(db).values()) == 0, secret_hits(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*), min(ts) >= TIMESTAMPTZ '2025-01-01 00:00:00+00' FROM calls").fetchall() \
            == [(30, True)]
        assert con.execute("SELECT count(*) FROM quarantine").fetchall() == [(0,)]
    finally:
        con.close()
    assert runner.invoke(app, ["calls", "--db", str(db)]).exit_code == 0  # the rewritten file works
    again = ingest(db, str(new))
    # the file the purge left calls of is unchanged: not read again, nothing comes back
    assert again["total"]["loaded"] == 0 and again["files"][0]["status"] == "unchanged"


def test_purge_keeps_quarantine_of_files_that_still_have_calls(tmp_path):
    mixed = write_log(tmp_path / "mixed.jsonl", [chat(1, "2024-03-01T10:00:00Z"), chat(2, "2025-06-01T10:00:00Z")],
                      BAD_LINE)
    db = tmp_path / "p.duckdb"
    ingest(db, str(mixed))
    result = runner.invoke(app, ["purge", "--before", "2025-01-01T00:00:00Z", "--db", str(db), "--format", "json"])
    assert json.loads(result.stdout)["deleted"] == {"calls": 1, "quarantine": 0, "ingested_files": 0}


@pytest.mark.parametrize("before", ["yesterday", "2025-13-01", "2025-01-01T00:00:00"])
def test_purge_refuses_an_unclear_date(tmp_path, before):
    db = tmp_path / "p.duckdb"
    ingest(db, str(write_log(tmp_path / "a.jsonl", [chat(1, "2025-06-01T10:00:00Z")])))
    result = runner.invoke(app, ["purge", "--before", before, "--db", str(db)])
    assert result.exit_code == 2 and "--before" in result.output and "Traceback" not in result.output


def test_purge_of_a_missing_database_is_an_input_error(tmp_path):
    result = runner.invoke(app, ["purge", "--before", "2025-01-01", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_nothing_is_sent_over_the_network(tmp_path, monkeypatch):
    """Ingest with tiktoken estimation (no usage in the log) and simulate, with every connect refused."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError(f"network use attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.delenv("MMAUDIT_TIKTOKEN_DOWNLOAD", raising=False)
    tokens._encoding.cache_clear()  # load the encoding again, under the patch
    records = [chat(i, "2025-05-01T10:00:00Z") for i in range(20)]
    for r in records:
        del r["response"]["usage"]
    db = tmp_path / "net.duckdb"
    data = ingest(db, str(write_log(tmp_path / "nousage.jsonl", records)))
    assert data["total"]["estimated"] == 20
    result = runner.invoke(app, ["simulate", "--policy", str(REPO / "policies" / "tiers.yaml"), "--db", str(db),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert attempts == []
    assert os.environ.get("MMAUDIT_TIKTOKEN_DOWNLOAD") is None


def test_purge_through_a_symlink_rewrites_the_database_it_points_to(tmp_path):
    (tmp_path / "store").mkdir()
    real = tmp_path / "store" / "audit.duckdb"
    ingest(real, str(write_log(tmp_path / "old.jsonl", [chat(i, "2024-03-01T10:00:00Z") for i in range(5)])))
    link = tmp_path / "audit.duckdb"
    link.symlink_to(real)
    result = runner.invoke(app, ["purge", "--before", "2025-01-01", "--db", str(link), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real  # the link still points at the store ...
    assert sum(secret_hits(real).values()) == 0, secret_hits(real)  # ... whose bytes no longer hold the text


@pytest.mark.parametrize("calls", [40, 3000], ids=["small-file", "file-read-alone"])
def test_purged_calls_stay_purged_when_a_grown_log_is_read_again(tmp_path, calls):
    log = write_log(tmp_path / "app.jsonl", [chat(i, "2024-03-01T10:00:00Z") for i in range(calls // 2)]
                    + [chat(10_000 + i, "2025-06-01T10:00:00Z", secret=False) for i in range(calls // 2)])
    db = tmp_path / "p.duckdb"
    ingest(db, str(log))
    assert runner.invoke(app, ["purge", "--before", "2025-01-01", "--db", str(db)]).exit_code == 0
    with log.open("a", encoding="utf-8") as fh:  # the log grows: the next scheduled ingest reads it again
        fh.write(json.dumps(chat(99_999, "2025-07-01T10:00:00Z", secret=False)) + "\n")
    again = ingest(db, str(log))
    # every purged call came back, its text with it, and the summary said "loaded"
    assert (again["total"]["loaded"], again["total"]["purged"]) == (1, calls // 2)
    assert sum(secret_hits(db).values()) == 0
    shown = runner.invoke(app, ["ingest", str(log), "--db", str(tmp_path / "q.duckdb")])  # a fresh database: no purge
    assert shown.exit_code == 0 and "not loaded again" not in shown.stdout
