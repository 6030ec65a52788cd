"""Shared helpers: write log records to files, ingest them, read `calls` back as dicts."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from mmaudit import store
from mmaudit.ingest import IngestOptions, IngestResult, ingest_paths

# DuckDB on one thread in each test worker (`store.connect` reads MMAUDIT_THREADS; subprocesses
# inherit it): the two xdist workers already keep both cores busy, and the tests' tables are far
# below DuckDB's parallel grain, so a second thread per worker only adds scheduling. Three files
# of tests ran in 86-87 s against 90-93 s with DuckDB's default (two rounds, alternating). A test
# that sets the variable itself keeps its own value.
os.environ.setdefault("MMAUDIT_THREADS", "1")
# Prices come from the installed genai-prices in every test: a copy the developer fetched with
# `mmaudit prices update` lives in their data folder, which the tests never read.
os.environ["MMAUDIT_DATA_DIR"] = tempfile.mkdtemp(prefix="mmaudit-test-data-")


def write_jsonl(path: Path, records: list[Any]) -> Path:
    """Records are dicts (dumped as JSON) or str (written as the raw line)."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    data = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def rows(con, sql: str = "SELECT * FROM calls ORDER BY source_line", params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


class Loaded:
    def __init__(self, db: Path) -> None:
        self.db = db
        self.con = store.connect(db)

    def ingest(self, *paths: Path, **options: Any) -> IngestResult:
        return ingest_paths(self.con, [str(p) for p in paths], IngestOptions(**options))

    def calls(self) -> list[dict]:
        return rows(self.con)

    def quarantine(self) -> list[dict]:
        return rows(self.con, "SELECT * FROM quarantine ORDER BY source_file, source_line")


@pytest.fixture
def db(tmp_path: Path) -> Loaded:
    loaded = Loaded(tmp_path / "test.duckdb")
    yield loaded
    loaded.con.close()
