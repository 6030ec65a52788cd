"""Bad inputs: every file here is generated in code. Good records load, bad ones are quarantined
with a reason a person understands, the exit code and summary say so, and nothing crashes."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import duckdb
import pytest
import zstandard
from typer.testing import CliRunner

from mmaudit import ingest as ingest_module
from mmaudit.ingest import pipeline
from mmaudit import store
from mmaudit.cli import app

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def rec(i: int | str, **kw: Any) -> dict[str, Any]:
    """A valid canonical record; keyword arguments override or add fields."""
    base = {"call_id": f"c{i}", "ts": "2025-05-01T10:00:00Z", "provider": "openai", "model": "gpt-4o-mini",
            "input_tokens": 100, "output_tokens": 20, "status": "ok", "user_prompt": "hello"}
    return {**base, **kw}


def lines(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def ingest(db: Path, *args: str) -> tuple[int, dict[str, Any] | None, str]:
    """Run `mmaudit ingest ... --format json` in process: exit code, parsed JSON, all output."""
    result = runner.invoke(app, ["ingest", *args, "--db", str(db), "--format", "json"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    data = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, data, result.output


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def reasons(db: Path) -> dict[int, str]:
    return dict(query(db, "SELECT source_line, reason FROM quarantine ORDER BY source_line"))


def call_ids(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT call_id FROM calls ORDER BY source_file, source_line")]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "robust.duckdb"


def test_truncated_last_line_is_quarantined_as_cut_short(tmp_path, db):
    text = lines(rec(1), rec(2)) + json.dumps(rec(3))[:40]  # no newline: the writer died mid-record
    code, data, _ = ingest(db, str(_write(tmp_path / "t.jsonl", text)))
    assert code == 0 and data["total"]["loaded"] == 2 and data["total"]["quarantined"] == 1
    assert reasons(db) == {3: "last line is cut short (incomplete JSON)"}


def test_invalid_json_and_non_objects_get_plain_reasons(tmp_path, db):
    text = lines(rec(1), "{not json", "[1, 2]", "42", '"text"', "true", rec(2))
    code, data, _ = ingest(db, str(_write(tmp_path / "i.jsonl", text)))
    assert code == 0 and data["total"]["loaded"] == 2
    assert reasons(db) == {2: "not valid JSON", 3: "a JSON array, not an object", 4: "a JSON number, not an object",
                           5: "a JSON string, not an object", 6: "a JSON boolean, not an object"}


def test_invalid_utf8_is_quarantined_and_neighbours_load(tmp_path, db):
    raw = lines(rec(1)).encode() + b'{"call_id": "bad\xff\xfe", "status": "ok"}\n' + lines(rec(2)).encode()
    code, _, _ = ingest(db, str(_write(tmp_path / "u.jsonl", raw)))
    assert code == 0 and call_ids(db) == ["c1", "c2"]
    assert reasons(db) == {2: "line is not valid UTF-8 text"}


def test_bom_and_crlf_load_cleanly(tmp_path, db):
    bom = _write(tmp_path / "bom.jsonl", ("\ufeff" + lines(rec(1), rec(2))).encode())
    crlf = _write(tmp_path / "crlf.jsonl", lines(rec(3), rec(4)).replace("\n", "\r\n").encode())
    code, data, _ = ingest(db, str(bom), str(crlf))
    assert code == 0 and data["total"] == {**data["total"], "loaded": 4, "quarantined": 0}
    assert call_ids(db) == ["c1", "c2", "c3", "c4"]  # no BOM or \r left in any value
    assert query(db, "SELECT count(*) FROM calls WHERE user_prompt <> 'hello' OR model <> 'gpt-4o-mini'") == [(0,)]


@pytest.mark.parametrize("text", ["", "\n\n   \n"])
def test_empty_file_loads_nothing_and_is_not_an_error(tmp_path, db, text):
    code, data, _ = ingest(db, str(_write(tmp_path / "empty.jsonl", text)))
    assert code == 0
    assert data["files"][0]["status"] == "empty" and data["total"]["records"] == 0


def test_50mb_single_line_valid_loads_and_invalid_is_quarantined(tmp_path, db):
    huge = "x" * (50 * 1024 * 1024)
    text = lines(rec(1), rec(2, user_prompt=huge)) + '{"call_id": "c3", "status": "ok", "user_prompt": "' + huge + "\n"
    text += lines(rec(4))
    code, _, _ = ingest(db, str(_write(tmp_path / "big.jsonl", text)))
    assert code == 0 and call_ids(db) == ["c1", "c2", "c4"]
    assert query(db, "SELECT prompt_chars FROM calls WHERE call_id = 'c2'") == [(len(huge),)]
    assert query(db, "SELECT source_line, reason, length(raw) FROM quarantine") == [(3, "not valid JSON", 65536)]


def test_deeply_nested_json_does_not_crash(tmp_path, db):
    depth = 10_000
    text = lines(rec(1), "[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth,
                 json.dumps(rec(3))[:-1] + ', "metadata": ' + '{"a":' * depth + "1" + "}" * depth + "}", rec(2))
    code, data, _ = ingest(db, str(_write(tmp_path / "deep.jsonl", text)))
    assert code == 0
    assert {"c1", "c2"} <= set(call_ids(db))
    assert data["total"]["loaded"] + data["total"]["quarantined"] == 5
    assert reasons(db)[2] == "a JSON array, not an object"
    assert "not a canonical record" in reasons(db)[3]


TOKEN_VALUES: list[tuple[Any, int | None, str | None]] = [  # (logged input_tokens, stored, quarantine reason)
    ("12", 12, None),
    (12.0, 12, None),
    ("1e3", 1000, None),
    (0, 0, None),
    ("NaN", None, "input_tokens is NaN, not a token count"),
    ("Infinity", None, "input_tokens is Infinity, not a token count"),
    (-5, None, "input_tokens is -5, not a token count"),
    (True, None, "input_tokens is true, not a token count"),
    ([1], None, "input_tokens is [1], not a token count"),
    ({"n": 1}, None, 'input_tokens is {"n":1}, not a token count'),
    (10**30, None, "input_tokens is 1000000000000000000000000000000, not a token count"),
    ("twelve", None, "input_tokens is twelve, not a token count"),
]


def test_token_counts_of_the_wrong_type(tmp_path, db):
    """One file, one record per value: numbers as text load, anything else is quarantined by name."""
    path = _write(tmp_path / "types.jsonl", lines(*(rec(i, input_tokens=v) for i, (v, _, _) in enumerate(TOKEN_VALUES))))
    code, data, _ = ingest(db, str(path))
    assert code == 0
    stored = dict(query(db, "SELECT call_id, input_tokens FROM calls"))
    assert stored == {f"c{i}": n for i, (_, n, why) in enumerate(TOKEN_VALUES) if why is None}
    assert reasons(db) == {i + 1: why for i, (_, _, why) in enumerate(TOKEN_VALUES) if why is not None}
    assert data["total"]["quarantined"] == sum(why is not None for _, _, why in TOKEN_VALUES)


def test_null_token_count_is_estimated_from_the_text(tmp_path, db):
    code, data, _ = ingest(db, str(_write(tmp_path / "n.jsonl", lines(rec(1, input_tokens=None)))))
    assert code == 0 and data["total"]["estimated"] == 1
    assert query(db, "SELECT input_tokens > 0, tokens_estimated FROM calls") == [(True, True)]


def test_missing_required_fields_are_quarantined_with_what_was_expected(tmp_path, db):
    text = lines(rec(1), {"call_id": "c2", "model": "gpt-4o"}, {"status": "ok", "model": "gpt-4o"}, rec(4))
    code, _, _ = ingest(db, str(_write(tmp_path / "m.jsonl", text)))
    assert code == 0 and call_ids(db) == ["c1", "c4"]
    expected = "not a canonical record: expected top-level `call_id` and `status` keys"
    assert reasons(db) == {2: expected, 3: expected}


GOOD_TIMES = ["2025-05-01T10:00:00Z", "2025-05-01T10:00:00", "2025-05-01 10:00:00", "2025-05-01T12:00:00+02:00",
              "2025-05-01T10:00:00.000Z", 1746093600, 1746093600000, "1746093600", 1746093600.0]
BAD_TIMES = ["2025-13-45", "2025-02-30", "99999-01-01T00:00:00Z", "0000-01-01", "yesterday", -5, 1e30, "1e30"]


def test_timestamps_in_every_common_shape_mean_the_same_instant(tmp_path, db):
    path = _write(tmp_path / "ts.jsonl", lines(*(rec(i, ts=t) for i, t in enumerate(GOOD_TIMES))))
    code, data, _ = ingest(db, str(path))
    assert code == 0 and data["total"]["loaded"] == len(GOOD_TIMES)
    assert query(db, "SELECT DISTINCT epoch(ts) FROM calls") == [(1746093600.0,)]


def test_impossible_timestamps_are_quarantined_with_the_value(tmp_path, db):
    path = _write(tmp_path / "badts.jsonl", lines(rec("ok"), *(rec(i, ts=t) for i, t in enumerate(BAD_TIMES))))
    code, data, _ = ingest(db, str(path))
    assert code == 0 and call_ids(db) == ["cok"] and data["total"]["quarantined"] == len(BAD_TIMES)
    for line, reason in reasons(db).items():
        assert reason.startswith("ts is ") and "not a timestamp" in reason, (line, reason)
    assert "99999-01-01T00:00:00Z" in reasons(db)[4]
    # `calls` would fail to print a year-99999 date: what is stored must be printable
    assert runner.invoke(app, ["calls", "--db", str(db)]).exit_code == 0


def test_unknown_model_loads_unpriced_and_is_listed(tmp_path, db):
    code, _, _ = ingest(db, str(_write(tmp_path / "u.jsonl", lines(rec(1, model="totally-new-model-9"), rec(2)))))
    assert code == 0
    assert query(db, "SELECT model_key, cost_usd FROM calls WHERE call_id = 'c1'") == [(None, None)]
    listed = runner.invoke(app, ["prices", "unknown", "--db", str(db), "--format", "json"])
    assert listed.exit_code == 0
    assert [m["model"] for m in json.loads(listed.stdout)["unknown_models"]] == ["totally-new-model-9"]


def test_duplicate_ids_with_different_content_keep_the_first_and_are_reported(tmp_path, db):
    text = lines(rec(1), rec(1, input_tokens=999), rec(1), rec(2))
    code, data, _ = ingest(db, str(_write(tmp_path / "d.jsonl", text)))
    assert code == 0
    assert (data["total"]["loaded"], data["total"]["duplicates"], data["files"][0]["conflicting_ids"]) == (2, 2, 1)
    assert query(db, "SELECT input_tokens FROM calls WHERE call_id = 'c1'") == [(100,)]
    table = runner.invoke(app, ["ingest", str(_write(tmp_path / "d2.jsonl", text)), "--db", str(db)])
    assert "duplicate id(s) with different content" in table.output
    # across runs: the stored record is kept, the changed one is reported, nothing is added
    code, data, _ = ingest(db, str(_write(tmp_path / "later.jsonl", lines(rec(2, model="gpt-4o", output_tokens=70)))))
    assert (data["total"]["loaded"], data["total"]["upgraded"], data["files"][0]["conflicting_ids"]) == (0, 0, 1)
    assert query(db, "SELECT model, output_tokens FROM calls WHERE call_id = 'c2'") == [("gpt-4o-mini", 20)]


def test_a_more_complete_version_of_a_stored_call_upgrades_it(tmp_path, db):
    """Same id, same request, more output (a log that grew): the stored call is replaced, once;
    a less complete version is a plain duplicate; neither is a conflict."""
    ingest(db, str(_write(tmp_path / "a.jsonl", lines(rec(1), rec(2)))))
    code, data, output = ingest(db, str(_write(tmp_path / "b.jsonl", lines(rec(2, output_tokens=70), rec(1, output_tokens=5)))))
    assert code == 0
    assert (data["total"]["loaded"], data["total"]["duplicates"], data["total"]["upgraded"]) == (0, 2, 1)
    assert data["files"][0]["conflicting_ids"] == 0
    assert query(db, "SELECT call_id, output_tokens, source_file LIKE '%b.jsonl' FROM calls ORDER BY call_id") == [
        ("c1", 20, False), ("c2", 70, True)]
    again = runner.invoke(app, ["ingest", str(tmp_path / "b.jsonl"), "--db", str(db)])
    assert "upgraded" not in again.output.split("Total")[-1]  # nothing more complete the second time
    table = runner.invoke(app, ["ingest", str(_write(tmp_path / "c.jsonl", lines(rec(1, output_tokens=99)))), "--db", str(db)])
    assert "1 stored call(s) upgraded to a more complete record" in " ".join(table.output.split())


def test_identical_repeats_are_plain_duplicates(tmp_path, db):
    path = _write(tmp_path / "same.jsonl", lines(rec(1), rec(1)))
    ingest(db, str(path))
    code, data, _ = ingest(db, str(_write(tmp_path / "copy.jsonl", lines(rec(1), rec(1)))))
    assert code == 0 and data["files"][0]["conflicting_ids"] == 0 and data["total"]["duplicates"] == 2


def test_mixed_formats_in_one_file(tmp_path, db):
    chat = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1746093600, "model": "gpt-4o",
            "choices": [{"message": {"role": "assistant", "content": "hi"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
    code, data, _ = ingest(db, str(_write(tmp_path / "mixed.jsonl", lines(rec(1), chat, rec(2)))))
    assert code == 0 and data["total"]["loaded"] == 3
    assert sorted(r[0] for r in query(db, "SELECT DISTINCT source_format FROM calls")) == ["canonical", "openai-chat"]


def test_directory_with_other_files_and_a_symlink_loop(tmp_path, db):
    root = tmp_path / "logs"
    (root / "sub").mkdir(parents=True)
    _write(root / "a.jsonl", lines(rec(1)))
    _write(root / "sub" / "b.jsonl.gz", gzip.compress(lines(rec(2)).encode()))
    _write(root / "README.md", "# not a log")
    _write(root / "image.png", b"\x89PNG\r\n\x1a\n")
    os.symlink("..", root / "sub" / "up")  # a directory loop
    os.symlink("loop.jsonl", root / "loop.jsonl")  # a file that points at itself
    code, data, _ = ingest(db, str(root))
    assert code == 0 and sorted(call_ids(db)) == ["c1", "c2"] and len(data["files"]) == 2


def test_a_symlink_loop_named_directly_is_a_clear_error(tmp_path, db):
    os.symlink("self.jsonl", tmp_path / "self.jsonl")
    code, _, output = ingest(db, str(tmp_path / "self.jsonl"))
    assert code == 2 and "symbolic link that is broken or loops" in output


CUT = "the compressed file ends early (cut short): this line and everything after it is missing"
COMPRESSED = [".jsonl.gz", ".jsonl.zst"]


def _compress(suffix: str, data: bytes) -> bytes:
    return gzip.compress(data) if suffix.endswith(".gz") else zstandard.ZstdCompressor().compress(data)


def _cut(suffix: str, readable: str) -> bytes:
    """A compressed file cut in transit whose readable part is exactly `readable`: two gzip members
    (zstd frames), the first whole, the second flushed at the cut and ending there, unfinished."""
    first, second = readable[: len(readable) // 2].encode(), readable[len(readable) // 2:].encode()
    if suffix.endswith(".gz"):
        member = zlib.compressobj(wbits=31)
        flushed = member.compress(second) + member.flush(zlib.Z_SYNC_FLUSH)
    else:
        frame = zstandard.ZstdCompressor().compressobj()
        flushed = frame.compress(second) + frame.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    return _compress(suffix, first) + flushed


def _status(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in data["files"] if Path(f["path"]).name == name)


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_compressed_file_cut_short_loads_the_records_before_the_cut(tmp_path, db, suffix):
    """Cut at an arbitrary byte: every record before the cut loads, the cut is quarantined, exit 1."""
    packed = _compress(suffix, lines(*(rec(i) for i in range(5000))).encode())
    cut = _write(tmp_path / f"cut{suffix}", packed[: len(packed) // 2])
    good = _write(tmp_path / "good.jsonl", lines(rec("g")))
    code, data, _ = ingest(db, str(cut), str(good))
    assert code == 1
    loaded = query(db, "SELECT call_id FROM calls WHERE source_file = ? ORDER BY source_line", [str(cut)])
    assert 1000 < len(loaded) < 5000 and [r[0] for r in loaded] == [f"c{i}" for i in range(len(loaded))]
    assert "cg" in call_ids(db)  # the other file loads
    assert reasons(db) == {len(loaded) + 1: CUT}
    file = _status(data, cut.name)
    assert (file["status"], file["loaded"], file["quarantined"]) == ("partial", len(loaded), 1)
    assert "cut short" in file["message"] and "the rest of the file are missing" in file["message"]
    assert _status(data, "good.jsonl")["status"] == "loaded"


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_cut_mid_line_quarantines_the_partial_line_with_its_text(tmp_path, db, suffix):
    partial = json.dumps(rec(4))[:30]
    cut = _write(tmp_path / f"cut{suffix}", _cut(suffix, lines(rec(1), rec(2), rec(3)) + partial))
    good = _write(tmp_path / "good.jsonl", lines(rec("g")))
    code, data, _ = ingest(db, str(cut), str(good))
    assert code == 1
    assert call_ids(db) == ["c1", "c2", "c3", "cg"]
    assert query(db, "SELECT source_line, reason, raw FROM quarantine") == [(4, CUT, partial)]
    file = _status(data, cut.name)
    assert (file["status"], file["records"], file["loaded"], file["quarantined"]) == ("partial", 4, 3, 1)
    assert "3 record(s) loaded" in file["message"] and "line 4 and the rest of the file are missing" in file["message"]


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_cut_at_a_line_boundary_still_records_the_cut(tmp_path, db, suffix):
    cut = _write(tmp_path / f"cut{suffix}", _cut(suffix, lines(rec(1), rec(2))))
    code, data, _ = ingest(db, str(cut))
    assert code == 1 and call_ids(db) == ["c1", "c2"]
    assert query(db, "SELECT source_line, reason, raw FROM quarantine") == [(3, CUT, "")]
    assert data["files"][0]["status"] == "partial" and data["total"]["quarantined"] == 1


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_cut_inside_the_header_is_a_failed_file(tmp_path, db, suffix):
    packed = _compress(suffix, lines(rec(1), rec(2)).encode())
    cut = _write(tmp_path / f"cut{suffix}", packed[:5 if suffix.endswith(".gz") else 3])
    good = _write(tmp_path / "good.jsonl", lines(rec("g")))
    code, data, _ = ingest(db, str(cut), str(good))
    assert code == 2 and call_ids(db) == ["cg"] and query(db, "SELECT count(*) FROM quarantine") == [(0,)]
    file = _status(data, cut.name)
    assert file["status"] == "failed"
    assert "cut short" in file["message"] and "nothing of it was loaded" in file["message"]


def test_cut_before_the_first_complete_line_is_a_failed_file(tmp_path, db):
    cut = _write(tmp_path / "cut.jsonl.gz", _cut(".gz", json.dumps(rec(1))[:30]))
    code, data, _ = ingest(db, str(cut))
    assert code == 2 and call_ids(db) == []
    assert "before its first complete line" in data["files"][0]["message"]


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_reingesting_a_cut_file_adds_nothing(tmp_path, db, suffix):
    cut = _write(tmp_path / f"cut{suffix}", _cut(suffix, lines(rec(1), rec(2), rec(3)) + '{"call_id": "c4'))
    ingest(db, str(cut))
    code, data, _ = ingest(db, str(cut))
    assert code == 1 and data["files"][0]["status"] == "partial"
    assert (data["total"]["loaded"], data["total"]["duplicates"]) == (0, 3)
    assert call_ids(db) == ["c1", "c2", "c3"]
    assert query(db, "SELECT source_line, reason FROM quarantine") == [(4, CUT)]


def test_strict_loads_nothing_of_a_cut_file(tmp_path, db):
    cut = _write(tmp_path / "cut.jsonl.zst", _cut(".zst", lines(rec(1), rec(2)) + '{"call'))
    good = _write(tmp_path / "good.jsonl", lines(rec("g")))
    code, data, _ = ingest(db, str(cut), str(good), "--strict")
    assert code == 1 and call_ids(db) == ["cg"] and query(db, "SELECT count(*) FROM quarantine") == [(0,)]
    file = _status(data, cut.name)
    assert file["status"] == "rejected" and "cut short" in file["message"] and "--strict" in file["message"]


def test_csv_cut_short_loads_the_rows_before_the_cut(tmp_path, db):
    header = "call_id,ts,provider,model,input_tokens,output_tokens,status\n"
    rows = "".join(f"c{i},2025-05-01T10:00:00Z,openai,gpt-4o-mini,100,20,ok\n" for i in range(1, 4))
    cut = _write(tmp_path / "calls.csv.gz", _cut(".gz", header + rows + "c4,2025-05-01T1"))
    code, data, _ = ingest(db, str(cut))
    assert code == 1 and call_ids(db) == ["c1", "c2", "c3"]
    assert query(db, "SELECT source_line, reason, raw FROM quarantine") == [(4, CUT, "c4,2025-05-01T1")]
    assert data["files"][0]["status"] == "partial"


def test_csv_cut_inside_a_quoted_multiline_field_is_a_clear_failure(tmp_path, db):
    """DuckDB would read the unclosed quote as text and load the cut row as if whole."""
    header = "call_id,ts,provider,model,input_tokens,output_tokens,status,user_prompt\n"
    row = 'c1,2025-05-01T10:00:00Z,openai,gpt-4o-mini,100,20,ok,"say ""hi""\nthen stop"\n'
    cut = _write(tmp_path / "calls.csv.gz", _cut(".gz", header + row + row.replace("c1", "c2").split("then")[0]))
    code, data, _ = ingest(db, str(cut))
    assert code == 2 and call_ids(db) == []
    assert "inside a quoted CSV field" in data["files"][0]["message"]


def test_json_array_cut_short_is_a_clear_failure(tmp_path, db):
    array = "[\n" + ",\n".join(json.dumps(rec(i)) for i in range(3)) + "\n]\n"
    cut = _write(tmp_path / "calls.json.gz", _cut(".gz", array[:150]))
    code, data, _ = ingest(db, str(cut))
    assert code == 2 and call_ids(db) == []
    assert "JSON array cut short" in data["files"][0]["message"]


def test_pretty_printed_json_cut_short_is_a_clear_failure(tmp_path, db):
    document = "\n".join(json.dumps(rec(i), indent=2) for i in range(3)) + "\n"
    cut = _write(tmp_path / "calls.json.gz", _cut(".gz", document[:300]))
    code, data, _ = ingest(db, str(cut))
    assert code == 2 and call_ids(db) == []
    assert "JSON document written over many lines cut short" in data["files"][0]["message"]


def test_damaged_compressed_data_is_not_taken_for_a_cut(tmp_path, db):
    """Corrupt data (a wrong checksum, which DuckDB alone does not check), trailing garbage and a
    .gz that is not gzip fail with what is wrong, and load nothing; exit 2."""
    packed = gzip.compress(lines(rec(1), rec(2)).encode())
    files = {"crc.jsonl.gz": packed[:-8] + bytes(4) + packed[-4:],
             "frame.jsonl.zst": zstandard.ZstdCompressor(write_checksum=True).compress(lines(rec(3)).encode())[:-4] + bytes(4),
             "trailing.jsonl.gz": packed + b"junk",
             "plain.jsonl.gz": lines(rec(4)).encode()}
    code, data, _ = ingest(db, *(str(_write(tmp_path / name, raw)) for name, raw in files.items()))
    assert code == 2 and call_ids(db) == [] and query(db, "SELECT count(*) FROM quarantine") == [(0,)]
    messages = {Path(f["path"]).name: f["message"] for f in data["files"] if f["status"] == "failed"}
    assert "gzip data is corrupt" in messages["crc.jsonl.gz"]
    assert "zstd data is corrupt" in messages["frame.jsonl.zst"]
    assert "trailing garbage" in messages["trailing.jsonl.gz"]
    assert "named .gz but is not gzip data" in messages["plain.jsonl.gz"]
    assert all("nothing of it was loaded" in m for m in messages.values())


def test_the_decompressed_copy_is_deleted_even_on_ctrl_c(tmp_path, db, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    cut = _write(tmp_path / "cut.jsonl.gz", _cut(".gz", lines(rec(1), rec(2))))
    assert ingest(db, str(cut))[0] == 1 and list(scratch.iterdir()) == []

    def interrupted(*_args: Any) -> None:
        assert len(list(scratch.iterdir())) == 1  # the copy exists while it is read ...
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "_ingest_in_modes", interrupted)
    con = store.connect(tmp_path / "other.duckdb")
    try:
        with pytest.raises(KeyboardInterrupt):
            ingest_module.ingest_file(con, cut, ingest_module.IngestOptions())
    finally:
        con.close()
    assert list(scratch.iterdir()) == []  # ... and is gone after Ctrl-C


def test_strict_loads_nothing_of_a_file_with_a_bad_record(tmp_path, db):
    bad = _write(tmp_path / "bad.jsonl", lines(rec(1), rec(2, input_tokens="NaN")))
    good = _write(tmp_path / "good.jsonl", lines(rec(3)))
    code, data, _ = ingest(db, str(bad), str(good), "--strict")
    assert code == 1
    assert call_ids(db) == ["c3"]
    assert [f["status"] for f in data["files"]] == ["rejected", "loaded"]
    assert query(db, "SELECT count(*) FROM quarantine") == [(0,)]


def test_whole_corpus_in_a_subprocess_never_prints_a_traceback(tmp_path, db):
    """The real CLI over a directory of every kind of bad file: a gzip cut short loads what it has,
    a zstd cut inside its header fails (exit 2), the rest loads."""
    root = tmp_path / "corpus"
    root.mkdir()
    _write(root / "trunc.jsonl", lines(rec(1)) + '{"call_id": "c')
    _write(root / "utf8.jsonl", b'{"x": "\xff"}\n' + lines(rec(2)).encode())
    _write(root / "types.jsonl", lines(rec(3, input_tokens="NaN"), rec(4, ts="2025-13-45"), rec(5)))
    _write(root / "deep.jsonl", "[" * 10_000 + "]" * 10_000 + "\n" + lines(rec(6)))
    _write(root / "empty.jsonl", "")
    _write(root / "cut.jsonl.gz", _cut(".gz", lines(rec(100), rec(101)) + '{"call_id": "c10'))
    _write(root / "header.jsonl.zst", _compress(".zst", lines(rec(200)).encode())[:3])
    _write(root / "noise.txt", "hello")
    proc = subprocess.run([sys.executable, "-m", "mmaudit", "ingest", str(root), "--db", str(db)],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.returncode == 2 and "cut short" in proc.stdout + proc.stderr
    assert "partial" in proc.stdout and "failed" in proc.stdout
    assert sorted(call_ids(db)) == ["c1", "c100", "c101", "c2", "c5", "c6"]
    assert query(db, "SELECT count(*) FROM quarantine") == [(6,)]
    assert query(db, "SELECT count(*) FROM quarantine WHERE reason = ?", [CUT]) == [(1,)]


def _write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def test_an_empty_path_is_refused_not_read_as_the_current_directory(tmp_path, db, monkeypatch):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_text(lines(rec(1)))
    monkeypatch.chdir(tmp_path)  # an unset $LOGS in `mmaudit ingest "$LOGS"`
    code, _, output = ingest(db, "")
    assert code == 2 and "an empty path" in output and not db.exists()


def test_a_directory_without_logs_is_named_and_no_database_is_made(tmp_path, db):
    (tmp_path / "empty").mkdir()
    code, _, output = ingest(db, str(tmp_path / "empty"))
    assert code == 2 and f"no log files found in {tmp_path / 'empty'}" in output and not db.exists()


def test_a_directory_that_cannot_be_listed_is_an_error_not_a_silent_gap(tmp_path, db, monkeypatch):
    root = tmp_path / "logs"
    (root / "feb").mkdir(parents=True)
    (root / "jan.jsonl").write_text(lines(rec(1)))
    (root / "feb" / "feb.jsonl").write_text(lines(rec(2)))
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # what chmod 000 does for a user without root's override
        if str(path).endswith("feb"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, _, output = ingest(db, str(root))
    assert code == 2 and "feb: cannot list this directory (Permission denied)" in output


def test_a_database_directory_that_cannot_be_made_is_an_input_error(tmp_path):
    (tmp_path / "afile").write_text("not a directory")
    log = tmp_path / "a.jsonl"
    log.write_text(lines(rec(1)))
    code, _, output = ingest(tmp_path / "afile" / "sub" / "x.duckdb", str(log))
    assert code == 2 and "cannot create the database's directory" in output


def test_ctrl_c_during_categorize_leaves_the_categories_as_they_were(tmp_path, db, monkeypatch):
    from mmaudit.categorise.model import ModelBase

    prompts = ["translate 'good morning' into French", "summarise this meeting: we agreed to ship on Friday",
               "write a python function that reverses a list", "is 17 a prime number? explain step by step"]
    log = tmp_path / "a.jsonl"
    log.write_text(lines(*(rec(i, user_prompt=p) for i, p in enumerate(prompts))))
    assert ingest(db, str(log))[0] == 0
    before = query(db, "SELECT call_id, task, complexity, category_source FROM calls ORDER BY call_id")
    assert {r[3] for r in before} == {"model"}

    def interrupted(*_args: Any, **_kwargs: Any) -> None:  # Ctrl-C while the model predicts, after the rules wrote
        raise KeyboardInterrupt

    monkeypatch.setattr(ModelBase, "apply", interrupted)
    done = runner.invoke(app, ["categorize", "--db", str(db)])
    assert done.exit_code == 130 and "the database is as it was before" in done.output
    assert query(db, "SELECT call_id, task, complexity, category_source FROM calls ORDER BY call_id") == before


def test_ctrl_c_inside_the_model_resolver_stops_the_run_without_a_traceback(tmp_path, db, monkeypatch):
    from mmaudit.pricing import register

    log = tmp_path / "a.jsonl"
    log.write_text(lines(rec(1), rec(2, model="gpt-4o")))

    def resolver(con: Any, catalog: Any) -> str:  # DuckDB wraps a Ctrl-C in the UDF as InvalidInputException
        def boom(provider: str, model: str, gateway: str) -> str:
            raise KeyboardInterrupt
        name = f"mm_resolve_udf_{next(register._UDF_SERIAL)}"
        con.create_function(name, boom, ["VARCHAR"] * 3, "VARCHAR", null_handling="special", side_effects=False)
        return name

    monkeypatch.setattr(register, "_register_resolver", resolver)
    code, _, output = ingest(db, str(log))
    assert code == 130 and "interrupted" in output and "cannot read" not in output
    big = tmp_path / "big.jsonl"  # a file read alone (not in a batch of small files)
    big.write_text(lines(*(rec(i, user_prompt="x" * 2000) for i in range(800))))
    code, _, output = ingest(tmp_path / "big.duckdb", str(big))
    assert code == 130 and "interrupted" in output and "cannot read" not in output


def test_lines_of_only_tabs_or_no_break_spaces_are_blank_not_bad_json(tmp_path, db):
    log = tmp_path / "a.jsonl"
    log.write_text(lines(rec(1)) + "\t\n \t \n\u00a0\n" + lines(rec(2)))
    only = tmp_path / "b.jsonl"
    only.write_text("\t\n\t\n")
    code, data, _ = ingest(db, str(log), str(only))
    assert code == 0 and data is not None
    assert [(f["loaded"], f["quarantined"], f["status"]) for f in data["files"]] == [(2, 0, "loaded"), (0, 0, "empty")]
    assert data["total"]["skipped"] == 0 and reasons(db) == {}  # the total now carries every column


def test_a_database_without_its_calls_table_is_an_input_error_everywhere(tmp_path, db):
    log = tmp_path / "a.jsonl"
    log.write_text(lines(rec(1)))
    assert ingest(db, str(log))[0] == 0
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE calls")  # a user's SQL session
    for args in (["calls"], ["report"], ["categorize"], ["ingest", str(log)]):
        done = runner.invoke(app, [*args, "--db", str(db)])
        # was a CatalogException traceback, and ingest called the file "unchanged" and loaded nothing
        assert done.exit_code == 2 and "has no calls table" in done.output, (args, done.output)
