"""An ingest killed outright cannot remove its scratch directory (its last chunk's Parquet): the
next ingest removes the directories of processes that are gone, never a running one's."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from mmaudit.ingest import scratch
from tests.conftest import Loaded, write_jsonl
from tests.test_formats_openai_chat import BODY


def orphan(root: Path) -> Path:
    """A scratch directory made by a process that has since exited without removing it."""
    made = subprocess.run([sys.executable, "-c", "from mmaudit.ingest import scratch; print(scratch.make())"],
                          env={**os.environ, "TMPDIR": str(root)}, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    path = Path(made.stdout.strip())
    (path / "calls.parquet").write_bytes(b"x" * 1024)
    return path


def test_the_next_ingest_removes_what_a_killed_one_left(tmp_path, monkeypatch):
    dead = orphan(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    live = scratch.make()  # this process's: running
    legacy = tmp_path / "mmaudit-ingest-k3x9q2ab"  # named before directories carried a process id
    legacy.mkdir()
    db = Loaded(tmp_path / "s.duckdb")
    try:
        db.ingest(write_jsonl(tmp_path / "one.jsonl", [BODY]))
    finally:
        db.con.close()
    assert not dead.exists()
    assert live.exists() and legacy.exists()
    assert not [p for p in tmp_path.glob("mmaudit-ingest-*") if p not in (live, legacy)]  # the ingest's own is gone too


def test_a_directory_its_running_ingest_removes_while_the_sweep_looks_is_passed_over(tmp_path, monkeypatch):
    """Two ingests at once: the other one ends, and removes its directory, between the sweep
    listing it and reading its owner. Found as a FileNotFoundError traceback in CI (two test
    workers ingesting at the same moment)."""
    other = tmp_path / f"{scratch.PREFIX}{os.getppid()}-abc"  # a live process's
    other.mkdir()
    is_dir = Path.is_dir

    def ends_now(self: Path, *args, **kwargs) -> bool:
        answer = is_dir(self, *args, **kwargs)
        if self == other:
            other.rmdir()  # the other run's `finally`, just after the sweep saw its directory
        return answer

    monkeypatch.setattr(Path, "is_dir", ends_now)
    assert scratch.sweep(tmp_path) == 0
    assert not other.exists()
