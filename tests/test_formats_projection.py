"""The SQL `LogFormat.projection_sql` builds: helpers in as few layers as their references allow,
the prompt and output texts bound once, and the error classes of `mm_error_type`."""

from __future__ import annotations

import pytest

from mmaudit.formats import hosts, macros
from mmaudit.formats.base import LogFormat, _helper_layers, bind_once

TOY = LogFormat(
    name="toy",
    description="a format for these tests",
    structure={"n": "VARCHAR", "sys": "VARCHAR", "user": "VARCHAR", "answer": "VARCHAR"},
    detect="r.n IS NOT NULL",
    detect_hint="an `n`",
    helpers={
        "_a": "CAST(r.n AS INTEGER) + 1",  # reads the record
        "_b": "_a * 10",  # reads _a: a layer after it
        "_c": "CAST(r.n AS INTEGER) * 2",  # reads the record: beside _a
        "_d": "_b + _c",  # reads _b and _c: a layer after _b
    },
    columns={
        "call_id": "r.n",
        "model": "'gpt-4o-mini'",
        "input_tokens": "_d",
        "output_tokens": "_a",
        "prompt_chars": "length(concat_ws(chr(10), r.sys, r.user))",
        "response_text": "upper(r.answer)",
    },
    prompt_text="concat_ws(chr(10), r.sys, r.user)",
    output_text="upper(r.answer)",
)


def test_helpers_sit_in_the_first_layer_after_every_helper_they_read() -> None:
    layers = _helper_layers(TOY.helpers)
    assert [[name for name, _sql in layer] for layer in layers] == [["_a", "_c"], ["_b"], ["_d"]]
    assert _helper_layers({}) == []


def test_a_name_that_only_looks_like_a_helper_costs_a_layer_not_a_wrong_read() -> None:
    # `r._a` is a JSON key spelt like the helper: read as a reference, it moves `_x` a layer down
    layers = _helper_layers({"_a": "1", "_x": "r._a"})
    assert [[name for name, _sql in layer] for layer in layers] == [["_a"], ["_x"]]


@pytest.fixture
def con(db):
    macros.install(db.con)
    hosts.install(db.con)
    return db.con


def test_projection_reads_helpers_and_texts_as_written(con) -> None:
    con.execute("""CREATE TEMP TABLE _parsed AS SELECT 1::BIGINT AS line_no, NULL::VARCHAR AS line,
                   from_json('{"n": "4", "sys": "Be brief.", "user": "Hi", "answer": "hello"}', ?) AS r""",
                [TOY.structure_json()])
    sql = TOY.projection_sql("_parsed")
    assert sql.count("length(_prompt_text)") == 1 and sql.count("upper(r.answer)") == 1  # each text bound once
    row = con.execute(f"SELECT input_tokens, output_tokens, prompt_chars, response_text, _prompt_text, _output_text "
                      f"FROM ({sql})").fetchall()
    # _a = 5, _b = 50, _c = 8, _d = 58; the prompt "Be brief.\nHi" is 12 characters
    assert row == [(58, 5, 12, "HELLO", "Be brief.\nHi", "HELLO")]


@pytest.mark.parametrize(("http", "code", "expected"), [
    (429, None, "rate_limit"),
    (None, "Rate_Limit_Exceeded", "rate_limit"),
    (None, "Rate limit reached", "client"),  # (the words apart are no rate_limit code)
    (504, None, "timeout"),
    (None, "DEADLINE_EXCEEDED", "timeout"),
    (503, "overloaded_error", "server"),
    (400, "content_policy_violation", "content_filter"),
    (400, "context_length_exceeded", "context_length"),
    (401, None, "auth"),
    (None, "invalid_api_key", "auth"),
    (404, None, "client"),
    (None, "something else", "client"),
    (200, None, None),
    (None, None, None),
])
def test_error_classes(con, http, code, expected) -> None:
    assert con.execute("SELECT mm_error_type(?::INTEGER, ?::VARCHAR)", [http, code]).fetchall()[0][0] == expected


def test_error_class_of_a_text_alone_with_a_null_literal_status(con) -> None:
    # (openai-chat asks `mm_error_type(NULL, text)` whether a text alone says rate limit)
    assert con.execute("SELECT mm_error_type(NULL, 'quota exceeded')").fetchall()[0][0] == "rate_limit"


def test_bind_once_reads_a_value_written_once(con) -> None:
    value = "{'a': 2 + 3, 'b': 'x'}"
    sql = bind_once("_v", value, "_v.a * _v.a || _v.b")
    assert sql.count("2 + 3") == 1
    assert con.execute(f"SELECT {sql}").fetchall() == [("25x",)]
