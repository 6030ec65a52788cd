"""Helpers for the per-format tests: compare EVERY canonical column of every loaded record.

A format test states the full expected row; the text-feature columns default to "no text"
so tests of log formats that carry no prompt need not repeat them. `ANY` matches any non-NULL.
"""

from __future__ import annotations

from typing import Any

from mmaudit.schema import CANONICAL_COLUMNS

ANY = object()

NO_TEXT: dict[str, Any] = {
    "tokens_estimated": False,
    "prompt_hash": None,
    "system_prompt": None,
    "user_prompt": None,
    "response_text": None,
    "prompt_chars": None,
    "n_messages": None,
    "n_tools": None,
    "has_image": False,
    "response_format": None,
    # migration 0003: what a record means when its format does not log them
    "cache_write_1h_tokens": 0,
    "service_tier": None,
    "sample_weight": 1.0,
    # migration 0007
    "web_searches": 0,
    # migration 0008
    "input_audio_tokens": 0,
    "cached_audio_tokens": 0,
    "output_audio_tokens": 0,
    # migration 0009
    "input_image_tokens": 0,
    "cached_image_tokens": 0,
    "output_image_tokens": 0,
    # migration 0010
    "citation_tokens": 0,
    # migration 0011
    "file_searches": 0,
}


def assert_calls(rows: list[dict], expected: list[dict]) -> None:
    """Each row matches its expected dict on every canonical column (defaults from NO_TEXT)."""
    assert len(rows) == len(expected), [r["call_id"] for r in rows]
    for row, want in zip(rows, expected, strict=True):
        full = {**NO_TEXT, **want}
        missing = set(CANONICAL_COLUMNS) - set(full)
        assert not missing, f"test does not state {sorted(missing)}"
        for col in CANONICAL_COLUMNS:
            got, exp = row[col], full[col]
            if exp is ANY:
                assert got is not None, f"{row['call_id']}: {col} is NULL"
            elif isinstance(exp, float) and got is not None:
                assert abs(float(got) - exp) < 1e-6, f"{row['call_id']}: {col} = {got!r}, expected {exp!r}"
            else:
                assert got == exp, f"{row['call_id']}: {col} = {got!r}, expected {exp!r}"


def test_assert_calls_names_the_column() -> None:
    row = {c: None for c in CANONICAL_COLUMNS} | NO_TEXT | {"call_id": "x", "status": "ok"}
    want = {c: None for c in CANONICAL_COLUMNS} | NO_TEXT | {"call_id": "x", "status": "error"}
    try:
        assert_calls([row], [want])
    except AssertionError as exc:
        assert "status" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("mismatch not reported")


def test_paths_tree_writes_each_shared_prefix_once():
    from mmaudit.formats.base import paths_tree

    assert paths_tree(["a.b", "a.c.d", "e", "a.c.f", "[].x", "[].y.z"]) == "a.{b, c.{d, f}}, e, [].{x, y.z}"
    assert paths_tree(["usage.input_tokens"]) == "usage.input_tokens"
    assert paths_tree([]) == ""


def test_formats_table_shows_the_tree_and_json_every_path():
    import json

    from typer.testing import CliRunner

    from mmaudit.cli import app
    from mmaudit.formats import FORMATS

    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["formats", "--format", "json"]).stdout)
    by_name = {row["name"]: row for row in data["formats"]}
    anthropic = next(f for f in FORMATS if f.name == "anthropic-messages")
    assert by_name["anthropic-messages"]["fields"] == ", ".join(anthropic.fields_read())
    md = runner.invoke(app, ["formats", "--format", "markdown"]).stdout
    assert "usage.{input_tokens, output_tokens, cache_creation_input_tokens" in md
    assert "a.{b, c} reads a.b and a.c" in md
