"""Storing a file's staged chunks in ONE transaction, on a cursor of its own (or a group of small
files staged together: ingest/batching.py; each file keeps its own lineage, counts and ledger row).

An interrupted run therefore leaves the database as it was before that file, and a re-run adds
only what is missing. DuckDB writes large uncommitted appends to the database file as it goes,
so the transaction does not hold the file's rows in memory.

Repeated ids (mmaudit/conflicts.py has the rule): a call whose id is already stored (from an
earlier run, or from an earlier chunk of this file, which this transaction sees) is not stored
again, unless the chunk holds a strictly more complete version of it (a running output count that
grew, usage that arrived with a stream's last chunk): then that version replaces the stored row.
Within a chunk the most complete version of an id wins (ties: the earliest line), so the result
does not depend on how the file is chunked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from mmaudit.conflicts import conflicting_ids_sql, first_versions_sql, upgrades_sql
from mmaudit.formats.base import file_index_sql, own_line_sql
from mmaudit.ingest.fingerprint import Fingerprint
from mmaudit.ingest.staging import STORED_COLUMNS, ChunkFiles
from mmaudit.schema import CALL_HASH_SQL


@dataclass(frozen=True)
class LedgerRow:
    """One file's line in `ingested_files` (`fp` None for a file cut short: it says so every time)."""

    path: Path
    log_format: str | None
    records: int
    loaded: int
    duplicates: int
    quarantined: int
    fp: Fingerprint | None = None


class FileWriter:
    """The transaction of a file, or of a group of small files staged together (`paths`, in batch
    order: a staged line number holds its file's index, `file_index_sql`): `add` each chunk, then
    `commit` with the ledger rows, or `abort`. Counts come back per file, in the order of `paths`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, paths: Sequence[Path]):
        self.paths = list(paths)
        self._con = con
        self._con.execute("CREATE OR REPLACE TEMP TABLE _upgraded (call_id VARCHAR)")
        self._cur = con.cursor()
        self._open = True
        self._quarantined: bool | None = None  # whether quarantine holds lines of these files (looked up once)
        self._cur.execute("BEGIN TRANSACTION")
        self._cur.execute("CREATE TEMP TABLE _conflicting (call_id VARCHAR, source_file VARCHAR)")
        # calls older than a purge stay purged: not loaded again from a log that still holds them
        self._horizon = self._cur.execute("SELECT max(purged_before) FROM purges").fetchall()[0][0]
        self.purged = [0] * len(self.paths)  # per file: records older than the purge, not loaded

    def _per_file(self, source_files: np.ndarray) -> list[int]:
        names, counts = np.unique(source_files.astype(str), return_counts=True) if len(source_files) else ([], [])
        found = dict(zip(names, counts, strict=True))
        return [int(found.get(str(p), 0)) for p in self.paths]

    def add(self, files: ChunkFiles, repeated_ids: bool) -> tuple[list[int], list[int]]:
        """Store a chunk's new calls and quarantined lines (from its files).

        Returns, per file, (calls new, stored calls replaced by a more complete version)."""
        cur = self._cur
        # each staged line number becomes its file's name and the file's own line number
        chunk = (f"(SELECT * REPLACE ({own_line_sql('source_line')} AS source_line), "
                 f"(?::VARCHAR[])[{file_index_sql('source_line')} + 1] AS source_file FROM read_parquet(?))")
        params = [[str(p) for p in self.paths], str(files.calls)]
        if self._horizon is not None:
            older = f"ts < TIMESTAMPTZ '{self._horizon.isoformat()}'"  # (a timestamp from the database)
            for file, n in cur.execute(f"SELECT source_file, count(*) FROM {chunk} WHERE {older} GROUP BY ALL",
                                       params).fetchall():
                self.purged[[str(p) for p in self.paths].index(file)] += int(n)
            chunk = f"(SELECT * FROM {chunk} WHERE NOT coalesce({older}, false))"
        stored = cur.execute(f"SELECT count(*) FROM calls WHERE call_id IN (SELECT call_id FROM {chunk})",
                             params).fetchall()[0][0]
        upgraded = [0] * len(self.paths)
        if stored or repeated_ids:
            conflicting = conflicting_ids_sql(chunk, repeated_ids)
            if len(self.paths) == 1:
                cur.execute(f"INSERT INTO _conflicting SELECT call_id, ? FROM ({conflicting})", [str(self.paths[0]), *params])
            else:  # a group's files share no call id (ingest/batching.py): each id has one file
                cur.execute(f"""INSERT INTO _conflicting SELECT x.call_id, any_value(c.source_file)
                    FROM ({conflicting}) x JOIN {chunk} c USING (call_id) GROUP BY x.call_id""", params + params)
        if stored:
            upgraded = self._upgrade(chunk, params)
        cols = ", ".join(STORED_COLUMNS)
        insert = (f"INSERT INTO calls ({cols}, call_hash) SELECT {cols}, {CALL_HASH_SQL.format(id='s.call_id')} "
                  f"FROM ({first_versions_sql(chunk, repeated_ids)}) s")
        if len(self.paths) == 1:
            loaded = [cur.execute(insert, params).fetchall()[0][0]]
        else:
            loaded = self._per_file(cur.execute(insert + " RETURNING source_file", params).fetchnumpy()["source_file"])
        self._clear_quarantine(chunk, params)
        if files.quarantine is not None:
            self._add_quarantine(files.quarantine)
        return loaded, upgraded

    def _clear_quarantine(self, chunk: str, params: list) -> None:
        """A line an earlier run quarantined that reads now (the half-written last line of a log
        still being written, a file first read with the wrong --log-format) leaves the quarantine:
        a line is in `calls` or in `quarantine`, not both. Quarantine is small; looked up once."""
        if self._quarantined is None:
            self._quarantined = self._cur.execute(
                "SELECT count(*) FROM quarantine WHERE source_file IN (SELECT unnest(?::VARCHAR[]))",
                [[str(p) for p in self.paths]]).fetchall()[0][0] > 0
        if self._quarantined:
            self._cur.execute(f"""DELETE FROM quarantine q USING (SELECT DISTINCT source_file, source_line FROM {chunk}) c
                                  WHERE q.source_file = c.source_file AND q.source_line = c.source_line""", params)

    def _upgrade(self, chunk: str, params: list) -> list[int]:
        """Replace stored calls the chunk has a more complete version of; returns, per file, how
        many of them were stored before this transaction (a version that grew across a file's
        chunks is not one)."""
        sets = ", ".join(f"{c} = u.{c}" for c in STORED_COLUMNS)
        replaced = self._cur.execute(
            f"UPDATE calls SET {sets} FROM ({upgrades_sql(chunk)}) u WHERE calls.call_id = u.call_id "
            "RETURNING calls.call_id, calls.source_file", params).fetchnumpy()
        replaced = pa.table({"call_id": replaced["call_id"], "source_file": replaced["source_file"]})
        if replaced.num_rows == 0:
            return [0] * len(self.paths)
        # `self._con` sees only committed data: the calls stored before this transaction.
        self._con.register("_replaced", replaced)
        try:
            first_time = ("FROM _replaced WHERE call_id IN (SELECT call_id FROM calls) "
                          "AND call_id NOT IN (SELECT call_id FROM _upgraded)")
            found = dict(self._con.execute(
                f"SELECT source_file, count(DISTINCT call_id) {first_time} GROUP BY source_file").fetchall())
            self._con.execute(f"INSERT INTO _upgraded SELECT DISTINCT call_id {first_time}")
            return [int(found.get(str(p), 0)) for p in self.paths]
        finally:
            self._con.unregister("_replaced")

    def _add_quarantine(self, quarantine: Path) -> None:
        self._cur.execute(
            f"""INSERT INTO quarantine (source_file, source_line, source_format, reason, raw, raw_hash)
            SELECT * FROM (
                SELECT ($paths::VARCHAR[])[{file_index_sql('q.line_no')} + 1] AS f, {own_line_sql('q.line_no')} AS n,
                       q.source_format, q.reason, q.raw, q.raw_hash FROM read_parquet($file) q) q
            WHERE NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.source_file = q.f
                              AND x.source_line = q.n AND x.raw_hash = q.raw_hash)""",
            {"paths": [str(p) for p in self.paths], "file": str(quarantine)},
        )

    def add_cut(self, line_no: int, text: str, reason: str, keep_text: bool) -> None:
        """Quarantine the line where a compressed file cut short ends (`text`: what there is of it;
        not stored with --redact-text, only its hash, as for every quarantined line). A file cut
        short is always read alone."""
        (path,) = self.paths
        source = str(path)
        self._cur.execute(
            """INSERT INTO quarantine (source_file, source_line, source_format, reason, raw, raw_hash)
            SELECT ?, ?, NULL, ?, ?, md5(?)
            WHERE NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.source_file = ? AND x.source_line = ?
                              AND x.raw_hash = md5(?))""",
            [source, line_no, reason, text if keep_text else None, text, source, line_no, text],
        )

    def commit(self, ledger: Sequence[LedgerRow]) -> list[int]:
        """Write the ledger row of each file stored (with its fingerprint: an unchanged file is not
        read again) and commit; returns each of those files' count of conflicting ids."""
        found = dict(self._cur.execute(
            "SELECT source_file, count(DISTINCT call_id) FROM _conflicting GROUP BY source_file").fetchall())
        self._cur.execute("DROP TABLE _conflicting")
        for row in ledger:
            path, fp = row.path, row.fp
            self._cur.execute(
                "INSERT INTO ingested_files (source_file, source_format, size_bytes, records, loaded, duplicates,"
                " quarantined, content_sha256, read_as) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [str(path), row.log_format, fp.size if fp else path.stat().st_size, row.records, row.loaded,
                 row.duplicates, row.quarantined, fp.sha256 if fp else None, fp.read_as if fp else None],
            )
        self._cur.execute("COMMIT")
        self._open = False
        return [int(found.get(str(row.path), 0)) for row in ledger]

    def abort(self) -> None:
        """Roll back whatever this file stored (idempotent; also after a failed commit)."""
        if self._open:
            self._open = False
            try:
                self._cur.execute("ROLLBACK")
            except duckdb.Error:
                pass  # a failed COMMIT has already ended the transaction
        self._cur.close()
