"""An ingest killed mid-file (SIGKILL, SIGINT) leaves all of that file or none of it, the database
opens, and a re-run completes it without duplicates. Real subprocesses on a generated log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
CALLS = 12_000
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def mmaudit(*args: str) -> list[str]:
    return [sys.executable, "-m", "mmaudit", *args]


@dataclass(frozen=True)
class BigLog:
    path: Path
    records: int
    seconds: float  # how long a full ingest takes from opening the database (startup excluded)


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> BigLog:
    """A generated openai-chat log and the time one full ingest of it takes (to aim the signals)."""
    root = tmp_path_factory.mktemp("interrupt")
    log = root / "big.jsonl"
    subprocess.run(mmaudit("generate", str(log), "--calls", str(CALLS), "--log-format", "openai-chat"),
                   cwd=REPO, env=ENV, check=True, capture_output=True, timeout=300)
    records = sum(1 for line in log.open("rb") if line.strip())
    db = root / "reference.duckdb"
    proc = subprocess.Popen(mmaudit("ingest", str(log), "--db", str(db)), cwd=REPO, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    opened = wait_for_database(proc, db)
    assert proc.wait(timeout=600) == 0
    return BigLog(log, records, time.monotonic() - opened)


def wait_for_database(proc: subprocess.Popen, db: Path) -> float:
    """When the ingest has opened (created) the database: config and model loading come before."""
    while not db.exists() and proc.poll() is None:
        time.sleep(0.02)
    return time.monotonic()


def counts(db: Path) -> tuple[int, int, int]:
    """(calls, distinct call ids, ledger rows); a writable open replays any WAL left behind.

    Killed before its migration committed, the database has no tables yet: that is "none" too."""
    con = duckdb.connect(str(db))
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'calls'").fetchall()[0][0]:
            return 0, 0, 0
        calls, ids = con.execute("SELECT count(*), count(DISTINCT call_id) FROM calls").fetchall()[0]
        ledger = con.execute("SELECT count(*) FROM ingested_files").fetchall()[0][0]
        return calls, ids, ledger
    finally:
        con.close()


def _sigint_default() -> None:
    """In the child: SIGINT back to its default. A shell starts background jobs with SIGINT ignored,
    and Python then leaves it ignored, so under `.ci/run &` the ingest would never see the signal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(log: BigLog, db: Path, sig: signal.Signals, seconds: float) -> tuple[subprocess.CompletedProcess | None, float]:
    """Start an ingest, send `sig` `seconds` after it opened the database. (The interrupted run,
    or None if it finished first; how long it ran from opening the database.)"""
    proc = subprocess.Popen(mmaudit("ingest", str(log.path), "--db", str(db)), cwd=REPO, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_sigint_default)
    opened = wait_for_database(proc, db)
    deadline = opened + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is not None:
        _, err = proc.communicate()
        # an ingest that stopped early on its own must have succeeded: a quick failure is a failure
        assert proc.returncode == 0, f"the ingest failed before any signal ({proc.returncode}): {err[-1500:]}"
        return None, time.monotonic() - opened
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    if "Ingest" in out:
        # The summary was printed: the run had finished and the signal met the exiting interpreter.
        return None, time.monotonic() - opened
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), time.monotonic() - opened


def interrupted_run(log: BigLog, db: Path, sig: signal.Signals, fraction: float) -> subprocess.CompletedProcess:
    """Interrupt a run at `fraction` of a full one. A run that finished before the signal says how
    long a full run takes now (the reference run may have paid for work later runs find done,
    such as the price cache, or met a busier machine): the next attempt aims at that, earlier."""
    full, tried = log.seconds, []
    for attempt in range(4):
        for leftover in db.parent.glob(db.name + "*"):
            leftover.unlink()
        aim = fraction * full / (2**attempt)
        done, ran = interrupt(log, db, sig, aim)
        if done is not None:
            return done
        tried.append(f"aimed {aim:.2f} s, ran {ran:.2f} s")
        full = min(full, ran)
    pytest.skip(f"the ingest finished before the signal four times (reference {log.seconds:.2f} s; {'; '.join(tried)})")


def assert_all_or_nothing_then_rerun_completes(log: BigLog, db: Path) -> None:
    calls, ids, ledger = counts(db)
    assert (calls, ledger) in {(0, 0), (log.records, 1)}, "a half file was left behind"
    assert calls == ids
    rerun = subprocess.run(mmaudit("ingest", str(log.path), "--db", str(db), "--format", "json"),
                           cwd=REPO, env=ENV, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0 and "Traceback" not in rerun.stderr
    assert counts(db)[:2] == (log.records, log.records)  # complete, and nothing twice
    reader = subprocess.run(mmaudit("calls", "--db", str(db), "--format", "json"), cwd=REPO, env=ENV,
                            capture_output=True, text=True, timeout=300)
    assert reader.returncode == 0 and "Traceback" not in reader.stderr


@pytest.mark.parametrize("fraction", [0.4, 0.85])
def test_sigkill_mid_file_leaves_all_or_nothing(big_log, tmp_path, fraction):
    done = interrupted_run(big_log, tmp_path / "killed.duckdb", signal.SIGKILL, fraction)
    assert done.returncode == -signal.SIGKILL
    assert_all_or_nothing_then_rerun_completes(big_log, tmp_path / "killed.duckdb")


def test_sigint_mid_file_rolls_back_with_a_message(big_log, tmp_path):
    db = tmp_path / "interrupted.duckdb"
    done = interrupted_run(big_log, db, signal.SIGINT, 0.6)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 130 and "interrupted" in done.stderr
    assert_all_or_nothing_then_rerun_completes(big_log, db)
