"""What an ingest run is asked to do (IngestOptions) and what happened to each file (FileResult)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mmaudit.formats import LogFormat, by_name

Enricher = Callable[[duckdb.DuckDBPyConnection, str], None]


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    log_format: str | None = None
    records: int = 0
    loaded: int = 0
    duplicates: int = 0  # records of a call already loaded (repeats, other versions, one that upgraded it)
    upgraded: int = 0  # stored calls replaced by a more complete version (see mmaudit/conflicts.py)
    quarantined: int = 0
    skipped: int = 0  # records of the format that are not calls (e.g. a session's user turns)
    purged: int = 0  # calls older than a `mmaudit purge`: stay purged, not loaded again
    estimated: int = 0
    conflicting_ids: int = 0  # duplicate ids whose later records differ (see mmaudit/conflicts.py)
    status: str = "loaded"  # loaded | partial (loaded, but the file is cut short) | empty | rejected (strict) | failed
    #                         | unchanged (loaded before with this exact content: not read again)
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
    on_records: Callable[[Path, int], None] | None = None  # progress: records of the file read so far

    def forced_format(self) -> LogFormat | None:
        """The format every file is read as (a user's mapping, or `--log-format`), or None: detect."""
        return self.custom_format or (by_name(self.log_format) if self.log_format else None)
