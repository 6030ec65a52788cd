"""A file is staged and stored in chunks: cutting it anywhere changes nothing that is stored.

Each test ingests the same file whole and in chunks of a few lines (so every kind of record
meets a chunk boundary) and compares everything stored, counts included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmaudit.ingest import IngestOptions, ingest_paths, reading
from tests.conftest import Loaded, rows, write_jsonl
from tests.test_formats_openai_chat import BODY

STORED = ("SELECT call_id, source_line, input_tokens, output_tokens, tokens_estimated, model, status, prompt_hash,"
          " task, complexity, model_key, cost_usd FROM calls ORDER BY source_line, call_id")
QUARANTINED = "SELECT source_line, reason, source_format, raw FROM quarantine ORDER BY source_line"


def body(i: int, call_id: str | None = None, **usage) -> dict:
    record = {**BODY, "usage": {"prompt_tokens": 10 * i, "completion_tokens": i, **usage}}
    if call_id is not None:
        record["id"] = call_id
    else:
        record.pop("id", None)
    return record


def messy_log(path: Path) -> Path:
    """Repeated ids (same and different content), id-less repeats, bad lines, a cut-short end."""
    lines: list = []
    for i in range(1, 24):  # every kind below at least twice
        lines.append(body(i, f"c-{i}"))
        if i % 7 == 0:
            lines.append(body(i, f"c-{i}"))  # an exact repeat: a duplicate, no conflict
        if i % 9 == 0:
            lines.append(body(i + 1, f"c-{i - 3}"))  # same id, other content: a conflict
        if i % 5 == 0:
            lines.append(body(3))  # identical id-less records: distinct calls, stable ids
        if i % 11 == 0:
            lines += ["not json", "", {**body(i, f"c-bad-{i}"), "usage": {"prompt_tokens": "NaN"}}]
    lines.append('{"id": "cut", "obj')
    return write_jsonl(path, lines)


def ingest(db: Path, log: Path, chunk_lines: int | None, monkeypatch: pytest.MonkeyPatch, **options) -> tuple:
    if chunk_lines is not None:
        monkeypatch.setattr(reading, "CHUNK_LINES", chunk_lines)
        monkeypatch.setattr(reading, "_BATCH_ROWS", 1)
    loaded = Loaded(db)
    try:
        result = ingest_paths(loaded.con, [str(log)], IngestOptions(**options))
        return (vars(result.files[0]) | {"path": None}, rows(loaded.con, STORED), rows(loaded.con, QUARANTINED))
    finally:
        loaded.con.close()
        monkeypatch.undo()


@pytest.mark.parametrize("chunk_lines", [1, 3, 8])
def test_chunked_ingest_stores_what_a_whole_file_ingest_stores(tmp_path, monkeypatch, chunk_lines):
    log = messy_log(tmp_path / "messy.jsonl")
    whole = ingest(tmp_path / "whole.duckdb", log, None, monkeypatch)
    chunked = ingest(tmp_path / "chunked.duckdb", log, chunk_lines, monkeypatch)
    assert chunked == whole
    result, calls, quarantine = chunked
    assert result["conflicting_ids"] == 2 and result["duplicates"] == 5  # 9, 18; and 7, 14, 21
    assert sum(c["call_id"].startswith("k-") for c in calls) == 4  # 5, 10, 15, 20
    assert quarantine[-1]["reason"] == "last line is cut short (incomplete JSON)"


def test_chunked_strict_rejects_and_counts_the_whole_file(tmp_path, monkeypatch):
    log = messy_log(tmp_path / "messy.jsonl")
    whole = ingest(tmp_path / "whole.duckdb", log, None, monkeypatch, strict=True)
    chunked = ingest(tmp_path / "chunked.duckdb", log, 2, monkeypatch, strict=True)
    assert chunked == whole
    assert chunked[0]["status"] == "rejected" and chunked[0]["quarantined"] == 5  # two at 11 and 22, and the cut end
    assert chunked[1] == [] and chunked[2] == []


def test_a_line_longer_than_the_usual_buffer_is_read_again_with_the_large_one(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "USUAL_LINE_BYTES", 1 << 16)
    long_prompt = "x" * (1 << 17)
    log = write_jsonl(tmp_path / "long.jsonl", [body(1, "a"), {**body(2, "b"), "system_fingerprint": long_prompt},
                                                 body(3, "c")])
    db = Loaded(tmp_path / "long.duckdb")
    result = db.ingest(log).files[0]
    assert (result.status, result.loaded) == ("loaded", 3)


def test_invalid_utf8_after_the_first_chunk_is_quarantined_in_place(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_LINES", 2)
    monkeypatch.setattr(reading, "_BATCH_ROWS", 1)
    good = [json.dumps(body(i, f"u-{i}")).encode() for i in range(1, 6)]
    log = tmp_path / "latin1.jsonl"
    log.write_bytes(b"\n".join([*good[:4], b'{"id": "caf\xe9"}', good[4]]) + b"\n")
    db = Loaded(tmp_path / "u.duckdb")
    result = db.ingest(log).files[0]
    assert (result.loaded, result.quarantined) == (5, 1)
    assert [(q["source_line"], q["reason"]) for q in db.quarantine()] == [(5, "line is not valid UTF-8 text")]
    assert [c["source_line"] for c in db.calls()] == [1, 2, 3, 4, 6]
