"""Loading log files into the `calls` table.

Per file, in bounded memory however large the file is:
  reading.py     stream the file's lines in order, numbered, a chunk at a time (a cursor of its own)
  detection.py   detect the format from the first valid JSON lines
  staging.py     per chunk, set-based in DuckDB on the caller's connection: split valid JSON
                 objects from broken lines -> parse every record once with `from_json` -> project
                 into the canonical columns -> quarantine records with unusable values -> ids for
                 id-less records -> estimate missing token counts -> enrich (categorise, price)
  committing.py  store each chunk's new calls and quarantined lines, and the file's ledger row,
                 in ONE transaction per file (a cursor of its own)
  batching.py    small files (up to 1 MB) staged and stored together, one pass of the SQL for
                 many files, each storing and saying what it would alone
  pipeline.py    the run: discovery, the per-file loop, results

An interrupted run therefore leaves the database as it was before that file (or group of small
files), and a re-run adds only what is missing.
"""

from mmaudit.ingest.detection import DETECT_SAMPLE, detect_format
from mmaudit.ingest.discovery import COMPRESSED_SUFFIXES, LOG_SUFFIXES, TABLE_SUFFIXES, discover
from mmaudit.ingest.pipeline import (
    Enricher,
    FileResult,
    IngestOptions,
    IngestResult,
    ingest_file,
    ingest_paths,
    prepare,
)
from mmaudit.ingest.reading import MAX_LINE_BYTES, READ_BUFFER_BYTES
from mmaudit.ingest.staging import RAW_KEEP_CHARS

__all__ = [
    "COMPRESSED_SUFFIXES",
    "DETECT_SAMPLE",
    "LOG_SUFFIXES",
    "MAX_LINE_BYTES",
    "RAW_KEEP_CHARS",
    "READ_BUFFER_BYTES",
    "TABLE_SUFFIXES",
    "Enricher",
    "FileResult",
    "IngestOptions",
    "IngestResult",
    "detect_format",
    "discover",
    "ingest_file",
    "ingest_paths",
    "prepare",
]
