"""The fast categorisation plan (text cues per distinct text) gives exactly the reference SQL's answers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mmaudit.categorise import apply_categories, load_rules
from mmaudit.categorise.dataset import FEATURE_DDL, eval_set_path, load_examples
from mmaudit.categorise.plan import LEVEL_TABLES, ROWS_TABLE, TAG_TABLE
from mmaudit.categorise.sql import complexity_update_sql, task_update_sql

OUT = "SELECT example_id, task, complexity, category_confidence, category_source FROM {t} ORDER BY example_id"


def _reference(con: duckdb.DuckDBPyConnection, table: str, rules) -> None:
    """The semantics as first written: every regex on every row, one UPDATE for task, one for complexity."""
    con.execute(*task_update_sql(table, rules))
    con.execute(*complexity_update_sql(table, rules))


def _both(con: duckdb.DuckDBPyConnection, rules) -> tuple[list, list]:
    con.execute("CREATE TABLE ref AS SELECT * FROM fast")
    _reference(con, "ref", rules)
    apply_categories(con, "fast", rules)
    return con.execute(OUT.format(t="ref")).fetchall(), con.execute(OUT.format(t="fast")).fetchall()


def test_eval_set_identical_to_reference():
    con = duckdb.connect()
    load_examples(con, eval_set_path())
    con.execute("ALTER TABLE examples RENAME TO fast")
    ref, fast = _both(con, load_rules())
    assert fast == ref and len(fast) >= 300


RULES = """
tasks:
  other:
    cues:
      - {keywords: [zebra], field: system, weight: 2}
      - {pattern: '(?i)refund', field: response, weight: 1.5}
      - {pattern: 'zebra\\s+crossing', field: prompt, weight: 1}
      - {keywords: [stripes], field: instruction, weight: 0.1}
      - {keywords: [stripes], field: user, weight: 0.2}
      - {feature: instruction_count, min: 1, weight: 0.3}
      - {feature: response_chars, min: 5, weight: 0.1}
      - {pattern: '(?i)\\d+[^?]{0,50}stripes', prefilter: '(?i)stripes', field: instruction, weight: 0.4}
      - {pattern: 'zebra', prefilter: 'never-there', field: prompt, weight: 5}
tag_mappings:
  - {tag: route, pattern: '^/zoo', task: other, confidence: 0.7}
complexity:
  cues:
    - {pattern: '(?i)stripes', field: response, weight: 2.5}
"""


def _rows() -> list[dict]:
    base = [
        {"system_prompt": "You guard a zebra", "user_prompt": "crossing here? stripes", "response_text": "Refund ok"},
        {"system_prompt": None, "user_prompt": None, "response_text": None},
        {"system_prompt": "You guard a zebra", "user_prompt": "- must count stripes\n- never guess",
         "response_text": "stripes"},
        {"system_prompt": "", "user_prompt": "stripes " + "x" * 9000 + " zebra", "response_text": "no",
         "tags": {"route": "/zoo/1"}},
        {"system_prompt": "a", "user_prompt": "b", "tags": {"task": "Summarise", "complexity": "weird"}},
        {"system_prompt": "a", "user_prompt": "b", "tags": {"complexity": "COMPLEX"}, "operation": "embedding"},
        {"system_prompt": "a", "user_prompt": "b", "has_image": True, "n_messages": 9, "n_tools": 6},
        {"system_prompt": "a", "user_prompt": "b", "response_format": "JSON_SCHEMA", "output_tokens": 2000,
         "reasoning_tokens": 9000, "prompt_chars": 30000},
    ]
    return base * 3  # repeated texts share their cue evaluations


def test_user_rules_on_every_field_identical_to_reference(tmp_path: Path):
    path = tmp_path / "r.yaml"
    path.write_text(RULES)
    rules = load_rules(path)
    con = duckdb.connect()
    con.execute(FEATURE_DDL.format(table="fast"))
    cols = ["system_prompt", "user_prompt", "response_text", "tags", "operation", "has_image", "n_messages",
            "n_tools", "response_format", "output_tokens", "reasoning_tokens", "prompt_chars"]
    for i, row in enumerate(_rows()):
        con.execute(f"INSERT INTO fast (example_id, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})",
                    [i, *[row.get(c) for c in cols]])
    ref, fast = _both(con, rules)
    assert fast == ref
    assert {r[4] for r in fast} >= {"metadata", "operation", "tag", "rules", "default"}
    # the temp tables of the run are gone
    left = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert not left & {ROWS_TABLE, TAG_TABLE, *LEVEL_TABLES.values()}


def test_model_path_identical_to_reference_followed_by_model():
    pytest.importorskip("sklearn")
    from mmaudit.categorise import default_model

    model = default_model()
    if model is None:
        pytest.skip("bundled model cannot be loaded")
    rules = load_rules()
    con = duckdb.connect()
    load_examples(con, eval_set_path())
    con.execute("CREATE TABLE ref AS SELECT * FROM examples")
    con.execute(*task_update_sql("ref", rules))
    if model.complexity is None:  # format 2: the rules' complexity follows the model's task
        model.apply(con, "ref", min_confidence=rules.model.min_confidence)
        con.execute(*complexity_update_sql("ref", rules))
    else:  # format 3: the model reads the rules' task and complexity, then writes both
        con.execute(*complexity_update_sql("ref", rules))
        model.apply(con, "ref", min_confidence=rules.model.min_confidence)
    apply_categories(con, "examples", rules, model)
    assert con.execute(OUT.format(t="examples")).fetchall() == con.execute(OUT.format(t="ref")).fetchall()


def test_rules_without_text_cues_or_tag_mappings():
    from mmaudit.categorise.rules import Rules

    rules = Rules.model_validate({
        "tasks": {"chat": {"cues": [{"feature": "n_messages", "min": 2, "weight": 2}]}, "code": {}},
        "image_task": "chat",
        "complexity": {"thresholds": {"moderate": 1, "complex": 2}},
    })
    con = duckdb.connect()
    con.execute(FEATURE_DDL.format(table="fast"))
    con.execute("INSERT INTO fast (example_id, user_prompt, n_messages) VALUES (1, 'hi', 3), (2, NULL, 1)")
    ref, fast = _both(con, rules)
    assert fast == ref and [r[1] for r in fast] == ["chat", "chat"] and [r[4] for r in fast] == ["rules", "default"]


def test_prefilter_narrows_a_cue_and_is_checked(tmp_path: Path):
    from mmaudit.errors import ConfigError

    path = tmp_path / "r.yaml"
    path.write_text("tasks:\n  other:\n    cues:\n      - {pattern: 'zebra', prefilter: 'never-there', weight: 5}\n")
    con = duckdb.connect()
    con.execute(FEATURE_DDL.format(table="fast"))
    con.execute("INSERT INTO fast (example_id, user_prompt) VALUES (1, 'a zebra')")
    apply_categories(con, "fast", load_rules(path))
    assert con.execute("SELECT category_source FROM fast").fetchall() != [("rules",)]  # prefilter failed: no cue
    path.write_text("tasks:\n  other:\n    cues:\n      - {feature: n_tools, min: 1, prefilter: 'x'}\n")
    with pytest.raises(ConfigError, match="prefilter"):
        load_rules(path)
    path.write_text("tasks:\n  other:\n    cues:\n      - {pattern: 'zebra', prefilter: '(?<=z)ebra'}\n")
    with pytest.raises(ConfigError, match=r"tasks\.other\.cues\.0\.prefilter"):
        load_rules(path)
