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
            # one statement for every format: planned once, not once per format
            per_format = " UNION ALL ".join(
                f"SELECT {k} AS k, f, count(*) AS hits FROM (SELECT f, from_json(line, $s{k}) AS r FROM _sample) "
                f"WHERE {fmt.detect} GROUP BY f" for k, fmt in enumerate(FORMATS))
            for k, f, hits in con.execute(per_format, {f"s{k}": fmt.structure_json() for k, fmt in enumerate(FORMATS)}).fetchall():
                counts[f][k] = hits
        finally:
            con.unregister("_sample")
    sizes = np.bincount(samples.column("f").to_numpy(), minlength=len(paths)) if samples.num_rows else [0] * len(paths)
    return [_choose(path, int(size), hits) for path, size, hits in zip(paths, sizes, counts, strict=True)]


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
