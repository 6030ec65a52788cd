"""Storing a file's staged chunks in ONE transaction, on a cursor of its own.

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

from pathlib import Path

import duckdb
import pyarrow as pa

from mmaudit.conflicts import conflicting_ids_sql, first_versions_sql, upgrades_sql
from mmaudit.ingest.fingerprint import Fingerprint
from mmaudit.ingest.staging import STORED_COLUMNS, ChunkFiles
from mmaudit.schema import CALL_HASH_SQL


class FileWriter:
    """The file's transaction: `add` each chunk, then `commit` with the ledger row, or `abort`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path):
        self.path = path
        self._con = con
        self._con.execute("CREATE OR REPLACE TEMP TABLE _upgraded (call_id VARCHAR)")
        self._cur = con.cursor()
        self._open = True
        self._cur.execute("BEGIN TRANSACTION")
        self._cur.execute("CREATE TEMP TABLE _conflicting (call_id VARCHAR)")

    def add(self, files: ChunkFiles, repeated_ids: bool) -> tuple[int, int]:
        """Store a chunk's new calls and quarantined lines (from its files).

        Returns (calls new, stored calls replaced by a more complete version)."""
        cur = self._cur
        chunk = "(SELECT *, ?::VARCHAR AS source_file FROM read_parquet(?))"
        params = [str(self.path), str(files.calls)]
        stored = cur.execute(f"SELECT count(*) FROM calls WHERE call_id IN (SELECT call_id FROM {chunk})",
                             params).fetchall()[0][0]
        upgraded = 0
        if stored or repeated_ids:
            cur.execute(f"INSERT INTO _conflicting {conflicting_ids_sql(chunk, repeated_ids)}", params)
        if stored:
            upgraded = self._upgrade(chunk, params)
        cols = ", ".join(STORED_COLUMNS)
        loaded = cur.execute(
            f"INSERT INTO calls ({cols}, call_hash) SELECT {cols}, {CALL_HASH_SQL.format(id='s.call_id')} "
            f"FROM ({first_versions_sql(chunk, repeated_ids)}) s",
            params,
        ).fetchall()[0][0]
        if files.quarantine is not None:
            self._add_quarantine(files.quarantine)
        return loaded, upgraded

    def _upgrade(self, chunk: str, params: list[str]) -> int:
        """Replace stored calls the chunk has a more complete version of; returns how many of them
        were stored before this file (a version that grew across this file's chunks is not one)."""
        sets = ", ".join(f"{c} = u.{c}" for c in STORED_COLUMNS)
        replaced = self._cur.execute(
            f"UPDATE calls SET {sets} FROM ({upgrades_sql(chunk)}) u WHERE calls.call_id = u.call_id "
            "RETURNING calls.call_id", params).fetchnumpy()
        replaced = pa.table({"call_id": replaced["call_id"]})
        if replaced.num_rows == 0:
            return 0
        # `self._con` sees only committed data: the calls stored before this file's transaction.
        self._con.register("_replaced", replaced)
        try:
            return self._con.execute(
                """INSERT INTO _upgraded SELECT DISTINCT call_id FROM calls
                WHERE call_id IN (SELECT call_id FROM _replaced) AND call_id NOT IN (SELECT call_id FROM _upgraded)"""
            ).fetchall()[0][0]
        finally:
            self._con.unregister("_replaced")

    def _add_quarantine(self, quarantine: Path) -> None:
        source = str(self.path)
        self._cur.execute(
            """INSERT INTO quarantine (source_file, source_line, source_format, reason, raw, raw_hash)
            SELECT ?, q.line_no, q.source_format, q.reason, q.raw, q.raw_hash FROM read_parquet(?) q
            WHERE NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.source_file = ?
                              AND x.source_line = q.line_no AND x.raw_hash = q.raw_hash)""",
            [source, str(quarantine), source],
        )

    def add_cut(self, line_no: int, text: str, reason: str, keep_text: bool) -> None:
        """Quarantine the line where a compressed file cut short ends (`text`: what there is of it;
        not stored with --redact-text, only its hash, as for every quarantined line)."""
        source = str(self.path)
        self._cur.execute(
            """INSERT INTO quarantine (source_file, source_line, source_format, reason, raw, raw_hash)
            SELECT ?, ?, NULL, ?, ?, md5(?)
            WHERE NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.source_file = ? AND x.source_line = ?
                              AND x.raw_hash = md5(?))""",
            [source, line_no, reason, text if keep_text else None, text, source, line_no, text],
        )

    def commit(self, log_format: str | None, records: int, loaded: int, duplicates: int, quarantined: int,
               fp: Fingerprint | None = None) -> int:
        """Write the ledger row (with the file's fingerprint: an unchanged file is not read again)
        and commit; returns the file's count of conflicting ids."""
        conflicting = self._cur.execute("SELECT count(DISTINCT call_id) FROM _conflicting").fetchall()[0][0]
        self._cur.execute("DROP TABLE _conflicting")
        self._cur.execute(
            "INSERT INTO ingested_files (source_file, source_format, size_bytes, records, loaded, duplicates, quarantined,"
            " content_sha256, read_as) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [str(self.path), log_format, fp.size if fp else self.path.stat().st_size, records, loaded, duplicates,
             quarantined, fp.sha256 if fp else None, fp.read_as if fp else None],
        )
        self._cur.execute("COMMIT")
        self._open = False
        return conflicting

    def abort(self) -> None:
        """Roll back whatever this file stored (idempotent; also after a failed commit)."""
        if self._open:
            self._open = False
            try:
                self._cur.execute("ROLLBACK")
            except duckdb.Error:
                pass  # a failed COMMIT has already ended the transaction
        self._cur.close()
