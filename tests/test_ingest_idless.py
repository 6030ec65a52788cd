"""Records the log gave no id are keyed on the record without its layout, so a re-serialised copy
of a log (a JSON array saved again as JSON Lines, pretty-printed, `jq -c`) is read as the calls it
already stored, not as more spend; and two records that differ anywhere stay two calls.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mmaudit import store
from mmaudit.schema import CALL_HASH_SQL
from tests.conftest import Loaded, rows, write_jsonl
from tests.test_formats_openai_chat import BODY


def records() -> list[dict]:
    """Three id-less answers, the last two identical (two calls that happened to say the same)."""
    base = {k: v for k, v in BODY.items() if k != "id"}
    first = {**base, "usage": {**base["usage"], "prompt_tokens": 2000}, "created": 1718000100}
    return [first, base, base]


def spend(db: Loaded) -> tuple[int, object]:
    return tuple(db.con.execute("SELECT count(*), sum(cost_usd) FROM calls").fetchall()[0])


def test_a_reserialised_copy_of_an_id_less_log_adds_no_calls(db, tmp_path):
    log = write_jsonl(tmp_path / "calls.jsonl", records())  # json.dumps: ", " and ": " separators
    as_array = tmp_path / "calls.json"
    as_array.write_text(json.dumps(records(), indent=2))
    compact = tmp_path / "compact.jsonl"  # `jq -c`: no spaces, non-ASCII written as itself
    compact.write_text("".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n"
                                      for r in records()))

    first = db.ingest(log).files[0]
    assert (first.loaded, first.duplicates) == (3, 0)  # the two identical answers stay two calls
    once = spend(db)
    for copy in (as_array, compact):
        result = db.ingest(copy).files[0]
        assert (result.records, result.loaded, result.duplicates) == (3, 0, 3)
    assert spend(db) == once


def test_copies_ingested_together_store_the_calls_once(db, tmp_path):
    log = write_jsonl(tmp_path / "calls.jsonl", records())
    as_array = tmp_path / "calls.json"
    as_array.write_text(json.dumps(records(), indent=2))
    result = db.ingest(log, as_array)  # small files: staged as one batch
    assert [(f.loaded, f.duplicates) for f in result.files] == [(3, 0), (0, 3)]
    assert spend(db)[0] == 3


def test_a_grown_log_stored_with_line_keyed_ids_is_read_against_them(db, tmp_path):
    """A database written before content keys holds ids keyed on the line's bytes: the calls it
    stored are recognised when the log has grown, and only the new line is added."""
    lines = [json.dumps(r) for r in records()]
    log = write_jsonl(tmp_path / "calls.jsonl", lines)
    db.ingest(log)
    occurrence: dict[str, int] = {}
    legacy = []
    for line in lines:
        digest = hashlib.md5(line.encode()).hexdigest()
        occurrence[digest] = occurrence.get(digest, 0) + 1
        legacy.append(f"h-{digest}-{occurrence[digest]}")
    for source_line, call_id in enumerate(legacy, start=1):
        db.con.execute(f"UPDATE calls SET call_id = ?, call_hash = {CALL_HASH_SQL.format(id='?')} WHERE source_line = ?",
                       [call_id, call_id, source_line])
    db.con.close()  # a database written by an earlier version is opened by a new process
    db.con = store.connect(db.db)
    grown = {**records()[0], "created": 1718000900}
    write_jsonl(log, [*lines, json.dumps(grown)])
    result = db.ingest(log).files[0]
    assert (result.loaded, result.duplicates) == (1, 3)
    stored = rows(db.con, "SELECT call_id FROM calls ORDER BY source_line")
    assert [r["call_id"] for r in stored][:3] == legacy


def test_records_that_differ_in_what_they_say_are_different_calls(db, tmp_path):
    a, b = records()[0], {**records()[0], "created": 1718000101}
    first = write_jsonl(tmp_path / "a.jsonl", [a])
    second = tmp_path / "b.json"
    second.write_text(json.dumps([b], indent=2))
    db.ingest(first)
    assert db.ingest(Path(second)).files[0].loaded == 1
    assert spend(db)[0] == 2


def test_different_error_bodies_in_two_files_stay_two_calls(db, tmp_path):
    """Two real OpenAI 400 bodies (pydantic-ai's recorded calls): no id, time, model or text, and
    the same error type and status; only their codes and messages differ."""
    first = {"error": {"message": "Unsupported value: 'temperature' does not support 0.5 with this model.",
                       "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}}
    second = {"error": {"message": "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, "
                                   "but got 0 instead.", "type": "invalid_request_error", "param": "max_tokens",
                        "code": "integer_below_min_value"}}
    db.ingest(write_jsonl(tmp_path / "a.jsonl", [first]))
    db.ingest(write_jsonl(tmp_path / "b.jsonl", [second]))
    assert db.con.execute("SELECT count(*), count(*) FILTER (WHERE status = 'error') FROM calls").fetchall() == [(2, 2)]
