"""Two processes on one database: a clear "busy" (exit 2, no traceback) or a bounded wait, and
readers that work side by side. Real subprocesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ENV.pop("MMAUDIT_BUSY_TIMEOUT", None)
READERS = [["calls"], ["simulate", "--policy", str(REPO / "policies" / "tiers.yaml")], ["report"]]


def mmaudit(*args: str) -> list[str]:
    return [sys.executable, "-m", "mmaudit", *args]


def run(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(mmaudit(*args), cwd=REPO, env=env or ENV, capture_output=True, text=True, timeout=timeout)


def count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM calls").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small sample (for readers) and a big single-format log (to keep a writer busy)."""
    root = tmp_path_factory.mktemp("concurrency")
    small, big = root / "small", root / "big.jsonl"
    for out, n, extra in ((small, 300, []), (big, 20_000, ["--log-format", "openai-chat"])):
        subprocess.run(mmaudit("generate", str(out), "--calls", str(n), *extra), cwd=REPO, env=ENV,
                       check=True, capture_output=True, timeout=300)
    db = root / "sample.duckdb"
    assert run("ingest", str(small), "--db", str(db)).returncode == 0
    return {"small": small, "big": big, "db": db}


@pytest.fixture
def sample_db(logs, tmp_path) -> Path:
    db = tmp_path / "copy.duckdb"
    shutil.copy(logs["db"], db)
    return db


@contextmanager
def holding(db: Path, read_only: bool) -> Iterator[int]:
    """Another process that keeps the database open (as mmaudit opens it) until the block ends."""
    code = ("import sys; from mmaudit import store; "
            f"c = store.connect({str(db)!r}, read_only={read_only}); print('ready', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=ENV, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def assert_busy(done: subprocess.CompletedProcess, db: Path, doing: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"database {db} is busy" in done.stderr and doing in done.stderr


def test_second_ingest_is_told_busy_and_loads_nothing(logs, tmp_path):
    db = tmp_path / "two.duckdb"
    first = subprocess.Popen(mmaudit("ingest", str(logs["big"]), "--db", str(db)), cwd=REPO, env=ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not db.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the file appears when the first ingest has opened (and locked) it
    second = run("ingest", str(logs["small"]), "--db", str(db))
    still_running = first.poll() is None
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0 and "Traceback" not in err
    if not still_running:
        pytest.skip("the first ingest finished before the second started")
    assert_busy(second, db, "is writing to it")
    big_records = sum(1 for line in logs["big"].open("rb") if line.strip())
    assert count(db) == big_records  # the first one's file only; the second loaded nothing
    assert run("ingest", str(logs["small"]), "--db", str(db)).returncode == 0  # a retry completes


def test_busy_timeout_waits_for_the_writer(sample_db, logs):
    with holding(sample_db, read_only=False):
        waiting = subprocess.Popen(mmaudit("calls", "--db", str(sample_db)), cwd=REPO,
                                   env={**ENV, "MMAUDIT_BUSY_TIMEOUT": "60"},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        assert waiting.poll() is None  # still waiting for the lock
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and "Usage by model" in out and "Traceback" not in err


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r[0])
def test_readers_are_told_busy_while_a_writer_holds_the_file(sample_db, reader):
    with holding(sample_db, read_only=False) as pid:
        done = run(*reader, "--db", str(sample_db))
    assert_busy(done, sample_db, "is writing to it")
    assert f"PID {pid}" in done.stderr


def test_writer_is_told_busy_while_a_reader_holds_the_file(sample_db, logs):
    with holding(sample_db, read_only=True):
        done = run("ingest", str(logs["small"]), "--db", str(sample_db))
    assert_busy(done, sample_db, "is reading it")


def test_readers_work_side_by_side_while_nothing_writes(sample_db):
    before = count(sample_db)
    procs = [subprocess.Popen(mmaudit(*r, "--db", str(sample_db), "--format", "json"), cwd=REPO, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in READERS]
    with holding(sample_db, read_only=True):  # and one more reader holding the file all along
        results = [(p, *p.communicate(timeout=300)) for p in procs]
    for proc, out, err in results:
        assert proc.returncode == 0 and out.lstrip().startswith("{") and "Traceback" not in err, err
    assert count(sample_db) == before
