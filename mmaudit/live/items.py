"""The prompts a live run may send: a sample file read, then re-checked against the database.

A sample line (JSONL) carries `call_id` and/or `prompt_hash` and, optionally, the prompt as
`messages` (OpenAI style) or `system` + `user` (or `prompt`), plus `task`, `complexity` and
`response` (the logged answer). Whatever the file says, every line is looked up in `calls`: a
line matching any call stored with --redact-text (by call_id or by prompt_hash; a call from before
the redaction flag existed counts as redacted) is refused and never sent, and so is a line whose
text hashes (as ingest hashes prompts) to such a call's prompt_hash. Text missing from the
file is taken from the logged call; the logged answer comes from the database when it has one.
The lookups are two LEFT JOIN aggregates over the whole sample, not a query per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mmaudit.categorise.dataset import content_text
from mmaudit.errors import InputError
from mmaudit.formats import macros
from mmaudit.jsonl import json_objects


@dataclass
class Item:
    """One sampled prompt, ready to send."""

    key: str  # call_id, else prompt_hash
    call_id: str | None
    prompt_hash: str | None
    messages: list[dict[str, str]]
    task: str | None = None
    complexity: str | None = None
    reference: str | None = None  # the logged answer
    logged_output_tokens: int | None = None


@dataclass
class Checked:
    """The sample after the database check: what may be sent and what was set aside, and why."""

    items: list[Item] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # redacted calls (keys)
    no_text: list[str] = field(default_factory=list)  # no prompt text anywhere
    duplicates: int = 0
    not_logged: int = 0  # keys not found among logged calls


def _messages(obj: dict[str, Any]) -> list[dict[str, str]]:
    if isinstance(obj.get("messages"), list):
        return [
            {"role": str(m.get("role", "user")), "content": content_text(m.get("content"))}
            for m in obj["messages"]
            if isinstance(m, dict)
        ]
    out = [{"role": "system", "content": obj["system"]}] if isinstance(obj.get("system"), str) else []
    user = obj.get("user", obj.get("prompt"))
    return out + ([{"role": "user", "content": user}] if isinstance(user, str) else [])


def read_sample(path: Path) -> list[dict[str, Any]]:
    """Parse the sample file; a bad line is an InputError naming the file and line."""
    rows = []
    for number, obj in json_objects(path):
        ids = {k: obj.get(k) for k in ("call_id", "prompt_hash")}
        if not any(isinstance(v, str) and v for v in ids.values()):
            raise InputError(
                f"{path}:{number}: a sample line needs a 'call_id' or a 'prompt_hash' (found keys "
                f"{sorted(obj)})"
            )
        rows.append(
            {
                "line": number,
                "call_id": obj.get("call_id") or None,
                "prompt_hash": obj.get("prompt_hash") or None,
                "obj": obj,
            }
        )
    if not rows:
        raise InputError(f"{path}: no sample lines")
    return rows


_LOOKUP = """
SELECT s.line, count(c.call_id) AS found, coalesce(bool_or(c.text_redacted IS NOT false), false) AS redacted,
       arg_max(c.prompt_hash, c.ts) AS prompt_hash, arg_max(c.system_prompt, c.ts) AS system_prompt,
       arg_max(c.user_prompt, c.ts) AS user_prompt,
       arg_max(c.response_text, c.ts) FILTER (WHERE c.status = 'ok' AND c.response_text IS NOT NULL) AS reference,
       arg_max(c.task, c.ts) AS task, arg_max(c.complexity, c.ts) AS complexity,
       max(c.output_tokens) AS output_tokens
FROM _live_sample s LEFT JOIN calls c ON c.{column} = s.{key}
WHERE s.{key} IS NOT NULL GROUP BY s.line"""


def _lookup(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]
) -> dict[str, dict[int, dict[str, Any]]]:
    texts = ["\n".join(m["content"] for m in _messages(r["obj"])) or None for r in rows]
    frame = pd.DataFrame(
        [
            {"line": r["line"], "call_id": r["call_id"], "prompt_hash": r["prompt_hash"], "text": t}
            for r, t in zip(rows, texts)
        ]
    )
    frame = frame.astype({"call_id": "object", "prompt_hash": "object", "text": "object"})
    macros.install(con)  # mm_prompt_hash: the file's text hashed exactly as ingest hashes a prompt
    con.register("_live_sample_text", frame)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _live_sample AS SELECT line, call_id, prompt_hash,"
            " mm_prompt_hash(NULL, text) AS text_hash FROM _live_sample_text"
        )
        found = {}
        for key in ("call_id", "prompt_hash", "text_hash"):  # fixed identifiers, not user text
            cur = con.execute(
                _LOOKUP.format(key=key, column="call_id" if key == "call_id" else "prompt_hash")
            )
            names = [d[0] for d in cur.description]
            found[key] = {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
        return found
    finally:
        con.unregister("_live_sample_text")
        con.execute("DROP TABLE IF EXISTS _live_sample")


def check_sample(con: duckdb.DuckDBPyConnection, path: Path) -> Checked:
    """Read `path` and keep only lines that may be sent (see the module docstring)."""
    rows = read_sample(path)
    found = _lookup(con, rows)
    checked, seen = Checked(), set()
    for row in rows:
        by_id, by_hash = found["call_id"].get(row["line"]), found["prompt_hash"].get(row["line"])
        by_text = found["text_hash"].get(row["line"])
        key = row["call_id"] or row["prompt_hash"]
        if key in seen:
            checked.duplicates += 1
            continue
        seen.add(key)
        matches = [m for m in (by_id, by_hash) if m and m["found"]]
        if any(m["redacted"] for m in matches) or (by_text and by_text["redacted"]):
            checked.refused.append(key)
            continue
        checked.not_logged += not matches
        logged = matches[0] if matches else {}
        obj = row["obj"]
        messages = _messages(obj)
        if not messages and logged.get("user_prompt"):
            messages = (
                [{"role": "system", "content": logged["system_prompt"]}]
                if logged.get("system_prompt")
                else []
            )
            messages.append({"role": "user", "content": logged["user_prompt"]})
        if not any(m["role"] == "user" and m["content"] for m in messages):
            checked.no_text.append(key)
            continue
        checked.items.append(
            Item(
                key=key,
                call_id=row["call_id"],
                prompt_hash=row["prompt_hash"] or logged.get("prompt_hash"),
                messages=messages,
                task=obj.get("task") or logged.get("task"),
                complexity=obj.get("complexity") or logged.get("complexity"),
                reference=logged.get("reference") or obj.get("response"),
                logged_output_tokens=logged.get("output_tokens") or obj.get("output_tokens"),
            )
        )
    return checked
