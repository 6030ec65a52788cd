"""Small files staged and stored together: one pass of the ingest SQL for many files.

Why: a file pays a fixed cost the size of the SQL it runs, not of its lines. Its format's
projection, the categoriser and the pricing are planned afresh for every chunk (~0.5-0.8 s a
file on a 2-core machine), so a directory of 1,000 one-call files (per-request captures, Claude
Code's session files, Bedrock's S3 delivery) took over ten minutes. Staged as one chunk, numbered
as `formats.base.LINE_BITS` says (the file's index above, its own line below), they pay it once.

Each file stores what it would alone. Its format's windows (a stream's events, a session's
model) partition by file (`LogFormat.per_file`; a user's mapping with a window of its own is not
batched), a span's parent is looked for in its own file, and what else could differ is kept out
of a batch:

- a batch is stored in consecutive groups of files that share no call id, one transaction each: a
  file with a call id an earlier file of its group has starts the next group, so the earlier file
  is stored first, as one file after another would be, and the repeat is read against it (a
  duplicate, a more complete version, or a conflict: mmaudit/conflicts.py);
- a file already loaded unchanged, cut short, empty, with invalid UTF-8 or a very long line,
  larger than BATCH_LINE_BYTES, of captured HTTP exchanges, or whose format cannot be told, is
  refused or reads across files, is read alone, as before, in its place in the order;
- a run of files with lines their detected format does not recognise (a file of mixed formats),
  or with any quarantined line under --strict, is read file by file.

Each file keeps its own lineage, result, ledger row and fingerprint. A group is one transaction:
an interrupted run leaves the database as it was before the group.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from mmaudit.errors import InputError, interrupted_in_udf
from mmaudit.formats import LogFormat
from mmaudit.formats.base import LINE_BITS, file_index_sql
from mmaudit.ingest import scratch as scratch_dirs
from mmaudit.ingest.captures import is_wrapped_sql
from mmaudit.ingest.committing import FileWriter, LedgerRow
from mmaudit.ingest.detection import DETECT_SAMPLE, detect_formats
from mmaudit.ingest.fingerprint import Fingerprint, fingerprint, loaded_before
from mmaudit.ingest.outcome import FileResult, IngestOptions
from mmaudit.ingest.reading import Chunk, LineReader, ReadAgain
from mmaudit.ingest.staging import (
    NOT_BLANK,
    IdOccurrences,
    drop_staging,
    estimate_tokens,
    stage_chunk,
    write_chunk,
)
from mmaudit.integrity import is_cut_short

# A file this small on disk is worth batching; a batch holds at most this many files and lines'
# bytes (a chunk's worth), and a file whose lines exceed BATCH_LINE_BYTES is read alone.
SMALL_FILE_BYTES = 1 << 20
BATCH_FILES = 2000
BATCH_LINE_BYTES = 16 << 20
BATCH_BYTES = 64 << 20


@dataclass
class SmallFile:
    """A small file read whole: its numbered lines (its own numbers) and fingerprint."""

    path: Path
    fp: Fingerprint
    lines: pa.Table
    fmt: LogFormat | None = None


def is_small(path: Path) -> bool:
    try:
        return path.stat().st_size <= SMALL_FILE_BYTES
    except OSError:
        return False  # read alone, where the error is explained


Alone = Callable[[Path], FileResult]


def ingest_small_files(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], read_as: str,
                       options: IngestOptions, alone: Alone) -> Iterator[FileResult]:
    """Each file's result, in the order of `paths`: small files of one per-line format stored in
    batches, the others by `alone` (the one-file ingest). `read_as` goes in the fingerprints."""
    forced = options.forced_format()
    pending: list[SmallFile | Path] = []
    size = 0
    for path in paths:
        item = _read(con, path, read_as)
        pending.append(item)
        if options.on_records and isinstance(item, SmallFile):  # progress while a batch is read
            options.on_records(path, item.lines.num_rows)
        size += item.lines.nbytes if isinstance(item, SmallFile) else 0
        if len(pending) >= BATCH_FILES or size >= BATCH_BYTES:
            yield from _ingest_read(con, pending, forced, options, alone)
            pending, size = [], 0
    yield from _ingest_read(con, pending, forced, options, alone)


def _read(con: duckdb.DuckDBPyConnection, path: Path, read_as: str) -> SmallFile | Path:
    """The file read whole, or its path when it is to be read alone."""
    try:
        fp = fingerprint(path, read_as)
        if loaded_before(con, path, fp) is not None or is_cut_short(path):
            return path
        reader = LineReader(con, path)
        try:
            chunks = reader.chunks(max_bytes=BATCH_LINE_BYTES)
            first = next(chunks, None)
            if first is None or not first.last or first.lines.num_rows == 0:
                return path
            return SmallFile(path, fp, first.lines)
        finally:
            reader.close()
    except (InputError, ReadAgain, duckdb.Error, OSError, EOFError) as exc:
        _stop_if_interrupted(exc)
        return path


def _ingest_read(con: duckdb.DuckDBPyConnection, items: list[SmallFile | Path], forced: LogFormat | None,
                 options: IngestOptions, alone: Alone) -> Iterator[FileResult]:
    small = [item for item in items if isinstance(item, SmallFile)]
    _assign_formats(con, small, forced)
    run: list[SmallFile] = []
    for item in items:
        if isinstance(item, SmallFile) and item.fmt is not None and (not run or item.fmt is run[0].fmt):
            run.append(item)
            continue
        yield from _ingest_run(con, run, forced is not None, options, alone)
        run = []
        if isinstance(item, SmallFile) and item.fmt is not None:
            run = [item]
        else:
            yield alone(item.path if isinstance(item, SmallFile) else item)
    yield from _ingest_run(con, run, forced is not None, options, alone)


def _assign_formats(con: duckdb.DuckDBPyConnection, files: list[SmallFile], forced: LogFormat | None) -> None:
    """Each file's format when it can join a batch (else None: it is read alone). Detection reads
    the same sample as for a file alone: its first DETECT_SAMPLE valid JSON lines."""
    if not files:
        return
    lines = pa.concat_tables([pa.table({"f": pa.array([i] * f.lines.num_rows, pa.int64()),
                                        "line_no": f.lines.column("line_no"), "line": f.lines.column("line")})
                              for i, f in enumerate(files)])
    con.register("_batch_lines", lines)
    try:
        sample = con.sql(
            f"""SELECT f, line, {is_wrapped_sql('line')} AS capture FROM _batch_lines WHERE json_valid(line)
            QUALIFY row_number() OVER (PARTITION BY f ORDER BY line_no) <= {DETECT_SAMPLE} ORDER BY f, line_no"""
        ).to_arrow_table()
        has_records = {f for (f,) in con.execute(f"SELECT DISTINCT f FROM _batch_lines WHERE {NOT_BLANK}").fetchall()}
    finally:
        con.unregister("_batch_lines")
    f = sample.column("f").to_numpy()
    # a forced format reads captured exchanges as they are; detected, they are unwrapped alone
    captures = set() if forced else set(f[sample.column("capture").to_numpy(zero_copy_only=False).astype(bool)].tolist())
    if forced is not None:
        found: list[LogFormat | InputError] = [forced] * len(files)
    else:
        found = detect_formats(con, [file.path for file in files], sample)
    for i, (file, fmt) in enumerate(zip(files, found, strict=True)):
        batchable = (isinstance(fmt, LogFormat) and not fmt.refuse and fmt.per_file()
                     and i in has_records and i not in captures)
        file.fmt = fmt if batchable else None


def _ingest_run(con: duckdb.DuckDBPyConnection, run: list[SmallFile], forced: bool, options: IngestOptions,
                alone: Alone) -> Iterator[FileResult]:
    """Store a run of files of one format in batches; file by file what cannot be batched."""
    while run:
        stored: list[FileResult] = []
        try:
            stored = _store_batches(con, run, forced, options)
        finally:
            drop_staging(con)
        if not stored:
            break
        yield from stored
        run = run[len(stored):]
    for file in run:
        yield alone(file.path)


def _store_batches(con: duckdb.DuckDBPyConnection, run: list[SmallFile], forced: bool,
                   options: IngestOptions) -> list[FileResult]:
    """Stage the run as one chunk, then store it in consecutive groups of files that share no call
    id, one transaction each, so a file repeating an earlier file's id is read against the stored
    call, as one file after another would be. Returns the results of the files stored: none when
    the run must be read file by file, fewer than the run when a group failed to store."""
    fmt = run[0].fmt
    assert fmt is not None
    try:
        stats = stage_chunk(con, _batch_chunk(run), fmt, forced, IdOccurrences(con))
    except (InputError, duckdb.Error, OSError) as exc:
        _stop_if_interrupted(exc)
        return []
    # lines their format does not recognise are tried as the other formats (unless one is forced),
    # some of which read a line against its neighbours: such a run is read file by file
    if (stats.unrecognised and not forced) or (options.strict and stats.quarantined):
        return []
    n = len(run)
    records = _per_file(con, f"SELECT {file_index_sql('line_no')} AS f, count(*) FROM _raw WHERE {NOT_BLANK}", n)
    quarantined = _per_file(con, f"SELECT {file_index_sql('line_no')} AS f, count(*) FROM _quarantined", n)
    skipped = _per_file(con, f"SELECT {file_index_sql('line_no')} AS f, count(DISTINCT line_no) FROM _skipped", n)
    staged = _per_file(con, f"SELECT {file_index_sql('source_line')} AS f, count(*) FROM _staged", n)
    estimated = estimate_tokens(con, n)
    for enrich in options.enrichers:
        enrich(con, "_staged")
    results: list[FileResult] = []
    for group in _groups_without_shared_ids(con, n):
        try:
            loaded, upgraded, conflicting, purged = _store_group(con, run, group, fmt, records, staged, quarantined,
                                                                 stats.repeated_ids, options.redact_text)
        except (InputError, duckdb.Error, OSError) as exc:
            _stop_if_interrupted(exc)
            break
        for i in group:
            if options.on_records:
                options.on_records(run[i].path, records[i])
            results.append(FileResult(
                path=str(run[i].path), log_format=fmt.name, records=records[i], loaded=loaded[i],
                duplicates=staged[i] - loaded[i] - purged[i], upgraded=upgraded[i], quarantined=quarantined[i],
                skipped=skipped[i], purged=purged[i], estimated=estimated[i], conflicting_ids=conflicting[i]))
    return results


def _store_group(con: duckdb.DuckDBPyConnection, run: list[SmallFile], group: range, fmt: LogFormat,
                 records: list[int], staged: list[int], quarantined: list[int], repeated: bool,
                 redact_text: bool) -> tuple[list[int], list[int], dict[int, int], list[int]]:
    """Store the staged rows of the files in `group` in one transaction: per file of the run,
    (calls new, calls upgraded), each group file's conflicting ids, and per file the calls older
    than a purge (not loaded)."""
    scratch = scratch_dirs.make()
    writer = FileWriter(con, [f.path for f in run])
    try:
        written = write_chunk(con, scratch, redact_text, quarantined=any(quarantined[i] for i in group), files=group)
        try:
            loaded, upgraded = writer.add(written, repeated)
        finally:
            written.remove()
        ledger = [LedgerRow(run[i].path, fmt.name, records[i], loaded[i], staged[i] - loaded[i] - writer.purged[i],
                            quarantined[i], run[i].fp) for i in group]
        conflicting = dict(zip(group, writer.commit(ledger), strict=True))
    finally:
        writer.abort()
        shutil.rmtree(scratch, ignore_errors=True)
    return loaded, upgraded, conflicting, writer.purged


def _batch_chunk(run: list[SmallFile]) -> Chunk:
    """The run's lines as one chunk, each numbered `index << LINE_BITS | own line`."""
    tables, ends = [], []
    for i, file in enumerate(run):
        own = file.lines.column("line_no").to_numpy()
        tables.append(pa.table({"line_no": pa.array((i << LINE_BITS) | own), "line": file.lines.column("line")}))
        ends.append((i << LINE_BITS) | int(own[-1]))
    return Chunk(pa.concat_tables(tables), last=True, ends=tuple(ends))


def _groups_without_shared_ids(con: duckdb.DuckDBPyConnection, files: int) -> list[range]:
    """The run's files cut into consecutive groups, each as long as it can be while no two of its
    files share a call id (a file starts a new group when it shares one with a file of the group
    so far)."""
    latest_earlier = dict(con.execute(
        f"""WITH ids AS (SELECT DISTINCT call_id, {file_index_sql('source_line')} AS f FROM _staged WHERE call_id IS NOT NULL)
        SELECT b.f, max(a.f) FROM ids a JOIN ids b ON a.call_id = b.call_id AND a.f < b.f GROUP BY b.f"""
    ).fetchall())
    groups, start = [], 0
    for f in range(1, files):
        if latest_earlier.get(f, -1) >= start:
            groups.append(range(start, f))
            start = f
    groups.append(range(start, files))
    return groups


def _per_file(con: duckdb.DuckDBPyConnection, select: str, files: int) -> list[int]:
    """A count per file (`select` is `SELECT <file index> AS f, <count> FROM ...`, grouped here)."""
    found = dict(con.execute(f"{select} GROUP BY f").fetchall())
    return [int(found.get(i, 0)) for i in range(files)]


def _stop_if_interrupted(exc: BaseException) -> None:
    """A batch falls back to reading file by file on an error, but never on a Ctrl-C."""
    if interrupted_in_udf(exc):
        raise KeyboardInterrupt from exc
