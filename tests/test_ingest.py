"""The ingest pipeline: bad lines, idempotence, compression, strictness, token estimation."""

from __future__ import annotations

import json
import os

import pytest
import zstandard

from mmaudit.errors import InputError
from tests.conftest import write_jsonl
from tests.test_formats_openai_chat import BODY


def body(i: int, **usage) -> dict:
    return {**BODY, "id": f"chatcmpl-{i}", "usage": {"prompt_tokens": 10 * i, "completion_tokens": i, **usage}}


def test_broken_lines_are_quarantined_with_line_numbers(db, tmp_path):
    lines = [body(1), "this is not json", "", body(2), '["an", "array"]',
             {**body(3), "usage": {"prompt_tokens": "NaN", "completion_tokens": 1}}, body(4), '{"id": "chatcmpl-5", "obj']
    result = db.ingest(write_jsonl(tmp_path / "broken.jsonl", lines))
    f = result.files[0]
    assert (f.records, f.loaded, f.quarantined, f.status) == (7, 3, 4, "loaded")
    assert [c["call_id"] for c in db.calls()] == ["chatcmpl-1", "chatcmpl-2", "chatcmpl-4"]
    assert [c["source_line"] for c in db.calls()] == [1, 4, 7]
    q = [(r["source_line"], r["reason"]) for r in db.quarantine()]
    assert q == [
        (2, "not valid JSON"),
        (5, "a JSON array, not an object"),
        (6, "usage.prompt_tokens is NaN, not a token count"),
        (8, "last line is cut short (incomplete JSON)"),
    ]
    assert db.quarantine()[0]["raw"] == "this is not json"


def test_a_record_with_several_bad_values_gives_every_reason_in_one_quarantine_row(db, tmp_path):
    bad = {**body(1), "timestamp": "yesterday-ish",
           "usage": {"prompt_tokens": "NaN", "completion_tokens": -3, "total_tokens": 7}}
    result = db.ingest(write_jsonl(tmp_path / "bad.jsonl", [bad, body(2)]))
    assert (result.files[0].loaded, result.files[0].quarantined) == (1, 1)
    (row,) = db.quarantine()
    assert row["source_line"] == 1
    assert row["reason"] == ("usage.prompt_tokens is NaN, not a token count; usage.completion_tokens is -3, "
                             "not a token count; timestamp is yesterday-ish, not a timestamp (ISO 8601 or epoch "
                             "s/ms, years 1970-2199)")
def test_reingest_adds_nothing(db, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [body(1), body(2), "garbage"])
    first = db.ingest(path).files[0]
    second = db.ingest(path).files[0]
    assert (first.loaded, first.duplicates) == (2, 0)
    # the same bytes were loaded before: the file is not read again
    assert (second.status, second.records, second.loaded) == ("unchanged", 0, 0)
    assert "not read again" in second.message
    assert len(db.calls()) == 2 and len(db.quarantine()) == 1


def test_a_line_that_reads_on_a_later_run_leaves_the_quarantine(db, tmp_path):
    """A log still being written: its half-written last line is quarantined, and once complete it
    loads; the line was then in `calls` and still in `quarantine`. Lines still bad stay."""
    whole = json.dumps(body(2))
    path = tmp_path / "growing.jsonl"
    path.write_text(json.dumps(body(1)) + "\ngarbage\n" + whole[:40], encoding="utf-8")
    first = db.ingest(path).files[0]
    assert (first.loaded, first.quarantined) == (1, 2)
    path.write_text(json.dumps(body(1)) + "\ngarbage\n" + whole + "\n", encoding="utf-8")
    db.ingest(path)
    assert [(c["call_id"], c["source_line"]) for c in db.calls()] == [("chatcmpl-1", 1), ("chatcmpl-2", 3)]
    assert [(q["source_line"], q["reason"]) for q in db.quarantine()] == [(2, "not valid JSON")]


def test_a_file_read_with_the_wrong_format_then_detected_keeps_no_quarantine(db, tmp_path):
    path = write_jsonl(tmp_path / "chat.jsonl", [body(1), body(2)])
    wrong = db.ingest(path, log_format="anthropic-messages").files[0]
    assert (wrong.loaded, wrong.quarantined) == (0, 2)
    right = db.ingest(path).files[0]
    assert (right.loaded, len(db.calls()), db.quarantine()) == (2, 2, [])


def test_a_changed_file_is_read_again_even_with_the_same_size_and_time(db, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [body(1), body(2)])
    db.ingest(path)
    stat = path.stat()
    text = path.read_text()
    path.write_text(text.replace("chatcmpl-2", "chatcmpl-9"))  # one byte differs, same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = db.ingest(path).files[0]
    assert (again.status, again.records, again.loaded, again.duplicates) == ("loaded", 2, 1, 1)
    # read another way (a forced format), the unchanged file is read again too
    forced = db.ingest(path, log_format="openai-chat").files[0]
    assert (forced.status, forced.records, forced.loaded) == ("loaded", 2, 0)


def test_duplicate_ids_within_a_file_count_once(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "dup.jsonl", [body(1), body(1), body(2)])).files[0]
    assert (result.loaded, result.duplicates) == (2, 1)


def test_gzip_and_zstd_files(db, tmp_path):
    gz = write_jsonl(tmp_path / "a.jsonl.gz", [body(1), body(2)])
    zst = tmp_path / "b.jsonl.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress((json.dumps(body(3)) + "\n").encode()))
    result = db.ingest(gz, zst)
    assert [f.loaded for f in result.files] == [2, 1]
    assert sorted(c["call_id"] for c in db.calls()) == ["chatcmpl-1", "chatcmpl-2", "chatcmpl-3"]


def test_directory_is_walked_for_log_files(db, tmp_path):
    (tmp_path / "logs" / "sub").mkdir(parents=True)
    write_jsonl(tmp_path / "logs" / "a.jsonl", [body(1)])
    write_jsonl(tmp_path / "logs" / "sub" / "b.jsonl", [body(2)])
    (tmp_path / "logs" / "README.txt").write_text("not a log")
    result = db.ingest(tmp_path / "logs")
    assert len(result.files) == 2 and result.total("loaded") == 2


def test_strict_loads_nothing_of_a_file_with_bad_lines(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "s.jsonl", [body(1), "bad"]), strict=True)
    assert result.files[0].status == "rejected"
    assert db.calls() == [] and db.quarantine() == []


def test_missing_file_is_an_input_error(db, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        db.ingest(tmp_path / "nope.jsonl")


def test_unknown_format_says_what_was_considered(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "other.jsonl", [{"foo": 1}, {"bar": 2}]))
    f = result.files[0]
    assert f.status == "failed"
    assert "openai-chat" in f.message and "anthropic-messages" in f.message and "--log-format" in f.message


def test_mixed_formats_in_one_file_each_record_detected(db, tmp_path):
    from tests.test_formats_anthropic import BARE

    result = db.ingest(write_jsonl(tmp_path / "mixed.jsonl", [body(1), body(2), BARE])).files[0]
    assert (result.loaded, result.quarantined) == (3, 0)
    assert {c["source_format"] for c in db.calls()} == {"openai-chat", "anthropic-messages"}


def test_tokens_counted_offline_when_usage_is_missing(db, tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))  # nothing cached, no download
    rec = {"request": {"model": "gpt-4", "messages": [{"role": "user", "content": "hello world"}]},
           "response": {"id": "chatcmpl-x", "object": "chat.completion", "model": "gpt-4-0613",
                        "choices": [{"message": {"role": "assistant", "content": "Hi there"}}]}}
    result = db.ingest(write_jsonl(tmp_path / "nousage.jsonl", [rec, body(1)])).files[0]
    assert result.estimated == 1
    est, counted = db.calls()
    # cl100k_base: "hello world" is 2 tokens, "Hi there" is 2 tokens
    assert (est["input_tokens"], est["output_tokens"], est["tokens_estimated"]) == (2, 2, True)
    assert counted["tokens_estimated"] is False


def test_invalid_utf8_line_is_quarantined_and_others_keep_their_numbers(db, tmp_path):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b"\n".join([json.dumps(body(1)).encode(), b'{"id": "\xff\xfe"}', json.dumps(body(2)).encode()]) + b"\n")
    result = db.ingest(path).files[0]
    assert (result.loaded, result.quarantined) == (2, 1)
    assert [c["source_line"] for c in db.calls()] == [1, 3]
    assert db.quarantine()[0]["reason"] == "line is not valid UTF-8 text"
    assert db.quarantine()[0]["source_line"] == 2


def test_redact_text_stores_no_text(db, tmp_path):
    from tests.test_formats_openai_chat import PAIR

    db.ingest(write_jsonl(tmp_path / "p.jsonl", [PAIR, "broken secret line"]), redact_text=True)
    (row,) = db.calls()
    assert row["system_prompt"] is None and row["user_prompt"] is None and row["response_text"] is None
    assert row["prompt_hash"] is not None and row["prompt_chars"] > 0
    assert db.quarantine()[0]["raw"] is None
