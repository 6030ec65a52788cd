"""Records that repeat a call id: versions of one call, plain duplicates, or conflicts.

Logs repeat a call's id for three reasons, and ingest tells them apart with ONE rule, set-based:

- **versions of one call with growing content.** Claude Code writes a streamed message on one
  line per content block, each with the message's id and a running `output_tokens`; streamed
  logs write a chunk per event with the stream's id and the usage only on the last one; a log
  file that grows between runs holds a later, more complete line for a call stored earlier.
  Two records are versions of one call (`same_call`) when they agree on what was asked: model,
  status (unless one has no counts at all: a chunk before the usage does not know how the stream
  will end), and, when both carry measured counts, input, cache-read and cache-write tokens. They
  may differ in time, text and output.
- **plain duplicates**: the same record again (a file ingested twice).
- **conflicts**: a record whose id is taken by a record that is not a version of the same call
  (other model, status or input counts: an id reused, a retry logged under the first id). The
  first record is kept, and the ids are reported as "duplicate id(s) with different content".

The call keeps its **most complete version**: measured counts beat estimated or missing ones
(`known`), then the greatest `output_tokens` (a running count only grows), then the greatest
`logged_cost_usd` (so does a running cost: Perplexity's stream chunks carry a `cost` of 0 until the
final `chat.completion.done` adds the request fee), then the first record
(stored before this file, then the earliest line), so re-ingesting the same file changes nothing.
A later version that is more complete replaces the stored row (`upgraded` in the ingest summary).

What one version says and the kept one leaves blank is carried over before pricing
(`carry_pinned_geography_sql`): Claude Code writes `inference_geo: "us"` on a streamed message's
partial lines and `""` on its final line, which holds the full output, so the kept version alone
lost the 1.1x of a US-pinned call. (Across chunks of a file, or runs, the kept version stands.)
"""

from __future__ import annotations

# The fields whose difference makes a repeat a conflict unless it is a version of the same call.
_FIELDS = ("ts", "model", "status", "input_tokens", "cached_input_tokens", "cache_write_tokens",
           "output_tokens", "reasoning_tokens", "http_status")
# What a version is compared on (besides the call id); the rest of the row is taken whole.
VERSION_COLUMNS = ("call_id", *_FIELDS, "tokens_estimated", "logged_cost_usd")


# Not stored yet. (Written as NOT EXISTS, which DuckDB runs as an anti join like the ingest before
# it; `NOT IN` would be a null-aware mark join.)
NOT_STORED = "NOT EXISTS (SELECT 1 FROM calls c WHERE c.call_id = s.call_id)"


def _fingerprint(alias: str) -> str:
    """md5 of the fields that make two records the same record (NULL spelt out, never skipped)."""
    parts = ", ".join(f"coalesce(CAST({alias}.{f} AS VARCHAR), '\\N')" for f in _FIELDS)
    return f"md5(concat_ws('|', {parts}))"


def known(a: str) -> str:
    """Whether the record carries measured token counts (not estimated, not missing)."""
    return f"(NOT coalesce({a}.tokens_estimated, false) AND ({a}.input_tokens IS NOT NULL OR {a}.output_tokens IS NOT NULL))"


def _no_counts(a: str) -> str:
    """A record with no token counts at all: a stream's chunk before its usage, which says nothing
    about how the call ended (a failed call's counts are 0, never missing)."""
    return f"({a}.input_tokens IS NULL AND {a}.output_tokens IS NULL)"


def same_call(x: str, b: str) -> str:
    """Whether records `x` and `b` (same id) are versions of one call: same model and status (a
    record with no counts at all takes any status: OpenRouter ends a stream cut by an error with a
    chunk holding the error and the usage), and the same input-side counts when both have measured
    ones."""
    counts = " AND ".join(f"{x}.{c} IS NOT DISTINCT FROM {b}.{c}"
                          for c in ("input_tokens", "cached_input_tokens", "cache_write_tokens"))
    return (
        f"(({x}.model IS NOT DISTINCT FROM {b}.model OR {x}.model IS NULL OR {b}.model IS NULL) "
        f"AND ({x}.status IS NOT DISTINCT FROM {b}.status OR {_no_counts(x)} OR {_no_counts(b)}) "
        f"AND (NOT {known(x)} OR NOT {known(b)} OR ({counts})))"
    )


def more_complete(x: str, b: str) -> str:
    """Whether `x` is strictly more complete than `b` (measured beats not; then more output; then a
    greater logged cost)."""
    out_x, out_b = f"coalesce({x}.output_tokens, -1)", f"coalesce({b}.output_tokens, -1)"
    return (f"(({known(x)} AND NOT {known(b)}) OR ({known(x)} = {known(b)} AND ({out_x} > {out_b} "
            f"OR ({out_x} = {out_b} AND coalesce({x}.logged_cost_usd, -1) > coalesce({b}.logged_cost_usd, -1)))))")


def completeness_order(a: str) -> str:
    """ORDER BY terms putting the most complete version first (ties: the caller's tie-break)."""
    return f"{known(a)} DESC, coalesce({a}.output_tokens, -1) DESC, coalesce({a}.logged_cost_usd, -1) DESC"


def conflicting_ids_sql(chunk: str, repeated: bool) -> str:
    """SELECT call_id of the ids in `chunk` with a record that is neither the same record as the
    id's first record (stored in `calls`, else the chunk's earliest line) nor a version of it.

    `repeated`: the chunk repeats some id (else only ids already in `calls` can conflict).
    Ingest runs it per chunk before storing the chunk: `calls` then holds the kept record of every
    id from earlier chunks, so the union over chunks is the file's set of conflicting ids.
    """
    cols = ", ".join(VERSION_COLUMNS)
    stored = f"SELECT {cols} FROM calls WHERE call_id IN (SELECT call_id FROM s)"
    first = (f"SELECT {cols} FROM s WHERE {NOT_STORED} "
             "QUALIFY row_number() OVER (PARTITION BY call_id ORDER BY source_line) = 1")
    base = f"{stored} UNION ALL {first}" if repeated else stored
    return f"""
        WITH s AS (SELECT * FROM {chunk}), b AS ({base})
        SELECT DISTINCT x.call_id FROM s x, b WHERE x.call_id = b.call_id
          AND {_fingerprint('x')} <> {_fingerprint('b')} AND NOT {same_call('x', 'b')}
        """


def first_versions_sql(chunk: str, repeated: bool) -> str:
    """The chunk's records of ids not yet stored, one per id: its most complete version among the
    records that are versions of the id's earliest record (conflicting records never win)."""
    new = f"SELECT * FROM {chunk} s WHERE {NOT_STORED}"
    if not repeated:
        return new
    return f"""
        WITH s AS ({new}),
        f AS (SELECT {", ".join(VERSION_COLUMNS)} FROM s
              QUALIFY row_number() OVER (PARTITION BY call_id ORDER BY source_line) = 1)
        SELECT s.* FROM s, f WHERE s.call_id = f.call_id AND {same_call('s', 'f')}
        QUALIFY row_number() OVER (PARTITION BY s.call_id ORDER BY {completeness_order('s')}, s.source_line) = 1
        """


def upgrades_sql(chunk: str) -> str:
    """The chunk's most complete version of each stored call it holds a strictly more complete
    version of (one row per id): what replaces the stored row."""
    stored = f"SELECT {', '.join(VERSION_COLUMNS)} FROM calls WHERE call_id IN (SELECT call_id FROM s)"
    return f"""
        WITH s AS (SELECT * FROM {chunk}), b AS ({stored})
        SELECT s.* FROM s, b WHERE s.call_id = b.call_id AND {same_call('s', 'b')} AND {more_complete('s', 'b')}
        QUALIFY row_number() OVER (PARTITION BY s.call_id ORDER BY {completeness_order('s')}, s.source_line) = 1
        """


def carry_pinned_geography_sql(table: str = "_staged") -> str:
    """UPDATE giving every version of a call (same id and model) without `tags['inference_geo']`
    the geography another of its versions was pinned to; run before pricing, when ids repeat."""
    return f"""
        UPDATE {table} s SET tags = map_concat(coalesce(s.tags, MAP {{}}::MAP(VARCHAR, VARCHAR)),
                                               MAP {{'inference_geo': v.geo}})
        FROM (SELECT call_id, model, min(tags['inference_geo']) AS geo FROM {table}
              WHERE tags['inference_geo'] IS NOT NULL GROUP BY ALL) v
        WHERE s.call_id = v.call_id AND s.model IS NOT DISTINCT FROM v.model AND s.tags['inference_geo'] IS NULL"""
