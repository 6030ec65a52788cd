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
