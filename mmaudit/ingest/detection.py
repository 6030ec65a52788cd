"""Which log format a file is in, decided from a sample of its first valid JSON lines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from mmaudit.errors import InputError
from mmaudit.formats import FORMATS, LogFormat

DETECT_SAMPLE = 500


def detect_format(con: duckdb.DuckDBPyConnection, path: Path, sample: pa.Table) -> LogFormat:
    """The format that recognises the most records of `sample` (ties: registry order).

    `sample` holds the file's first DETECT_SAMPLE valid JSON lines (column `line`). A format
    with `refuse` set (a file that is recognisably not a call log) fails the file with its message.
    """
    if sample.num_rows == 0:
        raise InputError(f"{path}: no valid JSON records to detect a log format from")
    con.register("_sample", sample)
    try:
        scores: list[tuple[int, LogFormat]] = []
        for fmt in FORMATS:
            hits = con.execute(
                f"SELECT count(*) FROM (SELECT from_json(line, ?) AS r FROM _sample) WHERE {fmt.detect}",
                [fmt.structure_json()],
            ).fetchall()[0][0]
            scores.append((hits, fmt))
    finally:
        con.unregister("_sample")
    best_hits, best = max(scores, key=lambda s: s[0])  # max keeps the first of equal scores
    if best_hits == 0:
        tried = "; ".join(f"{fmt.name}: none has {fmt.detect_hint}" for _, fmt in scores)
        raise InputError(
            f"{path}: cannot tell the log format of the first {sample.num_rows} records. "
            f"Considered {tried}. Use --log-format to force one."
        )
    if best.refuse:
        raise InputError(f"{path}: {best.refuse}")
    return best
