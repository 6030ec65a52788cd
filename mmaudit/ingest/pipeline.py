"""One ingest run: discover the files, then per file read -> detect -> stage -> store, chunk by chunk
(small files together: ingest/batching.py)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from mmaudit.errors import InputError, interrupted_in_udf
from mmaudit.formats import LogFormat, by_name, hosts, macros
from mmaudit.ingest import batching
from mmaudit.ingest import scratch as scratch_dirs
from mmaudit.ingest.captures import no_call_in, unwrap_sample
from mmaudit.ingest.committing import FileWriter, LedgerRow
from mmaudit.ingest.cut import CUT_REASON, CutFile, partial_message, readable_part
from mmaudit.ingest.detection import DETECT_SAMPLE, detect_format
from mmaudit.ingest.discovery import discover
from mmaudit.ingest.fingerprint import Fingerprint, fingerprint, loaded_before
from mmaudit.ingest.outcome import Enricher, FileResult, IngestOptions, IngestResult  # noqa: F401  (re-exported)
from mmaudit.ingest.reading import LineReader, ReadAgain, ReadMode
from mmaudit.ingest.staging import (
    Carry,
    IdOccurrences,
    drop_staging,
    estimate_tokens,
    stage_chunk,
    write_chunk,
)
from mmaudit.integrity import explain_read_error, is_cut_short


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions) -> FileResult:
    """Load one file; problems with the file itself become a failed FileResult, not an exception.

    A file found while streaming to hold invalid UTF-8, or a very long line, is rolled back and
    read again in the ReadMode it needs (each mode is tried at most once: modes only escalate).
    A compressed file cut short loads its complete lines and quarantines the cut (see cut.py).
    """
    read_from = path
    try:
        fp = fingerprint(path, _read_as(options))
        before = loaded_before(con, path, fp)
        if before is not None:
            return FileResult(path=str(path), status="unchanged",
                              message=f"unchanged since it was loaded at {before:%Y-%m-%d %H:%M:%S %Z}: not read again")
        if not is_cut_short(path):  # raises InputError for corrupt or not-compressed data
            return _ingest_in_modes(con, path, path, options, None, fp)
        with readable_part(path) as cut:
            read_from = cut.plain
            return _ingest_in_modes(con, cut.plain, path, options, cut, fp)
    except InputError as exc:
        return FileResult(path=str(path), status="failed", message=str(exc))
    except duckdb.OutOfMemoryException as exc:
        return FileResult(path=str(path), status="failed", message=(
            f"{path}: not enough memory to load this file under DuckDB's memory limit ({_first_line(exc)}); "
            "nothing of it was loaded. Raise MMAUDIT_MEMORY_LIMIT (e.g. 4GB) and run again."))
    except (duckdb.IOException, duckdb.InvalidInputException, OSError, EOFError) as exc:
        if interrupted_in_udf(exc):
            raise KeyboardInterrupt from exc
        error = _first_line(exc).replace(str(read_from), str(path))
        return FileResult(path=str(path), status="failed", message=explain_read_error(path, error))


def _read_as(options: IngestOptions) -> str:
    """How a file is read, as part of its fingerprint (another way may store other calls)."""
    if options.custom_format is not None:
        return "mapping:" + hashlib.sha256(repr(options.custom_format).encode()).hexdigest()[:16]
    return options.log_format or "auto"


def _ingest_in_modes(con: duckdb.DuckDBPyConnection, read_from: Path, path: Path, options: IngestOptions,
                     cut: CutFile | None, fp: Fingerprint) -> FileResult:
    mode = ReadMode()
    while True:
        try:
            return _ingest(con, read_from, path, options, mode, cut, fp)
        except ReadAgain as again:
            mode = again.mode


def _ingest(con: duckdb.DuckDBPyConnection, read_from: Path, path: Path, options: IngestOptions, mode: ReadMode,
            cut: CutFile | None, fp: Fingerprint) -> FileResult:
    """Ingest the lines of `read_from` as the file `path` (they differ for a file cut short)."""
    result = FileResult(path=str(path))
    reader = LineReader(con, read_from, mode)
    try:
        if not reader.has_records():
            result.status, result.message = "empty", "empty file: nothing to load"
            return result
        fmt = options.forced_format()
        forced = fmt is not None
        # a detected file of captured HTTP exchanges is read as the pairs they hold; a forced format
        # (or a user's mapping) reads the lines as they are
        sample = None if forced else reader.sample(DETECT_SAMPLE)
        unwrapped = None if sample is None else unwrap_sample(con, sample)
        detected = fmt or _detected(con, path, sample, unwrapped)
        fmt = detected or by_name(_NO_CALL_READER)
        if fmt.refuse:
            raise InputError(f"{path}: {fmt.refuse}")
        result.log_format = fmt.name if detected else None
        _load(con, reader, path, fmt, forced, options, result, cut, fp, unwrapped is not None)
        return result
    finally:
        reader.close()
        drop_staging(con)


# What reads a file of captured exchanges that asked for no billed answer: its lines are skipped
# as not calls (staging's `not_a_call_sql`), and a later line that is a call is read by the format
# that knows it, as leftover lines of every file are. Any format would do; the file reports none.
_NO_CALL_READER = "openai-chat"


def _detected(con: duckdb.DuckDBPyConnection, path: Path, sample: pa.Table | None,
              unwrapped: pa.Table | None) -> LogFormat | None:
    """The file's format, or None for a recorder's file whose sampled exchanges all asked for no
    billed answer (model listings, token counts): not an unknown log, so not an error."""
    try:
        return detect_format(con, path, sample if unwrapped is None else unwrapped)
    except InputError:
        if unwrapped is None or sample is None or not no_call_in(con, sample):
            raise
        return None


def _load(con: duckdb.DuckDBPyConnection, reader: LineReader, path: Path, fmt: LogFormat, forced: bool,
          options: IngestOptions, result: FileResult, cut: CutFile | None, fp: Fingerprint,
          captures: bool = False) -> None:
    """Stage and store every chunk in the file's one transaction (none of it under a strict
    rejection: the rest of the file is still staged so the counts are the whole file's).
    `captures`: the file holds captured HTTP exchanges (ingest/captures.py)."""
    writer = FileWriter(con, [path])
    last_line = 0
    scratch = scratch_dirs.make()  # owner-only; holds one chunk at a time
    try:
        ids, carry = IdOccurrences(con), Carry()
        for chunk in reader.chunks():
            last_line = max(last_line, chunk.last_line_no)
            stats = stage_chunk(con, chunk, fmt, forced, ids, carry, captures)
            result.records += stats.records
            if options.on_records:
                options.on_records(path, result.records)
            result.quarantined += stats.quarantined
            result.skipped += stats.skipped
            if options.strict and result.quarantined:
                continue
            result.estimated += sum(estimate_tokens(con))
            for enrich in options.enrichers:
                enrich(con, "_staged")
            files = write_chunk(con, scratch, options.redact_text, quarantined=stats.quarantined > 0)
            try:
                (loaded,), (upgraded,) = writer.add(files, stats.repeated_ids)
            finally:
                files.remove()
            result.loaded += loaded
            result.upgraded += upgraded
            result.duplicates += stats.staged - loaded - (writer.purged[0] - result.purged)
            result.purged = writer.purged[0]
        cut_line = last_line + 1
        if cut is not None:
            result.records += 1
            result.quarantined += 1
            writer.add_cut(cut_line, cut.tail, CUT_REASON, keep_text=not options.redact_text)
        if options.strict and result.quarantined:
            result.loaded = result.duplicates = result.upgraded = result.estimated = result.purged = 0  # what earlier chunks stored is rolled back
            result.status = "rejected"
            result.message = f"{result.quarantined} record(s) could not be loaded; --strict loads nothing of this file"
            if cut is not None:
                result.message = f"the compressed file ends early (cut short) at line {cut_line}; " + result.message
            return
        (result.conflicting_ids,) = writer.commit([LedgerRow(
            path, result.log_format, result.records, result.loaded, result.duplicates, result.quarantined,
            fp if cut is None else None)])  # a cut file says so every time
        if cut is not None:
            result.status, result.message = "partial", partial_message(result.loaded, result.duplicates, cut_line)
    finally:
        writer.abort()
        shutil.rmtree(scratch, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Session settings and macros the ingest SQL relies on."""
    con.execute("SET TimeZone = 'UTC'")
    macros.install(con)
    hosts.install(con)


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[str],
    options: IngestOptions = IngestOptions(),
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestResult:
    """Discover and load every file, in order; one transaction per file, or per group of small
    files (ingest/batching.py)."""
    files = discover(paths)  # never empty: it raises when nothing is found
    prepare(con)
    scratch_dirs.sweep()  # what ingests killed outright left in the temp directory
    result = IngestResult()
    small: list[Path] = []

    def done(file_result: FileResult) -> None:
        result.files.append(file_result)
        if on_file:
            on_file(file_result)

    def store_small() -> None:
        # small files go in batches (ingest/batching.py), each in its place in the order
        for file_result in batching.ingest_small_files(con, small, _read_as(options), options,
                                                       lambda p: ingest_file(con, p, options)):
            done(file_result)
        small.clear()

    for path in files:
        if batching.is_small(path):
            small.append(path)
            continue
        store_small()
        done(ingest_file(con, path, options))
    store_small()
    return result
