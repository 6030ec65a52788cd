"""Small files are staged and stored in batches (ingest/batching.py): a directory of them stores,
counts and says exactly what ingesting them one by one does, only sooner."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from pathlib import Path

import duckdb
import pytest

from mmaudit import store
from mmaudit.enrich import enrichers
from mmaudit.ingest import IngestOptions, batching, ingest_paths
from tests.conftest import write_jsonl
from tests.test_formats_anthropic import ERROR, PAIR
from tests.test_formats_captures import GEMINI
from tests.test_formats_openai_chat import BODY
from tests.test_formats_streams import anthropic_stream


def chat(i: int, out: int = 5, **extra) -> dict:
    return {**BODY, "id": f"chatcmpl-{i}", "usage": {"prompt_tokens": 100 + i, "completion_tokens": out}, **extra}


def directory(root: Path) -> Path:
    """Files in every situation a batch has to get right, in an order that interleaves them."""
    d = root / "logs"
    d.mkdir()
    write_jsonl(d / "a01.json", [chat(1)])
    write_jsonl(d / "a02.jsonl", [chat(2), chat(3), "not json", chat(4)])
    write_jsonl(d / "a03.jsonl", [chat(2)])  # the same call as a02's: a duplicate of it
    write_jsonl(d / "a04.jsonl", [chat(3, out=9)])  # a more complete version of a02's call
    write_jsonl(d / "a05.jsonl", [chat(5), {**chat(6), "model": "gpt-4o-mini"}, chat(6)])  # conflict within a file
    write_jsonl(d / "a06.jsonl", [{"error": {"message": "boom", "type": "server_error"}, "status_code": 500}] * 2)
    write_jsonl(d / "a07.jsonl", [{"error": {"message": "boom", "type": "server_error"}, "status_code": 500}])  # same id-less line
    write_jsonl(d / "a08.jsonl", ["", "   "])  # blank only: empty
    write_jsonl(d / "a09.jsonl", [chat(7), PAIR])  # two formats in one file
    # streams: each file's events are read against its own only (the second opens with no start)
    write_jsonl(d / "a10.jsonl", anthropic_stream("msg_s1", {"input_tokens": 12, "output_tokens": 1},
                                                  {"output_tokens": 30}))
    write_jsonl(d / "a10b.jsonl", anthropic_stream("msg_s2", {"input_tokens": 7, "output_tokens": 1},
                                                   {"output_tokens": 9})[1:])
    write_jsonl(d / "a10c.jsonl", anthropic_stream("msg_s3", {"input_tokens": 5, "output_tokens": 1},
                                                   {"output_tokens": 4}))
    write_jsonl(d / "a11.jsonl", [PAIR, ERROR])
    write_jsonl(d / "a12.jsonl", [{**PAIR, "response": {**PAIR["response"], "id": "msg_other"}}])
    write_jsonl(d / "a13.jsonl", [GEMINI])  # a captured exchange: read alone
    write_jsonl(d / "a14.jsonl.gz", [chat(8), chat(9)])
    write_jsonl(d / "a15.jsonl", [chat(10), '{"id": "chatcmpl-11", "obj'])  # last line cut short
    with gzip.open(d / "a16.jsonl.gz", "wb") as fh:  # a compressed file cut short
        fh.write((json.dumps(chat(12)) + "\n" + json.dumps(chat(13))).encode())
    (d / "a16.jsonl.gz").write_bytes((d / "a16.jsonl.gz").read_bytes()[:-12])
    write_jsonl(d / "a17.jsonl", [{"hello": "world"}])  # no format: fails alone, with its reason
    for i in range(20, 24):  # request and answer pairs, so the categoriser has words to read
        asks = [{"role": "user", "content": f"Translate 'order {i} has shipped' into German."}]
        write_jsonl(d / f"b{i}.jsonl", [{"request": {"model": BODY["model"], "messages": asks}, "response": chat(i)},
                                        chat(i + 100)])
    return d


def ingest(paths: list[Path], db: Path, batched: bool, monkeypatch, enrich: bool = True,
           **options) -> tuple[list[dict], dict]:
    """Each file's result and the stored tables, batched or one file at a time (categorised and
    priced unless `enrich` is off)."""
    with monkeypatch.context() as m:
        if not batched:
            m.setattr(batching, "SMALL_FILE_BYTES", -1)
        con = store.connect(db)
        try:
            result = ingest_paths(con, [str(p) for p in paths], IngestOptions(enrichers=enrichers(db=db) if enrich else (), **options))
            tables = {t: _rows(con, t, order) for t, order in (
                ("calls", "source_file, source_line, call_id"), ("quarantine", "source_file, source_line, reason"),
                ("ingested_files", "source_file"))}
        finally:
            con.close()
    said = [{**dataclasses.asdict(f), "message": re.sub(r"loaded at [-0-9 :]+UTC", "loaded at T", f.message or "")}
            for f in result.files]
    return said, tables


def _rows(con: duckdb.DuckDBPyConnection, table: str, order: str) -> list[tuple]:
    cur = con.execute(f"SELECT * FROM {table} ORDER BY {order}")
    names = [d[0] for d in cur.description]
    return [tuple(v for n, v in zip(names, row, strict=True) if n != "ingested_at") for row in cur.fetchall()]


def batches_stored(monkeypatch) -> list[int]:
    """Spy: the number of files in each group of a batch stored (one transaction each)."""
    sizes: list[int] = []
    store_group = batching._store_group

    def spy(con, run, group, *args, **kwargs):
        stored = store_group(con, run, group, *args, **kwargs)
        sizes.append(len(group))
        return stored

    monkeypatch.setattr(batching, "_store_group", spy)
    return sizes


def test_a_directory_of_small_files_stores_and_says_what_one_by_one_does(tmp_path, monkeypatch):
    logs = directory(tmp_path)
    sizes = batches_stored(monkeypatch)
    batched = ingest([logs], tmp_path / "batched.duckdb", True, monkeypatch, enrich=False)
    assert batched == ingest([logs], tmp_path / "alone.duckdb", False, monkeypatch, enrich=False)
    assert sizes and max(sizes) >= 4  # the four b-files (at least) were one batch, not one by one
    # and again: every file is unchanged, in both
    assert (ingest([logs], tmp_path / "batched.duckdb", True, monkeypatch, enrich=False)
            == ingest([logs], tmp_path / "alone.duckdb", False, monkeypatch, enrich=False))
    # what the user sees of it
    said, tables = batched
    by_name = {Path(f["path"]).name: f for f in said}
    assert [(k, by_name[k]["status"], by_name[k]["loaded"], by_name[k]["duplicates"], by_name[k]["upgraded"])
            for k in ("a02.jsonl", "a03.jsonl", "a04.jsonl", "a08.jsonl", "a16.jsonl.gz", "a17.jsonl")] == [
        ("a02.jsonl", "loaded", 3, 0, 0), ("a03.jsonl", "loaded", 0, 1, 0), ("a04.jsonl", "loaded", 0, 1, 1),
        ("a08.jsonl", "empty", 0, 0, 0), ("a16.jsonl.gz", "partial", 1, 0, 0), ("a17.jsonl", "failed", 0, 0, 0)]
    assert by_name["a05.jsonl"]["conflicting_ids"] == 1
    assert by_name["a06.jsonl"]["loaded"] == 2 and by_name["a07.jsonl"]["duplicates"] == 1  # ids by line and occurrence
    # lineage: each call points at its own file and line
    stored = {(Path(r[0]).name, r[1]) for r in duckdb.connect(str(tmp_path / "batched.duckdb"), read_only=True).execute(
        "SELECT source_file, source_line FROM calls WHERE call_id IN ('chatcmpl-4', 'chatcmpl-23', 'chatcmpl-123')").fetchall()}
    assert stored == {("a02.jsonl", 4), ("b23.jsonl", 1), ("b23.jsonl", 2)}
    assert [(Path(q[0]).name, q[1], q[3]) for q in tables["quarantine"]][:2] == [
        ("a02.jsonl", 3, "not valid JSON"), ("a15.jsonl", 2, "last line is cut short (incomplete JSON)")]


@pytest.mark.parametrize("options", [{"strict": True, "redact_text": True}, {"log_format": "openai-chat"}],
                         ids=["strict-redacted", "forced"])
def test_strict_redacted_and_forced_batches_too_categorised_and_priced(tmp_path, monkeypatch, options):
    logs = directory(tmp_path)
    # under --strict a run with a quarantined line is read file by file: its own files, then a run
    picked = [logs / n for n in ("a01.json", "a02.jsonl", "a03.jsonl", "a11.jsonl", "a12.jsonl", "a14.jsonl.gz")]
    picked += sorted(logs.glob("b*.jsonl"))
    sizes = batches_stored(monkeypatch)
    batched = ingest(picked, tmp_path / "batched.duckdb", True, monkeypatch, **options)
    assert batched == ingest(picked, tmp_path / "alone.duckdb", False, monkeypatch, **options)
    priced, categorised = duckdb.connect(str(tmp_path / "batched.duckdb"), read_only=True).execute(
        "SELECT count(cost_usd), count(*) FILTER (WHERE task = 'translation') FROM calls").fetchall()[0]
    assert priced > 0 and categorised > 0  # so costs and categories were compared too
    assert sizes and max(sizes) >= 4


@pytest.mark.parametrize("failing", [1, 2], ids=["first-group", "second-group"])
def test_a_batch_that_fails_to_store_is_read_file_by_file(tmp_path, monkeypatch, failing):
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(4):  # f2 repeats f0's call: two groups, [f0, f1] then [f2, f3]
        write_jsonl(logs / f"f{i}.jsonl", [chat(i if i != 2 else 0)])
    alone = ingest([logs], tmp_path / "alone.duckdb", False, monkeypatch, enrich=False)
    write_chunk, calls = batching.write_chunk, []

    def broken(*args, **kwargs):
        calls.append(1)
        if len(calls) == failing:
            raise duckdb.IOException("IO Error: disk full")
        return write_chunk(*args, **kwargs)

    monkeypatch.setattr(batching, "write_chunk", broken)
    assert ingest([logs], tmp_path / "batched.duckdb", True, monkeypatch, enrich=False) == alone
    # failing at the first group, the run is read file by file; at the second, the first group is
    # stored and the rest is batched again (and stored, at the third try)
    assert len(calls) == {1: 1, 2: 3}[failing]
