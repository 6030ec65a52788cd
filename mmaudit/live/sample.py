"""`mmaudit evals sample`: logged prompts to re-run on candidate models, at most N per task x complexity.

One call per distinct prompt, chosen by the stored call hash (a stable, uniform draw: the same
database gives the same sample). Only calls whose text was kept are exported: a call ingested
with --redact-text, or stored before the redaction flag existed (text_redacted NULL), is never
exported, nor is any call sharing its prompt_hash. The measured-quality work ships a
spend-weighted `evals sample` too; both write lines `evals run` reads (docs/evals.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mmaudit.errors import InputError

_SAMPLE_SQL = """
WITH redacted AS (SELECT DISTINCT prompt_hash FROM calls WHERE text_redacted IS NOT false AND prompt_hash IS NOT NULL),
eligible AS (
    SELECT c.call_id, c.prompt_hash, c.task, c.complexity, c.model, c.system_prompt, c.user_prompt,
           c.output_tokens, c.call_hash,
           row_number() OVER (PARTITION BY coalesce(c.prompt_hash, c.call_id) ORDER BY c.call_hash, c.call_id) AS k
    FROM calls c
    WHERE c.text_redacted = false AND c.status = 'ok' AND c.user_prompt IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM redacted r WHERE r.prompt_hash = c.prompt_hash)),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY task, complexity ORDER BY call_hash, call_id) AS r
    FROM eligible WHERE k = 1)
SELECT call_id, prompt_hash, task, complexity, model, system_prompt, user_prompt, output_tokens
FROM ranked WHERE r <= ? ORDER BY task, complexity, r"""


@dataclass
class SampleResult:
    lines: int
    cells: dict[tuple[str | None, str | None], int]
    excluded_redacted: int


def write_sample(con: duckdb.DuckDBPyConnection, per_cell: int, out: Path) -> SampleResult:
    """Write the sample to `out` (JSONL, one prompt per line); returns what was written."""
    if per_cell < 1:
        raise InputError(f"--per-cell must be at least 1 (found {per_cell})")
    rows = con.execute(_SAMPLE_SQL, [per_cell]).fetchall()
    redacted = con.execute("SELECT count(*) FROM calls WHERE text_redacted IS NOT false").fetchall()[0][0]
    cells: dict[tuple[str | None, str | None], int] = {}
    try:
        with open(out, "w", encoding="utf-8") as fh:
            for call_id, prompt_hash, task, complexity, model, system, user, output_tokens in rows:
                line = {
                    "call_id": call_id,
                    "prompt_hash": prompt_hash,
                    "task": task,
                    "complexity": complexity,
                    "model": model,
                    "system": system,
                    "user": user,
                    "output_tokens": output_tokens,
                }
                fh.write(
                    json.dumps({k: v for k, v in line.items() if v is not None}, ensure_ascii=False) + "\n"
                )
                cells[(task, complexity)] = cells.get((task, complexity), 0) + 1
    except OSError as exc:
        raise InputError(f"{out}: cannot write: {exc}") from None
    return SampleResult(len(rows), cells, redacted)
