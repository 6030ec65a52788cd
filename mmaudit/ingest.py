"""Loading log files into the `calls` table.

Per file, all set-based in DuckDB:
  read raw lines (keeping line numbers) -> split valid JSON objects from broken lines ->
  detect the format from a sample -> parse every record once with `from_json` -> project into
  the canonical columns -> quarantine records with unusable values -> estimate missing token
  counts -> enrich (categorise, price) -> in ONE transaction: insert the calls not already
  stored, the quarantined lines, and the file's ledger row.

An interrupted run therefore leaves the database as it was before that file, and a re-run adds
only what is missing.
"""

from __future__ import annotations

import glob
import gzip
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from mmaudit import tokens
from mmaudit.conflicts import count_conflicting_ids
from mmaudit.errors import InputError
from mmaudit.formats import FORMATS, LogFormat, by_name, macros
from mmaudit.integrity import (
    CHUNK,
    Prefix,
    cut_short_nothing_readable,
    explain_read_error,
    is_cut_short,
    write_readable_prefix,
)
from mmaudit.schema import CALL_HASH_SQL, CANONICAL_COLUMNS, LINEAGE_COLUMNS, TEXT_COLUMNS

LOG_SUFFIXES = (".jsonl", ".ndjson", ".json", ".log", ".csv")
TABLE_SUFFIXES = (".parquet",)
COMPRESSED_SUFFIXES = ("", ".gz", ".zst")
DETECT_SAMPLE = 500
RAW_KEEP_CHARS = 65536
# The longest line a log may have. DuckDB sizes its read buffer from this (a multiple of it,
# capped by the file size), so a huge value makes it try to hold a whole multi-GB file in one block.
MAX_LINE_BYTES = 128 << 20
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES
CUT_REASON = "the compressed file ends early (cut short): this line and everything after it is missing"

Enricher = Callable[[duckdb.DuckDBPyConnection, str], None]


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    log_format: str | None = None
    records: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped: int = 0  # records of the format that are not calls (e.g. a session's user turns)
    estimated: int = 0
    conflicting_ids: int = 0  # duplicate ids whose later records differ (see mmaudit/conflicts.py)
    status: str = "loaded"  # loaded | partial (loaded, but the file is cut short) | empty | rejected (strict) | failed
    message: str | None = None


@dataclass
class IngestResult:
    files: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    @property
    def partial(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "partial"]

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)


@dataclass(frozen=True)
class IngestOptions:
    log_format: str | None = None
    custom_format: LogFormat | None = None  # a mapping-built format; forced when set
    strict: bool = False
    redact_text: bool = False
    enrichers: Sequence[Enricher] = ()


# --------------------------------------------------------------------------- discovery


def _is_log_file(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s + c) for s in LOG_SUFFIXES for c in COMPRESSED_SUFFIXES) or name.endswith(TABLE_SUFFIXES)


def discover(paths: Iterable[str]) -> list[Path]:
    """Files named, found under directories (recursively, log suffixes only) or matched by globs.

    A name that matches nothing is an InputError: a typo must not look like an empty log.
    """
    found: list[Path] = []
    for raw in paths:
        # a name that exists is taken literally (`logs[2025].jsonl` is a file, not a pattern)
        literal = not glob.has_magic(raw) or os.path.lexists(raw)
        candidates = [Path(raw)] if literal else [Path(p) for p in sorted(glob.glob(raw, recursive=True))]
        if not candidates:
            raise InputError(f"{raw}: no file matches this pattern")
        for path in candidates:
            if path.is_dir():
                found.extend(_walk(path))
            elif path.is_file():
                found.append(path)
            elif path.is_symlink():
                raise InputError(f"{path}: a symbolic link that is broken or loops; nothing to read")
            elif not path.exists():
                raise InputError(f"{path}: no such file or directory")
            else:
                raise InputError(f"{path}: not a regular file")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


def _walk(root: Path) -> list[Path]:
    files = []
    for dirpath, _dirs, names in os.walk(root, followlinks=False):
        for name in sorted(names):
            path = Path(dirpath, name)
            if _is_log_file(path) and path.is_file():
                files.append(path)
    return sorted(files)


# --------------------------------------------------------------------------- reading


def _is_json_array(path: Path) -> bool:
    name = path.name.lower()
    if not name.endswith((".json", ".json.gz", ".json.zst")):
        return False
    if name.endswith(".zst"):
        import zstandard

        with open(path, "rb") as fh:
            head = zstandard.ZstdDecompressor().stream_reader(fh).read(4096)
    elif name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            head = fh.read(4096)
    else:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


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


def _read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """Create temp table _raw(line_no, line) with the file's lines and their 1-based numbers, and
    _cut(line_no) with the line at which a compressed file cut short ends (empty when it does not);
    return that line number, or None.

    Line numbers come from reading in file order; once they are in `_raw`, nothing later needs
    order, and dropping it is what lets DuckDB stream a multi-GB file within its memory limit.
    A compressed file is decoded once up front to tell whole, cut short and corrupt apart: DuckDB
    alone cannot (see mmaudit/integrity.py).
    """
    con.execute("CREATE OR REPLACE TEMP TABLE _cut (line_no BIGINT)")
    con.execute("SET preserve_insertion_order = true")
    try:
        if is_cut_short(path):  # raises InputError for corrupt or not-compressed data
            return _read_cut_lines(con, path)
        _read_lines_in_order(con, path)
        return None
    finally:
        con.execute("SET preserve_insertion_order = false")


def _read_cut_lines(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """_raw for a compressed file cut short: its complete lines, then the cut line; returns the latter's number.

    The readable part is decoded, streaming, into a temporary directory (owner-only, under $TMPDIR,
    deleted on return, error or Ctrl-C) under the file's own name less .gz/.zst, so the usual readers
    take it for the same kind of log and number its lines as they would the whole file's. That file
    ends at the last newline: the partial line never reaches the CSV parser or the invalid-UTF-8
    fallback (a cut can split a character); it is added as the cut line with the text it has. A file
    cut exactly at a line's end still gets a cut line, empty, so the quarantine shows the file is
    incomplete.
    """
    with tempfile.TemporaryDirectory(prefix="mmaudit-cut-") as tmp:
        plain = Path(tmp, path.name[: path.name.rfind(".")])
        with open(plain, "wb") as out:
            prefix = write_readable_prefix(path, out)
        if _is_json_array(plain):
            raise InputError(f"{path}: the compressed data ends early (the file was cut short?) and a JSON array "
                             "cut short cannot be read record by record; nothing of it was loaded")
        if prefix.complete == 0:
            raise cut_short_nothing_readable(path)
        if _table_reader(plain) and _odd_quotes(plain, prefix.complete):
            raise InputError(f"{path}: the compressed data ends early (the file was cut short?) inside a quoted "
                             "CSV field, so its last rows cannot be told apart; nothing of it was loaded")
        tail = _tail_text(plain, prefix)
        os.truncate(plain, prefix.complete)
        try:
            _read_lines_in_order(con, plain)
        except (duckdb.IOException, duckdb.InvalidInputException) as exc:
            raise InputError(explain_read_error(path, _first_line(exc).replace(str(plain), str(path)))) from None
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM _raw WHERE trim(line) <> '' LIMIT 1)").fetchall()[0][0]:
        raise cut_short_nothing_readable(path)
    cut = con.execute("SELECT coalesce(max(line_no), 0) + 1 FROM _raw").fetchall()[0][0]
    con.execute("INSERT INTO _raw VALUES (?, ?)", [cut, tail])
    con.execute("INSERT INTO _cut VALUES (?)", [cut])
    return cut


def _odd_quotes(plain: Path, size: int) -> bool:
    """Whether the first `size` bytes of a CSV end inside a quoted field (escaped quotes come in pairs).

    DuckDB reads an unclosed quote at the end of a file as text, so a row cut inside a multi-line
    field would load as if whole.
    """
    count = 0
    with open(plain, "rb") as fh:
        while size > 0 and (chunk := fh.read(min(CHUNK, size))):
            count, size = count + chunk.count(b'"'), size - len(chunk)
    return count % 2 == 1


def _tail_text(plain: Path, prefix: Prefix) -> str:
    """The partial line after the last newline, as much of it as the quarantine keeps."""
    with open(plain, "rb") as fh:
        fh.seek(prefix.complete)
        return fh.read(min(prefix.size - prefix.complete, 4 * RAW_KEEP_CHARS)).decode("utf-8", errors="replace")


def _read_lines_in_order(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute("DROP TABLE IF EXISTS _raw")
    table_reader = _table_reader(path)
    if table_reader:
        # Each row becomes a JSON object line, so detection, adapters and quarantine work the
        # same as for JSONL; source_line is the 1-based data row number.
        con.execute(
            f"CREATE TEMP TABLE _raw AS SELECT row_number() OVER () AS line_no, to_json(t)::VARCHAR AS line "
            f"FROM {table_reader} t",
            [str(path)],
        )
        return
    if _is_json_array(path):
        con.execute(
            "CREATE TEMP TABLE _raw AS SELECT row_number() OVER () AS line_no, json::VARCHAR AS line "
            "FROM read_json_objects(?, format = 'array')",
            [str(path)],
        )
        return
    try:
        con.execute(f"CREATE TEMP TABLE _raw AS {_READ_LINES % (MAX_LINE_BYTES, READ_BUFFER_BYTES, '')}", [str(path)])
    except duckdb.InvalidInputException as exc:
        if "unicode" not in str(exc).lower() and "encod" not in str(exc).lower():
            raise
        _read_lines_with_rejects(con, path)


def _read_lines_with_rejects(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Fallback for files with invalid UTF-8: good lines keep their numbers, bad ones are marked.

    DuckDB skips rejected lines and records their numbers, so the n-th good line is the n-th
    line number that was not rejected.
    """
    extra = ", ignore_errors = true, store_rejects = true, rejects_table = '_rej', rejects_scan = '_rej_scan'"
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


# --------------------------------------------------------------------------- detection


def detect_format(con: duckdb.DuckDBPyConnection, path: Path) -> LogFormat:
    """The format that recognises the most records of a sample of the file (ties: registry order).

    A format with `refuse` set (a file that is recognisably not a call log) fails the file
    with its message.
    """
    sample_size = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM _raw WHERE json_valid(line) LIMIT {DETECT_SAMPLE})"
    ).fetchall()[0][0]
    if sample_size == 0:
        raise InputError(f"{path}: no valid JSON records to detect a log format from")
    scores: list[tuple[int, LogFormat]] = []
    for fmt in FORMATS:
        hits = con.execute(
            f"SELECT count(*) FROM (SELECT from_json(line, ?) AS r FROM "
            f"(SELECT line FROM _raw WHERE json_valid(line) LIMIT {DETECT_SAMPLE})) WHERE {fmt.detect}",
            [fmt.structure_json()],
        ).fetchall()[0][0]
        scores.append((hits, fmt))
    best_hits, best = max(scores, key=lambda s: s[0])  # max keeps the first of equal scores
    if best_hits == 0:
        tried = "; ".join(f"{fmt.name}: none has {fmt.detect_hint}" for _, fmt in scores)
        raise InputError(
            f"{path}: cannot tell the log format of the first {sample_size} records. "
            f"Considered {tried}. Use --log-format to force one."
        )
    if best.refuse:
        raise InputError(f"{path}: {best.refuse}")
    return best


# --------------------------------------------------------------------------- one file

_EXCLUDED = "'\x00invalid-utf8'"


# the line where a compressed file cut short ends (0, no line, when it is whole): see _read_lines
_CUT_LINE = "coalesce((SELECT max(line_no) FROM _cut), 0)"
_OBJECT = "json_valid(line) AND starts_with(ltrim(line, chr(65279) || ' ' || chr(9)), '{')"


def _stage(con: duckdb.DuckDBPyConnection, primary: LogFormat, forced: bool) -> None:
    """Build _staged (canonical rows), _quarantined (line_no, reason, format) and _skipped.

    The usual file is all one format: its lines are parsed once, straight from _raw. Only the
    lines the primary format does not recognise are parsed again, format by format. The line where
    a compressed file is cut short (_cut) is quarantined whatever it holds, even nothing.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _quarantined AS
        SELECT line_no, CASE
            WHEN line_no = {_CUT_LINE} THEN ?
            WHEN line = {_EXCLUDED} THEN 'line is not valid UTF-8 text'
            WHEN NOT json_valid(line) AND line_no = (SELECT max(line_no) FROM _raw)
                 AND starts_with(ltrim(line), '{{') THEN 'last line is cut short (incomplete JSON)'
            WHEN NOT json_valid(line) THEN 'not valid JSON'
            ELSE 'a JSON ' || CASE WHEN json_type(line) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN 'number'
                WHEN json_type(line) = 'VARCHAR' THEN 'string' ELSE lower(json_type(line)) END || ', not an object'
          END AS reason, NULL::VARCHAR AS source_format
        FROM _raw
        WHERE (line IS NOT NULL AND trim(line) <> '' AND NOT ({_OBJECT})) OR line_no = {_CUT_LINE}
        """,
        [CUT_REASON],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _skipped (line_no BIGINT)")
    source = (f"(SELECT line_no, ltrim(line, chr(65279)) AS line FROM _raw WHERE line <> {_EXCLUDED} AND {_OBJECT} "
              f"AND line_no <> {_CUT_LINE})")
    _stage_format(con, primary, source, first=True)
    leftover = con.execute("SELECT count(*) FROM _pending").fetchall()[0][0]
    for fmt in [] if forced or not leftover else [f for f in FORMATS if f is not primary and not f.refuse]:
        _stage_format(con, fmt, "_pending", first=False)
    con.execute(
        "INSERT INTO _quarantined SELECT line_no, ?, NULL FROM _pending",
        [f"not a {primary.name} record: expected {primary.detect_hint}"],
    )


def _stage_format(con: duckdb.DuckDBPyConnection, fmt: LogFormat, source: str, *, first: bool) -> None:
    """Parse `source` lines as `fmt`: records to _staged, bad values to _quarantined, lines that
    are the format's but not calls to _skipped, and lines it does not recognise to _pending."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT line_no, line, from_json(line, ?) AS r FROM {source}",
        [fmt.structure_json()],
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pending AS SELECT line_no, line FROM _parsed WHERE NOT coalesce({fmt.detect}, false)")
    bad = con.execute(f"SELECT count(*) FROM ({fmt.checks_sql('_parsed')})").fetchall()[0][0] if fmt.numbers or fmt.times else 0
    if bad:
        con.execute(f"INSERT INTO _quarantined SELECT line_no, reason, '{fmt.name}' FROM ({fmt.checks_sql('_parsed')})")
        con.execute("DELETE FROM _parsed WHERE line_no IN (SELECT line_no FROM _quarantined)")
    verb = "CREATE OR REPLACE TEMP TABLE _staged AS" if first else "INSERT INTO _staged"
    con.execute(f"{verb} {fmt.projection_sql('_parsed')}")
    if fmt.skip != "false" or fmt.explode is not None:
        # Detected lines that yielded no call (skipped, or exploded into no kept item) are skipped.
        con.execute(
            f"INSERT INTO _skipped SELECT line_no FROM _parsed WHERE ({fmt.detect}) "
            "AND line_no NOT IN (SELECT source_line FROM _staged)"
        )


def _finish_staged(con: duckdb.DuckDBPyConnection) -> None:
    """Stable ids for records the log gave none: the line's hash and its occurrence number, so
    identical error lines stay distinct calls and a re-read of the same file finds the same ids."""
    missing = con.execute("SELECT count(*) FROM _staged WHERE call_id IS NULL").fetchall()[0][0]
    if missing:
        con.execute(
            """UPDATE _staged SET call_id = x.id FROM (
                SELECT s.rowid AS rid, 'h-' || md5(r.line) || '-' || row_number() OVER (PARTITION BY md5(r.line) ORDER BY s.source_line, s.rowid) AS id
                FROM _staged s JOIN _raw r ON r.line_no = s.source_line WHERE s.call_id IS NULL) x
            WHERE _staged.rowid = x.rid"""
        )


def _estimate_tokens(con: duckdb.DuckDBPyConnection) -> int:
    """Count tokens with tiktoken for successful records that have text but no usage counts."""
    need = con.sql(
        """SELECT rowid AS rid, model, _prompt_text, _output_text FROM _staged
        WHERE status = 'ok' AND ((input_tokens IS NULL AND _prompt_text IS NOT NULL)
                              OR (output_tokens IS NULL AND _output_text IS NOT NULL))"""
    ).to_arrow_table()
    if need.num_rows == 0:
        return 0
    counts_in = tokens.count_tokens(need.column("_prompt_text").to_pylist())
    counts_out = tokens.count_tokens(need.column("_output_text").to_pylist())
    con.register("_est", pa.table({"rid": need.column("rid"), "n_in": counts_in, "n_out": counts_out}))
    con.execute(
        """UPDATE _staged SET
            input_tokens = coalesce(input_tokens, e.n_in),
            output_tokens = coalesce(output_tokens, e.n_out),
            tokens_estimated = true
        FROM _est AS e WHERE _staged.rowid = e.rid"""
    )
    con.unregister("_est")
    return need.num_rows


def _redact(con: duckdb.DuckDBPyConnection) -> None:
    sets = ", ".join(f"{c} = NULL" for c in (*TEXT_COLUMNS, "_prompt_text", "_output_text"))
    con.execute(f"UPDATE _staged SET {sets}")


_STORED = [*CANONICAL_COLUMNS, "model_key", "cost_usd", "task", "complexity", "category_confidence", "category_source", *LINEAGE_COLUMNS]


def _has_repeated_ids(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) > count(DISTINCT call_id) FROM _staged").fetchall()[0][0]


def _commit(con: duckdb.DuckDBPyConnection, path: Path, result: FileResult, options: IngestOptions) -> None:
    """Insert what is new, in one transaction, and fill in the counts of `result`."""
    source = str(path)
    cols = ", ".join(_STORED)
    raw_col = "NULL" if options.redact_text else f"left(r.line, {RAW_KEEP_CHARS})"
    con.execute("BEGIN TRANSACTION")
    try:
        first_of_id = ("QUALIFY row_number() OVER (PARTITION BY call_id ORDER BY source_line) = 1"
                       if _has_repeated_ids(con) else "")
        result.loaded = con.execute(
            f"""INSERT INTO calls ({cols}, call_hash) SELECT {cols}, {CALL_HASH_SQL.format(id="s.call_id")} FROM _staged s
            WHERE NOT EXISTS (SELECT 1 FROM calls c WHERE c.call_id = s.call_id) {first_of_id}"""
        ).fetchall()[0][0]
        con.execute(
            f"""INSERT INTO quarantine (source_file, source_line, source_format, reason, raw, raw_hash)
            SELECT ?, q.line_no, q.source_format, q.reason, {raw_col}, md5(coalesce(r.line, ''))
            FROM _quarantined q LEFT JOIN _raw r USING (line_no)
            WHERE NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.source_file = ?
                              AND x.source_line = q.line_no AND x.raw_hash = md5(coalesce(r.line, '')))""",
            [source, source],
        )
        staged = con.execute("SELECT count(*) FROM _staged").fetchall()[0][0]
        result.duplicates = staged - result.loaded
        con.execute(
            "INSERT INTO ingested_files (source_file, source_format, size_bytes, records, loaded, duplicates, quarantined) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [source, result.log_format, path.stat().st_size, result.records, result.loaded, result.duplicates, result.quarantined],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions) -> FileResult:
    """Load one file; problems with the file itself become a failed FileResult, not an exception."""
    result = FileResult(path=str(path))
    try:
        cut_line = _read_lines(con, path)
        if not con.execute("SELECT count(*) FROM (SELECT 1 FROM _raw WHERE trim(line) <> '' LIMIT 1)").fetchall()[0][0]:
            result.status, result.message = "empty", "empty file: nothing to load"
            return result
        forced = options.log_format is not None or options.custom_format is not None
        fmt = options.custom_format or (by_name(options.log_format) if options.log_format else detect_format(con, path))
        if fmt.refuse:
            raise InputError(f"{path}: {fmt.refuse}")
        result.log_format = fmt.name
        result.records = con.execute("SELECT count(*) FROM _raw WHERE line IS NOT NULL AND trim(line) <> ''").fetchall()[0][0]
        _stage(con, fmt, forced)
        _finish_staged(con)
        result.quarantined = con.execute("SELECT count(*) FROM _quarantined").fetchall()[0][0]
        result.skipped = con.execute("SELECT count(DISTINCT line_no) FROM _skipped").fetchall()[0][0]
        if options.strict and result.quarantined:
            result.status = "rejected"
            result.message = f"{result.quarantined} record(s) could not be loaded; --strict loads nothing of this file"
            if cut_line is not None:
                result.message = f"the compressed file ends early (cut short) at line {cut_line}; " + result.message
            return result
        result.estimated = _estimate_tokens(con)
        for enrich in options.enrichers:
            enrich(con, "_staged")
        if options.redact_text:
            _redact(con)
        con.execute("UPDATE _staged SET source_file = ?", [str(path)])
        result.conflicting_ids = count_conflicting_ids(con)
        _commit(con, path, result, options)
        if cut_line is not None:
            result.status, result.message = "partial", _partial_message(result, cut_line)
    except InputError as exc:
        result.status, result.message = "failed", str(exc)
    except (duckdb.IOException, duckdb.InvalidInputException, OSError, EOFError) as exc:
        result.status, result.message = "failed", explain_read_error(path, _first_line(exc))
    return result


def _partial_message(result: FileResult, cut_line: int) -> str:
    """Status 'partial' says the data is known to be incomplete; this says how much of it is there."""
    duplicates = f" ({result.duplicates} duplicate(s) not loaded again)" if result.duplicates else ""
    return (f"the compressed file ends early (cut short): {result.loaded} record(s) loaded{duplicates} from the "
            f"{cut_line - 1} line(s) before the cut; line {cut_line} and the rest of the file are missing")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Session settings and macros the ingest SQL relies on."""
    con.execute("SET TimeZone = 'UTC'")
    macros.install(con)


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str],
    options: IngestOptions = IngestOptions(),
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestResult:
    """Discover and load every file; one transaction per file."""
    files = discover(paths)
    if not files:
        raise InputError("no log files found in " + ", ".join(paths))
    prepare(con)
    result = IngestResult()
    for path in files:
        file_result = ingest_file(con, path, options)
        result.files.append(file_result)
        if on_file:
            on_file(file_result)
    return result
