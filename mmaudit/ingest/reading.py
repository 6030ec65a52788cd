"""Reading a log file as numbered lines, in file order, a bounded chunk at a time.

A file is never held whole: DuckDB streams its lines (JSONL, or CSV/Parquet rows and JSON-array
items turned into JSON object lines) as Arrow batches on a cursor of its own, so the stream stays
open while the caller stages and stores each chunk on its connection. Line numbers are counted
here, in the order the stream delivers (insertion order is preserved for it), so they are the
file's 1-based line numbers however the file is cut into chunks.

A file with invalid UTF-8 cannot be streamed (DuckDB stops at the first bad byte); it is read
again whole by `_read_lines_with_rejects`, which marks the bad lines and keeps the good lines'
numbers, into a temp table of the reader's cursor (DuckDB spills it to disk when large). A file
with a line longer than USUAL_LINE_BYTES is read again with the larger buffers it needs.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from mmaudit.ingest.discovery import COMPRESSED_SUFFIXES

# A line of only whitespace is blank: tabs, CRs and no-break spaces too (`trim` strips spaces and
# no-break spaces, not a tab: a line holding one tab was quarantined as "not valid JSON").
BLANK_TEXT = r"regexp_full_match(line, '[\s\p{Z}]*')"

# The longest line a log may have. DuckDB sizes its read buffers from this (two of twice it are
# held while streaming), so lines are first read with a small limit, and only a file that has a
# longer line is read again with the large one.
MAX_LINE_BYTES = 128 << 20
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES
USUAL_LINE_BYTES = 8 << 20
# A chunk is cut at whichever comes first; both keep a chunk's staging tables well inside the
# memory limit while leaving each query enough rows to use every thread.
CHUNK_BYTES = 64 << 20
CHUNK_LINES = 250_000
_BATCH_ROWS = 2048
# What a line that is not valid UTF-8 reads as (it is quarantined with its own reason).
INVALID_UTF8 = "\x00invalid-utf8"


@dataclass(frozen=True)
class ReadMode:
    """How to read a file: `rejects` for files with invalid UTF-8 (read whole with
    `_read_lines_with_rejects`), `long_lines` for files with a line over USUAL_LINE_BYTES."""

    rejects: bool = False
    long_lines: bool = False


class ReadAgain(Exception):
    """The file must be read again from the start, in `mode` (nothing of it may be kept)."""

    def __init__(self, mode: ReadMode, reason: str):
        super().__init__(reason)
        self.mode = mode


@dataclass(frozen=True)
class Chunk:
    """Consecutive lines of a file: `lines` has columns line_no (1-based) and line. A batch of
    small files is one chunk too, numbered as `formats.base.LINE_BITS` says, with `ends` its
    files' last lines."""

    lines: pa.Table
    last: bool  # the file's last chunk: its last line is the file's last line
    ends: tuple[int, ...] | None = None

    @property
    def last_line_no(self) -> int:
        return int(self.lines.column("line_no")[-1].as_py()) if self.lines.num_rows else 0

    @property
    def file_ends(self) -> list[int]:
        """The line numbers that are a file's last line (a line cut short there is said to be)."""
        if self.ends is not None:
            return list(self.ends)
        return [self.last_line_no] if self.last else []


def _head(path: Path, size: int = 1 << 20) -> bytes:
    """The first `size` bytes of a file, decompressed, without a BOM or leading whitespace."""
    name = path.name.lower()
    if name.endswith(".zst"):
        import zstandard

        with open(path, "rb") as fh:
            head = zstandard.ZstdDecompressor().stream_reader(fh).read(size)
    elif name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            head = fh.read(size)
    else:
        with open(path, "rb") as fh:
            head = fh.read(size)
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")


def _is_json_file(path: Path) -> bool:
    return path.name.lower().endswith((".json", ".json.gz", ".json.zst"))


def is_json_array(path: Path) -> bool:
    return _is_json_file(path) and _head(path, 4096).startswith(b"[")


PAGE_KEYS = ("data", "runs")
_PAGE_START = re.compile(rb'^\{\s*"(?:' + b"|".join(k.encode() for k in PAGE_KEYS) + rb')"\s*:\s*\[')
# One JSON value read whole (an API page holds all its records): DuckDB's default cap is 16 MB.
MAX_DOCUMENT_BYTES = 1 << 30


# A Gemini API batch job as `batches.get` returns it once done, its results inline: REST's
# `response.inlinedResponses.inlinedResponses`, the google-genai SDK's `dest.inlined_responses`
_BATCH_RESULTS = ("response.inlinedResponses.inlinedResponses", "dest.inlined_responses")


def _is_page(value: object) -> bool:
    """An API page (`{"data": [records...], "meta"|"error"|...}` from Langfuse's and Helicone's
    query APIs, `{"runs": [...], "cursors": ...}` from LangSmith's), not a call record that happens
    to hold a `data` list (an embeddings response has `object` and `usage`); or a Gemini batch job
    with its results inline (`_BATCH_RESULTS`)."""
    if not isinstance(value, dict):
        return False
    if any(isinstance(_at(value, path), list) for path in _BATCH_RESULTS):
        return True
    return any(isinstance(value.get(k), list) for k in PAGE_KEYS) and "usage" not in value and "object" not in value


def _at(value: dict, path: str) -> object:
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None  # type: ignore[assignment]
    return value


def is_json_document(path: Path) -> bool:
    """A `.json` file holding one (or several concatenated) JSON objects written over many lines
    (`json.dump(indent=2)`, `jq .`, a saved API response), or one API page: read as documents,
    not as lines. A JSONL file named `.json` stays line by line (a bad line is then quarantined
    alone). A line-oriented log of any other name (`.log`, `.jsonl`) whose first line is a bare
    `{` is one too: no JSONL line is, and Gemini CLI writes its `telemetry.log` so."""
    if _table_reader(path) is not None:
        return False
    head = _head(path)
    first = head.split(b"\n", 1)[0].strip()
    if first == b"{":
        return True
    if not _is_json_file(path):
        return False
    try:
        return _is_page(json.loads(first))
    except ValueError:
        if b"\n" not in head:  # a first line longer than the head: a page if it opens like one
            return _PAGE_START.match(first) is not None
        return first.startswith(b"{") and _spans_lines(head, len(first))


def _spans_lines(head: bytes, first_line: int) -> bool:
    """Whether the head opens with one JSON value written over several lines (an editor-wrapped
    saved response: `{"candidates": [...],` then `"usageMetadata": ...}`), not a JSONL file whose
    first line is broken (that one's lines are read, and the bad line quarantined alone)."""
    try:
        _value, end = json.JSONDecoder().raw_decode(head.decode("utf-8", errors="replace"))
    except ValueError:
        return False
    return end > first_line


# Each document is a record, or, for an API page, each of its records.
_PAGE_RECORDS = " ".join(f"WHEN json_type(json, '$.{key}') = 'ARRAY' THEN json_extract(json, '$.{key}[*]')" for key in PAGE_KEYS)
# A batch job's inline results are its calls: each `{response | error, metadata}` read as a line of
# the job's output file (`key` from its metadata, else "inline"), at the time the job ended.
_JOB_END = ("coalesce(json_extract_string(json, '$.metadata.endTime'), json_extract_string(json, '$.end_time'), "
            "json_extract_string(json, '$.metadata.updateTime'), json_extract_string(json, '$.update_time'))")
_BATCH_RECORDS = " ".join(
    f"WHEN json_type(json, '$.{path}') = 'ARRAY' THEN list_transform(json_extract(json, '$.{path}[*]'), "
    f"lambda x: json_merge_patch(x, json_object('key', coalesce(json_extract_string(x, '$.metadata.key'), 'inline'), "
    f"'timestamp', {_JOB_END})))"
    for path in _BATCH_RESULTS)
_DOCUMENTS = f"""
    SELECT coalesce(item, json)::VARCHAR AS line FROM (
        SELECT json, unnest(CASE {_BATCH_RECORDS}
                                 WHEN json_extract(json, '$.usage') IS NOT NULL OR json_extract(json, '$.object') IS NOT NULL
                                 THEN [NULL::JSON] {_PAGE_RECORDS} ELSE [NULL::JSON] END) AS item
        FROM read_json_objects(?, format = 'unstructured', maximum_object_size = {MAX_DOCUMENT_BYTES}))
"""


# Server-sent events saved as they came over the wire (`curl -N`, a proxy's dump of a streamed
# response): each record is a `data:` line, framed by `event:`, `id:`, `retry:` and `:` comment
# lines, and an OpenAI stream ends with `data: [DONE]`. A file that opens so is read with each
# `data:` payload as its line and the framing lines blank (line numbers unchanged); a JSONL file
# never opens so, and any other line of such a file is read as it is.
_SSE_START = re.compile(rb"^(?:(?:data|event|id|retry):|:)")
_SSE_LINE = ("CASE WHEN starts_with(line, 'data:') AND trim(substr(line, 6)) <> '[DONE]' THEN ltrim(substr(line, 6)) "
             "WHEN regexp_matches(line, '^(?:(?:data|event|id|retry):|:)') THEN '' ELSE line END")


def is_sse(path: Path) -> bool:
    """Whether a line-oriented file holds server-sent events (it opens with an SSE field line)."""
    return _records_sql(path) is None and _SSE_START.match(_head(path, 4096)) is not None


def _table_reader(path: Path) -> str | None:
    """The DuckDB table function for a CSV or Parquet file (None for line-oriented logs).

    CSV is read all-VARCHAR: adapters convert values themselves (so "NaN" gets quarantined
    with a reason instead of failing the whole file).
    """
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "read_parquet(?)"
    if any(name.endswith(".csv" + c) for c in COMPRESSED_SUFFIXES):
        return "read_csv(?, header = true, all_varchar = true, compression = 'auto')"
    return None


_READ_LINES = """
    SELECT row_number() OVER () AS line_no, line
    FROM read_csv(?, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '',
                  header = false, auto_detect = false, strict_mode = false,
                  max_line_size = %d, buffer_size = %d, compression = 'auto' %s)
"""
_STREAM_LINES = """
    SELECT line
    FROM read_csv(?, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '',
                  header = false, auto_detect = false, strict_mode = false,
                  max_line_size = %d, buffer_size = %d, compression = 'auto')
"""


def _records_sql(path: Path) -> str | None:
    """SELECT line over a CSV, Parquet or JSON-array file (None for line-oriented logs)."""
    table_reader = _table_reader(path)
    if table_reader:
        # Each row becomes a JSON object line, so detection, adapters and quarantine work the
        # same as for JSONL; its number is the 1-based data row number.
        return f"SELECT to_json(t)::VARCHAR AS line FROM {table_reader} t"
    if is_json_array(path):
        return f"SELECT json::VARCHAR AS line FROM read_json_objects(?, format = 'array', maximum_object_size = {MAX_DOCUMENT_BYTES})"
    if is_json_document(path):
        return _DOCUMENTS
    return None


def _read_lines_with_rejects(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Fallback for files with invalid UTF-8: good lines keep their numbers, bad ones are marked.

    DuckDB skips rejected lines and records their numbers, so the n-th good line is the n-th
    line number that was not rejected.
    """
    extra = ", ignore_errors = true, store_rejects = true, rejects_table = '_rej', rejects_scan = '_rej_scan'"
    con.execute("DROP TABLE IF EXISTS _raw")
    con.execute(f"CREATE TEMP TABLE _good AS {_READ_LINES % (MAX_LINE_BYTES, READ_BUFFER_BYTES, extra)}", [str(path)])
    con.execute("CREATE TEMP TABLE _bad AS SELECT DISTINCT line AS line_no FROM _rej")
    con.execute(
        """
        CREATE TEMP TABLE _raw AS
        WITH numbers AS (
            SELECT n AS line_no, row_number() OVER (ORDER BY n) AS k
            FROM range(1, (SELECT count(*) FROM _good) + (SELECT count(*) FROM _bad) + 1) t(n)
            WHERE n NOT IN (SELECT line_no FROM _bad))
        SELECT numbers.line_no, _good.line FROM _good JOIN numbers ON numbers.k = _good.line_no
        UNION ALL
        SELECT line_no, '\x00invalid-utf8' FROM _bad
        """
    )
    for table in ("_good", "_bad", "_rej", "_rej_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def is_encoding_error(exc: BaseException) -> bool:
    """DuckDB's complaint about bytes that are not UTF-8 (the cue to use the rejects reader).

    Raised while streaming, DuckDB errors reach Python through Arrow as OSError with the same text.
    """
    text = str(exc).lower()
    return "invalid input error" in text and ("unicode" in text or "encod" in text)


def _is_line_size_error(exc: BaseException) -> bool:
    """A line longer than the read buffers (DuckDB says it either way, depending on where it is)."""
    text = str(exc).lower()
    return "maximum line size" in text or "does not support a full read" in text


class LineReader:
    """The numbered lines of one file, from a cursor of its own (see the module docstring).

    Streaming may find that the file needs another ReadMode (invalid UTF-8, a very long line):
    it then raises ReadAgain, and the caller discards what it did with the file and starts over.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, mode: ReadMode = ReadMode()):
        self.path = path
        self.mode = mode
        self._records_sql = _records_sql(path)
        self._sse = is_sse(path)
        self._cur = con.cursor()
        # Line numbers are the stream's order; a query planned with this on keeps it.
        self._cur.execute("SET preserve_insertion_order = true")
        if mode.rejects:
            _read_lines_with_rejects(self._cur, path)

    def close(self) -> None:
        self._cur.close()

    def _relation(self, select: str, suffix: str = "") -> duckdb.DuckDBPyRelation:
        if self.mode.rejects:
            raw = f"(SELECT line_no, {_SSE_LINE} AS line FROM _raw)" if self._sse else "_raw"
            return self._cur.sql(f"SELECT {select} FROM {raw} {suffix}")
        max_line = MAX_LINE_BYTES if self.mode.long_lines else USUAL_LINE_BYTES
        sql = self._records_sql or _STREAM_LINES % (max_line, 2 * max_line)
        if self._sse:
            sql = f"SELECT {_SSE_LINE} AS line FROM ({sql})"
        params = [str(self.path)] if "?" in sql else []
        return self._cur.sql(f"SELECT {select} FROM ({sql}) {suffix}", params=params)

    def _fetch(self, relation: duckdb.DuckDBPyRelation) -> Iterator[pa.RecordBatch]:
        try:
            for batch in relation.to_arrow_reader(_BATCH_ROWS):
                if batch.num_rows:
                    yield batch
        except (duckdb.Error, OSError) as exc:  # streaming errors reach Python via Arrow as OSError
            if self._records_sql is None and not self.mode.rejects and is_encoding_error(exc):
                raise ReadAgain(ReadMode(rejects=True, long_lines=True), str(exc)) from exc
            if self._records_sql is None and not self.mode.long_lines and _is_line_size_error(exc):
                raise ReadAgain(ReadMode(long_lines=True), str(exc)) from exc
            raise

    def has_records(self) -> bool:
        """Whether any line is not blank (stops at the first one)."""
        order = "ORDER BY line_no" if self.mode.rejects else ""
        rel = self._relation("1", f"WHERE line IS NOT NULL AND NOT {BLANK_TEXT} {order} LIMIT 1")
        return any(batch.num_rows for batch in self._fetch(rel))

    def sample(self, size: int) -> pa.Table:
        """The first `size` lines that are valid JSON (column `line`), for format detection."""
        order = "ORDER BY line_no" if self.mode.rejects else ""
        rel = self._relation("line", f"WHERE json_valid(line) {order} LIMIT {int(size)}")
        batches = list(self._fetch(rel))
        return pa.Table.from_batches(batches) if batches else pa.table({"line": pa.array([], pa.string())})

    def chunks(self, max_bytes: int | None = None, max_lines: int | None = None) -> Iterator[Chunk]:
        """Consecutive chunks of numbered lines (at most CHUNK_BYTES / CHUNK_LINES, give or take
        a batch). A full chunk is handed out only once the next batch has arrived, so the one
        handed out when the stream ends knows it is the last."""
        max_bytes = CHUNK_BYTES if max_bytes is None else max_bytes
        max_lines = CHUNK_LINES if max_lines is None else max_lines
        rel = self._relation("line_no, line", "ORDER BY line_no") if self.mode.rejects else self._relation("line")
        batches: list[pa.RecordBatch] = []
        size = rows = 0
        next_no = 1
        for batch in self._fetch(rel):
            if batches and (size >= max_bytes or rows >= max_lines):
                yield Chunk(self._numbered(batches, next_no), last=False)
                next_no += rows
                batches, size, rows = [], 0, 0
            batches.append(batch)
            size += batch.nbytes
            rows += batch.num_rows
        if batches:
            yield Chunk(self._numbered(batches, next_no), last=True)

    def _numbered(self, batches: list[pa.RecordBatch], first: int) -> pa.Table:
        table = pa.Table.from_batches(batches)
        if self.mode.rejects:
            return table
        numbers = pa.array(np.arange(first, first + table.num_rows, dtype=np.int64))
        return pa.table({"line_no": numbers, "line": table.column("line")})
