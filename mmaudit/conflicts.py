"""Duplicate request ids whose records disagree.

Ingest keeps the FIRST record of a `call_id` (in the file, or already stored) and counts the
later ones as duplicates: re-ingesting a file must add nothing. When a later record with the
same id says something different (other tokens, model, status or time), that is not a harmless
repeat but a log problem (an id reused, a retried request logged twice): it is counted and
reported as "N duplicate id(s) with different content", so it never passes silently.

Formats that repeat a call by design (Claude Code writes one line per content block, each with
its own timestamp) are left out.
"""

from __future__ import annotations

import duckdb

EXPECTED_REPEATS = ("claude-code",)

_FIELDS = ("ts", "model", "status", "input_tokens", "cached_input_tokens", "cache_write_tokens",
           "output_tokens", "reasoning_tokens", "http_status")


def _fingerprint(alias: str) -> str:
    """md5 of the fields that make two records the same call (NULL spelt out, never skipped)."""
    parts = ", ".join(f"coalesce(CAST({alias}.{f} AS VARCHAR), '\\N')" for f in _FIELDS)
    return f"md5(concat_ws('|', {parts}))"


def conflicting_ids_sql(staged: str = "_staged") -> str:
    """SELECT call_id of the ids in `staged` seen with different content within it or against
    the `calls` table (each id once).

    Ingest runs it per chunk before storing the chunk: `calls` then holds the first record of
    every id from earlier chunks, so the union over chunks is the file's set of conflicting ids.
    """
    excluded = ", ".join(f"'{name}'" for name in EXPECTED_REPEATS)
    return f"""
        WITH s AS (SELECT call_id, {_fingerprint('t')} AS fp FROM {staged} t
                   WHERE t.source_format NOT IN ({excluded})),
        within AS (SELECT call_id FROM s GROUP BY call_id HAVING count(DISTINCT fp) > 1),
        across AS (SELECT s.call_id FROM s JOIN calls c USING (call_id) WHERE s.fp <> {_fingerprint('c')})
        SELECT call_id FROM within UNION SELECT call_id FROM across
        """


def count_conflicting_ids(con: duckdb.DuckDBPyConnection, staged: str = "_staged") -> int:
    """Ids in `staged` seen with different content within it or against the `calls` table."""
    return con.execute(f"SELECT count(*) FROM ({conflicting_ids_sql(staged)})").fetchall()[0][0]
