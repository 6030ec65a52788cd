"""Labelled example files (JSONL) loaded into a DuckDB table shaped like the calls feature columns.

The evaluation set, training corpora and `mmaudit categorize train` input all use this format, one
JSON object per line:
  {"system": str?, "messages": [{"role", "content"}]? | "user": str?, "task": str, "complexity": str?,
   "operation"?, "has_image"?, "n_tools"?, "response_format"?, "output_tokens"?, "reasoning_tokens"?,
   "input_tokens"?, "tags"? {str: str}}
Loading through the same columns that ingest fills means evaluation exercises the real SQL.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mmaudit.errors import InputError
from mmaudit.jsonl import json_objects
from mmaudit.vocabulary import COMPLEXITIES, check_closed, did_you_mean

FEATURE_DDL = """
CREATE OR REPLACE TABLE {table} (
    example_id INTEGER, label_task VARCHAR, label_complexity VARCHAR,
    operation VARCHAR, tags MAP(VARCHAR, VARCHAR), system_prompt VARCHAR, user_prompt VARCHAR,
    response_text VARCHAR, prompt_chars BIGINT, n_messages INTEGER, n_tools INTEGER, has_image BOOLEAN,
    response_format VARCHAR, input_tokens BIGINT, output_tokens BIGINT, reasoning_tokens BIGINT,
    task VARCHAR, complexity VARCHAR, category_confidence DOUBLE, category_source VARCHAR
)"""


def eval_set_path() -> Path:
    """The labelled evaluation set shipped with the package."""
    return Path(str(resources.files("mmaudit.categorise").joinpath("data/eval_set.jsonl")))


def content_text(content: Any) -> str:
    """Message content as text: OpenAI-style content parts keep their text parts only."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def example_row(obj: dict[str, Any], index: int) -> dict[str, Any]:
    """One labelled example as a row of calls feature columns (what ingest would derive)."""
    messages = obj.get("messages") or [{"role": "user", "content": obj.get("user", "")}]
    system = obj.get("system")
    texts = [content_text(m.get("content")) for m in messages]
    users = [t for m, t in zip(messages, texts) if m.get("role") == "user"]
    has_image = obj.get("has_image") or any(
        isinstance(m.get("content"), list) and any(p.get("type") in ("image_url", "image") for p in m["content"])
        for m in messages
    )
    return {
        "example_id": index,
        "label_task": obj.get("task"),
        "label_complexity": obj.get("complexity"),
        "operation": obj.get("operation", "chat"),
        "tags": obj.get("tags"),
        "system_prompt": system,
        "user_prompt": users[-1] if users else None,
        "response_text": obj.get("response"),
        "prompt_chars": len(system or "") + sum(len(t) for t in texts),
        "n_messages": len(messages) + (1 if system else 0),
        "n_tools": obj.get("n_tools", 0),
        "has_image": bool(has_image),
        "response_format": obj.get("response_format"),
        "input_tokens": obj.get("input_tokens"),
        "output_tokens": obj.get("output_tokens"),
        "reasoning_tokens": obj.get("reasoning_tokens", 0),
    }


def read_labelled(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) of a labelled JSONL file; a line without a string `task`, or with a
    `complexity` that is not one of the three levels, is an InputError naming file and line (an
    unknown level would otherwise be trained as a fourth one, or silently left out)."""
    found = list(json_objects(path))
    for number, obj in found:
        if not isinstance(obj.get("task"), str):
            raise InputError(f"{path}:{number}: expected an object with a string 'task'")
        if problem := check_closed("task", obj["task"]):  # a misspelt task was scored, and trained, as a class
            raise InputError(f"{path}:{number}: {problem}")
        level = obj.get("complexity")
        if level is not None and level not in COMPLEXITIES:
            raise InputError(f"{path}:{number}: 'complexity' must be simple, moderate or complex (or absent), "
                             f"found {level!r}{did_you_mean(str(level), COMPLEXITIES)}")
        if problem := _shape_problem(obj):
            raise InputError(f"{path}:{number}: {problem}")
    if not found:
        raise InputError(f"{path}: no labelled examples")
    return found


# (`response_format` is read as text whatever its JSON type: some training lines give a number)
_TEXTS = ("system", "user", "response", "operation")
_COUNTS = ("n_tools", "input_tokens", "output_tokens", "reasoning_tokens")


def _shape_problem(obj: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a labelled line's optional fields (None when nothing is)."""
    for key in _TEXTS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"'{key}' must be a string, found {obj[key]!r:.60}"
    for key in _COUNTS:
        value = obj.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0
                                  or not float(value).is_integer()):
            return f"'{key}' must be a whole number >= 0, found {value!r:.60}"
    messages = obj.get("messages")
    if messages is not None and not (isinstance(messages, list) and all(isinstance(m, dict) for m in messages)):
        return f"'messages' must be a list of {{role, content}} objects, found {messages!r:.60}"
    if obj.get("has_image") is not None and not isinstance(obj["has_image"], bool):
        return f"'has_image' must be true or false, found {obj['has_image']!r:.60}"
    if obj.get("tags") is not None and not isinstance(obj["tags"], dict):
        return f"'tags' must be an object of tag: value, found {obj['tags']!r:.60}"
    return None


def read_examples(path: Path) -> list[dict[str, Any]]:
    """Parse a labelled JSONL file into rows (`example_id` = line number)."""
    return [example_row(obj, number) for number, obj in read_labelled(path)]


def load_examples(con: duckdb.DuckDBPyConnection, path: Path, table: str = "examples") -> int:
    """Create `table` from a labelled JSONL file; returns the number of examples."""
    return load_rows(con, read_examples(path), table)


def load_rows(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], table: str = "examples") -> int:
    """Create `table` from `example_row` rows; returns the number of rows."""
    frame = pd.DataFrame(rows)
    frame["tags"] = frame["tags"].map(lambda t: {str(k): str(v) for k, v in t.items()} if isinstance(t, dict) else None)
    con.execute(FEATURE_DDL.format(table=table))
    con.register("_examples_df", frame)
    try:
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT * REPLACE (tags::MAP(VARCHAR, VARCHAR) AS tags) FROM _examples_df"
        )
    finally:
        con.unregister("_examples_df")
    return len(rows)
