"""Staging one chunk of a file on the caller's connection, outside the file's transaction.

Per chunk, all set-based: split valid JSON objects from broken lines -> parse every record once
with `from_json` -> project into the canonical columns -> quarantine records with unusable
values -> give id-less records stable ids -> estimate missing token counts -> enrich (categorise,
price). The result leaves as Arrow tables (`chunk_rows`) for the writer, which stores them in the
file's one transaction.

Staging runs in autocommit on purpose: DuckDB keeps every temp table replaced inside a
transaction until that transaction ends (it could be rolled back), so staging inside the file's
transaction would hold the whole file in memory again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from mmaudit import tokens
from mmaudit.conflicts import carry_pinned_geography_sql
from mmaudit.formats import FORMATS, LogFormat
from mmaudit.formats.base import file_index_sql, prompt_hash_sql, record_key_sql
from mmaudit.ingest.captures import not_a_call_sql, unwrap_lines_sql
from mmaudit.ingest.reading import BLANK_TEXT, INVALID_UTF8, Chunk
from mmaudit.schema import CANONICAL_COLUMNS, LINEAGE_COLUMNS, TEXT_COLUMNS

RAW_KEEP_CHARS = 65536
STORED_COLUMNS = [*CANONICAL_COLUMNS, "model_key", "cost_usd", "other_models_cost_usd", "task", "complexity", "category_confidence",
                  "category_source", *LINEAGE_COLUMNS, "text_redacted"]
_STAGING_TABLES = ("_upgraded", "_quarantined", "_skipped", "_parsed", "_pending", "_staged", "_noid", "_noid_ids", "_noid_seen", "_noid_seen_line")

_EXCLUDED = f"'{INVALID_UTF8}'"
# A line as the formats read it: without a byte-order mark; in a file of captured HTTP exchanges
# (ingest/captures.py), each exchange as the pair it holds
_PLAIN = "ltrim(line, chr(65279))"


def line_sql(captures: bool) -> str:
    return f"unnest({unwrap_lines_sql(_PLAIN)})" if captures else _PLAIN
_OBJECT = "json_valid(line) AND starts_with(ltrim(line, chr(65279) || ' ' || chr(9)), '{')"
# A valid JSON line is never blank, so the blank test (slow on long lines) only runs on the invalid ones.
NOT_BLANK = f"line IS NOT NULL AND (json_valid(line) OR NOT {BLANK_TEXT})"


@dataclass(frozen=True)
class ChunkStats:
    records: int  # non-blank lines
    quarantined: int
    skipped: int
    staged: int  # canonical rows (a line may yield several, or none)
    repeated_ids: bool  # some call_id occurs more than once among the staged rows
    unrecognised: int = 0  # lines the primary format did not recognise (tried as others, else quarantined)


def stage_chunk(con: duckdb.DuckDBPyConnection, chunk: Chunk, primary: LogFormat, forced: bool,
                ids: IdOccurrences, carry: Carry | None = None, captures: bool = False) -> ChunkStats:
    """Build _staged (canonical rows), _quarantined (line_no, reason, format) and _skipped.

    The usual file is all one format: its lines are parsed once, straight from the chunk. Only
    the lines the primary format does not recognise are parsed again, format by format. `carry`
    holds the record an earlier chunk hands on to this one (`LogFormat.carry`). `captures`: the
    file holds captured HTTP exchanges, read as the pairs they hold (ingest/captures.py).
    """
    con.register("_raw", chunk.lines)
    _quarantine_non_objects(con, chunk.file_ends)
    con.execute("CREATE OR REPLACE TEMP TABLE _skipped (line_no BIGINT)")
    line = line_sql(captures)
    source = f"(SELECT line_no, {line} AS line FROM _raw WHERE line <> {_EXCLUDED} AND {_OBJECT})"
    _stage_format(con, primary, source, first=True, carry=carry if primary.carry else None, line=line)
    leftover = con.execute("SELECT count(*) FROM _pending").fetchall()[0][0]
    for fmt in [] if forced or not leftover else [f for f in FORMATS if f is not primary and not f.refuse]:
        _stage_format(con, fmt, "_pending", first=False, line=line)
    if leftover and captures:
        # a recorder's exchange that asked for no billed answer (a model listing, a token count)
        # and that no format reads is not a call: skipped, not quarantined
        con.execute(f"INSERT INTO _skipped SELECT line_no FROM _raw WHERE line_no IN (SELECT line_no FROM _pending) "
                    f"AND {_OBJECT} AND {not_a_call_sql(_PLAIN)}")
        con.execute("DELETE FROM _pending WHERE line_no IN (SELECT line_no FROM _skipped)")
    if leftover:
        con.execute(
            "INSERT INTO _quarantined SELECT line_no, ?, NULL FROM _pending",
            [f"not {'an' if primary.name[:1] in 'aeio' else 'a'} {primary.name} record: expected {primary.detect_hint}"],
        )
    con.execute(prompt_hash_sql("_staged"))
    ids.assign(con)
    records, quarantined, skipped, staged, distinct = con.execute(
        f"""SELECT (SELECT count(*) FROM _raw WHERE {NOT_BLANK}), (SELECT count(*) FROM _quarantined),
                   (SELECT count(DISTINCT line_no) FROM _skipped), count(*), count(DISTINCT call_id)
            FROM _staged"""
    ).fetchall()[0]
    if staged > distinct:  # versions of one call: what one says and the kept one leaves blank
        con.execute(carry_pinned_geography_sql())
    return ChunkStats(records, quarantined, skipped, staged, staged > distinct, leftover)


def _quarantine_non_objects(con: duckdb.DuckDBPyConnection, file_ends: list[int]) -> None:
    """_quarantined := the chunk's lines that are not JSON objects, each with its reason.
    `file_ends`: the lines of the chunk that end a file (cut short there, they say so).

    The CASE makes DuckDB test the cheap JSON check first: `trim` of every (long) line is slow."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _quarantined AS
        SELECT line_no, CASE
            WHEN line = {_EXCLUDED} THEN 'line is not valid UTF-8 text'
            WHEN NOT json_valid(line) AND list_contains($ends, line_no)
                 AND starts_with(ltrim(line), '{{') THEN 'last line is cut short (incomplete JSON)'
            WHEN NOT json_valid(line) THEN 'not valid JSON'
            ELSE 'a JSON ' || CASE WHEN json_type(line) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN 'number'
                WHEN json_type(line) = 'VARCHAR' THEN 'string' ELSE lower(json_type(line)) END || ', not an object'
          END AS reason, NULL::VARCHAR AS source_format
        FROM _raw
        WHERE CASE WHEN {_OBJECT} THEN false ELSE line IS NOT NULL AND NOT {BLANK_TEXT} END
        """,
        {"ends": file_ends},
    )


def _stage_format(con: duckdb.DuckDBPyConnection, fmt: LogFormat, source: str, *, first: bool,
                  carry: Carry | None = None, line: str = _PLAIN) -> None:
    """Parse `source` lines as `fmt`: records to _staged, bad values to _quarantined, lines that
    are the format's but not calls to _skipped, and lines it does not recognise to _pending."""
    # The first pass reads the whole chunk: copying every line into _parsed is dear, so it is
    # left out unless the format reads it; lines it does not recognise are taken from the chunk.
    keep_line = not first or fmt.reads_line()
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT line_no, {'line' if keep_line else 'NULL::VARCHAR AS line'}, "
        f"from_json(line, ?) AS r FROM {source}",
        [fmt.structure_json()],
    )
    unrecognised = f"SELECT line_no FROM _parsed WHERE NOT coalesce({fmt.detect}, false)"
    pending = (f"SELECT line_no, line FROM _parsed WHERE NOT coalesce({fmt.detect}, false)" if keep_line else
               f"SELECT line_no, {line} AS line FROM _raw WHERE line_no IN ({unrecognised})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pending AS {pending}")
    # (after the first pass _pending holds _parsed's undetected lines: equal counts, none detected)
    if not first and con.execute("SELECT (SELECT count(*) FROM _parsed) = (SELECT count(*) FROM _pending)").fetchall()[0][0]:
        return  # none of the leftover lines is this format's: its (dear to plan) projection is not run
    bad = con.execute(f"SELECT count(*) FROM ({fmt.checks_sql('_parsed')})").fetchall()[0][0] if fmt.numbers or fmt.times else 0
    if bad:
        con.execute(f"INSERT INTO _quarantined SELECT line_no, reason, '{fmt.name}' FROM ({fmt.checks_sql('_parsed')})")
        con.execute("DELETE FROM _parsed WHERE line_no IN (SELECT line_no FROM _quarantined)")
    if carry is not None:
        carry.attach(con, fmt)
    verb = "CREATE OR REPLACE TEMP TABLE _staged AS" if first else "INSERT INTO _staged"
    con.execute(f"{verb} {fmt.projection_sql('_parsed')}")
    if carry is not None:
        carry.detach(con)
        carry.take(con, fmt, line)
    if fmt.explode is not None:
        # Detected lines that yielded no call (exploded into no kept item) are skipped.
        con.execute(
            f"INSERT INTO _skipped SELECT line_no FROM _parsed WHERE ({fmt.detect}) "
            "AND line_no NOT IN (SELECT source_line FROM _staged)"
        )
    elif fmt.skip != "false":
        # One record per line: the detected lines the format skips are exactly those not staged.
        con.execute(f"INSERT INTO _skipped SELECT line_no FROM _parsed WHERE ({fmt.detect}) AND coalesce({fmt.skip}, false)")


class Carry:
    """The record a chunk hands on to the next (`LogFormat.carry`): its line number and text.

    `attach` puts it in _parsed ahead of the chunk's own records, so the format's window over line
    numbers sees it as it would in a whole file; `detach` takes it out of _parsed and _staged again
    (it was stored, quarantined or skipped with its own chunk); `take` keeps the chunk's latest
    carried record, or the one before when the chunk has none."""

    def __init__(self) -> None:
        self.line_no: int | None = None
        self.line: str | None = None

    def attach(self, con: duckdb.DuckDBPyConnection, fmt: LogFormat) -> None:
        if self.line_no is not None:
            con.execute("INSERT INTO _parsed SELECT $n, $line, from_json($line, $structure)",
                        {"n": self.line_no, "line": self.line, "structure": fmt.structure_json()})

    def detach(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.line_no is not None:
            con.execute("DELETE FROM _staged WHERE source_line = $n", {"n": self.line_no})
            con.execute("DELETE FROM _parsed WHERE line_no = $n", {"n": self.line_no})

    def take(self, con: duckdb.DuckDBPyConnection, fmt: LogFormat, line: str = _PLAIN) -> None:
        latest = con.execute(
            f"""SELECT line_no, {line} FROM _raw
            WHERE line_no = (SELECT max(line_no) FROM _parsed WHERE coalesce({fmt.detect}, false) AND coalesce({fmt.carry}, false))"""
        ).fetchall()
        if latest:
            self.line_no, self.line = latest[0]


class IdOccurrences:
    """Stable ids for records the log gave none: `k-` + the hash of the record (`record_key_sql`)
    + its occurrence number among the file's records with that key, so
    identical error lines stay distinct calls, a re-read of the same file finds the same ids, and
    so does a re-serialised copy of it. Occurrences are counted across chunks in a temp table of
    (hash, count) per chunk, and per file in a batch of small files (whose files are whole chunks:
    `file_index_sql`).

    Databases written before record keys hold `h-` ids keyed on the line's bytes (md5 of the raw
    line, same occurrence rule): where the database holds any, a record whose line-keyed id is
    stored keeps that id, so a log that grew since is read against what it stored then (its
    re-serialised copies are not recognised there: those calls were keyed on their bytes). A
    database without them pays for no line hashes (whether it has any is looked up once per
    connection)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        con.execute("CREATE OR REPLACE TEMP TABLE _noid_seen (h VARCHAR, n BIGINT)")
        con.execute("CREATE OR REPLACE TEMP TABLE _noid_seen_line (h VARCHAR, n BIGINT)")

    @staticmethod
    def _line_keyed(con: duckdb.DuckDBPyConnection) -> bool:
        con.execute("""CREATE TEMP TABLE IF NOT EXISTS _noid_line_keyed AS
                       SELECT EXISTS (SELECT 1 FROM calls WHERE starts_with(call_id, 'h-')) AS stored""")
        return bool(con.execute("SELECT stored FROM _noid_line_keyed").fetchall()[0][0])

    def assign(self, con: duckdb.DuckDBPyConnection) -> None:
        missing = con.execute("SELECT count(*) FROM _staged WHERE call_id IS NULL").fetchall()[0][0]
        if not missing:
            return
        in_file = file_index_sql("s.source_line")
        legacy = self._line_keyed(con)
        line_cols = (f", q.hl, row_number() OVER (PARTITION BY q.hl, {in_file} ORDER BY s.source_line, rid) AS kl"
                     if legacy else "")
        line_join = ("JOIN (SELECT line_no, md5(line) AS hl FROM _raw) q ON q.line_no = s.source_line"
                     if legacy else "")
        # the keys first, then the windows over them (an alias in a window's PARTITION BY is its
        # expression again: every key was computed twice)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _noid AS
            SELECT rid, h, row_number() OVER (PARTITION BY h, {in_file} ORDER BY s.source_line, rid) AS k{line_cols}
            FROM (SELECT s.rowid AS rid, s.source_line, {record_key_sql()} AS h
                  FROM _staged s JOIN _raw r ON r.line_no = s.source_line WHERE s.call_id IS NULL) s
            {line_join}"""
        )
        content_id = "'k-' || x.h || '-' || CAST(x.k + coalesce(p.n, 0) AS BIGINT)"
        seen = "LEFT JOIN (SELECT h, sum(n) AS n FROM _noid_seen WHERE h IN (SELECT h FROM _noid) GROUP BY h) p ON p.h = x.h"
        if not legacy:
            con.execute(f"UPDATE _staged SET call_id = {content_id} FROM _noid x {seen} WHERE _staged.rowid = x.rid")
        else:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _noid_ids AS
                SELECT x.rid, {content_id} AS id, 'h-' || x.hl || '-' || CAST(x.kl + coalesce(q.n, 0) AS BIGINT) AS line_id
                FROM _noid x {seen}
                LEFT JOIN (SELECT h, sum(n) AS n FROM _noid_seen_line WHERE h IN (SELECT hl FROM _noid) GROUP BY h) q
                     ON q.h = x.hl"""
            )
            con.execute(
                """UPDATE _staged SET call_id = CASE WHEN i.line_id IN (SELECT call_id FROM calls
                                                                      WHERE call_id IN (SELECT line_id FROM _noid_ids))
                                                     THEN i.line_id ELSE i.id END
                FROM _noid_ids i WHERE _staged.rowid = i.rid"""
            )
            con.execute("INSERT INTO _noid_seen_line SELECT hl, count(*) FROM _noid GROUP BY hl")
        con.execute("INSERT INTO _noid_seen SELECT h, count(*) FROM _noid GROUP BY h")


def estimate_tokens(con: duckdb.DuckDBPyConnection, files: int = 1) -> list[int]:
    """Count tokens with tiktoken for successful records that have text but no usage counts;
    returns how many records were estimated, per file of the chunk (`file_index_sql`)."""
    need = con.sql(
        f"""SELECT rowid AS rid, {file_index_sql('source_line')} AS f, model, _prompt_text, _output_text FROM _staged
        WHERE status = 'ok' AND ((input_tokens IS NULL AND _prompt_text IS NOT NULL)
                              OR (output_tokens IS NULL AND _output_text IS NOT NULL))"""
    ).to_arrow_table()
    if need.num_rows == 0:
        return [0] * files
    counts_in = tokens.count_tokens(need.column("_prompt_text").to_pylist())
    counts_out = tokens.count_tokens(need.column("_output_text").to_pylist())
    con.register("_est", pa.table({"rid": need.column("rid"), "n_in": counts_in, "n_out": counts_out}))
    try:
        con.execute(
            """UPDATE _staged SET
                input_tokens = coalesce(input_tokens, e.n_in),
                output_tokens = coalesce(output_tokens, e.n_out),
                tokens_estimated = true
            FROM _est AS e WHERE _staged.rowid = e.rid"""
        )
    finally:
        con.unregister("_est")
    return np.bincount(need.column("f").to_numpy(), minlength=files).tolist()


def write_chunk(con: duckdb.DuckDBPyConnection, folder: Path, redact_text: bool, quarantined: bool,
                files: range | None = None) -> ChunkFiles:
    """Write the chunk's calls and quarantined lines as stored (text dropped under --redact-text)
    to Parquet files in `folder`, for the writer to insert from; in a batch of small files, only
    those of the files with an index in `files`.

    Why files and not Arrow: DuckDB keeps every row a transaction appended from an Arrow scan in
    memory until it commits, so a multi-GB file's rows would all be held; appended from a
    Parquet scan, they go to the database file as they come.
    """
    cols = ", ".join(f"NULL::VARCHAR AS {c}" if redact_text and c in TEXT_COLUMNS else c
                     for c in STORED_COLUMNS if c not in ("source_file", "text_redacted"))
    cols += f", {'true' if redact_text else 'false'} AS text_redacted"
    def of_files(line_no: str) -> str:
        return "true" if files is None else f"{file_index_sql(line_no)} BETWEEN {files.start} AND {files.stop - 1}"

    written = ChunkFiles(folder / "calls.parquet", folder / "quarantine.parquet" if quarantined else None)
    con.execute(f"COPY (SELECT {cols} FROM _staged WHERE {of_files('source_line')}) TO {_literal(written.calls)} {_PARQUET}")
    if written.quarantine is not None:
        raw = "NULL::VARCHAR" if redact_text else f"left(r.line, {RAW_KEEP_CHARS})"
        con.execute(
            f"""COPY (SELECT q.line_no, q.source_format, q.reason, {raw} AS raw, md5(coalesce(r.line, '')) AS raw_hash
            FROM _quarantined q LEFT JOIN _raw r USING (line_no) WHERE {of_files('q.line_no')})
            TO {_literal(written.quarantine)} {_PARQUET}"""
        )
    return written


@dataclass(frozen=True)
class ChunkFiles:
    calls: Path
    quarantine: Path | None

    def remove(self) -> None:
        for path in (self.calls, self.quarantine):
            if path is not None:
                path.unlink(missing_ok=True)


_PARQUET = "(FORMAT parquet, COMPRESSION lz4_raw)"


def _literal(path: Path) -> str:
    """A path of our own scratch folder as a SQL string literal (COPY TO takes no parameter)."""
    return "'" + str(path).replace("'", "''") + "'"


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Free the staging tables of the last chunk (the connection stays usable for other work)."""
    for table in _STAGING_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for view in ("_raw", "_est"):
        try:
            con.unregister(view)
        except duckdb.Error:
            pass
