"""Which log format a file is in, decided from a sample of its first valid JSON lines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from mmaudit.errors import InputError
from mmaudit.formats import FORMATS, LogFormat

DETECT_SAMPLE = 500


def detect_format(con: duckdb.DuckDBPyConnection, path: Path, sample: pa.Table) -> LogFormat:
    """The format that recognises the most records of `sample` (ties: registry order).

    `sample` holds the file's first DETECT_SAMPLE valid JSON lines (column `line`). A format
    with `refuse` set (a file that is recognisably not a call log) fails the file with its message.
    """
    files = pa.table({"f": pa.array([0] * sample.num_rows, pa.int64()), "line": sample.column("line")})
    (found,) = detect_formats(con, [path], files)
    if isinstance(found, InputError):
        raise found
    return found


def detect_formats(con: duckdb.DuckDBPyConnection, paths: Sequence[Path],
                   samples: pa.Table) -> list[LogFormat | InputError]:
    """`detect_format` for several files at once: `samples` holds each file's sample, `f` its
    index in `paths`, and `line`. One statement counts every format's hits in every file; returns
    each file's format, or the InputError that says why it has none."""
    counts = [[0] * len(FORMATS) for _ in paths]
    if samples.num_rows:
        con.register("_sample", samples.select(["f", "line"]))
        try:
            for k, f, hits in _hits(con, _candidates(con)):
                counts[f][k] = hits
        finally:
            con.unregister("_sample")
    sizes = np.bincount(samples.column("f").to_numpy(), minlength=len(paths)) if samples.num_rows else [0] * len(paths)
    return [_choose(path, int(size), hits) for path, size, hits in zip(paths, sizes, counts, strict=True)]


def _candidates(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The formats (indices in FORMATS) whose `detect` can hold on some line of `_sample`.

    Planning a format's `from_json` and `detect` costs far more than running them on a sample
    (most of a small file's detection), so a format is left out when every sampled line is a JSON
    object with none of the top-level keys its `detect` reads (`LogFormat.detect_keys`): such a
    line parses to the all-NULL record, which no format's `detect` recognises."""
    objects, keys = con.execute(
        "SELECT (SELECT bool_and(json_valid(line) AND json_type(line) = 'OBJECT') FROM _sample), "
        "(SELECT list(DISTINCT lower(k)) FROM (SELECT unnest(json_keys(line)) AS k FROM _sample WHERE json_valid(line)))"
    ).fetchall()[0]
    present = set(keys or ())
    return [k for k, fmt in enumerate(FORMATS)
            if not objects or (found := fmt.detect_keys()) is None or not found.isdisjoint(present)]


def _hits(con: duckdb.DuckDBPyConnection, candidates: list[int]) -> list[tuple[int, int, int]]:
    """(format index, file index, records recognised) for the `candidates` on `_sample`: one
    statement for every format, planned once, not once per format; each format parses the lines
    with only the part of its structure its `detect` reads (`LogFormat.detect_structure_json`)."""
    if not candidates:
        return []
    per_format = " UNION ALL ".join(
        f"SELECT {k} AS k, f, count(*) AS hits FROM (SELECT f, from_json(line, $s{k}) AS r FROM _sample) "
        f"WHERE {FORMATS[k].detect} GROUP BY f" for k in candidates)
    return con.execute(per_format, {f"s{k}": FORMATS[k].detect_structure_json() for k in candidates}).fetchall()


def _choose(path: Path, sampled: int, hits: list[int]) -> LogFormat | InputError:
    if sampled == 0:
        return InputError(f"{path}: no valid JSON records to detect a log format from")
    best_hits, best = max(zip(hits, FORMATS, strict=True), key=lambda s: s[0])  # max keeps the first of equal scores
    if best_hits == 0:
        tried = "; ".join(f"{fmt.name}: none has {fmt.detect_hint}" for fmt in FORMATS)
        return InputError(
            f"{path}: cannot tell the log format of the first {sampled} records. "
            f"Considered {tried}. Use --log-format to force one."
        )
    if best.refuse:
        return InputError(f"{path}: {best.refuse}")
    return best
